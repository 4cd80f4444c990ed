"""Scoring the learning experiments: epochs to a level, and the verdict drawn from them."""

from __future__ import annotations

import pandas as pd
import pytest

from lstmdyn.experiments.remember import compare_learning, learned


def test_learned_gives_the_mean_final_score_and_the_first_epoch_at_the_level():
    curves = [pd.Series([0.5, 0.99, 1.0]), pd.Series([0.5, 0.6, 0.7]), pd.Series([0.995, 1.0, 0.9])]
    mean, reached = learned(curves)
    assert mean == pytest.approx((1.0 + 0.7 + 0.9) / 3)
    assert reached == [2, 1]  # the second run never gets there


@pytest.mark.parametrize(("finals", "verdict"), [
    ({"LSTM": 0.99, "RNN": 0.97}, "both networks learn"),
    ({"LSTM": 0.99, "RNN": 0.6}, "only the LSTM learns"),
    ({"LSTM": 0.7, "RNN": 0.96}, "only the RNN learns"),
    ({"LSTM": 0.7, "RNN": 0.6}, "neither network learns"),
])
def test_the_verdict_follows_the_final_scores(finals, verdict):
    text, details = compare_learning(finals, {"LSTM": [3, 5], "RNN": []}, runs=2)
    assert text.startswith(verdict)
    assert details == "the LSTM reaches 99 % in 2 of 2 runs, after 4 epochs on average, and the RNN never reaches 99 %"
