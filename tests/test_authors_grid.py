"""The authors' published CharRNN grid: read safely, read right, and analysed as the book's own sweeps are."""

from __future__ import annotations

import io
import os
import pickle

import numpy as np
import pytest
import torch

from lstmdyn.data.hyperopt import load_hyperopt_grid, load_tensor_pickle
from lstmdyn.errors import DataError
from lstmdyn.experiments.authors_grid import decidable_size, grid_networks, interval_power, still_improving


@pytest.fixture(scope="module")
def grid():
    return load_hyperopt_grid()[0]


def test_the_grid_is_the_110_networks_its_provenance_describes(grid):
    """The figures PROVENANCE.md measured on these files: best losses 1.338–1.586 (median 1.368), largest exponent
    after epoch 15 from −0.49 to +0.14 bits per step (median −0.136), the first loss of drop0.02_lr0.001 4.2738."""
    assert len(grid) == 110 and grid.groupby(["dropout", "lr"]).ngroups == 110
    assert sorted(grid["dropout"].unique()) == pytest.approx(np.arange(11) * 0.02)
    assert sorted(grid["lr"].unique()) == pytest.approx(np.arange(1, 11) * 0.001)
    best = grid["valid_losses"].map(min)
    assert best.min() == pytest.approx(1.338, abs=5e-4) and best.max() == pytest.approx(1.586, abs=5e-4)
    assert best.median() == pytest.approx(1.368, abs=5e-4)
    largest = grid_networks(grid, 15)["max_le"]
    assert largest.min() == pytest.approx(-0.49, abs=5e-3) and largest.max() == pytest.approx(0.14, abs=5e-3)
    assert largest.median() == pytest.approx(-0.136, abs=5e-4)
    first = grid[(grid["dropout"] == 0.02) & (grid["lr"] == 0.001)]["valid_losses"].iloc[0][0]
    assert first == pytest.approx(4.2738, abs=1e-4)
    assert all(len(s) == 512 and np.all(np.diff(s) <= 0) for s in grid["spectrum_e15"])  # descending
    assert 0 < still_improving(grid) < 110


class _Planted:
    def __reduce__(self):
        return os.system, ("true",)


def test_a_pickle_that_would_run_code_is_refused_at_either_level(tmp_path):
    """Outside: a pickle naming os.system. Inside: a tensor pickle whose nested torch.save bytes name it."""
    outer = tmp_path / "outer.p"
    outer.write_bytes(pickle.dumps(_Planted()))
    with pytest.raises(DataError, match="refusing to unpickle posix.system"):
        load_tensor_pickle(outer)

    nested = io.BytesIO()
    torch.save(_Planted(), nested, _use_new_zipfile_serialization=False)

    class Inner:
        def __reduce__(self):
            import torch.storage
            return torch.storage._load_from_bytes, (nested.getvalue(),)

    inner = tmp_path / "inner.p"
    inner.write_bytes(pickle.dumps(Inner()))
    with pytest.raises(DataError, match="inner.p"):
        load_tensor_pickle(inner)


def test_a_genuine_tensor_pickle_of_the_old_kind_reads_back_its_tensors(tmp_path):
    """Tensors pickled plainly, as the authors' files were: each storage a nested torch.save of its bytes."""
    mean, std = torch.arange(4.0), torch.ones(4)
    plain = tmp_path / "plain.p"
    plain.write_bytes(pickle.dumps((mean, std), protocol=3))
    read = load_tensor_pickle(plain)
    assert torch.equal(read[0], mean) and torch.equal(read[1], std)


def test_the_number_of_networks_a_sweep_needs_grows_with_a_weaker_correlation():
    rng = np.random.default_rng(5)
    x = rng.normal(size=110)
    strong, weak = -x + 0.5 * rng.normal(size=110), -x + 3 * rng.normal(size=110)
    sizes = [10, 20, 40, 80]
    need_strong = decidable_size(interval_power(x, strong, sizes, draws=40, resamples=300, seed=1))
    need_weak = decidable_size(interval_power(x, weak, sizes, draws=40, resamples=300, seed=1))
    assert need_strong is not None and (need_weak is None or need_weak > need_strong)
    again = interval_power(x, strong, sizes, draws=40, resamples=300, seed=1)
    assert again.equals(interval_power(x, strong, sizes, draws=40, resamples=300, seed=1))  # seeded
