"""Chapters: *The data sets* (``notebooks/datasets.py``).

Trivial predictors for every learning task, the yardstick a trained model must beat before a page may say
it has learned anything.

Each baseline is fitted on the task's training data and scored on its validation data with the task's own
loss (:func:`lstmdyn.training.loss_function`), so that it can be drawn beside the validation curve:

- **class** (MNIST rows): the class frequencies of the training labels, whatever the image; its accuracy is
  that of always answering the majority class;
- **token** (Penn Treebank words, War and Peace characters): the unigram model, every token with its
  training frequency (add-one smoothed), whatever came before; and the uniform guess, ``log V``;
- **melody_chord** (Nottingham, 68 wide): for each half, the class frequencies; and the previous frame, each
  half repeating its previous class with the training probability that it does, else drawn from the class
  frequencies;
- **multihot** (Nottingham piano rolls): the key frequencies, every key with its training frequency (the
  most frequent notes); and the previous frame, smoothed: each key sounding with the training probability
  that a key sounding (or silent) in one frame sounds in the next;
- **regression** (motion capture): the previous frame copied; and the training mean of every feature.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lstmdyn.training import loss_function
from lstmdyn.words import join_words

__all__ = ["Baseline", "against_baselines", "learned_summary", "linear_autoregression", "majority_accuracy",
           "sweep_against_baselines", "task_baselines"]


@dataclass(frozen=True)
class Baseline:
    """A trivial predictor's validation loss, in the units of the task's loss."""

    name: str
    loss: float


def _frequencies(counts: torch.Tensor) -> torch.Tensor:
    """Add-one smoothed relative frequencies."""
    counts = counts.double() + 1
    return counts / counts.sum()


def _logits_of(probabilities: torch.Tensor) -> torch.Tensor:
    """Logits whose sigmoid is ``probabilities`` (for the binary cross-entropy with logits)."""
    return torch.log(probabilities) - torch.log1p(-probabilities)


def _class_baselines(train, valid, head, classes: int) -> list[Baseline]:
    known = train.targets[train.targets >= 0]
    log_p = torch.log(_frequencies(torch.bincount(known.reshape(-1), minlength=classes)))
    targets = valid.targets[valid.targets >= 0]
    name = "class frequencies" if head == "class" else "unigram model"
    return [Baseline(name, -log_p[targets].mean().item()),  # the cross-entropy of the same guess at every step
            Baseline("uniform guess", math.log(classes))]


def _melody_chord_baselines(train, valid, width: int) -> list[Baseline]:
    half = width // 2
    frequencies = previous = 0.0
    for k in range(2):
        log_p = torch.log(_frequencies(torch.bincount(train.targets[..., k].reshape(-1), minlength=half)))
        frequencies += -log_p[valid.targets[..., k]].mean().item()
        before = train.inputs[..., k * half:(k + 1) * half].argmax(-1)
        same = ((train.targets[..., k] == before).sum().double() + 1) / (before.numel() + 2)
        last, target = valid.inputs[..., k * half:(k + 1) * half].argmax(-1), valid.targets[..., k]
        p = (1 - same) * log_p.exp()[target] + same * (target == last).double()
        previous += -torch.log(p).mean().item()
    return [Baseline("class frequencies", frequencies), Baseline("previous frame", previous),
            Baseline("uniform guess", 2 * math.log(half))]


def _multihot_baselines(train, valid) -> list[Baseline]:
    frames = train.targets.reshape(-1, train.targets.shape[-1]).double()
    keys = (frames.sum(0) + 1) / (len(frames) + 2)
    previous = train.inputs.double()
    sounding = previous.bool()
    stays = (train.targets.double()[sounding].sum() + 1) / (sounding.sum() + 2)
    starts = (train.targets.double()[~sounding].sum() + 1) / ((~sounding).sum() + 2)
    targets = valid.targets.double()
    repeat = torch.where(valid.inputs.bool(), stays, starts)
    return [Baseline("key frequencies",
                     loss_function("multihot", _logits_of(keys).expand_as(targets), targets).item()),
            Baseline("previous frame", loss_function("multihot", _logits_of(repeat), targets).item())]


def _regression_baselines(train, valid) -> list[Baseline]:
    targets = valid.targets.double()
    mean = train.targets.double().reshape(-1, train.targets.shape[-1]).mean(0)
    return [Baseline("previous frame", loss_function("regression", valid.inputs.double(), targets).item()),
            Baseline("training mean", loss_function("regression", mean.expand_as(targets), targets).item()),
            linear_autoregression(train, valid)]


def _lagged(inputs: torch.Tensor, order: int) -> torch.Tensor:
    """For every step of every window, the window's last ``order`` frames up to it, newest first, and a 1 (the
    intercept): (windows, steps, order × features + 1). Before the window's start, its first frame stands in."""
    padded = torch.cat([inputs[:, :1].expand(-1, order - 1, -1), inputs], dim=1)
    lags = [padded[:, order - 1 - j:padded.shape[1] - j] for j in range(order)]
    return torch.cat([*lags, torch.ones_like(inputs[..., :1])], dim=-1)


