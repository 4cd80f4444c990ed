"""Member functions for the sweep tests, in a module the Dask workers can import (tests/ is on their path)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


def missing_data(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """A member whose data cannot be read: a fault of the environment."""
    from lstmdyn.errors import DataError

    raise DataError(f"mnist/train.gz (sha256 0123) is missing; member {member.value}")


def missing_module(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """A member whose code needs a module the worker cannot import: a fault of the environment."""
    import a_module_no_worker_has  # noqa: F401

    return {}, []


def lost_once(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """Kills its worker process the first time it runs (``value`` 0: every time); counts its calls."""
    directory.mkdir(parents=True, exist_ok=True)
    calls = directory / "calls"
    count = int(calls.read_text()) + 1 if calls.exists() else 1
    calls.write_text(str(count))
    if count == 1 or member.value == 0:
        os._exit(1)
    return {"square": member.value ** 2}, []


def learning_rate(member: Any, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """A stand-in for a sweep member's measurement: its learning rate, without training."""
    return {"measured": member.lr}, []


def no_space(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """A member whose file system is full: the operating system's ENOSPC, a fault of the environment."""
    import errno

    raise OSError(errno.ENOSPC, "No space left on device", str(directory / "step_0000001.pt"))


def large_checkpoint(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """Writes a checkpoint of 4 MB with PyTorch, as a training member does, then returns its square."""
    import torch

    from lstmdyn.records import write_atomically

    directory.mkdir(parents=True, exist_ok=True)
    write_atomically(directory / "step_0000001.pt", lambda p: torch.save(torch.zeros(1 << 20), p))
    return {"square": member.value ** 2}, []


def large_rows(member: Value, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """Writes nothing itself but returns 4 MB of rows, which the sweep's client writes."""
    return {"square": member.value ** 2}, [{"epoch": e, "noise": os.urandom(1 << 20).hex()} for e in range(2)]


def squares_one_missing(members: list[Value], directories: list[Path], device: str) -> list:
    """A group function: each member's square, but the data of a member of value 2 is missing (returned as its
    outcome, as a group reports a member stopped alone)."""
    from lstmdyn.errors import DataError

    return [DataError("mnist/train.gz (sha256 0123) is missing") if m.value == 2 else square(m, d, device)
            for m, d in zip(members, directories, strict=True)]
