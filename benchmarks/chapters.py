"""Time chapters at a profile, each executed once in a copy of the sources (the checkout's pages are untouched).

    .venv/bin/python benchmarks/chapters.py [--profile paper] [--limit 3600] CHAPTER [CHAPTER ...]

For the chapters whose time at the paper profile the performance page cannot estimate from unit costs (those
that train nothing of the papers' sizes): each runs with `python -m lstmdyn run CHAPTER --profile PROFILE` and a
time limit; a chapter that reaches it is recorded as taking longer than the limit. Writes
benchmarks/results/chapters-PROFILE.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench
import torch

from lstmdyn.book.runner import Project
from lstmdyn.records import Table, write_measurement

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+")
    parser.add_argument("--profile", default="paper", choices=["smoke", "quick", "paper"])
    parser.add_argument("--limit", type=float, default=3600.0, help="seconds a chapter may take")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"
          f" with {torch.get_num_threads()} threads")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(ROOT).copy_sources(Path(tmp) / "project").root
        for chapter in args.chapters:
            start = time.perf_counter()
            try:
                result = subprocess.run([sys.executable, "-m", "lstmdyn", "run", chapter, "--profile", args.profile],
                                        cwd=project, capture_output=True, text=True, timeout=args.limit)
                seconds, ended = time.perf_counter() - start, "finished" if result.returncode == 0 else "failed"
            except subprocess.TimeoutExpired:
                seconds, ended = args.limit, "over the limit"
            rows.append([chapter, round(seconds, 1), ended])
            print(f"{chapter:<24}{seconds:9.1f} s  {ended}", flush=True)
    table = Table("chapters", ["chapter", "seconds", "ended"], rows)
    findings = {"profile": args.profile, "limit": args.limit}
    print("written:", write_measurement(f"chapters-{args.profile}", [table], threads=torch.get_num_threads(),
                                        findings=findings, directory=bench.RESULTS))


if __name__ == "__main__":
    main()
