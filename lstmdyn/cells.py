"""Recurrent cells (LSTM, GRU, vanilla RNN): one time step each, and the exact Jacobian of that step.

This module is the one home of the cell equations. The equilibria of the autonomous LSTM, the Lyapunov
spectrum and the chapters all build on it. Every function accepts numpy arrays or torch tensors, batched
over leading dimensions (a state ``h`` of shape ``(..., n)``), and computes in the dtype it is given.

The LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), with gates in
PyTorch's order i, f, g, o, recurrent weights ``W``, input weights ``U`` and bias ``b``::

    i  = σ(W_i h + U_i x + b_i)        input gate
    f  = σ(W_f h + U_f x + b_f)        forget gate
    g  = tanh(W_g h + U_g x + b_g)     candidate cell input
    o  = σ(W_o h + U_o x + b_o)        output gate
    c⁺ = f ⊙ c + i ⊙ g                 the constant error carousel
    h⁺ = o ⊙ tanh(c⁺)

Without input it is eq. (1) of Amrouche et al. The state is ordered ``(c, h)`` as in that paper.

Jacobians are built by scaling the rows of the weight matrices by gate derivatives (``diag(d) W`` is
``d[..., :, None] * W``); no dense diagonal matrix is ever formed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy.special import expit

Array = np.ndarray | torch.Tensor

__all__ = [
    "Array",
    "GRUParameters",
    "LSTMJacobian",
    "Linearisation",
    "LSTMParameters",
    "RNNParameters",
    "add_diag",
    "gate_sum",
    "gate_sum_columns",
    "relu",
    "sigmoid",
    "tanh",
    "transposed_blocks",
]


# --------------------------------------------------------------------------------------------------
# Elementwise functions that work on numpy arrays and torch tensors alike


def sigmoid(a: Array) -> Array:
    """The logistic function σ(a) = 1 / (1 + e^(−a)).

    Examples
    --------
    >>> float(sigmoid(np.float64(0.0))), float(sigmoid(torch.tensor(0.0)))
    (0.5, 0.5)
    """
    return torch.sigmoid(a) if isinstance(a, torch.Tensor) else expit(a)


def tanh(a: Array) -> Array:
    """The hyperbolic tangent.

    Examples
    --------
    >>> tanh(np.array([0.0, 100.0]))
    array([0., 1.])
    """
    return torch.tanh(a) if isinstance(a, torch.Tensor) else np.tanh(a)


def relu(a: Array) -> Array:
    """max(a, 0).

    Examples
    --------
    >>> relu(np.array([-2.0, 3.0]))
    array([0., 3.])
    """
    return torch.relu(a) if isinstance(a, torch.Tensor) else np.maximum(a, 0.0)


def _diag(v: Array) -> Array:
    """Batched diagonal matrix with ``v`` (shape ``(..., n)``) on its diagonal."""
    if isinstance(v, torch.Tensor):
        return torch.diag_embed(v)
    return v[..., :, None] * np.eye(v.shape[-1], dtype=v.dtype)


def _stack(arrays: list[Array]) -> Array:
    """Stack along a new second-to-last axis."""
    if isinstance(arrays[0], torch.Tensor):
        return torch.stack(arrays, dim=-2)
    return np.stack(arrays, axis=-2)


def gate_sum(S: Array, M: Array) -> Array:
    """``Σ_g diag(S[..., g, :]) M_g``: the blocks ``M_g`` of rows of ``M``, each row-scaled, summed.

    ``S`` has shape ``(..., G, n)`` and ``M`` shape ``(G·n, m)``; the result ``(..., n, m)``. This is how
    every Jacobian of a gated cell is built: a sum over gates of row-scaled weight matrices.

    Examples
    --------
    >>> S = np.array([[1.0, 2.0], [0.0, 1.0]])      # G = 2 gates, n = 2 units
    >>> M = np.arange(8.0).reshape(4, 2)                # blocks M_0 = rows 0-1, M_1 = rows 2-3
    >>> np.allclose(gate_sum(S, M), np.diag(S[0]) @ M[:2] + np.diag(S[1]) @ M[2:])
    True
    """
    G, n = S.shape[-2], S.shape[-1]
    blocks = M.reshape(G, n, M.shape[-1])
    if isinstance(S, torch.Tensor):
        return torch.einsum("...gn,gnm->...nm", S, blocks)
    return np.einsum("...gn,gnm->...nm", S, blocks)


def transposed_blocks(M: torch.Tensor, gates: int) -> torch.Tensor:
    """The row blocks of ``M`` (``gates·n × m``), each transposed: ``(gates, m, n)``, contiguous.

    Examples
    --------
    >>> M = torch.arange(12.0).reshape(6, 2)          # 3 gates of 2 rows each
    >>> transposed_blocks(M, 3).shape, bool((transposed_blocks(M, 3)[1] == M[2:4].T).all())
    (torch.Size([3, 2, 2]), True)
    """
    n = M.shape[0] // gates
    return M.reshape(gates, n, M.shape[-1]).transpose(1, 2).contiguous()


def gate_sum_columns(S: torch.Tensor, blocks_t: torch.Tensor) -> torch.Tensor:
    """:func:`gate_sum` for torch, with the blocks given by :func:`transposed_blocks`.

    The result has the same values but is laid out column by column, as LAPACK stores matrices, so that
    a QR factorisation or a product with Householder reflectors takes it without a copy. Worth it when
    the same weights serve many steps, as in the Lyapunov spectrum.

    Examples
    --------
    >>> S, M = torch.rand(5, 4, 3, dtype=torch.float64), torch.rand(12, 7, dtype=torch.float64)
    >>> torch.allclose(gate_sum_columns(S, transposed_blocks(M, 4)), gate_sum(S, M))
    True
    """
    out = torch.empty(S.shape[:-2] + blocks_t.shape[1:], dtype=S.dtype, device=S.device)
    torch.mul(blocks_t[0], S[..., 0, None, :], out=out)
    for g in range(1, blocks_t.shape[0]):
        out.addcmul_(blocks_t[g], S[..., g, None, :])
    return out.transpose(-2, -1)


def add_diag(J: Array, v: Array) -> Array:
    """``J + diag(v)``, batched, in place.

    Examples
    --------
    >>> add_diag(np.zeros((2, 2)), np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    if isinstance(J, torch.Tensor):
        J.diagonal(dim1=-2, dim2=-1).add_(v)
    else:
        np.einsum("...ii->...i", J)[...] += v
    return J


def _input_term(U: Array | None, x: Array | None, b: Array) -> Array:
    """``U x + b`` (just ``b`` for a cell without input weights)."""
    if U is None:
        if x is not None:
            raise ValueError("this cell has no input weights U: it cannot take an input x")
        return b
    if x is None:
        raise ValueError("this cell has input weights U: pass an input x")
    return x @ U.T + b


def _affine(W: Array, h: Array, b: Array, U: Array | None, x: Array | None) -> Array:
    """Pre-activation ``W h + U x + b`` for a batch of row vectors ``h`` (and ``x``)."""
    return h @ W.T + _input_term(U, x, b)


def _relu_derivative(a: Array) -> Array:
    return (a > 0).to(a.dtype) if isinstance(a, torch.Tensor) else (a > 0).astype(a.dtype)


# --------------------------------------------------------------------------------------------------
# Shared parameter plumbing


def _check_cell(gates: int, W: Array, U: Array | None, **biases: Array) -> None:
    """The checks every cell's parameters share, for a cell of ``gates`` gate blocks: ``W`` is (gates·n, n), each
    bias (gates·n,), ``U`` (if given) (gates·n, m), and all of them finite; the messages name the array.

    Examples
    --------
    >>> _check_cell(4, torch.zeros(8, 2), None, b=torch.zeros(8))
    >>> _check_cell(3, torch.zeros(8, 2), None, b=torch.zeros(8))
    Traceback (most recent call last):
    ...
    ValueError: W must have shape (3n, n), got (8, 2)
    """
    rows = f"{gates}n" if gates > 1 else "n"
    if W.ndim != 2 or W.shape[0] != gates * W.shape[1]:
        raise ValueError(f"W must have shape ({rows}, n), got {tuple(W.shape)}")
    n = W.shape[1]
    _check_array("W", W, (gates * n, n))
    for name, b in biases.items():
        _check_array(name, b, (gates * n,))
    if U is not None:
        _check_array("U", U, (gates * n, U.shape[-1]))


def _check_array(name: str, a: Array, shape: tuple[int, ...]) -> None:
    if tuple(a.shape) != shape:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(a.shape)}")
    finite = torch.isfinite(a).all().item() if isinstance(a, torch.Tensor) else np.isfinite(a).all()
    if not finite:
        raise ValueError(f"{name} contains non-finite values")


