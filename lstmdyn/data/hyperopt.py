"""The CharRNN grid search that Vogt et al. published with their code (``lyapunov_hyperopt_grid`` in the registry).

110 single-layer LSTMs of 512 units trained on War and Peace for 15 epochs (Adam, weights uniform on ±0.08): dropout
0, 0.02, …, 0.2 × learning rate 0.001, 0.002, …, 0.01. For each network the repository holds its validation loss
after every epoch and the mean and standard deviation of its Lyapunov spectrum after epochs 4 and 15, in the
authors' convention (the frame evolved by Jᵀ, logarithms to base 2: bits per step; see :mod:`lstmdyn.lyapunov`).
No weights are published.

The spectrum files are pickles of tensors saved the old way, a nested ``torch.save`` inside the pickle. They are
read by :func:`load_tensor_pickle`, which admits exactly the three names such a file uses and reads the nested
bytes with ``torch.load(weights_only=True)``: a file that names anything else, and so could run code, is refused.
"""

from __future__ import annotations

import collections
import io
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch._utils

from lstmdyn.data.registry import data_info, fetch, registry
from lstmdyn.errors import DataError

__all__ = ["GRID_EPOCHS", "SPECTRUM_EPOCHS", "load_hyperopt_grid", "load_tensor_pickle"]

DATASET = "lyapunov_hyperopt_grid"
GRID_EPOCHS = 15  #: epochs every network of the grid was trained for
SPECTRUM_EPOCHS = (4, 15)  #: the epochs after which the authors measured the spectra
_NAME = re.compile(r"lstm_L1_H512_drop(?P<dropout>[0-9.]+)_lr(?P<lr>[0-9.]+)_adam_uniform0\.08_valLossFull\.p")


def _storage_from_bytes(data: bytes):
    """A storage saved by ``torch.save`` inside the pickle, read with ``weights_only=True``."""
    return torch.load(io.BytesIO(data), weights_only=True)


class _TensorUnpickler(pickle.Unpickler):
    """Tuples, lists, numbers and tensors saved the old way; nothing else."""

    ALLOWED = {("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
               ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
               ("collections", "OrderedDict"): collections.OrderedDict}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return self.ALLOWED[module, name]


def load_tensor_pickle(path: str | Path):
    """The object of a pickle that holds tensors saved the old way (a nested ``torch.save``), read without
    running anything the file names but the tensor builders; :class:`~lstmdyn.errors.DataError` naming the
    file otherwise.

    Examples
    --------
    >>> import os, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "planted.p"
    >>> _ = path.write_bytes(pickle.dumps(os.system))            # would run a command when unpickled
    >>> try:
    ...     load_tensor_pickle(path)
    ... except DataError as e:
    ...     print(str(e).split(": ", 1)[1])
    refusing to unpickle posix.system
    """
    try:
        with open(path, "rb") as handle:
            return _TensorUnpickler(handle).load()
    except (pickle.UnpicklingError, EOFError, ValueError, RuntimeError) as e:
        raise DataError(f"{path}: {e}") from None


def load_hyperopt_grid() -> tuple[pd.DataFrame, object]:
    """The authors' grid: one row per network, with its ``dropout``, ``lr``, ``valid_losses`` (the validation loss
    after each of the 15 epochs, nats per character), and for each epoch E of :data:`SPECTRUM_EPOCHS` the spectrum's
    mean ``spectrum_eE`` (512 exponents in descending order, bits per step, the authors' convention) and standard
    deviation ``spectrum_std_eE`` over their evaluation sequences; and the data set's record.

    Examples
    --------
    >>> grid, info = load_hyperopt_grid()                          # doctest: +SKIP
    >>> len(grid), sorted(grid["dropout"].unique())[:3]            # doctest: +SKIP
    (110, [0.0, 0.02, 0.04])
    """
    names = sorted(registry.datasets[DATASET].files)
    rows = []
    for name in names:
        match = _NAME.fullmatch(name)
        if match is None:
            continue
        prefix = name.removesuffix("_valLossFull.p")
        with open(fetch(DATASET, name), "rb") as handle:
            losses = _TensorUnpickler(handle).load()
        row = {"dropout": round(float(match["dropout"]), 4), "lr": round(float(match["lr"]), 6),
               "valid_losses": [float(v) for v in losses]}
        for epoch in SPECTRUM_EPOCHS:
            mean, std = load_tensor_pickle(fetch(DATASET, f"{prefix}_e{epoch}_LEStats.p"))
            row[f"spectrum_e{epoch}"] = np.sort(mean.double().numpy())[::-1].copy()
            row[f"spectrum_std_e{epoch}"] = std.double().numpy()
        if len(row["valid_losses"]) != GRID_EPOCHS:
            raise DataError(f"{DATASET}/{name}: {len(row['valid_losses'])} validation losses, expected {GRID_EPOCHS}")
        rows.append(row)
    grid = pd.DataFrame(rows).sort_values(["lr", "dropout"], ignore_index=True)
    info = data_info(DATASET, networks=len(grid), units=512, epochs=GRID_EPOCHS,
                     dropouts=sorted(grid["dropout"].unique().tolist()), rates=sorted(grid["lr"].unique().tolist()))
    return grid, info
