"""Code shown on a page: the source of a function or class as a highlighted block, never as printed text."""

from __future__ import annotations

import inspect

from IPython.display import Markdown

__all__ = ["source"]


def source(obj) -> Markdown:
    """The source of ``obj`` (a function, method or class) as a Python code block.

    Examples
    --------
    >>> print(source(source).data.splitlines()[:2])
    ['```python', 'def source(obj) -> Markdown:']
    """
    return Markdown(f"```python\n{inspect.getsource(obj).rstrip()}\n```")
