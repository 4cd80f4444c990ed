"""Benchmark results on the performance page: where, when and how each was measured, and its tables.

Every script in ``benchmarks/`` writes one file, ``benchmarks/results/NAME.json``
(:func:`lstmdyn.records.write_measurement`). The performance page is generated from the latest files, so
that its numbers never drift from the scripts: rerun a script and rebuild the book.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from lstmdyn.book.page import markdown_table
from lstmdyn.names import public_paths

__all__ = ["RESULTS", "measured_where", "measurement_markdown"]

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def measured_where(record: Mapping[str, Any]) -> str:
    """One sentence: when, on what machine, with how many threads and which versions, by which command.

    Examples
    --------
    >>> print(measured_where({"date": "2026-11-23T10:00:00+00:00", "command": "lyapunov.py --threads 1",
    ...                       "machine": {"cpu": "Some CPU", "cores": 2, "gpu": None}, "threads": 1,
    ...                       "versions": {"torch": "2.13.0", "python": "3.11.9"}}))
    Measured on 2026-11-23 on Some CPU (2 cores, no GPU) with 1 thread, PyTorch 2.13.0, Python 3.11.9:
    `python benchmarks/lyapunov.py --threads 1`.
    """
    where = record["machine"]
    gpu = where["gpu"] or "no GPU"
    threads = f"{record['threads']} thread{'s' if record['threads'] != 1 else ''}"
    versions = record["versions"]
    other = "" if versions["torch"].split("+")[0] == torch.__version__.split("+")[0] else (
        f" (not the PyTorch {torch.__version__.split('+')[0]} this book pins: to be measured again)")
    return (f"Measured on {record['date'][:10]} on {where['cpu']} ({where['cores']} cores, {gpu}) with "
            f"{threads}, PyTorch {versions['torch']}{other}, Python {versions['python']}:\n"
            f"`python benchmarks/{public_paths(record['command'])}`.")



def measurement_markdown(record: Mapping[str, Any] | None, name: str,
                         sentences: Sequence[Callable[[Mapping[str, Any]], str | None]] = ()) -> str:
    """Where and when a benchmark was measured, its tables, and the ``sentences`` chosen from it (functions
    of the record; those that return ``None`` are left out), as Markdown. If ``record`` is ``None``, how to
    measure it.

    Examples
    --------
    >>> print(measurement_markdown(None, "training"))
    *Not measured yet:* run `python benchmarks/training.py` to write `benchmarks/results/training.json`.
    """
    if record is None:
        return f"*Not measured yet:* run `python benchmarks/{name}.py` to write `benchmarks/results/{name}.json`."
    parts = [measured_where(record)]
    for table in record["tables"]:
        rows = [[_cell(value) for value in row] for row in table["rows"]]
        parts.append(f"*{table['title']}*\n\n" + markdown_table(pd.DataFrame(rows, columns=table["columns"])).data)
    parts.append(" ".join(text for sentence in sentences if (text := sentence(record))))
    return "\n\n".join(parts)


def _cell(value: Any) -> Any:
    """A table cell as the page shows it: a dash for nothing, yes or no for a flag."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
