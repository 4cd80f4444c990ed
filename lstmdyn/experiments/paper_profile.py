"""The paper profile's cost: each training chapter's work at its parameters, and its time from measured unit costs.

``benchmarks/paper_profile.py`` times the units of work on a device (a gradient step of each task, a pass over its
validation split, a homotopy, a spectrum: its ``paper_profile`` record, here ``unit_costs``). Each training chapter
counts its work in those units at its parameters, one function per chapter in :data:`CHAPTER_WORK`;
:func:`work_seconds` prices it, and the performance page shows the sum per chapter and device beside the chapters
measured whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from lstmdyn.records import table_frame
from lstmdyn.words import join_words

__all__ = ["CHAPTER_WORK", "chapter_work", "paper_profile_table", "paper_profile_times", "paper_total_sentence",
           "work_seconds"]


def _checkpoints(steps: int, every: int) -> int:
    """Checkpoints of a training run of ``steps`` steps kept every ``every`` steps: the initialised network,
    every ``every`` steps, and the end when it falls between (:func:`lstmdyn.training.train`)."""
    return 1 + steps // every + (steps % every > 0)


class _Work(dict):
    """Work by unit, added up."""

    def add(self, key: str, amount: float) -> None:
        self[key] = self.get(key, 0) + amount


def _datasets_work(values: Mapping[str, Any], per_epoch: Mapping[str, int], samples: Mapping[str, int]) -> _Work:
    """*The data sets*: one brief training run per task, validated ``validations`` times."""
    work = _Work()
    steps = {"mnist": values["mnist_epochs"] * per_epoch["mnist"], "ptb": values["ptb_windows"],
             "nottingham": math.ceil(values["nottingham_samples"] / 32) * values["nottingham_epochs"],
             "charrnn": math.ceil(values["char_samples"] / 100),
             "mocap": values["mocap_epochs"] * per_epoch["mocap"]}
    for task, count in steps.items():
        work.add(f"steps:{task}", count)
        work.add(f"validation:{task}", values["validations"])
    return work


def _equilibria_training_work(values: Mapping[str, Any], per_epoch: Mapping[str, int], samples: Mapping[str, int]
                              ) -> _Work:
    """*Equilibria through training*: every checkpoint of a run costs three homotopies (fresh, as the authors'
    solver reads it, and the paper's eq. 3, counted at the fresh one's cost; two for PTB, which has no run-time
    forget bias, so that the solver's reading is the fresh equilibrium itself) and one tracking step; the five
    further MNIST settings of the grid cost seven fresh homotopies per checkpoint between them (3 + 2 × 2: the
    solver's reading at forget bias 1)."""
    work = _Work()
    # (steps, checkpoint interval, size of the unit costs, seeds, homotopies per checkpoint, tracked)
    seeds, mnist_steps = values["seeds"], values["mnist_epochs"] * per_epoch["mnist"]
    ptb_steps = values["ptb_windows"] * values["ptb_epochs"]
    nottingham_steps = math.ceil(values["notts_samples"] / 32) * values["notts_epochs"]
    runs = [("mnist", (mnist_steps, values["mnist_every"], "mnist", seeds, 3, True)),
            ("ptb", (ptb_steps, values["ptb_every"], "ptb", values.get("ptb_seeds", seeds), 2, True)),
            ("nottingham", (nottingham_steps, values["notts_every"], "ptb", seeds, 3, True)),
            ("mnist", (mnist_steps, values["mnist_every"], "mnist", 5 * values["sensitivity_seeds"], 7 / 5, False))]
    for task, (steps, every, size, runs_of_it, homotopies, tracked) in runs:
        if not steps:
            continue
        checkpoints = _checkpoints(steps, every) * runs_of_it
        work.add(f"steps:{task}", steps * runs_of_it)
        work.add(f"validation:{task}", checkpoints * min(values["validate_on"], samples[task]) / samples[task])
        work.add(f"fresh homotopy ({size})", checkpoints * homotopies)
        work.add(f"tracking (Newton, {size})", checkpoints * tracked)
    return work


def _lyapunov_experiments_work(values: Mapping[str, Any], per_epoch: Mapping[str, int], samples: Mapping[str, int]
                               ) -> _Work:
    """*Lyapunov spectra of trained networks*: per member its epochs, a validation pass and an h spectrum after
    each (and before the first), the selected epoch's spectra in float64 (h in both conventions, (h, c)) and its
    equilibrium."""
    work = _Work()
    char_members = values["char_networks"] + values["char_named"] + values["char_init_values"]
    sweeps = {"charrnn": (char_members, values["char_epochs"], math.ceil(values["char_samples"] / 100),
                          values["char_valid"] / samples["charrnn"]),
              "mocap": (values["mocap_values"] + values["mocap_named"], values["mocap_epochs"], per_epoch["mocap"],
                        1.0)}
    for task, (members, epochs, steps, validated) in sweeps.items():
        work.add(f"steps:{task}", members * epochs * steps)
        work.add(f"validation:{task}", members * (epochs + 1) * validated)
        work.add(f"h spectrum {values['epoch_dtype']} ({task})", members * (epochs + 1))
        work.add(f"h spectrum float64 ({task})", 2 * members)
        work.add(f"hc spectrum float64 ({task})", members)
        work.add(f"fresh homotopy ({task})", members)
    return work


#: The work model of each training chapter: ``model(parameter values, steps per epoch by task, validation samples by
#: task)`` → work by unit. A chapter not in it is measured whole (``benchmarks/chapters.py``).
CHAPTER_WORK: dict[str, Callable[[Mapping[str, Any], Mapping[str, int], Mapping[str, int]], dict[str, float]]] = {
    "datasets": _datasets_work, "equilibria_training": _equilibria_training_work,
    "lyapunov_experiments": _lyapunov_experiments_work}


def chapter_work(chapter: str, parameters: Mapping[str, Any], unit_costs: Mapping[str, Any]) -> dict[str, float]:
    """The work of a training chapter at its ``parameters``, counted in the units that
    ``benchmarks/paper_profile.py`` times.

    Parameters
    ----------
    chapter : str
        A chapter of :data:`CHAPTER_WORK`.
    parameters : mapping
        The chapter's parameters (its profile's values).
    unit_costs : mapping
        A ``paper_profile`` record: the steps of an epoch and the size of each validation split come from its
        ``training`` table.

    Returns
    -------
    dict
        Amounts by unit: ``steps:TASK`` (gradient steps), ``validation:TASK`` (passes over a task's whole
        validation split), and the analyses of the record's ``analyses`` table by name (fresh homotopies, tracked
        checkpoints, spectra). Smaller parts (a handful of spectra and searches at the end of a run) are not
        counted.

    Examples
    --------
    >>> unit_costs = {"tables": [{"title": "training", "columns": ["task", "n", "step s", "steps per epoch",
    ...               "validation s", "validation samples"], "rows": [["mnist", 128, 0.01, 10, 0.5, 1000]]}]}
    >>> work = chapter_work("equilibria_training", {"seeds": 1, "mnist_epochs": 4, "mnist_every": 10,
    ...                      "validate_on": 50, "ptb_windows": 0, "ptb_epochs": 1, "ptb_every": 1,
    ...                      "notts_samples": 0, "notts_epochs": 1, "notts_every": 1, "sensitivity_seeds": 1},
    ...                     unit_costs)
    >>> work["steps:mnist"], work["fresh homotopy (mnist)"], work["validation:mnist"]   # 5 checkpoints, 1 + 5 runs
    (240, 50.0, 1.5)
    """
    if chapter not in CHAPTER_WORK:
        raise ValueError(f"no work model for chapter {chapter!r}: measure it instead")
    training = table_frame(unit_costs, "training").set_index("task")
    per_epoch = {task: int(v) for task, v in training["steps per epoch"].items()}
    samples = {task: int(v) for task, v in training["validation samples"].items()}
    return dict(CHAPTER_WORK[chapter](parameters, per_epoch, samples))


def work_seconds(work: Mapping[str, float], unit_costs: Mapping[str, Any]) -> float:
    """Seconds of ``work`` (:func:`chapter_work`) at ``unit_costs``, a ``paper_profile`` record.

    Examples
    --------
    >>> unit_costs = {"tables": [{"title": "training", "columns": ["task", "n", "step s", "steps per epoch",
    ...          "validation s", "validation samples"], "rows": [["mnist", 128, 0.01, 10, 0.5, 1000]]},
    ...          {"title": "analyses", "columns": ["what", "n", "seconds"], "rows": [["fresh homotopy (mnist)",
    ...          128, 0.2]]}]}
    >>> work_seconds({"steps:mnist": 40, "validation:mnist": 0.25, "fresh homotopy (mnist)": 5}, unit_costs)
    1.525
    """
    training = table_frame(unit_costs, "training").set_index("task")
    analyses = table_frame(unit_costs, "analyses").set_index("what")["seconds"]
    total = 0.0
    for key, amount in work.items():
        if key.startswith("steps:"):
            total += amount * training.loc[key[6:], "step s"]
        elif key.startswith("validation:"):
            total += amount * training.loc[key[11:], "validation s"]
        else:
            total += amount * analyses[key]
    return float(total)


def paper_profile_table(unit_costs: Mapping[str, Any], parameters: Mapping[str, Mapping[str, Any]], *,
                        sweep_gain: float = 1.0, measured: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The chapters at the paper profile on the device of ``unit_costs`` (a ``paper_profile`` record): for each
    training chapter in ``parameters`` (its paper-profile parameters) the estimate :func:`chapter_work` ×
    :func:`work_seconds`, the sweeps' divided by ``sweep_gain`` (the measured gain of members sharing the
    device); and each chapter of ``measured`` (seconds) as measured. Columns ``chapter``, ``minutes``, ``how``.

    Examples
    --------
    >>> unit_costs = {"tables": [{"title": "training", "columns": ["task", "n", "step s", "steps per epoch",
    ...          "validation s", "validation samples"], "rows": [["mnist", 128, 0.01, 10, 0.5, 1000]]},
    ...          {"title": "analyses", "columns": ["what", "n", "seconds"], "rows": [["fresh homotopy (mnist)", 128,
    ...          0.2], ["tracking (Newton, mnist)", 128, 0.1]]}]}
    >>> paper = {"seeds": 1, "mnist_epochs": 600, "mnist_every": 60, "validate_on": 1000, "ptb_windows": 0,
    ...      "ptb_epochs": 1, "ptb_every": 1, "notts_samples": 0, "notts_epochs": 1, "notts_every": 1,
    ...      "sensitivity_seeds": 0}
    >>> table = paper_profile_table(unit_costs, {"equilibria_training": paper}, measured={"lyapunov": 600.0})
    >>> table.round(3)[["chapter", "minutes"]].values.tolist()  # 6000 steps, 101 checkpoints: (60 + 101 × 1.2) s
    [['equilibria_training', 3.02], ['lyapunov', 10.0]]
    """
    rows = []
    for chapter, values in parameters.items():
        seconds = work_seconds(chapter_work(chapter, values, unit_costs), unit_costs)
        how = "estimated from the unit costs"
        if chapter == "lyapunov_experiments" and sweep_gain != 1.0:
            seconds /= sweep_gain
            how += f", members sharing the device {sweep_gain:.2f}× faster"
        rows.append({"chapter": chapter, "minutes": seconds / 60, "how": how})
    rows += [{"chapter": chapter, "minutes": seconds / 60, "how": "measured"}
             for chapter, seconds in (measured or {}).items()]
    return pd.DataFrame(rows, columns=["chapter", "minutes", "how"])


def paper_profile_times(records: Mapping[str, Mapping[str, Any]], parameters: Mapping[str, Mapping[str, Any]]
                        ) -> pd.DataFrame:
    """The paper-profile times of :func:`paper_profile_table` for every device with a ``paper_profile``
    measurement in ``records`` (by name: ``paper_profile`` for the CPU, ``paper_profile-cuda`` for a GPU), each
    with the gain of sharing that device measured by ``sweep_member`` (none where that is missing), and the
    chapters measured at the paper profile by ``benchmarks/chapters.py`` (``chapters-paper``, on the CPU).
    Columns ``device``, ``chapter``, ``minutes``, ``how``.
    """
    measured = {}
    if "chapters-paper" in records:
        measured = {row.chapter: row.seconds for row in table_frame(records["chapters-paper"], "chapters").itertuples()
                    if row.ended == "finished"}
    frames = []
    for suffix in ("-cuda", ""):
        units = records.get(f"paper_profile{suffix}")
        if units is None:
            continue
        gain = 1.0
        if f"sweep_member{suffix}" in records:
            sharing = table_frame(records[f"sweep_member{suffix}"], "sharing")["batches / s, all"]
            gain = float(sharing.max() / sharing.iloc[0])
        frame = paper_profile_table(units, parameters, sweep_gain=gain, measured=measured if not suffix else None)
        frames.append(frame.assign(device=units["machine"]["gpu"] or f"CPU ({units['machine']['cpu']})"))
    columns = ["device", "chapter", "minutes", "how"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def paper_total_sentence(times: pd.DataFrame, chapters: Sequence[str], goal_hours: float = 2.0) -> str:
    """The whole book at the paper profile on one GPU against ``goal_hours``: the GPU's estimates of the training
    chapters plus the other ``chapters`` as measured on the CPU (``times`` from :func:`paper_profile_times`); where
    a chapter has neither, the sentence says which and draws no conclusion.

    Examples
    --------
    >>> times = pd.DataFrame({"device": ["H100", "H100", "CPU"], "chapter": ["a", "b", "c"],
    ...                       "minutes": [100.0, 10.0, 30.0], "how": ["estimated", "estimated", "measured"]})
    >>> paper_total_sentence(times, ["a", "b", "c"])  # doctest: +ELLIPSIS
    'On one GPU (H100) the training chapters take about 110 minutes ... 2.3 hours in all, beyond the goal of 2 hours.'
    >>> paper_total_sentence(times, ["a", "b", "c", "d"])  # doctest: +ELLIPSIS
    '... d has not been measured at the paper profile yet, so the whole book is not timed.'
    """
    gpu = times[~times["device"].str.startswith("CPU") & times["how"].str.startswith("estimated")]
    if gpu.empty:
        return "No GPU has measured the unit costs yet, so the whole book's time on one is not estimated."
    others = times[times["how"] == "measured"]
    text = (f"On one GPU ({gpu['device'].iloc[0]}) the training chapters take about {gpu['minutes'].sum():.0f} "
            f"minutes by this estimate")
    missing = [c for c in chapters if c not in set(gpu["chapter"]) | set(others["chapter"])]
    if missing:
        return (text + f"; {join_words(missing)} {'has' if len(missing) == 1 else 'have'} not been measured at the "
                "paper profile yet, so the whole book is not timed.")
    total = gpu["minutes"].sum() + others["minutes"].sum()
    within = "within" if total <= 60 * goal_hours else "beyond"
    return (text + f", and the other chapters {others['minutes'].sum():.0f} minutes as measured on the CPU: about "
            f"{total / 60:.1f} hours in all, {within} the goal of {goal_hours:g} hours.")
