"""Page: *Scorecard* (``notebooks/scorecard.py``).

Each paper's claims, this book's numbers and the verdicts, read from the results files that the chapters write
beside their pages (``book/generated/NAME.json``, each with its profile and the
:class:`~lstmdyn.experiments.outcomes.Outcome` of every claim it judges). The scorecard judges nothing: it lists
every claim of :mod:`lstmdyn.experiments.claims_amrouche` and :mod:`lstmdyn.experiments.claims_vogt` with the
outcome its chapter stored, and a claim whose chapter has not run as ``"not run"``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lstmdyn.experiments import claims_amrouche, claims_vogt
from lstmdyn.experiments.outcomes import VERDICTS, Outcome
from lstmdyn.words import join_words

__all__ = ["CLAIMS", "KEPT_COLUMNS", "SCHEMA", "counts_sentence", "kept_column", "read_outcomes", "scorecard",
           "scorecard_record"]

#: Every claim the book tests, in the order of the scorecard.
CLAIMS = {**claims_amrouche.CLAIMS, **claims_vogt.CLAIMS}

COLUMNS = ["key", "paper", "where", "claim", "chapter", "paper_value", "measured", "verdict", "criterion",
           "population", "n", "profile"]

#: JSON Schema of the file :func:`scorecard_record` writes.
SCHEMA = {
    "type": "object", "required": ["claims", "counts"], "additionalProperties": False,
    "properties": {
        "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                   "propertyNames": {"enum": list(VERDICTS)}},
        "claims": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": COLUMNS, "additionalProperties": False,
            "properties": {**{c: {"type": "string"} for c in COLUMNS}, "n": {"type": "integer", "minimum": 0},
                           "verdict": {"enum": list(VERDICTS)}, "criterion": {"type": "string", "minLength": 1}}}},
    },
}


def read_outcomes(path: str | Path) -> tuple[str, list[Outcome]]:
    """The profile and the outcomes stored in one chapter's results file.

    Raises
    ------
    ValueError
        Naming the file, if it is not JSON or an outcome in it is damaged.

    Examples
    --------
    >>> import tempfile
    >>> outcome = CLAIMS["vogt.warmup"].not_run("not measured")
    >>> path = Path(tempfile.mkdtemp()) / "lyapunov.json"
    >>> _ = path.write_text(json.dumps({"profile": "smoke", "outcomes": [outcome.as_dict()]}))
    >>> read_outcomes(path) == ("smoke", [outcome])
    True
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text())
        return str(record["profile"]), [Outcome.from_dict(o) for o in record["outcomes"]]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: not a results file with a profile and outcomes ({e})") from None


def scorecard(directory: str | Path = ".") -> pd.DataFrame:
    """One row per claim of :data:`CLAIMS` (the columns of :data:`SCHEMA`) from the chapters' results files in
    ``directory``: the outcome the claim's chapter stored, or ``"not run"`` where its file is missing.

    Examples
    --------
    >>> import tempfile
    >>> card = scorecard(tempfile.mkdtemp())
    >>> sorted(set(card["verdict"])), len(card) == len(CLAIMS)
    (['not run'], True)
    """
    directory = Path(directory)
    stored: dict[str, tuple[str, Outcome]] = {}
    for chapter in sorted({claim.chapter for claim in CLAIMS.values()}):
        path = directory / f"{chapter}.json"
        if path.exists():
            profile, outcomes = read_outcomes(path)
            stored |= {o.key: (profile, o) for o in outcomes}
    rows = []
    for key, claim in CLAIMS.items():
        profile, outcome = stored.get(key, ("", claim.not_run(f"{claim.chapter}.json not found: run the chapter")))
        rows.append({**outcome.as_dict(), "profile": profile})
    return pd.DataFrame(rows, columns=COLUMNS)


KEPT_COLUMNS = ["key", "paper_verdict", "paper_measured", "paper_criterion", "paper_date", "paper_machine"]


def kept_column(directory: str | Path) -> pd.DataFrame:
    """The outcomes kept at the paper profile (``directory``: the project's ``paper/``, one folder per chapter with
    its results file and ``provenance.json``), one row per claim they judge, with the date and machine of the run:
    the columns of :data:`KEPT_COLUMNS`. Empty where nothing is kept.

    Examples
    --------
    >>> import tempfile
    >>> kept_column(tempfile.mkdtemp()).empty
    True
    """
    rows = []
    for provenance in sorted(Path(directory).glob("*/provenance.json")):
        record = json.loads(provenance.read_text())
        results = provenance.parent / f"{record['chapter']}.json"
        if not results.is_file():
            continue
        _, outcomes = read_outcomes(results)
        m = record["machine"]
        machine = f"{m.get('cpu')}, {m.get('cores')} cores" + (f", {m['gpu']}" if m.get("gpu") else "")
        rows += [{"key": o.key, "paper_verdict": o.verdict, "paper_measured": o.measured,
                  "paper_criterion": o.criterion, "paper_date": record["started"][:10], "paper_machine": machine}
                 for o in outcomes]
    return pd.DataFrame(rows, columns=KEPT_COLUMNS)


def scorecard_record(card: pd.DataFrame) -> dict:
    """The scorecard as the JSON file that CI shows and a later run is compared with (see :data:`SCHEMA`).

    Examples
    --------
    >>> import tempfile
    >>> scorecard_record(scorecard(tempfile.mkdtemp()))["counts"]
    {'not run': 13}
    """
    counts = card["verdict"].value_counts()
    return {"claims": card.to_dict("records"), "counts": {k: int(counts[k]) for k in VERDICTS if k in counts}}


def counts_sentence(counts: dict[str, int]) -> str:
    """How many claims got each verdict (the ``counts`` of :func:`scorecard_record`), naming only the verdicts that
    occur, in :data:`~lstmdyn.experiments.outcomes.VERDICTS` order, and what the last two mean where they occur.

    Examples
    --------
    >>> counts_sentence({"reproduced": 1, "untested": 2, "not run": 10})
    'Of 13 claims, 1 is reproduced, 2 are untested (their chapter ran, but gave them nothing to test) and 10 are not \
run (their chapter has not run).'
    >>> counts_sentence({"inconclusive": 13})
    'All 13 claims are inconclusive.'
    >>> counts_sentence({})
    'There are no claims.'
    """
    total = sum(counts.values())
    meaning = {"untested": " (their chapter ran, but gave them nothing to test)",
               "not run": " (their chapter has not run)"}
    present = [(verdict, counts[verdict]) for verdict in VERDICTS if counts.get(verdict)]
    if not present:
        return "There are no claims."
    if len(present) == 1:
        verdict, _ = present[0]
        said = f"{'partly reproduced' if verdict == 'partly' else verdict}{meaning.get(verdict, '')}"
        return f"The one claim is {said}." if total == 1 else f"All {total} claims are {said}."
    words = {"partly": "partly reproduced"}
    parts = [f"{n} {'is' if n == 1 else 'are'} {words.get(verdict, verdict)}{meaning.get(verdict, '')}"
             for verdict, n in present]
    return f"Of {total} claims, {join_words(parts)}."
