"""Spearman correlations with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn.experiments.rank_correlation import (
    Correlation,
    rank_strata,
    spearman,
    spearman_interval,
    stratified_spearman,
)


def test_spearman_interval_brackets_rho_and_is_nan_for_constant_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    c = spearman_interval(x, -x + 0.3 * rng.normal(size=40))
    assert c.rho < -0.8 and c.low <= c.rho <= c.high < 0
    assert np.isnan(spearman_interval([1, 1, 1, 1], [1, 2, 3, 4]).rho)


def test_spearman_is_the_pearson_correlation_of_the_ranks():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=30), rng.normal(size=30)
    ranks = [np.argsort(np.argsort(v)) for v in (x, y)]
    assert abs(spearman(x, y) - np.corrcoef(*ranks)[0, 1]) < 1e-12


def test_an_interval_excludes_zero_only_on_one_side_of_it():
    assert Correlation(-0.5, -0.8, -0.1, 10).excludes_zero and Correlation(0.5, 0.1, 0.8, 10).excludes_zero
    assert not Correlation(-0.2, -0.6, 0.3, 10).excludes_zero


def test_the_bootstrap_computes_every_resample_as_scipy_does_ties_and_constants_included():
    from scipy import stats

    from lstmdyn.experiments.rank_correlation import _spearman_rows

    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 4, (50, 8)).astype(float), rng.normal(size=(50, 8))  # ties in x
    x[0] = 1.0  # a constant row
    rows = _spearman_rows(x, y)
    assert np.isnan(rows[0])
    assert rows[1:] == pytest.approx([stats.spearmanr(a, b).statistic for a, b in zip(x[1:], y[1:], strict=True)])


def test_no_networks_give_nan_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(spearman([], [])) and np.isnan(spearman_interval([], []).low)
        empty = stratified_spearman([], [], [])
        assert np.isnan(empty.rho) and empty.count == 0 and empty.strata == 0


def test_two_pairs_give_no_correlation_and_three_do():
    """Spearman's ρ of two pairs is ±1 whatever they are: NaN, as the docstring says; three are enough."""
    assert np.isnan(spearman([1.0, 2.0], [1.0, 2.0])) and np.isnan(spearman_interval([1, 2], [2, 1]).rho)
    assert spearman([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]) == pytest.approx(0.5)


def test_an_interval_that_touches_zero_does_not_exclude_it():
    assert not Correlation(0.3, 0.0, 0.6, 10).excludes_zero and not Correlation(-0.3, -0.6, 0.0, 10).excludes_zero
    assert Correlation(0.3, 1e-12, 0.6, 10).excludes_zero and Correlation(-0.3, -0.6, -1e-12, 10).excludes_zero


def test_resamples_without_a_correlation_are_dropped_not_carried_into_the_interval():
    """Four ties in five values: many resamples draw a constant x, whose ρ is NaN; the interval comes from the
    others and is finite."""
    x, y = [0.0, 0.0, 0.0, 0.0, 1.0], [0.1, 0.4, 0.2, 0.3, 0.9]
    c = spearman_interval(x, y, resamples=400)
    assert np.isfinite(c.low) and np.isfinite(c.high) and c.low <= c.high


def _linear_partial(x, y, z):
    """The linear partial rank correlation an earlier version of this book used: ranks of x and y less a least-squares
    line in the ranks of z, correlated (the oracle the planted data are built against)."""
    from scipy import stats

    rx, ry, rz = (stats.rankdata(v) for v in (x, y, z))
    design = np.column_stack([np.ones(len(rz)), rz])
    ex, ey = (r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in (rx, ry))
    return float(np.corrcoef(ex, ey)[0, 1])


def test_within_rate_correlation_keeps_the_sign_a_linear_partial_gets_wrong():
    """Planted: across ten rates the exponent follows an inverted U and the loss a U (the rate moves both, and not
    along a line); among the eleven networks of each rate a larger exponent goes with a larger loss. The linear
    partial, which takes a straight line in the rate's ranks out of both, is left with the two curves and calls the
    relation negative; within strata it is positive, as planted, and its interval excludes 0."""
    rng = np.random.default_rng(3)
    rate = np.repeat(np.arange(1.0, 11.0), 11)
    own = rng.normal(size=len(rate))
    exponent = -((rate - 5.5) ** 2) + 0.5 * own
    loss = (rate - 5.5) ** 2 + 0.5 * own + 0.3 * rng.normal(size=len(rate))
    assert _linear_partial(exponent, loss, rate) < -0.5
    within = stratified_spearman(exponent, loss, rate, seed=1)
    assert within.rho > 0.5 and within.low > 0 and within.strata == 10 and within.count == 110
    assert within.p_value < 0.01


def test_within_rate_correlation_finds_nothing_where_nothing_was_planted():
    rng = np.random.default_rng(4)
    rate = np.repeat(np.arange(1.0, 6.0), 8)
    exponent, loss = -rate + rng.normal(size=40), rate + rng.normal(size=40)  # only the rate ties them
    assert spearman(exponent, loss) < -0.5
    within = stratified_spearman(exponent, loss, rate, seed=2)
    assert within.low < 0 < within.high and within.p_value > 0.05


def test_a_stratum_counts_from_three_networks_and_only_if_both_variables_vary():
    x, y = [1.0, 2.0, 3.0, 1.0, 2.0, 5.0, 5.0, 5.0], [1.0, 3.0, 2.0, 2.0, 1.0, 1.0, 2.0, 3.0]
    strata = ["a", "a", "a", "b", "b", "c", "c", "c"]  # b has two networks, c a constant x
    c = stratified_spearman(x, y, strata)
    assert c.strata == 1 and c.count == 3 and c.rho == pytest.approx(spearman(x[:3], y[:3]))


def test_strata_of_sampled_rates_are_runs_of_near_equal_values():
    labels = rank_strata([0.9, 0.1, 0.5, 0.3, 0.2, 0.8, 0.7, 0.4, 0.6, 1.0], size=4)
    by_value = [labels[i] for i in np.argsort([0.9, 0.1, 0.5, 0.3, 0.2, 0.8, 0.7, 0.4, 0.6, 1.0])]
    assert by_value == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]  # the last two join the group before
    assert rank_strata([0.1, 0.2, 0.3], size=4).tolist() == [0, 0, 0]


def test_within_strata_resamples_without_a_correlation_are_dropped_not_counted_as_zero():
    """Three networks in one stratum: a ninth of the resamples draw one network three times (no ρ); every other
    resample has ρ = 1. The interval is [1, 1], not stretched toward 0."""
    c = stratified_spearman([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], ["a"] * 3, resamples=400)
    assert c.rho == 1.0 and c.low == 1.0 and c.high == 1.0


def test_the_permutation_p_value_counts_the_observed_arrangement_and_is_never_zero():
    """Four strata where x ranks y perfectly: no shuffle within the strata does as well, so p is 1/(P + 1), the
    smallest a test of P permutations can tell, not 0."""
    x = np.tile(np.arange(5.0), 4)
    c = stratified_spearman(x, x, np.repeat(np.arange(4), 5), permutations=999)
    assert c.rho == 1.0 and c.p_value == pytest.approx(1 / 1000)
