"""A member of the CharRNN sweep on one device: where its time goes, and how many members should share a GPU.

    .venv/bin/python benchmarks/sweep_member.py [--device cpu|cuda] [--hidden 512] [--shares 1 2 4 8]

Three measurements of the paper's CharRNN (War and Peace, one LSTM layer of --hidden units, batches of 100
sequences of 100 characters), on one device:

  phases    one member's parts, each timed alone: building its task (reading the text), one training epoch
            (the whole text, or --batches batches scaled to it), the validation loss over the whole
            validation split at several batch sizes, the h-state spectrum (10 × 100 steps) in float64 and in
            float32 with the largest difference between them on the trained network, the (h, c) spectrum in
            float64, and the equilibrium without input (the homotopy, on the CPU)
  sharing   the same training batches run by 1, 2, 4, ... processes at once on the device (--shares): the
            time per batch of each and the batches per second of all together
  sweep     a real sweep (lstmdyn.sweeps) of --members short members on the device, with as many workers, as
            the book runs it (GPU only)

From these, the time of a paper-sized member (40 epochs) when k members share the device, by the method the
performance page states. Writes benchmarks/results/sweep_member.json (sweep_member-cuda.json on a GPU).
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time

import bench
import numpy as np
import torch

from lstmdyn.experiments.both_tools import equilibrium_measures, model_spectrum
from lstmdyn.experiments.costs import synchronize
from lstmdyn.experiments.sweep_member import SpectrumMember, member_task, spectrum_inputs, train_and_measure
from lstmdyn.records import Table, write_measurement
from lstmdyn.sweeps import run_sweep
from lstmdyn.training import SequenceData, evaluate, train

PAPER_EPOCHS = 40  #: Vogt et al., appendix A.1


def timed(function, device: str):
    synchronize(device)
    start = time.perf_counter()
    result = function()
    synchronize(device)
    return time.perf_counter() - start, result


def batches(task, count: int) -> SequenceData:
    """The first ``count`` training batches of a task."""
    size = count * task.config.batch_size
    return SequenceData(task.train.inputs[:size], task.train.targets[:size])


def epoch_seconds(task, device: str, count: int | None) -> float:
    """Seconds of one training epoch of ``task`` on ``device``, from ``count`` batches (all: the whole epoch)
    after one of warm-up; the model is left trained on them."""
    config = task.config
    config.device, config.epochs, config.checkpoint_every = device, 1, 0
    train(task.model, batches(task, 1), config, progress=False)
    data = task.train if count is None else batches(task, count)
    seconds, _ = timed(lambda: train(task.model, data, config, progress=False), device)
    return seconds / data.count(config.batch_size) * task.train.count(config.batch_size)


def phases(hidden: int, device: str, count: int | None) -> tuple[Table, dict]:
    member = SpectrumMember("charrnn", hidden=hidden, epochs=1, lr=3e-3)
    build, task = timed(lambda: member_task(member), "cpu")
    inputs = spectrum_inputs("charrnn")
    epoch = epoch_seconds(task, device, count)
    model = task.model.to(device)
    timed_over = "all of them" if count is None else f"timed over {count}"
    rows, findings = [["build the task (read the text)", round(build, 2)],
                      [f"one training epoch ({task.train.count(100)} batches, {timed_over})", round(epoch, 2)]], {}
    for size in (256, 1024, 4096):
        seconds, _ = timed(lambda size=size: evaluate(model, task.valid, size), device)
        rows.append([f"validation, {len(task.valid.inputs)} sequences in batches of {size}", round(seconds, 3)])
        findings[f"validation_{size}"] = seconds
    spectra = {}
    for dtype in (torch.float64, torch.float32):
        model_spectrum(model, inputs[:, :5], dtype=dtype)  # first call pays for the device's libraries
        seconds, spectra[dtype] = timed(lambda dtype=dtype: model_spectrum(model, inputs, dtype=dtype), device)
        rows.append([f"h spectrum, 10 × 100 steps, {str(dtype)[6:]}", round(seconds, 3)])
        findings[f"spectrum_{str(dtype)[6:]}"] = seconds
    findings["float32_deviation"] = float(np.abs(spectra[torch.float32] - spectra[torch.float64]).max())
    seconds, _ = timed(lambda: model_spectrum(model, inputs, state="hc"), device)
    rows.append(["(h, c) spectrum, float64", round(seconds, 3)])
    findings["spectrum_hc"] = seconds
    seconds, _ = timed(lambda: equilibrium_measures(model), "cpu")
    rows.append([f"equilibrium without input (homotopy, n = {hidden}, CPU)", round(seconds, 2)])
    findings |= {"equilibrium": seconds, "epoch": epoch, "build": build}
    return Table("phases", ["phase", "seconds"], rows), findings


def _share(hidden: int, device: str, count: int, start, results) -> None:
    """One of several processes training at once: wait for the others, train ``count`` batches, report."""
    torch.set_num_threads(1)
    task = member_task(SpectrumMember("charrnn", hidden=hidden, epochs=1, lr=3e-3, samples=100 * (count + 1)))
    task.config.device, task.config.epochs, task.config.checkpoint_every = device, 1, 0
    train(task.model, batches(task, 1), task.config, progress=False)  # warm-up, outside the timing
    start.wait()
    seconds, _ = timed(lambda: train(task.model, batches(task, count), task.config, progress=False), device)
    results.put(seconds / count)


def sharing(hidden: int, device: str, count: int, shares: list[int]) -> tuple[Table, dict]:
    context = multiprocessing.get_context("spawn")
    rows, findings = [], {}
    for k in shares:
        start, results = context.Barrier(k), context.Queue()
        processes = [context.Process(target=_share, args=(hidden, device, count, start, results)) for _ in range(k)]
        for p in processes:
            p.start()
        per_batch = [results.get(timeout=600) for _ in processes]
        for p in processes:
            p.join()
        mean = float(np.mean(per_batch))
        rows.append([k, round(mean * 1000, 2), round(k / mean, 1)])
        findings[f"batch_seconds_{k}"] = mean
    best = max(shares, key=lambda k: k / findings[f"batch_seconds_{k}"])
    findings["best_share"] = best
    return Table("sharing", ["processes", "ms per batch, each", "batches / s, all"], rows), findings


def real_sweep(hidden: int, device: str, members: int) -> tuple[Table, dict]:
    """A sweep of short members run as the book runs it, as many workers as members."""
    sweep = [SpectrumMember("charrnn", hidden=hidden, epochs=1, lr=1e-3 * (k + 1), samples=5000,
                            epoch_dtype="float32") for k in range(members)]
    with tempfile.TemporaryDirectory() as results:
        start = time.perf_counter()
        tables = run_sweep("timing", sweep, train_and_measure, results=results, workers=members, device=device,
                           progress=False)
        wall = time.perf_counter() - start
    m = tables.members
    rows = [[len(m), int((m["status"] == "finished").sum()), round(wall, 1), round(float(m["seconds"].mean()), 1),
             round(float(m["train_seconds"].mean()), 1), round(float(m["final_seconds"].mean()), 1)]]
    return (Table("sweep", ["members", "finished", "wall s", "member s (mean)", "training s (mean)",
                            "final measurements s (mean)"], rows),
            {"sweep_wall": wall, "sweep_member": float(m["seconds"].mean())})


def paper_member(findings: dict, shares: list[int]) -> Table:
    """A 40-epoch member when k share the device: 40 × (the epoch when k train at once + validation + a float32
    spectrum) + the final measurements (the (h, c) and h spectra in float64, the equilibrium) + building the task."""
    rows = []
    for k in shares:
        slowdown = findings[f"batch_seconds_{k}"] / findings["batch_seconds_1"]
        per_epoch = findings["epoch"] * slowdown + findings["validation_1024"] + findings["spectrum_float32"]
        final = findings["spectrum_hc"] + findings["spectrum_float64"] + findings["equilibrium"] + findings["build"]
        total = PAPER_EPOCHS * per_epoch + final
        rows.append([k, round(per_epoch, 2), round(final, 1), round(total / 60, 2), round(k * 60 / total, 2)])
        findings[f"paper_member_minutes_{k}"] = total / 60
    return Table("paper member", ["sharing", "s per epoch", "final s", "minutes per member", "members per minute"],
                 rows)


def main() -> None:
    parser = bench.parser(__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batches", type=int, help="training batches timed for an epoch (default: a whole epoch on "
                                                    "a GPU, 3 batches on the CPU)")
    parser.add_argument("--shares", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--members", type=int, default=4, help="members of the real sweep (GPU only)")
    args = bench.start(parser)
    count = args.batches or (None if args.device == "cuda" else 3)
    table, findings = phases(args.hidden, args.device, count)
    tables = [table]
    table, found = sharing(args.hidden, args.device, count or 50, args.shares)
    tables.append(table)
    findings |= found
    if args.device == "cuda":
        table, found = real_sweep(args.hidden, args.device, args.members)
        tables.append(table)
        findings |= found
    tables.append(paper_member(findings, args.shares))
    for table in tables:
        print(f"\n{table.title}")
        print("  ".join(f"{c:>18}" for c in table.columns))
        for row in table.rows:
            print("  ".join(f"{v!s:>18}" for v in row))
    path = write_measurement("sweep_member" if args.device == "cpu" else f"sweep_member-{args.device}", tables,
                             threads=args.threads, findings=findings, directory=args.output)
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
