"""The data layer: a registry of the real data files (verified by sha256) and one loader per data set,
each returning tensors with a :class:`DataInfo` record; plus the synthetic sequence tasks."""

from lstmdyn.data.mnist import load_mnist_rows
from lstmdyn.data.mocap import load_mocap
from lstmdyn.data.music import MelodyChordCode, load_piano_rolls, melody_chord_windows, roll_windows
from lstmdyn.data.ptb import batchify, bptt_windows, load_ptb
from lstmdyn.data.registry import DataInfo, fetch, registry
from lstmdyn.data.text import char_sequences, load_war_and_peace

__all__ = ["DataInfo", "MelodyChordCode", "batchify", "bptt_windows", "char_sequences", "fetch", "load_mnist_rows",
           "load_mocap", "load_piano_rolls", "load_ptb", "load_war_and_peace", "melody_chord_windows", "registry",
           "roll_windows"]
