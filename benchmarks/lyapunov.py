"""The Lyapunov spectrum: QR methods, batching networks, other implementations, and training, side by side.

    .venv/bin/python benchmarks/lyapunov.py [--device cpu|cuda] [--threads 1] [--sizes 128 256 512] [--authors PATH]

Single-layer LSTMs (input width 82, as the CharRNN task) with n units, full spectrum of the state h, 10
input sequences of 100 steps, QR every step unless said otherwise, on one device (--device; the CPU by
default, and the GPU alone with --device cuda):

  QR methods   lyapunov_spectrum with Householder QR (geqrf/ormqr) and with CholeskyQR2 (qr="cholesky"),
               float32 and float64; the deviation of each float32 spectrum from the float64 one, and the
               fallbacks of CholeskyQR2; on a GPU CholeskyQR2 both with its step captured in a CUDA graph
               and without, and n = 1024 as well
  networks     4 networks one after another against lyapunov_spectra on all 4 at once
  throughput   100 sequences at n = 512 (GPU only)
  training     a spectrum (float32) against one CharRNN training epoch (float32) on the same device
  goals        on a GPU, the measured times against the goals set for them

On the CPU only: the package against autograd Jacobians (torch.func jacrev + vmap, torch.linalg.qr) and a
straightforward loop (one sequence at a time, dense diagonal matrices), and, with --authors PATH (a checkout
of the authors' lyapunov-hyperopt repository, never copied into this one), against their calc_LEs_an on
the same inputs in their conventions (transposed frame, bits). Times on a GPU are the best of --repeats runs
(3), after a first call that pays for the device's start. Writes benchmarks/results/lyapunov.json
(lyapunov-cuda.json for the GPU) for the performance page.
"""

from __future__ import annotations

import importlib.util
import subprocess
import time
from pathlib import Path

import bench
import torch

from lstmdyn.cells import LSTMParameters
from lstmdyn.experiments.costs import char_rnn_epoch_seconds, spectrum_seconds, synchronize
from lstmdyn.lyapunov import lyapunov_spectra, lyapunov_spectrum
from lstmdyn.records import Table, write_measurement

BATCH, T, INPUT, NETWORKS = 10, 100, 82, 4


def autograd_spectrum(model: torch.nn.LSTM, inputs: torch.Tensor) -> torch.Tensor:
    """Algorithm 1 with autograd Jacobians of ∂h⁺/∂h (c fixed), batched with vmap."""
    cell = LSTMParameters.from_torch(model)
    jacobian = torch.func.vmap(torch.func.jacrev(lambda h, c, x: cell.step(c, h, x)[1]))
    batch, n = inputs.shape[0], model.hidden_size
    h = c = torch.zeros(batch, n, dtype=inputs.dtype)
    Q = torch.eye(n, dtype=inputs.dtype).expand(batch, n, n)
    total = torch.zeros(batch, n, dtype=inputs.dtype)
    for t in range(inputs.shape[1]):
        x = inputs[:, t]
        Q, R = torch.linalg.qr(jacobian(h, c, x) @ Q)
        total += torch.log(R.diagonal(dim1=-2, dim2=-1).abs())
        c, h = cell.step(c, h, x)
    return torch.sort(total / inputs.shape[1], descending=True).values


