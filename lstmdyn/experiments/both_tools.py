"""Both papers' tools on one trained network: the spectral radius at the equilibrium of the network without
input (Amrouche et al.) and the Lyapunov exponents of the network driven by its data (Vogt et al.).

The chapters that train networks (*Equilibria through training*, *Lyapunov spectra of trained networks*)
measure both for every network they train and write them to their results files; the scorecard puts all
of them in one figure.
"""

from __future__ import annotations

import copy
import math
from typing import Literal

import numpy as np
import torch

from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
from lstmdyn.lyapunov import lyapunov_spectrum
from lstmdyn.training import SequenceData, SequenceModel

__all__ = ["driven_exponents", "driven_inputs", "equilibrium_measures", "model_spectrum"]


def model_spectrum(model: SequenceModel, inputs: torch.Tensor, state: Literal["h", "hc"] = "h") -> np.ndarray:
    """The Lyapunov spectrum of a trained model's LSTM driven by ``inputs`` (encoded as the model encodes
    them), in float64 on the model's device: the mean over the sequences, natural log per step."""
    device = next(model.parameters()).device
    lstm = copy.deepcopy(model.recurrent).double().eval()
    with torch.no_grad():
        x = model.encode(inputs.to(device)).double()
    return lyapunov_spectrum(lstm, x, state=state).mean(0).cpu().numpy()


def driven_inputs(data: SequenceData, sequences: int = 10, steps: int = 100) -> torch.Tensor:
    """Up to ``sequences`` input sequences of up to ``steps`` steps from ``data``, for a spectrum.

    Samples give their first ``steps`` steps (a sample shorter than that gives all of its steps); a stream
    (windows of parallel streams, :class:`~lstmdyn.training.SequenceData`) gives its streams, each the
    concatenation of its consecutive windows.

    Examples
    --------
    >>> windows = SequenceData(torch.arange(24).reshape(3, 2, 4), torch.zeros(3, 2, 4), stream=True)
    >>> driven_inputs(windows, sequences=1, steps=10)
    tensor([[ 0,  1,  2,  3,  8,  9, 10, 11, 16, 17]])
    >>> driven_inputs(SequenceData(torch.zeros(5, 28, 3), torch.zeros(5)), sequences=2).shape
    torch.Size([2, 28, 3])
    """
    if data.stream:
        windows = math.ceil(steps / data.inputs.shape[2])
        streams = data.inputs[:windows].transpose(0, 1)  # (streams, windows, T, …)
        return streams.reshape(streams.shape[0], -1, *streams.shape[3:])[:sequences, :steps]
    return data.inputs[:sequences, :steps]


def driven_exponents(model: SequenceModel, inputs: torch.Tensor) -> dict[str, float]:
    """The largest and the mean Lyapunov exponent of ``model`` driven by ``inputs``, for the state h
    (``max_le``, ``mean_le``) and the full state (h, c) (``max_le_hc``, ``mean_le_hc``); means over the
    sequences, natural log per step, float64."""
    h, hc = model_spectrum(model, inputs), model_spectrum(model, inputs, state="hc")
    return {"max_le": float(h[0]), "mean_le": float(h.mean()), "max_le_hc": float(hc[0]),
            "mean_le_hc": float(hc.mean())}


def equilibrium_measures(model: SequenceModel) -> dict[str, float]:
    """``spectral_radius`` and ``max_real`` (the largest real part of an eigenvalue) at the equilibrium of the
    model's LSTM without input, found by the fixed-point homotopy from zero; NaN if it did not converge.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> measures = equilibrium_measures(SequenceModel(3, 8, 2, "class"))
    >>> sorted(measures), 0 < measures["spectral_radius"] < 1
    (['max_real', 'spectral_radius'], True)
    """
    equilibrium = find_equilibrium(AutonomousLSTM.from_torch(model.recurrent))
    if not equilibrium.converged:
        return {"spectral_radius": math.nan, "max_real": math.nan}
    return {"spectral_radius": float(equilibrium.spectral_radius), "max_real": float(equilibrium.max_real)}
