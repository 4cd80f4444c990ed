"""Training throughput per task at the data chapter's quick sizes, and what checkpoints cost.

    .venv/bin/python benchmarks/training.py [--threads 2] [--steps 60] [--every 20]

For each task of lstmdyn.experiments.tasks (the sizes of the quick profile of the chapter "The data sets"): the same
number of training steps run twice in one process, without checkpoints and with a checkpoint written
every --every steps (plus the final one), and the throughput in sequences and in time steps per second.
The overhead is the difference of the two runs over the first, and also the time spent writing the
checkpoint files alone over the training time (a steadier figure on a busy machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import bench
import torch

import lstmdyn.training as training
from lstmdyn.experiments.tasks import mnist_task, mocap_task, nottingham_task, ptb_task, war_and_peace_task
from lstmdyn.records import Table, write_measurement
from lstmdyn.training import SequenceData, train


def first_batches(task, steps: int) -> tuple[SequenceData, int]:
    """Data for ``steps`` batches of the task's batch size, and the epochs over it that make them."""
    count = steps if task.train.stream else steps * task.config.batch_size
    data = SequenceData(task.train.inputs[:count], task.train.targets[:count], task.train.stream)
    return data, -(-steps // data.count(task.config.batch_size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--every", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads (pinned), {os.cpu_count()} cores; "
          f"{args.steps} steps per run, a checkpoint every {args.every} steps\n")
    writing = []
    write = training.write_atomically

    def timed_write(path, writer):
        start = time.perf_counter()
        write(path, writer)
        writing.append(time.perf_counter() - start)

    training.write_atomically = timed_write  # checkpoints are written through it
    tasks = {"MNIST rows, n=128": mnist_task(), "PTB, n=200": ptb_task(),
             "Nottingham, n=200": nottingham_task(), "War and Peace, n=128": war_and_peace_task(hidden=128),
             "mocap, n=256": mocap_task()}
    print(f"{'task':<22}{'batch':>6}{'seq/s':>9}{'steps/s':>10}{'plain s':>9}{'with ckpt s':>12}"
          f"{'overhead':>10}{'writing':>9}{'MB/ckpt':>9}")
    rows = []
    for name, task in tasks.items():
        data, epochs = first_batches(task, args.steps)
        plain_config = dataclasses.replace(task.config, epochs=epochs, checkpoint_every=0)
        train(task.model, data, dataclasses.replace(plain_config, epochs=1), progress=False)  # warm-up
        plain = train(task.model, data, plain_config, progress=False)
        writing.clear()
        with tempfile.TemporaryDirectory() as directory:
            config = dataclasses.replace(task.config, epochs=epochs, checkpoint_every=args.every)
            saved = train(task.model, data, config, checkpoint_dir=Path(directory), progress=False)
            size = saved.checkpoints[-1].stat().st_size / 1e6
        sequences = epochs * len(data.inputs) * (data.inputs.shape[1] if data.stream else 1)
        length = data.inputs.shape[-1] if data.stream else data.inputs.shape[1]
        row = [name, task.config.batch_size if not data.stream else data.inputs.shape[1],
               round(sequences / plain.seconds), round(sequences * length / plain.seconds),
               round(plain.seconds, 2), round(saved.seconds, 2),
               round(100 * (saved.seconds - plain.seconds) / plain.seconds, 1),
               round(100 * sum(writing) / saved.seconds, 2), round(size, 1)]
        rows.append(row)
        print("".join(f"{v!s:>{w}}" for v, w in zip(row, [22, 6, 9, 10, 9, 12, 10, 9, 9], strict=True)))
    table = Table("tasks", ["task", "batch", "sequences / s", "time steps / s", "plain s", "with checkpoints s",
                            "overhead %", "writing %", "MB per checkpoint"], rows)
    print("written:", write_measurement("training", [table], threads=args.threads, directory=bench.RESULTS,
                                        findings={"steps": args.steps, "every": args.every}))


if __name__ == "__main__":
    main()
