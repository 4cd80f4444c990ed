"""The equilibrium search on one BLAS thread and on every core, side by side in one run, at several sizes.

    .venv/bin/python benchmarks/blas_threads.py [--sizes 50,200,400] [--repeats 3]

`lstmdyn.equilibria.find_equilibrium` runs its linear algebra on one BLAS thread up to
`SINGLE_THREAD_UP_TO` hidden units and on the library's default above. This script times the fixed-point homotopy
on the same random networks both ways (the threshold lifted, so that the library's threads are used) and prints the
ratio (all cores over one thread: above 1, one thread is faster). Writes benchmarks/results/blas_threads.json,
which the performance page reads.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from bench import RESULTS
from threadpoolctl import threadpool_info, threadpool_limits

from lstmdyn import equilibria
from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
from lstmdyn.records import Table, write_measurement


def seconds(lstm: AutonomousLSTM, threads: int | None, repeats: int) -> float:
    """The best of ``repeats`` fresh homotopies of ``lstm`` on ``threads`` BLAS threads (None: the default)."""
    best = np.inf
    for _ in range(repeats):
        with threadpool_limits(limits=threads, user_api="blas"):
            start = time.perf_counter()
            found = find_equilibrium(lstm, "convex")
            best = min(best, time.perf_counter() - start)
        assert found.converged, "the benchmark's networks have an equilibrium the homotopy reaches"
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,400", help="hidden units, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cores = max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
    print(f"BLAS default threads {cores}; {os.cpu_count()} cores; one-thread threshold "
          f"{equilibria.SINGLE_THREAD_UP_TO} units (lifted here)")
    # let the library's default threads run, and limit them here instead
    threshold, equilibria.SINGLE_THREAD_UP_TO = equilibria.SINGLE_THREAD_UP_TO, 0
    rows = []
    print(f"{'n':>5}{'1 thread s':>12}{f'{cores} threads s':>14}{'ratio':>8}")
    for n in (int(size) for size in args.sizes.split(",")):
        lstm = AutonomousLSTM.random(n, rng=np.random.default_rng(n))
        seconds(lstm, None, 1)  # warm-up: the libraries' threads and workspaces
        one, every = seconds(lstm, 1, args.repeats), seconds(lstm, None, args.repeats)
        rows.append([n, round(one, 4), round(every, 4), round(every / one, 2)])
        print(f"{n:>5}{one:>12.3f}{every:>14.3f}{every / one:>8.2f}")
    table = Table("find_equilibrium", ["n", "1 thread s", "all cores s", "all cores / 1 thread"], rows)
    print("written:", write_measurement("blas_threads", [table], threads=cores,
                                         findings={"cores": cores, "threshold": threshold}, directory=RESULTS))


if __name__ == "__main__":
    main()
