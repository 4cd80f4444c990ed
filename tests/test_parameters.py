"""Reading the parameters cell, checking values, and the profile table."""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from conftest import ROOT
from lstmdyn.book.parameters import declared_parameters, resolve
from lstmdyn.errors import ParameterError
from lstmdyn.profiles import NOTEBOOKS, PROFILES


def _notebook(parameters_source: str, copies: int = 1) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_code_cell(parameters_source, metadata={"tags": ["parameters"]})
             for _ in range(copies)]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), *cells])


def _lstm_model():
    return declared_parameters(jupytext.read(ROOT / "notebooks" / "lstm_model.py"))


def test_parameters_are_read_with_defaults_and_help_in_order():
    declared = declared_parameters(_notebook("a = 1  # the a\nb: float = 0.5\nc = [1, 2]  # list\n"))
    assert list(declared) == ["a", "b", "c"]
    assert declared["a"].default == 1 and declared["a"].help == "the a"
    assert declared["b"].default == 0.5 and declared["b"].help == ""
    assert declared["c"].default == [1, 2]


@pytest.mark.parametrize(("source", "copies", "message"), [
    ("a = 1\n", 2, "exactly one cell"),
    ("a = f(1)\n", 1, "literal default"),
    ("a, b = 1, 2\n", 1, "is not 'name = value'"),
    ("a = 1  # a = one\n", 1, "more than one '='"),
])
def test_malformed_parameters_cells_are_rejected(source, copies, message):
    with pytest.raises(ParameterError, match=message):
        declared_parameters(_notebook(source, copies))


def test_unknown_parameter_is_rejected_by_name_with_the_valid_names():
    with pytest.raises(ParameterError) as error:
        resolve("lstm_model", _lstm_model(), "quick", {"no_such_param": "1"})
    assert "no_such_param" in str(error.value)
    assert "valid names: seed, n, T," in str(error.value)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("n", "1.5", "parameter n expects an integer"),
    ("n", "true", "parameter n expects an integer"),
    ("n", "1", "parameter n must be between 2 and 2048"),
    ("gains", "0.5", "parameter gains expects a non-empty list"),
    ("gains", "[0.5, -1]", "parameter gains must be between 0.01 and 10.0"),
    ("seed", "-1", "parameter seed must be between 0 and 4294967295, got -1"),
])
def test_bad_values_are_rejected_naming_the_parameter(name, value, message):
    with pytest.raises(ParameterError, match=message):
        resolve("lstm_model", _lstm_model(), "quick", {name: value})


def test_command_line_values_are_converted_to_the_type_of_the_default():
    values = resolve("lstm_model", _lstm_model(), "smoke", {"n": "32", "gains": "[1, 2.5]"})
    assert values["n"] == 32 and values["gains"] == [1.0, 2.5]
    assert isinstance(values["gains"][0], float)
    assert values["T"] == NOTEBOOKS["lstm_model"].smoke["T"]  # the profile still applies


def test_unknown_profile_is_rejected():
    with pytest.raises(ParameterError, match="unknown profile 'fast'"):
        resolve("lstm_model", _lstm_model(), "fast", {})


def test_every_notebook_has_a_profile_entry_and_every_entry_a_notebook():
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    assert notebooks == set(NOTEBOOKS)


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS))
@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_of_every_notebook_is_valid(notebook, profile):
    declared = declared_parameters(jupytext.read(ROOT / "notebooks" / f"{notebook}.py"))
    resolve(notebook, declared, profile, {})  # raises on an unknown name or a bad value


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS))
def test_the_profile_tables_quick_values_are_the_notebooks_parameters_cell(notebook):
    """The command line and the sweeps read the quick profile from the table without the book's extra; the notebook
    opened by hand runs with its parameters cell: the two must be one set of values, name for name."""
    declared = declared_parameters(jupytext.read(ROOT / "notebooks" / f"{notebook}.py"))
    cell = {name: p.default for name, p in declared.items() if name != "profile"}
    assert NOTEBOOKS[notebook].quick == cell
    assert list(NOTEBOOKS[notebook].quick) == list(cell), "in the cell's order"
