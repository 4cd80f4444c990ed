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
# that produced it, and the verdict with the criterion that decided it. Nothing here is typed or judged: each
# claim is judged once, in its chapter, by the one function that owns it
# (`lstmdyn.experiments.claims_amrouche`, `lstmdyn.experiments.claims_vogt`), and this page reads the outcomes
# from the results files that the chapters write beside their pages (`lstmdyn.experiments.scorecard`); a
# claim whose chapter has not run shows as *not run*, one whose chapter ran but gave it nothing to test as
# *untested*. {glue:md}`profiles_judged` The quick profile, which builds this website, trains far smaller and
# shorter than the papers, and the paper profile is the one to run before taking a verdict as the last word.
#
# **Reproduces:** the claims of {cite:t}`amrouche2019` (section 4) and {cite:t}`vogt2022` (section 5 and
# appendix C), as judged in the chapters {doc}`equilibria`, {doc}`equilibria_training`, {doc}`lyapunov` and
# {doc}`lyapunov_experiments`.

# %% tags=["parameters"]
results = "."  # the directory of the chapters' results files (the book's generated pages)
kept = "../../paper"  # the directory of the results kept at the paper profile (the project's paper/)

# %% tags=["hide-input"]
from IPython.display import display

from lstmdyn.book.page import glue_numbers, glue_text, outcome_rows, table
from lstmdyn.experiments.scorecard import counts_sentence, kept_column, scorecard, scorecard_record
from lstmdyn.records import write_json
from lstmdyn.words import join_words

card = scorecard(results)
record = scorecard_record(card)
at_paper = kept_column(kept)
card = card.merge(at_paper, on="key", how="left")
differ = card[card["paper_verdict"].notna() & (card["paper_verdict"] != card["verdict"])]
glue_numbers(kept_claims=int(card["paper_verdict"].notna().sum()), differ=len(differ))
glue_text(kept_sentence=(
    "No chapter has been kept at the paper profile yet: the part *At the papers' scale* says how to run one."
    if at_paper.empty else
    f"{int(card['paper_verdict'].notna().sum())} claims also have a verdict kept from a run at the paper profile "
    f"(part *At the papers' scale*), shown beside this build's; "
    + (f"they differ for {len(differ)}: " + ", ".join(f"*{c}*" for c in differ["claim"]) + "."
       if len(differ) else "the two agree on every one.")))
write_json("scorecard.json", record)
glue_numbers(claims=len(card), reproduced=record["counts"].get("reproduced", 0))
glue_text(counts=counts_sentence(record["counts"]))
judged_at = sorted({p for p in card["profile"] if p})
glue_text(profiles_judged=(f"This build judged its claims at the {join_words(judged_at)} "
                           f"profile{'s' if len(judged_at) > 1 else ''} (each claim's line says which)."
                           if judged_at else "No chapter has run yet, so this build judged no claim."))

# %% [markdown]
# ## The claims
#
# {glue:md}`counts` One line per claim: its
# verdict, the claim and the chapter that judges it; open a line for the paper's value, this book's, the
# criterion that decided the verdict and the profile it was judged at. {glue:md}`kept_sentence`
#
# ### Amrouche et al.

# %% tags=["hide-input"]
display(outcome_rows(card[card["paper"] == "Amrouche et al."]))

# %% [markdown]
# ### Vogt et al.

# %% tags=["hide-input"]
display(outcome_rows(card[card["paper"] == "Vogt et al."]))

# %% [markdown]
# The chapter links lead to the figures behind each claim. Where a verdict is *not reproduced*, the chapter
# says what differs: the sizes and lengths of the runs at this profile, and where we disagree with the paper,
# both numbers.
#
# ## Results file
#
# The notebook writes `scorecard.json` beside this page: `claims`, one object per claim above (`key`, `paper`,
# `where`, `claim`, `chapter`, `paper_value`, `measured`, `verdict`, `criterion`, `profile`), and `counts`,
# the number of claims per verdict; its JSON Schema is `lstmdyn.experiments.scorecard.SCHEMA`.

# %% tags=["hide-input"]
table(card.groupby(["paper", "verdict"]).size().rename("claims").reset_index())

# %% [markdown]
# ## Both tools on the same networks
#
# {cite:t}`amrouche2019` read a trained network's stability from the eigenvalues at the equilibrium of the
# network without input, {cite:t}`vogt2022` from the Lyapunov exponents of the network driven by its data.
# The chapters that train networks measure both for every network they train: the final network of every
# run of {doc}`equilibria_training` (driven by up to 10 validation sequences of up to 100 steps) and every
# member of the sweeps of {doc}`lyapunov_experiments` at its selected epoch (10 test sequences of 100 steps).
# Near a stable equilibrium that the driven trajectory stays close to, the two measures are tied by the
# identity of the chapter {doc}`equilibria_training` (exponents equal log-moduli); far from it, input can
# make a network more or less stable than its equilibrium says. Circles: the equilibria experiments;
# triangles: the Lyapunov experiments.

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from lstmdyn.book.plotting import measures_against_radius, save, use_style
from lstmdyn.experiments.both_tools import EXPONENTS, both_tools_frame, ranking_sentence, stabilised_sentence

use_style()
networks = both_tools_frame(results)
fig = measures_against_radius(networks, {"max_le": EXPONENTS["max_le"], "mean_le_hc": EXPONENTS["mean_le_hc"]})
save(fig, "scorecard/both_tools",
     caption=f"Every trained network of both experiments ({len(networks)}): the spectral radius at its "
             f"equilibrium without input against the largest exponent of h (left) and the mean exponent of "
             f"(h, c) (right) under input drive; grey lines at radius 1 and exponent 0.")
plt.show()
glue_numbers(networks=len(networks))
glue_text(ranking=ranking_sentence(networks, ["max_le", "mean_le_hc"])[0], stabilised=stabilised_sentence(networks),
          both_tools_on=("the one trained network" if len(networks) == 1 else
                         f"all {len(networks)} trained networks" if len(networks) else "no trained network yet"))

# %% [markdown]
# {glue:md}`ranking` {glue:md}`stabilised`
#
# The table of all {glue:text}`networks` networks and their four exponent statistics (the largest and the mean
# exponent of h and of (h, c)):

# %% tags=["hide-input"]
table(networks.rename(columns={"spectral_radius": "spectral radius", **EXPONENTS}))

# %% [markdown]
# ## Summary
#
# - {glue:text}`claims` claims, each with its criterion; {glue:text}`reproduced` reproduced at this build's
#   profile. {glue:md}`kept_sentence`
# - Both tools on {glue:text}`both_tools_on`, with how their rankings relate computed above.
#
# ## What to try
#
# - `python -m lstmdyn book --profile paper`: every chapter at the papers' sizes (a GPU or a cluster for the
#   sweeps), then compare `scorecard.json` with this one.
