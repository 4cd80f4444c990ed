"""CholeskyQR2 and the QR algorithm run with it as a fixed program on a device.

:func:`lstmdyn.lyapunov.lyapunov_spectrum` (``qr="cholesky"``, the default on a GPU) hands its steps to
:func:`windowed_cholesky`. One time step of the spectra of several networks is a :class:`StepProgram` over
buffers that stay in place, so that it can be captured in a CUDA graph and replayed (:class:`Replay`); the flags of
refused frames and non-finite states are raised on the device and read by the host once per window of
:data:`CHECK_EVERY` steps, and a window that raised one runs again step by step (:meth:`StepProgram.rerun`), so
that the result is that of looking after every step. :func:`cholesky_qr2` is the factorisation itself; frames too
ill-conditioned for it fall back to Householder QR.

The Householder loop and the public API stay in :mod:`lstmdyn.lyapunov`; this module is the device's engine.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

__all__ = ["CHECK_EVERY", "QRInfo", "Replay", "StepProgram", "check_logs", "cholesky_qr2", "qr_due",
           "windowed_cholesky"]

CHECK_EVERY = 10  #: steps between the host's looks at the flags of the CholeskyQR2 step (a window)


@dataclass
class QRInfo:
    """What the QR steps of one spectrum computation did (``full_output=True``).

    Attributes
    ----------
    method : {"householder", "cholesky"}
        The QR method used (``"auto"`` resolved).
    factorisations : int
        Frames re-orthonormalised: QR steps times frames per step (sequences × networks).
    fallbacks : int
        Of those, frames CholeskyQR2 refused as too ill-conditioned and Householder redid.
    graph : bool
        Whether the steps ran as replays of a captured CUDA graph.

    Examples
    --------
    >>> from lstmdyn.lyapunov import lyapunov_spectrum
    >>> rnn = torch.nn.RNN(2, 8, batch_first=True).double()
    >>> _, info = lyapunov_spectrum(rnn, torch.randn(3, 20, 2, dtype=torch.float64), qr="cholesky",
    ...                             qr_every=5, full_output=True)
    >>> info
    QRInfo(method='cholesky', factorisations=12, fallbacks=0, graph=False)
    """

    method: str
    factorisations: int = 0
    fallbacks: int = 0
    graph: bool = False


def cholesky_qr2(A: torch.Tensor, tolerance: float = 0.5) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CholeskyQR2 of a batch of tall matrices: ``A = Q R``, with ``log R_ii`` and a verdict per matrix.

    Each pass forms the Gram matrix ``G = AᵀA``, its Cholesky factor ``G = LLᵀ`` (so ``R = Lᵀ``) and
    ``A ← A R⁻¹`` by a triangular solve; the second pass, on the nearly orthonormal result of the first,
    restores orthonormality to working precision (Yamamoto et al. 2015). Everything runs in float64, whatever
    the dtype of ``A``, and ``Q`` is returned in that dtype. ``R`` of the two passes is ``R₂R₁``, so
    ``log R_ii`` is the sum of the passes' ``log L_ii``.

    A matrix is refused (``ok`` false) where either Cholesky factorisation fails or the second pass's Gram
    matrix is further than ``tolerance`` (Frobenius norm) from the identity: then the condition number of
    ``A`` exceeds about ``u^{-1/2}`` ≈ 10⁸ and the factors cannot be trusted. Refused entries hold
    garbage; the caller redoes them another way.

    Parameters
    ----------
    A : (..., m, k) tensor, m ≥ k
    tolerance : float
        Largest accepted ``‖Q₁ᵀQ₁ − I‖_F`` after the first pass.

    Returns
    -------
    Q : (..., m, k) tensor
        Orthonormal columns, in the dtype of ``A``.
    log_r : (..., k) tensor
        ``log R_ii`` (R with a positive diagonal), in the dtype of ``A``.
    ok : (...) bool tensor

    Examples
    --------
    >>> A = torch.randn(5, 6, 4, dtype=torch.float64)
    >>> Q, log_r, ok = cholesky_qr2(A)
    >>> R = torch.linalg.qr(A).R
    >>> bool(ok.all()), torch.allclose(log_r, R.diagonal(dim1=-2, dim2=-1).abs().log())
    (True, True)
    >>> torch.allclose(Q.mT @ Q, torch.eye(4, dtype=torch.float64).expand(5, 4, 4))
    True
    >>> cholesky_qr2(torch.ones(6, 4))[2]  # rank one: refused
    tensor(False)
    """
    Q = A.to(torch.float64)
    identity = torch.eye(A.shape[-1], dtype=torch.float64, device=A.device)
    log_r = torch.zeros(A.shape[:-2] + A.shape[-1:], dtype=torch.float64, device=A.device)
    ok = torch.ones(A.shape[:-2], dtype=torch.bool, device=A.device)
    for second in (False, True):
        G = Q.mT @ Q
        if second:
            ok &= torch.linalg.matrix_norm(G - identity) <= tolerance
        L, failed = torch.linalg.cholesky_ex(G)
        ok &= failed == 0
        Q = torch.linalg.solve_triangular(L.mT, Q, upper=True, left=False)
        log_r += torch.log(L.diagonal(dim1=-2, dim2=-1))
    return Q.to(A.dtype), log_r.to(A.dtype), ok


