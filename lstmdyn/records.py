"""Results as files: writes that a reader never sees half done, values ready for JSON, and measurement records.

- :func:`write_atomically` writes a file through a temporary one and a rename (checkpoints, sweep tables,
  results files, measurements);
- :func:`json_ready` turns numpy and torch scalars and NaN into what JSON holds;
- :func:`write_measurement` and :func:`read_measurements` are the files the scripts in ``benchmarks/`` write:
  ``NAME.json`` with their tables, the named findings that the performance page's sentences are chosen by,
  the machine (CPU model, cores, GPU), the thread count, the versions and the date.

Nothing here needs the book's tools: a GPU worker or a cluster node with the package alone writes the same files.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["Table", "json_ready", "machine", "read_measurements", "write_atomically", "write_json", "write_measurement"]


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write(temporary)``, then rename the temporary file to ``path``: a reader sees the old file or the
    whole new one, never a partial one. The temporary file is removed if ``write`` fails.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_atomically(path, lambda p: p.write_text("done"))
    >>> path.read_text(), sorted(q.name for q in path.parent.iterdir())
    ('done', ['x.txt'])
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def json_ready(value: Any) -> Any:
    """``value`` ready for a results file: dictionaries, lists and tuples converted item by item, numpy and
    torch scalars as Python numbers, NaN as ``None`` (JSON's null); anything else unchanged.

    Examples
    --------
    >>> json_ready({"rho": np.float64(0.5), "low": float("nan"), "n": [np.int64(3)]})
    {'rho': 0.5, 'low': None, 'n': [3]}
    """
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a numpy or torch scalar
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def write_json(path: str | Path, record: Any) -> Path:
    """Write ``record`` (made :func:`json_ready`) to ``path`` as indented JSON, atomically: a chapter's results file.

    Examples
    --------
    >>> import tempfile
    >>> path = write_json(Path(tempfile.mkdtemp()) / "r.json", {"rho": float("nan")})
    >>> json.loads(path.read_text())
    {'rho': None}
    """
    path = Path(path)
    write_atomically(path, lambda p: p.write_text(json.dumps(json_ready(record), indent=1) + "\n"))
    return path


@dataclass(frozen=True)
class Table:
    """One table of a benchmark: a title, column names and rows of numbers or text.

    Examples
    --------
    >>> Table("t", ["n", "s"], [[1, 0.5]]).title
    't'
    """

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


def write_measurement(name: str, tables: Sequence[Table], *, threads: int, directory: str | Path,
                      findings: Mapping[str, Any] | None = None) -> Path:
    """Write ``directory/NAME.json`` (atomically) with the tables, the findings and where, when and how they
    were measured.

    Parameters
    ----------
    name : str
        The file's name, by convention the script's (``lyapunov``), with a suffix for another device
        (``lyapunov-cuda``).
    tables : sequence of Table
    threads : int
        The thread count the script pinned.
    directory : path
        Where to write (the scripts' default: ``benchmarks/results`` of the checkout).
    findings : mapping, optional
        Named numbers or verdicts that the page's sentences use.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_measurement("demo", [Table("t", ["n", "s"], [[1, 0.5]])], threads=1, directory=tmp)
    ...     read_measurements(tmp)["demo"]["tables"][0]["rows"]
    [[1, 0.5]]
    """
    directory = Path(directory)
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
    return write_json(directory / f"{name}.json", record)


def read_measurements(directory: str | Path) -> dict[str, dict[str, Any]]:
    """Every measurement file in ``directory``, by name.

    Examples
    --------
    >>> import tempfile
    >>> read_measurements(tempfile.mkdtemp())
    {}
    """
    return {path.stem: json.loads(path.read_text()) for path in sorted(Path(directory).glob("*.json"))}
