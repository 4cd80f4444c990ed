"""The Lyapunov spectrum: Jacobians against autograd, maps with known exponents, a slow reference."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import torch

from lstmdyn import cholesky_qr
from lstmdyn.cholesky_qr import QRInfo, cholesky_qr2
from lstmdyn.lyapunov import (
    NetworkDynamics,
    lyapunov_spectra,
    lyapunov_spectrum,
    map_spectrum,
    spectrum_mean_std,
)

M, N = 3, 5
QR = ["householder", "cholesky"]


def _module(kind: str, layers: int = 1) -> torch.nn.Module:
    torch.manual_seed(0)
    if kind == "rnn_relu":
        return torch.nn.RNN(M, N, num_layers=layers, nonlinearity="relu", batch_first=True).double()
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
    module = cls(M, N, num_layers=layers, batch_first=True).double()
    with torch.no_grad():  # larger weights than the default, so that gates are not all near 0.5
        for p in module.parameters():
            p.mul_(3.0)
    return module


def _reference_step(module: torch.nn.Module, state: str, x: torch.Tensor):
    """The flat state map of one step, through the module's own forward (for autograd)."""
    L, is_lstm = module.num_layers, isinstance(module, torch.nn.LSTM)

    def step(s: torch.Tensor, c_fixed: torch.Tensor) -> torch.Tensor:
        if not is_lstm:
            return module(x[None, None], s.view(L, 1, N))[1].reshape(-1)
        if state == "h":
            return module(x[None, None], (s.view(L, 1, N), c_fixed))[1][0].reshape(-1)
        hc = s.view(L, 2, N)  # per layer: (h_l, c_l)
        h, c = module(x[None, None], (hc[:, 0:1], hc[:, 1:2]))[1]
        return torch.stack([h[:, 0], c[:, 0]], 1).reshape(-1)

    return step


@pytest.mark.parametrize(("kind", "state", "layers"), [
    ("lstm", "h", 1), ("lstm", "hc", 1), ("gru", "h", 1), ("rnn", "h", 1), ("rnn_relu", "h", 1),
    ("lstm", "h", 3), ("lstm", "hc", 2), ("gru", "h", 2), ("rnn", "h", 3)])
def test_jacobian_matches_autograd_of_the_module_itself(kind, state, layers):
    module = _module(kind, layers)
    dynamics = NetworkDynamics(module, state)
    torch.manual_seed(1)
    h, c, x = (torch.randn(layers, N, dtype=torch.float64), torch.randn(layers, N, dtype=torch.float64),
               torch.randn(M, dtype=torch.float64))
    states = [(c[l][None], h[l][None]) for l in range(layers)]
    J, _ = dynamics.step(states, x[None])
    s = torch.stack([h, c], 1).reshape(-1) if state == "hc" else h.reshape(-1)
    expected = torch.autograd.functional.jacobian(
        lambda s: _reference_step(module, state, x)(s, c[:, None]), s)
    torch.testing.assert_close(J[0], expected, rtol=0, atol=1e-12)


def _slow_spectrum(module: torch.nn.Module, state: str, inputs: torch.Tensor) -> torch.Tensor:
    """Algorithm 1 unbatched: autograd Jacobians, one sequence at a time, QR at every step."""
    spectra = []
    L, is_lstm = module.num_layers, isinstance(module, torch.nn.LSTM)
    for sequence in inputs:
        h, c = torch.zeros(L, 1, N, dtype=torch.float64), torch.zeros(L, 1, N, dtype=torch.float64)
        dim = L * N * (2 if state == "hc" else 1)
        Q, total = torch.eye(dim, dtype=torch.float64), torch.zeros(dim, dtype=torch.float64)
        for x in sequence:
            s = torch.stack([h[:, 0], c[:, 0]], 1).reshape(-1) if state == "hc" else h.reshape(-1)
            J = torch.autograd.functional.jacobian(partial(_reference_step(module, state, x), c_fixed=c), s)
            Q, R = torch.linalg.qr(J @ Q)
            total += torch.log(torch.diagonal(R).abs())
            if is_lstm:
                h, c = module(x[None, None], (h, c))[1]
            else:
                h = module(x[None, None], h)[1]
        spectra.append(torch.sort(total / len(sequence), descending=True).values)
    return torch.stack(spectra).detach()


