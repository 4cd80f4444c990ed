"""The scorecard: every claim once, read from the chapters' results files without judging again; a schema and a
reader that refuse damaged files; at smoke, every chapter's file and the scorecard agree on every verdict."""

from __future__ import annotations

import ast
import copy
import inspect
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT
from lstmdyn.experiments import claims_amrouche, claims_vogt
from lstmdyn.experiments import scorecard as scorecard_module
from lstmdyn.experiments.scorecard import CLAIMS, SCHEMA, read_outcomes, scorecard, scorecard_record

CHAPTERS = sorted({claim.chapter for claim in CLAIMS.values()})


def write_results(directory: Path, chapter: str, verdict: str = "partly", profile: str = "smoke") -> None:
    """A results file for ``chapter`` holding an outcome of each of its claims."""
    outcomes = [claim.outcome(verdict, paper_value="1.0", measured="0.9", criterion="within 0.2").as_dict()
                for claim in CLAIMS.values() if claim.chapter == chapter]
    (directory / f"{chapter}.json").write_text(json.dumps({"profile": profile, "outcomes": outcomes}))


def test_the_scorecard_lists_every_claim_once_and_marks_missing_chapters_not_run(tmp_path):
    write_results(tmp_path, "equilibria_training", "partly")
    write_results(tmp_path, "lyapunov", "reproduced", profile="quick")
    card = scorecard(tmp_path)
    assert list(card["key"]) == list(CLAIMS)
    by_chapter = card.groupby("chapter")["verdict"].apply(set).to_dict()
    assert by_chapter == {"equilibria": {"not run"}, "equilibria_training": {"partly"}, "lyapunov": {"reproduced"},
                          "lyapunov_experiments": {"not run"}}
    assert set(card.loc[card["chapter"] == "lyapunov", "profile"]) == {"quick"}
    record = scorecard_record(card)
    jsonschema.validate(record, SCHEMA)
    assert sum(record["counts"].values()) == len(card) == len(claims_amrouche.CLAIMS) + len(claims_vogt.CLAIMS)


def test_the_scorecard_shows_what_a_file_stores_and_nothing_else(tmp_path):
    """A verdict no criterion would give these values is shown as stored: the scorecard does not judge."""
    claim = CLAIMS["amrouche.ordering"]
    stored = claim.outcome("reproduced", paper_value="0.81 < 0.99", measured="MNIST 1.07, PTB 0.84",
                           criterion="as stored")
    (tmp_path / "equilibria_training.json").write_text(json.dumps({"profile": "smoke",
                                                                   "outcomes": [stored.as_dict()]}))
    row = scorecard(tmp_path).set_index("key").loc["amrouche.ordering"]
    assert (row["verdict"], row["measured"], row["criterion"]) == ("reproduced", "MNIST 1.07, PTB 0.84", "as stored")


def test_the_scorecard_module_holds_no_criterion():
    """It imports no claim function and compares no number: every name it uses from the claims modules is a
    registry of claims."""
    source = inspect.getsource(scorecard_module)
    tree = ast.parse(source)
    compared = [node for node in ast.walk(tree) if isinstance(node, ast.Compare) and any(
        isinstance(c, ast.Constant) and isinstance(c.value, float) for c in [node.left, *node.comparators])]
    assert not compared
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id in ("claims_amrouche", "claims_vogt")}
    assert used == {"CLAIMS"}


@pytest.mark.parametrize("damage", ["not json", "unknown verdict", "missing key", "no outcomes"])
def test_a_damaged_results_file_is_refused_naming_it(tmp_path, damage):
    write_results(tmp_path, "lyapunov")
    path = tmp_path / "lyapunov.json"
    record = json.loads(path.read_text())
    if damage == "not json":
        path.write_text(path.read_text()[:40])
    else:
        if damage == "unknown verdict":
            record["outcomes"][0]["verdict"] = "sort of"
        elif damage == "missing key":
            del record["outcomes"][0]["criterion"]
        else:
            del record["outcomes"]
        path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="lyapunov.json"):
        scorecard(tmp_path)


@pytest.mark.parametrize("damage", ["no criterion", "unknown verdict", "extra key"])
def test_the_schema_refuses_a_damaged_record(tmp_path, damage):
    write_results(tmp_path, "lyapunov")
    record = copy.deepcopy(scorecard_record(scorecard(tmp_path)))
    claim = record["claims"][0]
    if damage == "no criterion":
        claim["criterion"] = ""
    elif damage == "unknown verdict":
        claim["verdict"] = "sort of"
    else:
        claim["note"] = "typed by hand"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(record, SCHEMA)


def test_every_chapter_that_judges_a_claim_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    assert all(f"book/generated/{chapter}" in toc for chapter in CHAPTERS)


def test_at_smoke_every_chapter_and_the_scorecard_give_the_same_verdict_for_every_claim(smoke_book):
    project, build = smoke_book
    generated = project / "book" / "generated"
    card = scorecard_record(scorecard(generated))
    shown = {row["key"]: row for row in card["claims"]}
    seen = set()
    for chapter in CHAPTERS:
        profile, outcomes = read_outcomes(generated / f"{chapter}.json")
        assert profile == "smoke", chapter
        for outcome in outcomes:
            assert outcome.chapter == chapter
            assert shown[outcome.key]["verdict"] == outcome.verdict, outcome.key
            assert shown[outcome.key]["measured"] == outcome.measured
            seen.add(outcome.key)
    assert seen == set(CLAIMS)  # every claim judged by its chapter, none left "not run"
    assert json.loads((generated / "scorecard.json").read_text()) == card


@pytest.mark.parametrize("counts, expected", [
    ({}, "There are no claims."),
    ({"partly": 1}, "The one claim is partly reproduced."),
    ({"not run": 13}, "All 13 claims are not run (their chapter has not run)."),
    ({"reproduced": 1, "partly": 2, "untested": 1},
     "Of 4 claims, 1 is reproduced, 2 are partly reproduced and 1 is untested (their chapter ran, but gave them "
     "nothing to test)."),
])
def test_the_counts_name_only_the_verdicts_that_occur(counts, expected):
    from lstmdyn.experiments.scorecard import counts_sentence

    assert counts_sentence(counts) == expected
