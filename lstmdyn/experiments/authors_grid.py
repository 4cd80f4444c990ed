"""Chapter: *Lyapunov spectra of trained networks* (``notebooks/lyapunov_experiments.py``): the authors' own CharRNN
population, their published grid search (:mod:`lstmdyn.data.hyperopt`), analysed as the book's own sweeps are.

- :func:`grid_networks`: one row per network at epoch 4 or 15, in the columns the chapter's figures and claims read;
- :func:`interval_power`: how often a bootstrap interval over ``n`` networks drawn from a population decides the
  sign of its correlation, for several ``n``: the number of networks a sweep needs (:func:`decidable_size`);
- :func:`confound_rows` and :func:`within_sentence`: the raw correlation beside the correlations within strata of
  equal learning rate and of equal dropout (:func:`~lstmdyn.experiments.rank_correlation.stratified_spearman`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lstmdyn.experiments.claims_vogt import MIN_NETWORKS
from lstmdyn.experiments.rank_correlation import Correlation, StratifiedCorrelation, spearman_interval

__all__ = ["DECIDING_SHARE", "confound_rows", "decidable_size", "grid_networks", "interval_power", "still_improving",
           "within_sentence"]

#: the share of subsamples whose interval must decide for a number of networks to count as enough
DECIDING_SHARE = 0.8


def grid_networks(grid: pd.DataFrame, epoch: int) -> pd.DataFrame:
    """The grid's networks after ``epoch`` (4 or 15): ``spectrum`` (the authors' mean spectrum, bits per step),
    ``max_le``, ``mean_le``, ``valid_loss`` (the validation loss after that epoch), ``final_loss`` (after the last),
    ``dropout``, ``lr`` and an empty ``label``, the columns of the chapter's Fig. 4.

    Examples
    --------
    >>> grid = pd.DataFrame({"dropout": [0.0], "lr": [0.001], "valid_losses": [[3.0, 2.0, 1.6, 1.5, 1.4]],
    ...                      "spectrum_e4": [np.array([-0.1, -0.5])]})
    >>> grid_networks(grid, 4)[["max_le", "mean_le", "valid_loss", "final_loss"]].values.tolist()
    [[-0.1, -0.3, 1.5, 1.4]]
    """
    spectra = grid[f"spectrum_e{epoch}"]
    return pd.DataFrame({"dropout": grid["dropout"], "lr": grid["lr"], "spectrum": spectra,
                         "max_le": spectra.map(lambda s: float(s[0])),
                         "mean_le": spectra.map(lambda s: float(np.mean(s))),
                         "valid_loss": grid["valid_losses"].map(lambda v: float(v[epoch - 1])),
                         "final_loss": grid["valid_losses"].map(lambda v: float(v[-1])), "label": ""})


def still_improving(grid: pd.DataFrame) -> int:
    """How many of the grid's networks had their lowest validation loss at their last epoch: still improving when
    their training stopped.

    Examples
    --------
    >>> still_improving(pd.DataFrame({"valid_losses": [[3.0, 2.0, 1.9], [3.0, 1.8, 1.9]]}))
    1
    """
    return int(sum(int(np.argmin(v)) == len(v) - 1 for v in grid["valid_losses"]))


def interval_power(x: Sequence[float], y: Sequence[float], sizes: Sequence[int], *, draws: int = 200,
                   resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """For each ``n`` of ``sizes``: of ``draws`` subsamples of ``n`` networks drawn without replacement from the
    population (``x``, ``y``), the share whose bootstrap interval for Spearman's ρ excludes 0 on the side of the
    whole population's ρ (``decides``), and on the other side (``wrong``). Columns ``networks``, ``decides``,
    ``wrong``.

    Parameters
    ----------
    x, y : sequence of float
        The population's two variables.
    sizes : sequence of int
        The subsample sizes n.
    draws : int
        Subsamples per size.
    resamples : int
        Bootstrap resamples of each subsample's interval.
    seed : int
        Seeds the draws and the resampling.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=60)
    >>> power = interval_power(x, -x + rng.normal(size=60), [5, 40], draws=50, resamples=400)
    >>> bool(power["decides"].iloc[0] < power["decides"].iloc[1] == 1.0)
    True
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    sign = np.sign(spearman_interval(x, y, resamples=0).rho)
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        decides = wrong = 0
        for d in range(draws):
            index = rng.choice(len(x), size=n, replace=False)
            c = spearman_interval(x[index], y[index], resamples=resamples, seed=seed + d)
            decides += (c.high < 0) if sign < 0 else (c.low > 0)
            wrong += (c.low > 0) if sign < 0 else (c.high < 0)
        rows.append({"networks": n, "decides": decides / draws, "wrong": wrong / draws})
    return pd.DataFrame(rows, columns=["networks", "decides", "wrong"])


