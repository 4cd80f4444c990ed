"""The continuation engine on curves whose answers are known in closed form: circles and a cubic fold."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn import continuation
from lstmdyn.continuation import CallableHomotopy, follow_path, follow_path_ode, next_step_length

FOLLOW = {"pc": follow_path, "ode": follow_path_ode}


def circle(a: float, r: float) -> CallableHomotopy:
    """x² + (t − a)² = r², from its crossing of t = 0 at x = +√(r² − a²)."""
    return CallableHomotopy(lambda x, t: (x**2 + (t - a) ** 2 - r**2, np.diag(2 * x), np.array([2 * (t - a)])),
                            np.array([np.sqrt(r**2 - a**2)]))


def fold() -> CallableHomotopy:
    """t = (x³ − 3x + 3)/6: a curve that turns back in t at x = −1 (t = 5/6) and at x = 1 (t = 1/6)."""
    start = min(r.real for r in np.roots([1, 0, -3, 3]) if abs(r.imag) < 1e-9)
    return CallableHomotopy(lambda x, t: ((x**3 - 3 * x + 3) / 6 - t, np.diag((x**2 - 1) / 2), np.array([-1.0])),
                            np.array([start]))


FOLD_END = max(r.real for r in np.roots([1, 0, -3, -3]) if abs(r.imag) < 1e-9)  # x³ − 3x + 3 = 6


@pytest.mark.parametrize("method", FOLLOW)
def test_a_circle_that_reaches_t_one_lands_on_its_closed_form_point(method):
    a, r = 0.2, 1.0  # the arc from (√0.96, 0) rises to t = 1 at x = √(r² − (1 − a)²) = 0.6
    end = FOLLOW[method](circle(a, r))
    assert end.status == "reached"
    assert end.x[0] == pytest.approx(0.6, abs=1e-10)
    assert end.path.turning_points == []
    assert end.path.t[0] == 0.0 and end.path.t[-1] == 1.0


@pytest.mark.parametrize("method", FOLLOW)
def test_a_circle_below_t_one_turns_once_and_returns_through_t_zero(method):
    a, r = 0.0, 0.8  # the top of the circle is at t = 0.8 < 1: the path turns there and comes back
    end = FOLLOW[method](circle(a, r))
    assert end.status == "returned"
    assert len(end.path.turning_points) == 1
    assert max(end.path.t) == pytest.approx(0.8, abs=0.01)  # accepted points near the top
    assert end.x[0] < 0  # it came back on the other side, near x = −0.8
    # every recorded point is on the circle
    np.testing.assert_allclose(np.hypot(end.path.norm, end.path.t), r, atol=1e-6)


@pytest.mark.parametrize("method", FOLLOW)
def test_a_fold_is_passed_at_both_turning_points_to_its_closed_form_end(method):
    end = FOLLOW[method](fold())
    assert end.status == "reached"
    assert end.x[0] == pytest.approx(FOLD_END, abs=1e-10)
    turning_t = [t for _, t in end.path.turning_points]
    assert len(turning_t) == 2
    np.testing.assert_allclose(turning_t, [5 / 6, 1 / 6], atol=0.02)
    t = np.array(end.path.t)  # between accepted points t changes direction exactly twice
    assert np.count_nonzero(np.diff(np.sign(np.diff(t)))) == 2


def test_forcing_dt_positive_cannot_pass_a_fold():
    forced = follow_path(fold(), orientation="increasing_t", max_steps=2000)
    assert forced.status != "reached"
    assert max(forced.path.t) < 1.0


def test_a_perturbed_start_keeps_the_target_at_t_one():
    """H_e(x, t) = H(x, t) − (1 − t)H(x_s, 0): from a moved start the path still ends on the same point."""
    moved = circle(0.2, 1.0)
    moved.__init__(moved._function, moved.start + 1e-3)
    np.testing.assert_allclose(moved.value(moved.start, 0.0), 0.0, atol=1e-15)
    assert follow_path(moved).x[0] == pytest.approx(0.6, abs=1e-10)


def test_a_rejected_step_shrinks_the_next_one_and_never_grows_it():
    assert next_step_length(0.1, None) == pytest.approx(0.05)  # the rejection itself halves the step
    assert next_step_length(0.1, 1.6, after_rejection=True) == pytest.approx(0.1 / 1.6)
    assert next_step_length(0.1, 0.3, after_rejection=True) == pytest.approx(0.1)
    assert next_step_length(0.1, 0.3) == pytest.approx(0.2)  # an easy step after an accepted one doubles
    assert next_step_length(0.1, 10.0) == next_step_length(0.1, 10.0, after_rejection=True) == pytest.approx(0.05)


def test_a_path_escaping_to_infinity_is_reported_diverged():
    """x(t) = 1 / (0.5 − t) leaves every ball as t approaches 0.5."""
    H = CallableHomotopy(lambda x, t: (x * (0.5 - t) - 1, np.diag(np.full(1, 0.5 - t)), -x), np.array([2.0]))
    end = follow_path(H, max_norm=1e4)
    assert end.status == "diverged" and abs(end.x[0]) > 1e4 and end.path.t[-1] < 0.5


@pytest.mark.parametrize(("h", "accepted"), [(0.3, True), (0.55, False)])
def test_a_step_across_a_sharp_bend_is_rejected(h, accepted):
    """On the unit circle from (1, 0) the tangent turns by asin(t): by 0.30 rad over a step to t = 0.3, by 0.58
    rad over one to t = 0.55, beyond the 0.5 rad a step may turn."""
    H = circle(0.0, 1.0)
    y, up = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    lu, _ = continuation._bordered(H, y, up)
    tau = continuation._tangent(lu, up)
    step = continuation._predict_and_correct(H, y, tau, up, lu, h, 1e-3)  # a loose corrector converges
    assert (step is not None) == accepted
    if accepted:
        assert step[0][-1] == pytest.approx(h) and step[5] == pytest.approx(np.arcsin(h), abs=1e-3)


def test_an_exactly_singular_start_is_reported_without_a_warning(recwarn):
    """An exactly zero pivot at the start: the path ends as singular, and nothing is written to stderr."""
    H = CallableHomotopy(lambda x, t: (0.0 * x - t, np.zeros((1, 1)), np.array([-1.0])), np.zeros(1))
    end = follow_path(H, max_steps=20)
    assert end.status != "converged" and not [w for w in recwarn if issubclass(w.category, Warning)]


def test_a_corrector_that_contracts_by_less_than_half_a_step_is_refused():
    """H(x, t) = 2x + t, corrected with the chord matrix of a slope 2/0.3 instead of 2: each chord step is 0.7 times
    the one before. That is the slow contraction of a prediction that landed near another branch; it must be
    refused, although with a loose tolerance the iteration would reach it by its second step. The same
    corrector with a chord slope of 2/0.7 (steps shrinking by 0.3) is accepted."""
    import scipy.linalg as sl

    H = CallableHomotopy(lambda x, t: (2 * x + t, np.diag(2 * np.ones_like(x)), np.array([1.0])), np.array([0.0]))
    border, y_p = np.array([0.0, 1.0]), np.array([1.0, 0.0])  # t held at 0: the root is x = 0

    def corrected(slope):
        lu = sl.lu_factor(np.array([[slope, 0.0], [0.0, 1.0]]))
        return continuation._correct(H, lu, border, y_p, tol=0.15)

    assert corrected(2 / 0.3) is None
    y, first, contraction = corrected(2 / 0.7)
    assert first == pytest.approx(0.7) and contraction == pytest.approx(0.3) and abs(y[0]) < 0.1
