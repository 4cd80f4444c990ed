"""The chapters' thread count: a chapter executed with one thread and with every core, on an idle machine and on
one that other jobs keep busy, side by side in one run.

    .venv/bin/python benchmarks/threads.py [--profile smoke] [--chapter lstm_model] [--repeats 1]

Each run is `python -m lstmdyn run CHAPTER --profile PROFILE --force` in a copy of the sources, with
LSTMDYN_THREADS set (lstmdyn.threads.chapter_threads). "Busy" is as many other processes as the machine has
cores, each multiplying small matrices with PyTorch's default threads (as another chapter does) for as long as the
runs last. Prints the ratios of the wall times
(all cores over one thread); writes benchmarks/results/threads.json, which the performance page reads.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import bench

from lstmdyn.book.runner import Project
from lstmdyn.records import Table, write_measurement

ROOT = Path(__file__).resolve().parents[1]


def _burn(stop) -> None:
    """Another job like a chapter until ``stop`` is set: small PyTorch products with PyTorch's default threads (one
    per core), the way a second `make book` or a test run beside this one computes."""
    import torch

    a = torch.randn(64, 64)
    while not stop.is_set():
        a = torch.tanh(a @ a / 64)


@contextlib.contextmanager
def load(busy: bool) -> Iterator[None]:
    """Other jobs on every core while the block runs, if ``busy``."""
    if not busy:
        yield
        return
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_burn, args=(stop,)) for _ in range(os.cpu_count() or 1)]
    for w in workers:
        w.daemon = True
    for w in workers:
        w.start()
    try:
        yield
    finally:
        stop.set()
        for w in workers:
            w.join()


def run_chapter(project: Path, chapter: str, profile: str, threads: int) -> float:
    env = {**os.environ, "LSTMDYN_THREADS": str(threads)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lstmdyn", "run", chapter, "--profile", profile, "--force"], cwd=project,
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", choices=["smoke", "quick", "paper"])
    parser.add_argument("--chapter", default="lstm_model")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each setting (the shortest is kept)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows, times = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(ROOT).copy_sources(Path(tmp) / "project").root
        run_chapter(project, args.chapter, args.profile, 1)  # a first run fills the data and import caches
        for busy in (False, True):
            with load(busy):
                for threads in (1, cores):
                    seconds = min(run_chapter(project, args.chapter, args.profile, threads)
                                  for _ in range(args.repeats))
                    times[busy, threads] = seconds
                    rows.append(["busy" if busy else "idle", threads, round(seconds, 1)])
                    print(f"{'busy' if busy else 'idle':<5} {threads} thread(s): {seconds:7.1f} s", flush=True)
    ratios = {load_name: times[busy, cores] / times[busy, 1] for load_name, busy in (("idle", False), ("busy", True))}
    for name, ratio in ratios.items():
        print(f"{name}: {cores} threads take {ratio:.2f} × the time of one")
    table = Table(f"{args.chapter} at the {args.profile} profile", ["machine", "threads", "seconds"], rows)
    findings = {"chapter": args.chapter, "profile": args.profile, "cores": cores, "idle_ratio": ratios["idle"],
                "busy_ratio": ratios["busy"]}
    print("written:", write_measurement("threads", [table], threads=cores, findings=findings, directory=bench.RESULTS))


if __name__ == "__main__":
    main()
