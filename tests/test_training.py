"""The training loop: resuming from a checkpoint reproduces the run, bad numbers stop it, heads learn."""

from __future__ import annotations

import pytest
import torch

from lstmdyn import training
from lstmdyn.training import (
    CheckpointError,
    SequenceData,
    SequenceModel,
    TrainingConfig,
    TrainingError,
    evaluate,
    load_checkpoint,
    loss_function,
    train,
)


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
    saved = load_checkpoint(seen[-1][1])
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


def test_the_authors_initialisation_draws_the_recurrent_weight_matrices_alone():
    data = SequenceData(torch.randn(4, 5, 3), torch.randn(4, 5, 3))
    default, authors = SequenceModel(3, 64, 3, "regression"), SequenceModel(3, 64, 3, "regression")
    train(default, data, TrainingConfig(epochs=0, seed=4), progress=False)
    train(authors, data, TrainingConfig(epochs=0, seed=4, init=0.5, init_scope="recurrent"), progress=False)
    before, after = dict(default.named_parameters()), dict(authors.named_parameters())
    for name, p in after.items():
        if name.startswith("recurrent.weight_"):  # uniform on ±0.5: reaches near the bound, PyTorch's 1/8 does not
            assert p.abs().max() <= 0.5 and p.abs().max() > 0.45, name
        else:  # biases and read-out as PyTorch initialises them from the same seed
            assert torch.equal(p, before[name]), name
    assert default.recurrent.weight_hh_l0.abs().max() <= 1 / 8


def test_a_residual_read_out_predicts_the_change_from_the_input():
    model = SequenceModel(3, 6, 3, "regression", residual=True)
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        model.readout.weight.zero_()
        model.readout.bias.zero_()
        assert torch.equal(model(x)[0], x)  # nothing learned: the copy of the last frame
        model.readout.bias.fill_(0.5)
        assert torch.allclose(model(x)[0], x + 0.5)
    with pytest.raises(ValueError, match="residual read-out needs the regression head"):
        SequenceModel(3, 6, 4, "regression", residual=True)


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


def test_a_checkpoint_whose_writing_fails_leaves_no_file_under_its_name(tmp_path, monkeypatch):
    def half_then_fail(payload, path):
        with open(path, "wb") as f:
            f.write(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(training.torch, "save", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        train(_model(), _token_data(), TrainingConfig(epochs=1, batch_size=8, checkpoint_every=1),
              checkpoint_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []  # written in place, a damaged step_0000001.pt would be left here


def test_clipping_bounds_every_update():
    """Plain SGD with rate 1: each step moves the weights by the clipped gradient, at most ``clip`` long."""
    model, data = SequenceModel(4, 8, 5, "token", vocabulary=5), _token_data()
    sizes = []
    before = _weights(model)

    def moved(step, model, path):
        nonlocal before
        after = _weights(model)
        sizes.append(float(torch.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(after, before, strict=True)))))
        before = after

    config = TrainingConfig(epochs=1, batch_size=8, optimizer="sgd", lr=1.0, clip=1e-3, checkpoint_every=1)
    result = train(model, data, config, progress=False, on_checkpoint=moved, checkpoint_at_start=True)
    assert min(result.gradient_norms) > 1e-2  # the gradients are far longer than the clip
    assert max(sizes[1:]) <= 1e-3 * (1 + 1e-5)


def test_a_non_finite_gradient_with_a_finite_loss_stops_training():
    model = _model()
    model.readout.weight.register_hook(lambda g: g * float("inf"))
    with pytest.raises(TrainingError, match="non-finite gradient at step 1"):
        train(model, _token_data(), TrainingConfig(epochs=1, batch_size=8, seed=1), progress=False)


def test_the_validation_loss_weights_batches_by_their_size():
    model, data = SequenceModel(4, 8, 5, "token", vocabulary=5), _token_data(n=8)
    model.eval()
    with torch.no_grad():
        whole = loss_function("token", model(data.inputs)[0], data.targets).item()
    assert evaluate(model, data, batch_size=3) == pytest.approx(whole, rel=1e-6)  # batches of 3, 3 and 2


def test_a_planted_or_damaged_checkpoint_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"model": Planted()}, tmp_path / "planted.pt")
    (tmp_path / "truncated.pt").write_bytes((tmp_path / "planted.pt").read_bytes()[:50])
    for name in ("planted.pt", "truncated.pt"):
        with pytest.raises(CheckpointError, match=f"the checkpoint .*{name} cannot be read"):
            load_checkpoint(tmp_path / name)
    assert not marker.exists()


@pytest.mark.parametrize(("options", "message"), [({"batch_size": 0}, "batch_size must be positive"),
                                                  ({"lr": -1.0}, "lr must be positive"),
                                                  ({"epochs": -1}, "epochs must be at least 0"),
                                                  ({"clip": 0.0}, "clip must be positive or None"),
                                                  ({"optimizer": "rmsprop"}, "optimizer must be"),
                                                  ({"init_scope": "biases"}, "init_scope must be")])
def test_settings_that_cannot_train_are_refused_by_name(options, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**options)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device to write the checkpoint on")
def test_a_checkpoint_written_on_a_gpu_resumes_on_a_cpu(tmp_path):
    config = TrainingConfig(epochs=1, batch_size=8, checkpoint_every=2, device="cuda")
    written = train(_model(), _token_data(), config, checkpoint_dir=tmp_path, progress=False)
    resumed = train(_model(), _token_data(), TrainingConfig(epochs=2, batch_size=8, device="cpu"),
                    resume_from=written.checkpoints[0], progress=False)
    assert next(resumed.model.parameters()).device.type == "cpu" and len(resumed.losses) == 6


def test_a_loss_summed_over_the_steps_is_t_times_the_mean_in_every_update():
    """TensorFlow's PTB loss (summed over the T steps, averaged over the batch): one SGD step with it at learning
    rate η moves the weights as the mean loss does at T·η. The recorded loss is the mean either way."""
    data, T = _token_data(T=7), 7

    def sgd(lr: float, sequence_loss: str = "mean"):
        config = TrainingConfig(epochs=1, batch_size=24, optimizer="sgd", lr=lr, sequence_loss=sequence_loss,
                                device="cpu")
        return train(SequenceModel(4, 8, 5, "token", vocabulary=5), data, config, progress=False)

    summed, scaled, unscaled = sgd(0.01, "sum"), sgd(0.01 * T), sgd(0.01)
    for a, b in zip(_weights(summed.model), _weights(scaled.model), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
    assert summed.losses == scaled.losses
    assert not torch.allclose(_weights(unscaled.model)[0], _weights(summed.model)[0])


def test_the_forget_bias_is_added_to_the_forget_gate_alone_after_initialisation():
    plain = train(_model(), _token_data(), TrainingConfig(epochs=0, device="cpu"), progress=False).model
    shifted = train(_model(), _token_data(), TrainingConfig(epochs=0, forget_bias=1.0, device="cpu"),
                    progress=False).model
    n = plain.recurrent.hidden_size
    difference = shifted.recurrent.bias_ih_l0 - plain.recurrent.bias_ih_l0
    torch.testing.assert_close(difference[n:2 * n], torch.ones(n))
    assert not difference[:n].any() and not difference[2 * n:].any()
    assert torch.equal(shifted.recurrent.bias_hh_l0, plain.recurrent.bias_hh_l0)
    with pytest.raises(ValueError, match="forget bias needs an LSTM with bias vectors"):
        train(_model(bias=False), _token_data(), TrainingConfig(epochs=0, forget_bias=1.0, device="cpu"),
              progress=False)
