"""The numpy LSTM and its backpropagation through time, against finite differences and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmdyn.numpy_lstm import NumpyLSTM, clip_by_norm, global_norm


def _model(output: str, seed: int = 0) -> tuple[NumpyLSTM, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = NumpyLSTM.random(5, 4, 3, rng=rng, scale=0.8, output=output)
    model.b = rng.normal(size=model.b.shape)
    model.d = rng.normal(size=model.d.shape)
    xs = rng.normal(size=(9, 4))
    targets = rng.integers(3, size=9) if output == "softmax" else rng.integers(2, size=(9, 3)).astype(float)
    return model, xs, targets


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300))


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_bptt_gradients_match_central_finite_differences(output):
    model, xs, targets = _model(output)
    _, grads = model.gradients(xs, targets)
    step = 1e-5
    for name, value in model.parameters().items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + step
            up = model.loss(xs, targets)
            value[index] = original - step
            down = model.loss(xs, targets)
            value[index] = original
            numeric[index] = (up - down) / (2 * step)
        assert _relative_error(grads[name], numeric) < 1e-7, name


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_bptt_gradients_match_pytorch_autograd_on_the_same_weights(output):
    model, xs, targets = _model(output, seed=1)
    loss, grads = model.gradients(xs, targets)
    lstm = torch.nn.LSTM(4, 5, bias=True).double()
    with torch.no_grad():
        lstm.weight_hh_l0.copy_(torch.from_numpy(model.W))
        lstm.weight_ih_l0.copy_(torch.from_numpy(model.U))
        lstm.bias_ih_l0.copy_(torch.from_numpy(model.b))
        lstm.bias_hh_l0.zero_()
    V = torch.tensor(model.V, requires_grad=True)
    d = torch.tensor(model.d, requires_grad=True)
    h = lstm(torch.from_numpy(xs)[:, None])[0][:, 0]
    y = h @ V.T + d
    if output == "softmax":
        reference = torch.nn.functional.cross_entropy(y, torch.from_numpy(targets))
    else:
        reference = torch.nn.functional.binary_cross_entropy_with_logits(
            y, torch.from_numpy(targets), reduction="sum") / len(xs)
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-12)
    torch_grads = {"W": lstm.weight_hh_l0.grad, "U": lstm.weight_ih_l0.grad, "b": lstm.bias_ih_l0.grad,
                   "V": V.grad, "d": d.grad}
    for name, grad in torch_grads.items():
        assert _relative_error(grads[name], grad.numpy()) < 1e-7, name


def test_the_previous_output_reaches_all_four_gates():
    model, xs, targets = _model("softmax", seed=2)
    _, grads = model.gradients(xs, targets)
    n = model.n
    for gate in range(4):  # each gate's block of W has a nonzero gradient
        assert np.abs(grads["W"][gate * n:(gate + 1) * n]).max() > 1e-6


def test_a_gradient_step_lowers_the_loss_and_is_recorded():
    model, xs, targets = _model("softmax", seed=3)
    before = model.loss(xs, targets)
    model.sgd_step(xs, targets, lr=0.05)
    assert model.loss(xs, targets) < before
    assert model.history["loss"] == [pytest.approx(before)]
    assert len(model.history["gradient_norm"]) == len(model.history["weight_norm"]) == 1


def test_clipping_rescales_to_the_threshold_and_leaves_small_gradients_alone():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped = clip_by_norm(grads, 1.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    assert clip_by_norm(grads, 10.0) is grads
