"""What a reader sees for the package's keys: one table of display names for the words that name facts, sweeps,
tasks and devices in the pages' prose and tables."""

from __future__ import annotations

import re

__all__ = ["DISPLAY_NAMES", "counted", "display_name", "public_paths"]

#: Display names of the keys that appear on pages: the facts of the data sets' records, the sweeps, the devices
DISPLAY_NAMES = {
    "input_width": "inputs per step", "steps": "time steps", "classes": "classes", "train": "training images",
    "test": "test images", "dimensions": "recorded dimensions", "used_dimensions": "dimensions that vary",
    "features": "features used", "training_frames": "training frames", "window": "frames per window",
    "pitches": "pitches", "lowest_midi": "lowest MIDI note", "highest_midi": "highest MIDI note",
    "vocabulary": "vocabulary", "characters": "characters", "networks": "networks", "units": "units",
    "epochs": "epochs", "dropouts": "dropout rates", "rates": "learning rates",
    "charrnn": "CharRNN", "charrnn_init": "CharRNN across p", "mocap": "motion capture",
    "mocap_residual": "motion capture, residual read-out", "cpu": "CPU", "cuda": "GPU",
}


def display_name(key: str) -> str:
    """The words for ``key`` on a page: its entry in :data:`DISPLAY_NAMES`, else the key with underscores as spaces
    (keys such as ``"train tokens"`` already read as words).

    Examples
    --------
    >>> display_name("lowest_midi"), display_name("charrnn"), display_name("valid tokens")
    ('lowest MIDI note', 'CharRNN', 'valid tokens')
    """
    return DISPLAY_NAMES.get(key, key.replace("_", " "))


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and ``word``, plural unless ``n`` is 1 (``plural`` where adding "s" is wrong).

    Examples
    --------
    >>> counted(1, "seed"), counted(0, "run"), counted(3, "run"), counted(2, "checkpoint", "checkpoints")
    ('1 seed', '0 runs', '3 runs', '2 checkpoints')
    """
    return f"{n} {word if n == 1 else plural or word + 's'}"


def public_paths(text: str) -> str:
    """``text`` with every absolute path of the machine that measured it cut to its last part, which a reader can
    use (the folder's name), not the folder on that machine.

    Examples
    --------
    >>> public_paths("lyapunov.py --authors /tmp/lyapunov-hyperopt --threads 1")
    'lyapunov.py --authors lyapunov-hyperopt --threads 1'
    >>> public_paths("/src/lyapunov-hyperopt/, not a git checkout")
    'lyapunov-hyperopt, not a git checkout'
    """
    return re.sub(r"(?<![\w.])/(?:[^\s,;:()]+/)*([^\s,;:()/]+)/?", r"\1", text)
