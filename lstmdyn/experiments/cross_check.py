"""Chapter: *Equilibria through training* (``notebooks/equilibria_training.py``), section "Both tools on one
network".

The two papers' tools meet at a stable equilibrium of the autonomous LSTM: along a trajectory that converges to
it, the Jacobians of the map converge to the linearisation J* there, so the Lyapunov exponents of the (c, h)
map (Vogt et al.'s QR algorithm, :func:`lstmdyn.lyapunov.map_spectrum`) equal log |λ_i(J*)|, the log-moduli of the
eigenvalues Amrouche et al. read the stability from.
"""

from __future__ import annotations

import numpy as np

from lstmdyn.equilibria import AutonomousLSTM, Equilibrium
from lstmdyn.lyapunov import map_spectrum

__all__ = ["exponents_at_equilibrium"]


def exponents_at_equilibrium(lstm: AutonomousLSTM, equilibrium: Equilibrium, *, steps: int = 2000,
                             warmup: int = 500, kick: float = 1e-3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The Lyapunov exponents of ``lstm``'s autonomous map along a trajectory started ``kick`` away from a
    stable ``equilibrium``, and the log-moduli of the eigenvalues of its linearisation; both sorted in
    descending order (natural log per step).

    Raises
    ------
    ValueError
        If the equilibrium did not converge or is not stable: a trajectory would not converge to it.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibrium
    >>> lstm = AutonomousLSTM.random(6, rng=np.random.default_rng(0))
    >>> exponents, log_moduli = exponents_at_equilibrium(lstm, find_equilibrium(lstm))
    >>> bool(np.abs(exponents - log_moduli).max() < 1e-2)
    True
    """
    if not (equilibrium.converged and equilibrium.stable):
        raise ValueError(f"the equilibrium must be converged and stable (status {equilibrium.status!r}, "
                         f"spectral radius {equilibrium.spectral_radius:.3f})")
    n = lstm.n
    direction = np.random.default_rng(seed).normal(size=2 * n)
    start = equilibrium.x + kick * direction / np.linalg.norm(direction)
    exponents = map_spectrum(lstm.Phi, lambda x: lstm.jacobian(x[:n], x[n:]), start, steps, warmup=warmup)
    log_moduli = np.sort(np.log(np.abs(equilibrium.eigenvalues)))[::-1]
    return np.sort(exponents)[::-1], log_moduli
