"""One member of a sweep: trained and measured epoch by epoch, resumed after a kill, its final measurements
in float64; the sweeps' sizes per profile as the chapter and the command line read them."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch

from conftest import ROOT
from lstmdyn.book.parameters import declared_parameters
from lstmdyn.experiments.both_tools import model_spectrum
from lstmdyn.experiments.sweep_member import (
    MEMBER_VERSION,
    SWEEP_PROFILES,
    SWEEPS,
    SpectrumMember,
    member_task,
    spectrum_inputs,
    sweep_members,
    train_and_measure,
)
from lstmdyn.profiles import NOTEBOOKS
from lstmdyn.sweeps import member_key, read_sweep, run_sweep

TESTS = str(Path(__file__).parent)


MEMBER = SpectrumMember("charrnn", hidden=24, epochs=4, lr=3e-3, samples=3000, valid_samples=50, sequences=3,
                        steps=30)
KILLED_RUN = f"""
import sys
sys.path.insert(0, {TESTS!r})
from lstmdyn.experiments.sweep_member import SpectrumMember, train_and_measure
from lstmdyn.sweeps import run_sweep
run_sweep("killed", [SpectrumMember(**{MEMBER.__dict__!r})], train_and_measure, results=sys.argv[1], workers=1,
          device="cpu", progress=False)
