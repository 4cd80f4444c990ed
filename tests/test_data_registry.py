"""The data registry: lookup order, verification, and errors a user can act on (no network needed)."""

from __future__ import annotations

import hashlib
import pickle

import numpy as np
import pytest

from lstmdyn.data.registry import DataRegistry, registry, restricted_load
from lstmdyn.data.weights import amrouche_ptb_weights
from lstmdyn.errors import DataError

CONTENT = b"the real data\n"


def _registry(tmp_path, url: str, sha256: str | None = None) -> DataRegistry:
    table = tmp_path / "registry.toml"
    table.write_text(f'[toy]\norigin = "here"\nlicense = "none"\n\n[toy.files."a.txt"]\n'
                     f'sha256 = "{sha256 or hashlib.sha256(CONTENT).hexdigest()}"\nbytes = {len(CONTENT)}\n'
                     f'url = "{url}"\n')
    return DataRegistry(table, tmp_path / "cache")


@pytest.fixture
def mirror(tmp_path):
    """A local 'server' directory holding the file, reachable by a file:// URL."""
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "a.txt").write_bytes(CONTENT)
    return (tmp_path / "server" / "a.txt").as_uri()


def test_every_registered_file_is_found_in_lstmdyn_data_and_matches_its_hash():
    for dataset in registry.datasets.values():
        for name in dataset.files:
            if name.endswith(".npz"):
                continue  # served from LSTMDYN_DATA only; checked with the weights below
            path = registry.fetch(dataset.name, name)
            assert path.stat().st_size == dataset.files[name].bytes


def test_unknown_data_set_lists_the_known_ones():
    with pytest.raises(DataError, match="unknown data set 'mnist2'; known: amrouche_ptb_weights, cmu_mocap"):
        registry.fetch("mnist2", "x")


def test_unknown_file_lists_the_files_of_the_data_set():
    with pytest.raises(DataError, match="data set ptb has no file 'train.txt'; its files: ptb.test.txt"):
        registry.fetch("ptb", "train.txt")


def test_download_lands_in_the_cache_and_is_reused(tmp_path, mirror, monkeypatch):
    monkeypatch.delenv("LSTMDYN_DATA", raising=False)
    data = _registry(tmp_path, mirror)
    path = data.fetch("toy", "a.txt")
    assert path == tmp_path / "cache" / "toy" / "a.txt" and path.read_bytes() == CONTENT
    (tmp_path / "server" / "a.txt").unlink()  # the cache answers now
    assert data.fetch("toy", "a.txt") == path


def test_lstmdyn_data_is_looked_at_before_the_cache(tmp_path, mirror, monkeypatch):
    local = tmp_path / "local"
    (local / "toy").mkdir(parents=True)
    (local / "toy" / "a.txt").write_bytes(CONTENT)
    monkeypatch.setenv("LSTMDYN_DATA", str(local))
    assert _registry(tmp_path, mirror).fetch("toy", "a.txt") == local / "toy" / "a.txt"
    assert not (tmp_path / "cache").exists()


def test_missing_file_without_network_names_the_file_its_hash_and_both_remedies(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMDYN_DATA", str(tmp_path / "empty"))
    data = _registry(tmp_path, (tmp_path / "nowhere" / "a.txt").as_uri())
    with pytest.raises(DataError) as error:
        data.fetch("toy", "a.txt")
    message = str(error.value)
    assert "toy/a.txt" in message and hashlib.sha256(CONTENT).hexdigest() in message
    assert "$LSTMDYN_DATA/toy/a.txt" in message and "nowhere/a.txt" in message
    assert "allow the download" in message


def test_corrupt_download_is_an_error_with_both_hashes_and_leaves_nothing(tmp_path, mirror, monkeypatch):
    monkeypatch.delenv("LSTMDYN_DATA", raising=False)
    data = _registry(tmp_path, mirror, sha256="0" * 64)
    with pytest.raises(DataError) as error:
        data.fetch("toy", "a.txt")
    assert "0" * 64 in str(error.value) and hashlib.sha256(CONTENT).hexdigest() in str(error.value)
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []  # nothing, complete or partial


def test_a_corrupt_file_in_the_cache_is_said_to_be_corrupt_and_moved_aside(tmp_path, monkeypatch):
    monkeypatch.delenv("LSTMDYN_DATA", raising=False)
    data = _registry(tmp_path, (tmp_path / "nowhere" / "a.txt").as_uri())  # and no way to download it again
    cached = tmp_path / "cache" / "toy" / "a.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(CONTENT[:-1])
    with pytest.raises(DataError, match=r"toy/a.txt .* was corrupt in the cache .* moved aside to .*a.txt.corrupt"):
        data.fetch("toy", "a.txt")
    assert not cached.exists() and (cached.parent / "a.txt.corrupt").read_bytes() == CONTENT[:-1]


def test_corrupt_local_copy_is_an_error_not_a_fallback(tmp_path, mirror, monkeypatch):
    local = tmp_path / "local"
    (local / "toy").mkdir(parents=True)
    (local / "toy" / "a.txt").write_bytes(b"tampered\n")
    monkeypatch.setenv("LSTMDYN_DATA", str(local))
    with pytest.raises(DataError, match=r"a.txt is corrupt: its sha256 is [0-9a-f]{64}, expected"):
        _registry(tmp_path, mirror).fetch("toy", "a.txt")


def test_restricted_unpickler_refuses_code(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(print))  # a pickle that names a callable: builtins.print
    with pytest.raises(pickle.UnpicklingError, match="refusing to unpickle builtins.print"):
        restricted_load(path)


def test_authors_weights_from_npz_and_from_the_original_pickle_are_identical(monkeypatch, tmp_path):
    kernel, bias = amrouche_ptb_weights()
    assert kernel.shape == (400, 800) and bias.shape == (800,)
    assert np.abs(kernel).max() == pytest.approx(3.899, abs=1e-3)  # PROVENANCE.md sanity figures
    assert np.abs(bias).max() == pytest.approx(5.165, abs=1e-3)
    pickled = restricted_load(registry.fetch("amrouche_ptb_weights", "weights_AND_biases.pkl"))
    np.testing.assert_array_equal(pickled[0], kernel)
    np.testing.assert_array_equal(pickled[1], bias)
