"""Equilibria of the autonomous LSTM by homotopy continuation (Amrouche et al. 2019).

The autonomous LSTM (paper eq. 1) is the map Φ: (c, h) → (c⁺, h⁺),

    c⁺ = σ(W_f h + b_f) ⊙ c + σ(W_i h + b_i) ⊙ tanh(W_g h + b_g),
    h⁺ = σ(W_o h + b_o) ⊙ tanh(c⁺),

and an equilibrium is a fixed point x = Φ(x) of the state x = (c, h). Two homotopies lead to one:

- the **paper's** (eqs. 2–3): shift h = q + q_c with W_g q_c + b_g = 0, write the shifted map as
  x⁺ = F(x) + x_c with F(0) = 0, and follow H(t, x) = x − F(x) − t·x_c from (t, x) = (0, 0) to t = 1;
- the **fixed-point (convex) homotopy** of Garcia & Zangwill, H(t, x) = x − t·Φ(x) − (1 − t)·x0, from the
  state x0 at t = 0. Since Φ maps into a bounded set, so do its solutions for t ∈ [0, 1]: the default.

Both zero sets are curves in (x, t), followed by the continuation engine of :mod:`lstmdyn.continuation`
(predictor–corrector or the paper's ODE, turning points passed, an end game that lands on t = 1); the point
reached is polished by Newton's method on Φ(x) = x. Everything is float64.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from lstmdyn.cells import LSTMParameters
from lstmdyn.continuation import Homotopy, HomotopyPath, follow_path, follow_path_ode, solve_if_regular

__all__ = ["AutonomousLSTM", "ConvexHomotopy", "Equilibria", "Equilibrium", "PaperHomotopy", "continue_equilibrium",
           "find_equilibria", "find_equilibrium", "iterate_map", "newton"]

RESIDUAL_TOLERANCE = 1e-9  # an equilibrium is reported as converged only below this ‖Φ(x) − x‖


# --------------------------------------------------------------------------------------------------
# The model


class AutonomousLSTM:
    """The LSTM without input, eq. (1) of Amrouche et al., in float64.

    Parameters
    ----------
    W_f, W_i, W_g, W_o : (n, n) arrays or tensors
        Recurrent weights of the forget, input, candidate and output gates.
    b_f, b_i, b_g, b_o : (n,) arrays or tensors
        Their biases.

    Raises
    ------
    ValueError
        Naming the offending array, if a shape is wrong or a value is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> n = 3
    >>> weights = {f"W_{k}": np.eye(n) for k in "figo"}
    >>> lstm = AutonomousLSTM(**weights, **{f"b_{k}": np.zeros(n) for k in "figo"})
    >>> lstm.n
    3
    """

    def __init__(self, *, W_f, W_i, W_g, W_o, b_f, b_i, b_g, b_o) -> None:
        arrays = {"W_f": W_f, "W_i": W_i, "W_g": W_g, "W_o": W_o, "b_f": b_f, "b_i": b_i, "b_g": b_g,
                  "b_o": b_o}
        arrays = {k: (v.detach().cpu().double().numpy() if isinstance(v, torch.Tensor)
                      else np.asarray(v, dtype=np.float64)) for k, v in arrays.items()}
        if arrays["W_f"].ndim != 2 or arrays["W_f"].shape[0] != arrays["W_f"].shape[1]:
            raise ValueError(f"W_f must be a square (n, n) matrix, got shape {arrays['W_f'].shape}")
        n = arrays["W_f"].shape[0]
        for name, a in arrays.items():
            shape = (n, n) if name.startswith("W") else (n,)
            if a.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains non-finite values")
        self.cell = LSTMParameters(W=np.concatenate([arrays[f"W_{k}"] for k in "ifgo"]),
                                   b=np.concatenate([arrays[f"b_{k}"] for k in "ifgo"]))

    @classmethod
    def from_parameters(cls, cell: LSTMParameters) -> AutonomousLSTM:
        """The autonomous map of an LSTM layer: its input weights are dropped."""
        cell = cell.as_numpy()
        blocks = {k: cell.block(k) for k in "ifgo"}
        return cls(**{f"W_{k}": W for k, (W, _, _) in blocks.items()},
                   **{f"b_{k}": b for k, (_, _, b) in blocks.items()})

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> AutonomousLSTM:
        """From ``nn.LSTM`` (layer 0) or ``nn.LSTMCell``: ``weight_hh`` in gate order i, f, g, o and
        the bias ``bias_ih + bias_hh``."""
        return cls.from_parameters(LSTMParameters.from_torch(module))

    @classmethod
    def random(cls, n: int, *, rng: np.random.Generator, scale: float | None = None,
               forget_bias: float = 0.0) -> AutonomousLSTM:
        """Uniform weights on ±scale (default 1/√n, PyTorch's initialisation); see
        :meth:`LSTMParameters.random`."""
        return cls.from_parameters(LSTMParameters.random(n, rng=rng, scale=scale,
                                                         forget_bias=forget_bias))

    def with_forget_bias(self, shift: float) -> AutonomousLSTM:
        """The same map with ``shift`` added to the forget-gate bias: ``shift = -1`` gives what a solver that
        reads TensorFlow's stored ``BasicLSTMCell`` weights sees of a network trained with its run-time forget
        bias of 1.

        Examples
        --------
        >>> lstm = AutonomousLSTM.random(3, rng=np.random.default_rng(0))
        >>> bool(np.allclose(lstm.with_forget_bias(-1.0).weights("f")[1], lstm.weights("f")[1] - 1.0))
        True
        """
        blocks = {k: self.weights(k) for k in "figo"}
        return AutonomousLSTM(**{f"W_{k}": W for k, (W, _) in blocks.items()},
                              **{f"b_{k}": b + (shift if k == "f" else 0.0) for k, (_, b) in blocks.items()})

    @property
    def n(self) -> int:
        """Number of hidden units; the state (c, h) has 2n entries."""
        return self.cell.n

    def weights(self, gate: Literal["f", "i", "g", "o"]) -> tuple[np.ndarray, np.ndarray]:
        """``(W_k, b_k)`` of one gate."""
        W, _, b = self.cell.block(gate)
        return W, b

    def step(self, c: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step of eq. (1): ``(c, h) → (c⁺, h⁺)``."""
        return self.cell.step(c, h)

    def jacobian(self, c: np.ndarray, h: np.ndarray) -> np.ndarray:
        """The exact 2n×2n Jacobian of :meth:`step` in ``(c, h)`` order."""
        return self.cell.jacobian(c, h).dense()

    def Phi(self, x: np.ndarray) -> np.ndarray:
        """The map on the stacked state ``x = (c, h)``."""
        return np.concatenate(self.step(x[..., :self.n], x[..., self.n:]), axis=-1)

    def Phi_and_jacobian(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Φ(x) and its Jacobian at ``x = (c, h)``."""
        return self.Phi(x), self.jacobian(x[:self.n], x[self.n:])

    def residual(self, x: np.ndarray) -> float:
        """‖Φ(x) − x‖₂, zero at an equilibrium."""
        return float(np.linalg.norm(self.Phi(x) - x))


# --------------------------------------------------------------------------------------------------
# Homotopies: H(t, x) = 0 is a curve from a known point at t = 0 to an equilibrium at t = 1


class _LSTMHomotopy(Homotopy):
    """A homotopy whose points are LSTM states (c, h), or shifted ones: its path records ‖c‖ and ‖h‖ (for the
    paper's homotopy, ‖q‖ of the shifted q = h − q_c) at every point."""

    def __init__(self, lstm: AutonomousLSTM, start: np.ndarray) -> None:
        self.lstm = lstm
        super().__init__(start)

    def parts(self, x: np.ndarray) -> dict[str, float]:
        n = self.lstm.n
        return {"c": float(np.linalg.norm(x[:n])), "h": float(np.linalg.norm(x[n:]))}


class ConvexHomotopy(_LSTMHomotopy):
    """``H(t, x) = x − t Φ(x) − (1 − t) x0``, the fixed-point homotopy (Zangwill & Garcia 1981).

    Examples
    --------
    >>> lstm = AutonomousLSTM.random(3, rng=np.random.default_rng(0))
    >>> H = ConvexHomotopy(lstm)
    >>> bool(np.allclose(H.value(np.zeros(6), 0.0), 0))      # x0 = 0 is the root at t = 0
    True
    """

    name = "convex"

    def __init__(self, lstm: AutonomousLSTM, x0: np.ndarray | None = None,
                 perturbation: np.ndarray | None = None) -> None:
        self.x0 = np.zeros(2 * lstm.n) if x0 is None else np.asarray(x0, dtype=np.float64)
        super().__init__(lstm, self.x0 if perturbation is None else self.x0 + perturbation)

    def _value(self, x, t):
        return x - t * self.lstm.Phi(x) - (1 - t) * self.x0

    def _derivatives(self, x, t):
        Phi, J = self.lstm.Phi_and_jacobian(x)
        return x - t * Phi - (1 - t) * self.x0, np.eye(len(x)) - t * J, self.x0 - Phi


class PaperHomotopy(_LSTMHomotopy):
    """The homotopy of Amrouche et al., eqs. (2)–(3).

    With ``h = q + q_c`` and ``W_g q_c + b_g = 0`` (least squares when ``b_g`` is not in the range of
    ``W_g``), the shifted map is ``G(c, q) = Φ(c, q + q_c) − (0, q_c)``. The paper writes it as
    ``G(x) = F(x) + x_c`` with ``F(0) = 0``; here ``x_c = G(0)``, which also absorbs the least-squares
    remainder ``W_g q_c + b_g``, so that ``F(0) = 0`` holds exactly. ``H(t, x) = x − F(x) − t x_c``.

    Examples
    --------
    >>> lstm = AutonomousLSTM.random(3, rng=np.random.default_rng(0))
    >>> H = PaperHomotopy(lstm)
    >>> bool(np.allclose(H.value(np.zeros(6), 0.0), 0)), H.remainder < 1e-12   # F(0) = 0, W_g invertible
    (True, True)
    """

    name = "paper"

    def __init__(self, lstm: AutonomousLSTM, perturbation: np.ndarray | None = None) -> None:
        W_g, b_g = lstm.weights("g")
        self.q_c = np.linalg.lstsq(W_g, -b_g, rcond=None)[0]
        self.shift = np.concatenate([np.zeros(lstm.n), self.q_c])
        self.lstm = lstm
        self.x_c = self._G(np.zeros(2 * lstm.n))
        start = np.zeros(2 * lstm.n)
        super().__init__(lstm, start if perturbation is None else start + perturbation)

    @property
    def remainder(self) -> float:
        """‖W_g q_c + b_g‖: zero when ``b_g`` is in the range of ``W_g``."""
        W_g, b_g = self.lstm.weights("g")
        return float(np.linalg.norm(W_g @ self.q_c + b_g))

    def _G(self, x):
        return self.lstm.Phi(x + self.shift) - self.shift

    def _value(self, x, t):
        return x - self._G(x) + (1 - t) * self.x_c

    def _derivatives(self, x, t):
        Phi, J = self.lstm.Phi_and_jacobian(x + self.shift)
        return x - (Phi - self.shift) + (1 - t) * self.x_c, np.eye(len(x)) - J, -self.x_c

    def to_state(self, x):
        return x + self.shift


# --------------------------------------------------------------------------------------------------
# Plain methods, for comparison and for polishing


def newton(lstm: AutonomousLSTM, x0: np.ndarray, *, max_iter: int = 50, tol: float = 1e-13
           ) -> tuple[np.ndarray, bool]:
    """Newton's method on ``x − Φ(x) = 0`` from ``x0``; returns ``(x, converged)``.

    Parameters
    ----------
    lstm : AutonomousLSTM
        The autonomous map Φ.
    x0 : (2n,) array
        The start state ``(c, h)``.
    max_iter : int
        Newton steps at most.
    tol : float
        Converged once the residual ``‖x − Φ(x)‖`` is below it.

    Examples
    --------
    >>> lstm = AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3)
    >>> x, converged = newton(lstm, np.zeros(8))
    >>> converged, bool(lstm.residual(x) < 1e-12)
    (True, True)
    """
    x = np.asarray(x0, dtype=np.float64).copy()
    for _ in range(max_iter):
        if lstm.residual(x) <= tol:
            return x, True
        delta = _newton_correction(lstm, x)
        if delta is None:
            return x, False
        x = x - delta
        if not np.all(np.isfinite(x)):
            return x, False
    return x, lstm.residual(x) <= RESIDUAL_TOLERANCE


def iterate_map(lstm: AutonomousLSTM, x0: np.ndarray, steps: int) -> np.ndarray:
    """The states ``Φ(x0), Φ²(x0), …``, shape ``(steps, 2n)``.

    Examples
    --------
    >>> lstm = AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3)
    >>> states = iterate_map(lstm, np.zeros(8), 200)
    >>> states.shape, bool(lstm.residual(states[-1]) < 1e-10)   # a contraction settles on its equilibrium
    ((200, 8), True)
    """
    states = np.empty((steps, len(x0)))
    x = np.asarray(x0, dtype=np.float64)
    for k in range(steps):
        x = lstm.Phi(x)
        states[k] = x
    return states


def _newton_correction(lstm: AutonomousLSTM, x: np.ndarray) -> np.ndarray | None:
    """The Newton correction ``(I − J)⁻¹ (x − Φ(x))`` for ``x − Φ(x) = 0``, or None if I − J is singular."""
    Phi, J = lstm.Phi_and_jacobian(x)
    return solve_if_regular(np.eye(len(x)) - J, x - Phi)


def _polish(lstm: AutonomousLSTM, x: np.ndarray) -> np.ndarray:
    """A few Newton steps on Φ(x) = x, kept only while they reduce the residual."""
    best, best_residual = x, lstm.residual(x)
    for _ in range(6):
        delta = _newton_correction(lstm, best)
        if delta is None:
            break
        candidate = best - delta
        residual = lstm.residual(candidate)
        if not residual < best_residual:
            break
        best, best_residual = candidate, residual
        if residual < 1e-14:
            break
    return best


# --------------------------------------------------------------------------------------------------
# The results


@dataclass
class Equilibrium:
    """An equilibrium found by homotopy, with its linearisation and the path that led to it.

    Examples
    --------
    >>> e = find_equilibrium(AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3))
    >>> e.converged, e.stable, e.eigenvalues.shape
    (True, True, (8,))
    """

    c: np.ndarray
    h: np.ndarray
    eigenvalues: np.ndarray  #: of the 2n×2n Jacobian at (c, h), by decreasing modulus
    residual: float  #: ‖Φ(x) − x‖₂ of the original map
    status: Literal["converged", "returned", "diverged", "max_steps", "singular"]
    homotopy: str
    steps: int
    path: HomotopyPath
    seconds: float
    retries: int = 0

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    @property
    def x(self) -> np.ndarray:
        """The stacked state (c, h)."""
        return np.concatenate([self.c, self.h])

    @property
    def spectral_radius(self) -> float:
        return float(np.abs(self.eigenvalues[0])) if len(self.eigenvalues) else np.nan

    @property
    def max_real(self) -> float:
        return float(self.eigenvalues.real.max()) if len(self.eigenvalues) else np.nan

    @property
    def stable(self) -> bool | None:
        """Linearly stable: every eigenvalue inside the unit circle; None where no equilibrium was found (the
        stability is unknown)."""
        return bool(self.spectral_radius < 1.0) if len(self.eigenvalues) else None

    @property
    def turning_points(self) -> list[tuple[float, float]]:
        return self.path.turning_points

    @property
    def min_abs_dt(self) -> float:
        return self.path.min_abs_dt


def _make_homotopy(lstm: AutonomousLSTM, homotopy: str, x0: np.ndarray | None,
                   perturbation: np.ndarray | None) -> _LSTMHomotopy:
    if homotopy == "convex":
        return ConvexHomotopy(lstm, x0, perturbation)
    if homotopy == "paper":
        if x0 is not None:
            raise ValueError("the paper's homotopy always starts at the shifted origin: x0 is not used")
        return PaperHomotopy(lstm, perturbation)
    raise ValueError(f"homotopy must be 'convex' or 'paper', got {homotopy!r}")


def find_equilibrium(lstm: AutonomousLSTM, homotopy: Literal["convex", "paper"] = "convex", *,
                     x0: np.ndarray | None = None, method: Literal["pc", "ode"] = "pc",
                     retries: int = 3, epsilon: float = 1e-6, seed: int = 0, **path_options
                     ) -> Equilibrium:
    """An equilibrium of ``lstm`` by following a homotopy to t = 1, then polishing with Newton.

    Parameters
    ----------
    lstm : AutonomousLSTM
    homotopy : {"convex", "paper"}
        ``"convex"`` (default): ``H(t, x) = x − tΦ(x) − (1 − t)x0``, from ``x0`` (default: the zero state).
        ``"paper"``: eqs. (2)–(3) of Amrouche et al., from the shifted origin.
    x0 : (2n,) array, optional
        Start state (c, h) of the convex homotopy; another length or a non-finite entry is a ``ValueError``.
    method : {"pc", "ode"}
        Predictor–corrector continuation (:func:`follow_path`), or the paper's ODE (5) integrated with
        ``solve_ivp`` (:func:`follow_path_ode`).
    retries : int
        If the Jacobian is singular at the start or on the path, start again from a point moved by a
        random vector of norm ``epsilon`` (Sard's theorem, paper section 3), at most this many times.
    epsilon : float
        The norm of that move.
    seed : int
        Seeds its direction.

    Returns
    -------
    Equilibrium
        ``status == "converged"`` only if the residual ``‖Φ(x) − x‖`` of the original map is below 1e-9.

    Examples
    --------
    >>> lstm = AutonomousLSTM.random(10, rng=np.random.default_rng(0), scale=3 / np.sqrt(10))
    >>> e = find_equilibrium(lstm)
    >>> e.status, bool(e.residual < 1e-9), bool(np.allclose(lstm.Phi(e.x), e.x))
    ('converged', True, True)
    """
    if method not in ("pc", "ode"):
        raise ValueError(f"method must be 'pc' or 'ode', got {method!r}")
    if x0 is not None:
        x0 = np.asarray(x0, dtype=float)
        if x0.shape != (2 * lstm.n,):
            raise ValueError(f"x0 must be a state (c, h) of length 2n = {2 * lstm.n} for this LSTM of {lstm.n} units, "
                             f"got an array of shape {x0.shape}")
        if not np.all(np.isfinite(x0)):
            raise ValueError("x0 must be finite")
    # Matrices of a few hundred rows factorise faster on one BLAS thread than on several
    # (benchmarks/blas_threads.py measures it; the performance page shows its latest run).
    with threadpool_limits(limits=1 if lstm.n <= SINGLE_THREAD_UP_TO else None, user_api="blas"):
        return _find_equilibrium(lstm, homotopy, x0, follow_path if method == "pc" else follow_path_ode,
                                 retries, epsilon, seed, path_options)


SINGLE_THREAD_UP_TO = 256  #: hidden units up to which the linear algebra runs on one BLAS thread


def _find_equilibrium(lstm, homotopy, x0, follow, retries, epsilon, seed, path_options) -> Equilibrium:
    start_time = time.perf_counter()
    rng = np.random.default_rng(seed)
    H = _make_homotopy(lstm, homotopy, x0, None)
    end = follow(H, **path_options)
    attempts = 0
    while end.status == "singular" and attempts < retries:
        attempts += 1
        direction = rng.normal(size=2 * lstm.n)
        H = _make_homotopy(lstm, homotopy, x0, epsilon * direction / np.linalg.norm(direction))
        end = follow(H, **path_options)
    x = H.to_state(end.x)
    # wherever the path ended, a state that Φ maps to itself is an equilibrium (a path can stall within reach of
    # t = 1 where I − J is too ill-conditioned to land on it, its point already a fixed point)
    reached = end.status == "reached" or (np.all(np.isfinite(x)) and lstm.residual(x) < RESIDUAL_TOLERANCE)
    if reached:
        x = _polish(lstm, x)
    return _equilibrium(lstm, x, "converged" if reached else end.status, H.name, end.steps, end.path, start_time,
                        attempts)


def _equilibrium(lstm: AutonomousLSTM, x: np.ndarray, status: str, method: str, steps: int, path: HomotopyPath,
                 start_time: float, retries: int = 0) -> Equilibrium:
    """The :class:`Equilibrium` at ``x``: its residual, and its eigenvalues if it converged."""
    residual = lstm.residual(x) if np.all(np.isfinite(x)) else np.inf
    if status == "converged" and not residual < RESIDUAL_TOLERANCE:
        status = "singular"  # t = 1 was reached, but I − J is too ill-conditioned to polish there
    eigenvalues = np.array([])
    if status == "converged":
        eigenvalues = np.linalg.eigvals(lstm.jacobian(x[:lstm.n], x[lstm.n:]))
        eigenvalues = eigenvalues[np.argsort(-np.abs(eigenvalues), kind="stable")]
    return Equilibrium(c=x[:lstm.n], h=x[lstm.n:], eigenvalues=eigenvalues, residual=residual,
                       status=status, homotopy=method, steps=steps, path=path,
                       seconds=time.perf_counter() - start_time, retries=retries)


def continue_equilibrium(lstm: AutonomousLSTM, x0: np.ndarray, **options) -> Equilibrium:
    """The equilibrium of ``lstm`` near ``x0``, a known equilibrium of a nearby network (the previous
    checkpoint of a training run): Newton's method from ``x0``, and where it fails, the fixed-point homotopy
    from ``x0``. ``homotopy`` of the result is ``"newton"`` or ``"convex"``; ``options`` go to
    :func:`find_equilibrium`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> before = AutonomousLSTM.random(6, rng=rng)
    >>> after = AutonomousLSTM.from_parameters(LSTMParameters(W=before.cell.W + 1e-3, b=before.cell.b))
    >>> e = continue_equilibrium(after, find_equilibrium(before).x)
    >>> e.homotopy, e.converged
    ('newton', True)
    """
    start_time = time.perf_counter()
    with threadpool_limits(limits=1 if lstm.n <= SINGLE_THREAD_UP_TO else None, user_api="blas"):
        x, converged = newton(lstm, x0)
    if converged:
        return _equilibrium(lstm, x, "converged", "newton", 0, HomotopyPath(), start_time)
    return find_equilibrium(lstm, "convex", x0=x0, **options)


class Equilibria(list):
    """The equilibria :func:`find_equilibria` found, by decreasing spectral radius (a list), with every homotopy
    run in ``attempts``, so that an empty result says why (:attr:`reason`).

    Examples
    --------
    >>> found = find_equilibria(AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3), starts=2)
    >>> len(found), found.reason
    (1, '2 starts: 2 converged')
    """

    def __init__(self, found: list[Equilibrium], attempts: list[Equilibrium]) -> None:
        super().__init__(found)
        self.attempts = attempts

    @property
    def reason(self) -> str:
        """How the homotopy runs ended, as a count per status."""
        statuses = [e.status for e in self.attempts]
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in dict.fromkeys(statuses))
        return f"{len(statuses)} start{'s' if len(statuses) != 1 else ''}: {counts}"


def find_equilibria(lstm: AutonomousLSTM, starts: int = 8, *, seed: int = 0, transient: int = 50,
                    tol: float = 1e-6, **options) -> Equilibria:
    """Equilibria reached by convex homotopies from ``starts`` different states, duplicates merged.

    The start states are the zero state and ``starts − 1`` states visited by a trajectory of the LSTM
    from a random state, spread over ``transient`` steps. Each result tells whether it is ``stable``.
    Sorted by decreasing spectral radius; every run, also those that found nothing, is in ``attempts`` of the
    result.

    Parameters
    ----------
    lstm : AutonomousLSTM
        The autonomous map.
    starts : int
        Start states, the zero state first.
    seed : int
        Seeds the random state the trajectory starts from.
    transient : int
        Steps of that trajectory over which the other start states are spread.
    tol : float
        Two equilibria closer than this (in the norm of the state) are one.
    **options
        For :func:`find_equilibrium` (``max_steps``, ``method``, …).

    Raises
    ------
    ValueError
        For fewer than one start, or no transient step to take further starts from.

    Examples
    --------
    >>> lstm = AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3)
    >>> found = find_equilibria(lstm, starts=3)
    >>> len(found), found[0].stable          # a contraction has one equilibrium
    (1, True)
    """
    if starts < 1:
        raise ValueError(f"starts must be at least 1, got {starts}")
    if starts > 1 and transient < 1:
        raise ValueError(f"transient must be at least 1 to take {starts - 1} further starts from, got {transient}")
    rng = np.random.default_rng(seed)
    x_random = np.concatenate([rng.normal(size=lstm.n), rng.uniform(-1, 1, lstm.n)])
    visited = iterate_map(lstm, x_random, transient)
    picks = np.linspace(0, transient - 1, max(starts - 1, 0)).astype(int)
    found: list[Equilibrium] = []
    attempts = []
    for x0 in [np.zeros(2 * lstm.n), *visited[picks]]:
        result = find_equilibrium(lstm, "convex", x0=x0, seed=seed, **options)
        attempts.append(result)
        if result.converged and not any(
                np.linalg.norm(result.x - other.x) <= tol * (1 + np.linalg.norm(other.x))
                for other in found):
            found.append(result)
    return Equilibria(sorted(found, key=lambda e: -e.spectral_radius), attempts)
