"""Synthetic sequence tasks, generated from a seed: Reber grammars, binary counting, alternation.

These are not stand-ins for real data: they are the tasks the student report on LSTMs used, and they
have known answers (the legal next symbols of a grammar, the next number of a count).

The Reber grammar (Reber 1967; used by Hochreiter & Schmidhuber 1997) is a finite automaton over the
symbols B, T, S, X, P, V, E::

    0 -B-> 1,  1 -T-> 2,  1 -P-> 3,  2 -S-> 2,  2 -X-> 4,  3 -T-> 3,  3 -V-> 5,
    4 -X-> 3,  4 -S-> 6,  5 -P-> 4,  5 -V-> 6,  6 -E-> end

The embedded Reber grammar wraps a Reber string as ``B T <reber> T E`` or ``B P <reber> P E``: the
symbol before the final E must repeat the second symbol, a dependency across the whole inner string.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SYMBOLS", "alternation", "binary_counting", "embedded_reber_string", "is_embedded_reber",
           "is_reber", "legal_next", "one_hot", "reber_string", "to_bits"]

SYMBOLS = "BTSXPVE"
_REBER = {0: {"B": 1}, 1: {"T": 2, "P": 3}, 2: {"S": 2, "X": 4}, 3: {"T": 3, "V": 5},
          4: {"X": 3, "S": 6}, 5: {"P": 4, "V": 6}, 6: {"E": None}}


def reber_string(rng: np.random.Generator) -> str:
    """A random string of the Reber grammar, each branch taken with probability ½."""
    state, out = 0, []
    while state is not None:
        symbol = rng.choice(sorted(_REBER[state]))
        out.append(symbol)
        state = _REBER[state][symbol]
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """A random string of the embedded Reber grammar: ``B x <Reber string> x E`` with x = T or P."""
    x = rng.choice(["T", "P"])
    return f"B{x}{reber_string(rng)}{x}E"


def _reber_states(string: str) -> list[int | None] | None:
    """The automaton states after each symbol of a Reber string, or None if a symbol is illegal."""
    state, states = 0, []
    for symbol in string:
        if state is None or symbol not in _REBER[state]:
            return None
        state = _REBER[state][symbol]
        states.append(state)
    return states


def is_reber(string: str) -> bool:
    """Whether ``string`` is a complete string of the Reber grammar."""
    states = _reber_states(string)
    return states is not None and len(states) > 0 and states[-1] is None


def is_embedded_reber(string: str) -> bool:
    """Whether ``string`` is a complete string of the embedded Reber grammar."""
    return (len(string) >= 4 and string[0] == "B" and string[1] in "TP" and string[-2] == string[1]
            and string[-1] == "E" and is_reber(string[2:-2]))


def legal_next(string: str, embedded: bool = False) -> list[set[str]]:
    """For each prefix ``string[:t + 1]`` of a valid string, the set of symbols that may follow it.

    The last entry (after the final E) is empty.
    """
    if not embedded:
        states = _reber_states(string)
        if states is None:
            raise ValueError(f"{string!r} is not a prefix of a Reber string")
        return [set(_REBER[s]) if s is not None else set() for s in states]
    if not is_embedded_reber(string):
        raise ValueError(f"{string!r} is not an embedded Reber string")
    inner = legal_next(string[2:-2])
    inner[-1] = {string[1]}  # after the inner E comes the repeated second symbol
    return [{"T", "P"}, {"B"}, *inner, {"E"}, set()]


def one_hot(string: str) -> np.ndarray:
    """One-hot vectors over :data:`SYMBOLS`, shape ``(len(string), 7)``."""
    out = np.zeros((len(string), len(SYMBOLS)))
    out[np.arange(len(string)), [SYMBOLS.index(s) for s in string]] = 1.0
    return out


def to_bits(numbers: np.ndarray, width: int = 4) -> np.ndarray:
    """Binary vectors, most significant bit first: shape ``(len(numbers), width)``."""
    numbers = np.asarray(numbers)
    if numbers.min() < 0 or numbers.max() >= 2**width:
        raise ValueError(f"numbers must lie in [0, {2 ** width - 1}] to fit in {width} bits")
    return (numbers[:, None] >> np.arange(width - 1, -1, -1)) & 1


def binary_counting(repeats: int = 1, start: int = 1, stop: int = 9) -> np.ndarray:
    """The numbers start..stop as 4-bit vectors, repeated: the task is to predict the next one."""
    return to_bits(np.tile(np.arange(start, stop + 1), repeats)).astype(float)


def alternation(a: int, b: int, length: int) -> np.ndarray:
    """The numerals a, b, a, b, … as 4-bit vectors, ``length`` of them."""
    return to_bits(np.where(np.arange(length) % 2 == 0, a, b)).astype(float)
