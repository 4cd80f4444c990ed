"""The Lyapunov spectrum of recurrent networks driven by input sequences (Vogt et al., Algorithm 1).

A network driven by an input sequence x_1, x_2, … is a non-autonomous dynamical system
``s_t = F(s_{t−1}, x_t)``. Small perturbations of its state evolve by the Jacobians ``J_t = ∂s_t/∂s_{t−1}``,
and the Lyapunov exponents are the asymptotic growth rates of k-dimensional volumes under the product
``J_T ⋯ J_1``. They are computed by the QR (Benettin) algorithm (Benettin et al. 1980; Vogt et al. sec. 4.1):

    Q ← I;  for t = 1..T:  Q ← J_t Q;  Q, R ← qr(Q);  λ_i += log |R_ii|;   λ ← λ / T

Conventions of this module (the standard definition, as in the paper's text; stated on every function):

- the state starts at zero and the frame at ``Q = I`` (its first k columns, so that the k leading
  exponents are exactly those of the full computation; for a map that leaves a coordinate subspace
  invariant, a diagonal one say, the first k columns stay in it);
- tangent vectors evolve as ``Q ← J_t Q`` (the Jacobian, not its transpose);
- the frame is re-orthonormalised by a batched QR every ``qr_every`` steps and always at the last step,
  so no remainder is dropped; exponents are ``Σ log|R_ii| / T`` in natural log per time step, sorted
  in descending order, one spectrum per input sequence;
- ``warmup`` steps (taken from the start of the input sequences) evolve the state and the frame first,
  with QR at the same interval, and are not counted; T is the number of steps after the warm-up;
- the authors' published code (``calc_LEs_an`` / ``oneStepVarQR`` of their lyapunov-hyperopt repository)
  differs in two ways, both available as options of :func:`lyapunov_spectrum`: it evolves the frame with
  the transposed Jacobian, ``Q ← J_tᵀ Q`` (``frame="transpose"``), which changes individual exponents
  slightly but not their sum (the log-determinant of the product is the same), and it sums ``log2 |R_ii|``,
  so its exponents are in bits per step, ours ×1/ln 2 (``units="bits"``);
- ``state="h"`` uses ``J_t = ∂h_t/∂h_{t−1}`` with the LSTM cell state held fixed (the paper's choice, n
  exponents); ``state="hc"`` uses the Jacobian of the full LSTM state ordered ``(h, c)`` (2n exponents).
  GRUs and vanilla RNNs have the state h only. Stacked layers have the block lower-triangular Jacobian
  of the paper's appendix B, layer 1 first; dropout between layers is not applied (evaluation mode).

Jacobians are analytic, from :mod:`lstmdyn.cells` (rows of weight matrices scaled by gate derivatives),
batched over the input sequences and laid out column-major as LAPACK wants them; the computation runs in
the dtype of the model and its inputs, on its device.

The QR step is done one of two ways (``qr=``), with the same exponents up to rounding:

- ``"householder"``: LAPACK's Householder QR (``geqrf``, and ``ormqr`` to apply the frame to the next
  Jacobian without forming it): 3.3 n³ flops per frame and step, in a few well-tuned kernels; on the CPU
  that builds the book it was the faster method at every size measured (``benchmarks/lyapunov.py``).
- ``"cholesky"``: CholeskyQR2 (:func:`~lstmdyn.cholesky_qr.cholesky_qr2`, run as a device program by
  :mod:`lstmdyn.cholesky_qr`), two passes of a Gram matrix, its Cholesky factor
  and a triangular solve, in float64 whatever the frame's dtype: 8.7 n³ flops, almost all of it matrix
  multiplication, which is what a GPU is built for; a frame too ill-conditioned for it (saturated gates)
  falls back to Householder for that sequence and step, and the fallbacks are counted.
- ``"auto"`` (default): Householder on a CPU, CholeskyQR2 on any other device.

:func:`lyapunov_spectra` computes the spectra of several networks of the same shape in one batched
computation: their Jacobians are built network by network and every product and QR step covers all of them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import torch

from lstmdyn.cells import (
    GRUParameters,
    LSTMParameters,
    RNNParameters,
    add_diag,
    gate_sum_columns,
    transposed_blocks,
)
from lstmdyn.cholesky_qr import CHECK_EVERY, QRInfo, StepProgram, check_logs, qr_due, windowed_cholesky
from lstmdyn.errors import CollapsedDirectionsWarning

__all__ = ["NetworkDynamics", "lyapunov_spectra", "lyapunov_spectrum", "map_spectrum", "spectrum_mean_std"]

_CELLS = {torch.nn.LSTM: LSTMParameters, torch.nn.GRU: GRUParameters, torch.nn.RNN: RNNParameters}


class NetworkDynamics:
    """A ``torch.nn`` recurrent module as a dynamical system: its state, and one step with its Jacobian.

    The state of layer l is ``h_l`` (``state="h"``, and always for GRU and RNN) or ``(h_l, c_l)``
    (``state="hc"``, LSTM only); the flat state stacks the layers, first layer first.

    Examples
    --------
    >>> dynamics = NetworkDynamics(torch.nn.LSTM(3, 5, num_layers=2, batch_first=True).double(), state="hc")
    >>> dynamics.dim
    20
    >>> J, states = dynamics.step(dynamics.initial_state(4), torch.zeros(4, 3, dtype=torch.float64))
    >>> J.shape
    torch.Size([4, 20, 20])
    """

    def __init__(self, model: torch.nn.Module, state: Literal["h", "hc"] = "h") -> None:
        kind = next((c for m, c in _CELLS.items() if type(model) is m), None)
        if kind is None:
            raise ValueError(f"unsupported module {type(model).__name__}: expected nn.LSTM, nn.GRU or nn.RNN")
        if not model.batch_first:
            raise ValueError("the module must have batch_first=True; inputs are (batch, T, input_size)")
        if state not in ("h", "hc"):
            raise ValueError(f"state must be 'h' or 'hc', got {state!r}")
        if state == "hc" and not kind.has_cell_state:
            raise ValueError(f"state='hc' needs an LSTM; a {type(model).__name__} has the state h only")
        self.layers = [kind.from_torch(model, layer) for layer in range(model.num_layers)]
        self._blocks = [(transposed_blocks(layer.W, layer.gate_count), transposed_blocks(layer.U, layer.gate_count))
                        for layer in self.layers]
        self.state = state
        self.input_size = model.input_size
        self.dtype, self.device = self.layers[0].W.dtype, self.layers[0].W.device
        self.sizes = [(2 if state == "hc" else 1) * layer.n for layer in self.layers]

    @property
    def dim(self) -> int:
        """Dimension of the flat state, the number of Lyapunov exponents."""
        return sum(self.sizes)

    def initial_state(self, batch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The zero state: ``(c_l, h_l)`` per layer (c unused for GRU and RNN)."""
        return [(torch.zeros(batch, layer.n, dtype=self.dtype, device=self.device),) * 2 for layer in self.layers]

    def step(self, states: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor
             ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
        """One step from ``states`` with input ``x`` (batch, input_size): ``(J, new states)``.

        ``J`` has shape (batch, dim, dim) and is block lower-triangular for stacked layers: the block of
        layer l against layer j < l is ``(∂s_l/∂x_l)(∂h_{l−1}/∂s_j)``, layer l's input being the new
        output of layer l − 1 (Vogt et al., appendix B).
        """
        blocks, new_states, rows_h = [], [], None
        for l, (layer, (c, h)) in enumerate(zip(self.layers, states, strict=True)):
            own, from_input, c_next, h_next = self._layer(layer, *self._blocks[l], c, h, x, with_input=l > 0)
            row = [from_input @ r for r in rows_h] if rows_h is not None else []
            blocks.append([*row, own])
            rows_h = [b[..., :layer.n, :] for b in blocks[-1]]  # ∂h_l/∂s_j: the h rows of this block row
            new_states.append((c_next, h_next))
            x = h_next
        if len(blocks) == 1:
            return blocks[0][0], new_states
        J = torch.zeros(x.shape[0], self.dim, self.dim, dtype=self.dtype, device=self.device)
        offsets = np.cumsum([0, *self.sizes])
        for i, row in enumerate(blocks):
            for j, block in enumerate(row):
                J[:, offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]] = block
        return J, new_states

    def _layer(self, layer, W_t, U_t, c, h, x, with_input: bool):
        """``(∂s⁺/∂s, ∂s⁺/∂x or None, c⁺, h⁺)`` of one layer; ``W_t``, ``U_t``: its transposed blocks."""
        lin = layer.linearise(h, x, c=c)
        dh_dh = gate_sum_columns(lin.S_h, W_t)
        if lin.d_h is not None:
            add_diag(dh_dh, lin.d_h)
        dh_dx = gate_sum_columns(lin.S_hx, U_t) if with_input else None
        c_next = c if lin.c is None else lin.c
        if self.state == "h":
            return dh_dh, dh_dx, c_next, lin.h
        top = torch.cat([dh_dh, torch.diag_embed(lin.dh_dc)], -1)
        bottom = torch.cat([gate_sum_columns(lin.S_c, W_t), torch.diag_embed(lin.dc_dc)], -1)
        from_input = torch.cat([dh_dx, gate_sum_columns(lin.S_c, U_t)], -2) if with_input else None
        return torch.cat([top, bottom], -2), from_input, c_next, lin.h


