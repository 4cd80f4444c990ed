"""Vanishing and exploding gradients: Jacobians along a trajectory, the norms of their products, the words for
their trends."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmdyn.cells import GRUParameters, LSTMParameters, RNNParameters
from lstmdyn.experiments.gradients import jacobian_product_norms, trajectory_jacobians, trend, vanishing_sentence


def test_jacobian_product_norms_equal_the_norms_of_explicit_products():
    rng = np.random.default_rng(2)
    J = rng.normal(size=(30, 5, 5))
    expected, P = [], np.eye(5)
    for t in range(30):
        P = J[t] @ P
        expected.append(np.linalg.norm(P, 2))
    np.testing.assert_allclose(jacobian_product_norms(J), expected, rtol=1e-10)


def test_jacobian_product_norms_are_exact_far_beyond_the_float_range_of_the_product():
    J = np.broadcast_to(np.diag([1e-3, 1e-4]), (200, 2, 2))  # the product reaches 1e-600
    log10 = np.log10(jacobian_product_norms(J)[:100])
    np.testing.assert_allclose(log10, -3.0 * np.arange(1, 101), rtol=1e-12)


def _unrolled(cell, inputs: torch.Tensor, state0: torch.Tensor) -> torch.Tensor:
    """The state after the whole input sequence, as a function of the initial state (for autograd)."""
    if isinstance(cell, LSTMParameters):
        n = cell.n
        c, h = state0[:n], state0[n:]
        for x in inputs:
            c, h = cell.step(c, h, x)
        return torch.cat([c, h])
    h = state0
    for x in inputs:
        h = cell.step(h, x)
    return h


@pytest.mark.parametrize("make", [
    lambda rng: RNNParameters.random(5, 3, rng=rng, gain=1.5),
    lambda rng: LSTMParameters.random(5, 3, rng=rng, scale=1.0),
    lambda rng: GRUParameters(W=rng.normal(size=(15, 5)) / 2, U=rng.normal(size=(15, 3)), b_ih=rng.normal(size=15),
                              b_hh=rng.normal(size=15)),
])
def test_the_product_of_trajectory_jacobians_is_the_derivative_of_the_unrolled_map(make):
    rng = np.random.default_rng(3)
    cell = make(rng)
    inputs = rng.normal(size=(15, 3))
    J = trajectory_jacobians(cell, inputs)
    product = np.linalg.multi_dot(J[::-1])
    size = J.shape[-1]
    expected = torch.autograd.functional.jacobian(
        lambda s: _unrolled(cell.as_torch(), torch.from_numpy(inputs), s),
        torch.zeros(size, dtype=torch.float64))
    np.testing.assert_allclose(product, expected.numpy(), rtol=0, atol=1e-12)


def test_trajectory_jacobians_batch_over_the_leading_axes():
    """A batch of sequences gives each sequence's Jacobians, as computed alone; an LSTM's are 2n × 2n."""
    rng = np.random.default_rng(4)
    cell = LSTMParameters.random(4, 2, rng=rng, scale=1.0)
    inputs = rng.normal(size=(3, 7, 2))
    J = trajectory_jacobians(cell, inputs)
    assert J.shape == (3, 7, 8, 8)
    np.testing.assert_allclose(J[1], trajectory_jacobians(cell, inputs[1]), rtol=0, atol=1e-15)


def test_a_product_that_reaches_zero_stays_at_zero():
    """A dead ReLU (or any singular Jacobian that annihilates the product) gives norm 0 from there on, not NaN."""
    J = np.stack([np.eye(2), np.zeros((2, 2)), np.eye(2) * 3])
    np.testing.assert_array_equal(jacobian_product_norms(J), [1.0, 0.0, 0.0])


@pytest.mark.parametrize("rate, expected", [(-0.0101, "shrinks"), (-0.01, "stays nearly constant"),
                                            (0.01, "stays nearly constant"), (0.0101, "grows")])
def test_a_trend_within_the_tolerance_of_zero_is_constant_and_beyond_it_is_not(rate, expected):
    assert trend(rate).startswith(expected)


@pytest.mark.parametrize("gains, rates, expected", [
    ([0.5, 1.0, 2.0], [-1.0, 0.0, 0.5],
     "the gradient vanishes for g ≤ 0.5, stays nearly constant at g = 1, and explodes for g ≥ 2, so the slope "
     "changes sign between g = 0.5 and g = 2"),
    ([0.5, 1.0], [-1.0, 0.0], "the gradient vanishes for g ≤ 0.5 and stays nearly constant at g = 1"),
    ([1.0, 1.5, 2.0], [0.0, 0.005, 0.3], "the gradient stays nearly constant at g = 1 and 1.5, and explodes for g ≥ 2"),
    ([1.0], [0.0], "the gradient stays nearly constant at g = 1"),
    ([2.0, 3.0], [0.2, 0.5], "the gradient explodes at every gain shown, down to g = 2"),
])
def test_the_vanishing_sentence_names_each_regime_once_at_every_edge(gains, rates, expected):
    assert vanishing_sentence(gains, rates) == expected
