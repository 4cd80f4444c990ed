"""Linear and saturating recursions, Jacobian products and the hand-wired memory unit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmdyn.cells import LSTMParameters, RNNParameters, sigmoid
from lstmdyn.experiments.carousel import memory_inputs, memory_unit
from lstmdyn.experiments.gradients import jacobian_product_norms, trajectory_jacobians
from lstmdyn.experiments.recursions import linear_recursion, matrix_with_spectral_radius, scalar_recursion


@pytest.mark.parametrize("rho", [0.8, 1.0, 1.2])
def test_matrix_has_the_requested_spectral_radius(rho):
    W = matrix_with_spectral_radius(20, rho, np.random.default_rng(0))
    assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(rho, rel=1e-12)


@pytest.mark.parametrize("rho", [0.9, 1.1])
def test_linear_recursion_grows_like_the_spectral_radius(rho):
    rng = np.random.default_rng(1)
    W = matrix_with_spectral_radius(16, rho, rng)
    norms = np.linalg.norm(linear_recursion(W, rng.normal(size=16), 600), axis=1)
    assert (norms[-1] / norms[300]) ** (1 / 300) == pytest.approx(rho, rel=2e-3)


def test_sigmoid_recursion_settles_on_its_fixed_point():
    for w in (-2.0, 0.5, 3.0):
        h = scalar_recursion("sigmoid", w, 200)
        assert abs(sigmoid(w * h[-1]) - h[-1]) < 1e-12


def test_relu_recursion_dies_for_a_negative_weight_and_doubles_for_weight_two():
    assert np.all(scalar_recursion("relu", -1.0, 10)[1:] == 0)
    np.testing.assert_array_equal(scalar_recursion("relu", 2.0, 10), 2.0 ** np.arange(11))


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


def test_memory_unit_holds_what_was_written_until_erased():
    x = memory_inputs(40, writes={3: 0.5}, reads=[20], erases=[30])
    run = memory_unit().run(x)
    stored = np.tanh(2 * 0.5)
    assert run["c"][3, 0] == pytest.approx(stored, rel=1e-2)
    assert run["c"][29, 0] == pytest.approx(stored, rel=2e-2)  # held for 26 steps
    assert run["h"][20, 0] == pytest.approx(np.tanh(run["c"][20, 0]), rel=1e-2)  # read: o ≈ 1
    assert abs(run["h"][25, 0]) < 1e-2  # not read: o ≈ 0
    assert abs(run["c"][31, 0]) < 1e-2  # erased
