"""Both papers' tools on one trained network: the spectral radius at the equilibrium of the network without
input (Amrouche et al.) and the Lyapunov exponents of the network driven by its data (Vogt et al.).

- At a stable equilibrium the two meet: along a trajectory that converges to it, the Jacobians of the map
  converge to the linearisation J* there, so the Lyapunov exponents of the autonomous (c, h) map equal
  log |λ_i(J*)| (:func:`exponents_at_equilibrium`; chapter *Equilibria through training*, section "Both tools
  on one network").
- The chapters that train networks (*Equilibria through training*, *Lyapunov spectra of trained networks*)
  measure both for every network they train (:func:`equilibrium_measures`, :func:`driven_exponents`) and write
  them to their results files; the scorecard puts all of them in one figure and compares the rankings the two
  measures give (:func:`both_tools_frame`, :func:`ranking_sentence`, :func:`stabilised_sentence`).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import torch

from lstmdyn.equilibria import AutonomousLSTM, Equilibrium, find_equilibrium
from lstmdyn.experiments.rank_correlation import Correlation, spearman_interval
from lstmdyn.lyapunov import lyapunov_spectra, map_spectrum
from lstmdyn.training import SequenceData, SequenceModel
from lstmdyn.words import join_words

__all__ = ["EXPONENTS", "TASKS", "both_tools_frame", "driven_exponents", "driven_inputs", "equilibrium_measures",
           "exponents_at_equilibrium", "model_spectra", "model_spectrum", "ranking_sentence", "stabilised_sentence",
           "task_orders"]


def model_spectrum(model: SequenceModel, inputs: torch.Tensor, state: Literal["h", "hc"] = "h",
                   dtype: torch.dtype = torch.float64, **options) -> np.ndarray:
    """The Lyapunov spectrum of a trained model's LSTM driven by ``inputs`` (encoded as the model encodes
    them), in ``dtype`` (float64 unless said) on the model's device: the mean over the sequences, natural log
    per step, as float64 numpy. ``options`` go to :func:`~lstmdyn.lyapunov.lyapunov_spectrum` (``warmup``,
    ``frame``).

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> model = SequenceModel(3, 8, 2, "regression")
    >>> x = torch.randn(2, 30, 3)
    >>> spectrum = model_spectrum(model, x)
    >>> spectrum.shape, bool(np.abs(model_spectrum(model, x, dtype=torch.float32) - spectrum).max() < 1e-4)
    ((8,), True)
    """
    return model_spectra([model], inputs, state, dtype, **options)[0]


def model_spectra(models: list[SequenceModel], inputs: torch.Tensor, state: Literal["h", "hc"] = "h",
                  dtype: torch.dtype = torch.float64, **options) -> np.ndarray:
    """:func:`model_spectrum` of several models of one shape, in one batched call of
    :func:`~lstmdyn.lyapunov.lyapunov_spectra` (each driven by ``inputs`` as it encodes them): (len(models), k).

    Parameters
    ----------
    models : list of SequenceModel
        Networks of one shape.
    inputs : tensor
        The driving sequences, as the models' encoder reads them (one-hot indices or features).
    state : {"h", "hc"}
        The hidden state alone (the paper's) or the full state.
    dtype : torch.dtype
        The dtype of the computation (float64 for the final measurements).
    **options
        For :func:`~lstmdyn.lyapunov.lyapunov_spectra` (``frame``, ``warmup``, …).

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> models = [SequenceModel(3, 8, 2, "regression") for _ in range(2)]
    >>> x = torch.randn(2, 30, 3)
    >>> spectra = model_spectra(models, x)
    >>> spectra.shape, bool((spectra[1] == model_spectrum(models[1], x)).all())
    ((2, 8), True)
    """
    device = next(models[0].parameters()).device
    layers = [copy.deepcopy(model.recurrent).to(dtype).eval() for model in models]
    with torch.no_grad():
        x = torch.stack([model.encode(inputs.to(device)).to(dtype) for model in models])
    return lyapunov_spectra(layers, x, state=state, **options).mean(1).double().cpu().numpy()


def driven_inputs(data: SequenceData, sequences: int = 10, steps: int = 100) -> torch.Tensor:
    """Up to ``sequences`` input sequences of up to ``steps`` steps from ``data``, for a spectrum.

    Samples give their first ``steps`` steps (a sample shorter than that gives all of its steps); a stream
    (windows of parallel streams, :class:`~lstmdyn.training.SequenceData`) gives its streams, each the
    concatenation of its consecutive windows.

    Examples
    --------
    >>> windows = SequenceData(torch.arange(24).reshape(3, 2, 4), torch.zeros(3, 2, 4), stream=True)
    >>> driven_inputs(windows, sequences=1, steps=10)
    tensor([[ 0,  1,  2,  3,  8,  9, 10, 11, 16, 17]])
    >>> driven_inputs(SequenceData(torch.zeros(5, 28, 3), torch.zeros(5)), sequences=2).shape
    torch.Size([2, 28, 3])
    """
    if data.stream:
        windows = math.ceil(steps / data.inputs.shape[2])
        streams = data.inputs[:windows].transpose(0, 1)  # (streams, windows, T, …)
        return streams.reshape(streams.shape[0], -1, *streams.shape[3:])[:sequences, :steps]
    return data.inputs[:sequences, :steps]


def driven_exponents(model: SequenceModel, inputs: torch.Tensor) -> dict[str, float]:
    """The largest and the mean Lyapunov exponent of ``model`` driven by ``inputs``, for the state h
    (``max_le``, ``mean_le``) and the full state (h, c) (``max_le_hc``, ``mean_le_hc``); means over the
    sequences, natural log per step, float64.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> exponents = driven_exponents(SequenceModel(3, 5, 2, "class"), torch.randn(2, 20, 3))
    >>> sorted(exponents), exponents["mean_le"] <= exponents["max_le"]
    (['max_le', 'max_le_hc', 'mean_le', 'mean_le_hc'], True)
    """
    h, hc = model_spectrum(model, inputs), model_spectrum(model, inputs, state="hc")
    return {"max_le": float(h[0]), "mean_le": float(h.mean()), "max_le_hc": float(hc[0]),
            "mean_le_hc": float(hc.mean())}


def equilibrium_measures(model: SequenceModel) -> dict[str, float]:
    """``spectral_radius`` and ``max_real`` (the largest real part of an eigenvalue) at the equilibrium of the
    model's LSTM without input, found by the fixed-point homotopy from zero; NaN if it did not converge.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> measures = equilibrium_measures(SequenceModel(3, 8, 2, "class"))
    >>> sorted(measures), 0 < measures["spectral_radius"] < 1
    (['max_real', 'spectral_radius'], True)
    """
    equilibrium = find_equilibrium(AutonomousLSTM.from_torch(model.recurrent))
    if not equilibrium.converged:
        return {"spectral_radius": math.nan, "max_real": math.nan}
    return {"spectral_radius": float(equilibrium.spectral_radius), "max_real": float(equilibrium.max_real)}


def exponents_at_equilibrium(lstm: AutonomousLSTM, equilibrium: Equilibrium, *, steps: int = 2000,
                             warmup: int = 500, kick: float = 1e-3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The Lyapunov exponents of ``lstm``'s autonomous map along a trajectory started ``kick`` away from a
    stable ``equilibrium``, and the log-moduli of the eigenvalues of its linearisation; both sorted in
    descending order (natural log per step).

    Parameters
    ----------
    lstm : AutonomousLSTM
        The autonomous map.
    equilibrium : Equilibrium
        A converged, stable equilibrium of it.
    steps, warmup : int
        Steps counted, and steps taken first and not counted.
    kick : float
        The size of the random displacement of the start state from the equilibrium.
    seed : int
        Seeds the displacement.

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

    Examples
    --------
    >>> import tempfile
    >>> directory = Path(tempfile.mkdtemp())
    >>> run = {"seed": 0, "final_spectral_radius": 0.8, "max_le": -0.1}
    >>> _ = (directory / "equilibria_training.json").write_text(json.dumps({"tasks": {"mnist": {"runs": [run]}}}))
    >>> both_tools_frame(directory)[["task", "network", "spectral_radius", "max_le"]].values.tolist()
    [['MNIST', 'seed 0', 0.8, -0.1]]
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


def ranking_sentence(frame: pd.DataFrame, statistics: Sequence[str] = ("max_le",)
                     ) -> tuple[str, dict[str, Correlation]]:
    """How the spectral radius relates to each of ``statistics`` over the networks and over the tasks, as one
    sentence, and the Spearman correlations (with their bootstrap intervals) that decided it.

    Over the networks a statistic is positively correlated with the radius if the interval lies above 0,
    negatively if below, and otherwise the networks cannot tell a correlation either way (a wide interval above 0
    says no more than that the correlation is positive). The tasks come in the same order if their orders by the
    mean of each measure are the same.

    Examples
    --------
    >>> frame = pd.DataFrame({"task": ["A"] * 4 + ["B"] * 4, "spectral_radius": [0.1 * k for k in range(8)],
    ...                       "max_le": [0.1 * k - 1 for k in range(8)], "mean_le_hc": [1.0, 0, 2, 1, 0, 2, 1, 0]})
    >>> sentence, correlations = ranking_sentence(frame, ["max_le", "mean_le_hc"])
    >>> print(sentence)  # doctest: +NORMALIZE_WHITESPACE
    Over the 8 networks the spectral radius is positively correlated with the largest exponent of h (Spearman
    ρ +1.00, 95 % interval [+1.00, +1.00]), and no correlation with the mean exponent of (h, c) (ρ -0.11, [-0.82,
    +0.61]) can be told; the task means come in the order A < B by the spectral radius and the largest
    exponent of h, and B < A by the mean exponent of (h, c).
    """
    correlations: dict[str, Correlation] = {}
    groups: dict[str, list[str]] = {}  # the statistics' phrases, by how they relate to the radius
    for statistic in statistics:
        both = frame.dropna(subset=["spectral_radius", statistic])
        correlations[statistic] = spearman_interval(both["spectral_radius"], both[statistic])
    counts = {c.count for c in correlations.values()}
    for statistic, correlation in correlations.items():
        if math.isnan(correlation.rho):
            groups.setdefault("too few", []).append(f"the {EXPONENTS[statistic]}")
            continue
        first = not any(key != "too few" for key in groups)
        numbers = (f"{'Spearman ρ' if first else 'ρ'} {correlation.rho:+.2f}, {'95 % interval ' if first else ''}"
                   f"[{correlation.low:+.2f}, {correlation.high:+.2f}]"
                   + (f", n = {correlation.count}" if len(counts) > 1 else ""))
        relation = ("positively" if correlation.low > 0 else "negatively" if correlation.high < 0 else "none")
        groups.setdefault(relation, []).append(f"with the {EXPONENTS[statistic]} ({numbers})")
    clauses = []
    for relation, phrases in groups.items():
        if relation == "too few":
            clauses.append(f"too few of them have both the radius and {join_words(phrases)} to compare")
        elif relation == "none":
            clauses.append(f"no correlation {join_words(phrases, 'or')} can be told")
        else:
            clauses.append(f"the spectral radius is {relation} correlated {join_words(phrases)}")
    networks = max(counts, default=0)
    if all(math.isnan(c.rho) for c in correlations.values()):
        return f"Too few networks ({networks}) have both measures to compare their rankings.", correlations
    orders: dict[str, list[str]] = {}
    usable = [s for s in statistics if not math.isnan(correlations[s].rho)]
    for statistic in usable:
        by_radius, by_statistic = task_orders(frame.dropna(subset=["spectral_radius", statistic]), statistic)
        orders.setdefault(" < ".join(by_radius), [])  # the radius's order first
        orders.setdefault(" < ".join(by_statistic), []).append(f"the {EXPONENTS[statistic]}")
    radius_order = next(iter(orders))
    orders[radius_order].insert(0, "the spectral radius")
    if len(orders) == 1:
        tasks = f"the task means come in the same order by every measure ({radius_order})"
    else:
        tasks = "the task means come in the order " + join_words(
            [f"{order} by {join_words(measures)}" for order, measures in orders.items()], clauses=True)
    return f"Over the {networks} networks {join_words(clauses, clauses=True)}; {tasks}.", correlations


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
