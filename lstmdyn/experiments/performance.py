"""Page: *Performance* (``notebooks/performance.py``).

The sentences of the performance page that state an outcome, each chosen by a condition on the
measurement records that the scripts in ``benchmarks/`` write (``benchmarks/results/NAME.json``), so that the
page stays true when a script is run again on another machine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from lstmdyn.names import public_paths
from lstmdyn.words import join_words

__all__ = ["authors_comparison", "batching_verdict", "chapter_work", "duration", "ensembles_sentence",
           "equilibria_verdict", "float32_verdict", "goals_verdict", "graph_verdict", "paper_member_verdict",
           "paper_profile_table", "paper_profile_times", "paper_total_verdict", "qr_accuracy_verdict",
           "qr_speed_verdict", "rebuild_verdict", "sharing_verdict", "step_parts_verdict", "table_frame",
           "threads_verdict", "tracking_verdict", "work_seconds"]


def table_frame(record: Mapping[str, Any], title: str) -> pd.DataFrame:
    """The table called ``title`` of a measurement record, as a data frame.

    Raises
    ------
    KeyError
        If the record has no such table; the message lists those it has.

    Examples
    --------
    >>> record = {"benchmark": "demo", "tables": [{"title": "t", "columns": ["n", "s"], "rows": [[1, 0.5]]}]}
    >>> table_frame(record, "t")["s"].tolist()
    [0.5]
    """
    for table in record["tables"]:
        if table["title"] == title:
            return pd.DataFrame(table["rows"], columns=table["columns"])
    raise KeyError(f"{record['benchmark']} has no table {title!r}; it has "
                   f"{[t['title'] for t in record['tables']]}")


def _ratio_range(ratios: pd.Series) -> str:
    low, high = ratios.min(), ratios.max()
    return f"{low:.1f}×" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}× to {high:.1f}×"


def qr_speed_verdict(record: Mapping[str, Any]) -> str:
    """Which QR method was faster in a ``lyapunov`` measurement, and by how much (Householder / Cholesky).

    Examples
    --------
    >>> rows = [[128, "float32", "householder", 1.0, "1e-5", 0], [128, "float32", "cholesky", 2.0, "1e-5", 0]]
    >>> record = {"benchmark": "lyapunov", "machine": {"gpu": None}, "tables": [{"title": "QR methods",
    ...           "columns": ["n", "dtype", "QR", "seconds", "max |Δλ| from float64", "fallbacks"], "rows": rows}]}
    >>> qr_speed_verdict(record)  # doctest: +ELLIPSIS
    'On the CPU, Householder QR was faster than CholeskyQR2 at every size ... (CholeskyQR2 took 2.0× its time).'
    """
    speed = _qr_times(record)
    where = f"On the GPU ({record['machine']['gpu']})" if record["benchmark"].endswith("cuda") else "On the CPU"
    slower = speed["cholesky"] / speed["householder"]
    if (slower > 1).all():
        return (f"{where}, Householder QR was faster than CholeskyQR2 at every size and dtype measured "
                f"(CholeskyQR2 took {_ratio_range(slower)} its time).")
    if (slower < 1).all():
        return (f"{where}, CholeskyQR2 was faster than Householder QR at every size and dtype measured "
                f"({_ratio_range(1 / slower)} faster).")
    faster = speed.index[slower < 1]
    return (f"{where}, CholeskyQR2 was faster at {', '.join(f'n = {n} ({d})' for n, d in faster)} and "
            f"slower elsewhere (time ratios Cholesky / Householder {_ratio_range(slower)}).")


def _qr_times(record: Mapping[str, Any]) -> pd.DataFrame:
    frame = table_frame(record, "QR methods")
    return frame.pivot_table(index=["n", "dtype"], columns="QR", values="seconds")


def qr_accuracy_verdict(record: Mapping[str, Any], factor: float = 2.0) -> str:
    """Whether CholeskyQR2 kept the accuracy of Householder QR: its float32 spectra no further from the
    float64 Householder spectra than ``factor`` times Householder's own float32 deviation, at every size.

    Examples
    --------
    >>> rows = [[128, "float32", "householder", 1.0, "2e-05", 0], [128, "float32", "cholesky", 2.0, "3e-05", 0],
    ...         [128, "float64", "householder", 1.0, "0.0", 0], [128, "float64", "cholesky", 2.0, "1e-13", 0]]
    >>> record = {"benchmark": "lyapunov", "tables": [{"title": "QR methods",
    ...           "columns": ["n", "dtype", "QR", "seconds", "max |Δλ| from float64", "fallbacks"], "rows": rows}]}
    >>> qr_accuracy_verdict(record)  # doctest: +ELLIPSIS
    'In float32, CholeskyQR2 was as accurate as Householder QR (...); in float64 the two agreed to 1.0e-13, ...'
    """
    frame = table_frame(record, "QR methods")
    deviation = frame.pivot_table(index=["n", "dtype"], columns="QR", values="max |Δλ| from float64",
                                  aggfunc=lambda v: float(v.iloc[0]))
    single = deviation.xs("float32", level="dtype")
    agreement = deviation.xs("float64", level="dtype")[["householder", "cholesky"]].max().max()  # one is the reference
    fallbacks = int(frame.loc[frame["QR"] == "cholesky", "fallbacks"].sum())
    kept = (single["cholesky"] <= factor * single["householder"]).all()
    words = "as accurate as" if kept else f"less accurate than (beyond {factor:g}× at some size)"
    return (f"In float32, CholeskyQR2 was {words} Householder QR (largest deviations from float64 "
            f"{single['cholesky'].max():.1e} and {single['householder'].max():.1e}); in float64 the two agreed "
            f"to {agreement:.1e}, with {fallbacks} fallbacks.")


def batching_verdict(record: Mapping[str, Any]) -> str:
    """What computing several networks' spectra together gained or lost against one network at a time.

    Examples
    --------
    >>> record = {"tables": [{"title": "networks", "columns": ["n", "networks", "QR", "one at a time s",
    ...           "together s", "speed-up", "max |Δλ|"], "rows": [[128, 4, "householder", 1.0, 0.98, 1.02, "0"]]}]}
    >>> batching_verdict(record)
    'Four networks together took about as long as one after another (speed-up 1.0×).'
    """
    frame = table_frame(record, "networks")
    count = {2: "Two", 3: "Three", 4: "Four"}.get(int(frame["networks"].iloc[0]), str(frame["networks"].iloc[0]))
    speedup = frame["speed-up"]
    if speedup.min() > 1.1:
        return f"{count} networks together were {_ratio_range(speedup)} faster than one after another."
    if speedup.max() < 0.9:
        return f"{count} networks together were slower than one after another (speed-up {_ratio_range(speedup)})."
    return f"{count} networks together took about as long as one after another (speed-up {_ratio_range(speedup)})."


def authors_comparison(record: Mapping[str, Any]) -> str | None:
    """The package against the authors' ``calc_LEs_an`` and the goal of 10× at every size, with where their
    code came from (``findings["authors_source"]``), or ``None`` if the measurement did not include it.

    Examples
    --------
    >>> record = {"tables": [{"title": "implementations", "columns": ["n", "dtype", "method", "package s",
    ...           "method s", "package speed-up", "max |Δλ|"],
    ...           "rows": [[128, "float32", "authors' calc_LEs_an", 0.3, 3.6, 12.0, "1e-05"]]}],
    ...           "findings": {"authors_source": "/src/lyapunov-hyperopt, commit abc"}}
    >>> authors_comparison(record)  # doctest: +ELLIPSIS
    "Against ... 12.0× faster at n = 128: the goal of 10× is met ... (their code: lyapunov-hyperopt, commit abc)."
    """
    frame = table_frame(record, "implementations")
    authors = frame[frame["method"] == "authors' calc_LEs_an"]
    if authors.empty:
        return None
    speedups = ", ".join(f"{s:.1f}× faster at n = {n}" for n, s in zip(authors["n"], authors["package speed-up"],
                                                                         strict=True))
    met = (authors["package speed-up"] >= 10).all()
    source = record.get("findings", {}).get("authors_source", "source not recorded")
    source = public_paths(source)  # the folder's name, not where it was on the machine that measured
    return (f"Against the authors' calc_LEs_an on the same inputs, the package was {speedups}: the goal of 10× "
            f"is {'met at every size measured' if met else 'not met at every size'} (their code: {source}).")


def tracking_verdict(record: Mapping[str, Any], goal_seconds: float = 60.0) -> str:
    """Tracking equilibria through training against the fresh homotopy, and the goal of a minute, from the
    findings of an ``equilibria_training`` measurement.

    Examples
    --------
    >>> tracking_verdict({"findings": {"speedup": 6.9, "tracked_seconds": 1.7, "checkpoints": 50, "n": 200,
    ...                   "newton": 49, "largest_residual": 3e-14, "differ": 2}})  # doctest: +ELLIPSIS
    'Tracking was 6.9 times faster and took 1.7 s ..., within the goal of 60 s; ... below 1e-13, ...'
    """
    findings = record["findings"]
    within = "within" if findings["tracked_seconds"] < goal_seconds else "beyond"
    bound = 10.0 ** (math.floor(math.log10(findings["largest_residual"])) + 1)
    return (f"Tracking was {findings['speedup']:.1f} times faster and took {findings['tracked_seconds']:.1f} s for "
            f"{findings['checkpoints']} checkpoints of an n = {findings['n']} network, {within} the goal of "
            f"{goal_seconds:g} s; Newton sufficed at {findings['newton']} of {findings['checkpoints'] - 1} "
            f"checkpoints, every residual was below {bound:.0e}, and the two ways landed on different "
            f"equilibria at {findings['differ']} checkpoints.")


def rebuild_verdict(record: Mapping[str, Any]) -> str:
    """What a rebuild with nothing changed cost against the clean build, from the findings of a
    ``book_build`` measurement.

    Examples
    --------
    >>> rebuild_verdict({"findings": {"clean": 600.0, "rebuild": 6.0, "executed_again": 0, "chapters": 9}})
    'The rebuild took 0.01 of the clean build (6 s against 600 s): none of the 9 notebooks ran again.'
    """
    findings = record["findings"]
    again = findings["executed_again"]
    ran = "none" if again == 0 else f"{again}"
    return (f"The rebuild took {findings['rebuild'] / findings['clean']:.2f} of the clean build "
            f"({findings['rebuild']:.0f} s against {findings['clean']:.0f} s): {ran} of the "
            f"{findings['chapters']} notebooks ran again.")


def threads_verdict(record: Mapping[str, Any]) -> str:
    """What all cores did against one thread for a chapter, idle and busy, from the findings of a ``threads``
    measurement (ratios of wall times, all cores over one thread).

    Examples
    --------
    >>> print(threads_verdict({"findings": {"chapter": "lstm_model", "profile": "quick", "cores": 2,
    ...                                     "idle_ratio": 1.18, "busy_ratio": 5.87}}))
    With 2 threads lstm_model (quick) took 1.18 × the time of one thread on an idle machine and 5.87 × on a busy \
