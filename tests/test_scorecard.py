"""The scorecard: read from the chapters' results files, every verdict with its criterion, a schema that can fail;
both tools on the same networks."""

from __future__ import annotations

import copy
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
import torch

from lstmdyn.experiments.both_tools import driven_exponents, driven_inputs, equilibrium_measures
from lstmdyn.experiments.claims import Verdict
from lstmdyn.experiments.scorecard import RESULTS, SCHEMA, scorecard, scorecard_record
from lstmdyn.experiments.synthesis import both_tools_frame, ranking_sentence, stabilised_sentence
from lstmdyn.lyapunov import lyapunov_spectrum
from lstmdyn.training import SequenceData, SequenceModel


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


# --------------------------------------------------------------------------------------------------
# Both tools on the same networks


def test_both_measures_of_every_network_are_read_from_both_chapters(tmp_path):
    exponents = {"max_le": -0.1, "mean_le": -1.0, "max_le_hc": 0.0, "mean_le_hc": -0.5}
    (tmp_path / "equilibria_training.json").write_text(json.dumps({"tasks": {
        "mnist": {"runs": [{"seed": 0, "final_spectral_radius": 0.8, **exponents},
                           {"seed": 1, "final_spectral_radius": None, **exponents}]}}}))
    assert both_tools_frame(tmp_path)["task"].tolist() == ["MNIST", "MNIST"]  # one chapter alone
    (tmp_path / "lyapunov_experiments.json").write_text(json.dumps({"sweeps": {
        "mocap": {"members": [{"label": "blue", "spectral_radius": 0.95, **exponents}]}}}))
    frame = both_tools_frame(tmp_path)
    assert frame[["experiment", "task", "network"]].values.tolist() == [
        ["equilibria", "MNIST", "seed 0"], ["equilibria", "MNIST", "seed 1"], ["spectra", "motion capture", "blue"]]
    assert frame["spectral_radius"].tolist()[::2] == [0.8, 0.95] and np.isnan(frame["spectral_radius"][1])
    assert (frame["mean_le_hc"] == -0.5).all()


@pytest.mark.parametrize(("sign", "tasks_swapped", "words"), [
    (1, False, ["rank alike", "the tasks in the same order"]),
    (-1, False, ["rank oppositely", "the tasks in different orders"]),
    (1, True, ["the tasks in different orders", "by spectral radius A < B; by the largest exponent of h B < A"]),
])
def test_the_ranking_sentence_follows_the_measures(sign, tasks_swapped, words):
    radius = np.linspace(0.5, 1.2, 12)
    frame = pd.DataFrame({"task": ["A"] * 6 + ["B"] * 6, "spectral_radius": radius, "max_le": sign * radius})
    if tasks_swapped:  # within each task the measures agree, but task B's exponents sit below task A's
        frame.loc[frame["task"] == "B", "max_le"] -= 2
    sentence, correlation = ranking_sentence(frame)
    assert all(w in sentence for w in words), sentence
    assert correlation.count == 12


def test_a_ranking_needs_networks_with_both_measures():
    frame = pd.DataFrame({"task": ["A", "B"], "spectral_radius": [0.5, np.nan], "max_le": [0.1, 0.2]})
    assert ranking_sentence(frame)[0] == "Too few networks (1) have both measures to compare their rankings."


def test_the_equilibrium_radius_of_a_network_without_recurrent_weights_is_its_largest_forget_gate():
    torch.manual_seed(0)
    model = SequenceModel(3, 6, 2, "class")
    with torch.no_grad():  # with W = 0 the (c, h) map has ∂c⁺/∂c = diag(f), ∂/∂h = 0: eigenvalues f and 0
        model.recurrent.weight_hh_l0.zero_()
        forget = model.recurrent.bias_ih_l0[6:12] + model.recurrent.bias_hh_l0[6:12]
    measures = equilibrium_measures(model)
    assert measures["spectral_radius"] == pytest.approx(torch.sigmoid(forget.double()).max().item(), abs=1e-12)
    assert measures["max_real"] == pytest.approx(measures["spectral_radius"], abs=1e-12)


def test_driven_exponents_are_the_spectra_of_h_and_of_the_full_state():
    torch.manual_seed(1)
    model = SequenceModel(3, 5, 2, "class")
    data = SequenceData(torch.randn(12, 30, 3), torch.zeros(12, dtype=torch.long))
    exponents = driven_exponents(model, driven_inputs(data, sequences=4, steps=20))
    x = data.inputs[:4, :20].double()
    full = lyapunov_spectrum(model.recurrent.double(), x, state="hc").mean(0)
    h = lyapunov_spectrum(model.recurrent, x).mean(0)
    assert exponents["max_le_hc"] == pytest.approx(full[0].item(), abs=1e-10)
    assert exponents["mean_le"] == pytest.approx(h.mean().item(), abs=1e-10)


def test_networks_stabilised_by_their_input_are_counted():
    frame = pd.DataFrame({"task": ["A", "A", "B", "B"], "spectral_radius": [1.5, 1.2, 0.8, np.nan],
                          "max_le": [-0.5, -0.4, 0.1, -1.0]})
    assert "Of the 2 networks" in stabilised_sentence(frame) and "(spectral radius above 1; A 2), 2 have" in \
        stabilised_sentence(frame)
    frame.loc[1, "max_le"] = 0.2
    assert "A 2), 1 has a negative largest exponent of h" in stabilised_sentence(frame)
    assert stabilised_sentence(frame[frame["spectral_radius"] < 1]).startswith("No network has an unstable")
