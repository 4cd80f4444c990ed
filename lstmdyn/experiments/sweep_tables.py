"""Chapter: *Lyapunov spectra of trained networks* (``notebooks/lyapunov_experiments.py``): the tables of a
sweep read for the page.

From the two tables a sweep writes (:class:`~lstmdyn.sweeps.SweepTables`: one row per member, one per evaluated
epoch): the networks at their selected epochs, how each spectrum approaches its final one (Vogt et al. Fig. 3),
how early an epoch's spectrum ranks the networks by their final loss, what a spectrum costs in training
iterations (Table 1), and the chapter's results file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pandas as pd

from lstmdyn.errors import NoFinishedNetworkError
from lstmdyn.experiments.outcomes import Outcome
from lstmdyn.experiments.rank_correlation import Correlation, spearman, spearman_interval
from lstmdyn.experiments.sweep_member import SpectrumMember
from lstmdyn.records import json_ready
from lstmdyn.sweeps import SweepTables, results_directory

__all__ = ["EPOCH_COLUMNS", "MEMBER_COLUMNS", "convergence", "cost_table", "early_ranking", "early_readout",
           "failed_members", "finished_tables", "overview", "ranking_epoch", "require_finished", "results_record",
           "selected_at_last", "selected_rows"]


def selected_rows(epochs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The epoch rows of the finished members at their selected epochs (one row per member).

    Examples
    --------
    >>> epochs = pd.DataFrame({"key": ["a", "a", "b"], "epoch": [1, 2, 1], "valid_loss": [2.0, 1.5, 3.0]})
    >>> members = pd.DataFrame({"key": ["a", "b"], "status": ["finished", "failed"], "selected_epoch": [2, 1]})
    >>> selected_rows(epochs, members)[["key", "epoch"]].values.tolist()
    [['a', 2]]
    """
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
    return pd.DataFrame(out, columns=["key", "epoch", "msd", "mean_difference"]).astype(
        {"key": str, "epoch": int, "msd": float, "mean_difference": float})


def early_ranking(epochs: pd.DataFrame, members: pd.DataFrame, statistic: str,
                  correlation: Callable[..., Correlation] = spearman_interval) -> pd.DataFrame:
    """Epoch by epoch: how well ``statistic`` (``"max_le"``, ``"mean_le"``) at that epoch, and the
    validation loss at that epoch, rank the networks by their final (selected) validation loss.

    Columns ``epoch``, ``statistic_rho``, ``low``, ``high`` (the statistic against the final loss) and
    ``loss_rho`` (that epoch's loss against the final loss).

    Examples
    --------
    >>> members = pd.DataFrame({"key": list("abc"), "status": "finished", "valid_loss": [1.0, 2.0, 3.0]})
    >>> epochs = pd.DataFrame({"key": list("abc"), "epoch": 1, "max_le": [-0.1, -0.2, -0.3],
    ...                        "valid_loss": [1.1, 2.1, 3.1]})
    >>> early_ranking(epochs, members, "max_le")[["epoch", "statistic_rho", "loss_rho"]].values.tolist()
    [[1.0, -1.0, 1.0]]
    """
    final = members[members["status"] == "finished"].set_index("key")["valid_loss"]
    rows = []
    for epoch, group in epochs[epochs["key"].isin(final.index)].groupby("epoch"):
        target = final.loc[group["key"]].to_numpy()
        c = correlation(group[statistic].to_numpy(), target)
        rows.append({"epoch": epoch, "statistic_rho": c.rho, "low": c.low, "high": c.high,
                     "loss_rho": spearman(group["valid_loss"].to_numpy(), target)})
    return pd.DataFrame(rows, columns=["epoch", "statistic_rho", "low", "high", "loss_rho"]).astype(
        {"epoch": int, "statistic_rho": float, "low": float, "high": float, "loss_rho": float})


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


