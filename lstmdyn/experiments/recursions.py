"""Chapter: *The LSTM model* (``notebooks/lstm_model.py``).

Linear and saturating recursions: what a recurrent layer does to a single input, step after step.

The response of ``h_t = W h_{t-1} + C x_t`` to one input at t = 0 is ``h_t = W^t C x_0``: it grows or shrinks
like ``|λ_max|^t``, the t-th power of the largest eigenvalue modulus of W. Passing the recursion through a
squashing function changes the picture: a sigmoid recursion settles, in a few steps, to a value fixed by the
weight alone; tanh keeps a memory longest for weights near 1; ReLU either blows up or dies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstmdyn.cells import relu, sigmoid, tanh

__all__ = ["ACTIVATIONS", "linear_recursion", "matrix_with_spectral_radius", "scalar_recursion", "settling",
           "settling_sentence"]

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid, "tanh": tanh, "relu": relu,
}


def matrix_with_spectral_radius(n: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """A random n×n matrix (Gaussian entries) rescaled so that its largest |eigenvalue| is ``rho``."""
    W = rng.normal(size=(n, n))
    return W * (rho / np.max(np.abs(np.linalg.eigvals(W))))


def linear_recursion(W: np.ndarray, h0: np.ndarray, T: int) -> np.ndarray:
    """The states ``h_t = W h_{t-1}`` for t = 0..T, shape ``(T + 1, n)``; a scalar ``W`` is allowed."""
    W = np.atleast_2d(W)
    h = np.empty((T + 1, W.shape[0]))
    h[0] = h0
    for t in range(1, T + 1):
        h[t] = W @ h[t - 1]
    return h


def scalar_recursion(activation: str, w: float, T: int, h0: float = 1.0, b: float = 0.0) -> np.ndarray:
    """The states ``h_t = φ(w h_{t-1} + b)`` for t = 0..T of a single unit, φ one of :data:`ACTIVATIONS`."""
    phi = ACTIVATIONS[activation]
    h = np.empty(T + 1)
    h[0] = h0
    for t in range(1, T + 1):
        h[t] = phi(np.float64(w * h[t - 1] + b))
    return h


def settling(h: np.ndarray, tol: float = 1e-6, longest: int = 4) -> tuple[int, int]:
    """Where a scalar trajectory ``h_0 … h_T`` ends: the period ``p`` of the orbit it settles on (1 for a fixed
    point, 2 for a 2-cycle, …, up to ``longest``; 0 when it has not settled by step T) and the first step from
    which ``|h_t − h_{t+p}| < tol`` holds to the end.

    Examples
    --------
    >>> settling(scalar_recursion("sigmoid", 0.5, 200))[0]
    1
    >>> settling(scalar_recursion("sigmoid", -10.0, 200))[0]
    2
    >>> settling(scalar_recursion("tanh", -1.0, 200))   # decays algebraically: not settled within 200 steps
    (0, 200)
    """
    for p in range(1, longest + 1):
        close = np.abs(h[p:] - h[:-p]) < tol
        if close[-2 * p:].all():
            return p, len(close) - int(np.argmin(close[::-1])) if not close.all() else 0
    return 0, len(h) - 1


def settling_sentence(weights: list[float], periods: list[int], limits: list[tuple[float, ...]]) -> str:
    """What the scalar sigmoid recursions end on, one weight each: ``periods`` and ``limits`` (the values of
    the orbit) as :func:`settling` and the trajectory give them.

    Examples
    --------
    >>> settling_sentence([0.5, 1.0], [1, 1], [(0.56,), (0.66,)])
    'every curve settles on a fixed point'
    >>> settling_sentence([0.5, -10.0], [1, 2], [(0.56,), (0.008, 0.48)])
    'the curve for w = 0.5 settles on a fixed point; for w = -10 the unit ends in a 2-cycle (0.008 ↔ 0.48)'
    """
    if all(p == 1 for p in periods):
        return "every curve settles on a fixed point"
    parts = []
    fixed = [f"{w:g}" for w, p in zip(weights, periods, strict=True) if p == 1]
    if fixed:
        parts.append(f"the curve{'s' if len(fixed) > 1 else ''} for w = {', '.join(fixed)} "
                     f"settle{'' if len(fixed) > 1 else 's'} on a fixed point")
    for w, p, values in zip(weights, periods, limits, strict=True):
        if p > 1:
            parts.append(f"for w = {w:g} the unit ends in a {p}-cycle ({' ↔ '.join(f'{v:.2g}' for v in values)})")
        elif p == 0:
            parts.append(f"for w = {w:g} it has not settled by the last step")
    return "; ".join(parts)
