"""Trained weights published with the papers: the PTB LSTM of Amrouche et al. (n = 200).

The authors' homotopy solver ships the network of their section 4.2 as a pickle of two TensorFlow
BasicLSTMCell arrays (see ``amrouche_ptb_weights`` in the registry and its PROVENANCE.md):
``kernel`` of shape (400, 800), rows 0..199 for the input and 200..399 for the hidden state, column blocks
i, j (the candidate, the paper's g), f, o; and ``bias`` of shape (800,).
"""

from __future__ import annotations

import numpy as np

from lstmdyn.cells import LSTMParameters
from lstmdyn.data.registry import registry, restricted_load

__all__ = ["amrouche_ptb_weights", "tf_lstm_parameters"]

DATASET = "amrouche_ptb_weights"


def amrouche_ptb_weights() -> tuple[np.ndarray, np.ndarray]:
    """``(kernel, bias)`` of the authors' PTB network, as float64 arrays.

    Reads the ``.npz`` conversion when ``$LSTMDYN_DATA`` holds it, and otherwise the original pickle
    (from ``$LSTMDYN_DATA``, the cache or its URL) with an unpickler that admits numpy arrays only.

    Examples
    --------
    >>> kernel, bias = amrouche_ptb_weights()
    >>> kernel.shape, bias.shape
    ((400, 800), (800,))
    """
    npz = registry.local_copy(registry.file(DATASET, "weights_AND_biases.npz"))
    if npz is not None:
        with np.load(npz, allow_pickle=False) as arrays:
            return arrays["kernel"].astype(np.float64), arrays["bias"].astype(np.float64)
    kernel, bias = restricted_load(registry.fetch(DATASET, "weights_AND_biases.pkl"))
    return np.asarray(kernel, dtype=np.float64), np.asarray(bias, dtype=np.float64)


def tf_lstm_parameters(kernel: np.ndarray, bias: np.ndarray, forget_bias: float = 0.0) -> LSTMParameters:
    """The float64 :class:`~lstmdyn.cells.LSTMParameters` of a TensorFlow ``BasicLSTMCell``.

    ``kernel`` has shape (m + n, 4n): rows for the input x, then the hidden state h; column blocks i, j (the
    candidate, g), f, o, so that a gate's pre-activation is ``[x, h] @ kernel[:, block] + bias[block]``.
    ``forget_bias`` is the constant TensorFlow adds to the forget gate at run time (1.0 by default in
    TensorFlow); the stored arrays do not contain it, and it is added to ``b_f`` here.

    Examples
    --------
    >>> n, m = 2, 3
    >>> kernel, bias = np.arange(40.0).reshape(5, 8), np.arange(8.0)
    >>> cell = tf_lstm_parameters(kernel, bias, forget_bias=1.0)
    >>> cell.W.shape, cell.U.shape, cell.block("f")[2]          # the f block is TensorFlow's third
    ((8, 2), (8, 3), array([5., 6.]))
    """
    kernel, bias = np.asarray(kernel, dtype=np.float64), np.asarray(bias, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[1] % 4:
        raise ValueError(f"kernel must have shape (m + n, 4n), got {kernel.shape}")
    n = kernel.shape[1] // 4
    if kernel.shape[0] < n:
        raise ValueError(f"kernel has {kernel.shape[0]} rows, fewer than the n = {n} hidden units")
    if bias.shape != (4 * n,):
        raise ValueError(f"bias must have shape ({4 * n},), got {bias.shape}")
    order = [slice(j * n, (j + 1) * n) for j in (0, 2, 1, 3)]  # TensorFlow's i, j, f, o as i, f, g, o
    columns = np.concatenate([kernel[:, s] for s in order], axis=1)
    b = np.concatenate([bias[s] for s in order])
    b[n:2 * n] += forget_bias
    m = kernel.shape[0] - n
    return LSTMParameters(W=columns[m:].T.copy(), b=b, U=columns[:m].T.copy() if m else None)
