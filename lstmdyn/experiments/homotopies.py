"""Chapter: *Equilibria by homotopy* (``notebooks/equilibria.py``).

The readings the chapter states in words, computed from homotopy runs (:class:`lstmdyn.equilibria.Equilibrium`)
so that the page says what its own run shows at any profile or seed. The claim about the authors' published
PTB network is judged in :mod:`lstmdyn.experiments.claims_amrouche`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmdyn.equilibria import AutonomousLSTM, Equilibrium

__all__ = ["PathFailure", "describe_failures", "path_failure", "paths_outcome", "start_outcome"]


def paths_outcome(convex: Equilibrium, paper: Equilibrium, *, same: float = 1e-8) -> str:
    """What the fixed-point (``convex``) and the paper's path did on one network, in two sentences.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibrium
    >>> net = AutonomousLSTM.random(4, rng=np.random.default_rng(0))
    >>> runs = [find_equilibrium(net, h) for h in ("convex", "paper")]
    >>> paths_outcome(*runs).startswith("The fixed-point path reached *t* = 1")
    True
    """
    turns = len(convex.turning_points)
    text = (f"The fixed-point path reached *t* = 1 in {convex.steps} steps"
            + (" without turning back." if not turns else f", turning back {_times(turns)}.")
            if convex.converged else f"The fixed-point path ended *{convex.status}* after {convex.steps} steps.")
    if paper.converged:
        where = ("the same equilibrium" if convex.converged and np.linalg.norm(paper.x - convex.x) < same
                 else "a different equilibrium" if convex.converged else "an equilibrium")
        return (text + f" The paper's path also arrived, after {paper.steps} steps and "
                f"{len(paper.turning_points)} turning points, at {where}.")
    turns = len(paper.turning_points)
    return (text + f" The paper's path did not: it ended *{paper.status}* after {paper.steps} steps, "
            + ("without turning back in *t*." if not turns else
               f"having turned back in *t* {_times(turns)}."))


def _times(k: int) -> str:
    return "once" if k == 1 else f"{k} times"


def start_outcome(paper: Equilibrium) -> str:
    """Why the paper's homotopy did or did not get going on a network, as a clause for the page.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibrium
    >>> start_outcome(find_equilibrium(AutonomousLSTM.random(4, rng=np.random.default_rng(0)), "paper"))
    "the paper's homotopy ends with status *converged* after 10 steps."
    """
    if paper.status == "singular" and paper.steps == 0:
        return ("the shifted origin drives the gates deep into saturation, the Jacobian is numerically singular "
                f"at the start, and the paper's homotopy cannot begin, even from {paper.retries} perturbed points.")
    return f"the paper's homotopy ends with status *{paper.status}* after {paper.steps} steps."


@dataclass(frozen=True)
class PathFailure:
    """Where and how a homotopy path that did not reach an equilibrium ended.

    Attributes
    ----------
    status : str
        ``"returned"`` (back through t = 0), ``"diverged"``, ``"max_steps"`` or ``"singular"``.
    t : float
        The homotopy parameter at the last point.
    norm_c, norm_h : float
        ‖c‖ and the norm of the other half of the state in the homotopy's coordinates (‖q‖ for the paper's
        homotopy, ‖h‖ for the fixed-point one) at the last point; NaN for a path that could not start.
    forget : float
        The largest forget gate σ(W_f h + b_f) there.

    Examples
    --------
    >>> failure = PathFailure("diverged", 0.4, 1.2e4, 0.8, 0.9999)
    >>> failure.norm_c > failure.norm_h and 0 <= failure.t <= 1
    True
    """

    status: str
    t: float
    norm_c: float
    norm_h: float
    forget: float


def path_failure(lstm: AutonomousLSTM, result: Equilibrium) -> PathFailure:
    """The :class:`PathFailure` of a run that did not converge.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibrium
    >>> lstm = AutonomousLSTM.random(4, rng=np.random.default_rng([0, 4, 3]), scale=1.0)
    >>> failure = path_failure(lstm, find_equilibrium(lstm, "paper"))
    >>> failure.status, failure.t < 0
    ('returned', True)
    """
    path = result.path
    if not path.t:  # singular at the start: no step was taken
        return PathFailure(result.status, 0.0, np.nan, np.nan, float(np.max(lstm.cell.gates(result.h).f)))
    return PathFailure(result.status, path.t[-1], path.parts["c"][-1], path.parts["h"][-1],
                       float(np.max(lstm.cell.gates(result.h).f)))


def describe_failures(failures: list[PathFailure], *, saturated: float = 0.99) -> str:
    """What the failed paths of a comparison did, in words: how many returned through t = 0, how many
    ended at t in [0, 1] and with how saturated forget gates, and which half of the state was larger.

    Examples
    --------
    >>> text = describe_failures([PathFailure("returned", -0.01, 30.0, 2.0, 0.9),
    ...                           PathFailure("diverged", 0.7, 1e4, 5.0, 0.9999)])
    >>> text.startswith("2 paths failed: 1 turned back through *t* = 0 and 1 ended at *t* in [0, 1]")
    True
    >>> "(1 of these with a forget gate above 0.99)" in text, text.endswith("on 2 of the 2 that started.")
    (True, True)
    """
    if not failures:
        return "No path failed."
    started = [f for f in failures if np.isfinite(f.norm_c)]
    returned = sum(f.status == "returned" for f in started)
    inside = [f for f in started if 0.0 <= f.t <= 1.0]
    gated = sum(f.forget > saturated for f in inside)
    c_larger = sum(f.norm_c > f.norm_h for f in started)
    unstarted = len(failures) - len(started)
    return (f"{len(failures)} path{'s' if len(failures) > 1 else ''} failed: {returned} turned back through *t* = 0 "
            f"and {len(inside)} ended at *t* in [0, 1] ({gated} of these with a forget gate above "
            f"{saturated:g})" + (f", {unstarted} could not start" if unstarted else "")
            + f"; at the last point ‖c‖ exceeded the norm of the other half of the state on {c_larger} of the "
            f"{len(started)} that started.")
