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

__all__ = ["ACTIVATIONS", "linear_recursion", "matrix_with_spectral_radius", "scalar_recursion"]

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