def qr_due(t: int, warmup: int, T: int, qr_every: int) -> bool:
    """Whether step ``t`` (from 0) ends with a QR: every ``qr_every`` steps, counted within the warm-up and
    within the T counted steps, and always at the last step of each."""
    s = t - warmup  # steps since the warm-up ended
    if s < 0:
        return (t + 1) % qr_every == 0 or t == warmup - 1
    return (s + 1) % qr_every == 0 or s == T - 1


def check_logs(log_diagonal: torch.Tensor, t: int) -> None:
    """Stop with the step's number where a QR step gave a NaN or +inf ``log R_ii`` (−inf is a collapsed direction)."""
    if torch.isnan(log_diagonal).any() or torch.isposinf(log_diagonal).any():
        raise FloatingPointError(f"non-finite tangent vectors at time step {t} (counting from 0)")


class StepProgram:
    """One time step of the spectra of several networks as a fixed program over buffers that stay in place:
    the input ``x`` of the step, the states, the frames ``Q`` (the first k columns of the identity at the
    start), the product ``P = J Q`` of the last step, the sums ``log_r`` of ``log R_ii``, and flags of
    refused frames and non-finite states, raised on the device and read by the host only when it asks. A
    program of this kind can be captured in a CUDA graph and replayed (:class:`Replay`).

    ``networks`` are :class:`~lstmdyn.lyapunov.NetworkDynamics` (their ``step`` gives a step's Jacobians and new
    states). Frames are numbered network by network: frame ``i·batch + b`` is sequence b of network i.
    """

    def __init__(self, networks: list, inputs: torch.Tensor, k: int, transpose: bool) -> None:
        self.networks, self.inputs, self.k, self.transpose = networks, inputs, k, transpose
        count, self.batch = inputs.shape[:2]
        first = networks[0]
        self.frames = count * self.batch
        options = {"dtype": first.dtype, "device": inputs.device}
        self.x = torch.empty_like(inputs[:, :, 0])
        self.states = [[(torch.zeros(self.batch, layer.n, **options), torch.zeros(self.batch, layer.n, **options))
                        for layer in dynamics.layers] for dynamics in networks]
        self.Q = torch.eye(first.dim, k, **options).expand(self.frames, first.dim, k).contiguous()
        self.P = torch.empty_like(self.Q)
        self.log_r = torch.zeros(self.frames, k, **options)
        self.refused = torch.zeros(self.frames, dtype=torch.bool, device=inputs.device)
        self.nonfinite = torch.zeros_like(self.refused)
        # column-major, as LAPACK wants it
        self._stacked = (torch.empty(self.frames, first.dim, first.dim, **options).mT if count > 1 else None)

    def jacobians(self) -> torch.Tensor:
        """The Jacobians of every network at its states and input ``x``; the states advance in place, and a
        sequence whose new hidden state is not finite raises its ``nonfinite`` flag."""
        jacobians = []
        for i, dynamics in enumerate(self.networks):
            J, new = dynamics.step(self.states[i], self.x[i])
            for (c, h), (c_new, h_new) in zip(self.states[i], new, strict=True):
                c.copy_(c_new)
                h.copy_(h_new)
            rows = slice(i * self.batch, (i + 1) * self.batch)
            self.nonfinite[rows] |= ~torch.isfinite(new[-1][1]).all(-1)
            jacobians.append(J)
        if self._stacked is not None:
            for i, J in enumerate(jacobians):
                self._stacked[i * self.batch:(i + 1) * self.batch] = J
            J = self._stacked
        return J.mT if self.transpose else J

    def advance(self, t: int) -> torch.Tensor:
        """``J_t`` of every frame after taking input t; a non-finite state stops with the step's number."""
        self.x.copy_(self.inputs[:, :, t])
        J = self.jacobians()
        if self.nonfinite.any():
            raise FloatingPointError(f"non-finite hidden state at time step {t} (counting from 0)")
        return J

    def step(self, qr: bool) -> None:
        """``P = J Q`` for the input in ``x``; without ``qr`` the new frame is P, with ``qr`` its CholeskyQR2,
        whose ``log R_ii`` are added to ``log_r`` for the frames it accepts; the others raise their flag and
        are left for :meth:`fix_refused`."""
        torch.matmul(self.jacobians(), self.Q, out=self.P)
        if not qr:
            self.Q.copy_(self.P)
            return
        Q, log_diagonal, ok = cholesky_qr2(self.P)
        self.Q.copy_(Q)
        self.log_r.add_(torch.where(ok[:, None], log_diagonal, 0.0))
        self.refused |= ~ok

    def fix_refused(self, t: int, info: QRInfo) -> None:
        """After a QR step: Householder QR of ``P`` for the frames CholeskyQR2 refused (counted in ``info``)."""
        refused = self.refused.nonzero().flatten()
        if len(refused):
            info.fallbacks += len(refused)
            Q, R = torch.linalg.qr(self.P[refused])
            log_diagonal = R.diagonal(dim1=-2, dim2=-1).abs().log()
            check_logs(log_diagonal, t)
            self.Q[refused] = Q
            self.log_r[refused] += log_diagonal
        self.refused.zero_()

    def snapshot(self) -> tuple:
        """Copies of the states, frames and sums, to run a window again from."""
        return ([[(c.clone(), h.clone()) for c, h in states] for states in self.states], self.Q.clone(),
                self.log_r.clone())

    def restore(self, snapshot: tuple) -> None:
        """Put back a :meth:`snapshot`; the flags come down."""
        states, Q, log_r = snapshot
        for now, then in zip(self.states, states, strict=True):
            for (c, h), (c0, h0) in zip(now, then, strict=True):
                c.copy_(c0)
                h.copy_(h0)
        self.Q.copy_(Q)
        self.log_r.copy_(log_r)
        self.refused.zero_()
        self.nonfinite.zero_()

    def rerun(self, snapshot: tuple, steps: range, due: Callable[[int], bool], info: QRInfo) -> None:
        """Run ``steps`` again from ``snapshot`` without capture, looking at the flags after every step: a
        non-finite state stops with its step's number, and refused frames are fixed at once. The same
        computations, in the same shapes, as the window that raised a flag, so that nothing else changes."""
        self.restore(snapshot)
        for t in steps:
            self.x.copy_(self.inputs[:, :, t])
            self.step(due(t))
            if self.nonfinite.any():
                raise FloatingPointError(f"non-finite hidden state at time step {t} (counting from 0)")
            self.fix_refused(t, info)


