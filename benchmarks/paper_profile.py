"""Unit costs at the papers' sizes, from which the performance page estimates the chapters at the paper profile.

    .venv/bin/python benchmarks/paper_profile.py [--device cpu|cuda] [--steps 20]

On one device, at the papers' model sizes (lstmdyn.experiments.tasks):

  training     per task, the seconds of one gradient step (--steps steps in one run, after a run of two), the
               steps of one epoch over all of the task's training data, and the seconds of the validation loss
               over its whole validation split, and that split's samples (windows of a stream)
  analyses     the equilibrium of an initialised network found fresh by the fixed-point homotopy, and tracked
               by Newton's method from a nearby network's (the equilibria chapter's two ways, on the CPU, at
               MNIST's and PTB's sizes); the h and (h, c) Lyapunov spectra of 10 × 100 steps at the sweeps'
               sizes in float64 and float32, on the device

The page multiplies them by the work each chapter does at the paper profile (lstmdyn.experiments.paper_profile).
Initialised networks stand in for trained ones, whose homotopies can take longer (stated on the page).
Writes benchmarks/results/paper_profile.json (paper_profile-cuda.json on a GPU).
"""

from __future__ import annotations

import time

import bench
import torch

from lstmdyn.equilibria import AutonomousLSTM, continue_equilibrium, find_equilibrium
from lstmdyn.experiments.both_tools import model_spectrum
from lstmdyn.experiments.costs import synchronize
from lstmdyn.experiments.sweep_member import spectrum_inputs
from lstmdyn.experiments.tasks import mnist_task, mocap_task, nottingham_task, ptb_task, war_and_peace_task
from lstmdyn.records import Table, write_measurement
from lstmdyn.training import SequenceData, evaluate, train

TASKS = {"mnist": mnist_task, "ptb": ptb_task, "nottingham": nottingham_task, "charrnn": war_and_peace_task,
         "mocap": mocap_task}


def first_batches(task, count: int) -> SequenceData:
    """The first ``count`` training batches of ``task`` (stream windows for a stream)."""
    size = count if task.train.stream else count * task.config.batch_size
    return SequenceData(task.train.inputs[:size], task.train.targets[:size], task.train.stream)


def step_seconds(task, device: str, steps: int) -> float:
    """Seconds per training step of ``task`` on ``device``: ``steps`` steps in one run, after a run of two."""
    config = task.config
    config.device, config.epochs, config.checkpoint_every = device, 1, 0
    train(task.model, first_batches(task, 2), config, progress=False)
    synchronize(device)
    start = time.perf_counter()
    train(task.model, first_batches(task, steps), config, progress=False)
    synchronize(device)
    return (time.perf_counter() - start) / steps


def training(device: str, steps: int) -> Table:
    rows = []
    for name, make in TASKS.items():
        task = make()
        seconds = step_seconds(task, device, steps)
        start = time.perf_counter()
        evaluate(task.model.to(device), task.valid)
        synchronize(device)
        per_epoch = task.train.count(task.config.batch_size)
        rows.append([name, task.model.recurrent.hidden_size, round(seconds, 5), per_epoch,
                     round(time.perf_counter() - start, 3), len(task.valid.inputs)])
        print(f"{name}: {seconds * 1000:.2f} ms per step", flush=True)
    return Table("training", ["task", "n", "step s", "steps per epoch", "validation s", "validation samples"], rows)


def analyses(device: str, sizes: dict[str, int]) -> Table:
    rows = []
    for name, make in (("mnist", mnist_task), ("ptb", ptb_task)):
        task = make(seed=1)
        model = task.model
        if task.config.init is not None:  # the task's own initialisation
            torch.manual_seed(1)
            with torch.no_grad():
                for p in model.parameters():
                    p.uniform_(-task.config.init, task.config.init)
        lstm = AutonomousLSTM.from_torch(model.recurrent)
        start = time.perf_counter()
        fresh = find_equilibrium(lstm)
        rows.append([f"fresh homotopy ({name})", model.recurrent.hidden_size, round(time.perf_counter() - start, 3)])
        nearby = AutonomousLSTM.from_parameters(type(lstm.cell)(W=lstm.cell.W * 1.001, b=lstm.cell.b))
        start = time.perf_counter()
        continue_equilibrium(nearby, fresh.x)
        rows.append([f"tracking (Newton, {name})", model.recurrent.hidden_size, round(time.perf_counter() - start, 3)])
    for name, n in sizes.items():
        model = TASKS[name](hidden=n).model.to(device)
        inputs = spectrum_inputs(name)
        for state, dtype in (("h", torch.float64), ("h", torch.float32), ("hc", torch.float64)):
            model_spectrum(model, inputs[:, :5], state=state, dtype=dtype)  # the device's libraries, first
            synchronize(device)
            start = time.perf_counter()
            model_spectrum(model, inputs, state=state, dtype=dtype)
            synchronize(device)
            rows.append([f"{state} spectrum {str(dtype)[6:]} ({name})", n, round(time.perf_counter() - start, 3)])
        start = time.perf_counter()
        find_equilibrium(AutonomousLSTM.from_torch(model.recurrent))
        rows.append([f"fresh homotopy ({name})", n, round(time.perf_counter() - start, 3)])
    return Table("analyses", ["what", "n", "seconds"], rows)


def main() -> None:
    parser = bench.parser(__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--sweep-sizes", type=int, nargs=2, default=[512, 256], metavar=("CHARRNN", "MOCAP"),
                        help="units of the sweeps' networks whose spectra and equilibria are timed (the paper's)")
    args = bench.start(parser)
    sizes = dict(zip(("charrnn", "mocap"), args.sweep_sizes, strict=True))
    tables = [training(args.device, args.steps), analyses(args.device, sizes)]
    for table in tables:
        print(f"\n{table.title}")
        for row in table.rows:
            print("  ".join(f"{v!s:>24}" for v in row))
    path = write_measurement("paper_profile" if args.device == "cpu" else f"paper_profile-{args.device}", tables,
                             threads=args.threads, directory=args.output)
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
