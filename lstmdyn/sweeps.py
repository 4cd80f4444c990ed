"""Sweeps: many independent training runs on Dask distributed, resumable, with their results in Parquet.

A sweep is a name and a list of *members*, frozen dataclasses each holding one configuration (task,
sizes, hyperparameters, seed, epochs). A member is keyed by a hash of its configuration (:func:`member_key`),
so a member is the same member in every run of the sweep. :func:`run_sweep` hands the members to a
*member function* ``run(member, directory, device) → (summary, rows)`` on the workers of a Dask cluster:

- by default an embedded ``LocalCluster`` with one single-threaded worker process per core;
- with ``scheduler="tcp://host:8786"`` (or ``LSTMDYN_SCHEDULER``) any running Dask cluster: SLURM or PBS
  through dask-jobqueue, Kubernetes, or one worker per GPU (``dask-cuda-worker``); the workers must see the
  results directory, since a member writes its checkpoints there.

The member function trains in ``directory`` (its own folder, ``RESULTS/NAME/runs/KEY``), writing its
checkpoints there, and resumes from the last one when called again. What it returns is written by the
client, atomically, to two Parquet tables under the results directory (``results/`` by default,
``LSTMDYN_RESULTS`` or ``results=`` to choose another)::

    RESULTS/NAME/epochs/KEY.parquet    one row per evaluated epoch (the rows)
    RESULTS/NAME/members/KEY.parquet   one row per member: its configuration, status, error, device,
                                       worker address, seconds and summary

Each member runs with the CPU threads it declares (:func:`member_threads`; one unless its ``threads`` field
says otherwise), recorded in its ``members`` row: a member gives the same numbers in a worker and in-process.

A member whose ``members`` row exists is finished and skipped by a later run; a member that raised (a
non-finite loss, out of memory) is recorded with ``status="failed"`` and its error, the sweep going on, and
is run again only with ``retry_failed=True``. A member whose worker was lost (killed, out of memory) runs once
more, and is recorded as failed if it is lost again. A fault of the environment (:class:`SweepError`: missing
data, no CUDA device, a module that cannot be imported, a full disk, a scheduler or results directory out of
reach) is no result: the sweep stops with it and records nothing for the member. :func:`read_sweep` reads both tables.

Members are placed on a GPU when one is present (``device="auto"``); with several GPUs and an embedded
cluster, worker ``k`` uses GPU ``k mod count``, and :data:`MEMBERS_PER_GPU` members share each GPU by default.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import dask
import pandas as pd
import torch
from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from tqdm import tqdm

from lstmdyn.errors import DataError, DiskFullError, SweepError
from lstmdyn.records import disk_full, write_atomically
from lstmdyn.threads import MEMBER_THREADS, pinned_threads

__all__ = ["ENVIRONMENT_FAULTS", "MEMBERS_PER_GPU", "SweepTables", "cluster", "default_workers", "member_groups",
           "member_key", "member_threads", "read_sweep", "results_directory", "run_sweep"]

MemberFunction = Callable[[Any, Path, str], tuple[dict[str, Any], list[dict[str, Any]]]]
GroupFunction = Callable[[Sequence[Any], Sequence[Path], str], list]


def member_key(member: Any) -> str:
    """A stable hash (16 hex digits) of a member's configuration: its dataclass fields and their values.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class M:
    ...     lr: float
    ...     seed: int = 0
    >>> member_key(M(0.1)) == member_key(M(0.1, seed=0)), member_key(M(0.1)) == member_key(M(0.2))
    (True, False)
    """
    text = json.dumps({"type": type(member).__name__, **asdict(member)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def results_directory(results: str | Path | None = None) -> Path:
    """Where sweeps write: ``results``, else ``$LSTMDYN_RESULTS``, else ``results/`` (absolute).

    Examples
    --------
    >>> results_directory("/tmp/sweeps")
    PosixPath('/tmp/sweeps')
    """
    return Path(results or os.environ.get("LSTMDYN_RESULTS") or "results").resolve()


@dataclass
class SweepTables:
    """The two tables of a sweep: one row per member, one row per evaluated epoch of every member.

    Examples
    --------
    >>> members = pd.DataFrame({"key": ["a", "b"], "status": ["finished", "failed"]})
    >>> list(SweepTables(members, pd.DataFrame()).finished["key"])
    ['a']
    """

    members: pd.DataFrame
    epochs: pd.DataFrame

    @property
    def finished(self) -> pd.DataFrame:
        """The members that ran to the end."""
        return self.members[self.members["status"] == "finished"] if len(self.members) else self.members


def read_sweep(name: str, results: str | Path | None = None) -> SweepTables:
    """Both tables of sweep ``name`` as written so far (empty tables for a sweep not yet run).

    Examples
    --------
    >>> import tempfile
    >>> read_sweep("not-yet-run", tempfile.mkdtemp()).members.empty
    True
    """
    root = results_directory(results) / name

    def table(kind: str) -> pd.DataFrame:
        files = sorted((root / kind).glob("*.parquet"))
        required = ["key", "status"] if kind == "members" else ["key"]
        if not files:  # the columns every table has, so that an empty sweep reads like any other
            return pd.DataFrame(columns=required)
        return pd.concat([_read_table(f, required) for f in files], ignore_index=True)

    return SweepTables(table("members"), table("epochs"))


def _read_table(path: Path, required: list[str]) -> pd.DataFrame:
    """One member's table, or a :class:`SweepError` that names the damaged file and how to recover: without its
    two files the member is not finished, and the next run of the sweep measures it again."""
    try:
        frame = pd.read_parquet(path)
        missing = [column for column in required if column not in frame]
        if missing:
            raise ValueError(f"no column {', '.join(missing)}")
    except Exception as e:  # noqa: BLE001 - a truncated file, another format or a table without its columns
        key = path.stem
        raise SweepError(f"the sweep table {path} is damaged ({type(e).__name__}: {str(e).splitlines()[0]}): move "
                         f"members/{key}.parquet and epochs/{key}.parquet of {path.parent.parent} aside, and the next "
                         "run of the sweep measures that member again") from None
    return frame


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda p: frame.to_parquet(p, index=False))


def _worker_device(device: str) -> str:
    """``device`` made concrete on this worker: ``auto`` is CUDA where present; with several GPUs, an
    embedded cluster's worker ``k`` takes GPU ``k mod count``."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise SweepError("the members were asked to run on CUDA (--device cuda), but a worker sees no CUDA device")
    if device == "cuda" and torch.cuda.device_count() > 1:
        with contextlib.suppress(ValueError):
            name = get_worker().name
            if isinstance(name, int) or str(name).isdigit():
                device = f"cuda:{int(name) % torch.cuda.device_count()}"
    return device