class Replay:
    """The two kinds of step of a :class:`StepProgram` (with and without QR) captured as CUDA graphs and
    replayed. Capturing needs a few steps run beforehand (they set up the libraries' handles and workspaces),
    which change the program's buffers: the caller puts them back. A ``RuntimeError`` says that a step could not
    be captured."""

    def __init__(self, program: StepProgram, kinds: tuple[bool, ...]) -> None:
        device = program.x.device
        program.x.copy_(program.inputs[:, :, 0])
        side = torch.cuda.Stream(device=device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            for _ in range(2):
                for qr in kinds:
                    program.step(qr)
        torch.cuda.current_stream(device).wait_stream(side)
        self.graphs = {}
        for qr in kinds:
            self.graphs[qr] = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graphs[qr]):
                program.step(qr)
        torch.cuda.synchronize(device)

    def __call__(self, qr: bool) -> None:
        self.graphs[qr].replay()


@contextlib.contextmanager
def _cusolver(device: torch.device) -> Iterator[None]:
    """cuSOLVER for the linear algebra on a CUDA device while the block runs (its batched Cholesky can be
    captured in a graph, and captured and uncaptured steps then use the same kernels); the setting before is
    put back."""
    if device.type != "cuda":
        yield
        return
    previous = torch.backends.cuda.preferred_linalg_library()
    torch.backends.cuda.preferred_linalg_library("cusolver")
    try:
        yield
    finally:
        torch.backends.cuda.preferred_linalg_library(previous)


