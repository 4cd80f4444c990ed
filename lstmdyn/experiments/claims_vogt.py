"""The claims of Vogt et al. (2022), each judged by one function of the measurements.

Chapters: *The Lyapunov spectrum* (``notebooks/lyapunov.py``: the warm-up and the QR interval, appendix C) and
*Lyapunov spectra of trained networks* (``notebooks/lyapunov_experiments.py``: the two sweeps, the spectrum
through training and its cost, section 5). Each function returns an
:class:`~lstmdyn.experiments.outcomes.Outcome`; see :mod:`lstmdyn.experiments.outcomes`.
"""

from __future__ import annotations

import math

import pandas as pd

from lstmdyn.experiments.outcomes import Claim, Outcome, by_share
from lstmdyn.experiments.rank_correlation import Correlation, spearman_interval
from lstmdyn.names import counted, display_name

__all__ = ["CLAIMS", "MIN_NETWORKS", "SWEEP_STATISTICS", "WARMUP_EFFECT", "qr_interval_flattens_tail",
           "spectrum_converges", "spectrum_cost", "sweep_correlation", "warmup_removes_bias"]

PAPER = "Vogt et al."

#: The claims of the paper that this book tests, by key.
CLAIMS = {claim.key: claim for claim in (
    Claim("vogt.warmup", PAPER, "appendix C", "a warm-up removes the start-up bias of short estimates", "lyapunov"),
    Claim("vogt.qr_interval", PAPER, "appendix C, Fig. 6",
          "QR every k steps flattens the tail of the spectrum and keeps its head", "lyapunov"),
    Claim("vogt.charrnn", PAPER, "5.4, Fig. 4a,b",
          "CharRNN: the largest exponent correlates with the validation loss, closer to 0 doing better",
          "lyapunov_experiments"),
    Claim("vogt.charrnn_authors", PAPER, "5.4, Fig. 4a,b",
          "CharRNN, on the authors' own published grid search: the largest exponent correlates with the validation "
          "loss, closer to 0 doing better", "lyapunov_experiments"),
    Claim("vogt.mocap", PAPER, "5.4, Fig. 4c,d",
          "motion capture: the mean exponent correlates with the validation loss, larger doing better",
          "lyapunov_experiments"),
    Claim("vogt.mocap_residual", PAPER, "5.4, Fig. 4c,d",
          "motion capture, with a residual read-out (a variation of this book's, not the paper's network): the mean "
          "exponent correlates with the validation loss, larger doing better", "lyapunov_experiments"),
    Claim("vogt.convergence", PAPER, "5.2, Fig. 3", "the spectrum converges within a few epochs, from below",
          "lyapunov_experiments"),
    Claim("vogt.cost", PAPER, "5.3, Table 1",
          "a spectrum (10 × 100 steps) costs about 1/100 of the training to the lowest validation loss",
          "lyapunov_experiments"),
)}

#: How the page says what the warm-up did, by the verdict of :func:`warmup_removes_bias`.
WARMUP_EFFECT = {"reproduced": "removes most of that bias", "partly": "reduces that bias",
                 "not reproduced": "does not reduce that bias here"}


def warmup_removes_bias(cold: float, warm: float) -> Outcome:
    """Appendix C: a warm-up removes the start-up bias of short estimates. ``cold`` and ``warm`` are the
    deviations of a short estimate of the largest exponent without and with warm-up from the longest warmed-up
    one: reproduced if the warm-up at least halves the deviation, partly if it reduces it.

    Examples
    --------
    >>> [warmup_removes_bias(0.2, w).verdict for w in (0.05, 0.15, -0.3)]
    ['reproduced', 'partly', 'not reproduced']
    """
    verdict = ("reproduced" if abs(warm) < 0.5 * abs(cold) else "partly" if abs(warm) < abs(cold)
               else "not reproduced")
    return CLAIMS["vogt.warmup"].outcome(
        verdict, paper_value="appendix C",
        measured=f"bias of the largest exponent {cold:+.3f} without warm-up, {warm:+.3f} with",
        criterion="reproduced if the warm-up at least halves the bias of the shortest estimate, partly if it "
                  "reduces it")


