"""Sweeps on Dask: local and external clusters, skipping finished members, failures, resuming after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from sweep_helpers import Value, square

from lstmdyn import sweeps
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


def _bound(client) -> set[str]:
    return {sock.getsockname()[0] for sock in client.cluster.scheduler.http_server._sockets.values()}


def test_the_embedded_dashboard_listens_on_this_machine_alone_unless_exposed():
    with sweeps.cluster(workers=1) as client:
        assert _bound(client) == {"127.0.0.1"} and "127.0.0.1" in client.dashboard_link
    with sweeps.cluster(workers=1, dashboard=":0") as client:
        assert _bound(client) <= {"0.0.0.0", "::"}


@pytest.mark.parametrize(("member_function", "error"), [("missing_data", "DataError: mnist/train.gz"),
                                                         ("missing_module", "ModuleNotFoundError: No module named"),
                                                         ("no_space", "DiskFullError: no space left on /")])
def test_a_fault_of_the_environment_stops_the_sweep_and_records_nothing(tmp_path, member_function, error):
    import sweep_helpers

    with pytest.raises(sweeps.SweepError, match=rf"{error} .* nothing was recorded"):
        run_sweep("faulty", [Value(1), Value(2)], getattr(sweep_helpers, member_function), results=tmp_path,
                  workers=1, progress=False)
    assert read_sweep("faulty", tmp_path).members.empty
    tables = run_sweep("faulty", [Value(1), Value(2)], square, results=tmp_path, workers=1, progress=False)
    assert list(tables.members["status"]) == ["finished", "finished"]  # once mended, the members run


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA device")
def test_members_asked_for_cuda_without_a_gpu_stop_the_sweep(tmp_path):
    with pytest.raises(sweeps.SweepError, match="sees no CUDA device"):
        run_sweep("cuda", [Value(1)], square, results=tmp_path, workers=1, device="cuda", progress=False)
    assert read_sweep("cuda", tmp_path).members.empty


@pytest.fixture
def small_file_system(tmp_path):
    """A file system of 256 KiB (a tmpfs; skipped where this process may not mount one), grown to 64 MiB by
    calling the fixture's value."""
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where, lambda: subprocess.run(["mount", "-o", "remount,size=64m", str(where)], check=True)
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize(("member_function", "writer"), [("large_checkpoint", "the member"),
                                                         ("large_rows", "the client")])
def test_a_full_disk_stops_the_sweep_records_nothing_and_a_rerun_with_space_recovers(small_file_system,
                                                                                    member_function, writer):
    """Out of space, whether the member's PyTorch checkpoint (which says 'unexpected pos', not ENOSPC) or the
    sweep's own table cannot be written: no member is recorded as failed, and once there is space the same
    command runs them without --retry-failed."""
    import sweep_helpers

    where, grow = small_file_system
    function = getattr(sweep_helpers, member_function)
    with pytest.raises(sweeps.SweepError, match=rf"no space left on {where} to write .* runs again"):
        run_sweep("full", [Value(1), Value(2)], function, results=where, workers=1, progress=False)
    assert read_sweep("full", where).members.empty, writer
    grow()
    tables = run_sweep("full", [Value(1), Value(2)], function, results=where, workers=1, progress=False)
    assert list(tables.members["status"]) == ["finished", "finished"]


def test_a_lost_worker_runs_its_member_once_more_then_records_it(tmp_path):
    from sweep_helpers import lost_once

    tables = run_sweep("lost", [Value(3), Value(0)], lost_once, results=tmp_path, workers=1, progress=False)
    by_value = tables.members.set_index("value")
    assert by_value.loc[3, "status"] == "finished" and by_value.loc[3, "square"] == 9
    assert by_value.loc[0, "status"] == "failed" and "lost twice" in by_value.loc[0, "error"]
    calls = {v: int((tmp_path / "lost" / "runs" / member_key(Value(v)) / "calls").read_text()) for v in (3, 0)}
    assert calls == {3: 2, 0: 2}


def test_the_type_of_a_member_is_part_of_its_key():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Other:
        value: int

    assert member_key(Value(1)) != member_key(Other(1)) and member_key(Value(1)) == member_key(Value(1))


def test_a_table_write_that_fails_leaves_no_table(tmp_path, monkeypatch):
    def half_then_fail(self, path, **options):
        Path(path).write_bytes(b"PAR1 not a whole table")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        sweeps._write_parquet(pd.DataFrame({"key": ["a"]}), tmp_path / "members" / "a.parquet")
    assert not list((tmp_path / "members").iterdir())  # a plain write would leave a damaged table there


@pytest.mark.parametrize("damage", ["truncated", "no status column"])
def test_a_damaged_sweep_table_is_named_with_the_way_to_recover(tmp_path, damage):
    """A members table cut short, or without its status column: one error naming the file and what to move aside;
    once moved aside, the next run measures that member again and the sweep reads whole."""
    run_sweep("damaged", [Value(2), Value(3)], square, results=tmp_path, workers=1, progress=False)
    key = member_key(Value(2))
    table = tmp_path / "damaged" / "members" / f"{key}.parquet"
    if damage == "truncated":
        table.write_bytes(table.read_bytes()[:40])
    else:
        pd.read_parquet(table).drop(columns="status").to_parquet(table)
    with pytest.raises(sweeps.SweepError, match=rf"the sweep table {table} is damaged .*: move members/{key}.parquet "
                                                rf"and epochs/{key}.parquet of {tmp_path / 'damaged'} aside"):
        read_sweep("damaged", tmp_path)
    for kind in ("members", "epochs"):
        path = tmp_path / "damaged" / kind / f"{key}.parquet"
        path.rename(path.with_suffix(".damaged"))
    tables = run_sweep("damaged", [Value(2), Value(3)], square, results=tmp_path, workers=1, progress=False)
    assert sorted(tables.members["square"]) == [4, 9] and len(tables.epochs) == 4


def test_a_group_member_stopped_by_the_environment_stops_the_sweep_and_records_none_of_the_group(tmp_path):
    """A fault of one member's environment is not its result, nor are its group companions' results recorded."""
    import sweep_helpers

    with pytest.raises(sweeps.SweepError, match=r"DataError: mnist/train.gz .* nothing was recorded"):
        run_sweep("group-faulty", [Value(1), Value(2), Value(3)], square, results=tmp_path, workers=1,
                  progress=False, run_group=sweep_helpers.squares_one_missing, group_size=3)
    assert read_sweep("group-faulty", tmp_path).members.empty
