"""Readings of computed spectra on the Lyapunov page: the zero crossing, the slowest forget rate, the carousel."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn.experiments.spectra import (
    carousel_comparison,
    crossing_sentence,
    regime,
    slowest_forget_rate,
    spread_sentence,
    zero_crossing,
)


@pytest.mark.parametrize("root", [0.3, 1.7, 2.0])
def test_zero_crossing_is_the_root_of_a_piecewise_linear_curve(root):
    x = np.linspace(0.0, 3.0, 7)
    assert zero_crossing(x, 2.0 * (x - root)) == pytest.approx(root, abs=1e-12)


def test_zero_crossing_takes_the_first_rise_and_ignores_falls():
    x = np.arange(6.0)
    y = np.array([0.5, -0.5, -0.5, 0.5, -1.0, 1.0])  # falls at 0.5, rises at 2.5, falls, rises at 4.5
    assert zero_crossing(x, y) == pytest.approx(2.5)
    assert zero_crossing(x[:3], y[:3]) is None  # a fall only: no crossing


@pytest.mark.parametrize(("largest", "start"), [([-0.5, -0.1, 0.3], "crosses zero near *g* ≈ 2.25"),
                                                 ([-0.5, -0.3, -0.1], "stays negative"),
                                                 ([0.1, 0.3, 0.5], "stays positive"),
                                                 ([0.5, -0.3, -0.1], "falls through zero")])
def test_the_crossing_sentence_states_a_crossing_only_where_one_was_found(largest, start):
    gains = [1.0, 2.0, 3.0]
    sentence = crossing_sentence(gains, largest, zero_crossing(gains, largest))
    assert sentence.startswith("The largest exponent " + start)
    assert ("crosses zero" in sentence) == (zero_crossing(gains, largest) is not None)


def test_regimes_and_spreads_follow_their_thresholds():
    assert [regime(v) for v in (-0.03, -0.01, 0.01, 0.03)] == ["stable", "marginal", "marginal", "chaotic"]
    assert spread_sentence(1.0, 0.09).startswith("shrank") and spread_sentence(1.0, 11.0).startswith("grew")
    assert spread_sentence(1.0, 0.5).startswith("stayed")


def test_the_slowest_forget_rate_is_the_largest_unit_average_of_log_f():
    f = np.array([[[0.5, 0.9], [0.5, 0.7]], [[0.6, 0.8], [0.6, 0.8]]])  # 2 sequences, 2 steps, 2 units
    per_sequence = [max(np.log([0.5, 0.5]).mean(), np.log([0.9, 0.7]).mean()), np.log(0.8)]
    assert slowest_forget_rate(f) == pytest.approx(np.mean(per_sequence))


def test_carousel_comparison_has_three_outcomes_around_the_tolerance():
    assert carousel_comparison(-0.30, -0.53).startswith("lies above")
    assert carousel_comparison(-0.60, -0.53).startswith("lies below")
    assert carousel_comparison(-0.54, -0.53).startswith("matches")
    assert carousel_comparison(-0.54, -0.53, tolerance=0.001).startswith("lies below")
