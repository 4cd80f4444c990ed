"""Small helpers for the sentences the chapters compute: one way to list things in prose."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["join_words"]


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """``items`` as a list in a sentence: "a", "a and b", "a, b and c" (no comma before the last).

    Examples
    --------
    >>> join_words(["a"]), join_words(["a", "b"]), join_words(["a", "b", "c"]), join_words([])
    ('a', 'a and b', 'a, b and c', '')
    >>> join_words(["a", "b"], "or")
    'a or b'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
