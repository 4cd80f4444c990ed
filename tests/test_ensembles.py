"""Ensembles: each member gets what `train` gives it alone, whatever else trains beside it.

The oracle is `lstmdyn.training.train`, run on each member alone. The bound is round-off in float64: the batched
products sum in another order than `nn.LSTM`'s fused kernel, nothing else differs (the same initial weights, batches,
dropout masks and optimiser arithmetic). Measured on this CPU: 0 to 4.4e-16 on the losses, 1.6e-16 on the weights;
the tests allow 1e-12, which a wrong dropout mask (1e-3), a wrong batch (1e-2) or a missed clip exceeds by far.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmdyn.ensembles import ensemble_losses, shape_of, train_ensemble
from lstmdyn.errors import EnsembleShapeError, TrainingError
from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig, evaluate, train

BOUND = 1e-12


def _tokens(n=40, T=12, vocabulary=7, seed=0, stream=False) -> SequenceData:
    generator = torch.Generator().manual_seed(seed)
    x, y = (torch.randint(0, vocabulary, (n, T), generator=generator) for _ in range(2))
    if stream:  # 5 consecutive windows of n/5 parallel streams
        return SequenceData(x.view(5, n // 5, T), y.view(5, n // 5, T), stream=True)
    return SequenceData(x, y)


def _one_hot(dropout: float) -> SequenceModel:
    return SequenceModel(7, 6, 7, "token", vocabulary=7, one_hot=True, bias=False, dropout=dropout).double()


def _embedded(dropout: float) -> SequenceModel:
    return SequenceModel(5, 6, 7, "token", vocabulary=7, layers=2, dropout=dropout).double()


def _close(alone, together, rates: bool = True) -> None:
    """Equal within BOUND; the epochs' learning rates too unless one was resumed (they are not checkpointed)."""
    assert len(alone.losses) == len(together.losses)
    steps = [s for s, _ in alone.losses]
    assert steps == [s for s, _ in together.losses]
    np.testing.assert_allclose([v for _, v in together.losses], [v for _, v in alone.losses], rtol=0, atol=BOUND)
    np.testing.assert_allclose(together.gradient_norms, alone.gradient_norms, rtol=0, atol=BOUND)
    np.testing.assert_allclose(np.array(together.validation), np.array(alone.validation), rtol=0, atol=BOUND)
    for a, b in zip(alone.model.parameters(), together.model.parameters(), strict=True):
        assert (a - b).abs().max().item() < BOUND
    assert together.learning_rates == alone.learning_rates or not rates


def test_three_members_with_adam_get_what_train_gives_each_alone():
    """Different seeds (so different initial weights and batch orders), rates, clipping and dropout, Adam, a
    decaying rate, Vogt et al.'s initialisation of the recurrent weights only, validation at every checkpoint."""
    data = _tokens()
    configs = [TrainingConfig(epochs=3, batch_size=16, lr=lr, seed=seed, clip=clip, init=0.3, init_scope="recurrent",
                              lr_decay=0.9, decay_after=1, checkpoint_every=3, device="cpu")
               for seed, lr, clip in ((0, 1e-2, None), (1, 3e-3, 0.05), (2, 5e-3, 1.0))]
    rates = (0.0, 0.2, 0.5)
    alone = [train(_one_hot(p), data, c, valid=data, progress=False) for p, c in zip(rates, configs, strict=True)]
    together = train_ensemble([_one_hot(p) for p in rates], data, configs, valid=data, progress=False)
    for a, t in zip(alone, together, strict=True):
        _close(a, t)
        assert t.error == ""
    assert len({round(a.losses[-1][1], 6) for a in alone}) == 3  # three different runs, not one run thrice


