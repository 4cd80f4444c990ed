"""The command line: the science verb without the book, the book verbs with it, one-line errors."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, lstmdyn


def test_the_command_line_sweep_runs_the_smoke_members_and_skips_them_the_second_time(tmp_path):
    command = [sys.executable, "-m", "lstmdyn", "sweep", "mocap", "--profile", "smoke", "--results", str(tmp_path),
               "--workers", "2"]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "4 members, 4 finished" in first.stdout
    assert first.stdout.count("finished in") == 4  # one line per member
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert "4 members, 4 finished" in second.stdout and "finished in" not in second.stdout


def test_an_unknown_notebook_is_bad_input(tmp_path):
    out = lstmdyn("run", "no_such_chapter", cwd=ROOT)
    assert out.returncode == 2 and out.stderr.startswith("error: unknown notebook 'no_such_chapter'")


def test_the_profile_parameter_is_set_by_the_profile_only():
    out = lstmdyn("run", "lyapunov", "-p", "profile", "paper", cwd=ROOT)
    assert out.returncode == 2 and "choose it with --profile" in out.stderr


def _sweep(*args: str, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lstmdyn", "sweep", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_fewer_than_one_worker_is_refused(workers, tmp_path):
    out = _sweep("mocap", "--profile", "smoke", "--results", str(tmp_path), "--workers", workers)
    assert out.returncode == 2 and "--workers: must be at least 1" in out.stderr


def test_a_scheduler_out_of_reach_is_one_line(tmp_path):
    out = _sweep("mocap", "--profile", "smoke", "--results", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()] and "cannot reach the Dask scheduler" in out.stderr


def test_a_results_path_that_cannot_be_written_is_one_line(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    out = _sweep("mocap", "--profile", "smoke", "--results", str(tmp_path / "file"))
    assert out.returncode == 1 and out.stderr.strip().startswith("error: cannot write the results directory")
    assert "Traceback" not in out.stderr


def test_a_sweep_with_failed_members_exits_nonzero_and_says_how_many(tmp_path):
    from lstmdyn import sweeps
    from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, sweep_members

    members = sweep_members("mocap", SWEEP_PROFILES["smoke"])
    for member in members[:2]:
        sweeps._record(tmp_path / "mocap", sweeps.member_key(member), member,
                       {"status": "failed", "error": "boom", "device": "cpu", "worker": "", "seconds": 0.0}, [])
    out = _sweep("mocap", "--profile", "smoke", "--results", str(tmp_path), "--workers", "2")
    assert out.returncode == 1
    assert "4 members, 2 failed, 2 finished" in out.stdout
    assert out.stderr.strip().splitlines()[-1].startswith("error: 2 of 4 members failed")


def test_an_interrupted_sweep_says_so_in_one_line(tmp_path):
    # the quick profile's members train for minutes: the interrupt lands while the first one runs. The child gets
    # the default SIGINT disposition whatever this process has (a shell ignores it in background jobs, and Python
    # then never raises KeyboardInterrupt), and its whole session is killed whatever happens.
    process = subprocess.Popen([sys.executable, "-m", "lstmdyn", "sweep", "charrnn", "--profile", "quick",
                                "--results", str(tmp_path), "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(8)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "error: interrupted" and "Traceback" not in stderr


def test_a_parameter_given_twice_is_refused():
    out = lstmdyn("run", "lstm_model", "-p", "n", "8", "-p", "n", "16", "--profile", "smoke", cwd=ROOT)
    assert out.returncode == 2 and out.stderr.strip() == "error: parameter n given more than once: give each -p once"


def test_a_seed_beyond_what_the_generators_take_is_refused():
    out = lstmdyn("run", "lstm_model", "-p", "seed", "99999999999999999999999", "--profile", "smoke", cwd=ROOT)
    assert out.returncode == 2 and "parameter seed must be between 0 and 4294967295" in out.stderr


@pytest.mark.parametrize("value", ["-1e-3", "-2.5E+4", "-.5", "-1"])
def test_a_negative_number_in_any_form_is_a_parameter_value_not_an_option(value):
    """Read as the value of -p, it reaches the range check, which names the parameter (clip must be positive)."""
    out = lstmdyn("run", "learning_to_remember", "-p", "clip", value, "--profile", "smoke", cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == f"error: parameter clip must be between 1e-06 and 1000000.0, got {float(value)!r}"


@pytest.mark.parametrize("fault", ["corrupt data", "no GPU"])
def test_a_fault_of_the_environment_is_one_line_and_the_workers_traceback_goes_to_a_named_log(tmp_path, fault):
    """A sweep stopped by a fault prints the line that says why and where the workers' log is, and no traceback
    (a worker's heartbeat cut off by the stopping cluster writes one into that log instead)."""
    from lstmdyn.data.registry import registry

    env = {**os.environ}
    if fault == "corrupt data":
        data = tmp_path / "data"
        for name in registry.datasets["cmu_mocap"].files:
            (data / "cmu_mocap" / name).parent.mkdir(parents=True, exist_ok=True)
            (data / "cmu_mocap" / name).write_text("not the data\n")
        env["LSTMDYN_DATA"], device, said = str(data), "cpu", "is corrupt: its sha256 is"
    else:
        if _cuda_available():
            pytest.skip("needs a machine without a CUDA device")
        device, said = "cuda", "a worker sees no CUDA device"
    out = _sweep("mocap", "--profile", "smoke", "--results", str(tmp_path / "results"), "--device", device, env=env)
    lines = [line for line in out.stderr.replace("\r", "\n").splitlines() if line.strip() and "member/s" not in line]
    log = tmp_path / "results" / "mocap" / "workers.log"
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: mocap: ") and said in lines[0], lines
    assert lines[0].endswith(f"the workers' log is {log})")


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.parametrize("error, status", [("ParameterError", 2), ("UnknownNotebookError", 2),
                                           ("EnsembleShapeError", 2), ("TrainingError", 1), ("SweepError", 1),
                                           ("DataError", 1), ("DiskFullError", 1), ("NotebookError", 1)])
def test_every_error_of_the_package_is_one_line_with_the_status_it_means(monkeypatch, capsys, error, status):
    """``main`` catches the one base class, whichever module raised the error."""
    from lstmdyn import cli, errors

    def fail(_args):
        raise getattr(errors, error)(f"what went wrong ({error})")

    monkeypatch.setattr(cli, "_sweep", fail)
    assert cli.main(["sweep", "mocap"]) == status
    assert capsys.readouterr().err == f"error: what went wrong ({error})\n"


def test_an_error_outside_the_package_is_not_taken_for_one_a_user_can_act_on(monkeypatch):
    from lstmdyn import cli

    def fail(_args):
        raise ValueError("a bug")

    monkeypatch.setattr(cli, "_sweep", fail)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["sweep", "mocap"])
