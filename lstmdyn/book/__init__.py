"""The book machinery: executing the chapter notebooks and building the site.

- :mod:`~lstmdyn.book.parameters`: reading a notebook's ``parameters`` cell and checking values against the
  profiles (:mod:`lstmdyn.profiles`, plain data beside the science, which the command line reads too).
- :mod:`~lstmdyn.book.runner`: papermill execution, the cache of executed chapters, checks of the built site.
- :mod:`~lstmdyn.book.build`: the whole book, every chapter then the site.
- :mod:`~lstmdyn.book.kept`: runs at the papers' scale, kept with their provenance.
- :mod:`~lstmdyn.book.page`: tables and glued numbers and sentences for the pages.
- :mod:`~lstmdyn.book.plotting`: the book's figure style and its recurring figures.
- :mod:`~lstmdyn.book.measurements`: the benchmark records on the performance page.
- :mod:`~lstmdyn.book.verbs`: the command line's book verbs, ``lstmdyn run|book|params|keys``
  (:mod:`lstmdyn.cli`).

Needs the optional extra ``lstmdyn[book]`` (Jupyter Book, papermill, jupytext, ipykernel); the science does
not import it.
"""

import importlib.util

_MISSING = [name for name in ("jupytext", "papermill", "nbformat", "yaml", "myst_nb", "jupyter_book")
            if importlib.util.find_spec(name) is None]
if _MISSING:
    raise ImportError(f"lstmdyn.book needs the optional extra 'book' (missing: {', '.join(_MISSING)}): "
                      "pip install 'lstmdyn[book]', or `make book` in a checkout", name=_MISSING[0])