def _torch_layer(module: torch.nn.Module, layer: int, kind: str) -> dict[str, torch.Tensor | None]:
    """Weights of one layer of ``nn.LSTM``/``nn.GRU``/``nn.RNN`` or of an ``nn.*Cell``, detached."""
    cell_type = {"LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell, "RNN": torch.nn.RNNCell}[kind]
    layer_type = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN}[kind]
    if isinstance(module, cell_type):
        suffix = ""
    elif isinstance(module, layer_type):
        if module.bidirectional:
            raise ValueError(f"bidirectional {kind} modules are not supported")
        if getattr(module, "proj_size", 0):
            raise ValueError(f"{kind} modules with projections (proj_size > 0) are not supported")
        if not 0 <= layer < module.num_layers:
            raise ValueError(f"layer must be in [0, {module.num_layers - 1}], got {layer}")
        suffix = f"_l{layer}"
    else:
        raise ValueError(f"expected nn.{kind} or nn.{kind}Cell, got {type(module).__name__}")

    def get(name: str) -> torch.Tensor | None:
        p = getattr(module, name + suffix, None)
        return None if p is None else p.detach().clone()

    return {"W": get("weight_hh"), "U": get("weight_ih"), "b_ih": get("bias_ih"),
            "b_hh": get("bias_hh")}