def linear_autoregression(train, valid, *, orders: Sequence[int] = (1, 2, 4, 8),
                          ridges: Sequence[float] = (1e-2, 1.0, 100.0, 1e4), chunk: int = 2048) -> Baseline:
    """Next-frame regression's linear baseline: the next frame as a linear function of the last k frames of the
    window (and an intercept), fitted by ridge regression on the training windows, with k and the ridge chosen by
    the validation loss (the mean-squared error over every step, as the networks' validation loss is taken).

    Parameters
    ----------
    train, valid : SequenceData
        Windows of frames; the targets are the next frames.
    orders : sequence of int
        The numbers k of past frames tried.
    ridges : sequence of float
        The ridge penalties tried.
    chunk : int
        Windows per block of the normal equations (memory).

    Examples
    --------
    >>> from lstmdyn.training import SequenceData
    >>> t = torch.arange(0, 60, dtype=torch.float64)
    >>> wave = torch.stack([torch.sin(0.3 * t), torch.cos(0.3 * t)], -1)      # a rotation: linear in one step
    >>> windows = torch.stack([wave[i:i + 11] for i in range(40)])
    >>> data = SequenceData(windows[:, :-1], windows[:, 1:])
    >>> baseline = linear_autoregression(data, data)
    >>> baseline.name.startswith("linear autoregression on the last"), baseline.loss < 1e-4
    (True, True)
    """
    longest = max(orders)
    width = train.inputs.shape[-1]
    gram = torch.zeros(longest * width + 1, longest * width + 1, dtype=torch.float64)
    cross = torch.zeros(longest * width + 1, width, dtype=torch.float64)
    for start in range(0, len(train.inputs), chunk):
        a = _lagged(train.inputs[start:start + chunk].double(), longest).reshape(-1, gram.shape[0])
        gram += a.T @ a
        cross += a.T @ train.targets[start:start + chunk].double().reshape(-1, width)
    fits = {}
    for order in orders:
        columns = list(range(order * width)) + [gram.shape[0] - 1]
        g, c = gram[columns][:, columns], cross[columns]
        for ridge in ridges:
            penalty = ridge * torch.eye(len(columns), dtype=torch.float64)
            penalty[-1, -1] = 0.0  # the intercept is not shrunk
            fits[order, ridge] = (columns, torch.linalg.solve(g + penalty, c))
    errors = dict.fromkeys(fits, 0.0)
    count = 0
    for start in range(0, len(valid.inputs), chunk):
        a = _lagged(valid.inputs[start:start + chunk].double(), longest).reshape(-1, gram.shape[0])
        y = valid.targets[start:start + chunk].double().reshape(-1, width)
        count += y.numel()
        for key, (columns, weights) in fits.items():
            errors[key] += float(((a[:, columns] @ weights - y) ** 2).sum())
    (order, ridge), error = min(errors.items(), key=lambda item: item[1])
    return Baseline(f"linear autoregression on the last {order} frame{'s' if order > 1 else ''} (ridge {ridge:g})",
                    error / count)


def task_baselines(task) -> list[Baseline]:
    """The trivial baselines of a :class:`lstmdyn.experiments.tasks.Task`, best (lowest loss) first.

    Examples
    --------
    >>> from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig
    >>> from lstmdyn.experiments.tasks import Task
    >>> frames = torch.tensor([[[1.0], [2.0], [3.0]]])
    >>> data = SequenceData(frames[:, :2], frames[:, 1:])
    >>> task = Task("ramp", SequenceModel(1, 2, 1, "regression"), data, data, TrainingConfig(), None)
    >>> [(b.name.split(" on ")[0], round(b.loss, 3)) for b in task_baselines(task)]
    [('linear autoregression', 0.0), ('training mean', 0.25), ('previous frame', 1.0)]
    """
    head, train, valid = task.model.head, task.train, task.valid
    if head in ("class", "token"):
        found = _class_baselines(train, valid, head, task.model.readout.out_features)
    elif head == "multihot":
        found = _multihot_baselines(train, valid)
    elif head == "melody_chord":
        found = _melody_chord_baselines(train, valid, task.model.readout.out_features)
    else:
        found = _regression_baselines(train, valid)
    return sorted(found, key=lambda b: b.loss)


def majority_accuracy(train_labels: torch.Tensor, valid_labels: torch.Tensor) -> float:
    """The accuracy on ``valid_labels`` of always answering the most frequent training label.

    Examples
    --------
    >>> majority_accuracy(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0, 0]))
    0.25
    """
    majority = torch.bincount(train_labels.reshape(-1)).argmax()
    return (valid_labels == majority).double().mean().item()


