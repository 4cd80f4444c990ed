"""Page: *Performance* (``notebooks/performance.py``).

The sentences of the performance page that state an outcome (``*_sentence``), each chosen by a condition on the
measurement records that the scripts in ``benchmarks/`` write (``benchmarks/results/NAME.json``), so that the
page stays true when a script is run again on another machine. The paper profile's cost model is
:mod:`lstmdyn.experiments.paper_profile`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lstmdyn.names import public_paths
from lstmdyn.records import table_frame
from lstmdyn.words import join_words

__all__ = ["authors_comparison", "batching_sentence", "blas_threads_sentence", "ensembles_sentence",
           "equilibria_sentence", "float32_sentence", "goals_sentence", "graph_sentence", "paper_member_sentence",
           "qr_accuracy_sentence", "qr_speed_sentence", "rebuild_sentence", "sharing_sentence", "step_parts_sentence",
           "threads_sentence", "tracking_sentence"]


def _ratio_range(ratios: pd.Series) -> str:
    low, high = ratios.min(), ratios.max()
    return f"{low:.1f}×" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}× to {high:.1f}×"


def qr_speed_sentence(record: Mapping[str, Any]) -> str:
    """Which QR method was faster in a ``lyapunov`` measurement, and by how much (Householder / Cholesky).

    Examples
    --------
    >>> rows = [[128, "float32", "householder", 1.0, "1e-5", 0], [128, "float32", "cholesky", 2.0, "1e-5", 0]]
    >>> record = {"benchmark": "lyapunov", "machine": {"gpu": None}, "tables": [{"title": "QR methods",
    ...           "columns": ["n", "dtype", "QR", "seconds", "max |Δλ| from float64", "fallbacks"], "rows": rows}]}
    >>> qr_speed_sentence(record)  # doctest: +ELLIPSIS
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


def qr_accuracy_sentence(record: Mapping[str, Any], factor: float = 2.0) -> str:
    """Whether CholeskyQR2 kept the accuracy of Householder QR: its float32 spectra no further from the
    float64 Householder spectra than ``factor`` times Householder's own float32 deviation, at every size.

    Examples
    --------
    >>> rows = [[128, "float32", "householder", 1.0, "2e-05", 0], [128, "float32", "cholesky", 2.0, "3e-05", 0],
    ...         [128, "float64", "householder", 1.0, "0.0", 0], [128, "float64", "cholesky", 2.0, "1e-13", 0]]
    >>> record = {"benchmark": "lyapunov", "tables": [{"title": "QR methods",
    ...           "columns": ["n", "dtype", "QR", "seconds", "max |Δλ| from float64", "fallbacks"], "rows": rows}]}
    >>> qr_accuracy_sentence(record)  # doctest: +ELLIPSIS
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


def batching_sentence(record: Mapping[str, Any]) -> str:
    """What computing several networks' spectra together gained or lost against one network at a time.

    Examples
    --------
    >>> record = {"tables": [{"title": "networks", "columns": ["n", "networks", "QR", "one at a time s",
    ...           "together s", "speed-up", "max |Δλ|"], "rows": [[128, 4, "householder", 1.0, 0.98, 1.02, "0"]]}]}
    >>> batching_sentence(record)
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


def tracking_sentence(record: Mapping[str, Any], goal_seconds: float = 60.0) -> str:
    """Tracking equilibria through training against the fresh homotopy, and the goal of a minute, from the
    findings of an ``equilibria_training`` measurement.

    Examples
    --------
    >>> tracking_sentence({"findings": {"speedup": 6.9, "tracked_seconds": 1.7, "checkpoints": 50, "n": 200,
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


def rebuild_sentence(record: Mapping[str, Any]) -> str:
    """What a rebuild with nothing changed cost against the clean build, from the findings of a
    ``book_build`` measurement.

    Examples
    --------
    >>> rebuild_sentence({"findings": {"clean": 600.0, "rebuild": 6.0, "executed_again": 0, "chapters": 9}})
    'The rebuild took 0.01 of the clean build (6 s against 600 s): none of the 9 notebooks ran again.'
    """
    findings = record["findings"]
    again = findings["executed_again"]
    ran = "none" if again == 0 else f"{again}"
    return (f"The rebuild took {findings['rebuild'] / findings['clean']:.2f} of the clean build "
            f"({findings['rebuild']:.0f} s against {findings['clean']:.0f} s): {ran} of the "
            f"{findings['chapters']} notebooks ran again.")


def threads_sentence(record: Mapping[str, Any]) -> str:
    """What all cores did against one thread for a chapter, idle and busy, from the findings of a ``threads``
    measurement (ratios of wall times, all cores over one thread).

    Examples
    --------
    >>> print(threads_sentence({"findings": {"chapter": "lstm_model", "profile": "quick", "cores": 2,
    ...                                     "idle_ratio": 1.18, "busy_ratio": 5.87}}))
    With 2 threads lstm_model (quick) took 1.18 × the time of one thread on an idle machine and 5.87 × on a busy \
