"""Page: *Scorecard* (``notebooks/scorecard.py``), section "Both tools on the same networks".

Every network trained in the book, from both experiments, on the two measures of stability: the spectral
radius at the equilibrium of the network without input (Amrouche et al.) and the Lyapunov exponents of the
network driven by its data (Vogt et al.), both read from the chapters' results files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from lstmdyn.experiments.trained_spectra import Correlation, spearman_interval

__all__ = ["EXPONENTS", "TASKS", "both_tools_frame", "ranking_sentence", "stabilised_sentence", "task_orders"]

#: The task of each network, as the figure names it.
TASKS = {"mnist": "MNIST", "ptb": "PTB", "nottingham": "Nottingham", "charrnn": "CharRNN", "mocap": "motion capture"}

#: The four exponent statistics and how the page names them.
EXPONENTS = {"max_le": "largest exponent of h", "mean_le": "mean exponent of h",
             "max_le_hc": "largest exponent of (h, c)", "mean_le_hc": "mean exponent of (h, c)"}


def both_tools_frame(directory: str | Path = ".") -> pd.DataFrame:
    """One row per trained network with both measures: ``experiment``, ``task``, ``network``,
    ``spectral_radius`` and the :data:`EXPONENTS`, from ``equilibria_training.json`` (the final network of
    each run) and ``lyapunov_experiments.json`` (each finished sweep member at its selected epoch) in
    ``directory``. A missing file contributes no row; a network whose equilibrium did not converge has a NaN
    radius.
    """
    directory, rows = Path(directory), []
    path = directory / "equilibria_training.json"
    if path.exists():
        for task, entry in json.loads(path.read_text())["tasks"].items():
            rows += [{"experiment": "equilibria", "task": TASKS[task], "network": f"seed {run['seed']}",
                      "spectral_radius": run["final_spectral_radius"], **{k: run.get(k) for k in EXPONENTS}}
                     for run in entry["runs"]]
    path = directory / "lyapunov_experiments.json"
    if path.exists():
        for name, sweep in json.loads(path.read_text())["sweeps"].items():
            rows += [{"experiment": "spectra", "task": TASKS[name], "network": member["label"],
                      "spectral_radius": member.get("spectral_radius"), **{k: member.get(k) for k in EXPONENTS}}
                     for member in sweep["members"]]
    columns = ["experiment", "task", "network", "spectral_radius", *EXPONENTS]
    return pd.DataFrame(rows, columns=columns).astype({c: float for c in ["spectral_radius", *EXPONENTS]})


def task_orders(frame: pd.DataFrame, statistic: str) -> tuple[list[str], list[str]]:
    """The tasks ordered by their mean spectral radius and by their mean ``statistic``, lowest first.

    Examples
    --------
    >>> frame = pd.DataFrame({"task": ["A", "A", "B"], "spectral_radius": [0.5, 0.7, 0.9],
    ...                       "max_le": [-0.1, -0.3, -0.5]})
    >>> task_orders(frame, "max_le")
    (['A', 'B'], ['B', 'A'])
    """
    means = frame.dropna(subset=["spectral_radius", statistic]).groupby("task")[["spectral_radius", statistic]].mean()
    return list(means["spectral_radius"].sort_values().index), list(means[statistic].sort_values().index)


def ranking_sentence(frame: pd.DataFrame, statistic: str = "max_le") -> tuple[str, Correlation]:
    """Whether the two measures rank the networks and the tasks the same way, as one sentence, and the
    Spearman correlation over the networks (with its bootstrap interval) that decided it.

    The networks are ranked alike if the interval lies above 0, oppositely if below, and neither way
    otherwise; the tasks are ranked alike if their orders by the mean of each measure are the same.

    Examples
    --------
    >>> frame = pd.DataFrame({"task": ["A"] * 4 + ["B"] * 4, "spectral_radius": [0.1 * k for k in range(8)],
    ...                       "max_le": [0.1 * k - 1 for k in range(8)]})
    >>> sentence, correlation = ranking_sentence(frame)
    >>> correlation.rho, sentence.startswith("Over the 8 networks the two measures rank alike")
    (1.0, True)
    """
    both = frame.dropna(subset=["spectral_radius", statistic])
    correlation = spearman_interval(both["spectral_radius"], both[statistic])
    if math.isnan(correlation.rho):
        return f"Too few networks ({len(both)}) have both measures to compare their rankings.", correlation
    how = ("rank alike" if correlation.low > 0 else "rank oppositely" if correlation.high < 0 else
           "do not rank the networks consistently either way")
    by_radius, by_statistic = task_orders(both, statistic)
    tasks = ("the tasks in the same order" if by_radius == by_statistic else "the tasks in different orders")
    return (f"Over the {correlation.count} networks the two measures {how} (Spearman ρ between the spectral radius "
            f"and the {EXPONENTS[statistic]} {correlation.rho:+.2f}, 95 % interval [{correlation.low:+.2f}, "
            f"{correlation.high:+.2f}]), and the task means put {tasks}: by spectral radius "
            f"{' < '.join(by_radius)}; by the {EXPONENTS[statistic]} {' < '.join(by_statistic)}.", correlation)


def stabilised_sentence(frame: pd.DataFrame, statistic: str = "max_le") -> str:
    """How many networks with an unstable equilibrium without input (spectral radius above 1) contract under
    input drive (``statistic`` below 0), as one sentence.

    Examples
    --------
    >>> frame = pd.DataFrame({"task": ["A", "A", "B"], "spectral_radius": [1.5, 0.8, 2.0],
    ...                       "max_le": [-0.5, -0.4, 0.1]})
    >>> stabilised_sentence(frame)  # doctest: +ELLIPSIS
    'Of the 2 networks whose equilibrium without input is unstable (... A 1, B 1), 1 has a negative largest ...'
    """
    unstable = frame[frame["spectral_radius"] > 1].dropna(subset=[statistic])
    if unstable.empty:
        return "No network has an unstable equilibrium without input (spectral radius above 1)."
    contracting = int((unstable[statistic] < 0).sum())
    counts = ", ".join(f"{task} {count}" for task, count in unstable.groupby("task", sort=False).size().items())
    has = "has" if contracting == 1 else "have"
    it = "it contract" if contracting == 1 else "them contract"
    return (f"Of the {len(unstable)} networks whose equilibrium without input is unstable (spectral radius above 1; "
            f"{counts}), {contracting} {has} a negative {EXPONENTS[statistic]} under input drive: the input makes "
            f"{it} where the autonomous network would not.")