QRMethod = Literal["auto", "householder", "cholesky"]


def lyapunov_spectrum(model: torch.nn.Module, inputs: torch.Tensor, *, state: Literal["h", "hc"] = "h",
                      warmup: int = 0, qr_every: int = 1, k: int | None = None,
                      frame: Literal["jacobian", "transpose"] = "jacobian",
                      units: Literal["nats", "bits"] = "nats", qr: QRMethod = "auto", graph: bool = True,
                      check_every: int = CHECK_EVERY, full_output: bool = False
                      ) -> torch.Tensor | tuple[torch.Tensor, QRInfo]:
    """Lyapunov exponents of ``model`` driven by each sequence of ``inputs`` (see the module conventions).

    Parameters
    ----------
    model : nn.LSTM, nn.GRU or nn.RNN
        ``batch_first=True``, one or more layers, not bidirectional, no projections.
    inputs : (batch, warmup + T, input_size) tensor
        In the model's dtype (float64 for analysis; float32 is faster for large sweeps).
    state : {"h", "hc"}
        ``"h"``: ∂h_t/∂h_{t−1} with the LSTM cell state fixed (Vogt et al.); ``"hc"``: the full LSTM state.
    warmup : int
        Leading steps that evolve the state and frame but are not counted.
    qr_every : int
        Steps between re-orthonormalisations (always also at the last step).
    k : int, optional
        Number of exponents (default: all, the state dimension).
    frame : {"jacobian", "transpose"}
        Evolve the frame with ``J_t`` (the standard definition) or with ``J_tᵀ``, as the authors' code does.
    units : {"nats", "bits"}
        Natural log per step, or log2 per step as in the authors' code (the same numbers divided by ln 2).
    qr : {"auto", "householder", "cholesky"}
        How the frame is re-orthonormalised (see the module docstring); ``"auto"``: Householder on a CPU,
        CholeskyQR2 elsewhere.
    graph : bool
        With CholeskyQR2 on a CUDA device, capture one step in a CUDA graph and replay it (see the module
        docstring); the results are those of the uncaptured steps.
    check_every : int
        With CholeskyQR2, the steps between two looks of the host at the flags of refused frames and
        non-finite states (a window, redone for the frames concerned when a flag is up).
    full_output : bool
        Also return a :class:`~lstmdyn.cholesky_qr.QRInfo` (method, factorisations, fallbacks, graph).

    Returns
    -------
    (batch, k) tensor
        Exponents per time step in ``units``, sorted in descending order (with a :class:`~lstmdyn.cholesky_qr.QRInfo` if
        ``full_output``). An exponent of ``-inf`` is a direction that the product of Jacobians maps exactly to
        zero in floating point: a Jacobian with an exactly singular direction, as saturated gates give when
        their derivatives underflow to zero. It sorts last, the finite exponents above it are unaffected, and a
        :class:`CollapsedDirectionsWarning` says how many there are.

    Raises
    ------
    ValueError
        For an unsupported module, no input sequence, an input of the wrong width or dtype, no step after the
        warm-up, ``qr_every < 1``, ``check_every < 1``, ``k`` out of range, or an unknown ``frame``, ``units``
        or ``qr``.
    FloatingPointError
        If the state becomes non-finite, or a frame does (NaN or +inf; the direction that collapses to zero is
        the ``-inf`` above); the message names the time step.

    Examples
    --------
    >>> rnn = torch.nn.RNN(2, 8, batch_first=True).double()
    >>> lyapunov_spectrum(rnn, torch.randn(3, 50, 2, dtype=torch.float64)).shape
    torch.Size([3, 8])
    """
    exponents, info = _spectra([model], inputs, state=state, warmup=warmup, qr_every=qr_every, k=k, frame=frame,
                               units=units, qr=qr, graph=graph, check_every=check_every)
    _warn_collapsed(exponents)
    return (exponents[0], info) if full_output else exponents[0]


