"""The tables of a sweep read for the chapter: the spectrum through training, the early ranking, the cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmdyn.experiments.rank_correlation import Correlation
from lstmdyn.experiments.sweep_tables import convergence, cost_table, early_ranking, early_readout, ranking_epoch


def test_early_ranking_measures_each_epoch_against_the_final_loss():
    members = pd.DataFrame({"key": list("abcd"), "status": "finished", "valid_loss": [1.0, 2.0, 3.0, 4.0]})
    epochs = pd.DataFrame({"key": list("abcd") * 2, "epoch": [0] * 4 + [1] * 4,
                           "max_le": [0, 0, 0, 0, -0.1, -0.2, -0.3, -0.4],
                           "valid_loss": [5, 5, 5, 5, 1.5, 2.5, 3.5, 4.5]})
    ranking = early_ranking(epochs, members, "max_le")
    assert np.isnan(ranking.loc[0, "statistic_rho"])  # identical networks at initialisation
    assert ranking.loc[1, "statistic_rho"] == pytest.approx(-1.0) and ranking.loc[1, "loss_rho"] == pytest.approx(1.0)


def test_cost_table_counts_training_to_the_selected_epoch_in_iterations():
    epochs = pd.DataFrame({"key": list("aabbcc"), "epoch": [1, 2] * 3, "step": [40, 80] * 3, "epochs": 9})
    members = pd.DataFrame({"key": list("abc"), "status": ["finished", "finished", "failed"], "epochs": 2,
                            "selected_epoch": [1, 2, 2]})
    cost = {"task": "mocap", "device": "cpu", "iteration_seconds": 0.01, "spectrum_seconds": 0.03,
            "spectrum_iterations": 3.0}
    row = cost_table(epochs, members, cost).iloc[0]
    assert row["networks"] == 2 and row["iterations"] == 60 and row["at_last"] == 1
    assert row["fraction"] == pytest.approx(3 / 60)


def test_convergence_is_the_difference_to_the_selected_epochs_spectrum():
    epochs = pd.DataFrame({"key": ["a"] * 3, "epoch": [0, 1, 2],
                           "spectrum": [[-2.0, -4.0], [-1.0, -3.0], [-1.0, -2.0]]})
    members = pd.DataFrame({"key": ["a"], "status": ["finished"], "selected_epoch": [1]})
    frame = convergence(epochs, members).set_index("epoch")
    assert frame.loc[0, "mean_difference"] == pytest.approx(-1.0) and frame.loc[0, "msd"] == pytest.approx(1.0)
    assert frame.loc[2, "mean_difference"] == pytest.approx(0.5) and frame.loc[1, "msd"] == 0


def test_the_early_readout_settles_only_where_the_ranking_stays_close():
    ranking = pd.DataFrame({"epoch": [1, 2, 3, 4], "statistic_rho": [-0.7, -0.2, -0.65, -0.7],
                            "loss_rho": [0.5, 0.6, 0.9, 1.0]})
    assert ranking_epoch(ranking, -0.7) == 3  # epoch 1 is close, but epoch 2 leaves again
    epoch, sentence = early_readout("CharRNN", ranking, Correlation(-0.7, -0.9, -0.4, 12), min_epochs=4)
    assert epoch == 3 and "from epoch 3 of 4" in sentence
    assert early_readout("CharRNN", ranking, Correlation(-0.7, -0.9, 0.1, 12), min_epochs=4)[0] is None


def test_a_run_too_short_to_show_an_early_readout_reports_none():
    ranking = pd.DataFrame({"epoch": [1, 2, 3], "statistic_rho": [-0.7, -0.7, -0.7], "loss_rho": [0.9, 1.0, 1.0]})
    epoch, sentence = early_readout("CharRNN", ranking, Correlation(-0.7, -0.9, -0.4, 12))
    assert epoch is None and sentence.startswith("CharRNN: 3 epochs are too few")


def test_selected_at_last_counts_the_members_selected_at_their_own_last_epoch_and_no_other():
    """Members of different lengths: selected at their last epoch (a: 3 of 3, c: 2 of 2), one before it (b: 2 of 3),
    and one at its first (d: 1 of 3)."""
    from lstmdyn.experiments.sweep_tables import selected_at_last

    spans = {"a": 3, "b": 3, "c": 2, "d": 3}
    epochs = pd.DataFrame([{"key": k, "epoch": e} for k, n in spans.items() for e in range(n + 1)])
    members = pd.DataFrame({"key": list(spans), "status": "finished", "selected_epoch": [3, 2, 2, 1],
                            "epochs": list(spans.values())})
    assert selected_at_last(epochs, members) == 2
