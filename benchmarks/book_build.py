"""Time a clean build of the whole book at a profile (default quick), then an incremental rebuild.

    .venv/bin/python benchmarks/book_build.py [--profile quick]

The project's sources are copied to a temporary directory, so the checkout's own build is untouched.
Prints the time of each notebook, of the site build, and the ratio of the rebuild (nothing changed, so
no notebook executes) to the clean build.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
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


def build(project: Path, profile: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "lstmdyn", "book", "--profile", profile], cwd=project,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(result.stdout[-2000:] + result.stderr[-2000:])
    return seconds, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=["smoke", "quick", "paper"])
    profile = parser.parse_args().profile
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__} with {torch.get_num_threads()} threads "
          f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})")
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(ROOT).copy_sources(Path(tmp) / "project").root
        clean, log = build(project, profile)
        executed = re.findall(r"^(\w+): executed in ([\d.]+) s$", log, re.M)
        rebuild, log_again = build(project, profile)
    notebooks = sum(float(s) for _, s in executed)
    print(f"\nclean build at profile {profile}: {clean:.1f} s")
    for name, seconds in executed:
        print(f"  {name:<24}{float(seconds):8.1f} s")
    print(f"  {'site build and checks':<24}{clean - notebooks:8.1f} s")
    print(f"rebuild with nothing changed: {rebuild:.1f} s "
          f"({log_again.count('up to date')} notebooks up to date, "
          f"{log_again.count('executed in')} executed)")
    print(f"ratio rebuild / clean build: {rebuild / clean:.2f}")
    rows = [[f"chapter {name}", round(float(seconds), 1)] for name, seconds in executed]
    rows += [["site build (jupyter-book build -W -n --all) and checks", round(clean - notebooks, 1)],
             ["clean build", round(clean, 1)], ["rebuild, nothing changed (no notebook executed)", round(rebuild, 1)]]
    findings = {"profile": profile, "clean": clean, "rebuild": rebuild, "chapters": len(executed),
                "executed_again": log_again.count("executed in")}
    table = Table("steps", ["step", "seconds"], rows)
    print("written:", write_measurement("book_build", [table], directory=bench.RESULTS,
                                        threads=torch.get_num_threads(), findings=findings))


if __name__ == "__main__":
    main()
