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

__all__ = ["Correlation", "spearman", "spearman_interval"]


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
    return float(stats.spearmanr(x, y).statistic) if len(x) > 2 and np.ptp(x) > 0 and np.ptp(y) > 0 else math.nan


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
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rho = spearman(x, y)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples if len(x) > 2 else 0):
        index = rng.integers(0, len(x), len(x))
        rho_star = spearman(x[index], y[index])
        if math.isfinite(rho_star):
            draws.append(rho_star)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail]) if draws else (math.nan, math.nan)
    return Correlation(rho, float(low), float(high), len(x), level)
