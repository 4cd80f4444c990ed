"""The claims of Amrouche et al. (2019), section 4, each judged by one function of the measurements.

Chapters: *Equilibria by homotopy* (``notebooks/equilibria.py``: the authors' published PTB network) and
*Equilibria through training* (``notebooks/equilibria_training.py``: the three trained tasks and their
ordering). Each function returns an :class:`~lstmdyn.experiments.outcomes.Outcome`; see
:mod:`lstmdyn.experiments.outcomes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.stats import spearmanr

from lstmdyn.experiments.outcomes import Claim, Outcome, by_share
from lstmdyn.names import counted
from lstmdyn.words import join_words

__all__ = ["CLAIMS", "MNIST_BAND", "flattened", "flattening", "mnist_rises", "nottingham_crosses", "ptb_near_circle",
           "published_ptb", "rise", "task_ordering"]

PAPER = "Amrouche et al."

#: The claims of the paper that this book tests, by key.
CLAIMS = {claim.key: claim for claim in (
    Claim("amrouche.mnist", PAPER, "4.1, Fig. 1c", "MNIST: the largest |λ| rises over training to about 0.81",
          "equilibria_training"),
    Claim("amrouche.ptb", PAPER, "4.2, Fig. 2b", "PTB: two eigenvalues of modulus ≈ 0.99, real parts ≈ 0.99",
          "equilibria_training"),
    Claim("amrouche.nottingham", PAPER, "4.3, Fig. 3c",
          "Nottingham: the spectral radius crosses 1 while the largest real part stays below 1",
          "equilibria_training"),
    Claim("amrouche.ordering", PAPER, "4, 5",
          "richer data brings the eigenvalues nearer the unit circle: MNIST < PTB < Nottingham",
          "equilibria_training"),
    Claim("amrouche.published", PAPER, "4.2",
          "the authors' published PTB network: two eigenvalues of modulus ≈ 0.99, real parts ≈ 0.99", "equilibria"),
)}


def rise(steps: Sequence[int], radii: Sequence[float]) -> float:
    """Spearman's ρ of the spectral radius with the training step: +1 for a radius that only rises (0 for a
    constant radius).

    Examples
    --------
    >>> round(rise([0, 1, 2, 3], [0.5, 0.6, 0.55, 0.7]), 6), rise([0, 1], [0.5, 0.5])
    (0.8, 0.0)
    """
    radii = np.asarray(radii, dtype=float)
    return float(spearmanr(steps, radii).statistic) if len(set(radii)) > 1 else 0.0


def flattening(train_loss: Sequence[float], *, fraction: float = 0.01) -> int:
    """The index of the first checkpoint whose training loss (the mean over the steps since the previous one;
    NaN at the initial checkpoint) is below ``fraction`` of the first interval's, where the loss flattens; the
    last checkpoint where it never gets there.

    Examples
    --------
    >>> flattening([float("nan"), 2.0, 0.5, 0.01, 0.001]), flattening([float("nan"), 2.0, 1.0])
    (3, 2)
    """
    first = train_loss[1]
    return next((k for k in range(1, len(train_loss)) if train_loss[k] < fraction * first), len(train_loss) - 1)


def flattened(train_loss: Sequence[float], *, fraction: float = 0.01) -> bool:
    """Whether the training loss got below ``fraction`` of the first interval's at all (:func:`flattening`).

    Examples
    --------
    >>> flattened([float("nan"), 2.0, 0.5, 0.01]), flattened([float("nan"), 2.0, 1.0])
    (True, False)
    """
    return bool(train_loss[flattening(train_loss, fraction=fraction)] < fraction * train_loss[1])


#: "about 0.81" read as a fixed band around the paper's value, as wide as the second digit it states
MNIST_BAND = (0.76, 0.86)


def mnist_rises(runs: Sequence[tuple[Sequence[int], Sequence[float], Sequence[float]]], *,
                band: tuple[float, float] = MNIST_BAND, rising: float = 0.5, short: str | None = None,
                population: str = "") -> Outcome:
    """Section 4.1: the largest eigenvalue modulus rises over training, its "maximum is ~0.81", and the moduli "do
    not reach" the unit circle. ``runs`` holds, per seed, the checkpoints' training steps, spectral radii and
    training losses (:func:`flattening`).

    Three parts, each judged on every seed: the rise, Spearman's ρ of radius and step above ``rising`` (0.5);
    "about 0.81", the mean over the seeds of the radius where each seed's training loss flattens within the fixed
    ``band`` (:data:`MNIST_BAND`, whatever the seeds' spread); "not reaching 1", every seed's radius below 1 at
    every checkpoint. Reproduced if all three hold, not reproduced if none does, partly otherwise. A network
    short of training cannot falsify a claim about trained networks: where a seed's training loss never
    flattened, or ``short`` gives another reason the run calls itself short, the outcome is inconclusive.

    Examples
    --------
    >>> loss = [float("nan"), 1.0, 0.1, 0.001]
    >>> mnist_rises([([0, 1, 2, 3], [0.5, 0.7, 0.8, 0.8], loss), ([0, 1, 2, 3], [0.5, 0.7, 0.8, 0.82], loss)]).verdict
    'reproduced'
    >>> mnist_rises([([0, 1, 2, 3], [0.5, 0.7, 0.9, 1.1], loss)]).verdict   # rises, but to 1.1, through 1
    'partly'
    >>> mnist_rises([([0, 1, 2, 3], [0.9, 0.8, 0.7, 1.2], loss)]).verdict
    'not reproduced'
    >>> mnist_rises([([0, 1, 2, 3], [0.5, 0.7, 0.8, 0.8], [float("nan"), 1.0, 0.9, 0.8])]).verdict
    'inconclusive'
    """
    low, high = band
    rho = np.array([rise(steps, radii) for steps, radii, _ in runs])
    at_flat = np.array([radii[flattening(loss)] for _, radii, loss in runs])
    peak = np.array([float(np.max(radii)) for _, radii, _ in runs])
    parts = {"rises": bool((rho > rising).all()), "about": bool(low <= at_flat.mean() <= high),
             "below 1": bool((peak < 1.0).all())}
    unflattened = sum(not flattened(loss) for _, _, loss in runs)
    measured = (f"radius where the training loss flattens {at_flat.mean():.3f} ± {at_flat.std():.3f}, largest over "
                f"training {peak.max():.3f}, Spearman ρ(step, radius) {rho.mean():+.2f} (lowest {rho.min():+.2f}); "
                + ", ".join(f"{name}: {'yes' if held else 'no'}" for name, held in parts.items()))
    criterion = (f"every seed rises (ρ > {rising:g}); the mean radius where the loss flattens (below 1 % of its first "
                 f"interval's) lies in [{low:g}, {high:g}]; every seed's radius stays below 1 at every checkpoint: "
                 "all three reproduced, none not reproduced, some partly")
    if unflattened or short:
        reason = short or f"the training loss of {unflattened} of {counted(len(runs), 'seed')} never flattened"
        return CLAIMS["amrouche.mnist"].outcome(
            "inconclusive", paper_value="rises to ~0.81, below 1", measured=measured, population=population,
            n=len(runs), criterion=f"{reason}: networks short of training cannot decide a claim about trained ones "
                                   f"({criterion})")
    held = sum(parts.values())
    verdict = "reproduced" if held == 3 else "not reproduced" if held == 0 else "partly"
    return CLAIMS["amrouche.mnist"].outcome(verdict, paper_value="rises to ~0.81, below 1", measured=measured,
                                            criterion=criterion, population=population, n=len(runs))


def _two_near(eigenvalues: np.ndarray, claimed: float, tolerance: float) -> tuple[bool, str]:
    """Whether the two eigenvalues of largest modulus have moduli and real parts within ``tolerance`` of
    ``claimed``, and their moduli and real parts as text."""
    e = np.asarray(eigenvalues)
    leading = e[np.argsort(-np.abs(e), kind="stable")][:2]
    passed = bool(np.all(np.abs(np.abs(leading) - claimed) <= tolerance)
                  and np.all(np.abs(leading.real - claimed) <= tolerance))
    shown = (f"moduli {join_words([f'{m:.3f}' for m in np.abs(leading)])}, real parts "
             f"{join_words([f'{r:.3f}' for r in leading.real])}")
    return passed, shown


def ptb_near_circle(final_eigenvalues: Sequence[np.ndarray], *, claimed: float = 0.99,
                    tolerance: float = 0.01, short: str | None = None, population: str = "") -> Outcome:
    """Section 4.2: at the trained PTB network's equilibrium two eigenvalues have modulus ≈ 0.99 and real
    parts ≈ 0.99. ``final_eigenvalues``: the eigenvalues at the last checkpoint of each seed; ``short``: why the
    run calls its networks short of training, if it does (the outcome is then inconclusive).

    Examples
    --------
    >>> ptb_near_circle([np.array([0.995, 0.987, 0.5])]).verdict
    'reproduced'
    >>> ptb_near_circle([np.array([0.995, 0.2 + 0.97j, 0.2 - 0.97j])]).verdict   # modulus 0.99, real part 0.2
    'not reproduced'
    """
    checks = [_two_near(e, claimed, tolerance) for e in final_eigenvalues]
    criterion = f"per seed: both largest moduli and their real parts within {tolerance:g} of {claimed:g}"
    return CLAIMS["amrouche.ptb"].outcome(
        _unless_short(by_share([passed for passed, _ in checks]), short), paper_value=f"{claimed:g}",
        measured="; ".join(shown for _, shown in checks), criterion=_short_criterion(criterion, short),
        population=population, n=len(checks))


def published_ptb(eigenvalues: np.ndarray, *, claimed: float = 0.99, tolerance: float = 0.01) -> Outcome:
    """Section 4.2 on the network the authors published: the same criterion as :func:`ptb_near_circle`, at its
    equilibrium (``eigenvalues`` empty where no equilibrium was found: untested).

    Examples
    --------
    >>> published_ptb(np.array([1.19, 1.19, 0.99, 0.984])).verdict
    'not reproduced'
    >>> published_ptb(np.array([])).verdict
    'untested'
    """
    if len(eigenvalues) < 2:
        return CLAIMS["amrouche.published"].untested("the homotopy found no equilibrium of the published network")
    passed, shown = _two_near(eigenvalues, claimed, tolerance)
    moduli = np.sort(np.abs(np.asarray(eigenvalues)))[::-1]
    near = [m for m in moduli[2:6] if abs(m - claimed) <= tolerance]
    if near and not passed:
        shown += f"; the next largest, {join_words([f'{m:.3f}' for m in near])}, are the ones near {claimed:g}"
    return CLAIMS["amrouche.published"].outcome(
        "reproduced" if passed else "not reproduced", paper_value=f"{claimed:g}", measured=shown,
        criterion=f"both largest moduli and their real parts within {tolerance:g} of {claimed:g}")


def nottingham_crosses(runs: Sequence[tuple[Sequence[float], Sequence[float]]], *, short: str | None = None,
                       population: str = "") -> Outcome:
    """Section 4.3: during training the spectral radius crosses 1 while the largest real part stays below 1.
    ``runs`` holds, per seed, the spectral radii and largest real parts at the checkpoints.

    Examples
    --------
    >>> nottingham_crosses([([0.8, 1.05], [0.7, 0.6])]).verdict   # radius above 1, real parts below
    'reproduced'
    >>> nottingham_crosses([([0.8, 1.05], [0.7, 1.05])]).verdict  # a real eigenvalue through +1
    'not reproduced'

    """
    passed, shown = [], []
    for radii, reals in runs:
        radius, real = float(np.max(radii)), float(np.max(reals))
        passed.append(radius > 1.0 > real)
        shown.append(f"{radius:.3f} / {real:.3f}")
    return CLAIMS["amrouche.nottingham"].outcome(
        _unless_short(by_share(passed), short), paper_value="radius > 1, max Re λ < 1",
        measured="largest radius / largest real part over training: " + "; ".join(shown),
        criterion=_short_criterion("per seed: the radius exceeds 1 at some checkpoint, every real part stays below "
                                   "1", short), population=population, n=len(passed))


def task_ordering(final_radius: Mapping[str, float], *, short: Mapping[str, str | None] | None = None,
                  population: str = "") -> Outcome:
    """Sections 4 and 5: richer data pushes the eigenvalues nearer the unit circle, MNIST < PTB < Nottingham,
    judged on each task's mean final spectral radius (``final_radius`` by task: ``mnist``, ``ptb``,
    ``nottingham``).

    Examples
    --------
    >>> task_ordering({"mnist": 0.8, "ptb": 0.95, "nottingham": 1.02}).verdict
    'reproduced'
    >>> task_ordering({"mnist": 0.8, "ptb": 1.1, "nottingham": 1.0}).verdict    # two of the three pairs
    'partly'
    >>> task_ordering({"mnist": 1.07, "ptb": 0.84, "nottingham": 1.0}).verdict
    'not reproduced'
    """
    m, p, n = final_radius["mnist"], final_radius["ptb"], final_radius["nottingham"]
    in_order = sum([m < p, p < n, m < n])
    reasons = "; ".join(f"{task}: {why}" for task, why in (short or {}).items() if why) or None
    return CLAIMS["amrouche.ordering"].outcome(
        _unless_short("reproduced" if in_order == 3 else "partly" if in_order == 2 else "not reproduced", reasons),
        paper_value="0.81 < 0.99 < above 1",
        measured=f"mean final spectral radius MNIST {m:.3f}, PTB {p:.3f}, Nottingham {n:.3f}",
        criterion=_short_criterion("MNIST < PTB < Nottingham: reproduced; two of the three pairs in that order: "
                                   "partly", reasons), population=population, n=3)


def _unless_short(verdict: str, short: str | None) -> str:
    """``verdict``, or inconclusive where the run calls its networks short of training (a claim about trained
    networks cannot be falsified by networks that stopped short; nor is one that holds there decided)."""
    return "inconclusive" if short else verdict


def _short_criterion(criterion: str, short: str | None) -> str:
    return (f"{short}: networks short of training cannot decide a claim about trained ones ({criterion})" if short
            else criterion)
