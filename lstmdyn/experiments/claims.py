"""The papers' claims and this book's verdicts on them, each with the criterion that decides it.

Used by the experiment chapters (each states its paper's claims and computes a verdict) and gathered into the
results files that a scorecard reads; the keys of :meth:`Verdict.as_dict` are stable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Verdict", "by_share", "json_ready", "profile"]

Outcome = Literal["reproduced", "partly", "not reproduced", "not yet run"]


@dataclass(frozen=True)
class Verdict:
    """One claim of a paper against this book's number.

    Attributes
    ----------
    claim : str
        The paper's statement, in short.
    paper : str
        The paper's value, as it states it.
    ours : str
        This book's value, formatted, at the profile that produced it.
    verdict : {"reproduced", "partly", "not reproduced", "not yet run"}
    criterion : str
        The rule that decided the verdict, in words.

    Examples
    --------
    >>> v = Verdict("max |λ| rises to ≈ 0.81", "0.81", "0.88 ± 0.01", "partly", "rises, and within 0.05 of 0.81")
    >>> v.as_dict()["verdict"]
    'partly'
    """

    claim: str
    paper: str
    ours: str
    verdict: Outcome
    criterion: str

    def as_dict(self) -> dict[str, str]:
        """The verdict as a plain mapping (for the results file)."""
        return asdict(self)

    def sentence(self) -> str:
        """The verdict as the page states it."""
        return (f"The paper: {self.claim} ({self.paper}). Here: {self.ours}. Verdict: **{self.verdict}** "
                f"({self.criterion}).")


def by_share(passed: Sequence[bool]) -> Outcome:
    """``"reproduced"`` if every run passed the criterion, ``"partly"`` if some did, ``"not reproduced"``
    if none did (and ``"not yet run"`` without runs).

    Examples
    --------
    >>> by_share([True, True]), by_share([True, False]), by_share([False]), by_share([])
    ('reproduced', 'partly', 'not reproduced', 'not yet run')
    """
    if not passed:
        return "not yet run"
    return "reproduced" if all(passed) else "partly" if any(passed) else "not reproduced"


def profile() -> str:
    """The profile a results file belongs to: ``LSTMDYN_PROFILE``, which the book's runner sets for each
    chapter, else ``"unknown"`` (a notebook run by hand).

    Examples
    --------
    >>> os.environ["LSTMDYN_PROFILE"] = "smoke"; profile()
    'smoke'
    """
    return os.environ.get("LSTMDYN_PROFILE", "unknown")


def json_ready(value: Any) -> Any:
    """``value`` ready for a results file: dictionaries, lists and tuples converted item by item, numpy and
    torch scalars as Python numbers, NaN as ``None`` (JSON's null); anything else unchanged.

    Examples
    --------
    >>> import numpy as np
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
