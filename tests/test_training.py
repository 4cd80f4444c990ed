"""The training loop: resuming from a checkpoint reproduces the run, bad numbers stop it, heads learn."""

from __future__ import annotations

import pytest
import torch

from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig, TrainingError, train


def _token_data(seed=0, n=24, T=7, vocabulary=5) -> SequenceData:
    ids = torch.randint(vocabulary, (n, T + 1), generator=torch.Generator().manual_seed(seed))
    return SequenceData(ids[:, :-1], ids[:, 1:])


def _model(**options) -> SequenceModel:
    return SequenceModel(4, 8, 5, "token", vocabulary=5, dropout=0.2, **options)


def _weights(model) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("stream", [False, True])
def test_resuming_from_a_checkpoint_gives_the_same_final_weights(tmp_path, stream):
    data = _token_data()
    if stream:  # 4 consecutive windows of 6 parallel streams
        data = SequenceData(data.inputs.view(4, 6, 7), data.targets.view(4, 6, 7), stream=True)
    config = TrainingConfig(epochs=3, batch_size=6, checkpoint_every=5, clip=1.0, seed=3)
    whole = train(_model(), data, config, checkpoint_dir=tmp_path / "a", progress=False)
    assert [p.name for p in whole.checkpoints] == ["step_0000005.pt", "step_0000010.pt", "step_0000012.pt"]
    resumed = train(_model(), data, config, checkpoint_dir=tmp_path / "b", progress=False,
                    resume_from=whole.checkpoints[0])
    for a, b in zip(_weights(whole.model), _weights(resumed.model), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert resumed.losses == whole.losses


def test_checkpoints_are_complete_files_and_reported_to_the_callback(tmp_path):
    seen = []
    config = TrainingConfig(epochs=2, batch_size=8, checkpoint_every=2)
    result = train(_model(), _token_data(), config, checkpoint_dir=tmp_path, progress=False,
                   valid=_token_data(seed=1),
                   on_checkpoint=lambda step, model, path: seen.append((step, path)))
    assert [s for s, _ in seen] == [2, 4, 6]
    assert not list(tmp_path.glob("*.tmp"))
    saved = torch.load(seen[-1][1], weights_only=False)
    assert saved["step"] == 6 and saved["config"]["checkpoint_every"] == 2
    assert [s for s, _ in result.validation] == [2, 4, 6]


def test_a_nan_in_a_batch_stops_training_naming_the_step_and_the_last_checkpoint(tmp_path):
    x = torch.randn(4, 4, 5, 3)  # a stream: 4 batches taken in order
    x[2, 1, 3, 0] = float("nan")  # in the third batch
    data = SequenceData(x, torch.randn(4, 4, 5, 2), stream=True)
    config = TrainingConfig(epochs=1, checkpoint_every=1)
    expected = r"non-finite loss at step 3 .*last good checkpoint: .*step_0000002\.pt"
    with pytest.raises(TrainingError, match=expected):
        train(SequenceModel(3, 6, 2, "regression"), data, config, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(TrainingError, match="last good checkpoint: none written"):
        train(SequenceModel(3, 6, 2, "regression"), data, TrainingConfig(epochs=1), progress=False)


def test_initialisation_parameter_bounds_every_weight():
    model = SequenceModel(3, 6, 2, "regression")
    data = SequenceData(torch.randn(4, 5, 3), torch.randn(4, 5, 2))
    train(model, data, TrainingConfig(epochs=0, init=0.05), progress=False)
    assert all(p.abs().max() <= 0.05 for p in model.parameters())


@pytest.mark.parametrize("head", ["class", "token", "multihot", "regression"])
def test_each_head_learns_a_simple_rule(head):
    g = torch.Generator().manual_seed(0)
    if head == "class":  # the class is the sign of the first input's first feature
        x = torch.randn(64, 6, 2, generator=g)
        y = (x[:, 0, 0] > 0).long()
        model = SequenceModel(2, 16, 2, head)
    elif head == "token":  # the next token repeats the current one
        x = torch.randint(4, (64, 6), generator=g)
        y = x.clone()
        model = SequenceModel(4, 16, 4, head, vocabulary=4, one_hot=True)
    else:  # the next frame is the current one
        x = (torch.rand(64, 6, 3, generator=g) > 0.5).float() if head == "multihot" else torch.randn(64, 6, 3)
        y = x.clone()
        model = SequenceModel(3, 16, 3, head)
    config = TrainingConfig(epochs=30, batch_size=16, lr=1e-2)
    result = train(model, SequenceData(x, y), config, progress=False)
    first, last = result.losses[0][1], result.losses[-1][1]
    assert last < 0.5 * first


def test_the_learning_rate_decays_from_the_epoch_after_decay_after_as_the_optimizer_sees_it(tmp_path):
    data = _token_data(n=12)  # 2 batches of 6: a checkpoint at the end of every epoch
    config = TrainingConfig(epochs=7, batch_size=6, optimizer="sgd", lr=1.0, lr_decay=0.5, decay_after=4,
                            checkpoint_every=2)
    result = train(_model(), data, config, checkpoint_dir=tmp_path, progress=False)
    expected = [1.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.125]  # TensorFlow's small PTB: the 5th epoch is halved
    assert [rate for _, rate in result.learning_rates] == expected
    used = [torch.load(path, weights_only=False)["optimizer"]["param_groups"][0]["lr"]
            for path in result.checkpoints]
    assert used == expected