one: one thread is faster on both.
    >>> threads_verdict({"findings": {"chapter": "c", "profile": "quick", "cores": 2, "idle_ratio": 0.6,
    ...                               "busy_ratio": 1.5}})[-73:]
    'more threads are faster when the machine is idle, slower when it is busy.'
    """
    f = record["findings"]
    head = (f"With {f['cores']} threads {f['chapter']} ({f['profile']}) took {f['idle_ratio']:.2f} × the time of one "
            f"thread on an idle machine and {f['busy_ratio']:.2f} × on a busy one: ")
    faster_idle, faster_busy = f["idle_ratio"] < 1, f["busy_ratio"] < 1
    if faster_idle and faster_busy:
        return head + "more threads are faster on both."
    if not faster_idle and not faster_busy:
        return head + "one thread is faster on both."
    return head + ("more threads are faster when the machine is idle, slower when it is busy." if faster_idle else
                   "more threads are slower when the machine is idle, faster when it is busy.")


def ensembles_sentence(record: Mapping[str, Any]) -> str:
    """What training a sweep's members together did against one at a time, from the findings of an ``ensembles``
    measurement (members per minute, together over one at a time), and which is the faster way on that machine.

    Examples
    --------
    >>> sentence = ensembles_sentence({"findings": {"members": 4, "ratio_charrnn": 0.68, "ratio_mocap": 0.34}})
    >>> print(sentence[:100])
    Trained together, 4 members of each quick sweep went at 0.68 × (CharRNN) and 0.34 × (motion capture)
    >>> print(sentence[101:])
    the members per minute of one at a time: there, one member at a time is the faster way to train both sweeps.
    >>> ensembles_sentence({"findings": {"members": 8, "ratio_charrnn": 3.1, "ratio_mocap": 0.9}})[-55:]
    'ensembles are the faster way for CharRNN, not for both.'
    """
    f = record["findings"]
    ratios = {"CharRNN": f["ratio_charrnn"], "motion capture": f["ratio_mocap"]}
    head = (f"Trained together, {f['members']} members of each quick sweep went at {ratios['CharRNN']:.2f} × (CharRNN) "
            f"and {ratios['motion capture']:.2f} × (motion capture) the members per minute of one at a time: ")
    faster = [name for name, ratio in ratios.items() if ratio > 1]
    if not faster:
        return head + "there, one member at a time is the faster way to train both sweeps."
    if len(faster) == len(ratios):
        return head + "there, ensembles are the faster way to train both sweeps."
    return head + f"there, ensembles are the faster way for {faster[0]}, not for both."


#: How the equilibria benchmark's methods read in a sentence.
METHODS = {"convex": "the convex homotopy", "paper": "the paper's homotopy", "paper, ODE": "its ODE form",
           "Newton": "Newton's method", "iteration": "fixed-point iteration", "fsolve": "fsolve",
           "authors' scheme": "the authors' scheme"}


def equilibria_verdict(record: Mapping[str, Any]) -> str:
    """Which methods of an ``equilibria`` measurement found every network's equilibrium, which found only
    some, and how often the others beat the convex homotopy's time where they did find it.

    Examples
    --------
    >>> columns = ["network", "method", "seconds", "found", "stopped", "residual", "distance to convex",
    ...            "spectral radius", "time / convex"]
    >>> rows = [["a", "convex", 0.1, True, False, "1e-16", "0", 0.6, 1.0], ["a", "Newton", 0.05, True, False,
    ...          "1e-15", "1e-15", 0.6, 0.5], ["b", "convex", 0.3, True, False, "1e-15", "0", 1.01, 1.0],
    ...         ["b", "Newton", 0.01, False, False, "1e+06", "3e+08", None, 0.03]]
    >>> sentence = equilibria_verdict({"tables": [{"title": "methods", "columns": columns, "rows": rows}]})
    >>> sentence.startswith("The convex homotopy found the equilibrium of all 2 networks")
    True
    >>> "Newton's method found it for 1 (a)" in sentence, sentence.endswith("in 1 of 1 cases (Newton's method).")
    (True, True)
    """
    frame = table_frame(record, "methods")
    networks = frame["network"].unique()
    found = frame[frame["found"]].groupby("method", sort=False)["network"].apply(list)
    methods = list(frame["method"].unique())
    everywhere = [m for m in methods if len(found.get(m, [])) == len(networks)]
    partial = [f"{METHODS.get(m, m)} found it for {len(found.get(m, []))} ({', '.join(found.get(m, [])) or 'none'})"
               for m in methods if m not in everywhere]
    succeeded = frame[frame["found"] & (frame["method"] != "convex")]
    faster = [METHODS.get(m, m) for m in methods if m in set(succeeded.loc[succeeded["time / convex"] < 1, "method"])]
    found_all = " and ".join(METHODS.get(m, m) for m in everywhere)
    return (f"{found_all[0].upper() + found_all[1:]} found the equilibrium of all {len(networks)} networks"
            f"{'; ' + '; '.join(partial) if partial else ''}. Where the others found it, they were faster than "
            f"the convex homotopy in {(succeeded['time / convex'] < 1).sum()} of {len(succeeded)} cases "
            f"({', '.join(faster) or 'none'}).")


# --------------------------------------------------------------------------------------------------
# The paper profile: each training chapter's work, and its time from the measured unit costs


def _checkpoints(steps: int, every: int) -> int:
    """Checkpoints of a training run of ``steps`` steps kept every ``every`` steps: the initialised network,
    every ``every`` steps, and the end when it falls between (:func:`lstmdyn.training.train`)."""
    return 1 + steps // every + (steps % every > 0)


def chapter_work(chapter: str, p: Mapping[str, Any], units: Mapping[str, Any]) -> dict[str, float]:
    """The work of a training chapter at its parameters ``p``, counted in the units that
    ``benchmarks/paper_profile.py`` times: ``steps:TASK`` (gradient steps), ``validation:TASK`` (passes over a
    task's whole validation split), and the analyses of its ``analyses`` table by name (fresh homotopies, tracked
    checkpoints, spectra). ``units`` is that benchmark's record (the steps of an epoch and the size of each
    validation split come from it). In the training chapter every checkpoint of a run costs three homotopies
    (fresh, as the authors' solver reads it, and the paper's eq. 3, counted at the fresh one's cost; two for PTB,
    read as trained) and one tracking step, and the five further MNIST settings of the grid seven fresh
    homotopies per checkpoint between them. Smaller parts (a handful of spectra and searches at the end of a run)
    are not counted.

    Examples
    --------
    >>> units = {"tables": [{"title": "training", "columns": ["task", "n", "step s", "steps per epoch",
    ...          "validation s", "validation samples"], "rows": [["mnist", 128, 0.01, 10, 0.5, 1000]]}]}
    >>> work = chapter_work("equilibria_training", {"seeds": 1, "mnist_epochs": 4, "mnist_every": 10,
    ...                      "validate_on": 50, "ptb_windows": 0, "ptb_epochs": 1, "ptb_every": 1,
    ...                      "notts_samples": 0, "notts_epochs": 1, "notts_every": 1, "sensitivity_seeds": 1},
    ...                     units)
    >>> work["steps:mnist"], work["fresh homotopy (mnist)"], work["validation:mnist"]   # 5 checkpoints, 1 + 5 runs
    (240, 50.0, 1.5)
    """
    training = table_frame(units, "training").set_index("task")
    per_epoch = {task: int(v) for task, v in training["steps per epoch"].items()}
    samples = {task: int(v) for task, v in training["validation samples"].items()}
    work: dict[str, float] = {}

    def add(key: str, amount: float) -> None:
        work[key] = work.get(key, 0) + amount

    if chapter == "datasets":
        steps = {"mnist": p["mnist_epochs"] * per_epoch["mnist"], "ptb": p["ptb_windows"],
                 "nottingham": math.ceil(p["nottingham_samples"] / 32) * p["nottingham_epochs"],
                 "charrnn": math.ceil(p["char_samples"] / 100),
                 "mocap": p["mocap_epochs"] * per_epoch["mocap"]}
        for task, count in steps.items():
            add(f"steps:{task}", count)
            add(f"validation:{task}", p["validations"])
    elif chapter == "equilibria_training":
        # (steps, checkpoint interval, size of the unit costs, seeds, homotopies per checkpoint, tracked); PTB has
        # no run-time forget bias, so the solver's reading is the fresh equilibrium itself
        runs = {"mnist": (p["mnist_epochs"] * per_epoch["mnist"], p["mnist_every"], "mnist", p["seeds"], 3, True),
                "ptb": (p["ptb_windows"] * p["ptb_epochs"], p["ptb_every"], "ptb", p.get("ptb_seeds", p["seeds"]), 2,
                        True),
                "nottingham": (math.ceil(p["notts_samples"] / 32) * p["notts_epochs"], p["notts_every"], "ptb",
                               p["seeds"], 3, True)}
        # the MNIST grid beyond the first setting: 5 more trainings, fresh (and, at forget bias 1, the solver's)
        # equilibria only: 3 + 2 × 2 = 7 homotopies per checkpoint over the five
        grid = (p["mnist_epochs"] * per_epoch["mnist"], p["mnist_every"], "mnist", 5 * p["sensitivity_seeds"], 7 / 5,
                False)
        for task, (steps, every, size, seeds, homotopies, tracked) in [*runs.items(), ("mnist", grid)]:
            if not steps:
                continue
            checkpoints = _checkpoints(steps, every) * seeds
            add(f"steps:{task}", steps * seeds)
            add(f"validation:{task}", checkpoints * min(p["validate_on"], samples[task]) / samples[task])
            add(f"fresh homotopy ({size})", checkpoints * homotopies)
            add(f"tracking (Newton, {size})", checkpoints * tracked)
    elif chapter == "lyapunov_experiments":
        sweeps = {"charrnn": (p["char_networks"] + p["char_named"] + p["char_init_values"], p["char_epochs"],
                              math.ceil(p["char_samples"] / 100), p["char_valid"] / samples["charrnn"]),
                  "mocap": (p["mocap_values"] + p["mocap_named"], p["mocap_epochs"], per_epoch["mocap"], 1.0)}
        for task, (members, epochs, steps, validated) in sweeps.items():
            add(f"steps:{task}", members * epochs * steps)
            add(f"validation:{task}", members * (epochs + 1) * validated)
            add(f"h spectrum {p['epoch_dtype']} ({task})", members * (epochs + 1))
            add(f"h spectrum float64 ({task})", 2 * members)  # the selected epoch's, in both conventions
            add(f"hc spectrum float64 ({task})", members)
            add(f"fresh homotopy ({task})", members)
    else:
        raise ValueError(f"no work model for chapter {chapter!r}: measure it instead")
    return work


def work_seconds(work: Mapping[str, float], units: Mapping[str, Any]) -> float:
    """Seconds of ``work`` (:func:`chapter_work`) at the unit costs of a ``paper_profile`` record.

    Examples
    --------
    >>> units = {"tables": [{"title": "training", "columns": ["task", "n", "step s", "steps per epoch",
    ...          "validation s", "validation samples"], "rows": [["mnist", 128, 0.01, 10, 0.5, 1000]]},
    ...          {"title": "analyses", "columns": ["what", "n", "seconds"], "rows": [["fresh homotopy (mnist)",
    ...          128, 0.2]]}]}
    >>> work_seconds({"steps:mnist": 40, "validation:mnist": 0.25, "fresh homotopy (mnist)": 5}, units)
    1.525
    """
    training = table_frame(units, "training").set_index("task")
    analyses = table_frame(units, "analyses").set_index("what")["seconds"]
    total = 0.0
    for key, amount in work.items():
        if key.startswith("steps:"):
            total += amount * training.loc[key[6:], "step s"]
        elif key.startswith("validation:"):
            total += amount * training.loc[key[11:], "validation s"]
        else:
            total += amount * analyses[key]
    return float(total)


# --------------------------------------------------------------------------------------------------
# The Lyapunov step on a GPU, and a sweep member there


def graph_verdict(record: Mapping[str, Any]) -> str:
    """What capturing the step in a CUDA graph gained at each size of a ``lyapunov-cuda`` measurement, in
    float32 (findings ``graph_speedup_N_float32``: the uncaptured time over the captured one).

    Examples
    --------
    >>> graph_verdict({"findings": {"graph_speedup_128_float32": 2.64, "graph_speedup_512_float32": 1.09,
    ...                             "graph_speedup_512_float64": 1.08}})
    'Capturing the step in a CUDA graph divided its time by 2.6 at n = 128 and by 1.1 at n = 512 (float32).'
    """
    gains = sorted((int(key.split("_")[2]), value) for key, value in record["findings"].items()
                   if key.startswith("graph_speedup_") and key.endswith("_float32"))
    return ("Capturing the step in a CUDA graph divided its time by "
            + join_words([f"{gain:.1f} at n = {n}" for n, gain in gains]).replace(" and ", " and by ") + " (float32).")


def goals_verdict(record: Mapping[str, Any]) -> str:
    """Which of the goals in the ``goals`` table of a ``lyapunov-cuda`` measurement were met.

    Examples
    --------
    >>> rows = [["n = 512, float32", "0.05 s", 0.264, False], ["n = 128, float32", "0.1 s", 0.05, True]]
    >>> goals_verdict({"tables": [{"title": "goals", "columns": ["what", "goal", "measured", "met"], "rows": rows}]})
    '1 of the 2 goals was met; not met: n = 512, float32 (0.264 against 0.05 s).'
    """
    goals = table_frame(record, "goals")
    missed = goals[~goals["met"].astype(bool)]
    met = len(goals) - len(missed)
    text = f"{met} of the {len(goals)} goals {'was' if met == 1 else 'were'} met"
    if missed.empty:
        return text + "."
    return text + "; not met: " + "; ".join(f"{r.what} ({r.measured} against {r.goal})"
                                            for r in missed.itertuples()) + "."


def step_parts_verdict(record: Mapping[str, Any], n: int = 512) -> str:
    """Which parts of one step take the most time at ``n`` units in a ``qr_step`` measurement (CholeskyQR2 does
    the Gram matrix, the Cholesky factorisation and the triangular solve twice per step).

    Examples
    --------
    >>> names = ["Jacobians of the step", "J Q", "Gram matrix AᵀA (float64)", "Cholesky, batched (cholesky_ex)",
    ...          "Cholesky, one matrix at a time", "solve A Lᵀ⁻¹, batched (solve_triangular)"]
    >>> rows = [[512, "float64", name, ms] for name, ms in zip(names, [0.8, 0.1, 0.1, 0.7, 2.2, 0.5])]
    >>> step_parts_verdict({"tables": [{"title": "parts of a step", "columns": ["n", "dtype", "part", "ms"],
    ...                                 "rows": rows}]})  # doctest: +ELLIPSIS
    'At n = 512, the two batched Cholesky factorisations take 1.40 ms and the two triangular solves 1.00 ms, ...'
    """
    parts = table_frame(record, "parts of a step")
    parts = parts[(parts["n"] == n) & (parts["dtype"] == "float64")].set_index("part")["ms"]
    cholesky = 2 * parts["Cholesky, batched (cholesky_ex)"]
    solve = 2 * parts["solve A Lᵀ⁻¹, batched (solve_triangular)"]
    rest = parts["Jacobians of the step"] + parts["J Q"] + 2 * parts["Gram matrix AᵀA (float64)"]
    looped = 2 * parts["Cholesky, one matrix at a time"]
    return (f"At n = {n}, the two batched Cholesky factorisations take {cholesky:.2f} ms and the two triangular "
            f"solves {solve:.2f} ms, while the other parts of a step (the Jacobians, J Q, the Gram matrices) take "
            f"{rest:.2f} ms launched one by one; factorising one matrix at a time instead takes {looped:.2f} ms.")


def sharing_verdict(record: Mapping[str, Any]) -> str:
    """How many CharRNN members training at once fill a GPU best, from the ``sharing`` table of a
    ``sweep_member`` measurement.

    Examples
    --------
    >>> rows = [[1, 7.6, 131.6], [2, 11.4, 175.0], [4, 20.5, 195.0], [8, 41.4, 193.3]]
    >>> sharing_verdict({"tables": [{"title": "sharing", "columns": ["processes", "ms per batch, each",
    ...                  "batches / s, all"], "rows": rows}]})
    '4 members training at once gave the most batches per second, 195 against 132 for one alone (1.48×).'
    """
    sharing = table_frame(record, "sharing").set_index("processes")["batches / s, all"]
    best = int(sharing.idxmax())
    return (f"{best} members training at once gave the most batches per second, {sharing[best]:.0f} against "
            f"{sharing.iloc[0]:.0f} for one alone ({sharing[best] / sharing.iloc[0]:.2f}×).")


def float32_verdict(record: Mapping[str, Any], tolerance: float = 1e-3) -> str:
    """Whether the spectra after every epoch could be float32: their largest difference from float64 on the
    trained network against ``tolerance``, and what float32 saved, from a ``sweep_member`` measurement.

    Examples
    --------
    >>> float32_verdict({"findings": {"float32_deviation": 4.5e-4, "spectrum_float32": 0.38,
    ...                               "spectrum_float64": 0.40}})
    'In float32 the spectrum differed from float64 by at most 4.5e-04 (below 1e-03) and took 0.95 of its time.'
    """
    f = record["findings"]
    below = "below" if f["float32_deviation"] < tolerance else "not below"
    return (f"In float32 the spectrum differed from float64 by at most {f['float32_deviation']:.1e} ({below} "
            f"{tolerance:.0e}) and took {f['spectrum_float32'] / f['spectrum_float64']:.2f} of its time.")


def paper_member_verdict(record: Mapping[str, Any], share: int, goal_minutes: float = 3.5) -> str:
    """The estimated time of a paper-sized CharRNN member when ``share`` members train on one GPU at once,
    against the goal, from the ``paper member`` table of a ``sweep_member`` measurement.

    Examples
    --------
    >>> rows = [[1, 1.9, 8.3, 1.4, 0.71], [4, 4.45, 8.3, 3.1, 1.29]]
    >>> paper_member_verdict({"tables": [{"title": "paper member", "columns": ["sharing", "s per epoch", "final s",
    ...                       "minutes per member", "members per minute"], "rows": rows}]}, 4)
    'With 4 members sharing the GPU, a 40-epoch member takes about 3.1 minutes, within the goal of 3.5.'
    """
    row = table_frame(record, "paper member").set_index("sharing").loc[share]
    within = "within" if row["minutes per member"] <= goal_minutes else "beyond"
    return (f"With {share} members sharing the GPU, a 40-epoch member takes about {row['minutes per member']:.1f} "
            f"minutes, {within} the goal of {goal_minutes:g}.")


def paper_profile_table(units: Mapping[str, Any], parameters: Mapping[str, Mapping[str, Any]], *,
                        sweep_gain: float = 1.0, measured: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The chapters at the paper profile on the device of ``units`` (a ``paper_profile`` record): for each
    training chapter in ``parameters`` (its paper-profile parameters) the estimate :func:`chapter_work` ×
    :func:`work_seconds`, the sweeps' divided by ``sweep_gain`` (the measured gain of members sharing the
    device); and each chapter of ``measured`` (seconds) as measured. Columns ``chapter``, ``minutes``, ``how``.

    Examples
    --------
    >>> units = {"tables": [{"title": "training", "columns": ["task", "n", "step s", "steps per epoch",
    ...          "validation s", "validation samples"], "rows": [["mnist", 128, 0.01, 10, 0.5, 1000]]},
    ...          {"title": "analyses", "columns": ["what", "n", "seconds"], "rows": [["fresh homotopy (mnist)", 128,
    ...          0.2], ["tracking (Newton, mnist)", 128, 0.1]]}]}
    >>> p = {"seeds": 1, "mnist_epochs": 600, "mnist_every": 60, "validate_on": 1000, "ptb_windows": 0,
    ...      "ptb_epochs": 1, "ptb_every": 1, "notts_samples": 0, "notts_epochs": 1, "notts_every": 1,
    ...      "sensitivity_seeds": 0}
    >>> table = paper_profile_table(units, {"equilibria_training": p}, measured={"lyapunov": 600.0})
    >>> table.round(3)[["chapter", "minutes"]].values.tolist()  # 6000 steps, 101 checkpoints: (60 + 101 × 1.2) s
    [['equilibria_training', 3.02], ['lyapunov', 10.0]]
    """
    rows = []
    for chapter, p in parameters.items():
        seconds = work_seconds(chapter_work(chapter, p, units), units)
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