def _warn_collapsed(exponents: torch.Tensor) -> None:
    """Warn once, from the caller of the public function, where exponents are −inf: how many, and why."""
    collapsed = int(torch.isneginf(exponents).sum())
    if collapsed:
        warnings.warn(CollapsedDirectionsWarning(
            f"{collapsed} of {exponents.numel()} Lyapunov exponents are -inf: the Jacobians map those directions "
            "exactly to zero (saturated gates whose derivatives underflow, or zero weights); the finite exponents "
            "above them are unaffected"), stacklevel=3)


def lyapunov_spectra(models: Sequence[torch.nn.Module], inputs: torch.Tensor, *,
                     state: Literal["h", "hc"] = "h", warmup: int = 0, qr_every: int = 1, k: int | None = None,
                     frame: Literal["jacobian", "transpose"] = "jacobian",
                     units: Literal["nats", "bits"] = "nats", qr: QRMethod = "auto", graph: bool = True,
                     check_every: int = CHECK_EVERY, full_output: bool = False
                     ) -> torch.Tensor | tuple[torch.Tensor, QRInfo]:
    """Spectra of several networks of the same shape in one batched computation.

    Every product ``J_t Q`` and every QR step covers all networks and all sequences at once, so that a
    GPU is filled by a sweep's members evaluated together. The options are those of
    :func:`lyapunov_spectrum`.

    Parameters
    ----------
    models : sequence of nn.LSTM, nn.GRU or nn.RNN
        Of one type, state dimension, input width, dtype and device.
    inputs : (batch, warmup + T, input_size) or (len(models), batch, warmup + T, input_size) tensor
        The same sequences for every network, or one set per network.
    state, warmup, qr_every, k, frame, units, qr, graph, check_every, full_output
        As in :func:`lyapunov_spectrum`, for every network.

    Returns
    -------
    (len(models), batch, k) tensor
        Each network's spectra, as :func:`lyapunov_spectrum` would return them one by one (with a
        :class:`~lstmdyn.cholesky_qr.QRInfo` if ``full_output``).

    Examples
    --------
    >>> rnns = [torch.nn.RNN(2, 8, batch_first=True).double() for _ in range(3)]
    >>> x = torch.randn(4, 50, 2, dtype=torch.float64)
    >>> spectra = lyapunov_spectra(rnns, x)
    >>> spectra.shape, torch.allclose(spectra[1], lyapunov_spectrum(rnns[1], x))
    (torch.Size([3, 4, 8]), True)
    """
    exponents, info = _spectra(models, inputs, state=state, warmup=warmup, qr_every=qr_every, k=k, frame=frame,
                               units=units, qr=qr, graph=graph, check_every=check_every)
    _warn_collapsed(exponents)
    return (exponents, info) if full_output else exponents


