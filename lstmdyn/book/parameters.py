"""Notebook parameters: read them from the ``parameters`` cell, validate values, resolve a profile.

Each notebook declares its parameters in exactly one cell tagged ``parameters``, one literal assignment per
line with a trailing comment that says what the parameter is::

    n = 64  # hidden units

The defaults written there are the ``quick`` profile. :mod:`lstmdyn.profiles` holds the other profiles and
the admissible ranges. Every value, whether from a profile or from the command line, is checked before any
work starts: papermill on its own only warns about unknown names. A notebook that declares a parameter named
``profile`` receives the name of the profile it runs with there (for its results file); it is set by the
profile, never by ``-p``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from lstmdyn.errors import ParameterError
from lstmdyn.profiles import NOTEBOOKS, PROFILES, NotebookSpec

__all__ = ["Parameter", "check_value", "declared_parameters", "resolve", "suggested_runs"]


@dataclass(frozen=True)
class Parameter:
    """One parameter as declared in a notebook's ``parameters`` cell."""

    name: str
    default: Any
    help: str


def declared_parameters(nb: NotebookNode) -> dict[str, Parameter]:
    """The parameters declared in the one cell of ``nb`` tagged ``parameters``, in order."""
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"a notebook needs exactly one cell tagged 'parameters', found {len(cells)}")
    source = cells[0].source
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    for number, line in enumerate(source.splitlines(), 1):
        if line.count("=") > 1:  # papermill's own reader drops such a line with a warning
            raise ParameterError(f"line {number} of the parameters cell has more than one '=': {line!r}")
    found: dict[str, Parameter] = {}
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
            node.target if isinstance(node, ast.AnnAssign) else None)
        if not isinstance(target, ast.Name) or node.value is None:
            raise ParameterError(f"line {node.lineno} of the parameters cell is not 'name = value'")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(
                f"parameter {target.id} must have a literal default (number, string, bool or list)"
            ) from None
        found[target.id] = Parameter(target.id, default, comments.get(node.lineno, ""))
    return found


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a string"
    return "a list"


def _parse(text: str) -> Any:
    """A command-line value: a Python literal, ``true``/``false``, or else the text itself."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _coerce_scalar(name: str, value: Any, like: Any) -> Any:
    expected = _type_name(like)
    if isinstance(like, bool):
        ok = isinstance(value, bool)
    elif isinstance(like, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(like, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ParameterError(f"parameter {name} expects {expected}, got {value!r}")
    return value


def _check_range(name: str, value: Any, spec: NotebookSpec) -> None:
    if name in spec.limits and not isinstance(value, str | bool):
        lo, hi = spec.limits[name]
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"between {lo} and {hi}" if lo is not None and hi is not None else (
                f"at least {lo}" if lo is not None else f"at most {hi}")
            raise ParameterError(f"parameter {name} must be {bounds}, got {value!r}")
    if name in spec.choices and value not in spec.choices[name]:
        raise ParameterError(f"parameter {name} must be one of {', '.join(map(str, spec.choices[name]))}"
                             f", got {value!r}")


def check_value(name: str, value: Any, parameter: Parameter, spec: NotebookSpec) -> Any:
    """``value`` converted to the type of the parameter's default, or a :class:`ParameterError`.

    A string is parsed as on the command line unless the parameter itself is a string.
    """
    default = parameter.default
    if isinstance(value, str) and not isinstance(default, str):
        value = _parse(value)
    if isinstance(default, list | tuple):
        if not isinstance(value, list | tuple) or not value:
            raise ParameterError(f"parameter {name} expects a non-empty list like {list(default)!r}, "
                                 f"got {value!r}")
        like = default[0] if default else value[0]
        value = [_coerce_scalar(name, v, like) for v in value]
        for v in value:
            _check_range(name, v, spec)
        return value
    value = _coerce_scalar(name, value, default)
    _check_range(name, value, spec)
    return value


def resolve(notebook: str, declared: Mapping[str, Parameter], profile: str,
            overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The full parameter set of one run: defaults, then the profile's values, then ``overrides``.

    Raises
    ------
    ParameterError
        For an unknown profile, an unknown parameter name (the message lists the valid names), a
        value of the wrong type or out of range (the message names the parameter), or a group of counts
        (:attr:`~lstmdyn.profiles.NotebookSpec.at_least_one`) all 0.
    """
    if profile not in PROFILES:
        raise ParameterError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if notebook not in NOTEBOOKS:
        raise ParameterError(f"notebook {notebook} has no entry in lstmdyn.profiles.NOTEBOOKS")
    spec = NOTEBOOKS[notebook]
    if "profile" in overrides:
        raise ParameterError("parameter profile is the profile's name: choose it with --profile, not -p")
    values: dict[str, Any] = {}
    for source, given in (("profile " + profile, spec.profile(profile)), ("command line", overrides)):
        for name, value in given.items():
            if name not in declared:
                raise ParameterError(
                    f"unknown parameter {name!r} ({source}) for notebook {notebook}; "
                    f"valid names: {', '.join(declared)}")
            values[name] = check_value(name, value, declared[name], spec)
    resolved = {name: check_value(name, p.default, p, spec) for name, p in declared.items()}
    resolved.update(values)
    for group in spec.at_least_one:
        if all(resolved[name] == 0 for name in group):
            raise ParameterError(f"at least one of {', '.join(group)} must be above 0: with all of them 0 "
                                 f"notebook {notebook} has nothing to run")
    if "profile" in declared:
        resolved["profile"] = profile
    return resolved


_SUGGESTION = re.compile(r"`python -m lstmdyn run (\w+)((?: -p \w+ (?:'[^']*'|[^\s`']+))+)[^`]*`")
_SETTING = re.compile(r"-p (\w+) ('[^']*'|[^\s`']+)")


def suggested_runs(nb: NotebookNode) -> list[tuple[str, dict[str, str]]]:
    """The runs a chapter's *What to try* section suggests: ``(notebook, {name: value})`` for every
    ``python -m lstmdyn run NAME -p NAME VALUE …`` command in its markdown cells that sets parameters, values as
    written on the command line (quotes removed).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "## What to try\\n- `python -m lstmdyn run lyapunov -p gains '[1.5, 2.0]' -p n 8`: finer.")])
    >>> suggested_runs(nb)
    [('lyapunov', {'gains': '[1.5, 2.0]', 'n': '8'})]
    """
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for notebook, settings in _SUGGESTION.findall(" ".join(cell.source.replace("#", " ").split())):
            found.append((notebook, {name: value.strip("'") for name, value in _SETTING.findall(settings)}))
    return found