class _Parameters:
    """Conversions shared by the parameter classes (all their array fields are converted)."""

    def _map(self, fn):
        changes = {f.name: fn(getattr(self, f.name)) for f in dataclasses.fields(self)
                   if isinstance(getattr(self, f.name), np.ndarray | torch.Tensor)}
        return dataclasses.replace(self, **changes)

    def as_numpy(self, dtype: type = np.float64):
        """A copy with every array as a numpy array of ``dtype`` (float64 for analysis)."""
        def to_numpy(a: Array) -> np.ndarray:
            if isinstance(a, torch.Tensor):
                a = a.detach().cpu().numpy()
            return np.asarray(a, dtype=dtype)
        return self._map(to_numpy)

    def as_torch(self, dtype: torch.dtype = torch.float64):
        """A copy with every array as a torch tensor of ``dtype``."""
        return self._map(lambda a: torch.as_tensor(a).to(dtype))


@dataclass(frozen=True)
class Linearisation:
    """One step of a cell from a state, and the row scales of its derivatives: what every cell's
    ``linearise`` returns.

    With the recurrent weights ``W`` and the input weights ``U`` cut into the cell's ``G`` gate blocks
    (``W_g``, ``U_g``), the derivatives of the new hidden state are::

        ∂h⁺/∂h = Σ_g diag(S_h[g]) W_g + diag(d_h),      ∂h⁺/∂x = Σ_g diag(S_hx[g]) U_g,

    and, for a cell with a cell state c (the LSTM)::

        ∂c⁺/∂h = Σ_g diag(S_c[g]) W_g,   ∂c⁺/∂x = Σ_g diag(S_c[g]) U_g,   ∂c⁺/∂c = diag(dc_dc),
        ∂h⁺/∂c = diag(dh_dc).

    ``S_h``, ``S_hx`` and ``S_c`` have shape ``(..., G, n)``; the fields that do not apply to a cell are
    ``None`` (``d_h`` is the GRU's update gate z, and ``None`` for the LSTM and the vanilla RNN).

    Examples
    --------
    >>> lstm = LSTMParameters.random(3, rng=np.random.default_rng(0))
    >>> lin = lstm.linearise(np.zeros(3), c=np.zeros(3))
    >>> np.allclose(lin.c, lstm.step(np.zeros(3), np.zeros(3))[0]), lin.S_h.shape, lin.d_h
    (True, (4, 3), None)
    """

    h: Array  #: h⁺
    S_h: Array
    S_hx: Array
    d_h: Array | None = None
    c: Array | None = None  #: c⁺ (LSTM)
    S_c: Array | None = None
    dc_dc: Array | None = None  #: diagonal of ∂c⁺/∂c, the forget gate f (LSTM)
    dh_dc: Array | None = None  #: diagonal of ∂h⁺/∂c (LSTM)

    def dh_dh(self, W: Array) -> Array:
        """∂h⁺/∂h, dense, from the recurrent weights ``W`` of the cell."""
        J = gate_sum(self.S_h, W)
        return J if self.d_h is None else add_diag(J, self.d_h)