@pytest.mark.parametrize("qr", QR)
@pytest.mark.parametrize(("kind", "state", "layers"), [
    ("lstm", "h", 1), ("lstm", "hc", 1), ("lstm", "h", 2), ("lstm", "hc", 2), ("gru", "h", 2)])
def test_spectrum_agrees_with_a_slow_unbatched_autograd_reference(kind, state, layers, qr):
    module = _module(kind, layers)
    inputs = torch.randn(2, 30, M, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(lyapunov_spectrum(module, inputs, state=state, qr=qr),
                               _slow_spectrum(module, state, inputs), rtol=0, atol=1e-10)


def test_linear_map_gives_the_logarithms_of_its_eigenvalue_moduli():
    rng = np.random.default_rng(3)
    V = rng.normal(size=(6, 6))
    eigenvalues = np.array([1.3, -0.9, 0.7, 0.5, -0.2, 0.05])
    W = V @ np.diag(eigenvalues) @ np.linalg.inv(V)
    # the state is renormalised so that it does not overflow; the Jacobian is W wherever it is taken
    exponents = map_spectrum(lambda x: W @ x / np.linalg.norm(W @ x), lambda x: W, rng.normal(size=6), 20_000)
    np.testing.assert_allclose(exponents, np.sort(np.log(np.abs(eigenvalues)))[::-1], atol=1e-3)


@pytest.mark.parametrize("qr_every", [1, 3, 7])
def test_diagonal_map_is_exact_for_any_qr_interval(qr_every):
    d = np.array([0.5, 2.0, 0.9, 1.1])
    exponents = map_spectrum(lambda x: d * x, lambda x: np.diag(d), np.ones(4), 20, qr_every=qr_every)
    np.testing.assert_allclose(exponents, np.log([2.0, 1.1, 0.9, 0.5]), rtol=0, atol=1e-14)


def test_henon_map_has_its_known_exponents():
    a, b = 1.4, 0.3
    exponents = map_spectrum(lambda x: np.array([1 - a * x[0] ** 2 + x[1], b * x[0]]),
                             lambda x: np.array([[-2 * a * x[0], 1.0], [b, 0.0]]),
                             np.array([0.1, 0.1]), 50_000, warmup=1000)
    np.testing.assert_allclose(exponents, [0.4192, -1.6232], atol=2e-3)
    assert exponents.sum() == pytest.approx(np.log(b), abs=1e-10)  # the Jacobian's determinant is −b


def test_batched_map_spectrum_equals_one_sequence_at_a_time():
    W = np.array([[0.9, 0.4], [-0.3, 0.8]])
    x0 = np.random.default_rng(4).normal(size=(3, 2))
    batched = map_spectrum(lambda x: x @ W.T, lambda x: np.broadcast_to(W, (3, 2, 2)), x0, 50)
    for b in range(3):
        np.testing.assert_allclose(batched[b], map_spectrum(lambda x: W @ x, lambda x: W, x0[b], 50),
                                   atol=1e-14)


@pytest.mark.parametrize("qr", QR)
def test_qr_interval_leaves_the_leading_exponents_unchanged_in_float64(qr):
    module = _module("lstm")
    inputs = torch.randn(3, 60, M, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    every_step = lyapunov_spectrum(module, inputs, qr=qr)
    for qr_every in (5, 10):
        torch.testing.assert_close(lyapunov_spectrum(module, inputs, qr_every=qr_every, qr=qr)[:, :3],
                                   every_step[:, :3], rtol=0, atol=1e-9)


def _plain_qr_spectrum(module, inputs, warmup, frame="jacobian", restart_frame=False):
    """The QR algorithm written out plainly on the Jacobians of NetworkDynamics: Q ← J Q, Q, R ← qr(Q);
    ``restart_frame`` sets Q = I again when the warm-up ends (a wrong warm-up, for contrast)."""
    dynamics = NetworkDynamics(module)
    states, Q = dynamics.initial_state(len(inputs)), torch.eye(dynamics.dim, dtype=torch.float64)
    Q = Q.expand(len(inputs), -1, -1)
    total = torch.zeros(len(inputs), dynamics.dim, dtype=torch.float64)
    for t in range(inputs.shape[1]):
        J, states = dynamics.step(states, inputs[:, t])
        if restart_frame and t == warmup:
            Q = torch.eye(dynamics.dim, dtype=torch.float64).expand(len(inputs), -1, -1)
        Q, R = torch.linalg.qr((J.mT if frame == "transpose" else J) @ Q)
        if t >= warmup:
            total += torch.log(R.diagonal(dim1=-2, dim2=-1).abs())
    return torch.sort(total / (inputs.shape[1] - warmup), descending=True).values


@pytest.mark.parametrize("qr", QR)
def test_warmup_evolves_state_and_frame_and_is_not_counted(qr):
    module = _module("lstm")
    inputs = torch.randn(2, 40, M, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    warm = lyapunov_spectrum(module, inputs, warmup=15, qr=qr)
    torch.testing.assert_close(warm, _plain_qr_spectrum(module, inputs, 15), rtol=0, atol=1e-12)
    # the comparison can tell a warm-up that discards the evolved frame, or one that counts its steps
    assert (warm - _plain_qr_spectrum(module, inputs, 15, restart_frame=True)).abs().max() > 1e-4
    assert (warm - lyapunov_spectrum(module, inputs)).abs().max() > 1e-4


def test_the_authors_conventions_transpose_the_frame_and_count_in_bits():
    module = _module("lstm")
    inputs = torch.randn(3, 60, M, dtype=torch.float64, generator=torch.Generator().manual_seed(11))
    nats = lyapunov_spectrum(module, inputs)
    torch.testing.assert_close(lyapunov_spectrum(module, inputs, units="bits"), nats / np.log(2), rtol=0, atol=1e-15)
    transposed = lyapunov_spectrum(module, inputs, frame="transpose")
    torch.testing.assert_close(transposed, _plain_qr_spectrum(module, inputs, 0, "transpose"), rtol=0, atol=1e-12)
    torch.testing.assert_close(transposed.sum(1), nats.sum(1), rtol=0, atol=1e-12)  # log|det| is the same
    assert (transposed - nats).abs().max() > 1e-6  # the individual exponents are not
    with pytest.raises(ValueError, match="frame must be"):
        lyapunov_spectrum(module, inputs, frame="J")
    with pytest.raises(ValueError, match="units must be"):
        lyapunov_spectrum(module, inputs, units="log2")


@pytest.mark.parametrize("qr", QR)
def test_subset_k_gives_the_leading_part_of_the_full_spectrum(qr):
    module = _module("lstm")
    inputs = torch.randn(2, 50, M, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    full = lyapunov_spectrum(module, inputs)
    torch.testing.assert_close(lyapunov_spectrum(module, inputs, k=2, qr=qr), full[:, :2], rtol=0, atol=1e-12)


@pytest.mark.parametrize("qr", QR)
def test_float32_is_computed_in_float32_and_close_to_float64(qr):
    module = _module("lstm")
    inputs = torch.randn(2, 50, M, dtype=torch.float64, generator=torch.Generator().manual_seed(8))
    single = lyapunov_spectrum(module.float(), inputs.float(), qr=qr)
    assert single.dtype == torch.float32
    torch.testing.assert_close(single[:, :3].double(), lyapunov_spectrum(module.double(), inputs)[:, :3],
                               rtol=0, atol=1e-4)


def test_mean_and_std_are_over_the_batch():
    spectra = torch.tensor([[1.0, -1.0], [3.0, -3.0]])
    mean, std = spectrum_mean_std(spectra)
    torch.testing.assert_close(mean, torch.tensor([2.0, -2.0]))
    torch.testing.assert_close(std, torch.tensor([np.sqrt(2.0), np.sqrt(2.0)], dtype=torch.float32))


@pytest.mark.parametrize(("module", "inputs", "options", "message"), [
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M + 1), {}, r"shape \(batch, T, 3\)"),
    (torch.nn.LSTM(M, N, batch_first=True, bidirectional=True), torch.randn(2, 10, M), {}, "bidirectional"),
    (torch.nn.LSTM(M, N, batch_first=True, proj_size=2), torch.randn(2, 10, M), {}, "proj_size"),
    (torch.nn.LSTM(M, N), torch.randn(2, 10, M), {}, "batch_first=True"),
    (torch.nn.Linear(M, N), torch.randn(2, 10, M), {}, "unsupported module Linear"),
    (torch.nn.GRU(M, N, batch_first=True), torch.randn(2, 10, M), {"state": "hc"}, "needs an LSTM"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M), {"warmup": 10}, "no time step left"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M), {"qr_every": 0}, "qr_every must be"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M), {"k": 6}, "k must be between 1 and 5"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M).double(), {}, "inputs are torch.float64"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M), {"qr": "svd"}, "qr must be 'auto'"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(2, 10, M), {"check_every": 0}, "check_every must be"),
    (torch.nn.LSTM(M, N, batch_first=True), torch.randn(0, 10, M), {}, "no input sequence"),
])
def test_bad_input_is_rejected_naming_the_problem(module, inputs, options, message):
    with pytest.raises(ValueError, match=message):
        lyapunov_spectrum(module, inputs, **options)


