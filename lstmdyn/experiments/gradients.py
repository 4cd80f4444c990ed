"""Chapter: *The LSTM model* (``notebooks/lstm_model.py``).

Vanishing and exploding gradients as norms of products of Jacobians.

Backpropagation through time multiplies the error at step t by ``∂s_t/∂s_0 = J_t J_{t-1} ⋯ J_1``, the product
of the Jacobians of the state update along the trajectory (Bengio et al. 1994; Pascanu et al. 2013). Its norm
shrinks or grows roughly exponentially in t: the gradient vanishes or explodes.
"""

from __future__ import annotations

import numpy as np

from lstmdyn.cells import GRUParameters, LSTMParameters, RNNParameters
from lstmdyn.words import join_words

__all__ = ["jacobian_product_norms", "trajectory_jacobians", "trend", "vanishing_sentence"]


def trajectory_jacobians(cell: LSTMParameters | GRUParameters | RNNParameters,
                         inputs: np.ndarray) -> np.ndarray:
    """Jacobians ``J_t = ∂s_t/∂s_{t-1}`` along the trajectory that starts from the zero state.

    Parameters
    ----------
    cell
        Float64 numpy parameters of one layer. For an LSTM the state is ``s = (c, h)`` and ``J_t`` the full
        2n×2n Jacobian; for a GRU or a vanilla RNN it is ``h``.
    inputs : (..., T, m) array
        Input sequences, batched over the leading dimensions.

    Returns
    -------
    (..., T, N, N) array
        ``J_1 … J_T``, with N = 2n for an LSTM and n otherwise.
    """
    batch, T = inputs.shape[:-2], inputs.shape[-2]
    h = np.zeros((*batch, cell.n))
    c = np.zeros_like(h)
    jacobians = []
    for t in range(T):
        x = inputs[..., t, :]
        if isinstance(cell, LSTMParameters):
            jacobians.append(cell.jacobian(c, h, x).dense())
            c, h = cell.step(c, h, x)
        else:
            jacobians.append(cell.jacobian(h, x))
            h = cell.step(h, x)
    return np.stack(jacobians, axis=-3)


def jacobian_product_norms(jacobians: np.ndarray) -> np.ndarray:
    """Spectral norms ``‖J_t ⋯ J_1‖₂`` for t = 1..T, from Jacobians of shape ``(..., T, N, N)``.

    The running product is renormalised at every step and its scale kept as a logarithm, so that
    products far below or above the floating-point range are measured exactly.
    """
    T, N = jacobians.shape[-3], jacobians.shape[-1]
    P = np.broadcast_to(np.eye(N), (*jacobians.shape[:-3], N, N))
    log_scale = np.zeros(jacobians.shape[:-3])
    log_norms = np.empty((*jacobians.shape[:-3], T))
    for t in range(T):
        P = jacobians[..., t, :, :] @ P
        norm = np.linalg.norm(P, ord=2, axis=(-2, -1))
        with np.errstate(divide="ignore"):  # a product that reaches zero (a dead ReLU) stays at zero
            log_scale = log_scale + np.log(norm)
        log_norms[..., t] = log_scale
        P = P / np.where(norm > 0, norm, 1.0)[..., None, None]
    return np.exp(log_norms)


def trend(rate: float, tol: float = 0.01) -> str:
    """A norm that changes by the factor ``e^rate`` per step, in words (``tol``: rates closer to zero count as
    constant).

    Examples
    --------
    >>> trend(-1.35), trend(0.057)
    ('shrinks by a factor 0.26 per step', 'grows by a factor 1.06 per step')
    >>> trend(0.004)
    'stays nearly constant (a factor 1.004 per step)'
    """
    if rate < -tol:
        return f"shrinks by a factor {np.exp(rate):.2g} per step"
    if rate > tol:
        return f"grows by a factor {np.exp(rate):.3g} per step"
    return f"stays nearly constant (a factor {np.exp(rate):.4g} per step)"


def vanishing_sentence(gains: list[float], rates: list[float], tol: float = 0.01) -> str:
    """Where along ``gains`` the gradient vanishes (median rate below ``-tol``) and where it explodes.

    Examples
    --------
    >>> vanishing_sentence([0.5, 1.0, 2.0, 4.0], [-1.3, -0.6, 0.05, 0.9])
    'the gradient vanishes for g ≤ 1 and explodes for g ≥ 2, so the slope changes sign between g = 1 and g = 2'
    >>> vanishing_sentence([0.8, 1.2], [-0.6, -0.2])
    'the gradient vanishes at every gain shown, up to g = 1.2: none of these networks makes it grow'
    """
    vanish = [g for g, r in zip(gains, rates, strict=True) if r < -tol]
    explode = [g for g, r in zip(gains, rates, strict=True) if r > tol]
    if len(vanish) == len(gains):
        return (f"the gradient vanishes at every gain shown, up to g = {max(gains):g}: "
                "none of these networks makes it grow")
    if len(explode) == len(gains):
        return f"the gradient explodes at every gain shown, down to g = {min(gains):g}"
    parts = []
    if vanish:
        parts.append(f"vanishes for g ≤ {max(vanish):g}")
    flat = [f"{g:g}" for g in gains if g not in vanish and g not in explode]
    if flat:
        parts.append(f"stays nearly constant at g = {join_words(flat)}")
    if explode:
        parts.append(f"explodes for g ≥ {min(explode):g}")
    crossing = (f", so the slope changes sign between g = {max(vanish):g} and g = {min(explode):g}"
                if vanish and explode else "")
    return "the gradient " + join_words(parts, clauses=len(parts) > 2 or len(flat) > 1) + crossing
