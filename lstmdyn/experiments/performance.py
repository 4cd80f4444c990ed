"""Page: *Performance* (``notebooks/performance.py``).

The sentences of the performance page that state an outcome, each chosen by a condition on the
measurement records that the scripts in ``benchmarks/`` write (``benchmarks/results/NAME.json``), so that the
page stays true when a script is run again on another machine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["authors_comparison", "batching_verdict", "equilibria_verdict", "qr_accuracy_verdict", "qr_speed_verdict",
           "rebuild_verdict", "table_frame", "tracking_verdict"]


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
    agreement = deviation.xs("float64", level="dtype")["cholesky"].max()
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
    "Against ... 12.0× faster at n = 128: the goal of 10× is met ... (their code: /src/..., commit abc)."
    """
    frame = table_frame(record, "implementations")
    authors = frame[frame["method"] == "authors' calc_LEs_an"]
    if authors.empty:
        return None
    speedups = ", ".join(f"{s:.1f}× faster at n = {n}" for n, s in zip(authors["n"], authors["package speed-up"],
                                                                         strict=True))
    met = (authors["package speed-up"] >= 10).all()
    source = record.get("findings", {}).get("authors_source", "source not recorded")
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
