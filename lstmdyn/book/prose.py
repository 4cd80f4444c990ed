"""A guard against numbers typed into a page's prose that the notebook computes: a literal in a markdown
cell that equals a glued value (at the literal's precision) is a number that will be wrong at another
profile or seed, and should be glued instead."""

from __future__ import annotations

import json
import re
from numbers import Real

from nbformat import NotebookNode

__all__ = ["glued_numbers", "glued_texts", "page_prose", "typed_numbers"]

_ROLES = re.compile(r"\{[a-z:]+\}`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|`[^`]*`|\]\([^)]*\)|<[^>]*>", re.S)
_NUMBER = re.compile(r"(?<![\w.\-−])(\d+(?:\.\d+)?)(?![\w.]\d|\w)")
_REFERENCE = re.compile(r"(?:section|sections|sec\.|eq\.|eqs\.|fig\.|figs\.|table|appendix|algorithm|§)\s*$", re.I)


_PLAIN, _MARKDOWN = "application/papermill.record/text/plain", "application/papermill.record/text/markdown"


def _glued(nb: NotebookNode, kind: str) -> dict[str, str]:
    """The values an executed notebook glued, by name, as the text of MIME type ``kind`` they store."""
    found = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            text = out.get("data", {}).get(kind)
            if name and text is not None:
                found[name] = text
    return found


def _number(text: str):
    """A glued value as the page stores it: JSON, or Python's ``-inf``, ``inf`` and ``nan``, which JSON does not
    read."""
    try:
        return json.loads(text)
    except ValueError:
        return float(text)


def glued_numbers(nb: NotebookNode) -> dict[str, float]:
    """The numbers an executed notebook glued for its prose, by name."""
    found = {}
    for name, text in _glued(nb, _PLAIN).items():
        try:
            value = _number(text)
        except ValueError:
            continue
        if isinstance(value, Real) and not isinstance(value, bool):
            found[name] = float(value)
    return found


def glued_texts(nb: NotebookNode) -> dict[str, str]:
    """The Markdown sentences an executed notebook glued for its prose (``{glue:md}`name```), by name."""
    return _glued(nb, _MARKDOWN)


_GLUE = re.compile(r"\{glue:(text|md)\}`([^`:]+)(?::([^`]*))?`")


def page_prose(nb: NotebookNode) -> str:
    """The prose of an executed notebook as a reader sees it: its markdown cells, each glued value written in
    (numbers in their format); an unknown name is left as ``⟨name?⟩``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "The rate is {glue:text}`rate:.2f`: the norm {glue:md}`trend`.")])
    >>> nb.cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data={
    ...     "application/papermill.record/text/plain": "-1.3456"}, metadata={"scrapbook": {"name": "rate"}}),
    ...     nbformat.v4.new_output("display_data", data={"application/papermill.record/text/markdown": "shrinks"},
    ...                            metadata={"scrapbook": {"name": "trend"}})]))
    >>> page_prose(nb)
    'The rate is -1.35: the norm shrinks.'
    """
    glued = _glued(nb, _PLAIN) | _glued(nb, _MARKDOWN)

    def written(match: re.Match) -> str:
        kind, name, spec = match.groups()
        if name not in glued:
            return f"⟨{name}?⟩"
        if kind == "md" or not spec:
            return glued[name]
        return format(_number(glued[name]), spec)

    return "\n\n".join(_GLUE.sub(written, cell.source) for cell in nb.cells if cell.cell_type == "markdown")


def typed_numbers(nb: NotebookNode, *, allowed: set[str] = frozenset(), smallest: float = 10) -> list[str]:
    """Literal numbers in the markdown cells of an executed notebook that equal one of its glued numbers.

    Skipped: text inside roles, math and code; numbers that follow a reference word (section, eq.,
    table, …); integers below ``smallest``; and the literals in ``allowed`` (values quoted from a paper).
    A whole number is compared with whole glued values only (counts), a decimal with any glued value at the
    literal's precision.
    Each finding reads ``'3177' in cell 12 equals notts_epoch``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "An epoch has 3177 windows; {glue:text}`notts_epoch` in section 4.3 of 68 keys.")])
    >>> glue = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data={
    ...     "application/papermill.record/text/plain": "3177"}, metadata={"scrapbook": {"name": "notts_epoch"}})])
    >>> nb.cells.append(glue)
    >>> typed_numbers(nb)
    ["'3177' in cell 0 equals notts_epoch"]
    """
    glued = glued_numbers(nb)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or "lstmdyn-provenance" in cell.metadata.get("tags", []):
            continue
        text = _ROLES.sub(" ", cell.source)
        for match in _NUMBER.finditer(text):
            literal = match.group(1)
            if literal in allowed or _REFERENCE.search(text[:match.start()]):
                continue
            value = float(literal)
            if "." not in literal and value < smallest:
                continue
            decimals = len(literal.split(".")[1]) if "." in literal else 0
            for name, number in glued.items():
                if decimals == 0 and not float(number).is_integer():
                    continue  # a whole number in prose stands for a count, not for a rounded measurement
                if round(number, decimals) == value:
                    found.append(f"{literal!r} in cell {index} equals {name}")
                    break
    return found
