"""Ensembles against one member at a time: members trained per minute, side by side in one run.

    .venv/bin/python benchmarks/ensembles.py [--members 4] [--epochs 1] [--threads 1] [--device cpu]
    python benchmarks/ensembles.py --device cuda --sizes paper --members 1,8,16,32,66 --batches 20

For the two sweeps of *Lyapunov spectra of trained networks* at the quick profile (CharRNN: 128 units, batches of
100 sequences of 100 characters; motion capture: 64 units, batches of 250 sequences of 25 frames), or with
``--sizes paper`` the paper's (CharRNN 512 units, motion capture 256), the first members are trained twice: one after
another with `lstmdyn.training.train` (PyTorch's `nn.LSTM`: on a CPU oneDNN's fused LSTM kernel, on a GPU cuDNN's),
then together with `lstmdyn.ensembles.train_ensemble` (one batched product per gate step, the recurrence written
out). With several ensemble sizes (``--members 1,8,16``) each is timed, against one at a time measured on the first
size's members. ``--batches`` limits an epoch to its first batches. Prints members per minute, their ratio, and the
achieved rate of the LSTM's matrix products against the matrix-product rate measured in the same run; writes
benchmarks/results/ensembles[-cuda].json, which the performance page reads.
"""

from __future__ import annotations

import time

import bench
import torch

from lstmdyn.ensembles import train_ensemble
from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, member_task, sweep_members
from lstmdyn.names import display_name
from lstmdyn.records import Table, write_measurement
from lstmdyn.training import SequenceData, train


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def gemm_rate(device: str, n: int = 2048, repeats: int = 10) -> float:
    """Floating-point operations per second of a float32 n × n matrix product on ``device``."""
    a, b = (torch.randn(n, n, device=device) for _ in range(2))
    a @ b
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * n ** 3 * repeats / (time.perf_counter() - start)


def lstm_flops(task, data: SequenceData, epochs: int) -> float:
    """Operations of the LSTM's matrix products in training one member: forward (2 per multiply-add) and backward
    (twice the forward) over every step of every sequence."""
    rnn = task.model.recurrent
    width = task.model.embedding.embedding_dim if task.model.embedding is not None else rnn.input_size
    sequences, steps = data.inputs.shape[0], data.inputs.shape[1]
    return 3 * 2 * sequences * steps * 4 * rnn.hidden_size * (rnn.hidden_size + width) * epochs


def main() -> None:
    parser = bench.parser(__doc__.splitlines()[0])
    parser.add_argument("--members", default="4", help="ensemble sizes, comma-separated (default 4)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--sizes", choices=("quick", "paper"), default="quick")
    parser.add_argument("--batches", type=int, default=0, help="batches per epoch (default: the whole epoch)")
    args = bench.start(parser)
    sizes = [int(m) for m in args.members.split(",")]
    rate = gemm_rate(args.device)
    findings = {"members": sizes[0], "epochs": args.epochs, "sizes": args.sizes, "gemm_tflops": round(rate / 1e12, 3)}
    rows = []
    print(f"matrix products: {rate / 1e12:.3f} TFLOP/s\n"
          f"{'sweep':<10}{'members':>8}{'one at a time /min':>20}{'ensemble /min':>15}{'ratio':>8}{'TFLOP/s':>9}")
    for sweep in ("charrnn", "mocap"):
        members = sweep_members(sweep, SWEEP_PROFILES[args.sizes])
        tasks = [member_task(members[k % len(members)]) for k in range(max(sizes))]
        for task in tasks:
            task.config.epochs, task.config.device = args.epochs, args.device
        data = tasks[0].train
        if args.batches:
            count = args.batches * tasks[0].config.batch_size
            data = SequenceData(data.inputs[:count], data.targets[:count])
        train(tasks[0].model, data, tasks[0].config, progress=False)  # warm-up of both paths
        train_ensemble([tasks[0].model], data, [tasks[0].config], progress=False)
        _sync(args.device)
        start = time.perf_counter()
        for task in tasks[:sizes[0]]:
            train(task.model, data, task.config, progress=False)
        _sync(args.device)
        rate_alone = 60 * sizes[0] / (time.perf_counter() - start)
        for size in sizes:
            start = time.perf_counter()
            train_ensemble([t.model for t in tasks[:size]], data, [t.config for t in tasks[:size]], progress=False)
            _sync(args.device)
            seconds = time.perf_counter() - start
            rate_together = 60 * size / seconds
            achieved = lstm_flops(tasks[0], data, args.epochs) * size / seconds / 1e12
            ratio = rate_together / rate_alone
            if size == sizes[0]:
                findings[f"ratio_{sweep}"] = round(ratio, 2)
            rows.append([display_name(sweep), size, round(rate_alone, 2), round(rate_together, 2), round(ratio, 2),
                         round(achieved, 3)])
            print(f"{sweep:<10}{size:>8}{rate_alone:>20.2f}{rate_together:>15.2f}{ratio:>8.2f}{achieved:>9.3f}")
    table = Table("members per minute", ["sweep", "members", "one at a time / min", "ensemble / min",
                                         "ensemble / one at a time", "LSTM TFLOP/s"], rows)
    name = "ensembles" + ("-cuda" if args.device == "cuda" else "")
    print("written:", write_measurement(name, [table], threads=torch.get_num_threads(), directory=args.output,
                                        findings=findings))


if __name__ == "__main__":
    main()