def loop_spectrum(model: torch.nn.LSTM, inputs: torch.Tensor) -> torch.Tensor:
    """One sequence at a time, with dense diagonal matrices: as straightforward code writes it."""
    cell = LSTMParameters.from_torch(model)
    W_i, W_f, W_g, W_o = (cell.block(k)[0] for k in "ifgo")
    spectra = []
    for sequence in inputs:
        n = model.hidden_size
        h = c = torch.zeros(n, dtype=inputs.dtype)
        Q, total = torch.eye(n, dtype=inputs.dtype), torch.zeros(n, dtype=inputs.dtype)
        for x in sequence:
            q = cell.gates(h, x)
            c_next = q.f * c + q.i * q.g
            tanh_c = torch.tanh(c_next)
            dc_dh = (torch.diag(c * q.f * (1 - q.f)) @ W_f + torch.diag(q.g * q.i * (1 - q.i)) @ W_i
                     + torch.diag(q.i * (1 - q.g**2)) @ W_g)
            J = torch.diag(tanh_c * q.o * (1 - q.o)) @ W_o + torch.diag(q.o * (1 - tanh_c**2)) @ dc_dh
            Q, R = torch.linalg.qr(J @ Q)
            total += torch.log(torch.diagonal(R).abs())
            c, h = c_next, q.o * tanh_c
        spectra.append(torch.sort(total / len(sequence), descending=True).values)
    return torch.stack(spectra)


def authors_spectrum(checkout: Path):
    """``calc_LEs_an`` of the authors' repository at ``checkout``, called on an ``nn.LSTM`` as they call it."""
    spec = importlib.util.spec_from_file_location("authors_lyapunov", checkout / "lyapunov.py")
    authors = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(authors)

    class Model(torch.nn.Module):  # their code reads the recurrent layer from model.rnn_layer
        def __init__(self, lstm: torch.nn.LSTM) -> None:
            super().__init__()
            self.rnn_layer = lstm

        def forward(self, x, states):
            return self.rnn_layer(x, states)

    def spectrum(model: torch.nn.LSTM, inputs: torch.Tensor) -> torch.Tensor:
        zeros = torch.zeros(1, len(inputs), model.hidden_size, dtype=inputs.dtype)
        with torch.no_grad():
            exponents, _ = authors.calc_LEs_an(inputs, (zeros, zeros), model=Model(model), rec_layer="lstm",
                                               warmup=0)
        return torch.sort(exponents, descending=True).values

    return spectrum


def authors_source(checkout: Path) -> str:
    """Where the authors' code came from: the checkout's path and commit, or that it is not a git checkout."""
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
    return f"{checkout}, " + (f"commit {commit.stdout.strip()}" if commit.returncode == 0 else "not a git checkout")


REPEATS = {"cpu": 1, "cuda": 3}  #: runs of each timing, the best kept (set by --repeats)


def timed(function, *args, device: str = "cpu", repeats: int | None = None, **options) -> tuple[float, torch.Tensor]:
    """Seconds of ``function(*args, **options)`` on ``device``, the best of ``repeats`` runs (default
    ``REPEATS[device]``)."""
    best = float("inf")
    for _ in range(repeats or REPEATS[torch.device(device).type]):
        synchronize(device)
        start = time.perf_counter()
        result = function(*args, **options)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best, result


def networks(n: int, count: int, device: str) -> list[torch.nn.LSTM]:
    models = []
    for seed in range(count):
        torch.manual_seed(n + seed)
        models.append(torch.nn.LSTM(INPUT, n, batch_first=True, device=device))
    return models


#: the QR variants timed on each device: (name in the table, options of lyapunov_spectrum and of timed); on a GPU
#: Householder QR, the slow one there, is timed once
VARIANTS = {"cpu": {"householder": {"qr": "householder"}, "cholesky": {"qr": "cholesky"}},
            "cuda": {"householder": {"qr": "householder", "repeats": 1}, "cholesky": {"qr": "cholesky", "graph": True},
                     "cholesky, no graph": {"qr": "cholesky", "graph": False}}}