"""


def test_a_killed_sweep_resumes_its_member_from_the_last_checkpoint(tmp_path):
    """Kill the whole process group (client and workers) after the first trained epoch; run again."""
    run = tmp_path / "killed" / "runs" / member_key(MEMBER)
    log = tmp_path / "killed.log"
    with log.open("w") as stderr:  # alone it takes seconds; on a busy machine a few minutes may pass
        process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(tmp_path)], start_new_session=True,
                                   stderr=stderr)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and process.poll() is None and not (run / "epoch_001.json").exists():
                time.sleep(0.05)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert (run / "epoch_001.json").exists(), "no epoch measured before the kill: " + log.read_text()[-2000:]
    assert not (run / "epoch_004.json").exists(), "killed too late"
    assert read_sweep("killed", tmp_path).members.empty
    first = {p.name: p.stat().st_mtime_ns for p in run.glob("epoch_*.json")}

    tables = run_sweep("killed", [MEMBER], train_and_measure, results=tmp_path, workers=1, device="cpu",
                       progress=False)
    assert list(tables.members["status"]) == ["finished"]
    assert {p: (run / p).stat().st_mtime_ns for p in first} == first  # measured epochs are not measured again
    assert sorted(tables.epochs["epoch"]) == [0, 1, 2, 3, 4] and not list(run.glob("step_*.pt"))

    # Same numbers anywhere: the member was trained in two Dask worker processes, killed between them; this
    # process trains it again uninterrupted, with whatever threads the test process had before. The member pins
    # its own threads in both places, so the numbers must be equal to the last bit, not merely close: a thread
    # count taken from the worker, or a resume that restored less than the whole state, would differ.
    torch.set_num_threads(3)  # neither the member's count nor a worker's default on any machine of 1 or 2 cores
    _, rows = train_and_measure(MEMBER, tmp_path / "uninterrupted", "cpu")
    resumed = tables.epochs.sort_values("epoch")
    np.testing.assert_array_equal(resumed["valid_loss"], [r["valid_loss"] for r in rows])
    np.testing.assert_array_equal(np.stack(resumed["spectrum"]), [r["spectrum"] for r in rows])
    assert list(tables.members["threads"]) == [MEMBER.threads] == [1] and torch.get_num_threads() == 3


def test_spectrum_inputs_are_test_split_stretches():
    chars = spectrum_inputs("charrnn", 3, 50)
    assert chars.shape == (3, 50) and chars.dtype == torch.long
    frames = spectrum_inputs("mocap", 10, 100)
    assert frames.shape == (10, 100, 20)
    assert not torch.equal(frames[0], frames[1])  # taken in turn from different recordings
    with pytest.raises(ValueError, match="fewer than 100"):
        spectrum_inputs("mocap", 100, 100)


def test_the_selected_epoch_is_measured_again_in_float64_whatever_the_epochs_dtype(tmp_path):
    member = SpectrumMember("charrnn", hidden=8, epochs=2, lr=3e-3, samples=200, valid_samples=20, sequences=2,
                            steps=30, epoch_dtype="float32")
    summary, rows = train_and_measure(member, tmp_path, "cpu")
    task = member_task(member)
    task.model.load_state_dict(torch.load(tmp_path / "best.pt"))
    float64 = model_spectrum(task.model, spectrum_inputs("charrnn", 2, 30))
    assert summary["max_le"] == pytest.approx(float64[0], abs=1e-12)
    chosen = rows[summary["selected_epoch"]]
    assert chosen["max_le"] == pytest.approx(float64[0], abs=1e-4) and chosen["max_le"] != summary["max_le"]
    assert {"validation_seconds", "spectrum_seconds"} <= set(rows[1]) and summary["final_seconds"] > 0
    # the authors' convention on the same network: the frame evolved by Jᵀ after 10 steps of warm-up, in bits;
    # the largest exponent is the growth of the product's norm, which its transpose shares
    authors = model_spectrum(task.model, spectrum_inputs("charrnn", 2, 30)[:, 10:]) / np.log(2)
    assert summary["max_le_authors"] == pytest.approx(authors[0], rel=0.05)
    assert summary["mean_le_authors"] != pytest.approx(summary["mean_le"], abs=1e-3)


def test_the_sweep_sizes_are_the_chapters_parameters_at_each_profile():
    """The command line reads SWEEP_PROFILES; the chapter its parameters cell (quick) and the profile table."""
    declared = declared_parameters(jupytext.read(ROOT / "notebooks" / "lyapunov_experiments.py"))
    spec = NOTEBOOKS["lyapunov_experiments"]
    for profile, sizes in SWEEP_PROFILES.items():
        chapter = {name: spec.profile(profile).get(name, declared[name].default) for name in sizes}
        assert chapter == sizes, profile
    assert SWEEP_PROFILES["smoke"]["char_hidden"] == 8 and SWEEP_PROFILES["paper"]["char_hidden"] == 512
    assert len(sweep_members("charrnn", SWEEP_PROFILES["paper"])) == 66
    across = sweep_members("charrnn_init", SWEEP_PROFILES["paper"])
    assert [m.init for m in across] == [0.05, 0.14, 0.23, 0.32, 0.41, 0.5]
    assert {(m.lr, m.dropout, m.hidden, m.epochs) for m in across} == {(0.00301, 0.034, 512, 40)}


def test_the_command_line_offers_every_sweep_of_the_chapter():
    from lstmdyn.cli import _parser

    sweep = next(a for a in _parser()._subparsers._group_actions[0].choices["sweep"]._actions if a.dest == "name")
    assert tuple(sweep.choices) == SWEEPS


@pytest.mark.parametrize("damaged", ["step", "best", "epoch"])
def test_a_damaged_file_of_a_member_is_set_aside_and_the_member_trains_again(tmp_path, damaged):
    """A checkpoint, the best weights or a measured epoch that cannot be read: renamed, not deleted, and the
    member trains again from the start, to the numbers of a run that was never damaged."""
    small = {"task": "charrnn", "hidden": 6, "lr": 3e-3, "samples": 200, "valid_samples": 20, "sequences": 2,
             "steps": 20}
    _, whole = train_and_measure(SpectrumMember(epochs=2, **small), tmp_path / "whole", "cpu")
    run = tmp_path / "damaged"
    train_and_measure(SpectrumMember(epochs=1, **small), run, "cpu")  # an earlier run got one epoch in
    target = {"step": run / "step_0000002.pt", "best": run / "best.pt", "epoch": run / "epoch_001.json"}[damaged]
    target.write_bytes(b"PK\\x03\\x04 truncated")
    summary, rows = train_and_measure(SpectrumMember(epochs=2, **small), run, "cpu")
    assert (run / (target.name + ".damaged")).read_bytes() == b"PK\\x03\\x04 truncated"
    np.testing.assert_allclose([r["valid_loss"] for r in rows], [r["valid_loss"] for r in whole], rtol=1e-6)
    assert summary["selected_epoch"] >= 1 and not list(run.glob("step_*.pt"))


def test_results_that_older_code_measured_are_not_reused(tmp_path):
    from sweep_helpers import learning_rate

    old = SpectrumMember("charrnn", hidden=4, epochs=1, lr=1e-3, version=MEMBER_VERSION - 1)
    run_sweep("versions", [old], learning_rate, results=tmp_path, workers=1, progress=False)
    current = dataclasses.replace(old, version=MEMBER_VERSION)
    assert member_key(current) != member_key(old)
    again = run_sweep("versions", [current], learning_rate, results=tmp_path, workers=1, progress=False)
    assert list(again.members["version"]) == [MEMBER_VERSION] and list(again.members["status"]) == ["finished"]
    assert sorted(read_sweep("versions", tmp_path).members["version"]) == [MEMBER_VERSION - 1, MEMBER_VERSION]


SMALL = {"task": "charrnn", "hidden": 16, "samples": 20, "valid_samples": 20, "sequences": 2, "steps": 20}


def test_the_selected_epoch_is_the_best_trained_one_and_its_training_time_counts_up_to_it(tmp_path):
    """Rate 1: the validation loss falls at epoch 1, then rises (4.38 → 3.95, 5.11, 4.81). The network of epoch 1
    is selected, not the last one, its weights are best.pt, and the training time is that of epochs 0 and 1."""
    member = SpectrumMember(epochs=3, lr=1.0, **SMALL)
    summary, rows = train_and_measure(member, tmp_path, "cpu")
    losses = [r["valid_loss"] for r in rows]
    assert summary["selected_epoch"] == 1 == 1 + int(np.argmin(losses[1:])) and losses[3] > losses[1]
    assert summary["valid_loss"] == losses[1]
    assert summary["train_seconds"] == rows[0]["train_seconds"] + rows[1]["train_seconds"]
    assert rows[1]["train_seconds"] > 0
    task = member_task(member)
    task.model.load_state_dict(torch.load(tmp_path / "best.pt"))
    spectrum = model_spectrum(task.model, spectrum_inputs("charrnn", 2, 20))
    assert spectrum[0] == pytest.approx(summary["max_le"], abs=1e-12)


def test_the_initialised_network_is_never_selected_nor_sets_the_bar_for_the_best_weights(tmp_path):
    """Rate 3 makes every trained epoch worse than the initialisation (4.38 → 7.18, 11.7, 11.8): the best trained
    epoch, 1, is still the selection, and its weights are kept although the initial loss was lower."""
    summary, rows = train_and_measure(SpectrumMember(epochs=3, lr=3.0, **SMALL), tmp_path, "cpu")
    assert rows[0]["valid_loss"] < min(r["valid_loss"] for r in rows[1:])
    assert summary["selected_epoch"] == 1 and (tmp_path / "best.pt").exists()


def test_the_authors_convention_counts_the_steps_after_its_warm_up(tmp_path):
    """The authors' exponents: the frame evolved by Jᵀ, the first AUTHORS_WARMUP steps not counted, in bits."""
    from lstmdyn.experiments.sweep_member import AUTHORS_WARMUP

    member = SpectrumMember(epochs=1, lr=3e-2, **SMALL)
    summary, _ = train_and_measure(member, tmp_path, "cpu")
    task = member_task(member)
    task.model.load_state_dict(torch.load(tmp_path / "best.pt"))
    inputs = spectrum_inputs("charrnn", 2, 20)

    def authors(warmup):
        return model_spectrum(task.model, inputs, frame="transpose", warmup=warmup) / np.log(2)

    assert summary["max_le_authors"] == pytest.approx(authors(AUTHORS_WARMUP)[0], abs=1e-12)
    assert summary["mean_le_authors"] == pytest.approx(authors(AUTHORS_WARMUP).mean(), abs=1e-12)
    assert abs(summary["mean_le_authors"] - authors(0).mean()) > 1e-6


