"""The data-set record table, its facts under their display names (:mod:`lstmdyn.names`)."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from lstmdyn.book.page import table
from lstmdyn.names import display_name

__all__ = ["record_table"]


def record_table(info) -> Styler:
    """A data set's record (:class:`lstmdyn.data.DataInfo`) as a two-column table: origin, license, then its facts
    under their display names.

    Examples
    --------
    >>> from lstmdyn.data.registry import DataInfo
    >>> frame = record_table(DataInfo("mnist", "LeCun et al.", "CC BY-SA 3.0", {"input_width": 28})).data
    >>> frame.iloc[:, 0].tolist()
    ['origin', 'license', 'inputs per step']
    """
    rows = [("origin", info.origin), ("license", info.license),
            *((display_name(key), value) for key, value in info.facts.items())]
    return table(pd.DataFrame(rows, columns=["", info.name])).set_properties(**{"text-align": "left"})
