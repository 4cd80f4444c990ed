"""Numerical continuation: follow the zero curve of a homotopy H(x, t) = 0 from t = 0 to t = 1.

A homotopy is a smooth map H: ℝᵈ × ℝ → ℝᵈ with a known root x_s at t = 0. Where DH = [∂H/∂x, ∂H/∂t] has
full rank, its zero set near (x_s, 0) is a curve y(θ) = (x(θ), t(θ)) in ℝᵈ⁺¹, parametrised by arclength θ,
whose unit tangent spans the kernel of DH (Amrouche et al. 2019, eq. 5; Allgower & Georg 1990):

    DH(y) · dy/dθ = 0,   ‖dy/dθ‖ = 1.

The curve may turn back in t (a *turning point*, where dt/dθ changes sign); following it by arclength rather
than by t passes such points. Two ways to follow it:

- :func:`follow_path`: an Euler predictor along the tangent, a chord-Newton corrector on the hyperplane
  through the prediction orthogonal to the previous tangent, adaptive steps, and an end game that lands on
  t = 1 by Newton in x;
- :func:`follow_path_ode`: the ODE above integrated by an adaptive Runge–Kutta method (the paper's
  formulation), with the same end game.

Both orient the tangent by continuity with the previous one (``[DH; τ_prevᵀ] τ = e_last``), count turning
points on accepted points only, and end as ``"reached"`` (t = 1), ``"returned"`` (back through t = 0),
``"diverged"``, ``"max_steps"`` or ``"singular"``. Everything is float64. A homotopy is any subclass of
:class:`Homotopy`; :mod:`lstmdyn.equilibria` defines the two that lead to the equilibria of an LSTM.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.linalg as sl
from scipy.integrate import RK45
from scipy.optimize import brentq

__all__ = ["CallableHomotopy", "Homotopy", "HomotopyPath", "PathEnd", "follow_path", "follow_path_ode",
           "next_step_length", "solve_if_regular"]


class Homotopy:
    """A homotopy H(x, t) with a root ``start`` at t = 0; subclasses define ``_value`` and ``_derivatives``.

    A start moved away from the natural one (a retry after a singular Jacobian, Amrouche et al. section 3)
    is handled by ``H_e(x, t) = H(x, t) − (1 − t) H(x_s, 0)``: the same target at t = 1, and x_s is a root at
    t = 0.

    Examples
    --------
    The unit circle x² + t² = 1 from (x, t) = (1, 0), shifted to start at x = 1.1:

    >>> class Circle(Homotopy):
    ...     def _value(self, x, t):
    ...         return x**2 + t**2 - 1
    ...     def _derivatives(self, x, t):
    ...         return self._value(x, t), np.diag(2 * x), 2 * np.array([t])
    >>> H = Circle(np.array([1.1]))
    >>> H.value(np.array([1.1]), 0.0), H.value(np.array([0.0]), 1.0)
    (array([0.]), array([0.]))
    """

    name = "homotopy"

    def __init__(self, start: np.ndarray) -> None:
        self.start = np.asarray(start, dtype=np.float64)
        self.offset = np.zeros_like(self.start)
        self.offset = self._value(self.start, 0.0)

    def value(self, x: np.ndarray, t: float) -> np.ndarray:
        """H(x, t)."""
        return self._value(x, t) - (1 - t) * self.offset

    def derivatives(self, x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(H, ∂H/∂x, ∂H/∂t)`` at ``(x, t)``."""
        H, H_x, H_t = self._derivatives(x, t)
        return H - (1 - t) * self.offset, H_x, H_t + self.offset

    def to_state(self, x: np.ndarray) -> np.ndarray:
        """The solution a point x of the homotopy stands for (x itself unless the homotopy shifts it)."""
        return x

    def parts(self, x: np.ndarray) -> dict[str, float]:
        """Named norms of parts of x that a :class:`HomotopyPath` records at every point (none by default)."""
        return {}

    def _value(self, x: np.ndarray, t: float) -> np.ndarray:
        raise NotImplementedError

    def _derivatives(self, x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError


class CallableHomotopy(Homotopy):
    """A homotopy given by a function ``derivatives(x, t) → (H, ∂H/∂x, ∂H/∂t)`` and a root ``start`` at t = 0.

    Examples
    --------
    The parabola t = x² − 1 from x = 1 at t = 0 to x = √2 at t = 1:

    >>> H = CallableHomotopy(lambda x, t: (x**2 - 1 - t, np.diag(2 * x), np.array([-1.0])), np.array([1.0]))
    >>> end = follow_path(H)
    >>> end.status, bool(abs(end.x[0] - np.sqrt(2)) < 1e-10)
    ('reached', True)
    """

    name = "callable"

    def __init__(self, derivatives, start: np.ndarray) -> None:
        self._function = derivatives
        super().__init__(start)

    def _value(self, x, t):
        return self._function(x, t)[0]

    def _derivatives(self, x, t):
        return self._function(x, t)


@dataclass
class HomotopyPath:
    """The followed curve at every accepted point: t, arclength s, ‖x‖ and the homotopy's named ``parts``
    (:meth:`Homotopy.parts`, say ‖c‖ and ‖h‖ of an LSTM state), and the (s, t) where t turned back.

    Examples
    --------
    >>> H = CallableHomotopy(lambda x, t: (x**2 - 1 - t, np.diag(2 * x), np.array([-1.0])), np.array([1.0]))
    >>> path = follow_path(H).path
    >>> path.t[0], path.t[-1], path.turning_points
    (0.0, 1.0, [])
    """

    t: list[float] = field(default_factory=list)
    s: list[float] = field(default_factory=list)
    norm: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)
    turning_points: list[tuple[float, float]] = field(default_factory=list)  # (s, t)
    min_abs_dt: float = np.inf  # min |dt/dθ| of the unit tangent along the path

    def add(self, y: np.ndarray, s: float, parts: dict[str, float]) -> None:
        """Record the point ``y = (x, t)`` at arclength ``s``, with the named norms ``parts`` of x."""
        self.t.append(float(y[-1]))
        self.s.append(s)
        self.norm.append(float(np.linalg.norm(y[:-1])))
        for name, value in parts.items():
            self.parts.setdefault(name, []).append(value)


