"""Spearman correlations with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn.experiments.rank_correlation import Correlation, partial_spearman, spearman, spearman_interval


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


def test_the_partial_correlation_removes_what_a_third_variable_explains_and_keeps_the_rest():
    from lstmdyn.experiments.rank_correlation import partial_spearman_interval

    rng = np.random.default_rng(1)
    lr = rng.uniform(0.5, 5.0, 40)  # drives both: a confound
    exponent, loss = -1 / lr + 0.05 * rng.normal(size=40), 1 / lr + 0.05 * rng.normal(size=40)
    assert spearman(exponent, loss) < -0.8  # the raw correlation is mostly the learning rate's
    controlled = partial_spearman_interval(exponent, loss, lr)
    assert abs(controlled.rho) < 0.35 and controlled.low < 0 < controlled.high
    own = -1 / lr + 0.3 * rng.normal(size=40)  # an exponent with a part of its own, which the loss follows
    assert partial_spearman(own, -own + 0.05 * rng.normal(size=40), lr) < -0.8
    # invariant to monotone transforms of every variable, as a rank statistic must be
    assert partial_spearman(exponent, loss, lr) == pytest.approx(partial_spearman(np.exp(exponent), loss ** 3,
                                                                                   np.log(lr)))
    assert np.isnan(partial_spearman(exponent[:3], loss[:3], lr[:3]))


def test_the_bootstrap_computes_every_resample_as_scipy_does_ties_and_constants_included():
    from scipy import stats

    from lstmdyn.experiments.rank_correlation import _spearman_rows

    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 4, (50, 8)).astype(float), rng.normal(size=(50, 8))  # ties in x
    x[0] = 1.0  # a constant row
    rows = _spearman_rows(x, y)
    assert np.isnan(rows[0])
    assert rows[1:] == pytest.approx([stats.spearmanr(a, b).statistic for a, b in zip(x[1:], y[1:], strict=True)])


def test_the_partial_correlation_is_that_of_the_ranks_left_over_by_a_least_squares_line_in_z():
    from scipy import stats

    rng = np.random.default_rng(2)
    for _ in range(20):
        z = rng.normal(size=9)
        x, y = z + rng.normal(size=9), rng.integers(0, 3, 9).astype(float)  # ties in y
        rx, ry, rz = (stats.rankdata(v) for v in (x, y, z))
        design = np.column_stack([np.ones(9), rz])
        ex, ey = (r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in (rx, ry))
        assert partial_spearman(x, y, z) == pytest.approx(np.corrcoef(ex, ey)[0, 1])
    assert np.isnan(partial_spearman(x, y, np.ones(9))) and np.isnan(partial_spearman(x[:3], y[:3], z[:3]))
    assert np.isnan(partial_spearman(z, x, z))  # nothing of z's ranks is left over


def test_no_networks_give_nan_without_a_warning():
    import warnings

    from lstmdyn.experiments.rank_correlation import partial_spearman_interval

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(spearman([], [])) and np.isnan(partial_spearman([], [], []))
        assert np.isnan(spearman_interval([], []).low) and partial_spearman_interval([], [], []).count == 0


def test_two_pairs_give_no_correlation_and_three_do():
    """Spearman's ρ of two pairs is ±1 whatever they are: NaN, as the docstring says; three are enough."""
    assert np.isnan(spearman([1.0, 2.0], [1.0, 2.0])) and np.isnan(spearman_interval([1, 2], [2, 1]).rho)
    assert spearman([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]) == pytest.approx(0.5)


def test_three_triples_give_no_partial_correlation_and_four_do():
    """Three triples leave one residual direction once the line in z is taken out, so any x and y correlate ±1:
    NaN. The x of this example is no function of z, so nothing else makes it NaN."""
    assert np.isnan(partial_spearman([1.0, 3.0, 2.0], [2.0, 1.0, 3.0], [1.0, 2.0, 3.0]))
    assert np.isfinite(partial_spearman([1.0, 3.0, 2.0, 4.0], [2.0, 1.0, 4.0, 3.0], [1.0, 2.0, 3.0, 4.0]))


def test_an_interval_that_touches_zero_does_not_exclude_it():
    assert not Correlation(0.3, 0.0, 0.6, 10).excludes_zero and not Correlation(-0.3, -0.6, 0.0, 10).excludes_zero
    assert Correlation(0.3, 1e-12, 0.6, 10).excludes_zero and Correlation(-0.3, -0.6, -1e-12, 10).excludes_zero


def test_resamples_without_a_correlation_are_dropped_not_carried_into_the_interval():
    """Four ties in five values: many resamples draw a constant x, whose ρ is NaN; the interval comes from the
    others and is finite."""
    x, y = [0.0, 0.0, 0.0, 0.0, 1.0], [0.1, 0.4, 0.2, 0.3, 0.9]
    c = spearman_interval(x, y, resamples=400)
    assert np.isfinite(c.low) and np.isfinite(c.high) and c.low <= c.high
