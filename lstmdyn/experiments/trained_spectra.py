"""Chapter: *Lyapunov spectra of trained networks* (``notebooks/lyapunov_experiments.py``).

The experiments of Vogt et al., section 5: many networks trained on one task with different
hyperparameters, the Lyapunov spectrum of each at the epoch with the lowest validation loss, and how a
statistic of the spectrum ranks the networks by that loss.

- **CharRNN** (Fig. 4a,b; appendix A.1): War and Peace, one LSTM layer without biases, dropout and
  learning rate sampled uniformly in log-dropout and in learning rate, initialisation parameter 0.08; the
  claim: the largest exponent correlates with the validation loss, networks whose largest exponent is
  closer to 0 doing better.
- **CMU motion capture** (Fig. 4c,d; appendix A.2): the initialisation parameter p from 0.05 to 0.5 at
  fixed learning rate 0.05 and dropout 0; the claim: the mean exponent correlates with the loss, a larger
  mean exponent doing better.
- **The spectrum through training** (Fig. 3, section 5.2): the spectrum at every epoch against the selected
  one, and how early an epoch's spectrum ranks the networks by their final loss.
- **Cost** (Table 1): one spectrum's time against the training time to the selected epoch.

Each network is a :class:`SpectrumMember` of a sweep (:mod:`lstmdyn.sweeps`); :func:`train_and_measure`
trains it, evaluating the validation loss and the spectrum (h-state, 10 test sequences of 100 steps, QR every
step, float64) after every epoch, epoch 0 being the initialisation. The paper's six highlighted networks of
each task (its appendix A.3) are members too, named by their colour in the paper's figure.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import torch
from scipy import stats

from lstmdyn.data import char_sequences, load_war_and_peace
from lstmdyn.data.mocap import mocap_sequences
from lstmdyn.experiments.both_tools import equilibrium_measures, model_spectrum
from lstmdyn.experiments.claims import Verdict, by_share, json_ready, profile
from lstmdyn.experiments.tasks import Task, first_samples, mocap_task, war_and_peace_task
from lstmdyn.training import SequenceModel, evaluate, train, write_atomically

__all__ = ["CHARRNN_DROPOUT", "CHARRNN_LR", "PAPER_CHARRNN", "PAPER_MOCAP", "charrnn_members", "convergence",
           "convergence_verdict", "Correlation", "correlation_verdict", "cost_table", "cost_verdict",
           "early_ranking", "early_readout", "mocap_members", "ranking_epoch", "results_record",
           "selected_rows", "spearman_interval", "spectrum_inputs", "SpectrumMember", "SWEEP_CLAIMS", "sweep_claim",
           "sweep_members", "train_and_measure"]

TaskName = Literal["charrnn", "mocap"]

#: The highlighted networks of Vogt et al., appendix A.3: colour → (dropout, learning rate, p).
PAPER_CHARRNN = {"blue": (0.034, 0.00301, 0.08), "orange": (0.000, 0.00319, 0.08),
                 "green": (0.039, 0.00574, 0.08), "red": (0.028, 0.00055, 0.08),
                 "purple": (0.014, 0.00153, 0.08), "brown": (0.106, 0.00485, 0.08)}
PAPER_MOCAP = {"blue": (0.0, 0.05, 0.476), "orange": (0.0, 0.05, 0.305), "green": (0.0, 0.05, 0.196),
               "red": (0.0, 0.05, 0.309), "purple": (0.0, 0.05, 0.059), "brown": (0.0, 0.05, 0.439)}
#: Ranges of the sampled CharRNNs, covering the six networks above: log10 dropout uniform on
#: [−3, log10 0.106] (the paper's range is not given; 0.001 stands in for its dropout 0) and the learning
#: rate uniform on [0.00055, 0.00574].
CHARRNN_DROPOUT = (1e-3, 0.106)
CHARRNN_LR = (0.00055, 0.00574)


@dataclass(frozen=True)
class SpectrumMember:
    """One network of a sweep: its task, sizes, hyperparameters and what its spectrum is computed on.

    Attributes
    ----------
    task : {"charrnn", "mocap"}
    hidden : int
        LSTM units (the paper: 512 for CharRNN, 256 for motion capture).
    epochs : int
    lr, dropout, init : float
        Learning rate, dropout on the LSTM's output, initialisation parameter p (weights uniform on ±p).
    seed : int
    samples, valid_samples : int, optional
        Training and validation sequences (windows) used; None for all.
    sequences, steps : int
        The spectrum's test-split inputs: ``sequences`` sequences of ``steps`` steps (the paper: 10 × 100).
    label : str
        A name, such as the colour of one of the paper's highlighted networks; "" for a sampled one.
    """

    task: TaskName
    hidden: int
    epochs: int
    lr: float
    dropout: float = 0.0
    init: float = 0.08
    seed: int = 0
    samples: int | None = None
    valid_samples: int | None = None
    sequences: int = 10
    steps: int = 100
    label: str = ""


def member_task(member: SpectrumMember) -> Task:
    """The member's :class:`~lstmdyn.experiments.tasks.Task` with its hyperparameters set."""
    if member.task == "charrnn":
        task = war_and_peace_task(member.hidden, samples=member.samples, seed=member.seed)
    elif member.task == "mocap":
        task = mocap_task(member.hidden, samples=member.samples, seed=member.seed)
    else:
        raise ValueError(f"unknown task {member.task!r}: expected 'charrnn' or 'mocap'")
    task.model.dropout.p = member.dropout
    task.config.lr, task.config.init = member.lr, member.init
    task.valid = first_samples(task.valid, member.valid_samples)
    return task


