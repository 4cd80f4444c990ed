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
from lstmdyn.names import counted
from lstmdyn.numpy_lstm import NumpyLSTM
from lstmdyn.training import SequenceModel, TrainingConfig, train
from lstmdyn.words import join_words

GRAMMAR_BATCH = 32  #: batch size of the grammar tasks

__all__ = ["GRAMMAR_BATCH", "Divergence", "LossShape", "bits_right", "clipping_sentence", "compare_learning",
           "fit_sequence", "gradient_errors",
           "grammar_run", "learned", "loss_shapes", "repeated_symbol_right"]


def fit_sequence(sequence: np.ndarray, *, hidden: int, lr: float, steps: int, seed: int,
                 clip: float | None = None) -> NumpyLSTM:
    """A numpy LSTM trained to predict each bit vector of ``sequence`` from the ones before it, one
    gradient step per pass; its ``history`` holds the loss, gradient-norm and weight-norm curves.

    Parameters
    ----------
    sequence : (T, d) array of 0 and 1
        The bit vectors, in order.
    hidden : int
        Units of the LSTM.
    lr : float
        The learning rate of plain gradient descent.
    steps : int
        Gradient steps (passes over the sequence).
    seed : int
        Seeds the initial weights.
    clip : float, optional
        The largest gradient norm (none by default).
    """
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
    (:func:`lstmdyn.experiments.tasks.grammar_accuracy`), the trained model and its test strings.

    Parameters
    ----------
    embedded : bool
        The embedded Reber grammar (else the plain one).
    cell : str
        ``"lstm"``, ``"gru"`` or ``"rnn"``.
    seed : int
        Seeds the strings and the training.
    hidden : int
        Units.
    strings, test_strings : int
        Training strings, and test strings scored after every epoch.
    epochs : int
        Passes over the training strings.
    lr : float
        Adam's learning rate.
    """
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
    details = join_words([
        f"the {name} reaches 99 % in {len(r)} of {counted(runs, 'run')}, after {np.mean(r):.0f} epochs on average" if r
        else f"the {name} never reaches 99 %" for name, r in reached.items()], clauses=True)
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
        """From a :class:`~lstmdyn.numpy_lstm.NumpyLSTM` history (``loss`` and ``weight_norm`` per step); a run of
        one step has no step on which its loss could rise.

        Examples
        --------
        >>> LossShape.of({"loss": [2.0], "weight_norm": [1.0]})
        LossShape(ratio=1.0, rising=0.0, weight_growth=1.0)
        """
        loss, weights = np.asarray(history["loss"]), np.asarray(history["weight_norm"])
        rising = float(np.mean(np.diff(loss) > 0)) if len(loss) > 1 else 0.0
        return cls(float(loss[-1] / loss[0]), rising, float(weights[-1] / weights[0]))

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


@dataclass(frozen=True)
class Divergence:
    """The first steps of a run whose loss blows up: does the gradient grow, or do the weights jump?

    Attributes
    ----------
    peak_gradient, peak_step : float, int
        The largest gradient norm of the run and the step (from 1) it occurs at.
    final_gradient : float
        The gradient norm at the last step.
    weights_start, weights_early : float
        The norm of all weights after the first step and after step ``early``.
    early : int
        The number of first steps looked at.
    """

    peak_gradient: float
    peak_step: int
    final_gradient: float
    weights_start: float
    weights_early: float
    early: int

    @classmethod
    def of(cls, history: dict[str, list[float]], early: int = 5) -> Divergence:
        """Measure a run's ``history`` (:class:`lstmdyn.numpy_lstm.NumpyLSTM`'s); a run shorter than ``early``
        steps is looked at to its end.

        Examples
        --------
        >>> Divergence.of({"gradient_norm": [1.0, 2.0], "weight_norm": [3.0, 4.0]}).early
        2
        """
        early = min(early, len(history["weight_norm"]))
        gradient = np.asarray(history["gradient_norm"])
        return cls(float(gradient.max()), int(gradient.argmax()) + 1, float(gradient[-1]),
                   float(history["weight_norm"][0]), float(history["weight_norm"][early - 1]), early)

    def sentence(self, lr: float) -> str:
        """What the run shows, in words: a jump of the weights while the gradient stays moderate is divergence
        from too large a step; a gradient that keeps growing is an exploding gradient.

        Examples
        --------
        >>> Divergence(6.8, 3, 0.5, 17.0, 361.0, 5).sentence(30.0)[:73]
        'the weight norm jumps from 17 after the first step to 361 after step 5, w'
        >>> Divergence(900.0, 1000, 900.0, 17.0, 18.0, 5).sentence(30.0)[:60]
        'the gradient norm grows to 900 at step 1000 and is still 900'
        """
        jump = self.weights_early / self.weights_start
        peak = f"the gradient norm peaks at {self.peak_gradient:.3g} (step {self.peak_step})"
        weights = (f"the weight norm {'jumps' if jump > 3 else 'goes'} from {self.weights_start:.3g} after the "
                   f"first step to {self.weights_early:.3g} after step {self.early}")
        if self.final_gradient >= 0.5 * self.peak_gradient and self.peak_step > self.early:
            return (f"the gradient norm grows to {self.peak_gradient:.3g} at step {self.peak_step} and is still "
                    f"{self.final_gradient:.3g} at the last step: an exploding gradient")
        if jump > 3:
            return (f"{weights}, while {peak} and ends at {self.final_gradient:.3g}: steps of {lr:g} × the "
                    "gradient throw the weights away, which is divergence from too large a step, not a gradient "
                    "that grows back through time")
        return f"{weights}, and {peak}: neither the weights nor the gradient blow up"


def clipping_sentence(gradient_norms: list[float], clip: float, lr: float) -> str:
    """What a run clipped at ``clip`` compares with: the share of its steps that clipping shortened
    (``gradient_norms`` before clipping) decides whether it is the plain run with its spikes cut off, or
    gradient descent with steps of a fixed length ``lr × clip``.

    Examples
    --------
    >>> clipping_sentence([5.0, 3.0, 0.5, 0.2], 0.1, 30.0)[:80]
    'Clipping shortened 100 % of the steps, so every step had the length 30 × 0.1 = 3'
    >>> clipping_sentence([5.0, 0.05, 0.05, 0.05, 0.05, 0.05], 0.1, 30.0)[:64]
    'Clipping shortened 17 % of the steps, the spikes; the others wer'
    >>> clipping_sentence([5.0, 0.05], 0.1, 30.0)[:60]
    'Clipping shortened 50 % of the steps to the length 30 × 0.1 '
    """
    share = float(np.mean(np.asarray(gradient_norms) > clip))
    shortened = f"Clipping shortened {100 * share:.0f} % of the steps"
    if share >= 0.9:
        return (f"{shortened}, so every step had the length {lr:g} × {clip:g} = {lr * clip:.3g}: the clipped run is "
                "gradient descent with steps of a fixed length, not the plain run with its spikes cut off. It shows "
                "that bounding the step prevents the divergence, which a smaller learning rate does as well; it "
                "does not isolate clipping")
    if share <= 0.2:
        return (f"{shortened}, the spikes; the others were the plain run's steps, so the difference between the "
                "two runs is clipping's")
    return (f"{shortened} to the length {lr:g} × {clip:g} = {lr * clip:.3g} and left the others as they were: the "
            "clipped run mixes bounded steps with plain ones, so the comparison shows what bounding the large "
            "steps does, which a smaller learning rate would partly do as well")
