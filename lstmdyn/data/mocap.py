"""CMU motion capture (Vogt et al., appendix A.2, with the preprocessing of Li et al. 2018).

Four actions: basketball, soccer, walking, jumping; 117 values per frame (exponential-map joint angles,
root position and rotation). Every second frame is kept. Files 1–4 of each action are for training and
file 5 for validation (the paper's "80/20" split read as a split by whole recordings, mixed over actions, so that no
validation frame is in a training window; the paper's words would allow a split in time as well); the test folder
is the test set. The
mean and standard deviation of each dimension over the frames of the training split alone (files 1–4, so
that nothing of the validation or test files leaks into the inputs) decide which dimensions are used
(std ≥ 1e-4) and normalise them; the first 20 of those are kept.
Samples are windows of 25 frames, the targets being the same windows one frame later (next-frame
prediction, mean-squared error).
"""

from __future__ import annotations

import numpy as np
import torch

from lstmdyn.data.registry import DataInfo, data_info, fetch

__all__ = ["ACTIONS", "load_mocap", "mocap_sequences"]

ACTIONS = ("basketball", "soccer", "walking", "jumping")
SPLITS = {"train": ("train", (1, 2, 3, 4)), "valid": ("train", (5,)), "test": ("test", (1,))}


def _frames(folder: str, action: str, k: int) -> np.ndarray:
    path = fetch("cmu_mocap", f"{folder}/{action}/{action}_{k}.txt")
    return np.loadtxt(path, delimiter=",", dtype=np.float64)[::2]


def mocap_sequences(features: int = 20) -> tuple[dict[str, dict[tuple[str, int], np.ndarray]], dict]:
    """The normalised recordings ``{split: {(action, file number): frames × features}}`` and the facts
    of the normalisation."""
    folder, numbers = SPLITS["train"]
    every = np.concatenate([_frames(folder, a, k) for a in ACTIONS for k in numbers])
    mean, std = every.mean(0), every.std(0)
    used = np.flatnonzero(std >= 1e-4)
    keep = used[:features]
    sequences = {split: {(a, k): (_frames(folder, a, k)[:, keep] - mean[keep]) / std[keep]
                         for a in ACTIONS for k in numbers} for split, (folder, numbers) in SPLITS.items()}
    facts = {"dimensions": every.shape[1], "used_dimensions": len(used), "features": len(keep),
             "training_frames": len(every)}
    return sequences, facts


def _windows(sequences: list[np.ndarray], length: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = [s[i:i + length] for s in sequences for i in range(len(s) - length)]
    y = [s[i + 1:i + 1 + length] for s in sequences for i in range(len(s) - length)]
    return torch.tensor(np.array(x), dtype=torch.float32), torch.tensor(np.array(y), dtype=torch.float32)


def load_mocap(window: int = 25, features: int = 20) -> tuple[dict[str, tuple[torch.Tensor, torch.Tensor]],
                                                              DataInfo]:
    """``({"train", "valid", "test"}: (inputs, targets) of shape (N, window, features), info)``."""
    sequences, facts = mocap_sequences(features)
    splits = {split: _windows(list(recordings.values()), window) for split, recordings in sequences.items()}
    info = data_info("cmu_mocap", **facts, window=window, **{f"{k} windows": len(v[0]) for k, v in splits.items()})
    return splits, info