def test_the_checkpoint_a_kill_would_resume_from_stays_until_the_next_one_is_written(tmp_path, monkeypatch):
    """When an epoch is measured, the checkpoint of the epoch before is still on disk (and none older)."""
    from lstmdyn.experiments import sweep_member

    seen, evaluate = [], sweep_member.evaluate

    def watching(model, data, batch):
        seen.append(sorted(p.name for p in tmp_path.glob("step_*.pt")))
        return evaluate(model, data, batch)

    monkeypatch.setattr(sweep_member, "evaluate", watching)
    train_and_measure(SpectrumMember(epochs=3, lr=3e-2, **SMALL), tmp_path, "cpu")
    assert seen == [["step_0000000.pt"], ["step_0000000.pt", "step_0000001.pt"],
                    ["step_0000001.pt", "step_0000002.pt"], ["step_0000002.pt", "step_0000003.pt"]]


# ---- members trained together as one ensemble (train_and_measure_group)

GROUP = [SpectrumMember(epochs=3, lr=lr, dropout=dropout, init=init, **SMALL)
         for lr, dropout, init in ((3e-2, 0.0, 0.08), (1e-2, 0.1, 0.3))]


def _numbers(outcome) -> tuple:
    summary, rows = outcome
    kept = {k: v for k, v in summary.items() if not k.endswith("seconds") and k != "group"}
    return kept, [(r["epoch"], r["valid_loss"], r["spectrum"]) for r in rows]


