"""Weights published with the papers, and TensorFlow's LSTM layout read into the package's cells."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn.data.weights import tf_lstm_parameters
from lstmdyn.equilibria import AutonomousLSTM


def _basic_lstm_cell(kernel, bias, forget_bias, c, h, x):
    """TensorFlow's BasicLSTMCell, written out: i, j, f, o = split([x, h] @ kernel + bias)."""
    i, j, f, o = np.split(np.concatenate([x, h]) @ kernel + bias, 4)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    c_next = c * sig(f + forget_bias) + sig(i) * np.tanh(j)
    return c_next, np.tanh(c_next) * sig(o)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0])
@pytest.mark.parametrize("with_input", [False, True])
def test_tf_parameters_reproduce_basic_lstm_cell(forget_bias, with_input):
    rng = np.random.default_rng(11)
    m, n = 3, 5
    kernel, bias = rng.normal(size=(m + n, 4 * n)), rng.normal(size=4 * n)
    c, h = rng.normal(size=n), rng.normal(size=n)
    x = rng.normal(size=m) if with_input else np.zeros(m)
    c_tf, h_tf = _basic_lstm_cell(kernel, bias, forget_bias, c, h, x)
    cell = tf_lstm_parameters(kernel, bias, forget_bias)
    c_ours, h_ours = cell.step(c, h, x)
    np.testing.assert_allclose(c_ours, c_tf, atol=1e-14)
    np.testing.assert_allclose(h_ours, h_tf, atol=1e-14)
    if not with_input:  # the autonomous map is the cell with zero input
        c_auto, h_auto = AutonomousLSTM.from_parameters(cell).step(c, h)
        np.testing.assert_allclose(np.concatenate([c_auto, h_auto]), np.concatenate([c_tf, h_tf]), atol=1e-14)


@pytest.mark.parametrize(("kernel", "bias", "message"), [
    (np.zeros((8, 18)), np.zeros(18), "kernel must have shape"), (np.zeros((3, 20)), np.zeros(20), "fewer than"),
    (np.zeros((8, 20)), np.zeros(19), "bias must have shape")])
def test_a_tf_kernel_of_the_wrong_shape_is_refused(kernel, bias, message):
    with pytest.raises(ValueError, match=message):
        tf_lstm_parameters(kernel, bias)
