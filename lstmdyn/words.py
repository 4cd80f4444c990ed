"""Small helpers for the sentences the chapters compute: one way to list things in prose."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["duration", "join_words"]


def join_words(items: Sequence[str], conjunction: str = "and", *, clauses: bool = False) -> str:
    """``items`` as a list in a sentence: "a", "a and b", "a, b and c" (no comma before the last). With
    ``clauses``, the items are clauses with commas of their own, and a comma before the conjunction keeps them
    apart: "a, and b", "a, b, and c".

    Examples
    --------
    >>> join_words(["a"]), join_words(["a", "b"]), join_words(["a", "b", "c"]), join_words([])
    ('a', 'a and b', 'a, b and c', '')
    >>> join_words(["a", "b"], "or"), join_words(["x is 1, at last", "y is 2"], clauses=True)
    ('a or b', 'x is 1, at last, and y is 2')
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])}{',' if clauses else ''} {conjunction} {items[-1]}"


def duration(minutes: float) -> str:
    """A time in minutes as a reader takes it in: minutes up to 90, hours up to two days, then days (the number and
    its unit joined by a no-break space, so that a table cell never splits them).

    Examples
    --------
    >>> [t.replace("\u00a0", " ") for t in (duration(12.34), duration(150), duration(13788.4))]
    ['12.3 min', '2.5 h', '9.6 days']
    """
    if minutes <= 90:
        return f"{minutes:.1f}\u00a0min"
    if minutes <= 48 * 60:
        return f"{minutes / 60:.1f}\u00a0h"
    return f"{minutes / 1440:.1f}\u00a0days"
