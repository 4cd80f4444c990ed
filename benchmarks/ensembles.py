"""Ensembles against one member at a time: members trained per minute, side by side in one run.

    .venv/bin/python benchmarks/ensembles.py [--members 4] [--epochs 1] [--threads 1] [--device cpu]

For the two sweeps of *Lyapunov spectra of trained networks* at the quick profile (CharRNN: 128 units, batches of
100 sequences of 100 characters; motion capture: 64 units, batches of 250 sequences of 25 frames), the first
--members members are trained for --epochs epochs twice: one after another with `lstmdyn.training.train`
(PyTorch's `nn.LSTM`: on a CPU, oneDNN's fused LSTM kernel), then together with
`lstmdyn.ensembles.train_ensemble` (one batched product per gate step, the recurrence written out). Prints the
members per minute of each and their ratio (ensemble over one at a time); writes
benchmarks/results/ensembles[-cuda].json, which the performance page reads.
"""

from __future__ import annotations

import time

import bench
import torch

from lstmdyn.ensembles import train_ensemble
from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, member_task, sweep_members
from lstmdyn.records import Table, write_measurement
from lstmdyn.training import train


def main() -> None:
    parser = bench.parser(__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    args = bench.start(parser)
    rows, findings = [], {"members": args.members, "epochs": args.epochs}
    print(f"{'sweep':<10}{'members':>8}{'one at a time /min':>20}{'ensemble /min':>15}{'ratio':>8}")
    for sweep in ("charrnn", "mocap"):
        tasks = [member_task(m) for m in sweep_members(sweep, SWEEP_PROFILES["quick"])[:args.members]]
        for task in tasks:
            task.config.epochs, task.config.device = args.epochs, args.device
        data = tasks[0].train
        train(tasks[0].model, data, tasks[0].config, progress=False)  # warm-up of both paths
        train_ensemble([tasks[0].model], data, [tasks[0].config], progress=False)
        start = time.perf_counter()
        for task in tasks:
            train(task.model, data, task.config, progress=False)
        alone = time.perf_counter() - start
        start = time.perf_counter()
        train_ensemble([t.model for t in tasks], data, [t.config for t in tasks], progress=False)
        together = time.perf_counter() - start
        rate_alone, rate_together = 60 * len(tasks) / alone, 60 * len(tasks) / together
        ratio = rate_together / rate_alone
        findings[f"ratio_{sweep}"] = round(ratio, 2)
        rows.append([sweep, len(tasks), round(rate_alone, 2), round(rate_together, 2), round(ratio, 2)])
        print(f"{sweep:<10}{len(tasks):>8}{rate_alone:>20.2f}{rate_together:>15.2f}{ratio:>8.2f}")
    table = Table("members per minute", ["sweep", "members", "one at a time / min", "ensemble / min",
                                         "ensemble / one at a time"], rows)
    name = "ensembles" + ("-cuda" if args.device == "cuda" else "")
    print("written:", write_measurement(name, [table], threads=torch.get_num_threads(), directory=args.output,
                                        findings=findings))


if __name__ == "__main__":
    main()