def duration(minutes: float) -> str:
    """A time in minutes as a reader takes it in: minutes up to 90, hours up to two days, then days (the number and
    its unit joined by a no-break space, so that a table cell never splits them).

    Examples
    --------
    >>> [t.replace("\u00a0", " ") for t in (duration(12.34), duration(150), duration(13788.4))]
    ['12.3 min', '2.5 h', '9.6 days']
    """
    if minutes <= 90:
        return f"{minutes:.1f}\u00a0min"
    if minutes <= 48 * 60:
        return f"{minutes / 60:.1f}\u00a0h"
    return f"{minutes / 1440:.1f}\u00a0days"


def paper_total_verdict(times: pd.DataFrame, chapters: Sequence[str], goal_hours: float = 2.0) -> str:
    """The whole book at the paper profile on one GPU against ``goal_hours``: the GPU's estimates of the training
    chapters plus the other ``chapters`` as measured on the CPU (``times`` from :func:`paper_profile_times`); where
    a chapter has neither, the sentence says which and draws no conclusion.

    Examples
    --------
    >>> times = pd.DataFrame({"device": ["H100", "H100", "CPU"], "chapter": ["a", "b", "c"],
    ...                       "minutes": [100.0, 10.0, 30.0], "how": ["estimated", "estimated", "measured"]})
    >>> paper_total_verdict(times, ["a", "b", "c"])  # doctest: +ELLIPSIS
    'On one GPU (H100) the training chapters take about 110 minutes ... 2.3 hours in all, beyond the goal of 2 hours.'
    >>> paper_total_verdict(times, ["a", "b", "c", "d"])  # doctest: +ELLIPSIS
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
