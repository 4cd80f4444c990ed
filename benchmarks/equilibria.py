"""Equilibria of the autonomous LSTM: the package's homotopies against other ways to find them.

    .venv/bin/python benchmarks/equilibria.py [--threads 1] [--budget 60]

Methods, each measured on the same networks in one run:
  convex         find_equilibrium(lstm, "convex"): fixed-point homotopy, predictor–corrector
  paper          find_equilibrium(lstm, "paper"): the homotopy of Amrouche et al., predictor–corrector
  paper, ODE     the paper's formulation integrated with scipy's solve_ivp (at most 5000 tangents)
  Newton         Newton's method on x − Φ(x) = 0 from the zero state
  iteration      x ← Φ(x) from the zero state until ‖Φ(x) − x‖ < 1e-10 (at most 20 000 steps)
  fsolve         scipy.optimize.fsolve on x − Φ(x) from zero, with the exact Jacobian
  authors' scheme
                 modelled on the published solver of the paper's first author: Euler micro-steps of
                 arclength 0.01 along the null vector of DH from a full SVD recomputed at every
                 micro-step, oriented so that dt > 0, and fsolve at fixed t as corrector every 10
                 micro-steps; stopped after --budget seconds.
Networks: uniform weights on ±1/√n for n = 128 and 200 (well conditioned), the same with the forget
bias raised by 3 (spectral radius near 1), and the authors' trained PTB network (n = 200).
Every method's answer is checked: its residual, and its distance to the convex homotopy's equilibrium.
Times are the best of three runs (of one, for runs over 5 s): the machine may be busy.
Times include the eigenvalues of the 2n×2n Jacobian at the answer (about 0.15 s at n = 200), which
find_equilibrium always computes, so that every method delivers the same thing: a linearised equilibrium.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _pin_threads() -> int:
    threads = argparse.ArgumentParser(add_help=False)
    threads.add_argument("--threads", type=int, default=1)
    count = threads.parse_known_args()[0].threads
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(count)
    return count


THREADS = _pin_threads()  # before numpy is imported

import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import fsolve  # noqa: E402

from lstmdyn.data.weights import amrouche_ptb_weights, tf_lstm_parameters  # noqa: E402
from lstmdyn.equilibria import AutonomousLSTM, ConvexHomotopy, find_equilibrium, iterate_map, newton  # noqa: E402
from lstmdyn.records import Table, write_measurement  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"  # the performance page reads these files


def authors_scheme(lstm: AutonomousLSTM, budget: float, micro: float = 0.01, every: int = 10):
    """Euler micro-steps along an SVD null vector with dt > 0 forced, fsolve correction at fixed t."""
    H = ConvexHomotopy(lstm)
    x, t = np.zeros(2 * lstm.n), 0.0
    start = time.perf_counter()
    steps = 0
    while t < 1.0:
        if time.perf_counter() - start > budget:
            return x, False
        value, H_x, H_t = H.derivatives(x, t)
        null = np.linalg.svd(np.column_stack([H_x, H_t]))[2][-1]
        null = null if null[-1] > 0 else -null  # dt > 0 forced
        x, t = x + micro * null[:-1], t + micro * null[-1]
        steps += 1
        if steps % every == 0:
            x = _correct_at(H, x, min(t, 1.0))
    return _correct_at(H, x, 1.0), True


def _correct_at(H, x: np.ndarray, t: float) -> np.ndarray:
    """fsolve on H(t, ·) = 0 at fixed t, with the exact Jacobian."""
    return fsolve(lambda z: H.value(z, t), x, fprime=lambda z: H.derivatives(z, t)[1])


def fixed_point_iteration(lstm: AutonomousLSTM, steps: int = 20000):
    x = np.zeros(2 * lstm.n)
    for _ in range(steps // 100):
        x = iterate_map(lstm, x, 100)[-1]
        if lstm.residual(x) < 1e-10:
            return x, True
    return x, False


def linearised(lstm: AutonomousLSTM, x: np.ndarray) -> tuple[np.ndarray, float]:
    """The answer and, if it is an equilibrium, the spectral radius of the Jacobian there."""
    ok = np.all(np.isfinite(x)) and lstm.residual(x) < 1e-9
    return x, np.abs(np.linalg.eigvals(lstm.jacobian(x[:lstm.n], x[lstm.n:]))).max() if ok else np.nan


def best_of(function, repeats: int = 3, quick: float = 5.0):
    """The smallest wall-clock time of up to ``repeats`` calls (one call if it takes over ``quick`` s)."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
        best = min(best, seconds)
        if seconds > quick:
            break
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds for the authors' scheme")
    budget = parser.parse_args().budget
    print(f"BLAS threads pinned to {THREADS}; numpy {np.__version__}; {os.cpu_count()} cores")
    kernel, bias = amrouche_ptb_weights()
    networks = {
        "random n=128": AutonomousLSTM.random(128, rng=np.random.default_rng(1)),
        "random n=200": AutonomousLSTM.random(200, rng=np.random.default_rng(1)),
        "forget +3, n=128": AutonomousLSTM.random(128, rng=np.random.default_rng(1), forget_bias=3.0),
        "forget +3, n=200": AutonomousLSTM.random(200, rng=np.random.default_rng(1), forget_bias=3.0),
        "authors' PTB, n=200": AutonomousLSTM.from_parameters(tf_lstm_parameters(kernel, bias)),
    }
    methods = {  # the package's methods include the eigenvalues of J; the others get them added below
        "convex": lambda lstm: find_equilibrium(lstm, "convex").x,
        "paper": lambda lstm: find_equilibrium(lstm, "paper").x,
        "paper, ODE": lambda lstm: find_equilibrium(lstm, "paper", method="ode", max_steps=5000).x,
        "Newton": lambda lstm: newton(lstm, np.zeros(2 * lstm.n))[0],
        "iteration": lambda lstm: fixed_point_iteration(lstm)[0],
        "fsolve": lambda lstm: fsolve(lambda x: x - lstm.Phi(x), np.zeros(2 * lstm.n),
                                      fprime=lambda x: np.eye(len(x)) - lstm.Phi_and_jacobian(x)[1]),
        "authors' scheme": lambda lstm: authors_scheme(lstm, budget)[0],
    }
    print(f"\n{'network':<22}{'method':<17}{'seconds':>9}{'residual':>11}{'‖x − x_convex‖':>16}"
          f"{'ρ(J) at x':>11}{'time / convex':>15}")
    rows = []
    for name, lstm in networks.items():
        reference, convex_seconds = None, None
        for method, run in methods.items():
            seconds, (x, rho) = best_of(lambda lstm=lstm, run=run: linearised(lstm, run(lstm)))
            residual = lstm.residual(x) if np.all(np.isfinite(x)) else np.inf
            if method == "convex":
                reference, convex_seconds = x, seconds
            distance = np.linalg.norm(x - reference) if np.all(np.isfinite(x)) else np.inf
            late = method == "authors' scheme" and seconds >= budget
            print(f"{name:<22}{method:<17}{seconds:>8.2f}{'+' if late else ' '}{residual:>11.1e}"
                  f"{distance:>16.1e}{rho:>11.4f}{seconds / convex_seconds:>14.1f}{'+' if late else ''}")
            sys.stdout.flush()
            rows.append([name, method, round(seconds, 3), bool(residual < 1e-9), bool(late), f"{residual:.1e}",
                         f"{distance:.1e}", None if np.isnan(rho) else round(float(rho), 4),
                         round(seconds / convex_seconds, 1)])
        print()
    print("A residual above 1e-9 means the method did not find an equilibrium; '+' marks a run stopped "
          "at its time budget (the ratio is then a lower bound).")
    table = Table("methods", ["network", "method", "seconds", "found", "stopped", "residual",
                              "distance to convex", "spectral radius", "time / convex"], rows)
    print("written:", write_measurement("equilibria", [table], threads=THREADS, findings={"budget": budget},
                                         directory=RESULTS))


if __name__ == "__main__":
    main()
