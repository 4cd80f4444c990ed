"""Chapters: *The Lyapunov spectrum* (``notebooks/lyapunov.py``) and *Lyapunov spectra of trained networks*
(``notebooks/lyapunov_experiments.py``).

What the Lyapunov spectrum costs compared with training (Vogt et al., section 5.3 and Table 1).

The paper times a spectrum (10 input sequences of 100 steps) against the training of the same network, and
counts the training in units of it: the spectrum's time is so many training iterations, and the training to
the lowest validation loss so many more. :func:`spectrum_seconds` times the former; :func:`member_cost` times
one training iteration and one spectrum of a sweep member's network side by side, in one process (one
worker, nothing else running), which is what the chapter's Table 1 divides. :func:`char_rnn_epoch_seconds`
times training batches of the paper's CharRNN task (one-hot characters, a single LSTM layer, a linear
read-out, Adam; batches of 100 sequences of 100 characters) and scales them to one epoch over the 80 %
training split of War and Peace; only the shapes matter for the time, so the characters are drawn at random.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from lstmdyn.experiments.both_tools import model_spectrum
from lstmdyn.experiments.sweep_member import SpectrumMember, member_task, spectrum_inputs
from lstmdyn.experiments.tasks import first_samples
from lstmdyn.lyapunov import lyapunov_spectrum
from lstmdyn.training import train

__all__ = ["WAR_AND_PEACE_TRAINING_CHARACTERS", "char_rnn_epoch_seconds", "member_cost", "spectrum_seconds",
           "synchronize"]

WAR_AND_PEACE_TRAINING_CHARACTERS = int(0.8 * 3_202_303)  # 80/10/10 split of Vogt et al., appendix A.1


def spectrum_seconds(model: torch.nn.Module, inputs: torch.Tensor, repeats: int = 1, **options) -> float:
    """Wall-clock seconds of :func:`lyapunov_spectrum` on the device of ``inputs`` (best of ``repeats``)."""
    return _best_seconds(lambda: lyapunov_spectrum(model, inputs, **options), inputs.device, repeats)


def _best_seconds(work: Callable[[], object], device: torch.device | str, repeats: int) -> float:
    """The shortest wall-clock seconds of ``work()`` over ``repeats`` runs, waiting for ``device`` around each."""
    best = float("inf")
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        work()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best


def member_cost(member: SpectrumMember, device: torch.device | str = "cpu", *, iterations: int = 6,
                repeats: int = 3) -> dict[str, float | str]:
    """A sweep member's training iteration and spectrum, timed side by side in this process (Table 1's units).

    An iteration is one batch of the member's training (forward, backward, optimiser step) as
    :func:`~lstmdyn.training.train` runs it: the seconds of training on ``iterations`` batches, over
    ``iterations``. The spectrum is the one the member measures after every epoch
    (:func:`~lstmdyn.experiments.sweep_member.spectrum_inputs`, in its ``epoch_dtype``). Each is the best of
    ``repeats`` runs on ``device`` ("auto": a GPU if present), the first of which also warms up.

    Returns
    -------
    dict
        ``task``, ``device``, ``iteration_seconds``, ``spectrum_seconds`` and ``spectrum_iterations``, the
        spectrum's time in training iterations.

    Examples
    --------
    >>> member = SpectrumMember("mocap", hidden=8, epochs=1, lr=0.05, sequences=2, steps=20)
    >>> cost = member_cost(member, iterations=3, repeats=1)
    >>> cost["task"], cost["spectrum_iterations"] > 0
    ('mocap', True)
    """
    task = member_task(member)
    task.config.epochs, task.config.checkpoint_every, task.config.device = 1, 0, device
    device = task.config.resolved_device()
    data = first_samples(task.train, iterations * task.config.batch_size)
    per_iteration = _best_seconds(lambda: train(task.model, data, task.config, progress=False), device,
                                  repeats) / iterations
    inputs = spectrum_inputs(member.task, member.sequences, member.steps)
    model = task.model.to(device)
    spectrum = _best_seconds(lambda: model_spectrum(model, inputs, dtype=getattr(torch, member.epoch_dtype)),
                             device, repeats)
    return {"task": member.task, "device": str(torch.device(device)), "iteration_seconds": per_iteration,
            "spectrum_seconds": spectrum, "spectrum_iterations": spectrum / per_iteration}


def synchronize(device: torch.device | str) -> None:
    """Wait for the work queued on ``device`` (a GPU runs asynchronously; a CPU needs no wait)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def char_rnn_epoch_seconds(n: int, *, vocabulary: int = 82, batch: int = 100, length: int = 100,
                           characters: int = WAR_AND_PEACE_TRAINING_CHARACTERS, measured_batches: int = 3,
                           seed: int = 0, device: torch.device | str = "cpu") -> float:
    """Seconds of one training epoch of a CharRNN with ``n`` units, from ``measured_batches`` batches.

    One warm-up batch is run first and not counted; the mean time of the measured batches is multiplied
    by the number of batches in an epoch, ``characters / (batch · length)``. The network, its data and the
    optimiser live on ``device``.

    Parameters
    ----------
    n : int
        LSTM units.
    vocabulary, batch, length : int
        Characters of the alphabet, sequences per batch and characters per sequence.
    characters : int
        Characters in an epoch (War and Peace's training split by default).
    measured_batches : int
        Batches timed after the warm-up batch.
    seed : int
        Seeds the weights and data.
    device : torch.device or str
        Where the network runs.
    """
    generator = torch.Generator(device).manual_seed(seed)
    lstm = torch.nn.LSTM(vocabulary, n, batch_first=True, device=device)
    readout = torch.nn.Linear(n, vocabulary, device=device)
    optimizer = torch.optim.Adam([*lstm.parameters(), *readout.parameters()], lr=2e-3)
    eye = torch.eye(vocabulary, device=device)

    def train_batch() -> None:
        ids = torch.randint(vocabulary, (batch, length + 1), generator=generator, device=device)
        hidden, _ = lstm(eye[ids[:, :-1]])
        logits = readout(hidden).reshape(-1, vocabulary)
        loss = torch.nn.functional.cross_entropy(logits, ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    train_batch()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(measured_batches):
        train_batch()
    synchronize(device)
    per_batch = (time.perf_counter() - start) / measured_batches
    return per_batch * characters / (batch * length)