def _spectra(models: Sequence[torch.nn.Module], inputs: torch.Tensor, *, state: Literal["h", "hc"], warmup: int,
             qr_every: int, k: int | None, frame: Literal["jacobian", "transpose"], units: Literal["nats", "bits"],
             qr: QRMethod, graph: bool, check_every: int) -> tuple[torch.Tensor, QRInfo]:
    """:func:`lyapunov_spectra` without its warning: the exponents and the :class:`~lstmdyn.cholesky_qr.QRInfo`."""
    if len(models) == 0:
        raise ValueError("no model given")
    networks = [NetworkDynamics(model, state) for model in models]
    first = networks[0]

    def signature(d: NetworkDynamics) -> tuple:
        return type(d.layers[0]), d.sizes, d.input_size, d.dtype, d.device

    if any(signature(dynamics) != signature(first) for dynamics in networks[1:]):
        raise ValueError("the models must share cell type, layer sizes, input width, dtype and device")
    if inputs.ndim == 3:
        inputs = inputs.expand(len(networks), *inputs.shape)
    if inputs.ndim != 4 or inputs.shape[0] != len(networks) or inputs.shape[-1] != first.input_size:
        raise ValueError(f"inputs must have shape (batch, T, {first.input_size}) or "
                         f"({len(networks)}, batch, T, {first.input_size}), got {tuple(inputs.shape)}")
    if inputs.dtype != first.dtype:
        raise ValueError(f"inputs are {inputs.dtype} but the model is {first.dtype}: convert one of them")
    if inputs.shape[1] == 0:
        raise ValueError("no input sequence: inputs hold a batch of 0 sequences")
    if frame not in ("jacobian", "transpose"):
        raise ValueError(f"frame must be 'jacobian' or 'transpose', got {frame!r}")
    if units not in ("nats", "bits"):
        raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
    if check_every < 1:
        raise ValueError(f"check_every must be at least 1, got {check_every}")
    length = inputs.shape[2]
    k = first.dim if k is None else k
    _check_steps(first.dim, length, warmup, qr_every, k)
    with torch.no_grad():
        program = StepProgram(networks, inputs, k, transpose=frame == "transpose")
        if _resolve(qr, inputs.device) == "cholesky":
            exponents, info = windowed_cholesky(program, warmup, qr_every, check_every,
                                                 graph and inputs.device.type == "cuda")
        else:
            exponents, info = _benettin(program.advance, first.dim, program.frames, length, warmup, qr_every, k,
                                        first.dtype, inputs.device)
    exponents = exponents.reshape(len(networks), inputs.shape[1], -1)
    return (exponents / math.log(2) if units == "bits" else exponents), info