def test_a_member_of_a_group_gets_the_numbers_it_gets_alone_in_a_group_of_one(tmp_path):
    from lstmdyn.experiments.sweep_member import train_and_measure_group

    together = train_and_measure_group(GROUP, [tmp_path / "a", tmp_path / "b"])
    alone = [train_and_measure_group([m], [tmp_path / f"alone{k}"])[0] for k, m in enumerate(GROUP)]
    assert [_numbers(o) for o in together] == [_numbers(o) for o in alone]  # exactly
    assert [o[0]["group"] for o in together] == [2, 2] and [o[0]["group"] for o in alone] == [1, 1]
    assert _numbers(together[0]) != _numbers(together[1])
    # against train_and_measure (nn.LSTM): the same training to float32 round-off, grown by three epochs
    _, rows = train_and_measure(GROUP[0], tmp_path / "nn")
    np.testing.assert_allclose([r["valid_loss"] for r in rows], [r["valid_loss"] for r in together[0][1]], rtol=1e-4)


class _Killed(BaseException):
    """A stop from outside, like a signal: what a member's own failure handling must not catch."""


def test_a_group_stopped_mid_way_resumes_to_the_same_numbers(tmp_path, monkeypatch):
    """Stopped at its second measurement (the first trained epoch measured for neither member), then run again:
    from the newest step both members hold, and once more after one member's newest checkpoint is lost."""
    from lstmdyn.experiments import sweep_member

    uninterrupted = sweep_member.train_and_measure_group(GROUP, [tmp_path / "u0", tmp_path / "u1"])
    for case in ("as left", "one newest checkpoint lost"):
        dirs = [tmp_path / case / "0", tmp_path / case / "1"]
        calls, spectra = [], sweep_member.model_spectra

        def crash(*args, calls=calls, spectra=spectra, **kwargs):
            calls.append(1)
            if len(calls) == 3:  # epochs 0 and 1 measured, stopped at epoch 2's (as by a signal: no Exception)
                raise _Killed("stopped")
            return spectra(*args, **kwargs)

        monkeypatch.setattr(sweep_member, "model_spectra", crash)
        with pytest.raises(_Killed, match="stopped"):
            sweep_member.train_and_measure_group(GROUP, dirs)
        monkeypatch.setattr(sweep_member, "model_spectra", spectra)
        assert all((d / "epoch_001.json").exists() and not (d / "epoch_002.json").exists() for d in dirs)
        if case == "one newest checkpoint lost":
            newest = sorted(dirs[1].glob("step_*.pt"))[-1]
            newest.unlink()
        again = sweep_member.train_and_measure_group(GROUP, dirs)
        assert [_numbers(o) for o in again] == [_numbers(o) for o in uninterrupted], case


def test_a_member_that_fails_in_a_group_fails_alone_and_the_sweep_records_each(tmp_path):
    from lstmdyn.experiments.sweep_member import group_shape, train_and_measure_group

    diverging = SpectrumMember(epochs=2, lr=1e38, **SMALL)  # its first step leaves weights of ±inf
    other_shape = SpectrumMember(epochs=2, lr=3e-2, **{**SMALL, "hidden": 8})
    members = [*GROUP, diverging, other_shape]
    tables = run_sweep("groups", members, train_and_measure, results=tmp_path, workers=1, device="cpu",
                       progress=False, run_group=train_and_measure_group, group_shape=group_shape, group_size=3)
    status = dict(zip(tables.members["key"], tables.members["status"], strict=True))
    assert [status[member_key(m)] for m in members] == ["finished", "finished", "failed", "finished"]
    failed = tables.members.set_index("key").loc[member_key(diverging)]
    # its weights are infinite after one step (alone, torch's Adam refuses the step size itself)
    assert failed["error"].startswith("ValueError: W contains non-finite values (")
    group = dict(zip(tables.members["key"], tables.members["group"], strict=True))
    assert [group[member_key(m)] for m in (GROUP[0], other_shape)] == [3, 1]
    # the members of the group have the numbers a group of one gives them
    alone = train_and_measure_group([GROUP[1]], [tmp_path / "alone"])[0]
    rows = tables.epochs[tables.epochs["key"] == member_key(GROUP[1])].sort_values("epoch")
    assert list(rows["valid_loss"]) == [r["valid_loss"] for r in alone[1]]