def early_readout(task: str, ranking: pd.DataFrame, final: Correlation, tolerance: float = 0.1,
                  min_epochs: int = 6) -> tuple[int | None, str]:
    """From which epoch the statistic ranks the networks as at the selected epoch, and the sentence that says
    so: ``(epoch or None, sentence)``. Without a ranking at the selected epoch (its interval reaches 0) there
    is no early readout to look for, and with fewer than ``min_epochs`` epochs a run is too short to tell one
    (the last epoch always agrees with itself); the sentence says so instead.

    Parameters
    ----------
    task : str
        The sweep's display name, for the sentence.
    ranking : DataFrame
        Spearman's ρ of the statistic with the selected epoch's validation loss, by epoch
        (:func:`early_ranking`).
    final : Correlation
        The correlation at the selected epoch.
    tolerance : float
        How far from the final ρ an epoch's ρ may be and still rank as it does.
    min_epochs : int
        The fewest epochs with which an early readout is looked for.

    Examples
    --------
    >>> ranking = pd.DataFrame({"epoch": [1, 2, 3, 4, 5, 6], "statistic_rho": [-0.2, -0.6, -0.7, -0.7, -0.7, -0.7],
    ...                         "loss_rho": [0.5, 0.9, 1.0, 1.0, 1.0, 1.0]})
    >>> epoch, sentence = early_readout("CharRNN", ranking, Correlation(-0.7, -0.9, -0.3, 12))
    >>> epoch, sentence.split(";")[1]
    (2, " that epoch's validation loss ranks them with ρ = +0.90.")
    >>> early_readout("mocap", ranking, Correlation(0.2, -0.4, 0.7, 16))[0] is None
    True
    >>> early_readout("CharRNN", ranking[:3], Correlation(-0.7, -0.9, -0.3, 12))[1]
    'CharRNN: 3 epochs are too few to tell from which epoch the statistic ranks the networks (at least 6 are needed).'
    """
    if not final.excludes_zero:
        return None, (f"{task}: at the selected epoch the statistic does not rank the networks ({final}: the "
                      "interval reaches 0), so there is no early readout to look for.")
    last = int(ranking["epoch"].max())
    if last < min_epochs:
        return None, (f"{task}: {last} epochs are too few to tell from which epoch the statistic ranks the networks "
                      f"(at least {min_epochs} are needed).")
    epoch = ranking_epoch(ranking, final.rho, tolerance)
    if epoch is None:
        return None, (f"{task}: the statistic's correlation with the final loss does not settle within "
                      f"{tolerance:g} of its final value {final.rho:+.2f} before the last epoch.")
    loss_then = float(ranking.loc[ranking["epoch"] == epoch, "loss_rho"].iloc[0])
    return epoch, (f"{task}: from epoch {epoch} of {last} on, the statistic ranks the "
                   f"networks by their final loss as at the selected epoch (ρ within {tolerance:g} of "
                   f"{final.rho:+.2f}); that epoch's validation loss ranks them with ρ = {loss_then:+.2f}.")


def cost_table(epochs: pd.DataFrame, members: pd.DataFrame, cost: Mapping[str, float | str]) -> pd.DataFrame:
    """One row of Table 1 for a sweep: a spectrum's cost in the training iterations of its networks, and as a
    fraction of their training to the lowest validation loss.

    ``cost`` is one worker's timing of an iteration and a spectrum of the sweep's networks
    (:func:`~lstmdyn.experiments.costs.member_cost`); the training to the selected epoch is counted in
    iterations from the sweep's tables (the ``step`` of each finished member's selected epoch). Where a
    network's selected epoch is its last, its loss may still have been falling, so the mean is a lower bound
    on the training to the minimum and the fraction an upper bound: ``at_last`` counts those networks.

    Examples
    --------
    >>> epochs = pd.DataFrame({"key": ["a", "a", "b", "b"], "epoch": [1, 2, 1, 2], "step": [50, 100, 50, 100]})
    >>> members = pd.DataFrame({"key": ["a", "b"], "status": ["finished"] * 2, "selected_epoch": [1, 2],
    ...                         "epochs": [2, 2]})
    >>> cost = {"task": "mocap", "device": "cpu", "iteration_seconds": 0.02, "spectrum_seconds": 0.1,
    ...         "spectrum_iterations": 5.0}
    >>> cost_table(epochs, members, cost)[["iterations", "at_last", "fraction"]].values.tolist()
    [[75.0, 1.0, 0.06666666666666667]]
    """
    chosen = selected_rows(epochs, members)
    iterations = float(chosen["step"].mean()) if len(chosen) else float("nan")
    return pd.DataFrame([{**cost, "networks": len(chosen), "iterations": iterations,
                          "at_last": selected_at_last(epochs, members),
                          "fraction": cost["spectrum_iterations"] / iterations}])


def selected_at_last(epochs: pd.DataFrame, members: pd.DataFrame) -> int:
    """How many finished members were selected at their last epoch: still improving when their training stopped.

    Examples
    --------
    >>> epochs = pd.DataFrame({"key": ["a", "a", "b", "b"], "epoch": [1, 2, 1, 2]})
    >>> members = pd.DataFrame({"key": ["a", "b"], "status": ["finished"] * 2, "selected_epoch": [1, 2],
    ...                         "epochs": [2, 2]})
    >>> selected_at_last(epochs, members)
    1
    """
    chosen = selected_rows(epochs, members)
    last = chosen["key"].map(members.set_index("key")["epochs"])
    return int((chosen["epoch"] == last).sum())


