"""Both papers' tools on one network: the identity of exponents and log-moduli at a stable equilibrium, the
measures of every trained network, and the comparison of the rankings the two give."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import torch

from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
from lstmdyn.experiments.both_tools import (
    both_tools_frame,
    driven_exponents,
    driven_inputs,
    equilibrium_measures,
    exponents_at_equilibrium,
    model_spectrum,
    ranking_sentence,
    stabilised_sentence,
)
from lstmdyn.experiments.sweep_member import SpectrumMember, member_task, spectrum_inputs
from lstmdyn.lyapunov import lyapunov_spectrum
from lstmdyn.training import SequenceData, SequenceModel


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lyapunov_exponents_near_a_stable_equilibrium_are_the_log_moduli_of_its_eigenvalues(seed):
    lstm = AutonomousLSTM.random(8, rng=np.random.default_rng(seed), scale=1.5 / np.sqrt(8))
    equilibrium = find_equilibrium(lstm)
    exponents, log_moduli = exponents_at_equilibrium(lstm, equilibrium, steps=2000, warmup=500)
    assert equilibrium.stable and len(exponents) == 16
    np.testing.assert_allclose(exponents, log_moduli, atol=2e-3)
    np.testing.assert_allclose(exponents.sum(), log_moduli.sum(), atol=2e-3)  # log |det J*|


def test_the_identity_needs_a_stable_equilibrium():
    lstm = AutonomousLSTM.random(4, rng=np.random.default_rng(0))
    unstable = dataclasses.replace(find_equilibrium(lstm), eigenvalues=np.array([1.2, 0.1]))
    with pytest.raises(ValueError, match="stable"):
        exponents_at_equilibrium(lstm, unstable)


def test_model_spectrum_is_the_engine_on_the_encoded_inputs_in_float64():
    member = SpectrumMember("charrnn", hidden=6, epochs=1, lr=1e-3)
    model = member_task(member).model
    inputs = spectrum_inputs("charrnn", 2, 40)
    one_hot = torch.nn.functional.one_hot(inputs, model.vocabulary).double()
    expected = lyapunov_spectrum(model.recurrent.double(), one_hot).mean(0).numpy()
    model.float()
    np.testing.assert_allclose(model_spectrum(model, inputs), expected, atol=1e-6)
    assert model.recurrent.weight_hh_l0.dtype == torch.float32  # the model itself is left as it was
    np.testing.assert_allclose(model_spectrum(model, inputs, dtype=torch.float32), expected, atol=1e-4)


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
    (1, False, ["the spectral radius is positively correlated with the largest exponent of h (Spearman ρ +1.00",
                "the task means come in the same order by every measure (A < B)."]),
    (-1, False, ["negatively correlated with the largest exponent of h",
                 "the task means come in the order A < B by the spectral radius, and B < A by the largest exponent "
                 "of h."]),
    (1, True, ["A < B by the spectral radius, and B < A by the largest exponent of h."]),
])
def test_the_ranking_sentence_follows_the_measures(sign, tasks_swapped, words):
    radius = np.linspace(0.5, 1.2, 12)
    frame = pd.DataFrame({"task": ["A"] * 6 + ["B"] * 6, "spectral_radius": radius, "max_le": sign * radius})
    if tasks_swapped:  # within each task the measures agree, but task B's exponents sit below task A's
        frame.loc[frame["task"] == "B", "max_le"] -= 2
    sentence, correlations = ranking_sentence(frame)
    assert sentence.startswith("Over the 12 networks ") and all(w in sentence for w in words), sentence
    assert correlations["max_le"].count == 12


def test_two_statistics_share_one_sentence_and_an_undecided_interval_claims_no_correlation():
    """One sentence for both statistics (not the same sentence twice with another ρ); an interval that spans 0
    says no correlation can be told, whatever the sign of ρ; the interval is given for each."""
    rng = np.random.default_rng(0)
    radius = np.linspace(0.5, 1.2, 8)
    frame = pd.DataFrame({"task": ["A"] * 4 + ["B"] * 4, "spectral_radius": radius, "max_le": radius,
                          "mean_le_hc": rng.permutation(radius)})
    sentence, correlations = ranking_sentence(frame, ["max_le", "mean_le_hc"])
    undecided = correlations["mean_le_hc"]
    assert undecided.low < 0 < undecided.high
    assert sentence.count("Over the") == 1 and sentence.count("Spearman") == 1 and sentence.count("[") == 2
    assert "no correlation with the mean exponent of (h, c) (ρ " in sentence and sentence.count(" can be told") == 1
    assert "correlated with the mean exponent" not in sentence


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
    expected = {"max_le": h[0], "mean_le": h.mean(), "max_le_hc": full[0], "mean_le_hc": full.mean()}
    assert exponents == pytest.approx({k: v.item() for k, v in expected.items()}, abs=1e-10)
    assert exponents["mean_le_hc"] != pytest.approx(exponents["mean_le"], abs=1e-3)  # the two states differ


def test_networks_stabilised_by_their_input_are_counted():
    frame = pd.DataFrame({"task": ["A", "A", "B", "B"], "spectral_radius": [1.5, 1.2, 0.8, np.nan],
                          "max_le": [-0.5, -0.4, 0.1, -1.0]})
    assert "Of the 2 networks" in stabilised_sentence(frame) and "(spectral radius above 1; A 2), 2 have" in \
        stabilised_sentence(frame)
    frame.loc[1, "max_le"] = 0.2
    assert "A 2), 1 has a negative largest exponent of h" in stabilised_sentence(frame)
    assert stabilised_sentence(frame[frame["spectral_radius"] < 1]).startswith("No network has an unstable")


def test_statistics_that_relate_alike_share_one_clause():
    radius = np.linspace(0.5, 1.2, 12)
    frame = pd.DataFrame({"task": ["A"] * 6 + ["B"] * 6, "spectral_radius": radius, "max_le": radius,
                          "mean_le_hc": radius ** 2})
    sentence, _ = ranking_sentence(frame, ["max_le", "mean_le_hc"])
    assert sentence.startswith("Over the 12 networks the spectral radius is positively correlated with the largest "
                               "exponent of h (Spearman ρ +1.00, 95 % interval [+1.00, +1.00]) and with the mean "
                               "exponent of (h, c) (ρ +1.00, [+1.00, +1.00]); "), sentence
