"""Outcomes: a claim's verdict as a value object that survives its results file and refuses damage."""

from __future__ import annotations

import pytest

from lstmdyn.experiments.outcomes import VERDICTS, Claim, Outcome, by_share

CLAIM = Claim("demo.rises", "Someone et al.", "Fig. 1", "the value rises", "demo")


@pytest.mark.parametrize("verdict", VERDICTS)
def test_an_outcome_round_trips_through_its_dict(verdict):
    outcome = CLAIM.outcome(verdict, paper_value="0.8", measured="0.7", criterion="rises")
    assert Outcome.from_dict(outcome.as_dict()) == outcome


@pytest.mark.parametrize("change", [{"verdict": "sort of"}, {"note": "typed"}, {"criterion": None}])
def test_a_damaged_outcome_is_refused(change):
    record = CLAIM.outcome("partly", paper_value="0.8", measured="0.7", criterion="rises").as_dict()
    record.update(change)
    if change.get("criterion", "") is None:
        del record["criterion"]
    with pytest.raises(ValueError):
        Outcome.from_dict(record)


def test_a_claim_refuses_an_unknown_verdict():
    with pytest.raises(ValueError, match="verdict must be one of"):
        CLAIM.outcome("maybe", paper_value="", measured="", criterion="")


def test_the_sentence_states_the_verdict_or_why_it_did_not_run():
    assert "**reproduced**" in CLAIM.outcome("reproduced", paper_value="1", measured="1", criterion="c").sentence()
    assert CLAIM.not_run("no data").sentence().endswith("Not run here: no data.")


def test_the_sentence_gives_the_paper_value_once():
    claim = Claim("d.x", "A", "Fig. 6", "the radius is about 0.81", "c")
    said = claim.outcome("partly", paper_value="0.81", measured="0.9", criterion="c").sentence()
    assert said.count("0.81") == 1 and said.startswith("A (Fig. 6): the radius is about 0.81. Here: 0.9.")
    placed = Claim("d.y", "A", "Fig. 6", "it converges", "c").outcome("partly", paper_value="Fig. 6", measured="m",
                                                                       criterion="c").sentence()
    assert placed.count("Fig. 6") == 1
    new = Claim("d.z", "A", "1", "it converges", "c").outcome("partly", paper_value="1/100", measured="m",
                                                               criterion="c").sentence()
    assert "it converges (1/100). Here" in new


def test_by_share_needs_every_run_to_reproduce():
    assert [by_share(p) for p in ([True], [True, False], [False, False], [])] == [
        "reproduced", "partly", "not reproduced", "untested"]


def test_a_claim_its_run_could_not_test_is_untested_and_says_why_apart_from_one_whose_chapter_did_not_run():
    claim = Claim("d.u", "A", "Fig. 2", "it converges", "c")
    untested, not_run = claim.untested("no network was selected late enough"), claim.not_run("c.json not found")
    assert (untested.verdict, not_run.verdict) == ("untested", "not run")
    assert untested.sentence() == ("A (Fig. 2): it converges. Not testable in this run: no network was selected late "
                                   "enough.")
    assert not_run.sentence() == "A (Fig. 2): it converges. Not run here: c.json not found."
    assert Outcome.from_dict(untested.as_dict()) == untested
