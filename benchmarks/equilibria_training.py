"""Equilibria of a training run's checkpoints: tracking (Newton from the previous checkpoint's equilibrium)
against a fresh fixed-point homotopy from zero at every checkpoint (the authors' published solver).

    .venv/bin/python benchmarks/equilibria_training.py [--threads 1] [--checkpoints 50]

A Nottingham network (n = 200, the chapter "Equilibria through training") is trained with a checkpoint every
few gradient steps; then, side by side in one run, the equilibria of all its checkpoints are found both ways.
Goal: tracking 50 checkpoints of an n = 200 run in under a minute. Each answer is checked (residual), and
the two ways are compared checkpoint by checkpoint (where they differ, the chapter explains why).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoints", type=int, default=50)
    args = parser.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    return args


ARGS = _arguments()  # before numpy is imported


import numpy as np  # noqa: E402
import torch  # noqa: E402

from lstmdyn.experiments.tasks import nottingham_task  # noqa: E402
from lstmdyn.experiments.trained_equilibria import equilibria_through_training  # noqa: E402
from lstmdyn.records import Table, write_measurement  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"  # the performance page reads these files


def main() -> None:
    torch.set_num_threads(ARGS.threads)
    print(f"threads: {ARGS.threads} (torch {torch.get_num_threads()}, BLAS via OMP/OPENBLAS_NUM_THREADS)")
    task = nottingham_task(samples=32 * (ARGS.checkpoints - 1) * 2, seed=0)
    run = equilibria_through_training(task, epochs=1, every=2)  # finds every equilibrium both ways, timed
    fresh, tracked = run.fresh[:ARGS.checkpoints], run.tracked[:ARGS.checkpoints]
    print(f"Nottingham, n = {run.maps[0].n}: {len(fresh)} checkpoints over {run.steps[len(fresh) - 1]} "
          f"gradient steps (training: {run.training_seconds:.1f} s)")
    fresh_seconds = sum(e.seconds for e in fresh)
    tracked_seconds = sum(e.seconds for e in tracked)
    maps = fresh

    residual = max(e.residual for e in fresh + tracked)
    differ = sum(np.linalg.norm(f.x - t.x) > 1e-6 for f, t in zip(fresh, tracked, strict=True))
    newton = sum(t.homotopy == "newton" for t in tracked[1:])
    print(f"{'method':<34}{'seconds':>9}{'per checkpoint':>16}")
    print(f"{'fresh homotopy at every checkpoint':<34}{fresh_seconds:>9.2f}{fresh_seconds / len(maps):>16.3f}")
    print(f"{'tracked (Newton, homotopy if not)':<34}{tracked_seconds:>9.2f}{tracked_seconds / len(maps):>16.3f}")
    print(f"ratio fresh / tracked: {fresh_seconds / tracked_seconds:.1f}x; goal: tracking under 60 s "
          f"({'met' if tracked_seconds < 60 else 'NOT met'})")
    print(f"largest residual {residual:.1e}; Newton sufficed at {newton} of {len(maps) - 1} checkpoints; "
          f"the two ways differ at {differ} checkpoints")
    table = Table("methods", ["method", "seconds", "per checkpoint"], [
        ["fresh fixed-point homotopy from zero at every checkpoint (the authors' published solver)",
         round(fresh_seconds, 2), round(fresh_seconds / len(maps), 3)],
        ["tracked: Newton from the previous checkpoint's equilibrium, homotopy where it fails",
         round(tracked_seconds, 2), round(tracked_seconds / len(maps), 3)]])
    findings = {"n": run.maps[0].n, "checkpoints": len(maps), "steps": int(run.steps[len(fresh) - 1]),
                "training_seconds": run.training_seconds, "speedup": fresh_seconds / tracked_seconds,
                "tracked_seconds": tracked_seconds, "largest_residual": residual, "newton": int(newton),
                "differ": int(differ)}
    print("written:", write_measurement("equilibria_training", [table], threads=ARGS.threads,
                                         findings=findings, directory=RESULTS))


if __name__ == "__main__":
    main()
