"""Chapter: *The Lyapunov spectrum* (``notebooks/lyapunov.py``).

Readings of computed spectra that the chapter states in words: where the largest exponent crosses zero, how
much a warm-up removes of the bias of short estimates, and what sets the slow directions of the full LSTM
state.
"""

from __future__ import annotations

import numpy as np

from lstmdyn.experiments.claims import Verdict

__all__ = ["bias_reduction", "carousel_comparison", "qr_interval_shifts", "qr_interval_verdict",
           "slowest_forget_rate", "warmup_verdict", "zero_crossing"]


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


def warmup_verdict(cold: float, warm: float) -> Verdict:
    """Vogt et al., appendix C: a warm-up removes the start-up bias of short estimates. ``cold`` and ``warm``
    are the deviations of a short estimate of the largest exponent without and with warm-up from the longest
    warmed-up one (see :func:`bias_reduction`, whose three outcomes map to the three verdicts).

    Examples
    --------
    >>> warmup_verdict(0.2, 0.05).verdict, warmup_verdict(0.2, 0.15).verdict, warmup_verdict(0.1, 0.3).verdict
    ('reproduced', 'partly', 'not reproduced')
    """
    outcome = {"removes most of that bias": "reproduced", "reduces that bias": "partly"}.get(
        bias_reduction(cold, warm), "not reproduced")
    return Verdict("a warm-up removes the start-up bias of short estimates", "appendix C",
                   f"bias of the largest exponent {cold:+.3f} without warm-up, {warm:+.3f} with", outcome,
                   "reproduced if the warm-up at least halves the bias of the shortest estimate, partly if it "
                   "reduces it")


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


def qr_interval_verdict(tails: dict[tuple[str, int], tuple[float, float]], *, head_tolerance: float = 0.01,
                        tail_rise: float = 0.1) -> Verdict:
    """Vogt et al., appendix C and Fig. 6: a QR step every k steps flattens the tail of the spectrum and keeps
    its head. ``tails`` maps ``(dtype, k)`` to ``(largest, smallest)`` exponent. Compared for the largest k
    with k = 1 in float32: the head kept (within ``head_tolerance``) and the tail raised by more than
    ``tail_rise`` gives reproduced; one of the two, partly.

    Examples
    --------
    >>> qr_interval_verdict({("float32", 1): (-0.5, -3.0), ("float32", 20): (-0.5, -1.0)}).verdict
    'reproduced'
    >>> qr_interval_verdict({("float32", 1): (-0.5, -3.0), ("float32", 20): (-0.5, -2.99)}).verdict
    'partly'
    """
    k = max(key[1] for key in tails if key[0] == "float32")
    (head_1, tail_1), (head_k, tail_k) = tails[("float32", 1)], tails[("float32", k)]
    kept, flattened = abs(head_k - head_1) <= head_tolerance, tail_k - tail_1 > tail_rise
    return Verdict("QR every k steps flattens the tail of the spectrum and keeps its head", "appendix C, Fig. 6",
                   f"float32, QR every {k}: largest {head_k:+.3f} (every step {head_1:+.3f}), smallest {tail_k:+.3f} "
                   f"(every step {tail_1:+.3f})", "reproduced" if kept and flattened else
                   "partly" if kept or flattened else "not reproduced",
                   f"largest exponent within {head_tolerance:g} of QR every step and smallest raised by more than "
                   f"{tail_rise:g}: reproduced; one of the two: partly")