@pytest.mark.filterwarnings("ignore::lstmdyn.errors.CollapsedDirectionsWarning")  # said, and tested, below
@pytest.mark.parametrize("qr", QR)
def test_a_direction_collapsed_to_zero_is_minus_infinity_at_the_tail_alone(qr):
    """Weights ×100 saturate the gates until some derivatives are 0 or nearly: a Jacobian with a (numerically)
    singular direction. That exponent is -inf where a stretching factor is exactly 0, as documented, or far below
    the others where rounding leaves it tiny (which of the two depends on the platform's sigmoid and tanh); never
    NaN, and the leading exponents stay finite and agree between QR methods."""
    torch.manual_seed(0)
    module = torch.nn.LSTM(M, 16, batch_first=True).double()
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(100.0)
    x = torch.randn(2, 40, M, dtype=torch.float64)  # drawn after the weights, from the same seed
    spectra = lyapunov_spectrum(module, x, qr=qr)
    assert not torch.isnan(spectra).any()
    assert (spectra[:, -1] < spectra[:, 0] - 20).all() and torch.isfinite(spectra[:, :3]).all()
    torch.testing.assert_close(spectra[:, :3], lyapunov_spectrum(module, x, qr="householder")[:, :3], rtol=0,
                               atol=1e-10)