#: Exceptions that are faults of the environment (:class:`SweepError`), whatever member raises them
ENVIRONMENT_FAULTS = (SweepError, DataError, ImportError, DiskFullError)


def member_threads(member: Any) -> int:
    """The CPU threads a member runs with: its ``threads`` field where it has one, else
    :data:`~lstmdyn.threads.MEMBER_THREADS`.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class M:
    ...     threads: int = 2
    >>> member_threads(M()), member_threads(object())
    (2, 1)
    """
    return getattr(member, "threads", MEMBER_THREADS)


def _execute(run: MemberFunction, member: Any, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """One member on a worker: its summary and rows; ``status="failed"`` and the error for a member that raised;
    ``status="fault"`` for a fault of the environment (:data:`ENVIRONMENT_FAULTS`), which is never recorded.
    PyTorch and the BLAS libraries run with :func:`member_threads` threads, recorded in the summary."""
    worker = ""
    with contextlib.suppress(ValueError):  # on a Dask worker
        worker = get_worker().address
    start = time.perf_counter()
    threads = member_threads(member)
    try:
        device = _worker_device(device)
        with pinned_threads(threads):
            summary, rows = run(member, directory, device)
        summary = {"status": "finished", "error": "", **summary}
    except ENVIRONMENT_FAULTS as e:
        return _execute_fault(e, device, worker, threads, start)
    except Exception as e:  # noqa: BLE001 - a failed member is recorded and the sweep goes on
        full = disk_full(Path(getattr(e, "filename", None) or directory / "?"), e)
        if full is not None:  # out of space, however the writer put it: a fault, not the member's result
            return _execute_fault(full, device, worker, threads, start)
        summary, rows = {"status": "failed", "error": _failure(e)}, []
    summary.update(device=device, worker=worker, threads=threads, seconds=time.perf_counter() - start)
    return summary, rows


def _failure(error: BaseException) -> str:
    """A failed member's error: the exception, and where it was raised when it was."""
    where = traceback.extract_tb(error.__traceback__)
    return f"{type(error).__name__}: {error}" + (f" ({Path(where[-1].filename).name}:{where[-1].lineno})" if where
                                                 else "")


def _execute_group(run_group: GroupFunction, members: list[Any], directories: list[Path], device: str
                   ) -> list[tuple[dict, list[dict]]]:
    """Members of one shape on a worker, trained together by ``run_group``: each member's summary and rows as
    :func:`_execute` gives them (a member stopped alone is ``failed`` with its error; an error of the whole group
    fails each of its members; a fault of the environment is a fault for each, never recorded)."""
    worker = ""
    with contextlib.suppress(ValueError):  # on a Dask worker
        worker = get_worker().address
    start = time.perf_counter()
    threads = member_threads(members[0])
    try:
        device = _worker_device(device)
        with pinned_threads(threads):
            outcomes = run_group(members, directories, device)
    except ENVIRONMENT_FAULTS as e:
        return [_execute_fault(e, device, worker, threads, start)] * len(members)
    except Exception as e:  # noqa: BLE001 - the group's members are recorded as failed and the sweep goes on
        full = disk_full(Path(getattr(e, "filename", None) or directories[0] / "?"), e)
        if full is not None:
            return [_execute_fault(full, device, worker, threads, start)] * len(members)
        outcomes = [e] * len(members)
    fault = next((o for o in outcomes if isinstance(o, ENVIRONMENT_FAULTS)), None)
    if fault is not None:  # a member stopped by the environment, not by its own numbers: a fault for the group
        return [_execute_fault(fault, device, worker, threads, start)] * len(members)
    seconds = (time.perf_counter() - start) / len(members)
    results = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            summary, rows = {"status": "failed", "error": _failure(outcome)}, []
        else:
            summary, rows = {"status": "finished", "error": "", **outcome[0]}, outcome[1]
        summary.update(device=device, worker=worker, threads=threads, seconds=seconds)
        results.append((summary, rows))
    return results


def _execute_unit(run: MemberFunction, run_group: GroupFunction | None, members: list[Any],
                  directories: list[Path], device: str) -> list[tuple[dict, list[dict]]]:
    """What a worker runs: one member (:func:`_execute`), or a group of them (:func:`_execute_group`)."""
    if run_group is None:
        return [_execute(run, members[0], directories[0], device)]
    return _execute_group(run_group, members, directories, device)


def member_groups(keys: Sequence[str], members: dict[str, Any], size: int,
                  shape: Callable[[Any], Any] | None = None) -> list[list[str]]:
    """``keys`` in groups of at most ``size`` members of one ``shape`` (all of one shape without it), in the order
    of their first member.

    Parameters
    ----------
    keys : sequence of str
        The members' keys, in the sweep's order.
    members : dict
        Each key's member.
    size : int
        The most members of a group.
    shape : callable, optional
        ``shape(member)``: what members must share to be grouped.

    Examples
    --------
    >>> members = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    >>> member_groups(list(members), members, 2, shape=lambda m: m % 2)
    [['a', 'c'], ['b', 'd'], ['e']]
    >>> member_groups(["a", "b"], members, 1)
    [['a'], ['b']]
    """
    if size < 1:
        raise ValueError(f"a group holds at least one member, got size {size}")
    by_shape: dict[Any, list[list[str]]] = {}
    order: list[list[str]] = []
    for key in keys:
        groups = by_shape.setdefault(shape(members[key]) if shape else None, [])
        if not groups or len(groups[-1]) == size:
            groups.append([])
            order.append(groups[-1])
        groups[-1].append(key)
    return order


def _execute_fault(error: BaseException, device: str, worker: str, threads: int, start: float
                   ) -> tuple[dict, list[dict]]:
    """The summary of a member stopped by a fault of the environment (never recorded)."""
    return {"status": "fault", "error": f"{type(error).__name__}: {error}", "device": device, "worker": worker,
            "threads": threads, "seconds": time.perf_counter() - start}, []


#: Sweep members that share one GPU by default: measured on the performance page (benchmarks/sweep_member.py), the
#: throughput of members training at once on one GPU, against one at a time.
MEMBERS_PER_GPU = 4


def default_workers(device: str = "auto") -> int:
    """The worker processes of an embedded cluster: on a machine whose GPUs the members use (``device``
    ``"cuda"``, or ``"auto"`` with a GPU present) :data:`MEMBERS_PER_GPU` per GPU, otherwise one per core. Each
    worker runs one member at a time, with the member's threads (:func:`member_threads`).

    Examples
    --------
    >>> default_workers("cpu") == (os.cpu_count() or 1)
    True
    """
    if device != "cpu" and torch.cuda.is_available():
        return MEMBERS_PER_GPU * torch.cuda.device_count()
    return os.cpu_count() or 1


@contextlib.contextmanager
def cluster(scheduler: str | None = None, workers: int | None = None, device: str = "auto", *,
            dashboard: str = "127.0.0.1:0", connect_timeout: float = 10.0) -> Iterator[Client]:
    """A Dask client: of the cluster at ``scheduler`` (or ``$LSTMDYN_SCHEDULER``), else of an embedded
    ``LocalCluster`` of ``workers`` processes (default: :func:`default_workers` for ``device``), closed on exit.

    The embedded cluster's dashboard (and health endpoint) listens on ``dashboard``: by default on this
    machine alone (127.0.0.1) at a free port, so that several sweeps can run side by side and nothing is served
    beyond the machine; ``":0"`` exposes it on every interface. ``client.dashboard_link`` tells where it is. An
    embedded cluster's scheduler gives a task up after its first lost worker (``run_sweep`` retries a member
    once). A scheduler that cannot be reached within ``connect_timeout`` seconds is a :class:`SweepError`.

    Parameters
    ----------
    scheduler : str, optional
        The address of a running scheduler (``tcp://HOST:8786``).
    workers : int, optional
        Processes of the embedded cluster, each with one thread.
    device : {"auto", "cpu", "cuda"}
        The device the members run on, for the default number of workers.
    dashboard : str
        Where the embedded cluster's dashboard listens.
    connect_timeout : float
        Seconds to reach ``scheduler``.

    Examples
    --------
    >>> with cluster(workers=1) as client:
    ...     print(len(client.scheduler_info()["workers"]), client.submit(sum, [1, 2]).result())
    1 3
    """
    scheduler = scheduler or os.environ.get("LSTMDYN_SCHEDULER")
    if scheduler:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError, ValueError) as e:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler!r}: {e}") from None
        with client:
            yield client
        return
    workers = workers or default_workers(device)
    # Dask's default MALLOC_TRIM_THRESHOLD_ for worker processes makes glibc return freed memory at once, so that
    # PyTorch's training loop faults the same pages in again at every step; the embedded cluster leaves malloc's
    # default.
    settings = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                "distributed.scheduler.allowed-failures": 0}
    with dask.config.set(settings), LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                 dashboard_address=dashboard, silence_logs=40) as local, \
            Client(local) as client:
        yield client


