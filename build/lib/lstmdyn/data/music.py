"""Polyphonic music as binary piano rolls: Nottingham (Amrouche et al., section 4.3) and JSB chorales.

Boulanger-Lewandowski et al.'s rolls have 88 columns, column k being MIDI pitch k + 21, one row per time
step, train/valid/test as given. The loader crops them to the contiguous pitch range actually used in any
split; the next frame (which notes sound) is the prediction target. Amrouche et al. report inputs of width
68 for Nottingham, melody and chords apart; this piano roll keeps all notes in one vector instead, so its
width is that of the pitch range.
"""

from __future__ import annotations

import numpy as np
import scipy.io
import torch

from lstmdyn.data.registry import DataError, DataInfo, data_info, fetch

__all__ = ["MAT_FILES", "load_piano_rolls", "roll_windows"]

MAT_FILES = {"nottingham": "Nottingham.mat", "jsb_chorales": "JSB_Chorales.mat"}


def load_piano_rolls(name: str = "nottingham") -> tuple[dict[str, list[torch.Tensor]], DataInfo]:
    """``({"train", "valid", "test"}: lists of (T, pitches) float tensors, info)``."""
    if name not in MAT_FILES:
        raise DataError(f"unknown piano-roll data set {name!r}; known: {', '.join(MAT_FILES)}")
    mat = scipy.io.loadmat(fetch(name, MAT_FILES[name]))
    rolls = {split: [np.asarray(r, dtype=np.float32) for r in mat[f"{split}data"][0]]
             for split in ("train", "valid", "test")}
    used = np.flatnonzero(np.any([r.any(0) for split in rolls.values() for r in split], axis=0))
    low, high = int(used.min()), int(used.max())
    tensors = {split: [torch.from_numpy(r[:, low:high + 1]) for r in split_rolls]
               for split, split_rolls in rolls.items()}
    info = data_info(name, pitches=high - low + 1, lowest_midi=low + 21, highest_midi=high + 21,
                     **{f"{k} sequences": len(v) for k, v in tensors.items()},
                     **{f"{k} steps": sum(len(r) for r in v) for k, v in tensors.items()})
    return tensors, info


def roll_windows(rolls: list[torch.Tensor], length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping windows of ``length`` frames from every roll, with the next frames as targets."""
    x = [r[i:i + length] for r in rolls for i in range(0, len(r) - length, length)]
    y = [r[i + 1:i + 1 + length] for r in rolls for i in range(0, len(r) - length, length)]
    return torch.stack(x), torch.stack(y)
