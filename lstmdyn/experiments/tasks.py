"""Chapters: *The data sets* (``notebooks/datasets.py``); *Learning to remember*, through
:mod:`lstmdyn.experiments.remember`.

The learning tasks of both papers: each a model, its data and its training settings, ready for
:func:`lstmdyn.training.train`.

The settings follow the papers where they state them and say so where they do not:

- **MNIST rows** (Amrouche et al. 4.1): 128 units, the 100 training images, 10 classes. The paper does
  not give the optimiser or batch size: Adam, learning rate 1e-3, batches of 10.
- **Penn Treebank** (4.2): embedding, LSTM and output of 200 units; single layer. The published weights
  are those of a TensorFlow ``BasicLSTMCell``, so the "small" configuration of TensorFlow's PTB tutorial
  is used (but one layer, the paper's, where the tutorial has two): weights uniform on ±0.1 and the LSTM's biases
  at 0, SGD with learning rate 1 halved every epoch after the fourth, gradient
  norm clipped at 5, 20 streams read in windows of 20 words, and its loss: summed over the 20 steps of a
  window and averaged over the streams (``sequence_loss="sum"``), so that learning rate 1 and clipping at 5
  mean what they mean there.
- **Nottingham** (4.3): 200 units, the next frame, windows of 50 frames; Adam, learning rate 1e-3, batches of
  32. The input is the paper's 68 wide, melody and chord, reconstructed from the piano rolls (two softmax
  outputs), or the piano roll itself (one binary output per key).

The three networks of Amrouche et al. are trained as TensorFlow's ``BasicLSTMCell`` runs (the cell of the
authors' published PTB weights), whose run-time forget bias (``forget_bias``) the stored weights do not contain:
0 for PTB, as TensorFlow's PTB tutorial builds its cells (the graph the authors' conversion script reads), and
the cell's default 1 for MNIST and Nottingham, whose training code is not public.
- **War and Peace** (Vogt et al. A.1): 512 units, no bias vectors, one-hot characters, sequences of 100,
  batches of 100, Adam, learning rate ×0.95 per epoch after the tenth, initialisation parameter 0.08.
- **CMU motion capture** (A.2): 256 units, windows of 25 frames, 20 features, mean-squared error, batches
  of 250, learning rate 0.05 with dropout 0 (the paper's table); the optimiser is not stated: SGD.

Every constructor takes the sizes as arguments, so that a notebook can run the same task smaller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from lstmdyn.data import (
    DataInfo,
    MelodyChordCode,
    batchify,
    bptt_windows,
    char_sequences,
    load_mnist_rows,
    load_mocap,
    load_piano_rolls,
    load_ptb,
    load_war_and_peace,
    melody_chord_windows,
    roll_windows,
)
from lstmdyn.data.synthetic import SYMBOLS, legal_next
from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig, TrainingResult, train

__all__ = ["Task", "first_samples", "grammar_accuracy", "grammar_data", "mnist_task", "mocap_task", "nottingham_task",
           "ptb_task",
           "train_briefly", "war_and_peace_task"]


@dataclass
class Task:
    """A model, its training and validation data, the paper's training settings, and the data's record."""

    name: str
    model: SequenceModel
    train: SequenceData
    valid: SequenceData
    config: TrainingConfig
    info: DataInfo


def train_briefly(task: Task, epochs: int, validations: int = 5) -> TrainingResult:
    """Train a task's model with its settings for ``epochs`` epochs, validating ``validations`` times."""
    steps = epochs * task.train.count(task.config.batch_size)
    task.config.epochs, task.config.checkpoint_every = epochs, max(1, steps // validations)
    return train(task.model, task.train, task.config, valid=task.valid, progress=False)


def first_samples(data: SequenceData, count: int | None) -> SequenceData:
    """The first ``count`` samples (or stream windows) of ``data``; all of them for None."""
    if count is None:
        return data
    return SequenceData(data.inputs[:count], data.targets[:count], data.stream)


def mnist_task(hidden: int = 128, *, optimizer: str = "adam", lr: float = 1e-3, forget_bias: float = 1.0,
               seed: int = 0) -> Task:
    """Classify the 100 training images row by row; validate on the first 1000 test images.

    Parameters
    ----------
    hidden : int
        LSTM units.
    optimizer : {"adam", "sgd"}
        The optimiser.
    lr : float
        Its learning rate.
    forget_bias : float
        TensorFlow's run-time forget bias of the cell (``BasicLSTMCell``'s default 1).
    seed : int
        Seeds the initialisation and batch order.
    """
    data, info = load_mnist_rows()
    return Task("mnist", SequenceModel(28, hidden, 10, "class"), SequenceData(data["train_x"], data["train_y"]),
                SequenceData(data["test_x"][:1000], data["test_y"][:1000]),
                TrainingConfig(batch_size=10, optimizer=optimizer, lr=lr, forget_bias=forget_bias, seed=seed), info)


def ptb_task(hidden: int = 200, *, streams: int = 20, window: int = 20, windows: int | None = None,
             forget_bias: float = 0.0, seed: int = 0) -> Task:
    """Next-word prediction; ``windows`` limits the training windows (a fraction of an epoch). As TensorFlow's
    PTB tutorial: its cells' run-time forget bias 0 (``_get_lstm_cell``), the LSTM's biases starting at 0 and
    every other parameter uniform on ±0.1 (``init_scope="tensorflow"``); one layer, as the paper's network
    (the tutorial's small setting has two).

    Parameters
    ----------
    hidden : int
        LSTM units (and the embedding's width).
    streams, window : int
        Parallel streams of the corpus, and words per window (truncated backpropagation).
    windows : int, optional
        Training (and validation) windows used; all by default.
    forget_bias : float
        TensorFlow's run-time forget bias of the cell.
    seed : int
        Seeds the initialisation.
    """
    ids, vocabulary, info = load_ptb()

    def stream(split: str) -> SequenceData:
        pairs = bptt_windows(batchify(ids[split], streams), window)
        return SequenceData(torch.stack([x for x, _ in pairs]), torch.stack([y for _, y in pairs]), stream=True)

    model = SequenceModel(hidden, hidden, len(vocabulary), "token", vocabulary=len(vocabulary))
    config = TrainingConfig(optimizer="sgd", lr=1.0, lr_decay=0.5, decay_after=4, clip=5.0, init=0.1,
                            init_scope="tensorflow", forget_bias=forget_bias, sequence_loss="sum", seed=seed)
    return Task("ptb", model, first_samples(stream("train"), windows), first_samples(stream("valid"), windows), config,
                info)


def nottingham_task(hidden: int = 200, *, window: int = 50, samples: int | None = None, forget_bias: float = 1.0,
                    encoding: Literal["melody_chord", "piano_roll"] = "melody_chord", seed: int = 0) -> Task:
    """Next frame of the Nottingham tunes; ``samples`` limits the number of training windows.

    ``encoding="melody_chord"``: the paper's 68-wide input of melody and chord, reconstructed
    (:class:`~lstmdyn.data.music.MelodyChordCode`, fitted on the training rolls), two softmax outputs;
    ``"piano_roll"``: the piano roll itself, one binary output per key.

    Parameters
    ----------
    hidden : int
        LSTM units.
    window : int
        Frames per window.
    samples : int, optional
        Training (and validation) windows used; all by default.
    forget_bias : float
        TensorFlow's run-time forget bias of the cell (``BasicLSTMCell``'s default 1).
    encoding : {"melody_chord", "piano_roll"}
        The input and output encoding.
    seed : int
        Seeds the initialisation and batch order.
    """
    rolls, info = load_piano_rolls("nottingham")
    if encoding == "melody_chord":
        code = MelodyChordCode.fit(rolls["train"])
        train, valid = (SequenceData(*melody_chord_windows(rolls[s], code, window)) for s in ("train", "valid"))
        width, head = 2 * MelodyChordCode.CLASSES, "melody_chord"
    elif encoding == "piano_roll":
        train, valid = (SequenceData(*roll_windows(rolls[s], window)) for s in ("train", "valid"))
        width, head = info.facts["pitches"], "multihot"
    else:
        raise ValueError(f"encoding must be 'melody_chord' or 'piano_roll', got {encoding!r}")
    config = TrainingConfig(batch_size=32, lr=1e-3, forget_bias=forget_bias, seed=seed)
    return Task("nottingham", SequenceModel(width, hidden, width, head), first_samples(train, samples),
                first_samples(valid, samples), config, info)


def war_and_peace_task(hidden: int = 512, *, length: int = 100, samples: int | None = None,
                       dropout: float = 0.0, lr: float = 3e-3, init: float = 0.08, seed: int = 0) -> Task:
    """Next-character prediction (CharRNN); ``samples`` limits the number of training sequences. The LSTM's
    weight matrices are drawn uniformly on ±``init``, its read-out keeps PyTorch's initialisation, as in the
    authors' published code.

    Parameters
    ----------
    hidden : int
        LSTM units.
    length : int
        Characters per sequence.
    samples : int, optional
        Training (and validation) sequences used; all of them by default.
    dropout : float
        Dropout on the LSTM's output.
    lr : float
        Adam's learning rate (decayed by 0.95 per epoch after the tenth).
    init : float
        The half-width of the uniform initialisation of the LSTM's weights (Vogt et al.'s p).
    seed : int
        Seeds the initialisation, batch order and dropout.
    """
    splits, vocabulary, info = load_war_and_peace()
    train, valid = (SequenceData(*char_sequences(splits[s], length)) for s in ("train", "valid"))
    v = len(vocabulary)
    model = SequenceModel(v, hidden, v, "token", vocabulary=v, one_hot=True, bias=False, dropout=dropout)
    config = TrainingConfig(batch_size=100, lr=lr, lr_decay=0.95, decay_after=10, init=init,
                            init_scope="recurrent", seed=seed)
    return Task("war_and_peace", model, first_samples(train, samples), first_samples(valid, samples), config, info)


def mocap_task(hidden: int = 256, *, samples: int | None = None, init: float | None = None,
               target: Literal["frame", "change"] = "frame", seed: int = 0) -> Task:
    """Next-frame regression on the 20 leading motion-capture features: the read-out predicts the next frame,
    or with ``target="change"`` its change from the current one (a residual read-out). ``init`` draws the
    LSTM's weight matrices uniformly, as in the authors' published code.

    Parameters
    ----------
    hidden : int
        LSTM units.
    samples : int, optional
        Training (and validation) windows used; all of them by default.
    init : float, optional
        The half-width of the uniform initialisation of the LSTM's weights (Vogt et al.'s p); PyTorch's
        default without it.
    target : {"frame", "change"}
        What the read-out predicts.
    seed : int
        Seeds the initialisation and batch order.
    """
    splits, info = load_mocap()
    train, valid = (SequenceData(*splits[s]) for s in ("train", "valid"))
    if target not in ("frame", "change"):
        raise ValueError(f"target must be 'frame' or 'change', got {target!r}")
    features = info.facts["features"]
    model = SequenceModel(features, hidden, features, "regression", residual=target == "change")
    config = TrainingConfig(batch_size=250, optimizer="sgd", lr=0.05, init=init, init_scope="recurrent", seed=seed)
    return Task("cmu_mocap", model, first_samples(train, samples), first_samples(valid, samples), config, info)


IGNORED = -100  #: target of padded steps, skipped by the cross-entropy


def grammar_data(strings: list[str]) -> SequenceData:
    """Reber strings as symbol ids for next-symbol prediction, padded to the longest string.

    The inputs are ``s[:-1]``, the targets ``s[1:]``; padded steps have the target :data:`IGNORED`, so
    they do not enter the loss (the LSTM is causal, so padding after a string cannot affect it).
    """
    length = max(len(s) for s in strings) - 1
    inputs = torch.zeros(len(strings), length, dtype=torch.long)
    targets = torch.full((len(strings), length), IGNORED, dtype=torch.long)
    for k, s in enumerate(strings):
        ids = torch.tensor([SYMBOLS.index(c) for c in s])
        inputs[k, :len(s) - 1], targets[k, :len(s) - 1] = ids[:-1], ids[1:]
    return SequenceData(inputs, targets)


@torch.no_grad()
def grammar_accuracy(model: SequenceModel, strings: list[str], embedded: bool) -> dict[str, float]:
    """How well ``model`` predicts Reber strings.

    ``legal``: the share of steps at which the most likely next symbol is one the grammar allows (over
    all steps but the last). For the embedded grammar also ``final``: the share of strings for which, after
    the inner string's E, the model predicts the symbol that repeats the second one, the long-range
    dependency (chance: ½).
    """
    model.eval()
    data = grammar_data(strings)
    predicted = model(data.inputs)[0].argmax(-1)
    legal = correct = 0
    total = 0
    for k, s in enumerate(strings):
        allowed = legal_next(s, embedded)
        for t in range(len(s) - 1):
            legal += SYMBOLS[predicted[k, t]] in allowed[t]
            total += 1
        if embedded:
            correct += SYMBOLS[predicted[k, len(s) - 3]] == s[1]
    model.train()
    return {"legal": legal / total, **({"final": correct / len(strings)} if embedded else {})}
