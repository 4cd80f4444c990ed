"""Where the time of one step of the Lyapunov spectrum goes, part by part, and ways to do each part.

    .venv/bin/python benchmarks/qr_step.py [--device cpu|cuda] [--sizes 512 1024] [--batch 10]

One step of the algorithm with CholeskyQR2 for a single-layer LSTM (input width 82) at n units and --batch
sequences: the Jacobians of the step, the product J Q, and the two passes of CholeskyQR2 (Gram matrix, Cholesky
factor, triangular solve). Each part is timed alone (CUDA events around --repeats launches, the median; on the
CPU the wall clock), and each factorisation and solve in several ways: batched, one matrix at a time, and the
solve as a triangular inverse times a matrix product. Writes benchmarks/results/qr_step.json
(qr_step-cuda.json on a GPU).
"""

from __future__ import annotations

import time

import bench
import numpy as np
import torch

from lstmdyn.lyapunov import NetworkDynamics
from lstmdyn.records import Table, write_measurement

INPUT = 82


def median_seconds(function, device: str, repeats: int) -> float:
    """The median seconds of ``function()`` on ``device`` over ``repeats`` calls after two."""
    for _ in range(2):
        function()
    times = []
    for _ in range(repeats):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            function()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1000)
        else:
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def parts(n: int, batch: int, device: str, repeats: int) -> list[list]:
    torch.manual_seed(n)
    model = torch.nn.LSTM(INPUT, n, batch_first=True, device=device)
    return [row for dtype in (torch.float32, torch.float64)
            for row in _parts_in(model.to(dtype), n, dtype, batch, device, repeats)]


def _parts_in(model: torch.nn.LSTM, n: int, dtype: torch.dtype, batch: int, device: str, repeats: int) -> list[list]:
    dynamics = NetworkDynamics(model)
    states = dynamics.initial_state(batch)
    x = torch.randn(batch, INPUT, dtype=dtype, device=device)
    J, _ = dynamics.step(states, x)
    Q = torch.linalg.qr(torch.randn(batch, n, n, dtype=dtype, device=device)).Q
    A = (J @ Q).double()
    G = A.mT @ A
    L = torch.linalg.cholesky(G)
    identity = torch.eye(n, dtype=torch.float64, device=device)
    timings = {"Jacobians of the step": lambda: dynamics.step(states, x), "J Q": lambda: J @ Q,
               "to float64": lambda: (J @ Q).double()}
    if dtype == torch.float64:
        timings |= {
            "Gram matrix AᵀA (float64)": lambda: A.mT @ A,
            "Cholesky, batched (cholesky_ex)": lambda: torch.linalg.cholesky_ex(G),
            "Cholesky, one matrix at a time": lambda: [torch.linalg.cholesky_ex(g) for g in G],
            "solve A Lᵀ⁻¹, batched (solve_triangular)":
                lambda: torch.linalg.solve_triangular(L.mT, A, upper=True, left=False),
            "solve A Lᵀ⁻¹, one matrix at a time":
                lambda: [torch.linalg.solve_triangular(l.mT, a, upper=True, left=False)
                         for l, a in zip(L, A, strict=True)],
            "inverse L⁻¹ (batched solve), then A L⁻ᵀ":
                lambda: A @ torch.linalg.solve_triangular(L, identity, upper=False).mT,
            "Householder QR, batched (geqrf)": lambda: torch.geqrf(A),
            "‖AᵀA − I‖ (the refusal check)": lambda: torch.linalg.matrix_norm(G - identity)}
    return [[n, str(dtype)[6:], part, round(median_seconds(function, device, repeats) * 1000, 3)]
            for part, function in timings.items()]


def main() -> None:
    parser = bench.parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=20)
    args = bench.start(parser)
    rows = [row for n in args.sizes for row in parts(n, args.batch, args.device, args.repeats)]
    for row in rows:
        print("  ".join(f"{v!s:>12}" for v in row[:2]), f"{row[2]:<45}", f"{row[3]:>10} ms")
    table = Table("parts of a step", ["n", "dtype", "part", "ms"], rows)
    path = write_measurement("qr_step" if args.device == "cpu" else f"qr_step-{args.device}", [table],
                             threads=args.threads, findings={"batch": args.batch}, directory=args.output)
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
