"""War and Peace, character by character (Vogt et al., appendix A.1; Karpathy's char-rnn corpus).

The vocabulary is built from the text itself (82 distinct characters, sorted); the text is split 80/10/10
in order into training, validation and test characters, and cut into sequences of 100 characters whose
targets are the next characters.
"""

from __future__ import annotations

import torch

from lstmdyn.data.registry import DataInfo, data_info, fetch

__all__ = ["char_sequences", "load_war_and_peace"]


def load_war_and_peace() -> tuple[dict[str, torch.Tensor], list[str], DataInfo]:
    """``({"train", "valid", "test"}: character ids, vocabulary, info)``."""
    text = fetch("war_and_peace", "input.txt").read_text(encoding="utf-8")
    vocabulary = sorted(set(text))
    index = {ch: k for k, ch in enumerate(vocabulary)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    a, b = int(0.8 * len(ids)), int(0.9 * len(ids))
    splits = {"train": ids[:a], "valid": ids[a:b], "test": ids[b:]}
    info = data_info("war_and_peace", characters=len(text), vocabulary=len(vocabulary),
                     **{f"{k} characters": len(v) for k, v in splits.items()})
    return splits, vocabulary, info


def char_sequences(ids: torch.Tensor, length: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping sequences ``(inputs, targets)`` of shape (N, length); targets are shifted by one."""
    count = (len(ids) - 1) // length
    return ids[:count * length].view(count, length), ids[1:count * length + 1].view(count, length)