def qr_interval_flattens_tail(tails: dict[tuple[str, int], tuple[float, float]], *, head_tolerance: float = 0.01,
                              tail_rise: float = 0.1) -> Outcome:
    """Appendix C and Fig. 6: a QR step every k steps flattens the tail of the spectrum and keeps its head.
    ``tails`` maps ``(dtype, k)`` to ``(largest, smallest)`` exponent, with k = 1 among the intervals.
    Compared for the largest k with k = 1 in float32: the head kept (within ``head_tolerance``) and the tail
    raised by more than ``tail_rise`` gives reproduced; one of the two, partly. Without k = 1 and another
    interval in float32 there is nothing to compare: untested.

    Examples
    --------
    >>> qr_interval_flattens_tail({("float32", 1): (-0.5, -3.0), ("float32", 20): (-0.5, -1.0)}).verdict
    'reproduced'
    >>> qr_interval_flattens_tail({("float32", 1): (-0.5, -3.0), ("float32", 20): (-0.5, -2.99)}).verdict
    'partly'
    >>> qr_interval_flattens_tail({("float32", 5): (-0.5, -3.0), ("float32", 20): (-0.5, -2.99)}).verdict
    'untested'
    """
    intervals = sorted(k for dtype, k in tails if dtype == "float32")
    if 1 not in intervals or len(intervals) < 2:
        return CLAIMS["vogt.qr_interval"].untested(
            f"needs QR every step (k = 1) and a longer interval in float32; this run had k = {intervals}")
    k = intervals[-1]
    (head_1, tail_1), (head_k, tail_k) = tails[("float32", 1)], tails[("float32", k)]
    kept, flattened = abs(head_k - head_1) <= head_tolerance, tail_k - tail_1 > tail_rise
    return CLAIMS["vogt.qr_interval"].outcome(
        "reproduced" if kept and flattened else "partly" if kept or flattened else "not reproduced",
        paper_value="appendix C, Fig. 6",
        measured=f"float32, QR every {k}: largest {head_k:+.3f} (every step {head_1:+.3f}), smallest {tail_k:+.3f} "
                 f"(every step {tail_1:+.3f})",
        criterion=f"largest exponent within {head_tolerance:g} of QR every step and smallest raised by more than "
                  f"{tail_rise:g}: reproduced; one of the two: partly")


#: The statistic of the spectrum that each sweep's claim is about, and the other one shown beside it.
SWEEP_STATISTICS = {"charrnn": ("max_le", "mean_le"), "mocap": ("mean_le", "max_le")}


#: the fewest networks over which a percentile bootstrap of Spearman's ρ is taken to decide anything: with fewer
#: there are so few distinct resamples that an interval of four networks can read [−1.00, −1.00]
MIN_NETWORKS = 8


def sweep_correlation(name: str, chosen: pd.DataFrame, seed: int = 0, *, decidable: int | None = None,
                      population: str = "", claim_key: str | None = None
                      ) -> tuple[Correlation, Correlation, Outcome]:
    """Section 5.4 for sweep ``name`` (``charrnn`` or ``mocap``), its networks at their selected epochs in
    ``chosen`` (columns ``valid_loss`` and the statistics): the Spearman correlation of the claimed statistic
    with the validation loss, that of the other statistic, and the outcome. Both claims are of a negative
    correlation: reproduced if ρ's 95 % bootstrap interval lies below 0, not reproduced if it lies above 0, and
    inconclusive if it spans 0, whatever the sign of ρ (with few networks that happens about as often as not
    when there is no correlation at all). Below ``decidable`` networks (the number a population like this one needs
    for its interval to decide at least four times in five; :func:`~lstmdyn.experiments.authors_grid.decidable_size`),
    or below :data:`MIN_NETWORKS`, the outcome is inconclusive whatever the interval says: it says it cannot tell at
    that n. ``claim_key`` judges another claim of the same statistic (the authors' population).

    Parameters
    ----------
    name : {"charrnn", "mocap"}
        The sweep.
    chosen : DataFrame
        Its networks at their selected epochs.
    seed : int
        Seeds the bootstrap.
    decidable : int, optional
        The networks a population like this one needs for an interval that decides.
    population : str
        The population the networks come from, for the outcome.
    claim_key : str, optional
        The claim judged (by default the sweep's own).

    Examples
    --------
    >>> chosen = pd.DataFrame({"max_le": [-0.9, -0.5, -0.3, -0.1], "mean_le": [-2.0, -1.9, -2.2, -2.1],
    ...                        "valid_loss": [2.0, 1.8, 1.7, 1.5]})
    >>> claimed, other, outcome = sweep_correlation("charrnn", chosen)
    >>> claimed.rho, outcome.verdict, outcome.criterion[:20]    # four networks cannot tell
    (-1.0, 'inconclusive', 'cannot tell at n = 4')
    >>> import numpy as np
    >>> twelve = pd.DataFrame({"max_le": np.linspace(-1, 0, 12), "mean_le": 0.0, "valid_loss": np.linspace(2, 1, 12)})
    >>> sweep_correlation("charrnn", twelve)[2].verdict
    'reproduced'
    """
    statistic, other = SWEEP_STATISTICS[name]
    claimed = spearman_interval(chosen[statistic], chosen["valid_loss"], seed=seed)
    claim = CLAIMS[claim_key or f"vogt.{name}"]
    enough = max(MIN_NETWORKS, decidable or 0)
    rule = (f"Spearman's ρ over the networks with its {claimed.level:.0%} bootstrap interval: below 0, reproduced; "
            f"above 0, not reproduced; spanning 0, or fewer than {enough} networks"
            + (" (what the authors' grid shows a sweep needs for its interval to decide four times in five)"
               if decidable and decidable > MIN_NETWORKS else "") + ", inconclusive")
    if not math.isfinite(claimed.rho):
        outcome = claim.untested(f"too few networks with distinct values ({claimed.count}) for a correlation",
                                population=population)
    elif claimed.count < enough:
        outcome = claim.outcome("inconclusive", paper_value="negative ρ", measured=str(claimed),
                                population=population, n=claimed.count,
                                criterion=f"cannot tell at n = {claimed.count}: {rule}")
    else:
        outcome = claim.outcome(
            "reproduced" if claimed.high < 0 else "not reproduced" if claimed.low > 0 else "inconclusive",
            paper_value="negative ρ", measured=str(claimed), population=population, n=claimed.count, criterion=rule)
    return claimed, spearman_interval(chosen[other], chosen["valid_loss"], seed=seed), outcome


