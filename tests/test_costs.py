"""Table 1's units: a spectrum's time counted in training iterations of the same network, timed side by side."""

from __future__ import annotations

import time

import pytest
import torch

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


def test_an_epoch_of_the_charrnn_is_its_measured_batches_mean_times_its_batches_the_warm_up_left_out(monkeypatch):
    """A clock that moves only when a batch runs: the first (warm-up) batch takes 10 s, every later one 0.25 s.
    10 000 characters in batches of 4 sequences of 25 are 100 batches: 25 s an epoch, whatever the warm-up took."""
    clock, durations = [0.0], iter([10.0] + [0.25] * 10)

    class Adam(torch.optim.Adam):
        def step(self, closure=None):
            clock[0] += next(durations)
            return super().step(closure)

    monkeypatch.setattr(costs.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(costs.torch.optim, "Adam", Adam)
    seconds = costs.char_rnn_epoch_seconds(4, vocabulary=5, batch=4, length=25, characters=10_000,
                                           measured_batches=3)
    assert seconds == pytest.approx(25.0, abs=1e-12)
