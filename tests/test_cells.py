"""The cell equations of lstmdyn.cells against torch.nn, and their analytic Jacobians against autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmdyn.cells import GRUParameters, Linearisation, LSTMParameters, RNNParameters

torch.manual_seed(0)
M, N, T, B = 3, 6, 12, 4


def _inputs() -> torch.Tensor:
    return torch.randn(B, T, M, dtype=torch.float64)


def test_lstm_matches_torch_lstm_over_a_sequence():
    module = torch.nn.LSTM(M, N, batch_first=True).double()
    x = _inputs()
    h_ref, (h_T, c_T) = module(x)
    run = LSTMParameters.from_torch(module).as_numpy().run(x.numpy())
    np.testing.assert_allclose(run["h"], h_ref.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(run["c"][:, -1], c_T[0].detach().numpy(), rtol=0, atol=1e-12)


def test_lstm_second_layer_of_a_stack_matches_torch():
    module = torch.nn.LSTM(M, N, num_layers=2, batch_first=True).double()
    x = _inputs()
    layer0 = LSTMParameters.from_torch(module, layer=0).as_numpy().run(x.numpy())["h"]
    layer1 = LSTMParameters.from_torch(module, layer=1).as_numpy().run(layer0)["h"]
    np.testing.assert_allclose(layer1, module(x)[0].detach().numpy(), rtol=0, atol=1e-12)


def test_lstm_cell_module_matches_torch_lstm_cell():
    cell = torch.nn.LSTMCell(M, N).double()
    x, h, c = torch.randn(B, M).double(), torch.randn(B, N).double(), torch.randn(B, N).double()
    h_ref, c_ref = cell(x, (h, c))
    c_ours, h_ours = LSTMParameters.from_torch(cell).step(c, h, x)
    torch.testing.assert_close(h_ours, h_ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(c_ours, c_ref, rtol=0, atol=1e-12)


def test_gru_matches_torch_gru_over_a_sequence():
    module = torch.nn.GRU(M, N, batch_first=True).double()
    x = _inputs()
    ours = GRUParameters.from_torch(module).as_numpy().run(x.numpy())["h"]
    np.testing.assert_allclose(ours, module(x)[0].detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch_rnn_over_a_sequence(nonlinearity):
    module = torch.nn.RNN(M, N, nonlinearity=nonlinearity, batch_first=True).double()
    x = _inputs()
    ours = RNNParameters.from_torch(module).as_numpy().run(x.numpy())["h"]
    np.testing.assert_allclose(ours, module(x)[0].detach().numpy(), rtol=0, atol=1e-12)


def _random_point(with_input: bool):
    return (torch.randn(N, dtype=torch.float64), torch.randn(N, dtype=torch.float64),
            torch.randn(M, dtype=torch.float64) if with_input else None)


@pytest.mark.parametrize("with_input", [True, False])
def test_lstm_jacobian_matches_autograd(with_input):
    rng = np.random.default_rng(1)
    cell = LSTMParameters.random(N, M if with_input else 0, rng=rng, scale=1.5).as_torch()
    c, h, x = _random_point(with_input)

    def step(state):
        return torch.cat(cell.step(state[:N], state[N:], x))

    expected = torch.autograd.functional.jacobian(step, torch.cat([c, h]))
    torch.testing.assert_close(cell.jacobian(c, h, x).dense(), expected, rtol=0, atol=1e-12)


def test_gru_jacobian_matches_autograd():
    cell = GRUParameters.from_torch(torch.nn.GRUCell(M, N).double())
    _, h, x = _random_point(True)
    expected = torch.autograd.functional.jacobian(lambda h: cell.step(h, x), h)
    torch.testing.assert_close(cell.jacobian(h, x), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_jacobian_matches_autograd(nonlinearity):
    cell = RNNParameters.random(N, M, rng=np.random.default_rng(2), gain=2.0,
                                nonlinearity=nonlinearity).as_torch()
    _, h, x = _random_point(True)
    expected = torch.autograd.functional.jacobian(lambda h: cell.step(h, x), h)
    torch.testing.assert_close(cell.jacobian(h, x), expected, rtol=0, atol=1e-12)


def _cells_with_input():
    """One cell of each kind, with input weights and gates away from 0.5, in float64 torch."""
    rng = np.random.default_rng(5)
    return {"lstm": LSTMParameters.random(N, M, rng=rng, scale=1.5).as_torch(),
            "gru": GRUParameters.from_torch(torch.nn.GRUCell(M, N).double()),
            "rnn": RNNParameters.random(N, M, rng=rng, gain=2.0).as_torch()}


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_input_jacobian_matches_autograd(kind):
    cell = _cells_with_input()[kind]
    c, h, x = _random_point(True)
    if kind == "lstm":
        expected = torch.autograd.functional.jacobian(lambda x: cell.step(c, h, x)[1], x)
        torch.testing.assert_close(cell.input_jacobian(h, x, c=c), expected, rtol=0, atol=1e-12)
    else:
        expected = torch.autograd.functional.jacobian(lambda x: cell.step(h, x), x)
        torch.testing.assert_close(cell.input_jacobian(h, x), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_every_cell_linearises_into_one_type_whose_blocks_match_its_weights(kind):
    cell = _cells_with_input()[kind]
    c, h, x = _random_point(True)
    lin = cell.linearise(h, x, c=c)
    assert isinstance(lin, Linearisation)
    assert lin.S_h.shape == lin.S_hx.shape == (cell.gate_count, N)
    assert cell.W.shape[0] == cell.gate_count * N and (lin.c is not None) == cell.has_cell_state


def test_an_lstm_step_without_its_cell_state_is_refused():
    cell = _cells_with_input()["lstm"]
    with pytest.raises(ValueError, match="cell state c"):
        cell.linearise(torch.zeros(N, dtype=torch.float64), torch.zeros(M, dtype=torch.float64))


def test_batched_jacobian_equals_the_jacobians_of_each_sample():
    cell = LSTMParameters.random(N, M, rng=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    c, h, x = rng.normal(size=(B, N)), rng.normal(size=(B, N)), rng.normal(size=(B, M))
    batched = cell.jacobian(c, h, x).dense()
    for k in range(B):
        np.testing.assert_allclose(batched[k], cell.jacobian(c[k], h[k], x[k]).dense(), atol=1e-15)


def test_numpy_and_torch_give_the_same_step():
    cell = LSTMParameters.random(N, M, rng=np.random.default_rng(5))
    rng = np.random.default_rng(6)
    c, h, x = rng.normal(size=N), rng.normal(size=N), rng.normal(size=M)
    in_numpy = cell.step(c, h, x)
    in_torch = cell.as_torch().step(*(torch.from_numpy(a) for a in (c, h, x)))
    for a, b in zip(in_numpy, in_torch, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=0, atol=1e-15)


@pytest.mark.parametrize(("arrays", "named"), [
    ({"W": np.zeros((7, 2)), "b": np.zeros(8)}, "W"),
    ({"W": np.zeros((8, 2)), "b": np.zeros(7)}, "b"),
    ({"W": np.zeros((8, 2)), "b": np.zeros(8), "U": np.zeros((7, 3))}, "U"),
    ({"W": np.full((8, 2), np.nan), "b": np.zeros(8)}, "W"),
])
def test_bad_lstm_arrays_are_rejected_by_name(arrays, named):
    with pytest.raises(ValueError, match=rf"^{named} "):
        LSTMParameters(**arrays)


def test_an_input_for_a_cell_without_input_weights_is_an_error():
    cell = LSTMParameters.random(N, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="no input weights"):
        cell.step(np.zeros(N), np.zeros(N), np.zeros(M))


@pytest.mark.parametrize("module", [torch.nn.LSTM(M, N, bidirectional=True),
                                    torch.nn.LSTM(M, N, proj_size=2), torch.nn.GRU(M, N)])
def test_unsupported_modules_are_rejected(module):
    with pytest.raises(ValueError, match="bidirectional|proj_size|expected nn.LSTM"):
        LSTMParameters.from_torch(module)


def test_column_major_gate_sum_equals_gate_sum():
    from lstmdyn.cells import gate_sum, gate_sum_columns, transposed_blocks
    S, M = torch.randn(3, 4, 5, dtype=torch.float64), torch.randn(20, 7, dtype=torch.float64)
    columns = gate_sum_columns(S, transposed_blocks(M, 4))
    torch.testing.assert_close(columns, gate_sum(S, M), rtol=0, atol=1e-14)
    assert columns.stride()[-2] == 1  # column-major, as LAPACK stores matrices


def test_rnn_parameters_round_trip_through_a_torch_module():
    cell = RNNParameters.random(N, M, rng=np.random.default_rng(9), gain=1.5)
    x = np.random.default_rng(10).normal(size=(2, T, M))
    module_h = cell.to_module()(torch.from_numpy(x))[0].detach().numpy()
    np.testing.assert_allclose(module_h, cell.run(x)["h"], rtol=0, atol=1e-12)
    back = RNNParameters.from_torch(cell.to_module()).as_numpy()
    np.testing.assert_array_equal(back.W, cell.W)


@pytest.mark.parametrize("cell, gates, biases", [(LSTMParameters, 4, ("b",)), (GRUParameters, 3, ("b_ih", "b_hh")),
                                                 (RNNParameters, 1, ("b",))])
def test_every_cell_checks_its_shapes_and_values_by_its_gate_count(cell, gates, biases):
    n, m = 3, 2
    good = {"W": torch.zeros(gates * n, n), "U": torch.zeros(gates * n, m), **{b: torch.zeros(gates * n)
                                                                                for b in biases}}
    cell(**good)
    rows = f"{gates}n" if gates > 1 else "n"
    with pytest.raises(ValueError, match=rf"W must have shape \({rows}, n\), got \({gates * n + 1}, 3\)"):
        cell(**{**good, "W": torch.zeros(gates * n + 1, n)})
    for b in biases:
        with pytest.raises(ValueError, match=rf"{b} must have shape \({gates * n},\), got \({gates * n - 1},\)"):
            cell(**{**good, b: torch.zeros(gates * n - 1)})
    with pytest.raises(ValueError, match=rf"U must have shape \({gates * n}, 2\), got \({gates * n + 1}, 2\)"):
        cell(**{**good, "U": torch.zeros(gates * n + 1, m)})
    with pytest.raises(ValueError, match=f"{biases[-1]} contains non-finite values"):
        cell(**{**good, biases[-1]: torch.full((gates * n,), float("nan"))})
