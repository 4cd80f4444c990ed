"""One claim, one outcome: what a paper claims, and the value object that says whether this book's run holds it.

A :class:`Claim` is a statement of a paper (where the paper makes it, which chapter tests it). Each claim has
exactly one function, in :mod:`lstmdyn.experiments.claims_amrouche` or :mod:`lstmdyn.experiments.claims_vogt`,
that takes the run's measurements and returns an :class:`Outcome`: the verdict, the criterion in words, and the
measured and the paper's values. The chapter's sentence and the scorecard's row are both rendered from that
outcome; the chapters' results files store outcomes (:meth:`Outcome.as_dict`), and the scorecard reads them
without judging again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

__all__ = ["VERDICTS", "Claim", "Outcome", "Verdict", "by_share"]

#: "inconclusive": the measurement cannot tell (a correlation whose interval spans 0 over few networks)
Verdict = Literal["reproduced", "partly", "inconclusive", "not reproduced", "untested", "not run"]
#: Every verdict: the four a test can give; ``untested`` where the claim's chapter ran but its run gave the claim
#: nothing to test (no network finished, none selected late enough, no equilibrium found); ``not run`` where the
#: chapter has not run (its results file is missing).
VERDICTS: tuple[Verdict, ...] = ("reproduced", "partly", "inconclusive", "not reproduced", "untested", "not run")


@dataclass(frozen=True)
class Claim:
    """A claim of a paper, as this book tests it.

    Attributes
    ----------
    key : str
        A stable name, ``paper.claim`` (``"amrouche.mnist"``).
    paper : str
        The paper, as the pages cite it (``"Amrouche et al."``).
    where : str
        Where in the paper the claim is made (section, figure).
    statement : str
        The claim, in short, in this book's words.
    chapter : str
        The chapter page that tests it.

    Examples
    --------
    >>> claim = Claim("demo.rises", "Someone et al.", "Fig. 1", "the value rises", "demo")
    >>> claim.outcome("partly", paper_value="0.8", measured="0.7", criterion="rises: partly").verdict
    'partly'
    >>> claim.not_run("demo.json not found").criterion
    'demo.json not found'
    """

    key: str
    paper: str
    where: str
    statement: str
    chapter: str

    def outcome(self, verdict: Verdict, *, paper_value: str, measured: str, criterion: str, population: str = "",
                n: int = 0) -> Outcome:
        """This claim's :class:`Outcome`."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        return Outcome(self.key, self.paper, self.where, self.statement, self.chapter, paper_value, measured,
                       verdict, criterion, population, int(n))

    def not_run(self, reason: str, *, population: str = "") -> Outcome:
        """The outcome of a claim whose chapter has not run (its measurements do not exist yet): ``reason`` says
        why."""
        return self.outcome("not run", paper_value="", measured="", criterion=reason, population=population)

    def untested(self, reason: str, *, population: str = "") -> Outcome:
        """The outcome of a claim whose chapter ran but whose run gave it nothing to test: ``reason`` says what was
        missing."""
        return self.outcome("untested", paper_value="", measured="", criterion=reason, population=population)


@dataclass(frozen=True)
class Outcome:
    """What this book's run says of one :class:`Claim`.

    Attributes
    ----------
    key, paper, where, claim, chapter : str
        Those of the claim (``claim`` is its statement).
    paper_value : str
        The paper's value, as it states it.
    measured : str
        This book's value, formatted, at the profile that produced it.
    verdict : {"reproduced", "partly", "inconclusive", "not reproduced", "untested", "not run"}
    criterion : str
        The rule that decided the verdict, in words.
    population : str
        What was judged: whose networks (this book's, the authors'), how they were read or measured (a
        convention, a reading of the weights).
    n : int
        How many of them (networks, seeds, settings); 0 where none was judged.

    Examples
    --------
    >>> o = Claim("demo.rises", "Someone et al.", "Fig. 1", "the value rises", "demo").outcome(
    ...     "reproduced", paper_value="0.8", measured="0.79", criterion="within 0.05 of 0.8",
    ...     population="this book's networks", n=4)
    >>> Outcome.from_dict(o.as_dict()) == o
    True
    >>> o.sentence()
    "Someone et al. (Fig. 1): the value rises (0.8). Here (this book's networks, n = 4): 0.79. Verdict: \
**reproduced** (within 0.05 of 0.8)."
    """

    key: str
    paper: str
    where: str
    claim: str
    chapter: str
    paper_value: str
    measured: str
    verdict: Verdict
    criterion: str
    population: str = ""
    n: int = 0

    def as_dict(self) -> dict[str, str | int]:
        """The outcome as a plain mapping, for a results file."""
        return asdict(self)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Outcome:
        """The outcome a results file stored; a record with missing or unknown keys, or an unknown verdict,
        is refused (``ValueError``)."""
        names = {f.name for f in fields(cls)}
        if set(record) != names:
            raise ValueError(f"an outcome has the keys {sorted(names)}, got {sorted(record)}")
        if record["verdict"] not in VERDICTS:
            raise ValueError(f"unknown verdict {record['verdict']!r}")
        if isinstance(record["n"], bool) or not isinstance(record["n"], int):
            raise ValueError(f"n must be a whole number, got {record['n']!r}")
        return cls(**{name: record[name] if name == "n" else str(record[name]) for name in names})

    def sentence(self) -> str:
        """The outcome as a chapter states it; the paper's value in brackets after the claim unless the claim or the
        place already says it."""
        if self.verdict == "not run":
            return f"{self.paper} ({self.where}): {self.claim}. Not run here: {self.criterion}."
        if self.verdict == "untested":
            return f"{self.paper} ({self.where}): {self.claim}. Not testable in this run: {self.criterion}."
        said = not self.paper_value or self.paper_value in self.claim or self.paper_value == self.where
        value = "" if said else f" ({self.paper_value})"
        return (f"{self.paper} ({self.where}): {self.claim}{value}. Here{self.judged()}: "
                f"{self.measured}. Verdict: **{self.verdict}** ({self.criterion}).")

    def judged(self) -> str:
        """What was judged, as the sentence names it: ``" (population, n = 3)"``, or "" where neither is known.

        Examples
        --------
        >>> Claim("d.x", "A", "1", "x", "c").outcome("partly", paper_value="", measured="", criterion="c",
        ...                                          population="this book's 3 seeds", n=3).judged()
        " (this book's 3 seeds, n = 3)"
        """
        parts = [p for p in (self.population, f"n = {self.n}" if self.n else "") if p]
        return f" ({', '.join(parts)})" if parts else ""


def by_share(passed: Sequence[bool]) -> Verdict:
    """``"reproduced"`` if every run passed the criterion, ``"partly"`` if some did, ``"not reproduced"``
    if none did (and ``"untested"`` without runs to judge).

    Examples
    --------
    >>> by_share([True, True]), by_share([True, False]), by_share([False]), by_share([])
    ('reproduced', 'partly', 'not reproduced', 'untested')
    """
    if not passed:
        return "untested"
    return "reproduced" if all(passed) else "partly" if any(passed) else "not reproduced"