class _WorkerLog(WorkerPlugin):
    """An embedded cluster's worker writes its log (warnings and errors, with their tracebacks) to ``path`` rather
    than to the console, where the traceback of a heartbeat cut off by a stopping sweep would bury the one line
    that says why it stopped."""

    name = "lstmdyn-worker-log"

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def setup(self, worker) -> None:
        logger = logging.getLogger("distributed")
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)
        handler = logging.FileHandler(self.path)
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def run_sweep(name: str, members: Sequence[Any], run: MemberFunction, *, results: str | Path | None = None,
              scheduler: str | None = None, workers: int | None = None, device: str = "auto",
              retry_failed: bool = False, progress: bool = True, dashboard: str = "127.0.0.1:0",
              run_group: GroupFunction | None = None, group_shape: Callable[[Any], Any] | None = None,
              group_size: int = 1) -> SweepTables:
    """Run the members of sweep ``name`` that are not finished yet; return both tables of the sweep.

    Parameters
    ----------
    name : str
        The sweep's folder under the results directory.
    members : sequence of frozen dataclasses
        One configuration each (see :func:`member_key`); duplicates are run once.
    run : callable
        ``run(member, directory, device) → (summary, rows)``, importable by the workers: trains the member
        in ``directory`` (resuming from what it finds there) on ``device`` and returns a flat summary and
        one flat row per evaluated epoch.
    results, scheduler, workers, device, dashboard
        See the module docstring and :func:`cluster`; ``device`` is ``"auto"``, ``"cpu"`` or ``"cuda"``.
    retry_failed : bool
        Run members again whose last run failed.
    progress : bool
        A bar over the members and a line as each ends.
    run_group, group_shape, group_size : optional
        With ``group_size`` above 1 and ``run_group``: the members to run go to the workers in groups of at most
        ``group_size`` of one ``group_shape(member)`` (:func:`member_groups`), each group one task,
        ``run_group(members, directories, device) → [(summary, rows) or exception, …]`` (trained together as one
        ensemble). Results, keys, resumption and failures stay per member; a group whose worker is lost runs once
        more, its finished members then only measured.

    Examples
    --------
    Two members of a toy sweep, on an embedded cluster of one worker:

    >>> import tempfile
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Square:
    ...     value: int
    >>> def square(member, directory, device):
    ...     return {"square": member.value ** 2}, [{"epoch": 0, "value": member.value}]
    >>> tables = run_sweep("toy", [Square(2), Square(3)], square, results=tempfile.mkdtemp(), workers=1,
    ...                    progress=False)
    >>> sorted(tables.members["square"]), list(tables.members["status"])
    ([4, 9], ['finished', 'finished'])
    """
    root = results_directory(results) / name
    try:
        (root / "members").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SweepError(f"cannot write the results directory {root}: {e}") from None
    unique = {member_key(m): m for m in members}
    done = read_sweep(name, results).members
    ended = ("finished",) if retry_failed else ("finished", "failed")
    skip = set() if done.empty else set(done.loc[done["status"].isin(ended), "key"])
    todo = {key: m for key, m in unique.items() if key not in skip}
    if todo:
        with cluster(scheduler, workers, device, dashboard=dashboard) as client, \
                tqdm(total=len(unique), initial=len(unique) - len(todo), desc=name, unit="member",
                     disable=not progress) as bar:
            log = root / "workers.log"
            if not (scheduler or os.environ.get("LSTMDYN_SCHEDULER")):
                client.register_plugin(_WorkerLog(log))
            futures, pending = {}, as_completed()
            size = group_size if run_group is not None else 1
            queue = member_groups(list(todo), todo, size, group_shape)

            def submit(keys: list[str], attempt: int = 0) -> None:
                future = client.submit(_execute_unit, run, run_group if size > 1 else None, [todo[k] for k in keys],
                                       [root / "runs" / k for k in keys], device,
                                       key=f"{name}-{keys[0]}-{len(keys)}-{attempt}", pure=False)
                futures[future] = (keys, attempt)
                pending.add(future)

            # one task per worker at a time, so that a worker that dies takes no member but its task's with it
            for _ in range(min(len(queue), max(1, len(client.scheduler_info()["workers"])))):
                submit(queue.pop(0))
            for future in pending:
                keys, attempt = futures.pop(future)
                try:
                    outcomes = future.result()
                except Exception as e:  # noqa: BLE001 - the worker was lost (killed, out of memory): once more
                    if attempt == 0:
                        submit(keys, 1)
                        continue
                    outcomes = [({"status": "failed", "error": f"the worker running it was lost twice "
                                  f"({type(e).__name__}: {e})", "device": device, "worker": "",
                                  "threads": member_threads(todo[k]), "seconds": 0.0}, []) for k in keys]
                finally:
                    future.release()  # its result is read: a worker lost later must not make Dask run it again
                fault = next((summary for summary, _ in outcomes if summary["status"] == "fault"), None)
                if fault is not None:
                    client.cancel(list(futures))
                    raise SweepError(f"{name}: {fault['error']} (the sweep stopped; nothing was recorded for the "
                                     f"member, so that it runs again once this is mended; the workers' log is {log})")
                if queue:
                    submit(queue.pop(0))
                for key, (summary, rows) in zip(keys, outcomes, strict=True):
                    try:
                        _record(root, key, todo[key], summary, rows)
                    except DiskFullError as e:
                        client.cancel(list(futures))
                        raise SweepError(f"{name}: {e} (the sweep stopped; the member is not recorded, so that it "
                                         "runs again once there is space)") from None
                    bar.update()
                    if progress:
                        tqdm.write(f"{name} {key}: {summary['status']} in {summary['seconds']:.1f} s on "
                                   f"{summary['device']}" + (f" ({summary['error']})" if summary["error"] else ""))
    tables = read_sweep(name, results)
    return SweepTables(*(t[t["key"].isin(unique)].reset_index(drop=True) if len(t) else t
                         for t in (tables.members, tables.epochs)))


def _record(root: Path, key: str, member: Any, summary: dict, rows: list[dict]) -> None:
    """Write one member's rows, then its summary (the mark that it ended), each atomically."""
    if rows:
        _write_parquet(pd.DataFrame([{"key": key, **asdict(member), **r} for r in rows]),
                       root / "epochs" / f"{key}.parquet")
    _write_parquet(pd.DataFrame([{"key": key, **asdict(member), **summary}]), root / "members" / f"{key}.parquet")
