"""Chapter: *The Lyapunov spectrum* (``notebooks/lyapunov.py``).

Readings of computed spectra that the chapter states in words: where the largest exponent crosses zero, how far
the QR interval moves the head and the tail of the spectrum, and what sets the slow directions of the full
LSTM state. The chapter's claims (the warm-up, the QR interval) are judged in
:mod:`lstmdyn.experiments.claims_vogt`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["carousel_comparison", "qr_interval_shifts", "slowest_forget_rate", "zero_crossing"]


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


def slowest_forget_rate(forget: np.ndarray) -> float:
    """The largest per-unit time average of ``log f_t``: the slowest rate at which the cell state alone
    (its Jacobian block ``diag(f_t)``) lets a perturbation decay, averaged over sequences.

    ``forget`` holds the forget gates along trajectories, shape ``(batch, T, n)``.

    Examples
    --------
    >>> f = np.stack([np.full((4, 2), [0.5, 0.9])])          # one sequence, 4 steps, 2 units
    >>> round(slowest_forget_rate(f), 4) == round(float(np.log(0.9)), 4)
    True
    """
    return float(np.log(forget).mean(axis=1).max(axis=-1).mean())


def carousel_comparison(largest_hc: float, slowest_forget: float, *, tolerance: float = 0.02) -> str:
    """Whether the largest exponent of the full state (h, c) exceeds the slowest decay that the forget
    gates alone allow, as the chapter states it.

    Examples
    --------
    >>> carousel_comparison(-0.30, -0.53).startswith("lies above")
    True
    >>> carousel_comparison(-0.53, -0.53).startswith("matches")
    True
    """
    if largest_hc > slowest_forget + tolerance:
        return ("lies above the slowest decay that the forget gates alone allow: the slow directions are not "
                "the carousel's own, they come from the coupling of c and h through the gates, which feeds a "
                "perturbation stored in c back into h and the gates and from there into c again")
    if largest_hc < slowest_forget - tolerance:
        return ("lies below the slowest decay that the forget gates alone allow: the coupling of c and h "
                "damps what the carousel would keep")
    return ("matches the slowest decay that the forget gates alone allow: the slowest direction is the "
            "carousel's, with a rate set by the forget gates")


def qr_interval_shifts(tails: dict[tuple[str, int], tuple[float, float]]) -> str:
    """How far the largest and the smallest exponent move from QR every step to the other intervals, per
    dtype, as a sentence. ``tails`` maps ``(dtype, k)`` to ``(largest, smallest)`` exponent, with k = 1 for
    every dtype.

    Examples
    --------
    >>> qr_interval_shifts({("float32", 1): (-0.5, -3.0), ("float32", 5): (-0.5001, -2.0),
    ...                     ("float64", 1): (-0.5, -3.0), ("float64", 5): (-0.5, -2.9)})  # doctest: +ELLIPSIS
    'Against QR every step, the largest exponent moves by at most 1.0e-04 in float32 and ... 1.000 and 0.100.'
    """
    dtypes = sorted({dtype for dtype, _ in tails})
    heads, ends = [], []
    for dtype in dtypes:
        head_1, tail_1 = tails[(dtype, 1)]
        others = [value for (d, k), value in tails.items() if d == dtype and k != 1]
        heads.append(max(abs(head - head_1) for head, _ in others))
        ends.append(max(abs(tail - tail_1) for _, tail in others))
    return (f"Against QR every step, the largest exponent moves by at most "
            f"{' and '.join(f'{h:.1e} in {d}' for h, d in zip(heads, dtypes, strict=True))} over the other "
            f"intervals, the smallest by up to {' and '.join(f'{e:.3f}' for e in ends)}.")
