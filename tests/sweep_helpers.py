"""Member functions for the sweep tests, in a module the Dask workers can import (tests/ is on their path)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Value:
    value: int


def square(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """``value²``, counting its calls in ``directory/calls``; a negative value fails."""
    directory.mkdir(parents=True, exist_ok=True)
    calls = directory / "calls"
    calls.write_text(str(int(calls.read_text()) + 1 if calls.exists() else 1))
    if member.value < 0:
        raise ValueError(f"negative value {member.value}")
    return {"square": member.value ** 2, "pid": os.getpid()}, [{"epoch": e, "value": member.value * e}
                                                                for e in range(2)]
