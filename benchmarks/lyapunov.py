"""The Lyapunov spectrum: the package against autograd Jacobians, a straightforward loop, and training.

    .venv/bin/python benchmarks/lyapunov.py [--threads 1] [--sizes 128 256 512]

For single-layer LSTMs (input width 82, as the CharRNN task) with n units, full spectrum (state "h"),
10 input sequences of 100 steps:
  package    lstmdyn.lyapunov.lyapunov_spectrum, QR every 1, 5 and 10 steps, float32 and float64
  autograd   the same algorithm with the Jacobians from torch.func (jacrev of one step, vmap over the
             batch) and an explicit QR (torch.linalg.qr) at every step
  loop       the straightforward implementation: one sequence at a time, the Jacobian assembled from
             dense diagonal matrices (torch.diag) and matrix products, torch.linalg.qr at every step
All three are run in the same process on the same networks and inputs; the largest difference between
their spectra is printed. Then a spectrum against one training epoch of the CharRNN task
(lstmdyn.experiments.costs.char_rnn_epoch_seconds, scaled from 3 measured batches).
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from lstmdyn.cells import LSTMParameters
from lstmdyn.experiments.costs import char_rnn_epoch_seconds, spectrum_seconds
from lstmdyn.lyapunov import lyapunov_spectrum

BATCH, T, INPUT = 10, 100, 82


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


def _spectrum_every(model: torch.nn.LSTM, x: torch.Tensor, every: int) -> torch.Tensor:
    return lyapunov_spectrum(model, x, qr_every=every)


def timed(function, *args) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s) (pinned), {os.cpu_count()} cores; "
          f"batch {BATCH}, T = {T}, input width {INPUT}, full spectrum, state 'h'\n")
    print(f"{'n':>5} {'dtype':>8} {'method':<18}{'seconds':>9}{'package speed-up':>18}{'max |Δλ|':>11}")
    generator = torch.Generator().manual_seed(0)
    for n in args.sizes:
        torch.manual_seed(n)
        model = torch.nn.LSTM(INPUT, n, batch_first=True)
        inputs = torch.randn(BATCH, T, INPUT, generator=generator)
        for dtype in (torch.float32, torch.float64):
            model, x = model.to(dtype), inputs.to(dtype)
            seconds, reference = timed(lyapunov_spectrum, model, x)
            print(f"{n:>5} {str(dtype)[6:]:>8} {'package, QR every 1':<18}{seconds:>9.2f}")
            for every in (5, 10):
                other, spectrum = timed(_spectrum_every, model, x, every)
                print(f"{n:>5} {str(dtype)[6:]:>8} {f'package, QR every {every}':<18}{other:>9.2f}"
                      f"{seconds / other:>17.1f}x{(spectrum - reference)[:, :10].abs().max():>11.1e}"
                      "  (first 10 exponents)")
            for name, method in (("autograd (vmap)", autograd_spectrum), ("straightforward", loop_spectrum)):
                other, spectrum = timed(method, model, x)
                print(f"{n:>5} {str(dtype)[6:]:>8} {name:<18}{other:>9.2f}{other / seconds:>17.1f}x"
                      f"{(spectrum - reference).abs().max():>11.1e}")
        print()
    print("spectrum (float32, QR every step) against one CharRNN training epoch (float32):")
    print(f"{'n':>5}{'spectrum s':>12}{'epoch s':>10}{'spectrum / epoch':>18}")
    for n in args.sizes:
        torch.manual_seed(n)
        model = torch.nn.LSTM(INPUT, n, batch_first=True)
        spectrum = spectrum_seconds(model, torch.randn(BATCH, T, INPUT, generator=generator))
        epoch = char_rnn_epoch_seconds(n)
        print(f"{n:>5}{spectrum:>12.2f}{epoch:>10.1f}{spectrum / epoch:>18.4f}  (1/{epoch / spectrum:.0f})")


if __name__ == "__main__":
    main()
