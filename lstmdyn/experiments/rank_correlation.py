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
    return float(_spearman_rows(*(np.asarray(v, dtype=float)[None] for v in (x, y)))[0])


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
    return float(_partial_spearman_rows(*(np.asarray(v, dtype=float)[None] for v in (x, y, z)))[0])


def _centred_ranks(v: np.ndarray) -> np.ndarray:
    """The average ranks within each row of ``v``, less their mean (rows of no values stay empty)."""
    ranks = stats.rankdata(v, axis=1)
    return ranks - ranks.sum(axis=1, keepdims=True) / max(v.shape[1], 1)


def _correlations(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The correlation of each row of the centred ``a`` with the same row of the centred ``b``; NaN where not
    ``valid`` or where either row is constant."""
    scale = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.divide((a * b).sum(axis=1), scale, out=np.full(len(scale), math.nan), where=valid & (scale > 0))


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`spearman` of each row of ``x`` with the same row of ``y`` (one bootstrap resample per row)."""
    return _correlations(_centred_ranks(x), _centred_ranks(y), np.full(len(x), x.shape[1] > 2))


def _partial_spearman_rows(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """:func:`partial_spearman` of each row of ``x`` and ``y`` given the same row of ``z``."""
    rx, ry, rz = (_centred_ranks(v) for v in (x, y, z))
    zz = (rz * rz).sum(axis=1, keepdims=True)
    ex, ey = (r - (r * rz).sum(axis=1, keepdims=True) / np.where(zz > 0, zz, 1.0) * rz for r in (rx, ry))
    n = x.shape[1]
    left = np.minimum(*(np.sqrt((e * e).sum(axis=1) / max(n, 1)) for e in (ex, ey))) >= 1e-9 * n
    return _correlations(ex, ey, (n >= 4) & (zz[:, 0] > 0) & left)


def _bootstrap(statistic_rows, columns: list[np.ndarray], resamples: int, level: float, seed: int) -> Correlation:
    """The statistic of ``columns`` and its bootstrap percentile interval at ``level``: rows resampled with
    replacement, resamples where the statistic is NaN dropped. ``statistic_rows`` computes it for each row of
    its arguments, so that every resample is computed at once (one resample per row)."""
    value = float(statistic_rows(*(c[None] for c in columns))[0])
    n = len(columns[0])
    index = np.random.default_rng(seed).integers(0, n, (resamples if n > 2 else 0, n))
    draws = statistic_rows(*(c[index] for c in columns)) if len(index) else np.array([])
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
    return _bootstrap(_spearman_rows, [np.asarray(x, dtype=float), np.asarray(y, dtype=float)], resamples, level,
                      seed)


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
    return _bootstrap(_partial_spearman_rows, [np.asarray(v, dtype=float) for v in (x, y, z)], resamples, level, seed)
