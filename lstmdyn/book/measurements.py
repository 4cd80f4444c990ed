"""Benchmark results as files: what each script in ``benchmarks/`` measured, where, when and how.

Every script writes one JSON file, ``benchmarks/results/NAME.json``, with its tables, the named findings its
page sentences are chosen by, the machine (CPU model, cores, GPU), the thread count, the versions and the
date. The performance page is generated from the latest files, so that its numbers never drift from the
scripts: rerun a script and rebuild the book.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lstmdyn.book.page import markdown_table
from lstmdyn.experiments.claims import json_ready

__all__ = ["RESULTS", "Table", "machine", "measured_where", "measurement_markdown", "read_measurements",
           "write_measurement"]

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@dataclass(frozen=True)
class Table:
    """One table of a benchmark: a title, column names and rows of numbers or text."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


def machine() -> dict[str, Any]:
    """The CPU model, core count, GPU (or ``None``) and operating system of this machine.

    Examples
    --------
    >>> sorted(machine())
    ['cores', 'cpu', 'gpu', 'system']
    """
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "gpu": gpu, "system": platform.platform(terse=True)}


def write_measurement(name: str, tables: Sequence[Table], *, threads: int,
                      findings: Mapping[str, Any] | None = None, directory: str | Path | None = None) -> Path:
    """Write ``NAME.json`` with the tables, the findings and where, when and how they were measured.

    Parameters
    ----------
    name : str
        The file's name, by convention the script's (``lyapunov``), with a suffix for another device
        (``lyapunov-cuda``).
    tables : sequence of Table
    threads : int
        The thread count the script pinned.
    findings : mapping, optional
        Named numbers or verdicts that the page's sentences use.
    directory : path, optional
        Default ``benchmarks/results`` of this checkout.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_measurement("demo", [Table("t", ["n", "s"], [[1, 0.5]])], threads=1, directory=tmp)
    ...     read_measurements(tmp)["demo"]["tables"][0]["rows"]
    [[1, 0.5]]
    """
    directory = Path(directory) if directory is not None else RESULTS
    directory.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": machine(),
        "threads": threads,
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__},
        "tables": [asdict(table) for table in tables],
        "findings": dict(findings or {}),
    }
    path = directory / f"{name}.json"
    path.write_text(json.dumps(json_ready(record), indent=1) + "\n")
    return path


def read_measurements(directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Every measurement file in ``directory`` (default ``benchmarks/results``), by name."""
    directory = Path(directory) if directory is not None else RESULTS
    return {path.stem: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))}


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
    return (f"Measured on {record['date'][:10]} on {where['cpu']} ({where['cores']} cores, {gpu}) with "
            f"{threads}, PyTorch {versions['torch']}, Python {versions['python']}:\n"
            f"`python benchmarks/{record['command']}`.")


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