one: one thread is faster on both.
    >>> threads_sentence({"findings": {"chapter": "c", "profile": "quick", "cores": 2, "idle_ratio": 0.6,
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


def blas_threads_sentence(record: Mapping[str, Any]) -> str:
    """Whether one BLAS thread or all of them found equilibria faster at each size of a ``blas_threads``
    measurement, against the size up to which :func:`~lstmdyn.equilibria.find_equilibrium` keeps to one thread.

    Examples
    --------
    >>> record = {"findings": {"cores": 2, "threshold": 256}, "tables": [{"title": "find_equilibrium",
    ...           "columns": ["n", "1 thread s", "all cores s", "all cores / 1 thread"],
    ...           "rows": [[50, 0.01, 0.01, 1.04], [400, 0.5, 1.0, 2.05]]}]}
    >>> print(blas_threads_sentence(record))  # doctest: +NORMALIZE_WHITESPACE
    With 2 BLAS threads the search took 1.04 to 2.05 times the time of one thread at n = 50 to 400: one thread was
    faster at every size measured; the package keeps to one up to n = 256.
    >>> record["tables"][0]["rows"][1][3] = 0.8
    >>> blas_threads_sentence(record).split(": ")[1]
    'one thread was faster up to n = 50, all cores from n = 400; the package keeps to one up to n = 256.'
    """
    f, frame = record["findings"], table_frame(record, "find_equilibrium")
    ratios = frame["all cores / 1 thread"]
    low, high = f"{ratios.min():.2f}", f"{ratios.max():.2f}"
    took = f"{low} times" if low == high else f"{low} to {high} times"
    head = (f"With {f['cores']} BLAS threads the search took {took} the time of one thread at "
            f"n = {frame['n'].min()} to {frame['n'].max()}: ")
    tail = f"; the package keeps to one up to n = {f['threshold']}."
    if (ratios > 1).all():
        return head + "one thread was faster at every size measured" + tail
    if (ratios < 1).all():
        return head + "all cores were faster at every size measured" + tail
    one = frame.loc[ratios > 1, "n"]
    many = frame.loc[ratios <= 1, "n"]
    if one.max() < many.min():
        return head + f"one thread was faster up to n = {one.max()}, all cores from n = {many.min()}" + tail
    return head + f"one thread was faster at n = {join_words([str(n) for n in one])}, all cores at the others" + tail


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


def equilibria_sentence(record: Mapping[str, Any]) -> str:
    """Which methods of an ``equilibria`` measurement found every network's equilibrium, which found only
    some, and how often the others beat the convex homotopy's time where they did find it.

    Examples
    --------
    >>> columns = ["network", "method", "seconds", "found", "stopped", "residual", "distance to convex",
    ...            "spectral radius", "time / convex"]
    >>> rows = [["a", "convex", 0.1, True, False, "1e-16", "0", 0.6, 1.0], ["a", "Newton", 0.05, True, False,
    ...          "1e-15", "1e-15", 0.6, 0.5], ["b", "convex", 0.3, True, False, "1e-15", "0", 1.01, 1.0],
    ...         ["b", "Newton", 0.01, False, False, "1e+06", "3e+08", None, 0.03]]
    >>> sentence = equilibria_sentence({"tables": [{"title": "methods", "columns": columns, "rows": rows}]})
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
# The Lyapunov step on a GPU, and a sweep member there


def graph_sentence(record: Mapping[str, Any]) -> str:
    """What capturing the step in a CUDA graph gained at each size of a ``lyapunov-cuda`` measurement, in
    float32 (findings ``graph_speedup_N_float32``: the uncaptured time over the captured one).

    Examples
    --------
    >>> graph_sentence({"findings": {"graph_speedup_128_float32": 2.64, "graph_speedup_512_float32": 1.09,
    ...                             "graph_speedup_512_float64": 1.08}})
    'Capturing the step in a CUDA graph divided its time by 2.6 at n = 128 and by 1.1 at n = 512 (float32).'
    """
    gains = sorted((int(key.split("_")[2]), value) for key, value in record["findings"].items()
                   if key.startswith("graph_speedup_") and key.endswith("_float32"))
    return ("Capturing the step in a CUDA graph divided its time by "
            + join_words([f"{gain:.1f} at n = {n}" for n, gain in gains]).replace(" and ", " and by ") + " (float32).")


def goals_sentence(record: Mapping[str, Any]) -> str:
    """Which of the goals in the ``goals`` table of a ``lyapunov-cuda`` measurement were met.

    Examples
    --------
    >>> rows = [["n = 512, float32", "0.05 s", 0.264, False], ["n = 128, float32", "0.1 s", 0.05, True]]
    >>> goals_sentence({"tables": [{"title": "goals", "columns": ["what", "goal", "measured", "met"], "rows": rows}]})
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


def step_parts_sentence(record: Mapping[str, Any], n: int = 512) -> str:
    """Which parts of one step take the most time at ``n`` units in a ``qr_step`` measurement (CholeskyQR2 does
    the Gram matrix, the Cholesky factorisation and the triangular solve twice per step).

    Examples
    --------
    >>> names = ["Jacobians of the step", "J Q", "Gram matrix AᵀA (float64)", "Cholesky, batched (cholesky_ex)",
    ...          "Cholesky, one matrix at a time", "solve A Lᵀ⁻¹, batched (solve_triangular)"]
    >>> rows = [[512, "float64", name, ms] for name, ms in zip(names, [0.8, 0.1, 0.1, 0.7, 2.2, 0.5])]
    >>> step_parts_sentence({"tables": [{"title": "parts of a step", "columns": ["n", "dtype", "part", "ms"],
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


def sharing_sentence(record: Mapping[str, Any]) -> str:
    """How many CharRNN members training at once fill a GPU best, from the ``sharing`` table of a
    ``sweep_member`` measurement.

    Examples
    --------
    >>> rows = [[1, 7.6, 131.6], [2, 11.4, 175.0], [4, 20.5, 195.0], [8, 41.4, 193.3]]
    >>> sharing_sentence({"tables": [{"title": "sharing", "columns": ["processes", "ms per batch, each",
    ...                  "batches / s, all"], "rows": rows}]})
    '4 members training at once gave the most batches per second, 195 against 132 for one alone (1.48×).'
    """
    sharing = table_frame(record, "sharing").set_index("processes")["batches / s, all"]
    best = int(sharing.idxmax())
    return (f"{best} members training at once gave the most batches per second, {sharing[best]:.0f} against "
            f"{sharing.iloc[0]:.0f} for one alone ({sharing[best] / sharing.iloc[0]:.2f}×).")


def float32_sentence(record: Mapping[str, Any], tolerance: float = 1e-3) -> str:
    """Whether the spectra after every epoch could be float32: their largest difference from float64 on the
    trained network against ``tolerance``, and what float32 saved, from a ``sweep_member`` measurement.

    Examples
    --------
    >>> float32_sentence({"findings": {"float32_deviation": 4.5e-4, "spectrum_float32": 0.38,
    ...                               "spectrum_float64": 0.40}})
    'In float32 the spectrum differed from float64 by at most 4.5e-04 (below 1e-03) and took 0.95 of its time.'
    """
    f = record["findings"]
    below = "below" if f["float32_deviation"] < tolerance else "not below"
    return (f"In float32 the spectrum differed from float64 by at most {f['float32_deviation']:.1e} ({below} "
            f"{tolerance:.0e}) and took {f['spectrum_float32'] / f['spectrum_float64']:.2f} of its time.")


def paper_member_sentence(record: Mapping[str, Any], share: int, goal_minutes: float = 3.5) -> str:
    """The estimated time of a paper-sized CharRNN member when ``share`` members train on one GPU at once,
    against the goal, from the ``paper member`` table of a ``sweep_member`` measurement.

    Examples
    --------
    >>> rows = [[1, 1.9, 8.3, 1.4, 0.71], [4, 4.45, 8.3, 3.1, 1.29]]
    >>> paper_member_sentence({"tables": [{"title": "paper member", "columns": ["sharing", "s per epoch", "final s",
    ...                       "minutes per member", "members per minute"], "rows": rows}]}, 4)
    'With 4 members sharing the GPU, a 40-epoch member takes about 3.1 minutes, within the goal of 3.5.'
    """
    row = table_frame(record, "paper member").set_index("sharing").loc[share]
    within = "within" if row["minutes per member"] <= goal_minutes else "beyond"
    return (f"With {share} members sharing the GPU, a 40-epoch member takes about {row['minutes per member']:.1f} "
            f"minutes, {within} the goal of {goal_minutes:g}.")
