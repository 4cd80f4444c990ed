"""The trivial baselines: each is the loss that a model with a constant (or copying) output scores under the
task's own evaluation, so a curve and its baseline are in the same units."""

import math

import pytest
import torch

from lstmdyn.experiments.baselines import (
    Baseline,
    against_baselines,
    learned_summary,
    majority_accuracy,
    task_baselines,
)
from lstmdyn.experiments.tasks import Task
from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig, evaluate


def constant_model(input_size: int, output_size: int, head: str, bias: torch.Tensor, **options) -> SequenceModel:
    """A model whose read-out ignores the LSTM and outputs ``bias`` at every step."""
    model = SequenceModel(input_size, 4, output_size, head, **options)
    with torch.no_grad():
        model.readout.weight.zero_()
        model.readout.bias.copy_(bias)
    return model


def by_name(task: Task) -> dict[str, float]:
    return {b.name: b.loss for b in task_baselines(task)}


def test_the_unigram_baseline_is_what_a_model_predicting_token_frequencies_scores():
    g = torch.Generator().manual_seed(0)
    train = SequenceData(torch.zeros(40, 6, dtype=torch.long), torch.multinomial(
        torch.tensor([0.6, 0.3, 0.1, 0.0]), 240, replacement=True, generator=g).view(40, 6))
    valid = SequenceData(torch.zeros(10, 6, dtype=torch.long), torch.randint(0, 4, (10, 6), generator=g))
    counts = torch.bincount(train.targets.reshape(-1), minlength=4).double() + 1
    model = constant_model(4, 4, "token", torch.log(counts / counts.sum()).float(), vocabulary=4)
    found = by_name(Task("words", model, train, valid, TrainingConfig(), None))
    assert found["unigram model"] == pytest.approx(evaluate(model, valid), rel=1e-6)
    assert found["uniform guess"] == pytest.approx(math.log(4))


def test_the_class_baseline_and_the_majority_class():
    train = SequenceData(torch.zeros(6, 3, 2), torch.tensor([2, 2, 2, 0, 1, 2]))
    valid = SequenceData(torch.zeros(4, 3, 2), torch.tensor([2, 0, 0, 1]))
    counts = torch.tensor([1.0, 1.0, 4.0]) + 1
    model = constant_model(2, 3, "class", torch.log(counts / counts.sum()))
    found = by_name(Task("digits", model, train, valid, TrainingConfig(), None))
    assert found["class frequencies"] == pytest.approx(evaluate(model, valid), rel=1e-6)
    assert majority_accuracy(train.targets, valid.targets) == 0.25


def test_the_note_baselines_score_as_constant_and_copying_predictors():
    g = torch.Generator().manual_seed(1)
    roll = (torch.rand(8, 31, 5, generator=g) < 0.3).float()
    roll[:, :, 0] = 1.0  # a key that always sounds
    data = SequenceData(roll[:, :-1], roll[:, 1:])
    frames = roll[:, 1:].reshape(-1, 5)
    p = (frames.sum(0) + 1) / (len(frames) + 2)
    model = constant_model(5, 5, "multihot", torch.log(p) - torch.log1p(-p))
    found = by_name(Task("notes", model, data, data, TrainingConfig(), None))
    assert found["key frequencies"] == pytest.approx(evaluate(model, data), rel=1e-5)
    held = SequenceData(roll[:, :1].expand(-1, 30, -1), roll[:, :1].expand(-1, 30, -1))  # every frame repeats
    repeated = by_name(Task("held notes", model, held, held, TrainingConfig(), None))
    assert repeated["previous frame"] < 0.01 < repeated["key frequencies"]


def test_the_motion_baselines_copy_the_last_frame_and_predict_the_mean():
    g = torch.Generator().manual_seed(2)
    walk = torch.randn(6, 21, 3, generator=g).cumsum(1)
    data = SequenceData(walk[:, :-1], walk[:, 1:])
    found = by_name(Task("walk", constant_model(3, 3, "regression", torch.zeros(3)), data, data, TrainingConfig(),
                         None))
    assert found["previous frame"] == pytest.approx(((walk[:, 1:] - walk[:, :-1]) ** 2).mean().item())
    mean = walk[:, 1:].reshape(-1, 3).mean(0)
    model = constant_model(3, 3, "regression", mean)
    assert found["training mean"] == pytest.approx(evaluate(model, data), rel=1e-5)


@pytest.mark.parametrize(("loss", "start"), [(1.0, "below every"), (2.5, "below the uniform"), (4.0, "above every")])
def test_the_sentence_names_what_the_model_beats(loss, start):
    sentence = against_baselines(loss, [Baseline("unigram", 2.0), Baseline("uniform", 3.0)])
    assert sentence.startswith(start)
    assert ("does not yet beat" in sentence) == (2.0 <= loss < 3.0)


