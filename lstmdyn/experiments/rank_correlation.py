"""Spearman rank correlations with bootstrap intervals, for claims that a statistic ranks networks.

Used by the chapter *Lyapunov spectra of trained networks* (``notebooks/lyapunov_experiments.py``), whose claims
are correlations over a sweep's networks, and by the scorecard's comparison of the two papers' measures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Correlation", "partial_spearman", "partial_spearman_interval", "spearman", "spearman_interval"]


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation with a bootstrap percentile interval.

    Examples
    --------
    >>> str(Correlation(-0.5, -0.8, -0.1, 12))
    'ρ = -0.50 [-0.80, -0.10] (n = 12)'
    """

    rho: float
    low: float
    high: float
    count: int
    level: float = 0.95

    def __str__(self) -> str:
        return f"ρ = {self.rho:+.2f} [{self.low:+.2f}, {self.high:+.2f}] (n = {self.count})"

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies on one side of 0."""
        return self.low > 0 or self.high < 0


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's ρ, NaN for fewer than three pairs or a constant variable (identical networks, say).

    Examples
    --------
    >>> spearman(np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 2.0])), spearman(np.ones(3), np.arange(3.0))
    (-0.5, nan)
    """
    return float(_spearman_rows(np.asarray(x)[None], np.asarray(y)[None])[0]) if len(x) > 2 else math.nan


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's ρ of each row of ``x`` with the same row of ``y`` (the correlation of their average ranks),
    NaN for a row in which either is constant."""
    rx, ry = (r - r.mean(axis=1, keepdims=True) for r in (stats.rankdata(x, axis=1), stats.rankdata(y, axis=1)))
    scale = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    return np.divide((rx * ry).sum(axis=1), scale, out=np.full(len(scale), math.nan), where=scale > 0)


def partial_spearman(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """Spearman's partial correlation of ``x`` and ``y`` given ``z``: the correlation of the ranks of ``x`` and
    ``y`` left over once a straight line in the ranks of ``z`` is taken from each, what ρ would be among networks
    of equal ``z``. NaN for fewer than four pairs, a constant variable, or nothing left over.

    Examples
    --------
    >>> rng, z = np.random.default_rng(0), np.arange(30.0)
    >>> x, y = z + 4 * rng.normal(size=30), z + 4 * rng.normal(size=30)  # both follow z, and nothing else
    >>> round(spearman(x, y), 2), round(partial_spearman(x, y, z), 2)
    (0.81, -0.25)
    """
    if len(x) < 4 or min(np.ptp(x), np.ptp(y), np.ptp(z)) == 0:
        return math.nan
    rx, ry, rz = (stats.rankdata(v) for v in (x, y, z))
    design = np.column_stack([np.ones_like(rz), rz])
    ex, ey = (r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in (rx, ry))
    if min(np.std(ex), np.std(ey)) < 1e-9 * len(x):
        return math.nan
    return float(np.corrcoef(ex, ey)[0, 1])


def _bootstrap(statistic, columns: list[np.ndarray], resamples: int, level: float, seed: int,
               by_rows=None) -> Correlation:
    """``statistic(*columns)`` and its bootstrap percentile interval at ``level``: rows resampled with
    replacement, resamples where the statistic is NaN dropped. ``by_rows``, where given, computes the
    statistic of every resample at once (one resample per row)."""
    value = statistic(*columns)
    n = len(columns[0])
    index = np.random.default_rng(seed).integers(0, n, (resamples if n > 2 else 0, n))
    if by_rows is not None and len(index):
        draws = by_rows(*(c[index] for c in columns))
    else:
        draws = np.array([statistic(*(c[i] for c in columns)) for i in index])
    draws = draws[np.isfinite(draws)]
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail]) if len(draws) else (math.nan, math.nan)
    return Correlation(value, float(low), float(high), n, level)


def spearman_interval(x: Sequence[float], y: Sequence[float], *, resamples: int = 2000, level: float = 0.95,
                      seed: int = 0) -> Correlation:
    """Spearman's ρ of ``x`` and ``y`` and a bootstrap percentile interval at ``level``.

    Pairs are resampled with replacement; resamples in which either variable is constant are dropped. ρ is
    NaN for fewer than three pairs or a constant variable.

    Examples
    --------
    >>> c = spearman_interval([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5])
    >>> round(c.rho, 3), c.low <= c.rho <= c.high, c.count
    (0.829, True, 6)
    """
    return _bootstrap(spearman, [np.asarray(x, dtype=float), np.asarray(y, dtype=float)], resamples, level, seed,
                      by_rows=_spearman_rows)


def partial_spearman_interval(x: Sequence[float], y: Sequence[float], z: Sequence[float], *, resamples: int = 2000,
                              level: float = 0.95, seed: int = 0) -> Correlation:
    """:func:`partial_spearman` of ``x`` and ``y`` given ``z``, with a bootstrap percentile interval at
    ``level`` (triples resampled with replacement).

    Examples
    --------
    >>> rng, z = np.random.default_rng(0), np.arange(30.0)
    >>> str(partial_spearman_interval(z + 4 * rng.normal(size=30), z + 4 * rng.normal(size=30), z))
    'ρ = -0.25 [-0.49, +0.28] (n = 30)'
    """
    return _bootstrap(partial_spearman, [np.asarray(v, dtype=float) for v in (x, y, z)], resamples, level, seed)
