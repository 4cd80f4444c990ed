"""The guard against numbers typed into prose where the notebook computes them (lstmdyn.book.prose)."""

from __future__ import annotations

import nbformat

from lstmdyn.book.prose import glued_numbers, typed_numbers


def _notebook(markdown: str, **glued) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(markdown)]
    for name, value in glued.items():
        cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
            "display_data", data={"application/papermill.record/text/plain": repr(value)},
            metadata={"scrapbook": {"name": name}})]))
    return nbformat.v4.new_notebook(cells=cells)


def test_a_typed_count_or_rounded_measurement_is_found():
    nb = _notebook("An epoch has 3177 windows and the radius ends at 0.998.", windows=3177, radius=0.99812)
    assert typed_numbers(nb) == ["'3177' in cell 0 equals windows", "'0.998' in cell 0 equals radius"]
    assert glued_numbers(nb) == {"windows": 3177.0, "radius": 0.99812}


def test_glued_text_math_code_references_small_counts_and_quotes_are_not_findings():
    text = ("{glue:text}`windows` windows; $3177$ and `3177`; section 3177; 7 runs; the paper's 0.81; "
            "a time of 12 s")
    nb = _notebook(text, windows=3177, runs=7, claimed=0.81, seconds=12.4)
    assert typed_numbers(nb, allowed={"0.81"}) == []
    assert typed_numbers(nb) == ["'0.81' in cell 0 equals claimed"]
