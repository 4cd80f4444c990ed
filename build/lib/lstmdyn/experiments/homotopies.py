"""Chapter: *Equilibria by homotopy* (``notebooks/equilibria.py``).

The judgements the chapter states in words, computed from homotopy runs (:class:`lstmdyn.equilibria.Equilibrium`)
so that the page says what its own run shows at any profile or seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmdyn.equilibria import Equilibrium

__all__ = ["ClaimCheck", "check_leading_moduli", "paths_outcome", "start_outcome"]


@dataclass(frozen=True)
class ClaimCheck:
    """The leading eigenvalue moduli of an equilibrium against a value a paper states for them.

    Attributes
    ----------
    claimed, tolerance : float
        The paper's value and the distance within which a modulus counts as equal to it.
    leading : tuple of float
        The moduli the claim is about (the ``count`` largest).
    near : tuple of float
        Other moduli, among the next few, that lie within the tolerance of the claimed value.

    Examples
    --------
    >>> ClaimCheck(0.99, 0.01, (0.995, 0.987), ()).sentence()
    'Here the 2 largest moduli are 0.995 and 0.987, which **agrees** with that statement.'
    """

    claimed: float
    tolerance: float
    leading: tuple[float, ...]
    near: tuple[float, ...]

    @property
    def agrees(self) -> bool:
        """Whether every leading modulus lies within the tolerance of the claimed value."""
        return all(abs(m - self.claimed) <= self.tolerance for m in self.leading)

    def sentence(self) -> str:
        """The comparison in words, as the page states it."""
        shown = " and ".join(f"{m:.3f}" for m in self.leading)
        verdict = ("**agrees** with that statement." if self.agrees else "**does not agree** with that statement"
                   + (f" (the next largest, {' and '.join(f'{m:.3f}' for m in self.near)}, are the ones near "
                      f"{self.claimed:g})" if self.near else "") + ".")
        return f"Here the {len(self.leading)} largest moduli are {shown}, which {verdict}"


def check_leading_moduli(eigenvalues: np.ndarray, claimed: float, *, count: int = 2, tolerance: float = 0.01,
                         look_further: int = 4) -> ClaimCheck:
    """Compare the ``count`` largest eigenvalue moduli with a claimed value.

    Amrouche et al. (section 4.2) state that at the equilibrium of their PTB network "two eigenvalues have a
    magnitude of ∼0.99" as the largest; with ``claimed=0.99, count=2`` this checks that statement.

    Examples
    --------
    >>> check_leading_moduli(np.array([0.995, -0.987, 0.5]), 0.99).agrees
    True
    >>> c = check_leading_moduli(np.array([1.19, 1.19, 0.99, 0.984, 0.3]), 0.99)
    >>> c.agrees, c.near
    (False, (0.99, 0.984))
    """
    moduli = np.sort(np.abs(np.asarray(eigenvalues)))[::-1]
    further = moduli[count:count + look_further]
    return ClaimCheck(claimed, tolerance, tuple(float(m) for m in moduli[:count]),
                      tuple(float(m) for m in further if abs(m - claimed) <= tolerance))


def paths_outcome(convex: Equilibrium, paper: Equilibrium, *, same: float = 1e-8) -> str:
    """What the fixed-point (``convex``) and the paper's path did on one network, in two sentences.

    Examples
    --------
    >>> from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
    >>> net = AutonomousLSTM.random(4, rng=np.random.default_rng(0))
    >>> runs = [find_equilibrium(net, h) for h in ("convex", "paper")]
    >>> paths_outcome(*runs).startswith("The fixed-point path reached *t* = 1")
    True
    """
    turns = len(convex.turning_points)
    text = (f"The fixed-point path reached *t* = 1 in {convex.steps} steps"
            + (" without turning back." if not turns else f", turning back {turns} times.")
            if convex.converged else f"The fixed-point path ended *{convex.status}* after {convex.steps} steps.")
    if paper.converged:
        where = ("the same equilibrium" if convex.converged and np.linalg.norm(paper.x - convex.x) < same
                 else "a different equilibrium" if convex.converged else "an equilibrium")
        return (text + f" The paper's path also arrived, after {paper.steps} steps and "
                f"{len(paper.turning_points)} turning points, at {where}.")
    return (text + f" The paper's path did not: it ended *{paper.status}* after {paper.steps} steps, having "
            f"turned back in *t* {len(paper.turning_points)} times.")


def start_outcome(paper: Equilibrium) -> str:
    """Why the paper's homotopy did or did not get going on a network, as a clause for the page.

    Examples
    --------
    >>> from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
    >>> start_outcome(find_equilibrium(AutonomousLSTM.random(4, rng=np.random.default_rng(0)), "paper"))
    "the paper's homotopy ends with status *converged* after 10 steps."
    """
    if paper.status == "singular" and paper.steps == 0:
        return ("the shifted origin drives the gates deep into saturation, the Jacobian is numerically singular "
                f"at the start, and the paper's homotopy cannot begin, even from {paper.retries} perturbed points.")
    return f"the paper's homotopy ends with status *{paper.status}* after {paper.steps} steps."
