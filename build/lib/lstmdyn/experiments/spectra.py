"""Chapter: *The Lyapunov spectrum* (``notebooks/lyapunov.py``).

Readings of computed spectra that the chapter states in words: where the largest exponent crosses zero, and
how much a warm-up removes of the bias of short estimates.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bias_reduction", "zero_crossing"]


def zero_crossing(x: np.ndarray, y: np.ndarray) -> float:
    """The ``x`` at which ``y`` first rises through zero, by linear interpolation between the two samples
    around the sign change; where ``y`` never rises through zero, the ``x`` of the sample closest to zero.

    Used for the gain at which the largest Lyapunov exponent of a driven RNN turns positive.

    Examples
    --------
    >>> zero_crossing(np.array([1.0, 2.0, 3.0]), np.array([-0.5, -0.1, 0.3]))
    2.25
    >>> zero_crossing(np.array([1.0, 2.0]), np.array([-0.5, -0.2]))
    2.0
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rising = np.flatnonzero((y[:-1] < 0) & (y[1:] >= 0))
    if not len(rising):
        return float(x[int(np.argmin(np.abs(y)))])
    k = rising[0]
    return float(x[k] + (x[k + 1] - x[k]) * (-y[k]) / (y[k + 1] - y[k]))


def bias_reduction(cold: float, warm: float) -> str:
    """What a warm-up did to the bias of a short estimate: ``cold`` and ``warm`` are the deviations of the
    estimates without and with warm-up from the reference (the longest warmed-up estimate).

    Examples
    --------
    >>> bias_reduction(0.2, 0.05), bias_reduction(0.2, 0.15), bias_reduction(0.1, -0.3)
    ('removes most of that bias', 'reduces that bias', 'does not reduce that bias here')
    """
    if abs(warm) < 0.5 * abs(cold):
        return "removes most of that bias"
    return "reduces that bias" if abs(warm) < abs(cold) else "does not reduce that bias here"