class _Cell(_Parameters):
    """What the three cells share: the number of gate blocks in their weights, whether they carry a cell
    state, and the input Jacobian from their :class:`Linearisation`."""

    gate_count: int  #: row blocks of W and U, one per gate (LSTM 4, GRU 3, vanilla RNN 1)
    has_cell_state: bool = False  #: whether the state is (c, h) rather than h alone

    def linearise(self, h: Array, x: Array | None = None, *, c: Array | None = None) -> Linearisation:
        raise NotImplementedError

    def input_jacobian(self, h: Array, x: Array, *, c: Array | None = None) -> Array:
        """The exact Jacobian ∂h⁺/∂x of one step, shape ``(..., n, m)`` (``c``: the LSTM's cell state).

        Examples
        --------
        >>> rnn = RNNParameters.random(4, 2, rng=np.random.default_rng(0))
        >>> h = rnn.step(np.zeros(4), np.ones(2))
        >>> np.allclose(rnn.input_jacobian(np.zeros(4), np.ones(2)), (1 - h**2)[:, None] * rnn.U)
        True
        """
        if self.U is None:
            raise ValueError("this cell has no input weights U")
        return gate_sum(self.linearise(h, x, c=c).S_hx, self.U)


class _HiddenStateCell(_Cell):
    """Iteration shared by the cells whose state is ``h`` alone (GRU, vanilla RNN)."""

    def run(self, inputs: np.ndarray | None = None, *, T: int | None = None,
            h0: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Iterate over ``inputs`` of shape ``(..., T, m)``, or ``T`` steps without input.

        Returns ``{"h": states}`` with the state after each step, shape ``(..., T, n)``.
        """
        xs, batch = _steps(inputs, T)
        h = np.zeros((*batch, self.n)) if h0 is None else np.asarray(h0, dtype=float)
        hs = []
        for x in xs:
            h = self.step(h, x)
            hs.append(h)
        return {"h": np.stack(hs, axis=-2)}

    def step(self, h: Array, x: Array | None = None) -> Array:
        """One step ``h → h⁺``."""
        return self.linearise(h, x).h

    def jacobian(self, h: Array, x: Array | None = None) -> Array:
        """The exact Jacobian ∂h⁺/∂h (see :meth:`linearise`)."""
        return self.linearise(h, x).dh_dh(self.W)


def _steps(inputs: np.ndarray | None, T: int | None) -> tuple[list, tuple[int, ...]]:
    """The per-step inputs and the batch shape of an iteration over ``inputs`` or ``T`` empty steps."""
    if inputs is None:
        if T is None:
            raise ValueError("give either inputs or the number of steps T")
        return [None] * T, ()
    return list(np.moveaxis(inputs, -2, 0)), inputs.shape[:-2]


# --------------------------------------------------------------------------------------------------
# LSTM


@dataclass(frozen=True)
class LSTMGates:
    """Gate activations of one LSTM step; ``a`` holds the stacked pre-activations (i, f, g, o).

    Examples
    --------
    >>> lstm = LSTMParameters.random(3, rng=np.random.default_rng(0))
    >>> gates = lstm.gates(np.zeros(3))
    >>> bool(np.all((gates.f > 0) & (gates.f < 1))), gates.a.shape
    (True, (12,))
    """

    i: Array
    f: Array
    g: Array
    o: Array
    a: Array


@dataclass(frozen=True)
class LSTMJacobian:
    """The Jacobian of one LSTM step, ∂(c⁺, h⁺)/∂(c, h), by blocks.

    The two blocks that are diagonal matrices are stored as their diagonals.

    Examples
    --------
    >>> lstm = LSTMParameters.random(3, rng=np.random.default_rng(0))
    >>> J = lstm.jacobian(np.zeros(3), np.zeros(3))
    >>> J.dense().shape, np.allclose(np.diag(J.dense()[:3, :3]), lstm.gates(np.zeros(3)).f)
    ((6, 6), True)
    """

    dc_dc: Array  #: diagonal of ∂c⁺/∂c, i.e. f; shape (..., n)
    dc_dh: Array  #: ∂c⁺/∂h; shape (..., n, n)
    dh_dc: Array  #: diagonal of ∂h⁺/∂c, i.e. o ⊙ (1 − tanh² c⁺) ⊙ f; shape (..., n)
    dh_dh: Array  #: ∂h⁺/∂h with c held fixed; shape (..., n, n)

    def dense(self) -> Array:
        """The full ``(..., 2n, 2n)`` Jacobian in ``(c, h)`` order."""
        top = (_diag(self.dc_dc), self.dc_dh)
        bottom = (_diag(self.dh_dc), self.dh_dh)
        if isinstance(self.dc_dh, torch.Tensor):
            return torch.cat([torch.cat(top, -1), torch.cat(bottom, -1)], -2)
        return np.concatenate([np.concatenate(top, -1), np.concatenate(bottom, -1)], -2)


@dataclass(frozen=True)
class LSTMParameters(_Cell):
    """Weights of one LSTM layer.

    Parameters
    ----------
    W : (4n, n) array
        Recurrent weights, row blocks in the gate order i, f, g, o (``W_i, W_f, W_g, W_o``).
    b : (4n,) array
        Biases in the same order. PyTorch's two biases are summed (``bias_ih + bias_hh``).
    U : (4n, m) array, optional
        Input weights; ``None`` for the autonomous LSTM.

    Examples
    --------
    >>> import torch
    >>> lstm = LSTMParameters.from_torch(torch.nn.LSTM(3, 5))
    >>> lstm.n, lstm.input_size
    (5, 3)
    """

    W: Array
    b: Array
    U: Array | None = None
    gate_count = 4
    has_cell_state = True

    def __post_init__(self) -> None:
        _check_cell(4, self.W, self.U, b=self.b)

    @classmethod
    def from_torch(cls, module: torch.nn.Module, layer: int = 0) -> LSTMParameters:
        """Weights of ``nn.LSTMCell`` or of layer ``layer`` of ``nn.LSTM``, in the module's dtype."""
        p = _torch_layer(module, layer, "LSTM")
        b = p["b_ih"] + p["b_hh"] if p["b_ih"] is not None else torch.zeros_like(p["W"][:, 0])
        return cls(W=p["W"], b=b, U=p["U"])

    @classmethod
    def random(cls, n: int, m: int = 0, *, rng: np.random.Generator, scale: float | None = None,
               forget_bias: float = 0.0) -> LSTMParameters:
        """Float64 weights uniform on ±scale (default 1/√n, PyTorch's initialisation).

        ``forget_bias`` is added to ``b_f``; ``m = 0`` gives the autonomous LSTM.
        """
        scale = 1 / np.sqrt(n) if scale is None else scale
        b = rng.uniform(-scale, scale, 4 * n)
        b[n:2 * n] += forget_bias
        return cls(W=rng.uniform(-scale, scale, (4 * n, n)), b=b,
                   U=rng.uniform(-scale, scale, (4 * n, m)) if m else None)

    @property
    def n(self) -> int:
        """Number of hidden units."""
        return self.W.shape[1]

    @property
    def input_size(self) -> int:
        """Width of the input x (0 for the autonomous LSTM)."""
        return 0 if self.U is None else self.U.shape[1]

    def block(self, gate: Literal["i", "f", "g", "o"]) -> tuple[Array, Array | None, Array]:
        """``(W_k, U_k, b_k)`` of one gate ``k``."""
        s = slice("ifgo".index(gate) * self.n, ("ifgo".index(gate) + 1) * self.n)
        return self.W[s], None if self.U is None else self.U[s], self.b[s]

    def gates(self, h: Array, x: Array | None = None) -> LSTMGates:
        """Gate activations for hidden state ``h`` and input ``x``."""
        a = _affine(self.W, h, self.b, self.U, x)
        n = self.n
        return LSTMGates(i=sigmoid(a[..., :n]), f=sigmoid(a[..., n:2 * n]),
                         g=tanh(a[..., 2 * n:3 * n]), o=sigmoid(a[..., 3 * n:]), a=a)

    def step(self, c: Array, h: Array, x: Array | None = None) -> tuple[Array, Array]:
        """One step ``(c, h) → (c⁺, h⁺)``."""
        return self._update(self.gates(h, x), c)

    @staticmethod
    def _update(q: LSTMGates, c: Array) -> tuple[Array, Array]:
        """``c⁺ = f ⊙ c + i ⊙ g`` and ``h⁺ = o ⊙ tanh(c⁺)`` from the gates of the step."""
        c_next = q.f * c + q.i * q.g
        return c_next, q.o * tanh(c_next)

    def run(self, inputs: np.ndarray | None = None, *, T: int | None = None,
            c0: np.ndarray | None = None, h0: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Iterate the cell over ``inputs`` of shape ``(..., T, m)``, or ``T`` steps without input.

        Starts from ``(c0, h0)`` (default zero) and returns the states ``c``, ``h`` after each step and the
        gates ``i``, ``f``, ``g``, ``o`` of each step, each of shape ``(..., T, n)`` (numpy arrays).
        """
        xs, batch = _steps(inputs, T)
        c = np.zeros((*batch, self.n)) if c0 is None else np.asarray(c0, dtype=float)
        h = np.zeros((*batch, self.n)) if h0 is None else np.asarray(h0, dtype=float)
        out: dict[str, list] = {k: [] for k in ("c", "h", "i", "f", "g", "o")}
        for x in xs:
            q = self.gates(h, x)
            c, h = self._update(q, c)
            for k, v in (("c", c), ("h", h), ("i", q.i), ("f", q.f), ("g", q.g), ("o", q.o)):
                out[k].append(v)
        return {k: np.stack(v, axis=-2) for k, v in out.items()}

    def linearise(self, h: Array, x: Array | None = None, *, c: Array | None = None) -> Linearisation:
        """One step from ``(c, h)`` with input ``x``, and the row scales of its derivatives.

        With σ' = σ(1 − σ), tanh' = 1 − tanh² and ``k = o tanh'(c⁺)``, for v = h (weights W) or v = x
        (weights U)::

            ∂c⁺/∂v = diag(g σ'(a_i)) M_i + diag(c σ'(a_f)) M_f + diag(i tanh'(a_g)) M_g
            ∂h⁺/∂v = diag(k) ∂c⁺/∂v + diag(tanh(c⁺) σ'(a_o)) M_o
            ∂c⁺/∂c = diag(f),   ∂h⁺/∂c = diag(k f)
        """
        if c is None:
            raise ValueError("an LSTM step needs its cell state c")
        q = self.gates(h, x)
        c_next, h_next = self._update(q, c)
        tanh_c = tanh(c_next)
        k = q.o * (1 - tanh_c**2)
        zero = 0 * q.o
        S_c = _stack([q.g * q.i * (1 - q.i), c * q.f * (1 - q.f), q.i * (1 - q.g**2), zero])
        S_h = _stack([k * S_c[..., 0, :], k * S_c[..., 1, :], k * S_c[..., 2, :], tanh_c * q.o * (1 - q.o)])
        return Linearisation(h=h_next, S_h=S_h, S_hx=S_h, c=c_next, S_c=S_c, dc_dc=q.f, dh_dc=k * q.f)

    def jacobian(self, c: Array, h: Array, x: Array | None = None) -> LSTMJacobian:
        """The exact Jacobian of :meth:`step` at ``(c, h)`` (and input ``x``); see :meth:`linearise`."""
        lin = self.linearise(h, x, c=c)
        return LSTMJacobian(dc_dc=lin.dc_dc, dc_dh=gate_sum(lin.S_c, self.W), dh_dc=lin.dh_dc,
                            dh_dh=lin.dh_dh(self.W))


# --------------------------------------------------------------------------------------------------
# GRU


@dataclass(frozen=True)
class GRUParameters(_HiddenStateCell):
    """Weights of one GRU layer in PyTorch's convention (gate order r, z, n)::

        r  = σ(W_r h + b_hr + U_r x + b_ir)         reset gate
        z  = σ(W_z h + b_hz + U_z x + b_iz)         update gate
        ñ  = tanh(U_n x + b_in + r ⊙ (W_n h + b_hn))  candidate
        h⁺ = (1 − z) ⊙ ñ + z ⊙ h

    The two biases stay separate because ``b_hn`` sits inside the reset gate's product.

    Examples
    --------
    >>> import torch
    >>> gru = GRUParameters.from_torch(torch.nn.GRU(2, 4).double()).as_numpy()
    >>> h = gru.step(np.zeros(4), np.ones(2))
    >>> h.shape, gru.jacobian(h, np.ones(2)).shape
    ((4,), (4, 4))
    """

    W: Array
    b_ih: Array
    b_hh: Array
    U: Array | None = None
    gate_count = 3

    def __post_init__(self) -> None:
        _check_cell(3, self.W, self.U, b_ih=self.b_ih, b_hh=self.b_hh)

    @classmethod
    def from_torch(cls, module: torch.nn.Module, layer: int = 0) -> GRUParameters:
        """Weights of ``nn.GRUCell`` or of layer ``layer`` of ``nn.GRU``."""
        p = _torch_layer(module, layer, "GRU")
        zeros = torch.zeros_like(p["W"][:, 0])
        return cls(W=p["W"], U=p["U"], b_ih=zeros if p["b_ih"] is None else p["b_ih"],
                   b_hh=zeros if p["b_hh"] is None else p["b_hh"])

    @property
    def n(self) -> int:
        return self.W.shape[1]

    def linearise(self, h: Array, x: Array | None = None, *, c: Array | None = None) -> Linearisation:
        """One step and the row scales of its derivatives (gate order r, z, n; ``c`` is not used)::

            ∂h⁺/∂h = diag(z) + Σ_g diag(S_h[g]) W_g,     ∂h⁺/∂x = Σ_g diag(S_hx[g]) U_g,

        with d = (1 − z)(1 − ñ²) and m = W_n h + b_hn: ``S_h = (d m σ'(a_r), (h − ñ) σ'(a_z), d r)`` and
        ``S_hx = (d m σ'(a_r), (h − ñ) σ'(a_z), d)``.
        """
        n = self.n
        a_h = h @ self.W.T + self.b_hh
        a_x = _input_term(self.U, x, self.b_ih)
        r = sigmoid(a_x[..., :n] + a_h[..., :n])
        z = sigmoid(a_x[..., n:2 * n] + a_h[..., n:2 * n])
        m = a_h[..., 2 * n:]
        n_tilde = tanh(a_x[..., 2 * n:] + r * m)
        h_next = (1 - z) * n_tilde + z * h
        d = (1 - z) * (1 - n_tilde**2)
        reset, update = d * m * r * (1 - r), (h - n_tilde) * z * (1 - z)
        return Linearisation(h=h_next, S_h=_stack([reset, update, d * r]), S_hx=_stack([reset, update, d]), d_h=z)


# --------------------------------------------------------------------------------------------------
# Vanilla RNN


@dataclass(frozen=True)
class RNNParameters(_HiddenStateCell):
    """Weights of one vanilla RNN layer, ``h⁺ = φ(W h + U x + b)`` with φ = tanh or ReLU.

    Examples
    --------
    >>> rnn = RNNParameters.random(4, 2, rng=np.random.default_rng(0), gain=0.5)
    >>> h = rnn.step(np.zeros(4), np.ones(2))
    >>> np.allclose(rnn.jacobian(np.zeros(4), np.ones(2)), (1 - h**2)[:, None] * rnn.W)
    True
    """

    W: Array
    b: Array
    U: Array | None = None
    nonlinearity: Literal["tanh", "relu"] = "tanh"
    gate_count = 1

    def __post_init__(self) -> None:
        _check_cell(1, self.W, self.U, b=self.b)
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {self.nonlinearity!r}")

    @classmethod
    def from_torch(cls, module: torch.nn.Module, layer: int = 0) -> RNNParameters:
        """Weights of ``nn.RNNCell`` or of layer ``layer`` of ``nn.RNN``."""
        p = _torch_layer(module, layer, "RNN")
        b = p["b_ih"] + p["b_hh"] if p["b_ih"] is not None else torch.zeros_like(p["W"][:, 0])
        return cls(W=p["W"], b=b, U=p["U"], nonlinearity=module.nonlinearity)

    @classmethod
    def random(cls, n: int, m: int = 0, *, rng: np.random.Generator, gain: float = 1.0,
               input_scale: float = 1.0, nonlinearity: Literal["tanh", "relu"] = "tanh"
               ) -> RNNParameters:
        """Float64 weights of the random network ``h⁺ = φ(g W h + U x)`` (no bias).

        ``W`` has independent N(0, 1/n) entries and is multiplied by the gain ``g``: for large n, the
        autonomous tanh network is stable for g < 1 and chaotic for g > 1 (Sompolinsky et al. 1988).
        ``U`` has N(0, input_scale²/m) entries.
        """
        W = gain * rng.normal(0.0, 1 / np.sqrt(n), (n, n))
        U = rng.normal(0.0, input_scale / np.sqrt(m), (n, m)) if m else None
        return cls(W=W, b=np.zeros(n), U=U, nonlinearity=nonlinearity)

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def to_module(self, dtype: torch.dtype = torch.float64) -> torch.nn.RNN:
        """An equivalent single-layer ``nn.RNN`` (``batch_first=True``) in ``dtype``."""
        if self.U is None:
            raise ValueError("a torch.nn.RNN needs input weights U")
        module = torch.nn.RNN(self.U.shape[1], self.n, nonlinearity=self.nonlinearity, batch_first=True)
        module = module.to(dtype)  # before the copy, so that float64 weights are not rounded to float32
        with torch.no_grad():
            for name, value in (("weight_hh_l0", self.W), ("weight_ih_l0", self.U), ("bias_ih_l0", self.b)):
                getattr(module, name).copy_(torch.as_tensor(value))
            module.bias_hh_l0.zero_()
        return module

    def linearise(self, h: Array, x: Array | None = None, *, c: Array | None = None) -> Linearisation:
        """One step ``h⁺ = φ(a)``, ``a = W h + U x + b``, and the row scale φ'(a) of ``∂h⁺/∂h = diag(φ'(a)) W``
        and ``∂h⁺/∂x = diag(φ'(a)) U`` (``c`` is not used)."""
        a = _affine(self.W, h, self.b, self.U, x)
        if self.nonlinearity == "tanh":
            h_next = tanh(a)
            derivative = 1 - h_next**2
        else:
            h_next, derivative = relu(a), _relu_derivative(a)
        S = derivative[..., None, :]
        return Linearisation(h=h_next, S_h=S, S_hx=S)
