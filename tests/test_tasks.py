"""The paper tasks carry the settings their module docstring states (lstmdyn.experiments.tasks)."""

from __future__ import annotations

import pytest
import torch

from lstmdyn.experiments.tasks import (
    Task,
    mnist_task,
    mocap_task,
    nottingham_task,
    ptb_task,
    train_briefly,
    war_and_peace_task,
)
from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig, train


def _settings(task):
    c, lstm = task.config, task.model.recurrent
    return {"hidden": lstm.hidden_size, "bias": lstm.bias, "optimizer": c.optimizer, "lr": c.lr, "clip": c.clip,
            "init": c.init, "batch": c.batch_size, "dropout": task.model.dropout.p, "head": task.model.head,
            "forget_bias": c.forget_bias, "loss": c.sequence_loss, "drawn": c.init_scope}


def test_mnist_rows_128_units_adam_batches_of_10_on_100_images():
    task = mnist_task()
    assert _settings(task) == {"hidden": 128, "bias": True, "optimizer": "adam", "lr": 1e-3, "clip": None,
                               "init": None, "batch": 10, "dropout": 0.0, "head": "class", "forget_bias": 1.0,
                               "loss": "mean", "drawn": "all"}
    assert tuple(task.train.inputs.shape) == (100, 28, 28) and task.model.readout.out_features == 10


def test_ptb_follows_tensorflows_small_setting_with_the_first_decay_in_the_fifth_epoch():
    task = ptb_task()
    assert _settings(task) == {"hidden": 200, "bias": True, "optimizer": "sgd", "lr": 1.0, "clip": 5.0,
                               "init": 0.1, "batch": 32, "dropout": 0.0, "head": "token", "forget_bias": 0.0,
                               "loss": "sum", "drawn": "tensorflow"}
    assert task.model.embedding.embedding_dim == 200 and task.train.stream
    assert tuple(task.train.inputs.shape[1:]) == (20, 20)  # 20 streams, windows of 20 words
    rates = [task.config.learning_rate(e) for e in range(7)]
    assert rates == [1.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.125]


@pytest.mark.parametrize(("encoding", "head", "width"), [("melody_chord", "melody_chord", 68),
                                                          ("piano_roll", "multihot", 63)])
def test_nottingham_200_units_adam_batches_of_32_windows_of_50(encoding, head, width):
    task = nottingham_task(encoding=encoding)
    assert _settings(task) == {"hidden": 200, "bias": True, "optimizer": "adam", "lr": 1e-3, "clip": None,
                               "init": None, "batch": 32, "dropout": 0.0, "head": head, "forget_bias": 1.0,
                               "loss": "mean", "drawn": "all"}
    assert tuple(task.train.inputs.shape[1:]) == (50, width) and task.model.readout.out_features == width


def test_war_and_peace_charrnn_has_no_biases_and_decays_by_095_after_the_tenth_epoch():
    task = war_and_peace_task()
    assert _settings(task) == {"hidden": 512, "bias": False, "optimizer": "adam", "lr": 3e-3, "clip": None,
                               "init": 0.08, "batch": 100, "dropout": 0.0, "head": "token", "forget_bias": 0.0,
                               "loss": "mean", "drawn": "recurrent"}
    assert task.model.one_hot and task.train.inputs.shape[1] == 100
    assert task.config.learning_rate(9) == 3e-3
    assert task.config.learning_rate(10) == pytest.approx(3e-3 * 0.95)  # the eleventh epoch
    assert task.config.learning_rate(12) == pytest.approx(3e-3 * 0.95**3)


def test_mocap_256_units_mse_sgd_at_005_batches_of_250_windows_of_25():
    task = mocap_task()
    assert _settings(task) == {"hidden": 256, "bias": True, "optimizer": "sgd", "lr": 0.05, "clip": None,
                               "init": None, "batch": 250, "dropout": 0.0, "head": "regression", "forget_bias": 0.0,
                               "loss": "mean", "drawn": "recurrent"}
    assert tuple(task.train.inputs.shape[1:]) == (25, 20) and not task.model.residual
    assert mocap_task(8, target="change").model.residual


def test_train_briefly_validates_the_requested_number_of_times():
    ids = torch.randint(5, (24, 8), generator=torch.Generator().manual_seed(0))
    data = SequenceData(ids[:, :-1], ids[:, 1:])
    task = Task("toy", SequenceModel(4, 8, 5, "token", vocabulary=5), data, data, TrainingConfig(batch_size=6), None)
    result = train_briefly(task, epochs=3, validations=4)  # 12 steps: a validation every 3
    assert [step for step, _ in result.validation] == [3, 6, 9, 12]


def test_the_ptb_network_starts_as_tensorflows_tutorial_starts_it():
    """TensorFlow's PTB tutorial: BasicLSTMCell(forget_bias=0.0) with its bias initialised to zeros, every other
    variable uniform on ±0.1. A forget bias of +1, or biases drawn like the weights (PyTorch's two vectors would
    then add to a triangular ±0.2), fails here."""
    task = ptb_task(windows=2)
    task.config.epochs = 0
    train(task.model, task.train, task.config, progress=False)
    lstm = task.model.recurrent
    assert torch.count_nonzero(lstm.bias_ih_l0) == 0 and torch.count_nonzero(lstm.bias_hh_l0) == 0
    for name, p in task.model.named_parameters():
        if "bias_" not in name or name.startswith("readout"):
            assert p.abs().max() <= 0.1 and p.abs().max() > 0.09 and p.abs().min() < 0.01, name