def spectrum_inputs(task: TaskName, sequences: int = 10, steps: int = 100) -> torch.Tensor:
    """Test-split inputs for the spectrum: ``sequences`` non-overlapping stretches of ``steps`` steps.

    CharRNN: character ids (sequences, steps) from the start of the test text. Motion capture: normalised
    frames (sequences, steps, 20), the test recordings cut into stretches taken in turn from each
    recording (the four recordings give 15 stretches of 100 frames).
    """
    if task == "charrnn":
        return char_sequences(load_war_and_peace()[0]["test"], steps)[0][:sequences]
    recordings = list(mocap_sequences()[0]["test"].values())
    stretches = [[r[i:i + steps] for i in range(0, len(r) - steps + 1, steps)] for r in recordings]
    order = [s for turn in range(max(map(len, stretches))) for group in stretches if turn < len(group)
             for s in [group[turn]]]
    if len(order) < sequences:
        raise ValueError(f"the motion-capture test recordings hold {len(order)} stretches of {steps} frames, "
                         f"fewer than {sequences}")
    return torch.tensor(np.array(order[:sequences]), dtype=torch.float32)


def train_and_measure(member: SpectrumMember, directory: Path, device: str = "cpu"
                      ) -> tuple[dict, list[dict]]:
    """Train ``member`` in ``directory``, measuring after every epoch; resume from what is there.

    After every epoch (and at the initialisation, epoch 0) the validation loss and the h-state spectrum
    are measured and written as ``epoch_EEE.json``; the weights with the lowest validation loss so far are
    kept as ``best.pt`` and only the latest training checkpoint is kept. Called again, it resumes from that
    checkpoint (measuring it first if it was not), or returns at once if every epoch was measured.

    Returns
    -------
    summary : dict
        At the selected epoch (the lowest validation loss after epoch 0): ``selected_epoch``,
        ``valid_loss``, ``max_le``, ``mean_le`` (h state) and ``max_le_hc``, ``mean_le_hc`` (the full
        state), ``spectral_radius`` and ``max_real`` at the equilibrium of the network without input
        (:func:`~lstmdyn.experiments.both_tools.equilibrium_measures`), ``train_seconds`` (training to that
        epoch, measurements excluded), ``spectrum_seconds``
        (median over epochs), ``initial_loss``.
    rows : list of dict
        Per epoch: ``epoch``, ``step``, ``valid_loss``, ``train_seconds``, ``spectrum_seconds``, ``max_le``,
        ``mean_le``, ``spectrum``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    task = member_task(member)
    per_epoch = task.train.count(task.config.batch_size)
    task.config.epochs, task.config.checkpoint_every, task.config.device = member.epochs, per_epoch, device
    inputs = spectrum_inputs(member.task, member.sequences, member.steps)
    rows = {int(p.stem.split("_")[1]): json.loads(p.read_text()) for p in directory.glob("epoch_*.json")}
    clock = time.perf_counter()

    def measure(step: int, model: SequenceModel, path: Path | None) -> None:
        nonlocal clock
        train_seconds = time.perf_counter() - clock if step else 0.0
        epoch = step // per_epoch
        valid_loss = evaluate(model, task.valid)
        start = time.perf_counter()
        spectrum = model_spectrum(model, inputs)
        spectrum_seconds = time.perf_counter() - start
        earlier = [r["valid_loss"] for e, r in rows.items() if 1 <= e < epoch]
        if epoch >= 1 and valid_loss <= min(earlier, default=math.inf) and math.isfinite(valid_loss):
            write_atomically(directory / "best.pt", lambda p: torch.save(model.state_dict(), p))
        rows[epoch] = {"epoch": epoch, "step": step, "valid_loss": valid_loss, "train_seconds": train_seconds,
                       "spectrum_seconds": spectrum_seconds, "max_le": float(spectrum[0]),
                       "mean_le": float(spectrum.mean()), "spectrum": spectrum.tolist()}
        write_atomically(directory / f"epoch_{epoch:03d}.json", lambda p: p.write_text(json.dumps(rows[epoch])))
        for old in directory.glob("step_*.pt"):
            if path is not None and old.name < path.name:
                old.unlink()
        clock = time.perf_counter()

    checkpoints = sorted(directory.glob("step_*.pt"))
    last = checkpoints[-1] if checkpoints else None
    if member.epochs not in rows or not (directory / "best.pt").exists():
        if last is not None and int(last.stem.split("_")[1]) // per_epoch not in rows:
            saved = torch.load(last, weights_only=False)
            task.model.load_state_dict(saved["model"])
            measure(saved["step"], task.model.to(device), last)
        if last is None or int(last.stem.split("_")[1]) < member.epochs * per_epoch:
            train(task.model, task.train, task.config, checkpoint_dir=directory, on_checkpoint=measure,
                  resume_from=last, progress=False, checkpoint_at_start=last is None)
    for old in directory.glob("step_*.pt"):
        old.unlink()
    ordered = [rows[e] for e in sorted(rows)]
    trained = [r for r in ordered if r["epoch"] >= 1] or ordered
    best = min(trained, key=lambda r: r["valid_loss"])
    task.model.load_state_dict(torch.load(directory / "best.pt", map_location=device) if best["epoch"] else
                               task.model.state_dict())
    full = model_spectrum(task.model.to(device), inputs, state="hc")
    summary = {"selected_epoch": best["epoch"], "valid_loss": best["valid_loss"], "max_le": best["max_le"],
               "mean_le": best["mean_le"], "max_le_hc": float(full[0]), "mean_le_hc": float(full.mean()),
               **equilibrium_measures(task.model),
               "train_seconds": sum(r["train_seconds"] for r in ordered if r["epoch"] <= best["epoch"]),
               "spectrum_seconds": float(np.median([r["spectrum_seconds"] for r in ordered])),
               "initial_loss": ordered[0]["valid_loss"]}
    return summary, ordered


def charrnn_members(networks: int, *, hidden: int = 512, epochs: int = 40, samples: int | None = None,
                    valid_samples: int | None = None, named: int = 6, seed: int = 0) -> list[SpectrumMember]:
    """``networks`` CharRNNs with dropout and learning rate sampled (see :data:`CHARRNN_DROPOUT`,
    :data:`CHARRNN_LR`; seeded by ``seed``), then the first ``named`` of the paper's six networks.

    Examples
    --------
    >>> members = charrnn_members(3, hidden=16, named=2)
    >>> len(members), [m.label for m in members][-2:], all(1e-3 <= m.dropout <= 0.106 for m in members[:3])
    (5, ['blue', 'orange'], True)
    """
    rng = np.random.default_rng(seed)
    log_dropout = rng.uniform(*np.log10(CHARRNN_DROPOUT), networks)
    rates = rng.uniform(*CHARRNN_LR, networks)
    common = {"task": "charrnn", "hidden": hidden, "epochs": epochs, "samples": samples,
              "valid_samples": valid_samples, "seed": seed, "init": 0.08}
    sampled = [SpectrumMember(lr=round(float(lr), 6), dropout=round(float(10 ** d), 4), **common)
               for d, lr in zip(log_dropout, rates, strict=True)]
    paper = [SpectrumMember(lr=lr, dropout=d, label=colour, **common)
             for colour, (d, lr, _) in list(PAPER_CHARRNN.items())[:named]]
    return sampled + paper


def mocap_members(values: int, *, hidden: int = 256, epochs: int = 100, named: int = 6, seed: int = 0
                  ) -> list[SpectrumMember]:
    """Motion-capture networks with ``values`` initialisation parameters p evenly from 0.05 to 0.5, then
    the first ``named`` of the paper's six; learning rate 0.05, dropout 0.

    Examples
    --------
    >>> [m.init for m in mocap_members(3, named=1)]
    [0.05, 0.275, 0.5, 0.476]
    """
    common = {"task": "mocap", "hidden": hidden, "epochs": epochs, "seed": seed, "lr": 0.05, "dropout": 0.0}
    grid = [SpectrumMember(init=round(float(p), 4), **common) for p in np.linspace(0.05, 0.5, values)]
    paper = [SpectrumMember(init=p, label=colour, **common) for colour, (_, _, p) in
             list(PAPER_MOCAP.items())[:named]]
    return grid + paper


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation with a bootstrap percentile interval."""

    rho: float
    low: float
    high: float
    count: int
    level: float = 0.95

    def __str__(self) -> str:
        return f"ρ = {self.rho:+.2f} [{self.low:+.2f}, {self.high:+.2f}] (n = {self.count})"


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's ρ, NaN for fewer than three pairs or a constant variable (identical networks, say)."""
    return float(stats.spearmanr(x, y).statistic) if len(x) > 2 and np.ptp(x) > 0 and np.ptp(y) > 0 else math.nan


