"""Chapter: *The LSTM model* (``notebooks/lstm_model.py``).

The constant error carousel, shown with one hand-wired LSTM unit.

A single LSTM unit whose gates listen only to the input (recurrent weights zero) is a memory register:
a *write* pulse opens the input gate and stores ``g = tanh(2 v)`` of the value ``v``; while the forget gate
stays open (f ≈ 1) the cell ``c_t = f c_{t-1} + i g`` holds it; a *read* pulse opens the output gate so that
``h = o tanh(c)`` shows it; an *erase* pulse closes the forget gate and the cell empties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from lstmdyn.cells import LSTMParameters

__all__ = ["CHANNELS", "memory_inputs", "memory_unit", "plot_memory"]

CHANNELS = ("value", "write", "erase", "read")


def memory_unit(gain: float = 12.0, hold: float = 8.0) -> LSTMParameters:
    """The hand-wired unit: input channels (value, write, erase, read), no recurrent weights.

    Pre-activations: ``a_i = gain·(write − ½)``, ``a_f = hold − 2·hold·erase``, ``a_g = 2·value``,
    ``a_o = gain·(read − ½)``. With the defaults, an idle forget gate is σ(8) = 0.99966.
    """
    U = np.zeros((4, 4))
    b = np.zeros(4)
    U[0, 1], b[0] = gain, -gain / 2          # input gate  <- write
    U[1, 2], b[1] = -2 * hold, hold          # forget gate <- erase
    U[2, 0] = 2.0                            # candidate   <- value
    U[3, 3], b[3] = gain, -gain / 2          # output gate <- read
    return LSTMParameters(W=np.zeros((4, 1)), b=b, U=U)


def memory_inputs(T: int, writes: Mapping[int, float], reads: Iterable[int],
                  erases: Iterable[int]) -> np.ndarray:
    """An input script of shape ``(T, 4)``: ``writes`` maps a step to the value written there."""
    x = np.zeros((T, len(CHANNELS)))
    for t, v in writes.items():
        x[t, 0], x[t, 1] = v, 1.0
    x[list(erases), 2] = 1.0
    x[list(reads), 3] = 1.0
    return x


def plot_memory(x: np.ndarray, run: dict[str, np.ndarray]) -> plt.Figure:
    """Input channels, gates, cell state and output of one run of :func:`memory_unit`, stacked in time."""
    fig, axes = plt.subplots(4, 1, figsize=(8.2, 6.4), sharex=True)
    steps = np.arange(1, len(x) + 1)
    for k, name in enumerate(CHANNELS):
        axes[0].step(steps, x[:, k] + 1.2 * (len(CHANNELS) - 1 - k), where="mid", label=name)
    axes[0].set(yticks=[], title="input channels (offset for clarity)")
    for gate, label in (("i", "input gate $i$"), ("f", "forget gate $f$"), ("o", "output gate $o$")):
        axes[1].plot(steps, run[gate][:, 0], label=label)
    axes[1].set(ylabel="gate value", ylim=(-0.05, 1.05))
    for ax in axes[:2]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    axes[2].plot(steps, run["c"][:, 0], color="C4")
    axes[2].set(ylabel="cell state $c_t$")
    axes[3].plot(steps, run["h"][:, 0], color="C5")
    axes[3].set(ylabel="output $h_t$", xlabel="time step $t$")
    return fig
