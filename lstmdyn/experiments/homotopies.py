"""Chapter: *Equilibria by homotopy* (``notebooks/equilibria.py``).

The readings the chapter states in words, computed from homotopy runs (:class:`lstmdyn.equilibria.Equilibrium`)
so that the page says what its own run shows at any profile or seed. The claim about the authors' published
PTB network is judged in :mod:`lstmdyn.experiments.claims_amrouche`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmdyn.equilibria import AutonomousLSTM, Equilibrium
from lstmdyn.words import join_words

__all__ = ["PathFailure", "describe_failures", "equilibria_summary", "failure_onset", "path_failure", "paths_outcome",
           "pruned", "pruning_sentence", "slowdown_sentence", "stability_sentence", "start_outcome"]


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


def stability_sentence(result: Equilibrium) -> str:
    """Where the eigenvalues at ``result``'s equilibrium lie and what that makes it; or, where no equilibrium was
    found, that there is none to look at.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibrium
    >>> stability_sentence(find_equilibrium(AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3)))[:60]
    'All 8 eigenvalues lie within radius 0.591 of the origin: the'
    >>> stability_sentence(find_equilibrium(AutonomousLSTM.random(4, rng=np.random.default_rng(1)), max_steps=1))
    'The fixed-point homotopy found no equilibrium of this network (it ended *max_steps*), so there are no \
eigenvalues to show.'
    """
    if not len(result.eigenvalues):
        return (f"The fixed-point homotopy found no equilibrium of this network (it ended *{result.status}*), so "
                "there are no eigenvalues to show.")
    return (f"All {len(result.eigenvalues)} eigenvalues lie within radius {result.spectral_radius:.3f} of the origin: "
            + ("the equilibrium is stable." if result.stable else
               "the equilibrium is unstable: the free-running network moves away from it."))


#: a path whose tangent's t-component falls below this has slowed down: it advances in t a hundredth as fast
#: as along a path that goes straight to t = 1
SLOW_TANGENT = 1e-2


def slowdown_sentence(min_abs_dt: float, max_real: float, *, slow: float = SLOW_TANGENT) -> str:
    """Whether a homotopy path slowed down on its way to t = 1: the smallest |dt/dθ| along it (the t-component of
    its unit tangent) against ``slow``. At t = 1 both homotopies of the chapter have ∂H/∂x = I − J(x*), nearly
    singular where a real eigenvalue of J is near 1, so a slow end does not single out the paper's homotopy.

    Examples
    --------
    >>> slowdown_sentence(6.3e-4, 1.087)[:66]
    'Its path slowed down too: its smallest |dt/dθ| is 6.3e-04, below 0'
    >>> slowdown_sentence(0.4, 0.5)[:47]
    'Its path did not slow down: its smallest |dt/dθ'
    """
    if min_abs_dt < slow:
        return (f"Its path slowed down too: its smallest |dt/dθ| is {min_abs_dt:.1e}, below {slow:g}. At t = 1 both "
                "homotopies have ∂H/∂x = I − J(x*), which is nearly singular where a real eigenvalue of J is near 1 "
                f"(here the largest real part is {max_real:.3f}), so the fixed-point homotopy meets the difficulty "
                "the paper describes at the same equilibrium, whatever its path before it")
    return (f"Its path did not slow down: its smallest |dt/dθ| is {min_abs_dt:.1e}, above {slow:g}, although at t = 1 "
            f"∂H/∂x = I − J(x*) for both homotopies (the largest real part here is {max_real:.3f})")


def pruned(kernel: np.ndarray, bias: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, float]:
    """TensorFlow LSTM weights with every entry of magnitude below ``threshold`` set to zero, as the authors'
    ``caseTests.py`` (``pruneW``) does before solving, and the share of entries set to zero.

    Examples
    --------
    >>> k, b, share = pruned(np.array([[0.001, 0.5], [-0.002, 0.3]]), np.array([0.0, 1.0]), 0.01)
    >>> k.tolist(), b.tolist(), share
    ([[0.0, 0.5], [0.0, 0.3]], [0.0, 1.0], 0.5)
    """
    small = [np.abs(a) < threshold for a in (kernel, bias)]
    share = float(sum(m.sum() for m in small) / sum(m.size for m in small))
    return np.where(small[0], 0.0, kernel), np.where(small[1], 0.0, bias), share


def pruning_sentence(results: dict[float, Equilibrium], reference: Equilibrium) -> str:
    """What pruning the weights at each threshold (``results``: threshold → the equilibrium of the pruned
    network) changed against the unpruned network's equilibrium ``reference``.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibrium
    >>> net = AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3)
    >>> same = find_equilibrium(net)
    >>> pruning_sentence({0.01: same}, same)[:72]
    'Pruned at 0.01, the spectral radius is 0.591 against 0.591 unpruned, the'
    """
    parts = []
    for threshold, e in results.items():
        if not e.converged:
            parts.append(f"pruned at {threshold:g}, the homotopy found no equilibrium ({e.status})")
            continue
        parts.append(f"pruned at {threshold:g}, the spectral radius is {e.spectral_radius:.3f} against "
                     f"{reference.spectral_radius:.3f} unpruned, the two largest moduli "
                     f"{join_words([f'{m:.3f}' for m in np.abs(e.eigenvalues[:2])])}, and the equilibrium moved by "
                     f"{np.linalg.norm(e.x - reference.x):.2g}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


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
        return "no path failed."
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


def failure_onset(outcomes: pd.DataFrame, homotopy: str = "paper") -> str:
    """At which weight scale ``homotopy`` starts to fail, from one row per run (columns ``scale``, ``homotopy``
    and ``status``), over all sizes together.

    Examples
    --------
    >>> rows = [(1.0, "converged"), (1.0, "converged"), (4.0, "converged"), (4.0, "diverged"), (8.0, "diverged")]
    >>> runs = pd.DataFrame([{"scale": s, "homotopy": "paper", "status": r} for s, r in rows])
    >>> for part in failure_onset(runs).split(", failed "):
    ...     print(part)
    the paper's homotopy reached an equilibrium for every network up to scale 1
    for 1 of 2 at scale 4 and for 1 of 1 at scale 8
    """
    runs = outcomes[outcomes["homotopy"] == homotopy]
    failed = runs.assign(failed=runs["status"] != "converged").groupby("scale")["failed"].agg(["sum", "count"])
    name = "the paper's homotopy" if homotopy == "paper" else "the fixed-point homotopy"
    if not failed["sum"].any():
        return f"{name} reached an equilibrium for every network at every scale, up to {failed.index.max():g}"
    first = failed.index[failed["sum"] > 0][0]
    clean = failed.index[failed.index < first]
    text = f"{name} reached an equilibrium for every network up to scale {clean.max():g}, failed" if len(clean) \
        else f"{name} failed already at the smallest scale:"
    parts = [f"for {int(r['sum'])} of {int(r['count'])} at scale {s:g}" for s, r in failed.loc[first:].iterrows()]
    return f"{text} {join_words(parts)}"


def equilibria_summary(found: list[Equilibrium], attempts: int, reference: Equilibrium, *, same: float = 1e-6
                       ) -> str:
    """What a search for several equilibria (:func:`lstmdyn.equilibria.find_equilibria`) found, and where the
    ``reference`` equilibrium (the one found from the zero state) stands among them.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibria
    >>> net = AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3)
    >>> found = find_equilibria(net, starts=3)
    >>> equilibria_summary(found, 3, found[0])
    'All 3 starts led to the same equilibrium, the one the zero state leads to: it is stable, and no other was found.'
    """
    def stable(e: Equilibrium) -> str:
        return {True: "stable", False: "unstable", None: "of unknown stability"}[e.stable]

    if not found:
        return ("The one start reached no equilibrium." if attempts == 1 else
                f"None of the {attempts} starts reached an equilibrium.")
    if len(found) == 1:
        first = np.linalg.norm(found[0].x - reference.x) <= same * (1 + np.linalg.norm(reference.x))
        which = "the one the zero state leads to" if first else "not the one found from the zero state"
        led = "The one start led to an equilibrium" if attempts == 1 else f"All {attempts} starts led to the same " \
            "equilibrium"
        return f"{led}, {which}: it is {stable(found[0])}, and no other was found."
    states = [stable(e) for e in found]
    counts = ", ".join(f"{states.count(s)} {s}" for s in dict.fromkeys(states))
    index = next((k + 1 for k, e in enumerate(found)
                  if np.linalg.norm(e.x - reference.x) <= same * (1 + np.linalg.norm(reference.x))), None)
    where = f"the zero state's equilibrium is number {index}" if index else "none of them is the zero state's"
    return (f"The {attempts} starts found {len(found)} different equilibria ({counts}); {where}. Several equilibria "
            "mean that where the free-running network settles depends on where it starts.")
