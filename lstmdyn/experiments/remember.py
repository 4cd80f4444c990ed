"""Chapter: *Learning to remember* (``notebooks/learning_to_remember.py``).

The experiments of the chapter "Learning to remember": small sequence tasks for the numpy LSTM of
:mod:`lstmdyn.numpy_lstm` and for the package's trainer, and how to score them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from lstmdyn.data.synthetic import SYMBOLS, embedded_reber_string, reber_string
from lstmdyn.experiments.tasks import grammar_accuracy, grammar_data
from lstmdyn.numpy_lstm import NumpyLSTM
from lstmdyn.training import SequenceModel, TrainingConfig, train

GRAMMAR_BATCH = 32  #: batch size of the grammar tasks

__all__ = ["GRAMMAR_BATCH", "LossShape", "bits_right", "compare_learning", "fit_sequence", "gradient_errors",
           "grammar_run", "learned", "loss_shapes", "repeated_symbol_right"]


def fit_sequence(sequence: np.ndarray, *, hidden: int, lr: float, steps: int, seed: int,
                 clip: float | None = None) -> NumpyLSTM:
    """A numpy LSTM trained to predict each bit vector of ``sequence`` from the ones before it, one
    gradient step per pass; its ``history`` holds the loss, gradient-norm and weight-norm curves."""
    model = NumpyLSTM.random(hidden, sequence.shape[1], sequence.shape[1], rng=np.random.default_rng(seed),
                               scale=0.5, output="sigmoid")
    for _ in range(steps):
        model.sgd_step(sequence[:-1], sequence[1:], lr, clip=clip)
    return model


def bits_right(model: NumpyLSTM, sequence: np.ndarray) -> float:
    """Share of steps of ``sequence`` whose next bit vector ``model`` predicts entirely right."""
    return float(((model.forward(sequence[:-1])["y"] > 0) == sequence[1:]).all(1).mean())


def gradient_errors(model: NumpyLSTM, xs: np.ndarray, targets: np.ndarray, step: float = 1e-5) -> pd.DataFrame:
    """Relative errors of :meth:`NumpyLSTM.gradients` against central finite differences and against
    PyTorch's autograd of the same network (softmax read-out), one row per parameter."""
    _, grads = model.gradients(xs, targets)
    lstm = torch.nn.LSTM(xs.shape[1], model.n).double()
    with torch.no_grad():
        for name, value in (("weight_hh_l0", model.W), ("weight_ih_l0", model.U), ("bias_ih_l0", model.b)):
            getattr(lstm, name).copy_(torch.from_numpy(value))
        lstm.bias_hh_l0.zero_()
    V, d = torch.tensor(model.V, requires_grad=True), torch.tensor(model.d, requires_grad=True)
    h = lstm(torch.from_numpy(xs)[:, None])[0][:, 0]
    torch.nn.functional.cross_entropy(h @ V.T + d, torch.from_numpy(targets)).backward()
    autograd = {"W": lstm.weight_hh_l0.grad, "U": lstm.weight_ih_l0.grad, "b": lstm.bias_ih_l0.grad,
                "V": V.grad, "d": d.grad}
    rows = []
    for name, value in model.parameters().items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            value[index] += step
            up = model.loss(xs, targets)
            value[index] -= 2 * step
            numeric[index] = (up - model.loss(xs, targets)) / (2 * step)
            value[index] += step
        rows.append({"parameter": name, "vs finite differences": _relative(grads[name], numeric),
                     "vs PyTorch autograd": _relative(grads[name], autograd[name].numpy())})
    return pd.DataFrame(rows)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))


def grammar_run(*, embedded: bool, cell: str, seed: int, hidden: int, strings: int, test_strings: int, epochs: int,
                lr: float) -> tuple[pd.DataFrame, SequenceModel, list[str]]:
    """Train a network on fresh (embedded) Reber strings; returns the test scores after every epoch
    (:func:`lstmdyn.experiments.tasks.grammar_accuracy`), the trained model and its test strings."""
    rng = np.random.default_rng(seed)
    make = embedded_reber_string if embedded else reber_string
    training, test = [make(rng) for _ in range(strings)], [make(rng) for _ in range(test_strings)]
    model = SequenceModel(len(SYMBOLS), hidden, len(SYMBOLS), "token", vocabulary=len(SYMBOLS), one_hot=True,
                          cell=cell)
    data = grammar_data(training)
    config = TrainingConfig(epochs=epochs, batch_size=GRAMMAR_BATCH, lr=lr, seed=seed,
                            checkpoint_every=data.count(GRAMMAR_BATCH))
    curve = []
    train(model, data, config, progress=False,
          on_checkpoint=lambda step, m, path: curve.append({"step": step, **grammar_accuracy(m, test, embedded)}))
    return pd.DataFrame(curve), model, test


