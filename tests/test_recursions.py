"""Linear and saturating recursions."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn.cells import sigmoid
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