def spearman_interval(x: Sequence[float], y: Sequence[float], *, resamples: int = 2000, level: float = 0.95,
                      seed: int = 0) -> Correlation:
    """Spearman's ρ of ``x`` and ``y`` and a bootstrap percentile interval at ``level``.

    Pairs are resampled with replacement; resamples in which either variable is constant are dropped. ρ is
    NaN for fewer than three pairs or a constant variable.

    Examples
    --------
    >>> c = spearman_interval([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5])
    >>> round(c.rho, 3), c.low <= c.rho <= c.high, c.count
    (0.829, True, 6)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rho = _spearman(x, y)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples if len(x) > 2 else 0):
        index = rng.integers(0, len(x), len(x))
        rho_star = _spearman(x[index], y[index])
        if math.isfinite(rho_star):
            draws.append(rho_star)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail]) if draws else (math.nan, math.nan)
    return Correlation(rho, float(low), float(high), len(x), level)


def correlation_verdict(claim: str, paper: str, correlation: Correlation, sign: int) -> Verdict:
    """The verdict on a claimed correlation of sign ``sign`` (±1): reproduced if ρ has that sign and the
    interval excludes 0; partly if ρ has that sign but the interval reaches 0; else not reproduced.

    Examples
    --------
    >>> correlation_verdict("max LE vs loss", "negative", Correlation(-0.6, -0.8, -0.3, 12), -1).verdict
    'reproduced'
    >>> correlation_verdict("max LE vs loss", "negative", Correlation(-0.2, -0.7, 0.3, 12), -1).verdict
    'partly'
    """
    if not math.isfinite(correlation.rho):
        outcome = "not yet run"
    elif sign * correlation.rho > 0 and sign * correlation.high > 0 and sign * correlation.low > 0:
        outcome = "reproduced"
    elif sign * correlation.rho > 0:
        outcome = "partly"
    else:
        outcome = "not reproduced"
    word = "negative" if sign < 0 else "positive"
    return Verdict(claim, paper, str(correlation), outcome,
                   f"ρ {word} and its {correlation.level:.0%} bootstrap interval excluding 0: reproduced; ρ {word} "
                   "but the interval reaching 0: partly")


def selected_rows(epochs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The epoch rows of the finished members at their selected epochs (one row per member)."""
    finished = members[members["status"] == "finished"][["key", "selected_epoch"]]
    merged = epochs.merge(finished, on="key")
    return merged[merged["epoch"] == merged["selected_epoch"]].reset_index(drop=True)