def spectrum_converges(converged: pd.DataFrame, selected: pd.Series, init: pd.Series | None = None, *,
                       within: int = 3, shrink: float = 0.1, slack: float = 0.1) -> Outcome:
    """Section 5.2: the spectrum "rapidly changes in the first few epochs", then converges to the trained
    network's within a few epochs, from below, "across the range of initialization parameters tested".

    ``converged`` has, per network (``key``) and epoch, the mean squared difference ``msd`` and the mean
    difference ``mean_difference`` to the spectrum at its selected epoch (``selected``, by key). A network
    passes if by epoch ``within`` its mean squared difference has fallen to ``shrink`` times the largest of the
    trained epochs up to then, or less (converged within a few epochs), and no trained epoch before the selected
    one has a mean difference above ``slack`` times the largest absolute one (from below, one slightly positive
    epoch allowed for). The initialised network, epoch 0, is left out of both: its spectrum can lie anywhere.
    Only networks selected after epoch ``within`` can tell; reproduced if every such network passes, partly if
    some do. With ``init`` (the initialisation parameter p, by key) the measured value counts them per p.

    Parameters
    ----------
    converged : DataFrame
        Per network (``key``) and epoch, ``msd`` and ``mean_difference`` to the selected epoch's spectrum.
    selected : Series
        Each network's selected epoch, by key.
    init : Series, optional
        Each network's initialisation parameter p, by key.
    within : int
        The epoch by which a network must have converged.
    shrink : float
        The share of its largest mean squared difference that counts as converged.
    slack : float
        The share of its largest absolute mean difference that an epoch may lie above.

    Examples
    --------
    >>> converged = pd.DataFrame({"key": ["a"] * 6, "epoch": range(6), "msd": [0.1, 1.0, 0.3, 0.05, 0.01, 0.0],
    ...                           "mean_difference": [0.2, -1.0, -0.3, 0.01, -0.02, 0.0]})
    >>> spectrum_converges(converged, pd.Series({"a": 5})).verdict   # one slightly positive epoch
    'reproduced'
    >>> spectrum_converges(converged, pd.Series({"a": 3})).verdict   # selected too early to tell
    'untested'
    >>> spectrum_converges(converged, pd.Series({"a": 5}), pd.Series({"a": 0.08})).measured
    '1 of 1 networks (p = 0.08: 1 of 1)'
    """
    passed, keys = [], []
    for key, group in converged.groupby("key"):
        if selected[key] <= within:
            continue
        msd = group.set_index("epoch")["msd"]
        trained = group[(group["epoch"] > 0) & (group["epoch"] < selected[key])]["mean_difference"]
        near = msd[within] <= shrink * msd.loc[1:within].max()
        below = trained.max() <= slack * trained.abs().max()
        passed.append(bool(near and below))
        keys.append(key)
    claim = CLAIMS["vogt.convergence"]
    if not passed:
        return claim.untested(f"no network was selected after epoch {within}, so none can show convergence within "
                             f"{within} epochs")
    measured = f"{sum(passed)} of {len(passed)} networks"
    if init is not None:
        by_init = pd.Series(passed, index=[init[k] for k in keys]).groupby(level=0)
        measured += " (" + ", ".join(f"p = {p:g}: {int(g.sum())} of {len(g)}" for p, g in by_init) + ")"
    return claim.outcome(
        by_share(passed), paper_value="Fig. 3 (CharRNN, across p)", measured=measured,
        criterion=f"per network selected after epoch {within}: by epoch {within} the mean squared difference to the "
                  f"selected epoch's spectrum at most {shrink:g} × its largest over the trained epochs up to then, "
                  f"and no trained epoch before the selected one with a mean difference above {slack:g} × the "
                  "largest absolute one; reproduced if every network passes")


