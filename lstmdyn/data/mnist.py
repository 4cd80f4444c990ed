"""MNIST read row by row (Amrouche et al., section 4.1).

Each image is a sequence of its 28 rows, each row a vector of 28 pixel intensities scaled to [0, 1]. The
training set is the first 100 training images (the paper trains on 100 samples; the registry holds exactly
those, as the CSV of T. Rashid); the test set is the 10 000 test images.
"""

from __future__ import annotations

import gzip

import numpy as np
import torch

from lstmdyn.data.registry import DataInfo, data_info, fetch
from lstmdyn.errors import DataError

__all__ = ["load_mnist_rows", "read_idx"]


def read_idx(path, magic: int) -> np.ndarray:
    """An array from a gzipped IDX file (LeCun's format), checking its magic number."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise DataError(f"{path}: IDX magic number {found}, expected {magic}")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist_rows() -> tuple[dict[str, torch.Tensor], DataInfo]:
    """``({"train_x", "train_y", "test_x", "test_y"}, info)``; images of shape (N, 28 rows, 28 pixels)."""
    rows = [line.split(",") for line in fetch("mnist", "mnist_train_100.csv").read_text().splitlines()
            if line.strip()]
    train = np.array(rows, dtype=np.int64)
    test_x = read_idx(fetch("mnist", "t10k-images-idx3-ubyte.gz"), 2051)
    test_y = read_idx(fetch("mnist", "t10k-labels-idx1-ubyte.gz"), 2049)
    tensors = {"train_x": torch.tensor(train[:, 1:].reshape(-1, 28, 28) / 255.0, dtype=torch.float32),
               "train_y": torch.tensor(train[:, 0]),
               "test_x": torch.tensor(test_x / 255.0, dtype=torch.float32),
               "test_y": torch.tensor(test_y.astype(np.int64))}
    info = data_info("mnist", train=len(train), test=len(test_x), steps=28, input_width=28, classes=10)
    return tensors, info
