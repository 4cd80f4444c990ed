"""Table 1's units: a spectrum's time counted in training iterations of the same network, timed side by side."""

from __future__ import annotations

import time

import pytest

from lstmdyn.experiments import costs
from lstmdyn.experiments.sweep_member import SpectrumMember


def test_member_cost_counts_the_spectrum_in_the_members_training_iterations(monkeypatch):
    batches = []

    def train(model, data, config, progress):  # 10 ms per batch of the member's size
        batches.append(len(data.inputs) / config.batch_size)
        time.sleep(0.01 * batches[-1])

    monkeypatch.setattr(costs, "train", train)
    monkeypatch.setattr(costs, "model_spectrum", lambda model, inputs, dtype: time.sleep(0.05))
    member = SpectrumMember("mocap", hidden=8, epochs=1, lr=0.05, sequences=2, steps=20)
    cost = costs.member_cost(member, iterations=4, repeats=2)
    assert batches == [4, 4]
    assert cost["iteration_seconds"] == pytest.approx(0.01, rel=0.5)
    assert cost["spectrum_iterations"] == pytest.approx(5, rel=0.5)
    assert cost["spectrum_iterations"] == pytest.approx(cost["spectrum_seconds"] / cost["iteration_seconds"])