def test_the_summary_sorts_the_tasks_by_whether_they_beat_their_best_baseline():
    bs = [Baseline("unigram", 2.0), Baseline("uniform", 3.0)]
    text = learned_summary({"A": (1.0, bs), "B": (2.5, bs), "C": (2.9, bs)})
    assert text == "the A model beats every trivial baseline; the B and C models do not yet beat the best one"
    assert learned_summary({"A": (2.5, bs)}) == "no model beats its best trivial baseline yet"


def test_the_melody_chord_baselines_score_as_constant_and_repeating_predictors():
    g = torch.Generator().manual_seed(3)
    codes = torch.stack([torch.randint(0, 34, (8, 31), generator=g), torch.randint(0, 5, (8, 31), generator=g)], -1)
    codes[:, 1::2] = codes[:, ::2][:, :15]  # every second frame repeats the one before
    inputs = torch.nn.functional.one_hot(codes[:, :-1], 34).float().flatten(-2)
    data = SequenceData(inputs, codes[:, 1:])
    melody, chord = (torch.bincount(codes[:, 1:, k].reshape(-1), minlength=34).double() + 1 for k in (0, 1))
    bias = torch.cat([torch.log(melody / melody.sum()), torch.log(chord / chord.sum())]).float()
    model = constant_model(68, 68, "melody_chord", bias)
    found = by_name(Task("tunes", model, data, data, TrainingConfig(), None))
    assert found["class frequencies"] == pytest.approx(evaluate(model, data), rel=1e-5)
    assert found["uniform guess"] == pytest.approx(2 * math.log(34))
    assert found["previous frame"] < found["class frequencies"]  # half the frames repeat


def test_a_sweep_is_measured_against_each_baseline_and_judged_by_its_strongest():
    from lstmdyn.experiments.baselines import sweep_against_baselines

    copy, linear = Baseline("previous frame", 0.0294), Baseline("linear predictor", 0.0223)
    text = sweep_against_baselines([0.021, 0.0292, 0.0294, 0.05], [copy, linear], "motion-capture")
    assert text.startswith("Of the 4 motion-capture networks at their selected epochs, 1 beats the previous frame "
                           "(0.0294) and 1 the linear predictor (0.0223) by more than 1 %; the best reaches 0.021.")
    assert "None beats" not in text
    none = sweep_against_baselines([0.0221, 0.05], [copy, linear], "motion-capture", at_last=2)  # 0.9 % is not clear
    assert "1 beats the previous frame" in none and "None beats the linear predictor" in none
    assert none.endswith("2 of them were still improving when their training stopped.")
    assert sweep_against_baselines([0.03], [copy], "m").endswith("stopped improving before its last epoch.")


def test_masked_targets_of_minus_one_are_left_out_of_the_frequencies_and_the_loss():
    """Half the training targets and a third of the validation targets are masked (−1): the unigram baseline
    is that of the known targets alone, not one where every masked step counts as class 0."""
    train_targets = torch.tensor([[2, -1, 2, -1, 1, -1, 3, -1]])
    valid_targets = torch.tensor([[2, -1, 1, 3, -1, 2]])
    counts = torch.tensor([0.0, 1.0, 2.0, 1.0], dtype=torch.float64) + 1  # add-one smoothed, class 0 never seen
    log_p = torch.log(counts / counts.sum())
    expected = -log_p[torch.tensor([2, 1, 3, 2])].mean().item()
    task = Task("masked", SequenceModel(4, 4, 4, "token", vocabulary=4),
                SequenceData(torch.zeros(1, 8, dtype=torch.long), train_targets),
                SequenceData(torch.zeros(1, 6, dtype=torch.long), valid_targets), TrainingConfig(), None)
    assert by_name(task)["unigram model"] == pytest.approx(expected, rel=1e-12)


def test_the_linear_baseline_fits_an_autoregression_of_the_order_the_data_need():
    """An AR(2) process, x_t = 1.6 x_{t−1} − 0.8 x_{t−2} + noise of variance 0.01: one frame cannot predict it (its
    error stays near the process's own spread), two frames do, to the noise's variance, which no linear predictor
    can beat."""
    from lstmdyn.experiments.baselines import linear_autoregression

    g = torch.Generator().manual_seed(0)
    x = torch.zeros(4000, dtype=torch.float64)
    noise = 0.1 * torch.randn(4000, generator=g, dtype=torch.float64)
    for t in range(2, 4000):
        x[t] = 1.6 * x[t - 1] - 0.8 * x[t - 2] + noise[t]
    windows = torch.stack([x[i:i + 26] for i in range(0, 3970, 3)])[:, :, None]
    train = SequenceData(windows[:800, :-1], windows[:800, 1:])
    valid = SequenceData(windows[800:, :-1], windows[800:, 1:])
    found = linear_autoregression(train, valid, orders=(1, 2, 4))
    one = linear_autoregression(train, valid, orders=(1,))
    assert "last 2 frames" in found.name or "last 4 frames" in found.name
    assert found.loss == pytest.approx(0.01, rel=0.25) and one.loss > 2 * found.loss
