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

import errno
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
import pandas as pd
import torch

from lstmdyn.errors import DiskFullError

__all__ = ["Table", "disk_full", "json_ready", "machine", "read_measurements", "table_frame", "write_atomically",
           "write_json", "write_measurement"]


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write(temporary)``, then rename the temporary file to ``path``: a reader sees the old file or the
    whole new one, never a partial one. The temporary file is removed if ``write`` fails; a write that failed
    for want of space raises :class:`DiskFullError`, whatever the writer raised.

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
    except Exception as e:
        temporary.unlink(missing_ok=True)
        full = disk_full(path, e)
        if full is not None:
            raise full from None
        raise
    finally:
        temporary.unlink(missing_ok=True)


#: Free bytes under which a failed write is taken for a full disk, whatever error the writer raised (PyTorch's
#: writer, for one, reports ENOSPC as "unexpected pos")
FULL_BELOW = 1 << 20


def _mount_point(path: Path) -> Path:
    path = path.resolve()
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def disk_full(path: Path, error: BaseException) -> DiskFullError | None:
    """A :class:`DiskFullError` where ``error``, raised while writing ``path``, is a full disk: an ``ENOSPC`` or
    ``EDQUOT`` error, or any error while fewer than :data:`FULL_BELOW` bytes are free there; else None.

    Examples
    --------
    >>> disk_full(Path("/tmp/x.pt"), OSError(errno.ENOSPC, "No space left on device")) is not None
    True
    >>> disk_full(Path("/tmp/x.pt"), ValueError("a bug, not the disk")) is None   # /tmp has space here
    True
    """
    directory = Path(path).parent
    try:
        stats = os.statvfs(directory)
        free = stats.f_bavail * stats.f_frsize
    except OSError:
        free = None
    by_errno = isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
    if not by_errno and (free is None or free >= FULL_BELOW):
        return None
    left = f"{free} bytes free" if free is not None else "free space unknown"
    return DiskFullError(f"no space left on {_mount_point(directory)} to write {path} ({left}; "
                                       f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})")


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