def map_spectrum(step: Callable, jacobian: Callable, x0, T: int, *, warmup: int = 0, qr_every: int = 1,
                 k: int | None = None):
    """Lyapunov exponents of any map ``x_{t+1} = step(x_t)`` with Jacobian ``jacobian(x_t)``.

    ``x0`` has shape (d,) or (batch, d); ``step`` and ``jacobian`` receive the current state in the same
    type (numpy or torch) and shape, ``jacobian`` returning (d, d) or (batch, d, d). Same conventions as
    :func:`lyapunov_spectrum` (the Jacobian is taken at x_t, then the state advances); computed in float64.
    Returns exponents of shape (k,) or (batch, k), numpy if ``x0`` is numpy.

    Parameters
    ----------
    step, jacobian : callable
        ``step(x)`` the next state, ``jacobian(x)`` the Jacobian at ``x``.
    x0 : (d,) or (batch, d) array or tensor
        The start state (or one per sequence).
    T : int
        Steps counted after the warm-up.
    warmup : int
        Steps taken first and not counted.
    qr_every : int
        Steps between re-orthonormalisations (and always at the last).
    k : int, optional
        The number of leading exponents (all d by default).

    Examples
    --------
    The Hénon map has exponents 0.4192 and −1.6232 (their sum is log 0.3, the log of |det J|):

    >>> step = lambda x: np.array([1 - 1.4 * x[0] ** 2 + x[1], 0.3 * x[0]])
    >>> jacobian = lambda x: np.array([[-2.8 * x[0], 1.0], [0.3, 0.0]])
    >>> exponents = map_spectrum(step, jacobian, np.array([0.1, 0.1]), 20_000, warmup=100)
    >>> np.round(exponents, 2), bool(abs(exponents.sum() - np.log(0.3)) < 1e-10)
    (array([ 0.42, -1.62]), True)
    """
    batched = np.ndim(x0) == 2
    x = x0

    def advance(t: int) -> torch.Tensor:
        nonlocal x
        J = torch.as_tensor(np.array(jacobian(x)) if not isinstance(x, torch.Tensor) else jacobian(x),
                            dtype=torch.float64)
        x = step(x)
        if not np.all(np.isfinite(np.asarray(x))):
            raise FloatingPointError(f"non-finite state at time step {t} (counting from 0)")
        return J if batched else J[None]

    exponents, _ = _benettin(advance, np.shape(x0)[-1], np.shape(x0)[0] if batched else 1, warmup + T,
                             warmup, qr_every, k, torch.float64,
                             x0.device if isinstance(x0, torch.Tensor) else "cpu")
    exponents = exponents if batched else exponents[0]
    return exponents if isinstance(x0, torch.Tensor) else exponents.numpy()