@torch.no_grad()
def repeated_symbol_right(model: SequenceModel, strings: list[str]) -> pd.DataFrame:
    """For each embedded Reber string: the length of its inner string and whether ``model``, after the
    inner E, predicts the symbol that repeats the second one."""
    predicted = model(grammar_data(strings).inputs)[0].argmax(-1)
    return pd.DataFrame([{"inner": len(s) - 4, "right": SYMBOLS[predicted[k, len(s) - 3]] == s[1]}
                         for k, s in enumerate(strings)])


def learned(curves: list[pd.Series], level: float = 0.99) -> tuple[float, list[int]]:
    """The mean final score of several runs, and the first epoch (from 1) at which each run that gets there
    reaches ``level``."""
    reached = [int(np.argmax(c.to_numpy() >= level)) + 1 for c in curves if (c >= level).any()]
    return float(np.mean([c.iloc[-1] for c in curves])), reached


def compare_learning(finals: dict[str, float], reached: dict[str, list[int]], runs: int,
                     threshold: float = 0.95) -> tuple[str, str]:
    """``(verdict, details)``: which networks (``{name: mean final score}``) learned the task, judged by a
    mean final score above ``threshold``, and how many runs reached 99 % after how many epochs."""
    good = [name for name, score in finals.items() if score > threshold]
    if len(good) == len(finals):
        verdict = "both networks learn the long-range dependency at this size"
    elif good:
        verdict = f"only the {good[0]} learns the long-range dependency at this size (mean over runs)"
    else:
        verdict = "neither network learns the long-range dependency reliably at this size"
    details = ", and ".join(
        f"the {name} reaches 99 % in {len(r)} of {runs} runs, after {np.mean(r):.0f} epochs on average" if r
        else f"the {name} never reaches 99 %" for name, r in reached.items())
    return verdict, details


@dataclass(frozen=True)
class LossShape:
    """The shape of one training run's loss curve, measured rather than read off a plot.

    Attributes
    ----------
    ratio : float
        Final loss over initial loss.
    rising : float
        Share of steps on which the loss rose.
    weight_growth : float
        Norm of all weights at the end over the norm after the first step.
    """

    ratio: float
    rising: float
    weight_growth: float

    @classmethod
    def of(cls, history: dict) -> LossShape:
        """From a :class:`~lstmdyn.numpy_lstm.NumpyLSTM` history (``loss`` and ``weight_norm`` per step)."""
        loss, weights = np.asarray(history["loss"]), np.asarray(history["weight_norm"])
        return cls(float(loss[-1] / loss[0]), float(np.mean(np.diff(loss) > 0)), float(weights[-1] / weights[0]))

    @property
    def label(self) -> str:
        """``"grows"`` (ends above its start), ``"decays"`` (to below 1 % of it), ``"decays slowly"``,
        prefixed by ``"oscillates and "`` where the loss rises on more than 10 % of the steps.

        Examples
        --------
        >>> LossShape(0.4, 0.0, 1.2).label, LossShape(0.001, 0.01, 2.0).label, LossShape(1.8, 0.5, 20.0).label
        ('decays slowly', 'decays', 'oscillates and grows')
        """
        trend = "grows" if self.ratio > 1 else "decays" if self.ratio < 0.01 else "decays slowly"
        return ("oscillates and " if self.rising > 0.1 else "") + trend


def loss_shapes(runs: dict[float, list[NumpyLSTM]]) -> pd.DataFrame:
    """One row per learning rate: the median :class:`LossShape` over its runs and its label.

    Examples
    --------
    >>> from lstmdyn.data.synthetic import alternation
    >>> runs = {lr: [fit_sequence(alternation(1, 2, 8), hidden=4, lr=lr, steps=50, seed=0)] for lr in (0.3, 300.0)}
    >>> list(loss_shapes(runs)["shape"])
    ['decays slowly', 'oscillates and grows']
    """
    rows = []
    for lr, models in runs.items():
        shapes = [LossShape.of(m.history) for m in models]
        median = LossShape(*(float(np.median([getattr(s, k) for s in shapes]))
                             for k in ("ratio", "rising", "weight_growth")))
        rows.append({"learning rate": lr, "shape": median.label, "final / initial loss": median.ratio,
                     "steps with rising loss": median.rising, "weight growth": median.weight_growth})
    return pd.DataFrame(rows)
