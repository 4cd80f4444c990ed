"""Chapter: *The Lyapunov spectrum* (``notebooks/lyapunov.py``).

Readings of computed spectra that the chapter states in words: where the largest exponent crosses zero, how far
the QR interval moves the head and the tail of the spectrum, and what sets the slow directions of the full
LSTM state. The chapter's claims (the warm-up, the QR interval) are judged in
:mod:`lstmdyn.experiments.claims_vogt`.
"""

from __future__ import annotations

import numpy as np

from lstmdyn.words import join_words

__all__ = ["REGIME_TOLERANCE", "carousel_comparison", "collapsed_sentence", "crossing_sentence", "qr_interval_shifts",
           "regime", "slowest_forget_rate", "spread_sentence", "zero_crossing"]


def zero_crossing(x: np.ndarray, y: np.ndarray) -> float | None:
    """The ``x`` at which ``y`` first rises through zero, by linear interpolation between the two samples
    around the sign change; None where ``y`` never rises through zero.

    Used for the gain at which the largest Lyapunov exponent of a driven RNN turns positive.

    Examples
    --------
    >>> zero_crossing(np.array([1.0, 2.0, 3.0]), np.array([-0.5, -0.1, 0.3]))
    2.25
    >>> zero_crossing(np.array([1.0, 2.0]), np.array([-0.5, -0.2])) is None
    True
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rising = np.flatnonzero((y[:-1] < 0) & (y[1:] >= 0))
    if not len(rising):
        return None
    k = rising[0]
    return float(x[k] + (x[k + 1] - x[k]) * (-y[k]) / (y[k + 1] - y[k]))


REGIME_TOLERANCE = 0.02  #: largest exponents within ± this of zero are called marginal


def regime(largest: float, *, tolerance: float = REGIME_TOLERANCE) -> str:
    """The regime of a driven network named by its largest exponent: stable below ``-tolerance``, chaotic
    above ``tolerance``, marginal in between.

    Examples
    --------
    >>> regime(-0.3), regime(0.004), regime(0.2)
    ('stable', 'marginal', 'chaotic')
    """
    return "stable" if largest < -tolerance else "chaotic" if largest > tolerance else "marginal"


def crossing_sentence(gains: list[float], largest: list[float], crossing: float | None) -> str:
    """Where the largest exponent crosses zero along ``gains``, or that it does not.

    Examples
    --------
    >>> crossing_sentence([1.0, 2.0, 3.0], [-0.5, -0.1, 0.3], 2.25)
    'The largest exponent crosses zero near *g* ≈ 2.25.'
    >>> crossing_sentence([0.5, 1.0], [-0.5, -0.2], None)
    'The largest exponent stays negative over the gains shown, up to *g* = 1 (λ₁ = -0.200): no crossing was found.'
    """
    if crossing is not None:
        return f"The largest exponent crosses zero near *g* ≈ {crossing:.2f}."
    if min(largest) > 0:
        return (f"The largest exponent stays positive over the gains shown, down to *g* = {gains[0]:g} "
                f"(λ₁ = {largest[0]:+.3f}): no crossing was found.")
    if max(largest) < 0:
        return (f"The largest exponent stays negative over the gains shown, up to *g* = {gains[-1]:g} "
                f"(λ₁ = {largest[-1]:+.3f}): no crossing was found.")
    return "The largest exponent falls through zero over the gains shown but never rises through it."


def spread_sentence(initial: float, final: float) -> str:
    """How the distance of several trajectories from their mean changed under a common input.

    Examples
    --------
    >>> spread_sentence(1e-3, 1e-9), spread_sentence(1e-3, 2.0)
    ('shrank from 1.0e-03 to 1.0e-09: the states merged', 'grew from 1.0e-03 to 2.0e+00: the states moved apart')
    >>> spread_sentence(1e-3, 1.5e-3)
    'stayed near 1.0e-03 (1.5e-03): the states neither merged nor moved apart'
    """
    if final < initial / 10:
        return f"shrank from {initial:.1e} to {final:.1e}: the states merged"
    if final > 10 * initial:
        return f"grew from {initial:.1e} to {final:.1e}: the states moved apart"
    return f"stayed near {initial:.1e} ({final:.1e}): the states neither merged nor moved apart"


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
    if not any(k == 1 for _, k in tails) or len({k for _, k in tails}) < 2:
        return "Without QR every step and another interval among those run, there is no shift to report."
    dtypes = sorted({dtype for dtype, _ in tails})
    heads, ends = [], []
    for dtype in dtypes:
        head_1, tail_1 = tails[(dtype, 1)]
        others = [value for (d, k), value in tails.items() if d == dtype and k != 1]
        heads.append(max(abs(head - head_1) for head, _ in others))
        ends.append(max(abs(tail - tail_1) for _, tail in others))
    return (f"Against QR every step, the largest exponent moves by at most "
            f"{join_words([f'{h:.1e} in {d}' for h, d in zip(heads, dtypes, strict=True)])} over the other "
            f"intervals, the smallest by up to {join_words([f'{e:.3f}' for e in ends])}.")


def collapsed_sentence(spectra: dict[str, np.ndarray]) -> str:
    """Which of the ``spectra`` (label → exponents of any shape) hold exponents of −inf, and how many: a
    sentence, empty where none does (the engine's :class:`~lstmdyn.errors.CollapsedDirectionsWarning`, said on
    the page).

    Examples
    --------
    >>> collapsed_sentence({"g = 1": np.zeros((2, 3))})
    ''
    >>> collapsed_sentence({"g = 1": np.zeros(3), "g = 100": np.array([0.1, -np.inf, -np.inf])})
    'At g = 100, 2 of 3 exponents are −∞: the Jacobians map those directions exactly to zero (saturated units \
whose derivatives underflow), and the curves leave them out.'
    """
    counts = {label: (int(np.isneginf(v).sum()), int(np.size(v))) for label, v in spectra.items()}
    parts = [f"{label}, {k} of {n} exponents {'are' if k > 1 else 'is'} −∞" for label, (k, n) in counts.items() if k]
    if not parts:
        return ""
    return ("At " + "; at ".join(parts) + ": the Jacobians map those directions exactly to zero (saturated units "
            "whose derivatives underflow), and the curves leave them out.")