def qr_methods(sizes: list[int], device: str) -> tuple[Table, dict]:
    """Each QR variant at each size and dtype; the deviation from the float64 spectrum (Householder on a CPU,
    the captured CholeskyQR2 on a GPU, where Householder at n = 1024 takes seconds)."""
    rows, findings = [], {}
    generator = torch.Generator(device).manual_seed(0)
    variants = VARIANTS[torch.device(device).type]
    for n in sizes:
        model = networks(n, 1, device)[0]
        inputs = torch.randn(BATCH, T, INPUT, generator=generator, device=device)
        lyapunov_spectrum(model, inputs[:, :2])  # first call on a device pays for its initialisation
        reference = lyapunov_spectrum(model.double(), inputs.double(),
                                      qr="householder" if device == "cpu" else "cholesky")
        for dtype in (torch.float32, torch.float64):
            model, x = model.to(dtype), inputs.to(dtype)
            seconds = {}
            for name, options in variants.items():
                seconds[name], (spectrum, info) = timed(lyapunov_spectrum, model, x, full_output=True,
                                                       device=device, **options)
                deviation = (spectrum.double() - reference).abs().max().item()
                rows.append([n, str(dtype)[6:], name, round(seconds[name], 4), f"{deviation:.1e}", info.fallbacks])
            label = f"{n}_{str(dtype)[6:]}"
            findings[f"cholesky_speedup_{label}"] = seconds["householder"] / seconds["cholesky"]
            findings[f"cholesky_seconds_{label}"] = seconds["cholesky"]
            if "cholesky, no graph" in seconds:
                findings[f"graph_speedup_{label}"] = seconds["cholesky, no graph"] / seconds["cholesky"]
    return Table("QR methods", ["n", "dtype", "QR", "seconds", "max |Δλ| from float64", "fallbacks"], rows), findings


def batched_networks(n: int, device: str) -> Table:
    models = networks(n, NETWORKS, device)
    inputs = torch.randn(BATCH, T, INPUT, generator=torch.Generator(device).manual_seed(1), device=device)
    rows = []
    for qr in ("householder", "cholesky"):
        repeats = 1 if qr == "householder" else None
        alone, spectra = timed(lambda qr=qr: torch.stack([lyapunov_spectrum(m, inputs, qr=qr) for m in models]),
                               device=device, repeats=repeats)
        together, batched = timed(lyapunov_spectra, models, inputs, qr=qr, device=device, repeats=repeats)
        rows.append([n, NETWORKS, qr, round(alone, 3), round(together, 3), round(alone / together, 2),
                     f"{(batched - spectra).abs().max():.1e}"])
    return Table("networks", ["n", "networks", "QR", "one at a time s", "together s", "speed-up", "max |Δλ|"], rows)


def other_implementations(sizes: list[int], authors) -> Table:
    rows = []
    generator = torch.Generator().manual_seed(0)
    for n in sizes:
        model = networks(n, 1, "cpu")[0]
        inputs = torch.randn(BATCH, T, INPUT, generator=generator)
        for dtype in (torch.float32, torch.float64):
            model, x = model.to(dtype), inputs.to(dtype)
            seconds, reference = timed(lyapunov_spectrum, model, x)
            others = {"autograd (vmap)": autograd_spectrum, "straightforward": loop_spectrum}
            for name, method in others.items():
                other, spectrum = timed(method, model, x)
                rows.append([n, str(dtype)[6:], name, round(seconds, 3), round(other, 3), round(other / seconds, 1),
                             f"{(spectrum - reference).abs().max():.1e}"])
            if authors is not None and dtype == torch.float32:  # their Jacobians are float32 whatever the model
                ours, reference = timed(lyapunov_spectrum, model, x, frame="transpose", units="bits")
                other, spectrum = timed(authors, model, x)
                rows.append([n, "float32", "authors' calc_LEs_an", round(ours, 3), round(other, 3),
                             round(other / ours, 1), f"{(spectrum - reference).abs().max():.1e}"])
    return Table("implementations", ["n", "dtype", "method", "package s", "method s", "package speed-up",
                                     "max |Δλ|"], rows)


