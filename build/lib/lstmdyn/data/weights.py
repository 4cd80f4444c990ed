"""Trained weights published with the papers: the PTB LSTM of Amrouche et al. (n = 200).

The authors' homotopy solver ships the network of their section 4.2 as a pickle of two TensorFlow
BasicLSTMCell arrays (see ``amrouche_ptb_weights`` in the registry and its PROVENANCE.md):
``kernel`` of shape (400, 800), rows 0..199 for the input and 200..399 for the hidden state, column blocks
i, j (the candidate, the paper's g), f, o; and ``bias`` of shape (800,).
"""

from __future__ import annotations

import numpy as np

from lstmdyn.data.registry import registry, restricted_load

__all__ = ["amrouche_ptb_weights"]

DATASET = "amrouche_ptb_weights"


def amrouche_ptb_weights() -> tuple[np.ndarray, np.ndarray]:
    """``(kernel, bias)`` of the authors' PTB network, as float64 arrays.

    Reads the ``.npz`` conversion when ``$LSTMDYN_DATA`` holds it, and otherwise the original pickle
    (from ``$LSTMDYN_DATA``, the cache or its URL) with an unpickler that admits numpy arrays only.
    """
    npz = registry.local_copy(registry.file(DATASET, "weights_AND_biases.npz"))
    if npz is not None:
        with np.load(npz, allow_pickle=False) as arrays:
            return arrays["kernel"].astype(np.float64), arrays["bias"].astype(np.float64)
    kernel, bias = restricted_load(registry.fetch(DATASET, "weights_AND_biases.pkl"))
    return np.asarray(kernel, dtype=np.float64), np.asarray(bias, dtype=np.float64)