def against_baselines(loss: float, baselines: list[Baseline], number: str = "{:.3g}") -> str:
    """A sentence that says which of the ``baselines`` a model's validation ``loss`` beats (is below).

    Examples
    --------
    >>> bs = [Baseline("unigram", 6.5), Baseline("uniform guess", 9.2)]
    >>> against_baselines(6.0, bs)
    'below every baseline (unigram 6.5, uniform guess 9.2): the model beats them all'
    >>> against_baselines(7.0, bs)
    'below the uniform guess (9.2) but above the unigram (6.5): the model does not yet beat the best baseline'
    >>> against_baselines(9.5, bs)
    'above every baseline (unigram 6.5, uniform guess 9.2): the model is not yet as good as any of them'
    """
    def named(chosen: list[Baseline]) -> str:
        return ", ".join(f"the {b.name} ({number.format(b.loss)})" for b in chosen)

    beaten = [b for b in baselines if loss < b.loss]
    listed = ", ".join(f"{b.name} {number.format(b.loss)}" for b in baselines)
    if len(beaten) == len(baselines):
        return f"below every baseline ({listed}): the model beats them all"
    if not beaten:
        return f"above every baseline ({listed}): the model is not yet as good as any of them"
    above = [b for b in baselines if b not in beaten]
    return f"below {named(beaten)} but above {named(above)}: the model does not yet beat the best baseline"


def learned_summary(finals: dict[str, tuple[float, list[Baseline]]]) -> str:
    """Which tasks' models beat their best baseline, from ``{task: (validation loss, baselines)}``.

    Examples
    --------
    >>> learned_summary({"PTB": (7.0, [Baseline("unigram", 6.5)]), "MNIST": (1.0, [Baseline("classes", 2.3)])})
    'the MNIST model beats every trivial baseline; the PTB model does not yet beat the best one'
    >>> learned_summary({"PTB": (6.0, [Baseline("unigram", 6.5)])})
    'every model beats every trivial baseline'
    """
    ahead = [name for name, (loss, baselines) in finals.items() if loss < min(b.loss for b in baselines)]
    behind = [name for name in finals if name not in ahead]

    def listed(names: list[str]) -> str:
        return "the " + join_words(names)

    if not behind:
        return "every model beats every trivial baseline"
    if not ahead:
        return "no model beats its best trivial baseline yet"
    plural = len(behind) > 1
    return (f"{listed(ahead)} model{'s' if len(ahead) > 1 else ''} beat{'' if len(ahead) > 1 else 's'} every "
            f"trivial baseline; {listed(behind)} model{'s' if plural else ''} "
            f"do{'' if plural else 'es'} not yet beat the best one")


def sweep_against_baselines(losses: Sequence[float], baselines: Sequence[Baseline], task: str, *, at_last: int = 0,
                            margin: float = 0.01) -> str:
    """How many networks of a sweep beat each of ``baselines`` clearly (by more than ``margin``, 1 %) at their
    selected epochs, from their validation ``losses``, and what that makes of their spectra: where none beats the
    strongest baseline (the lowest loss), they are the spectra of networks that have not learned the task beyond
    it. ``at_last``: how many were selected at their last epoch, still improving when their training stopped.

    Examples
    --------
    >>> copy, linear = Baseline("previous frame", 0.0294), Baseline("linear predictor", 0.0223)
    >>> print(sweep_against_baselines([0.021, 0.027, 0.031], [copy, linear], "motion-capture"))
    Of the 3 motion-capture networks at their selected epochs, 2 beat the previous frame (0.0294) and 1 the linear \
predictor (0.0223) by more than 1 %; the best reaches 0.021. Every one had stopped improving before its last epoch.
    >>> sweep_against_baselines([0.03, 0.05], [copy, linear], "motion-capture", at_last=2)[-278:]
    'the best reaches 0.03. None beats the linear predictor, so these are the spectra of networks that have not \
learned the task beyond it, and their correlation with the loss says nothing about how well a network predicts. \
2 of them were still improving when their training stopped.'
    """
    beaten = [(b, sum(loss < (1 - margin) * b.loss for loss in losses)) for b in baselines]
    counts = [f"{count or 'none'} the {b.name} ({b.loss:.4g})" if k else
              f"{count or 'none'} beat{'s' if count <= 1 else ''} the {b.name} ({b.loss:.4g})"
              for k, (b, count) in enumerate(beaten)]
    text = (f"Of the {len(losses)} {task} networks at their selected epochs, {join_words(counts)} by more than "
            f"{100 * margin:g} %; the best reaches {min(losses):.4g}.")
    strongest, clear = min(beaten, key=lambda item: item[0].loss)
    if not clear:
        text += (f" None beats the {strongest.name}, so these are the spectra of networks that have not learned the "
                 "task beyond it, and their correlation with the loss says nothing about how well a network predicts.")
    return text + (f" {at_last} of them were still improving when their training stopped." if at_last else
                   " Every one had stopped improving before its last epoch.")
