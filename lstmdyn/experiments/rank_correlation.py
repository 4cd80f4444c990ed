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

__all__ = ["Correlation", "StratifiedCorrelation", "rank_strata", "spearman", "spearman_interval",
           "stratified_spearman"]


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

    Parameters
    ----------
    x, y : sequence of float
        The two variables, one value per pair.
    resamples : int
        Bootstrap resamples.
    level : float
        The interval's coverage.
    seed : int
        Seeds the resampling.

    Examples
    --------
    >>> c = spearman_interval([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5])
    >>> round(c.rho, 3), c.low <= c.rho <= c.high, c.count
    (0.829, True, 6)
    """
    return _bootstrap(_spearman_rows, [np.asarray(x, dtype=float), np.asarray(y, dtype=float)], resamples, level,
                      seed)


@dataclass(frozen=True)
class StratifiedCorrelation(Correlation):
    """Spearman's ρ within strata (networks of equal or near-equal learning rate, say), combined: ``rho`` is the mean
    of the within-stratum ρ, ``low``, ``high`` its bootstrap interval (networks resampled within their stratum),
    ``count`` the networks in the strata that count, ``strata`` how many strata count (three networks or more, not
    constant), ``p_value`` that of a permutation test that shuffles the losses within each stratum (two-sided).

    Examples
    --------
    >>> str(StratifiedCorrelation(0.3, 0.1, 0.5, 110, strata=10, p_value=0.002))
    'ρ = +0.30 [+0.10, +0.50] (n = 110 in 10 strata, p = 0.002)'
    """

    strata: int = 0
    p_value: float = math.nan

    def __str__(self) -> str:
        return (f"ρ = {self.rho:+.2f} [{self.low:+.2f}, {self.high:+.2f}] (n = {self.count} in {self.strata} "
                f"{'stratum' if self.strata == 1 else 'strata'}, p = {self.p_value:.3g})")


#: the fewest networks in a stratum for its ρ to count
MIN_STRATUM = 3


def stratified_spearman(x: Sequence[float], y: Sequence[float], strata: Sequence, *, resamples: int = 2000,
                        permutations: int = 2000, level: float = 0.95, seed: int = 0) -> StratifiedCorrelation:
    """Spearman's ρ of ``x`` and ``y`` within each stratum (the networks that share a label of ``strata``), their
    mean, a bootstrap interval (each stratum resampled within itself) and a stratified permutation test.

    Where a third variable moves both ``x`` and ``y`` (the learning rate moves a network's largest exponent and how
    far it trains), the raw ρ mixes its effect in; within strata of equal rate, whatever the shape of that effect,
    only the relation that holds among networks of one rate is left. Strata of fewer than :data:`MIN_STRATUM`
    networks, or with a constant variable, are left out; with none left, ρ is NaN.

    Parameters
    ----------
    x, y : sequence of float
        The two variables, one value per network.
    strata : sequence
        Each network's stratum label (networks with equal labels form a stratum).
    resamples, permutations : int
        Bootstrap resamples for the interval, permutations for the test.
    level : float
        The interval's coverage.
    seed : int
        Seeds both.

    Examples
    --------
    >>> rate = np.repeat([1.0, 2.0, 3.0], 5)
    >>> own = np.tile([0.0, 1.0, 2.0, 3.0, 4.0], 3)
    >>> x, y = -rate + 0.1 * own, rate + 0.1 * own  # across rates they fall together; within one, they rise together
    >>> round(spearman(x, y), 2), stratified_spearman(x, y, rate).rho
    (-0.79, 1.0)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    labels = np.asarray(strata)
    groups = [np.flatnonzero(labels == label) for label in dict.fromkeys(labels.tolist())]
    groups = [g for g in groups if len(g) >= MIN_STRATUM and np.ptp(x[g]) > 0 and np.ptp(y[g]) > 0]
    rng = np.random.default_rng(seed)
    if not groups:
        return StratifiedCorrelation(math.nan, math.nan, math.nan, 0, level, strata=0)
    value = float(np.mean([_spearman_rows(x[g][None], y[g][None])[0] for g in groups]))
    boot = np.stack([_spearman_rows(x[g][idx], y[g][idx]) for g in groups
                     for idx in [rng.integers(0, len(g), (resamples, len(g)))]])
    finite = np.isfinite(boot)
    counted = finite.sum(axis=0)  # a resample's mean over the strata whose ρ it could compute
    draws = (np.where(finite, boot, 0.0).sum(axis=0) / np.maximum(counted, 1))[counted > 0]
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail]) if len(draws) else (math.nan, math.nan)
    null = np.mean([_spearman_rows(np.broadcast_to(x[g], (permutations, len(g))),
                                   rng.permuted(np.broadcast_to(y[g], (permutations, len(g))), axis=1))
                    for g in groups], axis=0)
    p_value = float((1 + np.sum(np.abs(null) >= abs(value) - 1e-12)) / (permutations + 1))
    return StratifiedCorrelation(value, float(low), float(high), int(sum(len(g) for g in groups)), level,
                                 strata=len(groups), p_value=p_value)


def rank_strata(values: Sequence[float], size: int = 4) -> np.ndarray:
    """Strata of near-equal ``values`` for :func:`stratified_spearman` where the values are sampled, not on a grid:
    the networks in order of the value, cut into consecutive groups of ``size`` (a last group smaller than
    :data:`MIN_STRATUM` joins the one before). Returns each network's stratum number.

    Examples
    --------
    >>> rank_strata([0.5, 0.1, 0.3, 0.2, 0.9, 0.4, 0.8], size=3).tolist()
    [1, 0, 0, 0, 1, 1, 1]
    """
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    labels = np.empty(len(order), dtype=int)
    labels[order] = np.arange(len(order)) // size
    last = labels.max(initial=0)
    if last > 0 and np.sum(labels == last) < MIN_STRATUM:
        labels[labels == last] = last - 1
    return labels
