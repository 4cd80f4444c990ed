"""What a chapter page shows besides figures: numbers computed by the notebook, glued into its prose."""

from __future__ import annotations

from numbers import Integral, Real

from myst_nb import glue

__all__ = ["glue_numbers"]


def glue_numbers(**values: Real) -> None:
    """Make each value available to the page's prose as ``{glue:text}`name:format```.

    numpy scalars are converted to Python numbers first: the page formats the stored text, and
    ``np.float64(0.5)`` is not a number to it.
    """
    for name, value in values.items():
        glue(name, int(value) if isinstance(value, Integral) else float(value), display=False)
