"""Chapter: *Scorecard* (``notebooks/scorecard.py``).

Each paper's claims, this book's numbers and the verdicts, gathered from the results files that the chapters
write beside their pages (``book/generated/NAME.json``, each with its profile and its verdicts, see
:class:`~lstmdyn.experiments.claims.Verdict`). No number is typed here: a claim whose chapter has not run is
``"not yet run"``. Two verdicts are computed here from the equilibria chapter's numbers: the ordering of the
three tasks by final spectral radius, and the authors' published PTB network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lstmdyn.experiments.claims import Outcome, Verdict

__all__ = ["RESULTS", "SCHEMA", "ordering_verdict", "published_verdict", "scorecard", "scorecard_record"]

#: The results files a scorecard reads: file → (paper, chapter page).
RESULTS = {"equilibria_training.json": ("Amrouche et al.", "equilibria_training"),
           "lyapunov.json": ("Vogt et al.", "lyapunov"),
           "lyapunov_experiments.json": ("Vogt et al.", "lyapunov_experiments")}

COLUMNS = ["paper", "claim", "paper_value", "ours", "verdict", "criterion", "profile", "chapter"]
OUTCOMES: tuple[Outcome, ...] = ("reproduced", "partly", "not reproduced", "not yet run")

#: JSON Schema of the file :func:`scorecard_record` writes.
SCHEMA = {
    "type": "object", "required": ["claims", "counts"], "additionalProperties": False,
    "properties": {
        "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                   "propertyNames": {"enum": list(OUTCOMES)}},
        "claims": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": COLUMNS, "additionalProperties": False,
            "properties": {**{c: {"type": "string"} for c in COLUMNS},
                           "verdict": {"enum": list(OUTCOMES)}, "criterion": {"type": "string", "minLength": 1}}}},
    },
}


def ordering_verdict(radius: dict[str, float]) -> Verdict:
    """Amrouche et al., section 5: richer data pushes eigenvalues closer to the unit circle, MNIST < PTB ≲
    Nottingham, judged on the mean final spectral radius of each task (``radius``).

    Examples
    --------
    >>> ordering_verdict({"mnist": 0.8, "ptb": 0.95, "nottingham": 0.99}).verdict
    'reproduced'
    >>> ordering_verdict({"mnist": 1.07, "ptb": 0.84, "nottingham": 1.0}).verdict
    'not reproduced'
    """
    m, p, n = radius["mnist"], radius["ptb"], radius["nottingham"]
    outcome = "reproduced" if m < p <= n + 0.01 else "partly" if m < max(p, n) else "not reproduced"
    return Verdict("richer data brings the eigenvalues nearer the unit circle: MNIST < PTB ≲ Nottingham",
                   "ordering of Figs. 1–3",
                   f"mean final spectral radius MNIST {m:.3f}, PTB {p:.3f}, Nottingham {n:.3f}",
                   outcome, "MNIST < PTB ≤ Nottingham + 0.01: reproduced; MNIST below one of the others: partly")


def published_verdict(radius: float, *, claimed: float = 0.99, tolerance: float = 0.01) -> Verdict:
    """The authors' published PTB network: its spectral radius at the equilibrium against the paper's 0.99.

    Examples
    --------
    >>> published_verdict(0.985).verdict, published_verdict(0.9).verdict
    ('reproduced', 'not reproduced')
    """
    return Verdict("the authors' published PTB network has eigenvalues of modulus ≈ 0.99 at its equilibrium",
                   f"{claimed:g}", f"spectral radius {radius:.3f}",
                   "reproduced" if abs(radius - claimed) <= tolerance else "not reproduced",
                   f"spectral radius within {tolerance:g} of {claimed:g}")


def _rows(paper: str, chapter: str, profile: str, verdicts: list[dict]) -> list[dict]:
    return [{"paper": paper, "claim": v["claim"], "paper_value": v["paper"], "ours": v["ours"],
             "verdict": v["verdict"], "criterion": v["criterion"], "profile": profile, "chapter": chapter}
            for v in verdicts]


def scorecard(directory: str | Path = ".") -> pd.DataFrame:
    """One row per claim (columns ``paper``, ``claim``, ``paper_value``, ``ours``, ``verdict``,
    ``criterion``, ``profile``, ``chapter``) from the results files in ``directory``; a missing file gives
    one ``"not yet run"`` row for its chapter.

    Examples
    --------
    >>> import tempfile
    >>> card = scorecard(tempfile.mkdtemp())
    >>> sorted(set(card["verdict"])), len(card) == len(RESULTS)
    (['not yet run'], True)
    """
    rows = []
    for name, (paper, chapter) in RESULTS.items():
        path = Path(directory) / name
        if not path.exists():
            rows += _rows(paper, chapter, "", [Verdict(f"the claims of the chapter {chapter}", "", "", "not yet run",
                                                       f"{name} not found: run the chapter").as_dict()])
            continue
        record = json.loads(path.read_text())
        extra = []
        if name == "equilibria_training.json":
            extra = [ordering_verdict({t: v["final_spectral_radius_mean"] for t, v in record["tasks"].items()}),
                     published_verdict(record["published_ptb_spectral_radius"])]
        rows += _rows(paper, chapter, record["profile"], record["claims"] + [v.as_dict() for v in extra])
    return pd.DataFrame(rows, columns=COLUMNS)


def scorecard_record(card: pd.DataFrame) -> dict:
    """The scorecard as the JSON file that CI shows and a later run is compared with (see :data:`SCHEMA`).

    Examples
    --------
    >>> import tempfile
    >>> scorecard_record(scorecard(tempfile.mkdtemp()))["counts"]
    {'not yet run': 3}
    """
    counts = card["verdict"].value_counts()
    return {"claims": card.to_dict("records"), "counts": {k: int(counts[k]) for k in OUTCOMES if k in counts}}