def _share(fraction: float) -> str:
    """A spectrum's cost against training, in words: "1/29 of" below the training, "2.3 times" above it.

    Examples
    --------
    >>> _share(1 / 29), _share(48.7), _share(1.0)
    ('1/29 of', '48.7 times', '1.0 times')
    """
    return f"1/{1 / fraction:.0f} of" if fraction < 1 else f"{fraction:.1f} times"


def spectrum_cost(costs: pd.DataFrame, *, claimed: float = 0.01) -> Outcome:
    """Section 5.3 and Table 1: a spectrum costs about 1/100 of the training to the lowest validation loss
    ("almost 2 orders of magnitude faster than typical training time", section 6).

    ``costs`` has one row per task (:func:`~lstmdyn.experiments.sweep_tables.cost_table`): ``fraction``, the
    spectrum's time in training iterations over the mean iterations to the selected epoch, and ``at_last``, the
    networks selected at their last epoch (a task without a finished network, ``networks`` 0, is left out). A
    task holds if its fraction is at most 3 × ``claimed``, and fails if
    it is above while every network reached its lowest loss before its last epoch; otherwise the training was
    cut short of its minimum, the fraction is only an upper bound, and the task cannot tell. Reproduced if every
    task holds; partly if some hold and some fail; not reproduced if some fail and none holds; inconclusive if
    none fails and some cannot tell.

    Examples
    --------
    >>> costs = pd.DataFrame({"task": ["charrnn", "mocap"], "device": ["cpu"] * 2, "spectrum_iterations": [4.0, 7.0],
    ...                       "networks": [12, 16], "iterations": [150.0, 480.0], "fraction": [4 / 150, 7 / 480],
    ...                       "at_last": [12, 16]})
    >>> spectrum_cost(costs).verdict
    'reproduced'
    >>> spectrum_cost(costs.assign(fraction=[0.05, 7 / 480])).verdict   # 1/20, training cut short
    'inconclusive'
    >>> spectrum_cost(costs.assign(fraction=[0.05, 7 / 480], at_last=[0, 16])).verdict
    'partly'
    """
    costs = costs[costs["networks"] > 0]
    if costs.empty:
        return CLAIMS["vogt.cost"].untested("no network finished, so there is no training to compare with")
    limit = 3 * claimed
    holds = [bool(f <= limit) for f in costs["fraction"]]
    fails = [not h and a == 0 for h, a in zip(holds, costs["at_last"], strict=True)]
    if all(holds):
        verdict = "reproduced"
    elif any(fails):
        verdict = "partly" if any(holds) else "not reproduced"
    else:
        verdict = "inconclusive"
    shown = "; ".join(f"{display_name(r.task)} on a {display_name(r.device)}: a spectrum = "
                      f"{r.spectrum_iterations:.1f} iterations, {_share(r.fraction)} the "
                      f"{counted(round(r.iterations), 'iteration')} to the selected epoch"
                      + (f" ({counted(r.at_last, 'network')} selected at {'its' if r.at_last == 1 else 'their'} last "
                         "epoch)" if r.at_last else "")
                      for r in costs.itertuples())
    return CLAIMS["vogt.cost"].outcome(
        verdict, paper_value=f"1/{1 / claimed:.0f}", measured=shown,
        criterion=f"per task, timed with one worker: a spectrum's training iterations over the mean iterations to "
                  f"the selected epoch at most 3 × 1/{1 / claimed:.0f} = {limit:g}; above it, a task "
                  "whose networks were selected at their last epoch cannot tell (their training was cut short "
                  "of its minimum)")
