"""Sweeps on Dask: local and external clusters, skipping finished members, failures, resuming after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import ROOT
from sweep_helpers import Value, square

from lstmdyn import sweeps
from lstmdyn.experiments.both_tools import model_spectrum
from lstmdyn.experiments.trained_spectra import (
    SpectrumMember,
    cost_table,
    early_ranking,
    spearman_interval,
    spectrum_inputs,
    train_and_measure,
)
from lstmdyn.lyapunov import lyapunov_spectrum
from lstmdyn.sweeps import member_key, read_sweep, run_sweep

TESTS = str(Path(__file__).parent)


def test_a_local_sweep_skips_finished_members_and_records_failures(tmp_path):
    members = [Value(2), Value(3), Value(-1), Value(3)]  # a duplicate is run once
    tables = run_sweep("squares", members, square, results=tmp_path, workers=2, progress=False)
    by_value = tables.members.set_index("value")
    assert len(tables.members) == 3
    assert by_value.loc[2, "square"] == 4 and by_value.loc[3, "square"] == 9
    assert by_value.loc[-1, "status"] == "failed" and "ValueError: negative value -1" in by_value.loc[-1, "error"]
    assert sorted(tables.epochs["value"]) == [0, 0, 2, 3]  # rows of the finished members only
    assert os.getpid() not in set(by_value["pid"].dropna())  # the members ran in the worker processes

    again = run_sweep("squares", members, square, results=tmp_path, workers=2, progress=False)
    calls = {m.value: int((tmp_path / "squares" / "runs" / member_key(m) / "calls").read_text()) for m in members}
    assert calls == {2: 1, 3: 1, -1: 1}  # finished and failed members are not run again
    pd.testing.assert_frame_equal(again.members, tables.members)
    run_sweep("squares", members, square, results=tmp_path, workers=1, retry_failed=True, progress=False)
    assert (tmp_path / "squares" / "runs" / member_key(Value(-1)) / "calls").read_text() == "2"


def test_a_sweep_returns_only_its_own_members(tmp_path):
    run_sweep("squares", [Value(1), Value(2)], square, results=tmp_path, workers=1, progress=False)
    tables = run_sweep("squares", [Value(2)], square, results=tmp_path, workers=1, progress=False)
    assert list(tables.members["value"]) == [2] and len(read_sweep("squares", tmp_path).members) == 2


def test_a_sweep_runs_on_an_existing_cluster_by_its_address(tmp_path):
    """A scheduler and two workers started on 127.0.0.1 as separate processes, as on a real cluster."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([TESTS, os.environ.get("PYTHONPATH", "")])}
    address_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    processes = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(address_file)], env=env, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if address_file.exists() and address_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        for _ in range(2):
            processes.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                               "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                              env=env, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
            workers = set(client.scheduler_info()["workers"])
        tables = run_sweep("squares", [Value(k) for k in range(4)], square, results=tmp_path, scheduler=address,
                           progress=False)
        assert sorted(tables.members["square"]) == [0, 1, 4, 9]
        assert set(tables.members["worker"]) <= workers  # the external workers ran them
    finally:
        for p in reversed(processes):
            p.terminate()
            p.wait(timeout=30)


def test_the_worker_device_spreads_members_over_gpus(monkeypatch):
    class Worker:
        name = 4

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    monkeypatch.setattr(sweeps, "get_worker", lambda: Worker())
    assert sweeps._worker_device("auto") == "cuda:1"
    assert sweeps._worker_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert sweeps._worker_device("cuda") == "cuda"


MEMBER = SpectrumMember("charrnn", hidden=24, epochs=4, lr=3e-3, samples=3000, valid_samples=50, sequences=3,
                        steps=30)
KILLED_RUN = f"""
import sys
sys.path.insert(0, {TESTS!r})
from lstmdyn.experiments.trained_spectra import SpectrumMember, train_and_measure
from lstmdyn.sweeps import run_sweep
run_sweep("killed", [SpectrumMember(**{MEMBER.__dict__!r})], train_and_measure, results=sys.argv[1], workers=1,
          device="cpu", progress=False)
"""