def decidable_size(power: pd.DataFrame, share: float = DECIDING_SHARE) -> int | None:
    """The fewest networks of an :func:`interval_power` table from which on the interval decides in at least
    ``share`` of the subsamples; None if no size does.

    Examples
    --------
    >>> decidable_size(pd.DataFrame({"networks": [10, 20, 30, 40], "decides": [0.3, 0.85, 0.75, 0.8], "wrong": 0.0}))
    40
    >>> decidable_size(pd.DataFrame({"networks": [10], "decides": [0.3], "wrong": 0.0})) is None
    True
    """
    enough = power["decides"].to_numpy() >= share
    for k in range(len(enough)):
        if enough[k:].all():
            return int(power["networks"].iloc[k])
    return None


def confound_rows(population: str, raw: Correlation, within_rate: StratifiedCorrelation,
                  within_dropout: StratifiedCorrelation) -> list[dict]:
    """Three rows of the chapter's confound table for one population: the raw ρ and the ρ within strata of equal
    learning rate and of equal dropout, each with its interval and n.

    Examples
    --------
    >>> rows = confound_rows("grid", Correlation(-0.57, -0.7, -0.4, 110),
    ...                      StratifiedCorrelation(0.33, 0.11, 0.51, 110, strata=10, p_value=0.001),
    ...                      StratifiedCorrelation(-0.65, -0.76, -0.44, 110, strata=11, p_value=0.001))
    >>> [r["among"] for r in rows]
    ['all networks', 'networks of one learning rate', 'networks of one dropout']
    """
    return [{"population": population, "among": among, "ρ": c.rho, "low": c.low, "high": c.high, "networks": c.count,
             "strata": getattr(c, "strata", 1), "p": getattr(c, "p_value", np.nan)}
            for among, c in (("all networks", raw), ("networks of one learning rate", within_rate),
                             ("networks of one dropout", within_dropout))]


def within_sentence(population: str, raw: Correlation, within_rate: StratifiedCorrelation, *,
                    minimum: int = MIN_NETWORKS) -> str:
    """What the raw correlation and the one among networks of one learning rate say together, each worded for
    what it is; with fewer than ``minimum`` networks in the strata (:data:`~lstmdyn.experiments.claims_vogt.
    MIN_NETWORKS`), that they are too few to tell.

    Examples
    --------
    >>> print(within_sentence("the authors' grid", Correlation(-0.57, -0.7, -0.4, 110),
    ...                       StratifiedCorrelation(0.33, 0.11, 0.51, 110, strata=10, p_value=0.001))[-140:])
    the sign reverses, so the raw ranking is the learning rate's: among networks trained at one rate, a larger \
exponent goes with a higher loss.
    >>> print(within_sentence("a sweep", Correlation(-1.0, -1.0, -1.0, 4),
    ...                       StratifiedCorrelation(-1.0, -1.0, -1.0, 4, strata=1, p_value=0.09))[-60:])
    4 networks in the strata are too few to tell (fewer than 8).
    """
    head = (f"On {population}, across all networks {raw}; among networks of one learning rate "
            f"(mean of the within-rate ρ) {within_rate}: ")
    if not np.isfinite(within_rate.rho):
        return head + "no stratum of equal rate holds enough networks to tell."
    if within_rate.count < minimum:
        return head + f"{within_rate.count} networks in the strata are too few to tell (fewer than {minimum})."
    if within_rate.low > 0 > raw.high:
        return head + ("the sign reverses, so the raw ranking is the learning rate's: among networks trained at one "
                       "rate, a larger exponent goes with a higher loss.")
    if within_rate.high < 0 and raw.high < 0:
        return head + "the ranking holds among networks of one rate too, so it is not the learning rate's alone."
    if within_rate.low > 0 and raw.low > 0:
        return head + "both are positive: a larger exponent goes with a higher loss, across rates and within them."
    return head + ("the within-rate interval spans 0, so what is left once the rate is held fixed cannot be told "
                   "from no relation at these numbers.")
