# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Scorecard
#
# Every claim of the two papers that this book tests, the paper's value, this book's number at the profile
# that produced it, and the verdict with the criterion that decided it. Nothing here is typed by hand: the
# table is read from the results files that the chapters write beside their pages
# (`lstmdyn.experiments.scorecard`), and a chapter that has not run shows as *not yet run*. The verdicts
# belong to the profiles named in the table; the quick profile, which builds this website, trains far
# smaller and shorter than the papers, and the paper profile is the one to run before taking a verdict as
# the last word.
#
# **Reproduces:** the claims of {cite:t}`amrouche2019` (section 4) and {cite:t}`vogt2022` (section 5 and
# appendix C), as judged in the chapters {doc}`equilibria_training`, {doc}`lyapunov` and
# {doc}`lyapunov_experiments`.

# %% tags=["parameters"]
results = "."  # the directory of the chapters' results files (the book's generated pages)

# %% tags=["hide-input"]
import json

from IPython.display import display

from lstmdyn.book.page import glue_numbers, markdown_table, table
from lstmdyn.experiments.scorecard import scorecard, scorecard_record

card = scorecard(results)
record = scorecard_record(card)
with open("scorecard.json", "w") as f:
    json.dump(record, f, indent=1)
glue_numbers(claims=len(card), **{key.replace(" ", "_"): record["counts"].get(key, 0)
                                  for key in ("reproduced", "partly", "not reproduced", "not yet run")})

# %% [markdown]
# Of {glue:text}`claims` claims, {glue:text}`reproduced` are reproduced, {glue:text}`partly` partly,
# {glue:text}`not_reproduced` not reproduced, and {glue:text}`not_yet_run` not yet run.

# %% tags=["hide-input"]
shown = card.assign(chapter=[f"{{doc}}`{c}`" for c in card["chapter"]], verdict=[f"**{v}**" for v in card["verdict"]])
display(markdown_table(shown.rename(columns={"paper_value": "paper's value", "ours": "this book"})))

# %% [markdown]
# The chapter links lead to the figures behind each row. Where a verdict is *not reproduced*, the chapter
# says what differs: the sizes and lengths of the runs at this profile, and where we disagree with the paper,
# both numbers.
#
# ## Results file
#
# The notebook writes `scorecard.json` beside this page: `claims`, one object per row above (`paper`,
# `claim`, `paper_value`, `ours`, `verdict`, `criterion`, `profile`, `chapter`), and `counts`, the number of
# claims per verdict; its JSON Schema is `lstmdyn.experiments.scorecard.SCHEMA`.

# %% tags=["hide-input"]
table(card.groupby(["paper", "verdict"]).size().rename("claims").reset_index())

# %% [markdown]
# ## Summary
#
# - {glue:text}`claims` claims, each with its criterion; {glue:text}`reproduced` reproduced at the profiles
#   named in the table.
#
# ## What to try
#
# - `python -m lstmdyn book --profile paper`: every chapter at the papers' sizes (a GPU or a cluster for the
#   sweeps), then compare `scorecard.json` with this one.
