"""Chapter: *The Lyapunov spectrum* (``notebooks/lyapunov.py``).

What the Lyapunov spectrum costs compared with training (Vogt et al., section 5.3 and Table 1).

The paper times a spectrum (10 input sequences of 100 steps) against the training of the same network.
:func:`spectrum_seconds` times the former; :func:`char_rnn_epoch_seconds` times training batches of the
paper's CharRNN task (one-hot characters, a single LSTM layer, a linear read-out, Adam; batches of 100
sequences of 100 characters) and scales them to one epoch over the 80 % training split of War and Peace.
Only the shapes matter for the time, so the characters are drawn at random.
"""

from __future__ import annotations

import time

import torch

from lstmdyn.lyapunov import lyapunov_spectrum

__all__ = ["WAR_AND_PEACE_TRAINING_CHARACTERS", "char_rnn_epoch_seconds", "spectrum_seconds", "synchronize"]

WAR_AND_PEACE_TRAINING_CHARACTERS = int(0.8 * 3_202_303)  # 80/10/10 split of Vogt et al., appendix A.1


def spectrum_seconds(model: torch.nn.Module, inputs: torch.Tensor, repeats: int = 1, **options) -> float:
    """Wall-clock seconds of :func:`lyapunov_spectrum` on the device of ``inputs`` (best of ``repeats``)."""
    best = float("inf")
    for _ in range(repeats):
        synchronize(inputs.device)
        start = time.perf_counter()
        lyapunov_spectrum(model, inputs, **options)
        synchronize(inputs.device)
        best = min(best, time.perf_counter() - start)
    return best


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
