"""The judgements the chapters state in words (lstmdyn.experiments), and that every engine documents itself
with a runnable example."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import numpy as np
import pytest

from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
from lstmdyn.experiments.homotopies import check_leading_moduli, paths_outcome, start_outcome
from lstmdyn.experiments.spectra import bias_reduction, carousel_comparison, slowest_forget_rate, zero_crossing

ENGINES = ["lstmdyn.cells", "lstmdyn.continuation", "lstmdyn.equilibria", "lstmdyn.lyapunov", "lstmdyn.numpy_lstm",
           "lstmdyn.training", "lstmdyn.sweeps", "lstmdyn.experiments.homotopies", "lstmdyn.experiments.spectra"]


@pytest.mark.parametrize("module", ENGINES)
def test_every_public_function_and_class_of_the_engines_has_a_runnable_example(module):
    m = importlib.import_module(module)
    missing = [name for name in m.__all__ if (inspect.isfunction(obj := getattr(m, name)) or inspect.isclass(obj))
               and obj.__module__ == module and ">>>" not in (obj.__doc__ or "")]
    assert not missing, f"{module}: no Examples section in {missing}"


@pytest.mark.parametrize("root", [0.3, 1.7, 2.0])
def test_zero_crossing_is_the_root_of_a_piecewise_linear_curve(root):
    x = np.linspace(0.0, 3.0, 7)
    assert zero_crossing(x, 2.0 * (x - root)) == pytest.approx(root, abs=1e-12)


def test_zero_crossing_takes_the_first_rise_and_ignores_falls():
    x = np.arange(6.0)
    y = np.array([0.5, -0.5, -0.5, 0.5, -1.0, 1.0])  # falls at 0.5, rises at 2.5, falls, rises at 4.5
    assert zero_crossing(x, y) == pytest.approx(2.5)
    assert zero_crossing(x[:3], y[:3]) == 0.0  # no rise: the sample closest to zero (the first of the ties)


def test_bias_reduction_labels_follow_the_ratio_of_biases():
    assert bias_reduction(-0.4, 0.1) == "removes most of that bias"
    assert bias_reduction(0.4, -0.3) == "reduces that bias"
    assert bias_reduction(0.1, 0.1) == "does not reduce that bias here"


def test_leading_moduli_are_taken_by_modulus_whatever_the_order_and_sign():
    check = check_leading_moduli(np.array([0.2, -0.985, 0.3 + 0.95j, 0.99]), 0.99)
    assert check.leading == pytest.approx((abs(0.3 + 0.95j), 0.99))
    assert check.agrees
    assert not check_leading_moduli(np.array([0.975, 0.99]), 0.99).agrees  # 0.015 away: outside 0.01
    assert check_leading_moduli(np.array([0.975, 0.99]), 0.99, tolerance=0.02).agrees


def test_a_disagreement_names_the_moduli_that_are_near_the_claim():
    check = check_leading_moduli(np.array([1.19, 1.19j, 0.99, 0.984, 0.5]), 0.99)
    assert not check.agrees and check.near == pytest.approx((0.99, 0.984))
    assert "does not agree" in check.sentence() and "0.984" in check.sentence()
    assert "**agrees**" in check_leading_moduli(np.array([0.99, 0.99]), 0.99).sentence()


def test_path_outcomes_say_what_each_path_did():
    lstm = AutonomousLSTM.random(5, rng=np.random.default_rng(3))
    convex = find_equilibrium(lstm)
    assert convex.converged
    same = paths_outcome(convex, dataclasses.replace(convex, homotopy="paper"))
    assert "at the same equilibrium" in same
    moved = dataclasses.replace(convex, c=convex.c + 1e-3, homotopy="paper")
    assert "at a different equilibrium" in paths_outcome(convex, moved)
    failed = dataclasses.replace(convex, status="diverged", steps=17)
    assert "did not: it ended *diverged* after 17 steps" in paths_outcome(convex, failed)
    assert "cannot begin, even from 3 perturbed points" in start_outcome(
        dataclasses.replace(convex, status="singular", steps=0, retries=3))
    assert start_outcome(failed) == "the paper's homotopy ends with status *diverged* after 17 steps."


def test_the_slowest_forget_rate_is_the_largest_unit_average_of_log_f():
    f = np.array([[[0.5, 0.9], [0.5, 0.7]], [[0.6, 0.8], [0.6, 0.8]]])  # 2 sequences, 2 steps, 2 units
    per_sequence = [max(np.log([0.5, 0.5]).mean(), np.log([0.9, 0.7]).mean()), np.log(0.8)]
    assert slowest_forget_rate(f) == pytest.approx(np.mean(per_sequence))


def test_carousel_comparison_has_three_outcomes_around_the_tolerance():
    assert carousel_comparison(-0.30, -0.53).startswith("lies above")
    assert carousel_comparison(-0.60, -0.53).startswith("lies below")
    assert carousel_comparison(-0.54, -0.53).startswith("matches")
    assert carousel_comparison(-0.54, -0.53, tolerance=0.001).startswith("lies below")