def test_stream_sgd_two_layers_and_summed_loss_match_train():
    """PTB's setting: a stream with the state carried across windows, SGD, TensorFlow's initialisation with a
    forget bias, two layers with dropout between them, the loss summed over time."""
    data = _tokens(stream=True)
    configs = [TrainingConfig(epochs=2, batch_size=8, optimizer="sgd", lr=lr, seed=seed, clip=clip, init=0.2,
                              init_scope="tensorflow", forget_bias=bias, sequence_loss="sum", checkpoint_every=2,
                              device="cpu")
               for seed, lr, clip, bias in ((0, 1.0, 5.0, 0.0), (1, 0.5, 0.1, 1.0), (2, 0.3, None, 0.0))]
    rates = (0.0, 0.3, 0.6)
    alone = [train(_embedded(p), data, c, valid=data, progress=False) for p, c in zip(rates, configs, strict=True)]
    together = train_ensemble([_embedded(p) for p in rates], data, configs, valid=data, progress=False)
    for a, t in zip(alone, together, strict=True):
        _close(a, t)


def test_a_member_gives_the_same_numbers_whatever_trains_beside_it():
    """Exactly, not within a bound: a member's products, norms and updates never mix with another member's."""
    data = _tokens()
    configs = [TrainingConfig(epochs=2, batch_size=16, lr=lr, seed=seed, clip=1.0, device="cpu")
               for seed, lr in ((0, 1e-2), (1, 3e-3), (2, 5e-3))]
    rates = (0.1, 0.2, 0.0)
    three = train_ensemble([_one_hot(p) for p in rates], data, configs, progress=False)
    one = train_ensemble([_one_hot(rates[1])], data, configs[1:2], progress=False)[0]
    assert [v for _, v in three[1].losses] == [v for _, v in one.losses]
    for a, b in zip(three[1].model.parameters(), one.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_member_whose_loss_is_not_finite_stops_alone(tmp_path):
    x = torch.randn(32, 6, 2, dtype=torch.float64)
    data = SequenceData(x[:, :-1], x[:, 1:])
    configs = [TrainingConfig(epochs=3, batch_size=8, optimizer="sgd", lr=lr, seed=1, device="cpu",
                              checkpoint_every=4) for lr in (0.05, 1e200)]
    models = [SequenceModel(2, 5, 2, "regression").double() for _ in configs]
    dirs = [tmp_path / "a", tmp_path / "b"]
    good, bad = train_ensemble(models, data, configs, checkpoint_dirs=dirs, progress=False)
    assert bad.error.startswith("non-finite loss at step ") or bad.error.startswith("non-finite gradient at step ")
    assert len(bad.losses) < len(good.losses) == 12
    assert all(np.isfinite(v) for _, v in bad.losses)
    alone_good = train(SequenceModel(2, 5, 2, "regression").double(), data, configs[0], progress=False)
    _close(alone_good, good)
    with pytest.raises(TrainingError) as alone_bad:  # train says the same of the member alone
        train(SequenceModel(2, 5, 2, "regression").double(), data, configs[1], progress=False)
    assert str(alone_bad.value).split(";")[0] == bad.error.split(";")[0]


def test_checkpoints_resume_in_either_trainer(tmp_path):
    """An ensemble's checkpoint resumed by `train`, and by the ensemble, give the uninterrupted run."""
    data = _tokens()
    configs = [TrainingConfig(epochs=3, batch_size=16, lr=lr, seed=seed, checkpoint_every=3, device="cpu")
               for seed, lr in ((4, 1e-2), (5, 3e-3))]
    rates = (0.2, 0.4)
    dirs = [tmp_path / "m0", tmp_path / "m1"]
    full = train_ensemble([_one_hot(p) for p in rates], data, configs, checkpoint_dirs=dirs, progress=False)
    middle = [d / "step_0000006.pt" for d in dirs]
    assert all(p.exists() for p in middle)
    again = train_ensemble([_one_hot(p) for p in rates], data, configs, resume_from=middle, progress=False)
    by_train = train(_one_hot(rates[1]), data, configs[1], resume_from=middle[1], progress=False)
    for a, b in ((full[0], again[0]), (full[1], again[1]), (full[1], by_train)):
        _close(a, b, rates=False)
    assert again[1].learning_rates == by_train.learning_rates == [(1, 3e-3), (2, 3e-3)]  # from the resumed epoch
    alone = tmp_path / "alone"  # and train's checkpoint resumed by the ensemble
    train(_one_hot(rates[0]), data, configs[0], checkpoint_dir=alone, progress=False)
    _close(full[0], train_ensemble([_one_hot(rates[0])], data, configs[:1], resume_from=[alone / "step_0000006.pt"],
                                   progress=False)[0], rates=False)


def test_on_checkpoint_sees_each_member_and_can_stop_one():
    data = _tokens()
    configs = [TrainingConfig(epochs=3, batch_size=16, lr=1e-2, seed=s, checkpoint_every=3, device="cpu")
               for s in range(2)]
    seen = []

    def look(step, models, paths):
        seen.append((step, sorted(models)))
        for m, model in models.items():  # each model holds that member's weights at this step
            assert isinstance(model, SequenceModel) and paths[m] is None
        return {0} if step == 3 else None

    results = train_ensemble([_one_hot(0.0) for _ in configs], data, configs, on_checkpoint=look,
                             checkpoint_at_start=True, progress=False)
    assert seen == [(0, [0, 1]), (3, [0, 1]), (6, [1]), (9, [1])]
    assert len(results[0].losses) == 3 and len(results[1].losses) == 9


def test_members_may_train_for_different_numbers_of_epochs():
    data = _tokens()
    configs = [TrainingConfig(epochs=e, batch_size=16, lr=1e-2, seed=1, checkpoint_every=2, device="cpu")
               for e in (1, 3)]
    results = train_ensemble([_one_hot(0.1) for _ in configs], data, configs, valid=data, progress=False)
    alone = [train(_one_hot(0.1), data, c, valid=data, progress=False) for c in configs]
    for a, t in zip(alone, results, strict=True):
        _close(a, t)


def test_losses_of_several_models_together_equal_evaluate():
    data = _tokens(stream=True)
    models = [_embedded(0.5) for _ in range(3)]
    together = ensemble_losses(models, data, batch_size=8)
    np.testing.assert_allclose(together, [evaluate(m, data) for m in models], rtol=0, atol=BOUND)


def test_what_cannot_train_together_is_named():
    with pytest.raises(EnsembleShapeError, match="network 1 differs from network 0"):
        shape_of([_one_hot(0.0), SequenceModel(7, 5, 7, "token", vocabulary=7, one_hot=True, bias=False)])
    with pytest.raises(EnsembleShapeError, match="unidirectional LSTMs"):
        shape_of([SequenceModel(2, 3, 2, "class", cell="rnn")])
    with pytest.raises(EnsembleShapeError, match="at least one network"):
        shape_of([])
    configs = [TrainingConfig(batch_size=b, device="cpu") for b in (8, 16)]
    with pytest.raises(EnsembleShapeError, match="must share batch_size"):
        train_ensemble([_one_hot(0.0), _one_hot(0.0)], _tokens(), configs, progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device (benchmarks/gpu.sh runs it on a lent GPU)")
def test_on_a_gpu_members_stay_within_float32_rounding_of_train_alone():
    """On a GPU in float32 (TF32 off): cuDNN against the batched products, without dropout (a GPU draws its masks
    in another order). Three epochs of Adam grow float32 rounding (6e-8) to about 1e-5."""
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    data = _tokens()
    configs = [TrainingConfig(epochs=3, batch_size=16, lr=lr, seed=seed, clip=1.0, device="cuda")
               for seed, lr in ((0, 1e-2), (1, 3e-3), (2, 5e-3))]

    def model():
        return SequenceModel(7, 6, 7, "token", vocabulary=7, one_hot=True, bias=False)

    alone = [train(model(), data, c, progress=False) for c in configs]
    together = train_ensemble([model() for _ in configs], data, configs, progress=False)
    for a, t in zip(alone, together, strict=True):
        np.testing.assert_allclose([v for _, v in t.losses], [v for _, v in a.losses], rtol=1e-4)
