"""The scorecard: read from the chapters' results files, every verdict with its criterion, a schema that can fail."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from lstmdyn.experiments.claims import Verdict
from lstmdyn.experiments.scorecard import RESULTS, SCHEMA, scorecard, scorecard_record


def write_results(directory, verdict: str = "partly") -> None:
    claim = Verdict("a claim", "1.0", "0.9", verdict, "within 0.2").as_dict()
    equilibria = {"profile": "smoke", "claims": [claim], "published_ptb_spectral_radius": 0.985,
                  "tasks": {t: {"final_spectral_radius_mean": r} for t, r in
                            (("mnist", 0.7), ("ptb", 0.9), ("nottingham", 0.95))}}
    (directory / "equilibria_training.json").write_text(json.dumps(equilibria))
    (directory / "lyapunov.json").write_text(json.dumps({"profile": "quick", "claims": [claim, claim]}))


def test_the_scorecard_reads_every_results_file_and_marks_missing_chapters(tmp_path):
    write_results(tmp_path)
    card = scorecard(tmp_path)
    by_chapter = card.groupby("chapter")["verdict"].apply(list).to_dict()
    assert by_chapter["equilibria_training"] == ["partly", "reproduced", "reproduced"]  # + ordering, published
    assert by_chapter["lyapunov"] == ["partly", "partly"]
    assert by_chapter["lyapunov_experiments"] == ["not yet run"]
    assert set(card.loc[card["chapter"] == "lyapunov", "profile"]) == {"quick"}
    record = scorecard_record(card)
    jsonschema.validate(record, SCHEMA)
    assert sum(record["counts"].values()) == len(card) == 6


@pytest.mark.parametrize("damage", ["no criterion", "unknown verdict", "extra key"])
def test_the_schema_refuses_a_damaged_record(tmp_path, damage):
    write_results(tmp_path)
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


def test_the_scorecard_names_the_chapters_of_the_table_of_contents():
    from conftest import ROOT

    toc = (ROOT / "_toc.yml").read_text()
    assert all(f"book/generated/{chapter}" in toc for _, chapter in RESULTS.values())