@dataclass
class PathEnd:
    """Where :func:`follow_path` or :func:`follow_path_ode` stopped: the last x (the solution at t = 1 if
    ``status == "reached"``), the status, the steps taken and the :class:`HomotopyPath`.

    Examples
    --------
    >>> H = CallableHomotopy(lambda x, t: (x**2 - 1 - t, np.diag(2 * x), np.array([-1.0])), np.array([1.0]))
    >>> end = follow_path(H)
    >>> end.status, end.x.shape
    ('reached', (1,))
    """

    x: np.ndarray
    status: Literal["reached", "returned", "diverged", "max_steps", "singular"]
    steps: int
    path: HomotopyPath


def _record(path: HomotopyPath, H: Homotopy, y: np.ndarray, s: float) -> None:
    path.add(y, s, H.parts(y[:-1]))


class _Singular(Exception):
    pass


def _bordered(H: Homotopy, y: np.ndarray, border: np.ndarray):
    """LU factors of ``[DH(y); borderᵀ]`` and H(y); raises _Singular if the matrix is singular."""
    value, H_x, H_t = H.derivatives(y[:-1], y[-1])
    B = np.empty((len(y), len(y)))
    B[:-1, :-1], B[:-1, -1], B[-1] = H_x, H_t, border
    with warnings.catch_warnings():  # an exactly zero pivot is reported below, as any near-singular matrix
        warnings.simplefilter("ignore", sl.LinAlgWarning)
        lu, piv = sl.lu_factor(B, check_finite=False)
    d = np.abs(np.diag(lu))
    if not np.all(np.isfinite(lu)) or d.min() <= 1e-13 * d.max():
        raise _Singular
    return (lu, piv), value


def _tangent(lu, previous: np.ndarray) -> np.ndarray:
    """The unit tangent solving ``[DH; previousᵀ] τ = e_last``: in ker DH, with τ·previous > 0."""
    e = np.zeros(len(previous))
    e[-1] = 1.0
    tau = sl.lu_solve(lu, e, check_finite=False)
    return tau / np.linalg.norm(tau)