def throughput(n: int, device: str) -> tuple[Table, dict]:
    model = networks(n, 1, device)[0]
    inputs = torch.randn(100, T, INPUT, generator=torch.Generator(device).manual_seed(2), device=device)
    rows, findings = [], {}
    for name, options in VARIANTS["cuda"].items():
        seconds, (_, info) = timed(lyapunov_spectrum, model, inputs, full_output=True, device=device, **options)
        rows.append([n, 100, name, round(seconds, 3), info.fallbacks])
        findings[f"throughput_seconds_{name}"] = seconds
    return Table("throughput", ["n", "sequences", "QR", "seconds", "fallbacks"], rows), findings


def against_training(sizes: list[int], device: str) -> tuple[Table, dict]:
    rows, findings = [], {}
    generator = torch.Generator(device).manual_seed(3)
    batches = 3 if device == "cpu" else 20
    for n in sizes:
        model = networks(n, 1, device)[0]
        spectrum = spectrum_seconds(model, torch.randn(BATCH, T, INPUT, generator=generator, device=device),
                                    repeats=REPEATS[torch.device(device).type])
        epoch = char_rnn_epoch_seconds(n, device=device, measured_batches=batches)
        rows.append([n, round(spectrum, 3), round(epoch, 2), f"1/{epoch / spectrum:.0f}"])
        findings[f"epoch_fraction_{n}"] = spectrum / epoch
    return Table("training", ["n", "spectrum s", "epoch s", "spectrum / epoch"], rows), findings


#: The goals of the GPU computation (one H100 or H200, float32, 10 sequences × 100 steps unless said):
#: finding → (what, at most)
GOALS = {"cholesky_seconds_512_float32": ("n = 512, float32", 0.05),
         "cholesky_seconds_1024_float32": ("n = 1024, float32", 0.2),
         "throughput_seconds_cholesky": ("100 sequences at n = 512, float32", 0.3),
         "cholesky_seconds_512_float64": ("n = 512, float64", 0.15),
         "epoch_fraction_512": ("spectrum / CharRNN epoch at n = 512", 1 / 30)}


def goals(findings: dict) -> Table:
    rows = [[what, limit if key.startswith("epoch") else f"{limit:g} s", round(findings[key], 4),
             bool(findings[key] <= limit)] for key, (what, limit) in GOALS.items() if key in findings]
    for row, key in zip(rows, [k for k in GOALS if k in findings], strict=True):
        if key.startswith("epoch"):
            row[1], row[2] = f"1/{1 / GOALS[key][1]:.0f}", f"1/{1 / findings[key]:.0f}"
    return Table("goals", ["what", "goal", "measured", "met"], rows)


def main() -> None:
    parser = bench.parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--repeats", type=int, help="runs of each timing on the device, the best kept")
    parser.add_argument("--authors", type=Path, help="a checkout of the authors' lyapunov-hyperopt repository")
    args = bench.start(parser)
    device = args.device
    if args.repeats:
        REPEATS[device] = args.repeats
    authors = authors_spectrum(args.authors) if args.authors else None
    print(f"batch {BATCH}, T = {T}, input width {INPUT}, full spectrum, state 'h'")
    sizes = args.sizes + ([1024] if device == "cuda" else [])
    qr_table, findings = qr_methods(sizes, device)
    tables = [qr_table, batched_networks(min(sizes), device)]
    if device == "cpu":
        tables.append(other_implementations(args.sizes, authors))
    else:
        table, found = throughput(512, device)
        tables.append(table)
        findings |= found
    table, found = against_training(args.sizes, device)
    tables.append(table)
    findings |= found
    if device == "cuda":
        tables.append(goals(findings))
    for table in tables:
        print(f"\n{table.title} ({device})")
        print("  ".join(f"{c:>14}" for c in table.columns))
        for row in table.rows:
            print("  ".join(f"{v!s:>14}" for v in row))
    if args.authors:
        findings["authors_source"] = authors_source(args.authors)
    path = write_measurement("lyapunov" if device == "cpu" else f"lyapunov-{device}", tables,
                             threads=args.threads, findings=findings, directory=args.output)
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