MEMBER_COLUMNS = ["key", "label", "hidden", "epochs", "lr", "dropout", "init", "selected_epoch", "valid_loss",
                  "max_le", "mean_le", "max_le_hc", "mean_le_hc", "max_le_authors", "mean_le_authors",
                  "spectral_radius", "max_real", "device"]
#: the member table's columns the chapter reads besides MEMBER_COLUMNS, and the epoch table's
SUMMARY_COLUMNS = ["task", "status", "error", "worker", "seconds", "train_seconds", "spectrum_seconds",
                   "final_seconds", "initial_loss"]
EPOCH_COLUMNS = ["key", "epoch", "step", "valid_loss", "train_seconds", "validation_seconds", "spectrum_seconds",
                 "max_le", "mean_le", "spectrum"]
#: the configuration of a member, which a sweep writes into every row of both tables
CONFIGURATION_COLUMNS = [f.name for f in fields(SpectrumMember)]


def finished_tables(tables: SweepTables) -> SweepTables:
    """The finished members of a sweep and their epochs, with every column the chapter reads (empty where no
    member finished), so that a sweep whose members failed gives empty figures and tables rather than errors.

    Examples
    --------
    >>> failed = pd.DataFrame({"key": ["a"], "status": ["failed"], "error": ["ValueError: boom"]})
    >>> done = finished_tables(SweepTables(failed, pd.DataFrame()))
    >>> len(done.members), "valid_loss" in done.members, list(done.epochs.columns)[:len(EPOCH_COLUMNS)] == EPOCH_COLUMNS
    (0, True, True)
    >>> selected_rows(done.epochs, done.members).reindex(columns=["lr", "dropout"]).shape  # the configuration too
    (0, 2)
    """
    members = tables.finished.reindex(columns=list(dict.fromkeys([*MEMBER_COLUMNS, *SUMMARY_COLUMNS,
                                                                  *CONFIGURATION_COLUMNS, *tables.members.columns])))
    epochs = tables.epochs.reindex(columns=list(dict.fromkeys([*EPOCH_COLUMNS, *CONFIGURATION_COLUMNS,
                                                               *tables.epochs.columns])))
    members, epochs = members.astype({"key": str}), epochs.astype({"key": str})  # also where they are empty
    return SweepTables(members.reset_index(drop=True),
                       epochs[epochs["key"].isin(members["key"])].reset_index(drop=True))


def overview(tables: Mapping[str, SweepTables], titles: Mapping[str, str]) -> pd.DataFrame:
    """One row per sweep: its networks, how many finished and failed, their units and epochs, the devices and
    the seconds of training of the finished ones.

    Examples
    --------
    >>> members = pd.DataFrame({"key": ["a", "b"], "status": ["finished", "failed"], "hidden": [8, 8],
    ...                         "epochs": [2, 2], "device": ["cpu", "cpu"], "train_seconds": [3.0, None]})
    >>> overview({"charrnn": SweepTables(members, pd.DataFrame())}, {"charrnn": "CharRNN"}).to_dict("records")[0]
    {'sweep': 'CharRNN', 'networks': 2, 'finished': 1, 'failed': 1, 'units': 8, 'epochs': 2, 'device': 'cpu', \
'training (s)': 3.0}

    A sweep of no members (its counts set to 0) has a row of zeros, its units and epochs missing:

    >>> overview({"mocap": SweepTables(pd.DataFrame(), pd.DataFrame())}, {"mocap": "Mocap"})["units"].tolist()
    [<NA>]
    """
    rows = []
    for name, t in tables.items():
        m = t.members
        if not len(m):
            rows.append({"sweep": titles[name], "networks": 0, "finished": 0, "failed": 0, "units": None,
                         "epochs": None, "device": "", "training (s)": 0.0})
            continue
        done = finished_tables(t).members
        rows.append({"sweep": titles[name], "networks": len(m), "finished": int((m["status"] == "finished").sum()),
                     "failed": int((m["status"] == "failed").sum()), "units": int(m["hidden"].iloc[0]),
                     "epochs": int(m["epochs"].iloc[0]), "device": ", ".join(sorted(set(m["device"].dropna()))),
                     "training (s)": float(done["train_seconds"].sum())})
    return pd.DataFrame(rows).astype({"units": "Int64", "epochs": "Int64"})


