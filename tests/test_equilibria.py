"""The autonomous LSTM, its Jacobian, and the homotopy engine that finds its equilibria."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmdyn import continuation, equilibria
from lstmdyn.continuation import HomotopyPath, PathEnd, follow_path, follow_path_ode
from lstmdyn.equilibria import (
    AutonomousLSTM,
    ConvexHomotopy,
    PaperHomotopy,
    find_equilibria,
    find_equilibrium,
    iterate_map,
    newton,
)


def _random(n=6, seed=0, scale=None, forget_bias=0.0) -> AutonomousLSTM:
    return AutonomousLSTM.random(n, rng=np.random.default_rng(seed), scale=scale, forget_bias=forget_bias)


def test_jacobian_matches_autograd_to_round_off():
    lstm = _random(7, seed=1, scale=1.5)
    rng = np.random.default_rng(2)
    c, h = rng.normal(size=7), rng.uniform(-1, 1, 7)
    W = {k: torch.from_numpy(lstm.weights(k)[0]) for k in "figo"}
    b = {k: torch.from_numpy(lstm.weights(k)[1]) for k in "figo"}

    def eq1(x):  # eq. (1) of the paper, written out independently of the package
        c, h = x[:7], x[7:]
        c_next = (torch.sigmoid(W["f"] @ h + b["f"]) * c
                  + torch.sigmoid(W["i"] @ h + b["i"]) * torch.tanh(W["g"] @ h + b["g"]))
        return torch.cat([c_next, torch.sigmoid(W["o"] @ h + b["o"]) * torch.tanh(c_next)])

    x = torch.from_numpy(np.concatenate([c, h]))
    np.testing.assert_allclose(lstm.Phi(x.numpy()), eq1(x).numpy(), rtol=0, atol=1e-15)
    expected = torch.autograd.functional.jacobian(eq1, x).numpy()
    np.testing.assert_allclose(lstm.jacobian(c, h), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("homotopy", "n", "seed"), [("convex", 20, 0), ("convex", 50, 1),
                                                      ("paper", 20, 0), ("paper", 50, 1)])
def test_every_returned_equilibrium_is_a_fixed_point(homotopy, n, seed):
    lstm = _random(n, seed)
    result = find_equilibrium(lstm, homotopy)
    assert result.converged
    assert lstm.residual(result.x) == result.residual < 1e-9
    np.testing.assert_allclose(np.concatenate(lstm.step(result.c, result.h)), result.x, atol=1e-12)


def test_zero_candidate_bias_gives_the_origin():
    lstm = _random(10, seed=3, scale=1.0)
    W, b = {k: lstm.weights(k)[0] for k in "figo"}, {k: lstm.weights(k)[1] for k in "figo"}
    b["g"] = np.zeros(10)
    origin = AutonomousLSTM(**{f"W_{k}": W[k] for k in "figo"}, **{f"b_{k}": b[k] for k in "figo"})
    for homotopy in ("convex", "paper"):
        result = find_equilibrium(origin, homotopy)
        assert result.converged and np.abs(result.x).max() < 1e-14


def test_homotopy_agrees_with_newton_where_newton_from_zero_converges():
    lstm = _random(40, seed=4)
    x_newton, ok = newton(lstm, np.zeros(80))
    assert ok
    for homotopy in ("convex", "paper"):
        np.testing.assert_allclose(find_equilibrium(lstm, homotopy).x, x_newton, atol=1e-10)


def test_a_path_with_turning_points_is_followed_to_t_equal_one():
    lstm = _random(4, seed=5, scale=2.0)  # found by a scan: the convex path turns back twice
    result = find_equilibrium(lstm, "convex")
    assert len(result.turning_points) >= 2
    assert result.converged and result.path.t[-1] == 1.0
    assert min(result.path.t) >= 0.0 and max(result.path.t) <= 1.0 + 1e-12


def test_forcing_dt_positive_fails_where_orientation_by_continuity_succeeds():
    lstm = _random(4, seed=5, scale=2.0)
    assert follow_path(ConvexHomotopy(lstm)).status == "reached"
    forced = follow_path(ConvexHomotopy(lstm), orientation="increasing_t", max_steps=3000)
    assert forced.status != "reached"
    assert max(forced.path.t) < 1.0  # it never gets past the first turning point's region to t = 1


def test_the_ode_counts_turning_points_on_accepted_steps_only():
    lstm = _random(4, seed=5, scale=2.0)
    pc, ode = follow_path(ConvexHomotopy(lstm)), follow_path_ode(ConvexHomotopy(lstm))
    assert ode.status == "reached"
    assert len(ode.path.turning_points) == len(pc.path.turning_points) == 2
    t = np.array(ode.path.t)  # between accepted points t changes direction exactly at the turning points
    assert np.count_nonzero(np.diff(np.sign(np.diff(t)))) == 2


def test_a_paper_path_that_turns_back_through_t_zero_is_reported_as_returned():
    lstm = AutonomousLSTM.random(4, rng=np.random.default_rng([0, 4, 3]), scale=1.0)  # found by a scan
    result = find_equilibrium(lstm, "paper", max_steps=2000)
    assert result.status == "returned" and not result.converged
    assert result.path.t[-1] < 0.0 <= min(result.path.t[:-1])
    assert len(result.turning_points) >= 1


def test_the_path_records_both_halves_of_the_state():
    result = find_equilibrium(_random(6, seed=2), "convex")
    assert result.path.parts["c"][-1] == pytest.approx(np.linalg.norm(result.c))
    assert result.path.parts["h"][-1] == pytest.approx(np.linalg.norm(result.h))
    np.testing.assert_allclose(np.hypot(result.path.parts["c"], result.path.parts["h"]), result.path.norm)


def test_ode_form_reaches_the_same_equilibrium():
    lstm = _random(15, seed=6)
    pc, ode = find_equilibrium(lstm, "paper"), find_equilibrium(lstm, "paper", method="ode")
    assert pc.converged and ode.converged
    np.testing.assert_allclose(ode.x, pc.x, atol=1e-10)


def test_singular_candidate_weights_use_least_squares_and_still_converge():
    lstm = _random(12, seed=7)
    W, b = {k: lstm.weights(k)[0] for k in "figo"}, {k: lstm.weights(k)[1] for k in "figo"}
    W["g"] = W["g"].copy()
    W["g"][:, -3:] = 0.0  # rank 9: b_g is not in the range of W_g
    singular = AutonomousLSTM(**{f"W_{k}": W[k] for k in "figo"}, **{f"b_{k}": b[k] for k in "figo"})
    H = PaperHomotopy(singular)
    assert H.remainder > 1e-3
    np.testing.assert_allclose(H._value(np.zeros(24), 0.0), 0.0, atol=1e-15)  # F(0) = 0 exactly
    for homotopy in ("paper", "convex"):
        assert find_equilibrium(singular, homotopy).residual < 1e-9


def test_retries_after_a_singular_start_are_counted_and_bounded():
    lstm = _random(6, seed=8)
    W, b = {k: lstm.weights(k)[0] for k in "figo"}, {k: lstm.weights(k)[1] for k in "figo"}
    b["f"] = np.full(6, 40.0)  # f = 1 to machine precision: I − J has a zero block at the start
    b["i"] = np.full(6, -40.0)
    saturated = AutonomousLSTM(**{f"W_{k}": W[k] for k in "figo"}, **{f"b_{k}": b[k] for k in "figo"})
    result = find_equilibrium(saturated, "paper", retries=2)
    assert result.status == "singular" and result.retries == 2
    assert find_equilibrium(saturated, "paper", retries=0).retries == 0


def test_find_equilibria_finds_both_equilibria_merges_duplicates_and_sorts_by_radius():
    lstm = AutonomousLSTM.random(3, rng=np.random.default_rng(19), scale=4.0)  # found by a scan: two equilibria
    found = find_equilibria(lstm, starts=8)
    assert len(found) == 2 and len(found.attempts) == 8  # eight starts, two distinct equilibria
    assert found[0].spectral_radius > 1 > found[1].spectral_radius  # by decreasing radius
    assert [e.stable for e in found] == [False, True]
    for e in found:
        assert lstm.residual(e.x) < 1e-9
        assert e.spectral_radius == pytest.approx(np.abs(np.linalg.eigvals(lstm.jacobian(e.c, e.h))).max(), rel=1e-12)
    assert np.linalg.norm(found[0].x - found[1].x) > 1e-3


def test_find_equilibria_says_why_it_found_nothing():
    lstm = _random(4, seed=0)
    found = find_equilibria(lstm, starts=2, max_steps=1)  # no path can reach t = 1 in one step
    assert list(found) == [] and found.reason == "2 starts: 2 max_steps"
    assert all(e.stable is None for e in found.attempts)  # unknown, not "unstable"


@pytest.mark.parametrize(("starts", "transient", "message"), [(0, 50, "starts must be at least 1"),
                                                               (3, 0, "transient must be at least 1")])
def test_find_equilibria_refuses_starts_it_cannot_take(starts, transient, message):
    with pytest.raises(ValueError, match=message):
        find_equilibria(_random(3), starts=starts, transient=transient)


def test_the_retry_starts_from_a_point_moved_by_epsilon(monkeypatch):
    """The retry moves the start by ε (Sard's theorem): a follow that fails at the unperturbed start only."""
    lstm = _random(5, seed=1)
    real = equilibria.follow_path

    def fails_at_the_natural_start(H, **options):
        if np.array_equal(H.start, np.zeros(len(H.start))):
            return PathEnd(H.start, "singular", 0, HomotopyPath())
        return real(H, **options)

    monkeypatch.setattr(equilibria, "follow_path", fails_at_the_natural_start)
    result = find_equilibrium(lstm, "convex", retries=2, epsilon=1e-6)
    assert result.converged and result.retries == 1
    assert find_equilibrium(lstm, "convex", retries=0).status == "singular"


def test_the_point_reached_is_polished_to_round_off(monkeypatch):
    """A landing only as accurate as its tolerance leaves a residual of about 1e-9; the Newton polish after it
    takes the residual down to round-off."""
    lstm = _random(12, seed=2)
    real = continuation._land_on_one
    monkeypatch.setattr(continuation, "_land_on_one", lambda H, y, tol: None if (x := real(H, y, tol)) is None
                        else x + 1e-9 * np.ones_like(x))
    result = find_equilibrium(lstm, "convex")
    assert result.converged and result.residual < 1e-13


def test_a_path_that_stalls_at_an_equilibrium_reports_it():
    """Weights ×100: the path gets within 1e-12 of t = 1 at a fixed point, where I − J is too ill-conditioned to
    land; the state is an equilibrium all the same, with its eigenvalues."""
    lstm = AutonomousLSTM.random(8, rng=np.random.default_rng(0), scale=100 / np.sqrt(8))
    result = find_equilibrium(lstm)
    assert result.converged and result.residual < 1e-9 and len(result.eigenvalues) == 16
    assert result.stable is False


def test_a_stable_equilibrium_attracts_the_free_running_network():
    lstm = _random(10, seed=10)
    result = find_equilibrium(lstm)
    assert result.stable
    last = iterate_map(lstm, result.x + 1e-3, 300)[-1]
    np.testing.assert_allclose(last, result.x, atol=1e-10)


@pytest.mark.parametrize("module", [torch.nn.LSTM(3, 5), torch.nn.LSTMCell(3, 5)])
def test_from_torch_reproduces_the_module_with_zero_input(module):
    module = module.double()
    lstm = AutonomousLSTM.from_torch(module)
    h, c = torch.randn(1, 5, dtype=torch.float64), torch.randn(1, 5, dtype=torch.float64)
    x = torch.zeros(1, 3, dtype=torch.float64)
    if isinstance(module, torch.nn.LSTM):
        _, (h_ref, c_ref) = module(x[None], (h[None], c[None]))
    else:
        h_ref, c_ref = module(x, (h, c))
    c_ours, h_ours = lstm.step(c[0].numpy(), h[0].numpy())
    np.testing.assert_allclose(c_ours, c_ref.detach().numpy().ravel(), atol=1e-14)
    np.testing.assert_allclose(h_ours, h_ref.detach().numpy().ravel(), atol=1e-14)


@pytest.mark.parametrize(("change", "named"), [
    ({"W_g": np.zeros((4, 3))}, "W_g"), ({"b_o": np.zeros(3)}, "b_o"),
    ({"W_i": np.full((4, 4), np.inf)}, "W_i"), ({"W_f": np.zeros(4)}, "W_f")])
def test_bad_weights_are_rejected_by_name(change, named):
    arrays = {f"W_{k}": np.zeros((4, 4)) for k in "figo"} | {f"b_{k}": np.zeros(4) for k in "figo"}
    with pytest.raises(ValueError, match=rf"^{named} "):
        AutonomousLSTM(**(arrays | change))


def test_bad_homotopy_and_method_names_are_rejected():
    lstm = _random(3)
    with pytest.raises(ValueError, match="homotopy must be"):
        find_equilibrium(lstm, "newton")
    with pytest.raises(ValueError, match="method must be"):
        find_equilibrium(lstm, method="rk4")


@pytest.mark.parametrize(("x0", "message"), [
    (np.zeros(3), r"x0 must be a state \(c, h\) of length 2n = 6 for this LSTM of 3 units, got an array of "
                  r"shape \(3,\)"),
    (np.zeros((2, 6)), r"got an array of shape \(2, 6\)"),
    (np.full(6, np.nan), "x0 must be finite"),
])
def test_a_start_state_of_the_wrong_length_says_what_length_was_expected(x0, message):
    with pytest.raises(ValueError, match=message):
        find_equilibrium(_random(3), x0=x0)
    assert find_equilibrium(_random(3), x0=list(np.zeros(6))).converged  # a list of the right length will do


@pytest.mark.parametrize("make", [lambda lstm, e: ConvexHomotopy(lstm, perturbation=e),
                                  lambda lstm, e: PaperHomotopy(lstm, perturbation=e)])
def test_a_perturbed_start_is_a_root_at_t_zero_and_leaves_t_one_unchanged(make):
    lstm = _random(5, seed=12)
    e = 1e-3 * np.random.default_rng(13).normal(size=10)
    plain, moved = make(lstm, None), make(lstm, e)
    np.testing.assert_allclose(moved.start, plain.start + e)
    np.testing.assert_allclose(moved.value(moved.start, 0.0), 0.0, atol=1e-15)
    x = np.random.default_rng(14).normal(size=10)
    np.testing.assert_allclose(moved.value(x, 1.0), plain.value(x, 1.0), atol=1e-15)
    H, H_x, H_t = moved.derivatives(x, 0.3)
    step = 1e-7
    np.testing.assert_allclose(H_t, (moved.value(x, 0.3 + step) - moved.value(x, 0.3 - step)) / (2 * step),
                               atol=1e-7)