@pytest.mark.parametrize("qr", QR)
def test_exponents_of_minus_infinity_are_said_once_with_their_count(qr):
    """Zero recurrent weights map every direction exactly to zero: all exponents are -inf, and one warning says
    how many and why; a network without a collapsed direction says nothing."""
    import warnings

    from lstmdyn.errors import CollapsedDirectionsWarning

    module = torch.nn.RNN(M, N, batch_first=True).double()
    with torch.no_grad():
        module.weight_hh_l0.zero_()
    x = torch.randn(3, 12, M, dtype=torch.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spectra = lyapunov_spectrum(module, x, qr=qr)
    assert torch.isneginf(spectra).all()
    assert [type(w.message) for w in caught] == [CollapsedDirectionsWarning]
    assert str(caught[0].message).startswith(f"{3 * N} of {3 * N} Lyapunov exponents are -inf: ")
    assert caught[0].filename == __file__  # reported where the caller asked for the spectrum
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lyapunov_spectrum(torch.nn.RNN(M, N, batch_first=True).double(), x, qr=qr)


@pytest.mark.parametrize("qr", QR)
def test_non_finite_values_are_reported_with_their_time_step(qr):
    module = torch.nn.RNN(M, N, nonlinearity="relu", batch_first=True).double()
    with torch.no_grad():
        module.weight_hh_l0.copy_(1e150 * torch.eye(N, dtype=torch.float64))
        module.bias_ih_l0.fill_(1.0)
    with pytest.raises(FloatingPointError, match="at time step 3"):  # h: 1, 1e150, 1e300, inf
        lyapunov_spectrum(module, torch.zeros(1, 10, M, dtype=torch.float64), qr=qr)  # a window of 10 included


# --------------------------------------------------------------------------------------------------
# The QR step: CholeskyQR2 with its Householder fallback, and several networks in one batch


@pytest.mark.parametrize(("dtype", "tolerance"), [(torch.float32, 1e-6), (torch.float64, 1e-13)])
def test_cholesky_qr2_is_the_qr_factorisation_with_a_positive_diagonal(dtype, tolerance):
    A = torch.randn(4, 12, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(20))
    Q, log_r, ok = cholesky_qr2(A.to(dtype))
    assert Q.dtype == log_r.dtype == dtype and bool(ok.all())
    reference_Q, R = torch.linalg.qr(A)
    signs = R.diagonal(dim1=-2, dim2=-1).sign()
    torch.testing.assert_close(Q.double(), reference_Q * signs[..., None, :], rtol=0, atol=50 * tolerance)
    torch.testing.assert_close(log_r.double(), R.diagonal(dim1=-2, dim2=-1).abs().log(), rtol=0,
                               atol=50 * tolerance)
    torch.testing.assert_close(Q.mT @ Q, torch.eye(7, dtype=dtype).expand(4, 7, 7), rtol=0, atol=tolerance)


def test_cholesky_qr2_refuses_a_frame_too_ill_conditioned_for_it():
    generator = torch.Generator().manual_seed(21)
    U = torch.linalg.qr(torch.randn(2, 10, 4, dtype=torch.float64, generator=generator)).Q
    V = torch.linalg.qr(torch.randn(2, 4, 4, dtype=torch.float64, generator=generator)).Q
    singular_values = torch.tensor([[1.0, 1e-2, 1e-4, 1e-6], [1.0, 1e-4, 1e-8, 1e-12]], dtype=torch.float64)
    A = U * singular_values[:, None, :] @ V.mT
    _, log_r, ok = cholesky_qr2(A)  # condition numbers 1e6 (fine) and 1e12 (beyond u^{-1/2})
    assert ok.tolist() == [True, False]
    torch.testing.assert_close(log_r[0], torch.linalg.qr(A[0]).R.diagonal().abs().log(), rtol=0, atol=1e-8)


def test_cholesky_qr2_refuses_a_frame_whose_first_pass_factorises_but_leaves_q_far_from_orthonormal():
    """Condition number 1e10: the first Gram matrix still has a Cholesky factor, and so does the second pass's,
    but the first pass's Q is far from orthonormal (‖QᵀQ − I‖ > 1): only the orthonormality test refuses it."""
    generator = torch.Generator().manual_seed(11)
    U = torch.linalg.qr(torch.randn(40, 10, dtype=torch.float64, generator=generator)).Q
    V = torch.linalg.qr(torch.randn(10, 10, dtype=torch.float64, generator=generator)).Q
    A = U @ torch.diag(torch.logspace(0, -10, 10, dtype=torch.float64)) @ V.T
    L, failed = torch.linalg.cholesky_ex(A.T @ A)
    Q1 = torch.linalg.solve_triangular(L.mT, A, upper=True, left=False)
    assert failed == 0 and torch.linalg.cholesky_ex(Q1.T @ Q1).info == 0  # both factorisations succeed
    assert torch.linalg.matrix_norm(Q1.T @ Q1 - torch.eye(10, dtype=torch.float64)) > 1
    assert not cholesky_qr2(A)[2]


def test_a_householder_frame_that_overflows_stops_with_its_time_step():
    """A map whose state stays finite while its Jacobian stretches the frame past the float range between two
    QR steps: the Householder path stops naming the step instead of returning an infinite exponent."""
    with pytest.raises(FloatingPointError, match="non-finite tangent vectors at time step 1"):
        map_spectrum(lambda x: x, lambda x: np.array([[1e300]]), np.array([1.0]), 4, qr_every=2)


def test_auto_is_householder_on_the_cpu_and_the_qr_steps_are_counted():
    module = _module("lstm")
    inputs = torch.randn(2, 20, M, dtype=torch.float64, generator=torch.Generator().manual_seed(22))
    _, info = lyapunov_spectrum(module, inputs, full_output=True)
    assert info == QRInfo("householder", factorisations=2 * 20, fallbacks=0)
    # warm-up of 5 with QR every 3: at steps 2 and 4, then at counted steps 2, 5, 8, 11, 14 → 7 per sequence
    _, info = lyapunov_spectrum(module, inputs, warmup=5, qr_every=3, qr="cholesky", full_output=True)
    assert info == QRInfo("cholesky", factorisations=2 * 7, fallbacks=0)


def test_saturated_gates_fall_back_to_householder_and_agree_with_it():
    torch.manual_seed(0)
    module = torch.nn.LSTM(M, 16, batch_first=True).double()
    with torch.no_grad():  # large weights saturate gates: some Jacobians are nearly singular
        for p in module.parameters():
            p.mul_(12.0)
    inputs = torch.randn(4, 60, M, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    householder = lyapunov_spectrum(module, inputs, qr="householder")
    cholesky, info = lyapunov_spectrum(module, inputs, qr="cholesky", full_output=True)
    assert 0 < info.fallbacks < info.factorisations
    assert householder.min() < -8  # the tail is far below the head: the frames are ill-conditioned
    torch.testing.assert_close(cholesky[:, :3], householder[:, :3], rtol=0, atol=1e-12)
    torch.testing.assert_close(cholesky, householder, rtol=0, atol=1e-8)


def _saturated_lstms(count: int, dtype: torch.dtype, device: str = "cpu") -> list[torch.nn.LSTM]:
    models = []
    for seed in range(count):
        torch.manual_seed(seed)
        model = torch.nn.LSTM(M, 16, batch_first=True).to(device=device, dtype=dtype)
        with torch.no_grad():  # large weights saturate gates: CholeskyQR2 refuses some frames
            for p in model.parameters():
                p.mul_(12.0)
        models.append(model)
    return models


@pytest.mark.parametrize(("dtype", "atol"), [(torch.float64, 1e-12), (torch.float32, 1e-6)])
@pytest.mark.parametrize(("frame", "k"), [("jacobian", None), ("transpose", None), ("jacobian", 14)])
def test_a_window_of_steps_gives_what_a_look_at_every_step_gives(dtype, atol, frame, k):
    """The host looks at the flags every 10 steps and redoes the refused frames' window: the same spectra,
    fallbacks and QR counts as looking after every step, warm-up and QR interval misaligned with the windows."""
    models = _saturated_lstms(2, dtype)
    inputs = torch.randn(2, 3, 47, M, dtype=dtype, generator=torch.Generator().manual_seed(31))
    options = {"warmup": 7, "qr_every": 3, "qr": "cholesky", "frame": frame, "k": k, "full_output": True}
    every_step, info_1 = lyapunov_spectra(models, inputs, check_every=1, **options)
    windowed, info_10 = lyapunov_spectra(models, inputs, check_every=10, **options)
    assert info_1.fallbacks > 0 and info_10 == info_1
    torch.testing.assert_close(windowed, every_step, rtol=0, atol=atol)
    reference = lyapunov_spectra([m.double() for m in models], inputs.double(), qr="householder", warmup=7,
                                 qr_every=3, frame=frame, k=k)
    assert (windowed.double() - reference)[..., :3].abs().max() < (1e-8 if dtype == torch.float64 else 1e-3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the captured step needs a CUDA device")
@pytest.mark.parametrize(("dtype", "atol"), [(torch.float64, 1e-12), (torch.float32, 1e-6)])
@pytest.mark.parametrize("saturated", [False, True])
def test_the_captured_step_gives_the_results_of_the_uncaptured_steps(dtype, atol, saturated):
    models = (_saturated_lstms(2, dtype, "cuda") if saturated else
              [torch.nn.LSTM(M, 32, batch_first=True).to(device="cuda", dtype=dtype) for _ in range(2)])
    inputs = torch.randn(2, 4, 60, M, dtype=dtype, device="cuda", generator=torch.Generator("cuda").manual_seed(3))
    options = {"warmup": 5, "qr_every": 2, "qr": "cholesky", "full_output": True}
    captured, info = lyapunov_spectra(models, inputs, graph=True, **options)
    plain, plain_info = lyapunov_spectra(models, inputs, graph=False, **options)
    assert info.graph and not plain_info.graph and info.fallbacks == plain_info.fallbacks
    assert (info.fallbacks > 0) == saturated
    torch.testing.assert_close(captured, plain, rtol=0, atol=atol)


def test_a_step_that_cannot_be_captured_runs_uncaptured_with_a_warning(monkeypatch):
    """Where capturing fails, the spectrum is that of the uncaptured steps, and the buffers the capture's
    warm-up steps changed are put back."""
    module, inputs = _module("lstm"), torch.randn(2, 25, M, dtype=torch.float64)
    plain = lyapunov_spectrum(module, inputs, qr="cholesky")
    program = cholesky_qr.StepProgram([NetworkDynamics(module)], inputs[None], N, transpose=False)

    def failing_capture(program, kinds):
        program.step(True)  # a warm-up step changes the buffers, then the capture fails
        raise RuntimeError("operation not permitted when stream is capturing")

    monkeypatch.setattr(cholesky_qr, "Replay", failing_capture)
    with pytest.warns(RuntimeWarning, match="could not be captured"):
        exponents, info = cholesky_qr.windowed_cholesky(program, 0, 1, 10, graph=True)
    assert not info.graph
    torch.testing.assert_close(exponents[0], plain[0], rtol=0, atol=1e-12)


def test_no_graph_is_captured_on_a_cpu():
    _, info = lyapunov_spectrum(_module("lstm"), torch.randn(2, 12, M, dtype=torch.float64), qr="cholesky",
                                graph=True, full_output=True)
    assert not info.graph


def test_float32_cholesky_is_no_less_accurate_than_float32_householder():
    torch.manual_seed(23)
    module = torch.nn.LSTM(M, 48, batch_first=True).double()
    inputs = torch.randn(4, 80, M, dtype=torch.float64, generator=torch.Generator().manual_seed(23))
    reference = lyapunov_spectrum(module, inputs, qr="householder")
    deviation = {qr: (lyapunov_spectrum(module.float(), inputs.float(), qr=qr).double() - reference).abs().max()
                 for qr in QR}
    module.double()
    assert deviation["cholesky"] < 1e-3
    assert deviation["cholesky"] <= 2 * deviation["householder"]  # the rounding of another QR, not worse


@pytest.mark.parametrize("qr", QR)
def test_networks_batched_together_give_each_network_its_own_spectra(qr):
    models = []
    for seed in range(3):
        torch.manual_seed(seed)
        models.append(torch.nn.LSTM(M, N, num_layers=2, batch_first=True).double())
    inputs = torch.randn(3, 2, 25, M, dtype=torch.float64, generator=torch.Generator().manual_seed(24))
    together = lyapunov_spectra(models, inputs, state="hc", warmup=5, qr_every=2, qr=qr)
    assert together.shape == (3, 2, 4 * N)
    for model, x, spectra in zip(models, inputs, together, strict=True):
        torch.testing.assert_close(spectra, lyapunov_spectrum(model, x, state="hc", warmup=5, qr_every=2, qr=qr),
                                   rtol=0, atol=1e-10)  # one QR path, rounding aside (memory layouts differ)
    shared = lyapunov_spectra(models, inputs[0], qr=qr)  # one set of sequences for all networks
    torch.testing.assert_close(shared[2], lyapunov_spectrum(models[2], inputs[0], qr=qr), rtol=0, atol=1e-10)
    assert (shared[0] - shared[2]).abs().max() > 1e-3  # the networks do differ


@pytest.mark.parametrize(("models", "inputs", "message"), [
    ([], torch.randn(2, 10, M), "no model given"),
    ([torch.nn.LSTM(M, N, batch_first=True), torch.nn.LSTM(M, N + 1, batch_first=True)], torch.randn(2, 10, M),
     "must share cell type, layer sizes"),
    ([torch.nn.LSTM(M, N, batch_first=True), torch.nn.GRU(M, N, batch_first=True)], torch.randn(2, 10, M),
     "must share cell type"),
    ([torch.nn.LSTM(M, N, batch_first=True)] * 2, torch.randn(3, 2, 10, M), r"or \(2, batch, T, 3\)"),
])
def test_networks_that_cannot_be_batched_together_are_rejected(models, inputs, message):
    with pytest.raises(ValueError, match=message):
        lyapunov_spectra(models, inputs)