def spectrum_mean_std(spectra: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation over the batch (first axis) of a set of spectra, index by index.

    Examples
    --------
    >>> mean, std = spectrum_mean_std(torch.tensor([[0.0, -1.0], [0.2, -1.0]]))
    >>> mean, std
    (tensor([ 0.1000, -1.0000]), tensor([0.1414, 0.0000]))
    """
    return spectra.mean(0), spectra.std(0) if len(spectra) > 1 else torch.zeros_like(spectra[0])


def _check_steps(dim: int, length: int, warmup: int, qr_every: int, k: int) -> None:
    """The checks on the step counts that every spectrum computation shares."""
    if not 0 <= warmup:
        raise ValueError(f"warmup must be at least 0, got {warmup}")
    if length - warmup < 1:
        raise ValueError(f"no time step left after a warm-up of {warmup} steps: T = {length} in all")
    if qr_every < 1:
        raise ValueError(f"qr_every must be at least 1, got {qr_every}")
    if not 1 <= k <= dim:
        raise ValueError(f"k must be between 1 and {dim}, got {k}")


def _resolve(qr: str, device: torch.device) -> Literal["householder", "cholesky"]:
    """The QR method ``qr`` stands for on ``device``: ``auto`` is Householder on a CPU, CholeskyQR2 elsewhere."""
    if qr not in ("auto", "householder", "cholesky"):
        raise ValueError(f"qr must be 'auto', 'householder' or 'cholesky', got {qr!r}")
    if qr == "auto":
        return "householder" if torch.device(device).type == "cpu" else "cholesky"
    return qr


def _benettin(advance: Callable[[int], torch.Tensor], dim: int, batch: int, length: int, warmup: int,
              qr_every: int, k: int | None, dtype: torch.dtype, device: torch.device | str
              ) -> tuple[torch.Tensor, QRInfo]:
    """The QR algorithm with Householder QR over ``length`` steps of ``advance(t) → J_t``, the first
    ``warmup`` not counted.

    With all exponents (k = dim) the orthonormal frame is kept in Householder form after a QR (``geqrf``),
    and the next product ``J Q`` is applied from it (``ormqr``): this saves forming Q.
    """
    k = dim if k is None else k
    _check_steps(dim, length, warmup, qr_every, k)
    T = length - warmup
    info = QRInfo("householder")
    log_r = torch.zeros(batch, k, dtype=dtype, device=device)
    frame, householder = None, None  # None: the identity; householder: (a, tau) of the last geqrf
    for t in range(length):
        J = advance(t)
        if householder is not None:
            frame, householder = torch.ormqr(*householder, J, left=False), None
        else:
            frame = J[..., :k].clone() if frame is None else J @ frame
        if not qr_due(t, warmup, T, qr_every):
            continue
        if k == dim:
            a, tau = torch.geqrf(frame)
            householder, log_diagonal = (a, tau), a.diagonal(dim1=-2, dim2=-1).abs().log()
        else:
            frame, R = torch.linalg.qr(frame)
            log_diagonal = R.diagonal(dim1=-2, dim2=-1).abs().log()
        info.factorisations += batch
        check_logs(log_diagonal, t)
        if t >= warmup:
            log_r += log_diagonal
    return torch.sort(log_r / T, dim=-1, descending=True).values, info