def test_a_killed_sweep_resumes_its_member_from_the_last_checkpoint(tmp_path):
    """Kill the whole process group (client and workers) after the first trained epoch; run again."""
    run = tmp_path / "killed" / "runs" / member_key(MEMBER)
    process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(tmp_path)], start_new_session=True,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):
            if (run / "epoch_001.json").exists() or process.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert (run / "epoch_001.json").exists() and not (run / "epoch_004.json").exists(), "killed too late"
    assert read_sweep("killed", tmp_path).members.empty
    first = {p.name: p.stat().st_mtime_ns for p in run.glob("epoch_*.json")}

    tables = run_sweep("killed", [MEMBER], train_and_measure, results=tmp_path, workers=1, device="cpu",
                       progress=False)
    assert list(tables.members["status"]) == ["finished"]
    assert {p: (run / p).stat().st_mtime_ns for p in first} == first  # measured epochs are not measured again
    assert sorted(tables.epochs["epoch"]) == [0, 1, 2, 3, 4] and not list(run.glob("step_*.pt"))

    torch.set_num_threads(1)
    _, rows = train_and_measure(MEMBER, tmp_path / "uninterrupted", "cpu")
    resumed = tables.epochs.sort_values("epoch")
    np.testing.assert_allclose(resumed["valid_loss"], [r["valid_loss"] for r in rows], rtol=1e-5)
    np.testing.assert_allclose(np.stack(resumed["spectrum"]), [r["spectrum"] for r in rows], atol=1e-6)


def test_the_command_line_sweep_runs_the_smoke_members_and_skips_them_the_second_time(tmp_path):
    command = [sys.executable, "-m", "lstmdyn", "sweep", "mocap", "--profile", "smoke", "--results", str(tmp_path),
               "--workers", "2"]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "4 members, 4 finished" in first.stdout
    assert first.stdout.count("finished in") == 4  # one line per member
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert "4 members, 4 finished" in second.stdout and "finished in" not in second.stdout


def test_spectrum_inputs_are_test_split_stretches():
    chars = spectrum_inputs("charrnn", 3, 50)
    assert chars.shape == (3, 50) and chars.dtype == torch.long
    frames = spectrum_inputs("mocap", 10, 100)
    assert frames.shape == (10, 100, 20)
    assert not torch.equal(frames[0], frames[1])  # taken in turn from different recordings
    with pytest.raises(ValueError, match="fewer than 100"):
        spectrum_inputs("mocap", 100, 100)


def test_model_spectrum_is_the_engine_on_the_encoded_inputs_in_float64():
    member = SpectrumMember("charrnn", hidden=6, epochs=1, lr=1e-3)
    from lstmdyn.experiments.trained_spectra import member_task

    model = member_task(member).model
    inputs = spectrum_inputs("charrnn", 2, 40)
    one_hot = torch.nn.functional.one_hot(inputs, model.vocabulary).double()
    expected = lyapunov_spectrum(model.recurrent.double(), one_hot).mean(0).numpy()
    model.float()
    np.testing.assert_allclose(model_spectrum(model, inputs), expected, atol=1e-6)
    assert model.recurrent.weight_hh_l0.dtype == torch.float32  # the model itself is left as it was


def test_spearman_interval_brackets_rho_and_is_nan_for_constant_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    c = spearman_interval(x, -x + 0.3 * rng.normal(size=40))
    assert c.rho < -0.8 and c.low <= c.rho <= c.high < 0
    assert np.isnan(spearman_interval([1, 1, 1, 1], [1, 2, 3, 4]).rho)


def test_early_ranking_measures_each_epoch_against_the_final_loss():
    members = pd.DataFrame({"key": list("abcd"), "status": "finished", "valid_loss": [1.0, 2.0, 3.0, 4.0]})
    epochs = pd.DataFrame({"key": list("abcd") * 2, "epoch": [0] * 4 + [1] * 4,
                           "max_le": [0, 0, 0, 0, -0.1, -0.2, -0.3, -0.4],
                           "valid_loss": [5, 5, 5, 5, 1.5, 2.5, 3.5, 4.5]})
    ranking = early_ranking(epochs, members, "max_le")
    assert np.isnan(ranking.loc[0, "statistic_rho"])  # identical networks at initialisation
    assert ranking.loc[1, "statistic_rho"] == pytest.approx(-1.0) and ranking.loc[1, "loss_rho"] == pytest.approx(1.0)


def test_cost_table_divides_spectrum_by_training_time_per_task_and_device():
    members = pd.DataFrame({"key": list("abc"), "status": ["finished", "finished", "failed"], "task": "mocap",
                            "device": "cpu", "selected_epoch": [2, 4, 0], "train_seconds": [10.0, 30.0, 0.0],
                            "spectrum_seconds": [0.2, 0.2, 0.0]})
    row = cost_table(members).iloc[0]
    assert row["networks"] == 2 and row["epochs"] == 3 and row["fraction"] == pytest.approx(0.2 / 20)
