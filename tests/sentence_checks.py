"""The conditions that choose each outcome sentence of the foundation chapters, checked independently on an
executed page: its glued sentences against its glued numbers, and the sentences on the page. Used on the
default smoke book (``test_runner``) and on runs that each chapter's *What to try* suggests
(``test_what_to_try``)."""

from __future__ import annotations

import re
from collections.abc import Callable

import nbformat

from lstmdyn.book.prose import glued_numbers, glued_texts, page_prose

TOLERANCE = 0.01  #: rates per step closer to zero than this are called constant (lstmdyn.experiments.gradients)
MARGINAL = 0.02  #: largest exponents closer to zero than this are called marginal (lstmdyn.experiments.spectra)


def lstm_model(numbers: dict[str, float], texts: dict[str, str]) -> None:
    vanishing, low, high = texts["vanishing"], numbers["rates_min"], numbers["rates_max"]
    assert ("vanishes at every gain shown" in vanishing) == (high < -TOLERANCE), vanishing
    assert ("explodes at every gain shown" in vanishing) == (low > TOLERANCE), vanishing
    assert ("the slope changes sign" in vanishing) == (low < -TOLERANCE and high > TOLERANCE), vanishing
    settling = texts["sigmoid_settling"]
    assert (settling == "every curve settles on a fixed point") == (
        numbers["sigmoid_cycles"] == 0 and numbers["sigmoid_unsettled"] == 0), settling
    assert ("-cycle (" in settling) == (numbers["sigmoid_cycles"] > 0), settling
    assert texts["trend_open"].startswith("grows") == (numbers["lstm_rate_open"] > TOLERANCE)
    assert texts["trend_closed"].startswith("shrinks") == (numbers["lstm_rate_closed"] < -TOLERANCE)


def lyapunov(numbers: dict[str, float], texts: dict[str, str]) -> None:
    crossing, low, high = texts["crossing"], numbers["largest_min"], numbers["largest_max"]
    assert "crosses zero near" not in crossing or low < 0 < high, crossing
    assert ("stays negative" in crossing) == (high < 0), crossing
    assert ("stays positive" in crossing) == (low > 0), crossing
    spreads = texts["spreads"]
    for name, value in re.findall(r"\((stable|marginal|chaotic), λ₁ = ([-+]\d+\.\d+)\)", spreads):
        expected = "stable" if float(value) < -MARGINAL else "chaotic" if float(value) > MARGINAL else "marginal"
        assert name == expected, (name, value)
    found = re.findall(r"the spread (?:shrank from |grew from |stayed near )(\S+) (?:to |\()(\S+?)\)?: the states "
                       r"(merged|moved apart|neither)", spreads)
    assert found, spreads
    for start, end, said in found:
        ratio = float(end) / float(start)
        assert said == ("merged" if ratio < 0.1 else "moved apart" if ratio > 10 else "neither"), (start, end, said)


def datasets(numbers: dict[str, float], texts: dict[str, str]) -> None:
    for task in ("mnist", "ptb", "nottingham", "char", "mocap"):
        said = texts[f"{task}_baselines"]
        loss, best, worst = (numbers[f"{task}_{k}"] for k in ("loss", "best_baseline", "worst_baseline"))
        assert said.startswith("below every baseline") == (loss < best), (task, said)
        assert said.startswith("above every baseline") == (loss >= worst), (task, said)
    assert (texts["mnist_accuracy_comparison"] == "above") == (numbers["mnist_accuracy"] > numbers["mnist_majority"])
    beaten = "every model beats every trivial baseline" in texts["summary_learned"]
    assert beaten == all(texts[f"{t}_baselines"].startswith("below every")
                         for t in ("mnist", "ptb", "nottingham", "char", "mocap"))


def learning_to_remember(numbers: dict[str, float], texts: dict[str, str]) -> None:
    share, clipping = numbers["clipped_share"], texts["clipping"]
    assert ("it does not isolate clipping" in clipping) == (share >= 0.9), clipping
    assert ("of the steps, the spikes" in clipping) == (share <= 0.2), clipping
    assert "the weight norm jumps" not in texts["divergence"] or numbers["early_jump"] > 3


def equilibria(numbers: dict[str, float], texts: dict[str, str]) -> None:
    onset = texts["paper_onset"]
    assert ("for every network at every scale" in onset) == (numbers["paper_ok"] == numbers["total"]), onset
    assert ("different equilibria" in texts["several_summary"]) == (numbers["several_count"] > 1)


#: Nouns that a page counts: "1 run" and "2 runs" are right, "1 runs" is a template that did not count. The sizes
#: of a run (steps, units, sequences) are parameters a reader sets, not counts a page reports, and are left out.
COUNTED = ("run", "seed", "network", "checkpoint", "claim", "member", "epoch", "setting", "task", "crossing",
           "figure", "sweep", "value", "start", "path", "bifurcation")
#: Template text that a count of 0 or 1, or a count that is everything, leaves behind
EDGE_TEXT = [
    (re.compile(rf"(?<![\d.,])1 (?:{'|'.join(c + 's' for c in COUNTED)})\b"), "a plural after 1"),
    (re.compile(r"(?<![\d.,])1 equilibria\b"), "a plural after 1"),
    (re.compile(rf"\b(?:over|[Aa]ll) [01] (?:{'|'.join(c + 's' for c in COUNTED)})\b|\b0 of them\b|\bAt 0 "),
     "a count that says nothing"),
    (re.compile(r"[,;:] (?:No|None|Every|All) [a-z]"), "a capital inside a sentence"),
    (re.compile(r"\((\S[^()]{0,30})\) \(\1\)|(?<![\d.])(\d+(?:\.\d+)?) \(\2\)"), "a value repeated after itself"),
]


def edge_text(prose: str) -> list[str]:
    """The places in ``prose`` where a sentence template shows at an edge count (see :data:`EDGE_TEXT`)."""
    found = []
    for pattern, what in EDGE_TEXT:
        for match in pattern.finditer(prose):
            found.append(f"{what}: …{prose[max(0, match.start() - 60):match.end() + 20]}…")
    return found


#: The checks of each chapter.
CHECKS: dict[str, Callable[[dict[str, float], dict[str, str]], None]] = {
    "lstm_model": lstm_model, "lyapunov": lyapunov, "datasets": datasets,
    "learning_to_remember": learning_to_remember, "equilibria": equilibria,
}


def check_page(chapter: str, path) -> None:
    """Run the chapter's checks (where it has some) on the executed notebook at ``path``, check that every glued
    sentence is on the page and no glued name is missing, and read its prose for template text that an edge count
    leaves behind (:func:`edge_text`)."""
    nb = nbformat.read(path, 4)
    texts, prose = glued_texts(nb), page_prose(nb)
    assert "⟨" not in prose, re.findall(r"⟨\w+\?⟩", prose)
    found = edge_text(prose)
    assert not found, "\n".join(found)
    if chapter in CHECKS:
        CHECKS[chapter](glued_numbers(nb), texts)