def windowed_cholesky(program: StepProgram, warmup: int, qr_every: int, check_every: int, graph: bool
                       ) -> tuple[torch.Tensor, QRInfo]:
    """The QR algorithm with CholeskyQR2, the host looking at the device's flags once per window of
    ``check_every`` steps (and at the end of the warm-up and of the run) rather than at every step.

    Within a window every step runs on the device without waiting for the host: replays of a captured CUDA
    graph where ``graph`` is true. A window that raised a flag (a frame CholeskyQR2 refused, or a non-finite
    state) is run again from a snapshot taken at its start, one step at a time with a look after each
    (:meth:`StepProgram.rerun`): refused frames get Householder QR there, and a non-finite state stops with
    the number of its step, as with ``check_every=1``.
    """
    info = QRInfo("cholesky")
    with _cusolver(program.x.device):
        run = program.step
        if graph:
            start = program.snapshot()
            try:
                run, info.graph = Replay(program, (True, False) if qr_every > 1 else (True,)), True
            except RuntimeError as e:
                warnings.warn(f"the Lyapunov step could not be captured in a CUDA graph, it runs uncaptured: {e}",
                              RuntimeWarning, stacklevel=4)
            program.restore(start)  # the steps run before the capture, or before it failed
        return _windows(program, run, warmup, qr_every, check_every, info)


def _windows(program: StepProgram, run: Callable[[bool], None], warmup: int, qr_every: int, check_every: int,
             info: QRInfo) -> tuple[torch.Tensor, QRInfo]:
    """The loop of :func:`windowed_cholesky` over the steps, ``run`` taking one."""
    length = program.inputs.shape[2]
    T = length - warmup
    due = lambda t: qr_due(t, warmup, T, qr_every)  # noqa: E731
    start, snapshot = 0, program.snapshot()
    for t in range(length):
        program.x.copy_(program.inputs[:, :, t])
        run(due(t))
        info.factorisations += program.frames if due(t) else 0
        if t + 1 - start < check_every and t not in (warmup - 1, length - 1):
            continue
        if bool((program.refused | program.nonfinite).any()):
            program.rerun(snapshot, range(start, t + 1), due, info)
        if t == warmup - 1:
            program.log_r.zero_()
        start, snapshot = t + 1, program.snapshot() if t + 1 < length else None
    return torch.sort(program.log_r / T, dim=-1, descending=True).values, info