def solve_if_regular(A: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``A⁻¹ b``, or None if ``A`` is singular or too ill-conditioned to trust (LAPACK warns).

    Examples
    --------
    >>> solve_if_regular(np.diag([2.0, 4.0]), np.ones(2)), solve_if_regular(np.zeros((2, 2)), np.ones(2))
    (array([0.5 , 0.25]), None)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", sl.LinAlgWarning)
        try:
            return sl.solve(A, b, check_finite=False)
        except (sl.LinAlgError, sl.LinAlgWarning, ValueError):
            return None


def follow_path(H: Homotopy, *, h0: float = 0.1, h_max: float = 0.5, h_min: float = 1e-9,
                max_steps: int = 5000, tol: float = 1e-7, max_norm: float = 1e4,
                nominal: tuple[float, float, float] = (0.05, 0.2, 0.15),
                orientation: Literal["continuity", "increasing_t"] = "continuity") -> PathEnd:
    """Follow the zero curve of ``H`` from ``(H.start, 0)`` to t = 1 by predictor–corrector continuation.

    Euler predictor ``y + h τ``; chord-Newton corrector with the factors of ``[DH(y); τ_prevᵀ]`` on the
    hyperplane through the prediction orthogonal to ``τ_prev``; step length adapted from the corrector's
    first step, its contraction and the angle between tangents against their ``nominal`` values
    (:func:`next_step_length`; Allgower & Georg 1990, ch. 6). The tangent is oriented by continuity, so
    turning points are passed; ``orientation="increasing_t"`` forces dt/dθ > 0 instead, as the paper's
    solver does, for comparison. Once an accepted step crosses t = 1, the point where the secant crosses it
    is corrected by Newton in x at t = 1 (the end game).

    Steps are at most ``h_max·(1 + ‖y‖)`` long, so that a path escaping to infinity leaves the ball
    ``‖x‖ ≤ max_norm`` quickly (``status == "diverged"``); a path that turns back through t = 0 ends
    there (``status == "returned"``). Returns the end point in homotopy coordinates (the solution at t = 1
    if ``status == "reached"``).

    Parameters
    ----------
    H : Homotopy
        The homotopy; the path starts at ``(H.start, 0)``.
    h0 : float
        The first step length (arclength).
    h_max, h_min : float
        The longest step (times ``1 + ‖y‖``) and the shortest before the path is given up (``"stalled"``).
    max_steps : int
        Accepted and rejected steps before the path is given up (``"max_steps"``).
    tol : float
        The corrector's tolerance on ``‖H‖`` (and of the end game's Newton).
    max_norm : float
        A path with ``‖x‖`` beyond it has diverged.
    nominal : (float, float, float)
        The nominal first corrector step, contraction and angle between tangents that the step length aims at.
    orientation : {"continuity", "increasing_t"}
        How the tangent is oriented: by continuity with the last one (passes turning points), or forced to
        dt/dθ > 0 (the paper's solver).

    Returns
    -------
    PathEnd
        The end point (the solution at t = 1 where ``status == "reached"``), the status, the steps and the
        :class:`HomotopyPath` travelled.

    Examples
    --------
    The cubic fold t = (x³ − 3x + 3)/6 turns back in t twice, at x = −1 and x = 1, on its way from t = 0 to
    t = 1:

    >>> cubic = lambda x, t: ((x**3 - 3 * x + 3) / 6 - t, np.diag((x**2 - 1) / 2), np.array([-1.0]))
    >>> end = follow_path(CallableHomotopy(cubic, np.array([-2.1038034027355366])))
    >>> end.status, len(end.path.turning_points), np.round(end.x, 6)
    ('reached', 2, array([2.103803]))
    """
    if orientation not in ("continuity", "increasing_t"):
        raise ValueError(f"orientation must be 'continuity' or 'increasing_t', got {orientation!r}")
    y = np.append(H.start, 0.0)
    path = HomotopyPath()
    tau_prev = np.zeros(len(y))
    tau_prev[-1] = 1.0  # start towards increasing t
    s, h, steps, rejected = 0.0, h0, 0, False
    try:
        lu, _ = _bordered(H, y, tau_prev)
    except _Singular:
        return PathEnd(H.start, "singular", 0, path)
    tau = _tangent(lu, tau_prev)
    _record(path, H, y, s)
    while steps < max_steps:
        steps += 1
        accepted = _predict_and_correct(H, y, tau, tau_prev, lu, h, tol)
        landed = None
        if accepted is not None and accepted[0][-1] >= 1.0 > y[-1]:  # the end game
            y_new = accepted[0]
            secant = y + (1.0 - y[-1]) / (y_new[-1] - y[-1]) * (y_new - y)
            landed = _land_on_one(H, secant, 1e-10)
            if landed is not None:
                _record(path, H, np.append(landed, 1.0), s + float(np.linalg.norm(secant - y)))
                return PathEnd(landed, "reached", steps, path)
        if accepted is None or (landed is None and accepted[0][-1] >= 1.0 > y[-1]):
            h = next_step_length(h, None)
            rejected = True
            if h < h_min:
                return PathEnd(y[:-1], "singular", steps, path)
            continue
        y_new, tau_new, lu_new, first, contraction, angle = accepted
        if orientation == "increasing_t" and tau_new[-1] < 0:
            tau_new = -tau_new
        s += float(np.linalg.norm(y_new - y))
        if np.sign(tau_new[-1]) != np.sign(tau[-1]):
            path.turning_points.append((s, float(y_new[-1])))
        path.min_abs_dt = min(path.min_abs_dt, abs(tau_new[-1]))
        y, tau_prev, tau, lu = y_new, tau, tau_new, lu_new
        _record(path, H, y, s)
        if not np.all(np.isfinite(y)) or np.linalg.norm(y[:-1]) > max_norm:
            return PathEnd(y[:-1], "diverged", steps, path)
        if y[-1] < 0.0:
            return PathEnd(y[:-1], "returned", steps, path)
        slow = max(np.sqrt(first / nominal[0]), np.sqrt(contraction / nominal[1]), angle / nominal[2])
        h = min(h_max * (1.0 + np.linalg.norm(y)), next_step_length(h, slow, after_rejection=rejected))
        rejected = False
    return PathEnd(y[:-1], "max_steps", steps, path)


def next_step_length(h: float, slow: float | None, *, after_rejection: bool = False) -> float:
    """The step-length rule of :func:`follow_path`.

    ``slow`` is the largest ratio of the corrector's first step, its contraction and the bend of the
    tangent to their nominal values (``None`` for a rejected step, which halves ``h``). An accepted step
    divides ``h`` by ``slow``, clipped to [1/2, 2]: the step at most doubles or halves. Right after a
    rejection it may shrink but not grow.

    Examples
    --------
    >>> next_step_length(0.1, None), next_step_length(0.1, 0.25), next_step_length(0.1, 4.0)
    (0.05, 0.2, 0.05)
    >>> next_step_length(0.1, 0.25, after_rejection=True), next_step_length(0.1, 1.6, after_rejection=True)
    (0.1, 0.0625)
    """
    if slow is None:
        return 0.5 * h
    return h / min(max(slow, 1.0 if after_rejection else 0.5), 2.0)


def _predict_and_correct(H: Homotopy, y, tau, tau_prev, lu, h: float, tol: float):
    """One predictor–corrector step of length ``h``, or None if it must be rejected.

    Returns ``(y_new, τ_new, factors at y_new, first corrector step, contraction, angle τ→τ_new)``.
    """
    corrected = _correct(H, lu, tau_prev, y + h * tau, tol)
    if corrected is None:
        return None
    y_new, first, contraction = corrected
    try:
        lu_new, _ = _bordered(H, y_new, tau)
    except _Singular:
        return None
    tau_new = _tangent(lu_new, tau)
    angle = float(np.arccos(np.clip(tau_new @ tau, -1.0, 1.0)))
    if angle > 0.5:  # too sharp a bend for this step length
        return None
    return y_new, tau_new, lu_new, first, contraction, angle


def _correct(H: Homotopy, lu, border: np.ndarray, y_p: np.ndarray, tol: float, max_iter: int = 6):
    """Chord-Newton from the prediction ``y_p`` on the hyperplane ``borderᵀ(y − y_p) = 0``.

    Returns ``(y, first step length, contraction rate)`` or None if the iteration does not contract.
    """
    y = y_p.copy()
    r = np.empty(len(y))
    previous, first, contraction = np.inf, 0.0, 0.0
    for k in range(max_iter):
        r[:-1] = H.value(y[:-1], y[-1])
        r[-1] = border @ (y - y_p)
        delta = sl.lu_solve(lu, -r, check_finite=False)
        y += delta
        size = np.linalg.norm(delta)
        if not np.isfinite(size) or size > 0.5 * previous:
            return None
        if k == 0:
            first = size
        elif k == 1:
            contraction = size / max(first, 1e-300)
        if size <= tol * (1.0 + np.linalg.norm(y)):
            return y, first, contraction
        previous = size
    return None


def _land_on_one(H: Homotopy, y: np.ndarray, tol: float) -> np.ndarray | None:
    """Newton in x at t = 1 from the prediction ``y`` (its last entry is 1); None if it fails."""
    x = y[:-1].copy()
    previous = np.inf
    for _ in range(12):
        value, H_x, _ = H.derivatives(x, 1.0)
        delta = solve_if_regular(H_x, -value)
        if delta is None:
            return None
        x += delta
        size = np.linalg.norm(delta)
        if not np.isfinite(size) or size > 0.7 * previous:
            return None
        if size <= tol * (1.0 + np.linalg.norm(x)):
            return x
        previous = size
    return None


class _TooManySteps(Exception):
    pass


def _t_minus_one(theta: float, dense) -> float:
    return dense(theta)[-1] - 1.0


def follow_path_ode(H: Homotopy, *, rtol: float = 1e-8, atol: float = 1e-10, max_arclength: float = 1e4,
                    max_steps: int = 20000) -> PathEnd:
    """The paper's formulation: integrate the unit tangent ``dy/dθ`` of eq. (5) with an adaptive
    Runge–Kutta method (scipy's ``RK45``), one accepted step at a time.

    The tangent is the kernel of DH, oriented by continuity with the tangent at the last *accepted* point
    (the stages of a rejected step do not count), and turning points are counted between accepted points.
    Integration stops when t reaches 1, located on the step's dense output, and the point is then corrected
    with Newton at t = 1. ``max_steps`` bounds the number of tangent evaluations.

    Parameters
    ----------
    H : Homotopy
        The homotopy; the path starts at ``(H.start, 0)``.
    rtol, atol : float
        The integrator's relative and absolute tolerances.
    max_arclength : float
        The arclength after which the path is given up.
    max_steps : int
        Tangent evaluations after which the path is given up.

    Returns
    -------
    PathEnd
        As :func:`follow_path`'s.

    Examples
    --------
    >>> cubic = lambda x, t: ((x**3 - 3 * x + 3) / 6 - t, np.diag((x**2 - 1) / 2), np.array([-1.0]))
    >>> end = follow_path_ode(CallableHomotopy(cubic, np.array([-2.1038034027355366])))
    >>> end.status, len(end.path.turning_points), np.round(end.x, 6)
    ('reached', 2, array([2.103803]))
    """
    y0 = np.append(H.start, 0.0)
    path = HomotopyPath()
    accepted_tangent = np.zeros(len(y0))
    accepted_tangent[-1] = 1.0
    evaluations = 0

    def rhs(_theta, y):
        nonlocal evaluations
        evaluations += 1
        if evaluations > max_steps:
            raise _TooManySteps
        lu, _ = _bordered(H, y, accepted_tangent)
        return _tangent(lu, accepted_tangent)

    try:
        solver = RK45(rhs, 0.0, y0, max_arclength, rtol=rtol, atol=atol)
        _record(path, H, y0, 0.0)
        while solver.status == "running":
            y_before = solver.y
            solver.step()
            if solver.status == "failed":
                return PathEnd(solver.y[:-1], "singular", evaluations, path)
            tangent = rhs(solver.t, solver.y)
            if np.sign(tangent[-1]) != np.sign(accepted_tangent[-1]):
                path.turning_points.append((float(solver.t), float(solver.y[-1])))
            accepted_tangent = tangent
            path.min_abs_dt = min(path.min_abs_dt, abs(tangent[-1]))
            if solver.y[-1] >= 1.0 > y_before[-1]:
                within = solver.dense_output()
                theta = brentq(_t_minus_one, solver.t_old, solver.t, args=(within,), xtol=1e-14)
                y_one = within(theta)
                _record(path, H, y_one, float(theta))
                landed = _land_on_one(H, y_one, 1e-10)
                if landed is None:
                    return PathEnd(y_one[:-1], "singular", evaluations, path)
                return PathEnd(landed, "reached", evaluations, path)
            _record(path, H, solver.y, float(solver.t))
            if solver.y[-1] < 0.0:
                return PathEnd(solver.y[:-1], "returned", evaluations, path)
    except _Singular:
        return PathEnd(H.start if not path.t else solver.y[:-1], "singular", evaluations, path)
    except _TooManySteps:
        return PathEnd(H.start if not path.t else solver.y[:-1], "max_steps", evaluations, path)
    return PathEnd(solver.y[:-1], "max_steps", evaluations, path)