def failed_members(tables: Mapping[str, SweepTables]) -> pd.DataFrame:
    """The failed members of the sweeps, with their configuration and error.

    Examples
    --------
    >>> members = pd.DataFrame({"key": ["a"], "status": ["failed"], "task": ["mocap"], "label": [""], "lr": [0.05],
    ...                         "dropout": [0.0], "init": [0.5], "error": ["TrainingError: non-finite loss"]})
    >>> failed_members({"mocap": SweepTables(members, pd.DataFrame())})["error"].tolist()
    ['TrainingError: non-finite loss']
    """
    columns = ["task", "label", "lr", "dropout", "init", "error"]
    frames = [t.members.loc[t.members["status"] == "failed"].reindex(columns=columns) for t in tables.values()
              if len(t.members)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def require_finished(tables: Mapping[str, SweepTables], results: str | Path | None = None) -> None:
    """Stop with one line where no sweep of ``tables`` has a finished member: which sweeps, how many of their
    members failed, and where their errors are (the ``error`` column of ``RESULTS/NAME/members/*.parquet``).
    Where one sweep has finished networks the page judges what they allow, and says the rest did not run.

    Examples
    --------
    >>> failed = SweepTables(pd.DataFrame({"key": ["a", "b"], "status": ["failed", "failed"]}), pd.DataFrame())
    >>> try:
    ...     require_finished({"mocap": failed, "charrnn": SweepTables(pd.DataFrame(), pd.DataFrame())}, "/r")
    ... except NoFinishedNetworkError as e:
    ...     print(e)
    no network of the sweeps finished: mocap 2 of 2 failed, charrnn had no members; the errors are in the column \
`error` of /r/NAME/members/*.parquet (python -m lstmdyn sweep NAME --retry-failed runs them again)
    """
    if any(len(t.finished) for t in tables.values()):
        return
    counts = [f"{name} {int((t.members['status'] == 'failed').sum())} of {len(t.members)} failed" if len(t.members)
              else f"{name} had no members" for name, t in tables.items()]
    raise NoFinishedNetworkError(
        f"no network of the sweeps finished: {', '.join(counts)}; the errors are in the column `error` of "
        f"{Path(results_directory(results)) / 'NAME' / 'members'}/*.parquet (python -m lstmdyn sweep NAME "
        "--retry-failed runs them again)")


def results_record(profile: str, sweeps: Mapping[str, Mapping], costs: pd.DataFrame,
                   outcomes: Sequence[Outcome], authors: Mapping | None = None) -> dict:
    """The chapter's key numbers for its results file (the keys are documented on the chapter page).

    ``sweeps`` maps a sweep's name to ``tables`` (its :class:`~lstmdyn.sweeps.SweepTables`), ``statistic``,
    ``spearman`` and ``spearman_other`` (:class:`~lstmdyn.experiments.rank_correlation.Correlation`),
    ``ranking_epoch``, and optionally ``spearman_within_rate`` and ``spearman_within_dropout``
    (:class:`~lstmdyn.experiments.rank_correlation.StratifiedCorrelation` among networks of one learning rate or
    dropout); ``authors`` adds the analysis of the authors' grid as given. NaN becomes null.

    Examples
    --------
    >>> members = pd.DataFrame([{c: 0 for c in MEMBER_COLUMNS} | {"status": "finished", "max_le": float("nan")}])
    >>> from lstmdyn.sweeps import SweepTables
    >>> sweep = {"tables": SweepTables(members, pd.DataFrame()), "statistic": "max_le", "ranking_epoch": None,
    ...          "spearman": Correlation(-0.5, -0.9, 0.1, 5), "spearman_other": Correlation(0.1, -0.5, 0.6, 5)}
    >>> record = results_record("smoke", {"charrnn": sweep}, pd.DataFrame(), [])
    >>> record["sweeps"]["charrnn"]["members"][0]["max_le"], record["sweeps"]["charrnn"]["spearman"]["rho"]
    (None, -0.5)
    """
    out = {}
    for name, s in sweeps.items():
        t = s["tables"]
        out[name] = {"networks": len(t.members), "failed": int((t.members["status"] == "failed").sum()),
                     "statistic": s["statistic"], "spearman": asdict(s["spearman"]),
                     "spearman_other": asdict(s["spearman_other"]), "ranking_epoch": s["ranking_epoch"],
                     **{key: asdict(s[key]) for key in ("spearman_within_rate", "spearman_within_dropout")
                        if key in s},
                     "members": finished_tables(t).members[MEMBER_COLUMNS].to_dict("records")}
    return json_ready({"profile": profile, "sweeps": out, "cost": costs.to_dict("records"),
                       **({"authors_grid": {k: asdict(v) if hasattr(v, "__dataclass_fields__") else v
                                            for k, v in authors.items()}} if authors else {}),
                       "outcomes": [o.as_dict() for o in outcomes]})
