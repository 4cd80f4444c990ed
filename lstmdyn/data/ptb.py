"""Penn Treebank words (Amrouche et al., section 4.2; Mikolov's preprocessing).

Each line is a sentence; the tokens of a split are its words with ``<eos>`` at every line end. The
vocabulary (10 000 words, ``<unk>`` and ``<eos>`` included) is built from the training split in order of
first appearance. For truncated backpropagation through time, a split is cut into ``batch`` parallel
streams (:func:`batchify`) read in windows of a fixed length (:func:`bptt_windows`).
"""

from __future__ import annotations

import torch

from lstmdyn.data.registry import DataInfo, data_info, fetch
from lstmdyn.errors import DataError

__all__ = ["batchify", "bptt_windows", "load_ptb"]


def _tokens(split: str) -> list[str]:
    text = fetch("ptb", f"ptb.{split}.txt").read_text()
    return [word for line in text.splitlines() for word in [*line.split(), "<eos>"]]


def load_ptb() -> tuple[dict[str, torch.Tensor], list[str], DataInfo]:
    """``({"train", "valid", "test"}: token ids, vocabulary, info)``."""
    tokens = {split: _tokens(split) for split in ("train", "valid", "test")}
    vocabulary = list(dict.fromkeys(tokens["train"]))
    index = {word: k for k, word in enumerate(vocabulary)}
    ids = {}
    for split, words in tokens.items():
        unknown = {w for w in words if w not in index}
        if unknown:
            raise DataError(f"ptb.{split}.txt has {len(unknown)} words outside the training vocabulary, "
                            f"e.g. {sorted(unknown)[:3]}")
        ids[split] = torch.tensor([index[w] for w in words])
    info = data_info("ptb", vocabulary=len(vocabulary), **{f"{k} tokens": len(v) for k, v in ids.items()})
    return ids, vocabulary, info


def batchify(ids: torch.Tensor, batch: int) -> torch.Tensor:
    """Cut a token stream into ``batch`` parallel streams, shape ``(batch, steps)``; the rest is dropped."""
    steps = len(ids) // batch
    return ids[:batch * steps].view(batch, steps)


def bptt_windows(streams: torch.Tensor, length: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive windows ``(inputs, targets)`` of ``length`` steps; targets are the next tokens."""
    return [(streams[:, i:i + length], streams[:, i + 1:i + 1 + length])
            for i in range(0, streams.shape[1] - 1 - length + 1, length)]
