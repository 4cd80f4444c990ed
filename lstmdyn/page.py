"""What a chapter page shows besides figures: tables, and numbers and sentences computed by the notebook,
glued into its prose with ``{glue:text}`name:format``` and ``{glue:md}`name```."""

from __future__ import annotations

from numbers import Integral, Real

import pandas as pd
from IPython.display import Markdown
from myst_nb import glue
from pandas.io.formats.style import Styler

__all__ = ["glue_numbers", "glue_text", "table"]


def glue_numbers(**values: Real) -> None:
    """Make each number available to the page's prose as ``{glue:text}`name:format```.

    numpy scalars are converted to Python numbers first: the page formats the stored text, and
    ``np.float64(0.5)`` is not a number to it.
    """
    for name, value in values.items():
        glue(name, int(value) if isinstance(value, Integral) else float(value), display=False)


def glue_text(**texts: str) -> None:
    """Make each Markdown text available to the page's prose as ``{glue:md}`name```, for statements that
    depend on the computed results."""
    for name, text in texts.items():
        glue(name, Markdown(text), display=False)


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None, precision: int = 3) -> Styler:
    """A results table as the book shows it: no index, numbers to ``precision`` digits unless a column has
    its own format in ``formats`` (``{"residual": "{:.1e}"}``)."""
    return frame.style.format(formats or {}, precision=precision).hide(axis="index")