def convergence(epochs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Per member and epoch: the mean squared difference and the mean difference of the spectrum to the
    spectrum at the selected epoch (Vogt et al., Fig. 3); a negative mean difference is a spectrum below
    its final one. Columns ``key``, ``epoch``, ``msd``, ``mean_difference``.

    Examples
    --------
    >>> epochs = pd.DataFrame({"key": ["a"] * 3, "epoch": [0, 1, 2],
    ...                        "spectrum": [[-2.0, -3.0], [-1.0, -2.0], [-1.0, -2.0]]})
    >>> members = pd.DataFrame({"key": ["a"], "status": ["finished"], "selected_epoch": [2]})
    >>> convergence(epochs, members)[["epoch", "msd", "mean_difference"]].values.tolist()
    [[0.0, 1.0, -1.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]
    """
    final = {r.key: np.asarray(r.spectrum) for r in selected_rows(epochs, members).itertuples()}
    out = [{"key": r.key, "epoch": r.epoch, "msd": float(np.mean((np.asarray(r.spectrum) - final[r.key]) ** 2)),
            "mean_difference": float(np.mean(np.asarray(r.spectrum) - final[r.key]))}
           for r in epochs.itertuples() if r.key in final]
    return pd.DataFrame(out)


def early_ranking(epochs: pd.DataFrame, members: pd.DataFrame, statistic: str,
                  correlation: Callable[..., Correlation] = spearman_interval) -> pd.DataFrame:
    """Epoch by epoch: how well ``statistic`` (``"max_le"``, ``"mean_le"``) at that epoch, and the
    validation loss at that epoch, rank the networks by their final (selected) validation loss.

    Columns ``epoch``, ``statistic_rho``, ``low``, ``high`` (the statistic against the final loss) and
    ``loss_rho`` (that epoch's loss against the final loss).
    """
    final = members[members["status"] == "finished"].set_index("key")["valid_loss"]
    rows = []
    for epoch, group in epochs[epochs["key"].isin(final.index)].groupby("epoch"):
        target = final.loc[group["key"]].to_numpy()
        c = correlation(group[statistic].to_numpy(), target)
        rows.append({"epoch": epoch, "statistic_rho": c.rho, "low": c.low, "high": c.high,
                     "loss_rho": _spearman(group["valid_loss"].to_numpy(), target)})
    return pd.DataFrame(rows)


def ranking_epoch(ranking: pd.DataFrame, final_rho: float, tolerance: float = 0.1) -> int | None:
    """The first epoch from which on the statistic's ρ with the final loss has the sign of ``final_rho`` (its
    value at the selected epochs) and stays within ``tolerance`` of it in magnitude; None if it never settles.

    Examples
    --------
    >>> ranking = pd.DataFrame({"epoch": [0, 1, 2, 3], "statistic_rho": [0.1, -0.5, -0.65, -0.7]})
    >>> ranking_epoch(ranking, -0.7)
    2
    """
    close = (np.sign(ranking["statistic_rho"]) == np.sign(final_rho)) & (
        (ranking["statistic_rho"].abs() - abs(final_rho)).abs() <= tolerance)
    epochs = ranking["epoch"].to_numpy()
    for k in range(len(epochs)):
        if close.iloc[k:].all():
            return int(epochs[k])
    return None


def early_readout(task: str, ranking: pd.DataFrame, final: Correlation, tolerance: float = 0.1
                  ) -> tuple[int | None, str]:
    """From which epoch the statistic ranks the networks as at the selected epoch, and the sentence that says
    so: ``(epoch or None, sentence)``. Without a ranking at the selected epoch (its interval reaches 0) there
    is no early readout to look for, and the sentence says that instead.

    Examples
    --------
    >>> ranking = pd.DataFrame({"epoch": [1, 2, 3], "statistic_rho": [-0.2, -0.6, -0.7],
    ...                         "loss_rho": [0.5, 0.9, 1.0]})
    >>> epoch, sentence = early_readout("CharRNN", ranking, Correlation(-0.7, -0.9, -0.3, 12))
    >>> epoch, sentence.split(";")[1]
    (2, " that epoch's validation loss ranks them with ρ = +0.90.")
    >>> early_readout("mocap", ranking, Correlation(0.2, -0.4, 0.7, 16))[0] is None
    True
    """
    if not (final.low > 0 or final.high < 0):
        return None, (f"{task}: at the selected epoch the statistic does not rank the networks ({final}: the "
                      "interval reaches 0), so there is no early readout to look for.")
    epoch = ranking_epoch(ranking, final.rho, tolerance)
    if epoch is None:
        return None, (f"{task}: the statistic's correlation with the final loss does not settle within "
                      f"{tolerance:g} of its final value {final.rho:+.2f} before the last epoch.")
    loss_then = float(ranking.loc[ranking["epoch"] == epoch, "loss_rho"].iloc[0])
    return epoch, (f"{task}: from epoch {epoch} of {int(ranking['epoch'].iloc[-1])} on, the statistic ranks the "
                   f"networks by their final loss as at the selected epoch (ρ within {tolerance:g} of "
                   f"{final.rho:+.2f}); that epoch's validation loss ranks them with ρ = {loss_then:+.2f}.")


def cost_table(members: pd.DataFrame) -> pd.DataFrame:
    """Per task and device (Table 1): the mean selected epoch, the mean training seconds to it, the median
    seconds of one spectrum and their ratio (spectrum / training)."""
    finished = members[members["status"] == "finished"]
    table = finished.groupby(["task", "device"]).agg(networks=("key", "size"), epochs=("selected_epoch", "mean"),
                                                     train_seconds=("train_seconds", "mean"),
                                                     spectrum_seconds=("spectrum_seconds", "median"))
    table["fraction"] = table["spectrum_seconds"] / table["train_seconds"]
    return table.reset_index()


def sweep_members(name: Literal["charrnn", "mocap"], p: dict) -> list[SpectrumMember]:
    """The members of sweep ``name`` for the parameters ``p`` of the chapter's notebook (its ``char_*`` or
    ``mocap_*`` parameters and ``seed``): the command line and the chapter run the same members.

    Examples
    --------
    >>> p = {"seed": 0, "char_networks": 2, "char_named": 1, "char_hidden": 8, "char_epochs": 1,
    ...      "char_samples": 100, "char_valid": 20}
    >>> [(m.hidden, m.samples, m.label) for m in sweep_members("charrnn", p)]
    [(8, 100, ''), (8, 100, ''), (8, 100, 'blue')]
    """
    if name == "charrnn":
        return charrnn_members(p["char_networks"], hidden=p["char_hidden"], epochs=p["char_epochs"],
                               samples=p["char_samples"], valid_samples=p["char_valid"], named=p["char_named"],
                               seed=p["seed"])
    if name == "mocap":
        return mocap_members(p["mocap_values"], hidden=p["mocap_hidden"], epochs=p["mocap_epochs"],
                             named=p["mocap_named"], seed=p["seed"])
    raise ValueError(f"unknown sweep {name!r}: expected 'charrnn' or 'mocap'")


def convergence_verdict(converged: pd.DataFrame, members: pd.DataFrame) -> Verdict:
    """Vogt et al. 5.2: the spectrum converges to the trained network's within a few epochs, from below.

    Per network: the mean difference to the selected epoch's spectrum is negative at every earlier epoch,
    and the mean squared difference at the epoch before the selected one is below its value at the
    initialisation. :func:`~lstmdyn.experiments.claims.by_share` over the networks with at least one epoch
    before the selected one.
    """
    selected = members.set_index("key")["selected_epoch"]
    passed = []
    for key, group in converged.groupby("key"):
        before = group[group["epoch"] < selected[key]].sort_values("epoch")
        if len(before):
            passed.append(bool((before["mean_difference"] < 0).all() and before["msd"].iloc[-1] < before["msd"].iloc[0]
                               if len(before) > 1 else before["mean_difference"].iloc[0] < 0))
    return Verdict("the spectrum converges within a few epochs, from below", "Fig. 3 (CharRNN)",
                   f"{sum(passed)} of {len(passed)} networks", by_share(passed),
                   "per network: mean difference to the selected epoch's spectrum negative at every earlier "
                   "epoch and the mean squared difference shrinking; reproduced if every network passes")


def cost_verdict(costs: pd.DataFrame, *, claimed: float = 0.01) -> Verdict:
    """Vogt et al. 5.3 and Table 1: a spectrum costs about 1/100 of the training to the selected epoch.
    Reproduced if every task's fraction is at most 1/30 (within a factor 3 of the claim or below), partly
    if some are, else not reproduced."""
    shown = ", ".join(f"{r.task} on {r.device}: 1/{1 / r.fraction:.0f}" for r in costs.itertuples())
    return Verdict("a spectrum (10 × 100 steps) costs about 1/100 of training", f"1/{1 / claimed:.0f}", shown,
                   by_share([bool(f <= 3 * claimed) for f in costs["fraction"]]),
                   "per task: spectrum seconds / training seconds to the selected epoch at most 1/30")


MEMBER_COLUMNS = ["key", "label", "hidden", "epochs", "lr", "dropout", "init", "selected_epoch", "valid_loss",
                  "max_le", "mean_le", "max_le_hc", "mean_le_hc", "spectral_radius", "max_real", "device"]


def results_record(sweeps: dict[str, dict], costs: pd.DataFrame, verdicts: Sequence[Verdict]) -> dict:
    """The chapter's key numbers for its results file (the keys are documented on the chapter page).

    ``sweeps`` maps a sweep's name to ``tables`` (its :class:`~lstmdyn.sweeps.SweepTables`), ``statistic``,
    ``spearman`` and ``spearman_other`` (:class:`Correlation`) and ``ranking_epoch``. NaN becomes null.

    Examples
    --------
    >>> members = pd.DataFrame([{c: 0 for c in MEMBER_COLUMNS} | {"status": "finished", "max_le": float("nan")}])
    >>> from lstmdyn.sweeps import SweepTables
    >>> sweep = {"tables": SweepTables(members, pd.DataFrame()), "statistic": "max_le", "ranking_epoch": None,
    ...          "spearman": Correlation(-0.5, -0.9, 0.1, 5), "spearman_other": Correlation(0.1, -0.5, 0.6, 5)}
    >>> record = results_record({"charrnn": sweep}, pd.DataFrame(), [])
    >>> record["sweeps"]["charrnn"]["members"][0]["max_le"], record["sweeps"]["charrnn"]["spearman"]["rho"]
    (None, -0.5)
    """
    out = {}
    for name, s in sweeps.items():
        t = s["tables"]
        out[name] = {"networks": len(t.members), "failed": int((t.members["status"] == "failed").sum()),
                     "statistic": s["statistic"], "spearman": asdict(s["spearman"]),
                     "spearman_other": asdict(s["spearman_other"]), "ranking_epoch": s["ranking_epoch"],
                     "members": t.finished[MEMBER_COLUMNS].to_dict("records")}
    return json_ready({"profile": profile(), "sweeps": out,
                   "cost": costs.to_dict("records"), "claims": [v.as_dict() for v in verdicts]})


#: Each sweep's claim (Vogt et al. 5.4): the statistic of the spectrum, the other one, and the claim's words;
#: both claims are of a negative Spearman correlation with the validation loss.
SWEEP_CLAIMS = {
    "charrnn": ("max_le", "mean_le", "CharRNN: the largest exponent correlates with the validation loss, closer to 0 "
                                     "doing better"),
    "mocap": ("mean_le", "max_le", "motion capture: the mean exponent correlates with the validation loss, larger "
                                   "doing better"),
}


def sweep_claim(name: str, chosen: pd.DataFrame, seed: int = 0) -> tuple[Correlation, Correlation, Verdict]:
    """For sweep ``name`` and its networks at their selected epochs (:func:`selected_rows`): the Spearman
    correlation of the claimed statistic with the validation loss, that of the other statistic, and the
    verdict (:func:`correlation_verdict`, sign −1)."""
    statistic, other, claim = SWEEP_CLAIMS[name]
    claimed = spearman_interval(chosen[statistic], chosen["valid_loss"], seed=seed)
    return (claimed, spearman_interval(chosen[other], chosen["valid_loss"], seed=seed),
            correlation_verdict(claim, "negative ρ", claimed, -1))
