"""Polyphonic music as binary piano rolls: Nottingham (Amrouche et al., section 4.3) and JSB chorales.

Boulanger-Lewandowski et al.'s rolls have 88 columns, column k being MIDI pitch k + 21, one row per time
step, train/valid/test as given. The loader crops them to the contiguous pitch range actually used in any
split; the next frame (which notes sound) is the prediction target. Amrouche et al. report inputs of width
68 for Nottingham, melody and chords apart; :class:`MelodyChordCode` reconstructs such an encoding from the
rolls, and the piano roll itself, all notes in one vector as wide as the pitch range, is kept beside it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.io
import torch

from lstmdyn.data.registry import DataInfo, data_info, fetch
from lstmdyn.errors import DataError

__all__ = ["MAT_FILES", "MelodyChordCode", "load_piano_rolls", "melody_chord_windows", "roll_windows"]

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


@dataclass(frozen=True)
class MelodyChordCode:
    """Amrouche et al.'s 68-wide Nottingham input (section 4.3: "the first half of the input vector represents
    the basic musical notes (or the melodies) and the second part the chords"), reconstructed from the piano
    rolls, since their encoding is not public.

    Each frame becomes two classes. The *melody* is the highest sounding note, one of 34 values: a rest, or one
    of 33 consecutive pitches, the 33-semitone range that holds the most melody notes of the training rolls
    (a note outside it is moved into it by octaves). The *chord* is the set of the other sounding notes, one of
    34 classes: the 33 most frequent sets of the training rolls (the empty set among them when it is), or
    "other". The input is the two one-hot vectors side by side, 68 wide.

    Examples
    --------
    >>> roll = torch.zeros(4, 40)
    >>> roll[0, [0, 4, 7, 30]] = 1; roll[1, [0, 4, 7, 32]] = 1; roll[2, [0, 4, 7]] = 1      # C–E–G under a tune
    >>> code = MelodyChordCode.fit([roll])
    >>> code.encode(roll).tolist()   # (melody, chord): C–E–G is the commonest chord, melody 0 a rest
    [[31, 0], [33, 0], [8, 1], [0, 2]]
    >>> code.one_hot(code.encode(roll)).shape
    torch.Size([4, 68])
    """

    low: int  #: the roll column of the lowest of the 33 melody pitches
    chords: tuple[tuple[int, ...], ...]  #: the 33 chord classes, as roll columns; class 33 is "other"

    PITCHES = 33  #: melody pitches (a rest is the 34th value)
    CLASSES = 34  #: values of each half: melody pitches and a rest; chords and "other"

    @classmethod
    def fit(cls, rolls: list[torch.Tensor]) -> MelodyChordCode:
        """The melody range and the chord classes of the training ``rolls``."""
        melody: Counter[int] = Counter()
        chords: Counter[tuple[int, ...]] = Counter()
        for roll in rolls:
            for frame in roll:
                notes = tuple(torch.nonzero(frame).flatten().tolist())
                if notes:
                    melody[notes[-1]] += 1
                chords[notes[:-1]] += 1
        width = max(melody) + 1
        counts = np.bincount(list(melody.elements()), minlength=width + cls.PITCHES)
        low = int(np.argmax([counts[k:k + cls.PITCHES].sum() for k in range(width)]))
        return cls(low, tuple(chord for chord, _ in chords.most_common(cls.CLASSES - 1)))

    def encode(self, roll: torch.Tensor) -> torch.Tensor:
        """The (T, 2) long tensor of melody and chord classes of a (T, pitches) roll; melody 0 is a rest,
        melody k > 0 the pitch ``low + k − 1``."""
        index = {chord: k for k, chord in enumerate(self.chords)}
        codes = []
        for frame in roll:
            notes = tuple(torch.nonzero(frame).flatten().tolist())
            if not notes:
                codes.append((0, index.get((), self.CLASSES - 1)))
                continue
            pitch = notes[-1]
            while pitch < self.low:
                pitch += 12
            while pitch >= self.low + self.PITCHES:
                pitch -= 12
            codes.append((pitch - self.low + 1, index.get(notes[:-1], self.CLASSES - 1)))
        return torch.tensor(codes, dtype=torch.long, device=roll.device)

    def folded(self, roll: torch.Tensor) -> torch.Tensor:
        """Per frame of a (T, pitches) roll, whether its melody note lies outside the 33 pitches, so that
        :meth:`encode` moves it in by octaves.

        Examples
        --------
        >>> code = MelodyChordCode(low=12, chords=())
        >>> roll = torch.zeros(3, 60); roll[0, 5] = 1; roll[1, 20] = 1; roll[2, [20, 50]] = 1
        >>> code.folded(roll).tolist()   # below the range, inside it, above it (the highest note counts)
        [True, False, True]
        """
        sounding = roll.any(-1)
        highest = roll.shape[-1] - 1 - torch.argmax(roll.flip(-1).ne(0).int(), dim=-1)
        return sounding & ((highest < self.low) | (highest >= self.low + self.PITCHES))

    def one_hot(self, codes: torch.Tensor) -> torch.Tensor:
        """The 68-wide inputs of (…, 2) class codes: melody one-hot, then chord one-hot."""
        hot = torch.nn.functional.one_hot(codes, self.CLASSES).float()
        return hot.flatten(-2)


def melody_chord_windows(rolls: list[torch.Tensor], code: MelodyChordCode, length: int
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """Non-overlapping windows of ``length`` frames, as :func:`roll_windows`: 68-wide one-hot inputs
    (:meth:`MelodyChordCode.one_hot`) and the next frames' (melody, chord) classes as targets."""
    codes = [code.encode(r) for r in rolls]
    x = [c[i:i + length] for c in codes for i in range(0, len(c) - length, length)]
    y = [c[i + 1:i + 1 + length] for c in codes for i in range(0, len(c) - length, length)]
    return code.one_hot(torch.stack(x)), torch.stack(y)
