"""What a chapter page shows besides figures: tables, and numbers and sentences computed by the notebook,
glued into its prose with ``{glue:text}`name:format``` and ``{glue:md}`name```."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from IPython.display import Markdown
from myst_nb import glue
from pandas.io.formats.style import Styler

from lstmdyn.names import display_name

__all__ = ["equilibrium_table", "glue_numbers", "glue_text", "markdown_table", "outcome_rows", "record_table", "table"]


def glue_numbers(**values: Real) -> None:
    """Make each number available to the page's prose as ``{glue:text}`name:format```.

    numpy scalars are converted to Python numbers first: the page formats the stored text, and
    ``np.float64(0.5)`` is not a number to it.
    """
    for name, value in values.items():
        glue(name, int(value) if isinstance(value, Integral) else float(value), display=False)


def glue_text(**texts: str) -> None:
    """Make each Markdown text available to the page's prose as ``{glue:md}`name```, for statements that
    depend on the computed results."""
    for name, text in texts.items():
        glue(name, Markdown(text), display=False)


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None, precision: int = 3) -> Styler:
    """A results table as the book shows it: no index, numbers to ``precision`` digits unless a column has
    its own format in ``formats`` (``{"residual": "{:.1e}"}``); a missing value shows as a dash."""
    return frame.style.format(formats or {}, precision=precision, na_rep="–").hide(axis="index")


def record_table(info) -> Styler:
    """A data set's record (:class:`lstmdyn.data.DataInfo`) as a two-column table: origin, license, then its facts
    under their display names (:func:`lstmdyn.names.display_name`).

    Examples
    --------
    >>> from lstmdyn.data.registry import DataInfo
    >>> frame = record_table(DataInfo("mnist", "LeCun et al.", "CC BY-SA 3.0", {"input_width": 28})).data
    >>> frame.iloc[:, 0].tolist()
    ['origin', 'license', 'inputs per step']
    """
    rows = [("origin", info.origin), ("license", info.license),
            *((display_name(key), value) for key, value in info.facts.items())]
    return table(pd.DataFrame(rows, columns=["", info.name])).set_properties(**{"text-align": "left"})


def equilibrium_table(results: dict, reference: np.ndarray) -> Styler:
    """Homotopy runs (``{name: Equilibrium}``) side by side, with their distance to a reference state."""
    frame = pd.DataFrame([{
        "method": name, "status": r.status, "steps": r.steps, "turning points": len(r.turning_points),
        "seconds": r.seconds, "residual ‖Φ(x)−x‖": r.residual, "spectral radius": r.spectral_radius,
        "distance to reference": np.linalg.norm(r.x - reference)} for name, r in results.items()])
    return table(frame, {"residual ‖Φ(x)−x‖": "{:.1e}", "distance to reference": "{:.1e}"})


def markdown_table(frame: pd.DataFrame) -> Markdown:
    """A table of words rendered as MyST Markdown, so that its cells may hold roles such as ``{doc}`name```;
    its columns are aligned left (the book's tables of numbers are aligned right).

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"setting": ["rate"], "value": ["1e-3"]})).data)
    | setting | value |
    |:---|:---|
    | rate | 1e-3 |
    """
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, frame.columns)) + " |", "|" + ":---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in frame.itertuples(index=False)]
    return Markdown("\n".join(lines))


#: The colour of each verdict on the page (sphinx-design's names).
VERDICT_COLOURS = {"reproduced": "success", "partly": "warning", "inconclusive": "info", "not reproduced": "danger",
                   "untested": "muted", "not run": "secondary"}


def outcome_rows(card: pd.DataFrame) -> Markdown:
    """A scorecard (one row per claim with the columns of :data:`lstmdyn.experiments.scorecard.SCHEMA`) as one
    short line per claim, coloured by its verdict, that opens onto the paper's and this book's values, the
    criterion and the profile; with the columns of :data:`lstmdyn.experiments.scorecard.KEPT_COLUMNS` as well, the
    verdict kept at the paper profile beside it, marked where the two differ.

    Examples
    --------
    >>> card = pd.DataFrame([{"key": "a.b", "paper": "A et al.", "where": "4.1", "claim": "it rises", "chapter": "c",
    ...                       "paper_value": "0.8", "measured": "0.7", "verdict": "partly", "criterion": "rises",
    ...                       "profile": "smoke"}])
    >>> print(outcome_rows(card).data.splitlines()[0])
    :::{dropdown} **partly** · it rises · {doc}`c`
    """
    blocks = []
    for row in card.itertuples(index=False):
        kept = getattr(row, "paper_verdict", None)
        kept = kept if isinstance(kept, str) and kept else None
        at_paper = "" if kept is None else (f" · paper profile: **{kept}**" + (" (differs)" if kept != row.verdict
                                                                             else ""))
        blocks.append("\n".join([
            f":::{{dropdown}} **{row.verdict}** · {row.claim} · {{doc}}`{row.chapter}`{at_paper}",
            f":color: {VERDICT_COLOURS[row.verdict]}", "",
            f"{row.paper}, {row.where}." + (f" Judged at the **{row.profile}** profile." if row.profile else ""), "",
            f"- *the paper:* {row.paper_value or '–'}", f"- *this book:* {row.measured or '–'}",
            *([f"- *judged on:* {row.population}" + (f", n = {row.n}" if row.n else "")]
              if getattr(row, "population", "") else []),
            f"- *criterion:* {row.criterion}",
            *([f"- *at the paper profile* (kept from {row.paper_date}, {row.paper_machine}; "
               f"{{doc}}`{row.chapter}_paper`): **{kept}**, {row.paper_measured}"] if kept else []), ":::"]))
    return Markdown("\n\n".join(blocks))
