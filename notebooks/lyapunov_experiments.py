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
# # Lyapunov spectra of trained networks
#
# {cite:t}`vogt2022` train many LSTMs on one task with different hyperparameters and ask whether the
# Lyapunov spectrum of a trained network says how well it performs. For character prediction on *War and
# Peace* (CharRNN) they report that networks whose largest exponent is closer to 0 reach a lower validation
# loss; for next-frame prediction of CMU motion capture, that networks with a larger mean exponent do. They
# add that the spectrum settles within a few epochs of training, approaching its final shape from below, so
# that it might rank networks early, and that it costs about a hundredth of the training. This chapter trains
# such sweeps (`lstmdyn.sweeps`, on Dask; each network is a member of `lstmdyn.experiments.sweep_member`) and
# judges each claim (`lstmdyn.experiments.claims_vogt`).
#
# **Reproduces:** {cite:t}`vogt2022` section 5 (5.2 convergence, Fig. 3; 5.3 cost, Table 1; 5.4 the
# CharRNN and motion-capture sweeps, Fig. 4) and appendix A, at the sizes of this page's profile.

# %% tags=["parameters"]
seed = 0  # seed of the sampled hyperparameters and of every network's initialisation
char_networks = 4  # CharRNNs with sampled dropout and learning rate (the paper: 60)
char_named = 6  # of the paper's six highlighted CharRNNs (its appendix A.3), how many to train as well
char_hidden = 128  # CharRNN units (the paper: 512)
char_epochs = 6  # CharRNN epochs (the paper: 40)
char_samples = 1600  # training sequences of 100 characters per epoch (all of the text: 25618)
char_valid = 500  # validation sequences (all: 3202)
char_population = "highlighted"  # sampled ranges: "highlighted" (the paper's six networks) or "grid" (the authors' search)
char_init_values = 4  # CharRNNs like the paper's blue one with p evenly from 0.05 to 0.5 (Fig. 3 across p)
mocap_values = 4  # motion-capture networks, initialisation parameter p evenly from 0.05 to 0.5
mocap_named = 6  # of the paper's six highlighted motion-capture networks, how many to train as well
mocap_hidden = 64  # motion-capture units (the paper: 256)
mocap_epochs = 30  # motion-capture epochs at most (the paper does not say; 16 batches of 250 windows each)
mocap_patience = 10  # a motion-capture network trains until its lowest validation loss is this many epochs old
epoch_dtype = "float64"  # dtype of the spectra after every epoch (the selected epoch is measured again in float64)
power_draws = 200  # subsamples of the authors' grid per size, to measure how many networks decide the correlation
scheduler = ""  # address of a running Dask scheduler; "" for a cluster on this machine
device = "auto"  # where the networks train: auto (a GPU if present), cpu or cuda
profile = "quick"  # the profile this page ran with (set by --profile; written to its results file)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from matplotlib.ticker import MaxNLocator

from lstmdyn.book.page import glue_numbers, glue_text, markdown_table, table
from lstmdyn.book.plotting import save, spectra_against_loss, use_style
from lstmdyn.data.hyperopt import GRID_EPOCHS, SPECTRUM_EPOCHS, load_hyperopt_grid
from lstmdyn.experiments.authors_grid import (
    confound_rows,
    decidable_size,
    grid_networks,
    interval_power,
    still_improving,
    within_sentence,
)
from lstmdyn.experiments.baselines import sweep_against_baselines, task_baselines
from lstmdyn.experiments.claims_vogt import SWEEP_STATISTICS, spectrum_converges, spectrum_cost, sweep_correlation
from lstmdyn.experiments.costs import member_cost
from lstmdyn.experiments.rank_correlation import rank_strata, spearman, spearman_interval, stratified_spearman
from lstmdyn.experiments.sweep_member import (
    AUTHORS_WARMUP,
    CHARRNN_DROPOUT,
    CHARRNN_GRID_DROPOUT,
    CHARRNN_GRID_LR,
    CHARRNN_LR,
    GRID_DROPOUT_FLOOR,
    INIT_RANGE,
    PAPER_CHARRNN,
    group_options,
    sweep_members,
    train_and_measure,
)
from lstmdyn.experiments.sweep_tables import (
    convergence,
    cost_table,
    early_ranking,
    early_readout,
    failed_members,
    finished_tables,
    overview,
    require_finished,
    results_record,
    selected_at_last,
    selected_rows,
)
from lstmdyn.experiments.tasks import mocap_task
from lstmdyn.names import counted
from lstmdyn.records import write_json
from lstmdyn.sweeps import run_sweep

use_style()
TASKS = {"charrnn": "CharRNN (War and Peace)", "mocap": "CMU motion capture"}  # the sweeps with a claim each
SWEEPS = {**TASKS, "charrnn_init": "CharRNN across p",  # and the one for Fig. 3 across p,
          "mocap_residual": "motion capture, residual read-out"}  # and a variation of the motion-capture network
STATISTIC = {name: claimed for name, (claimed, _) in SWEEP_STATISTICS.items()}  # the statistic each claim is about
LABEL = {"max_le": "largest exponent $\\lambda_1$", "mean_le": "mean exponent $\\bar\\lambda$"}

# %% [markdown]
# ## The sweeps
#
# Each network is one member of a sweep, keyed by a hash of its configuration and of the version of the code
# that measures it (so that results of older code are not reused). A sweep runs its members on
# a Dask cluster (here an embedded one, one worker process per core, unless `scheduler` names another),
# skips members that finished in an earlier run and resumes interrupted ones from their last checkpoint; the
# same sweeps run from the command line with `python -m lstmdyn sweep charrnn --profile quick` (see
# {doc}`../rerunning`). After every epoch, and for the initialised network as epoch 0, each member measures its
# validation loss and its Lyapunov spectrum: the $h$-state spectrum of its LSTM {eq}`benettin`, driven by 10
# sequences of 100 steps from the test split, QR every step, in float64, natural log per step, averaged over
# the sequences. The epoch with the lowest validation loss after the initialisation is the network's
# *selected* epoch, as in the paper.
#
# What the paper states is used as it states it; what it leaves open is declared here, with the authors'
# published code (their `lyapunov-hyperopt` repository) where it tells.

# %% tags=["hide-input"]
ranges = {"highlighted": (CHARRNN_DROPOUT, CHARRNN_LR), "grid": (CHARRNN_GRID_DROPOUT, CHARRNN_GRID_LR)}
(d_low, d_high), (lr_low, lr_high) = ranges[char_population]
blue_dropout, blue_lr, _ = PAPER_CHARRNN["blue"]
p_low, p_high = INIT_RANGE
markdown_table(pd.DataFrame([
    ("initialisation", "weight parameters uniform on ±p", "`models.py`: the LSTM's weight matrices only; biases "
     "and read-out keep PyTorch's", "as the authors' code", "the paper's words read as their code reads them"),
    ("CharRNN network", "one layer, 512 units, no biases; Adam, batches of 100, 100 steps; rate ×0.95 per epoch "
     "after the tenth; 40 epochs; p = 0.08", "–", f"as stated, at {counted(char_hidden, 'unit')} and {counted(char_epochs, 'epoch')} of "
     f"{counted(char_samples, 'sequence')}", "the paper's setting at this profile's size"),
    ("CharRNN population", "60 networks, log-dropout and rate sampled uniformly from ranges it does not give",
     "a grid search over rate 0.001–0.01 and dropout 0–0.2 (analysed below)",
     f"`{char_population}`: log₁₀ dropout uniform from {max(d_low, GRID_DROPOUT_FLOOR):g} to {d_high:g}, rate uniform "
     f"{lr_low:g}–{lr_high:g}", "`highlighted` covers the paper's six networks; `grid`, the authors' ranges, is the "
     "paper profile's; 0.001 stands in for a dropout of 0, which has no logarithm"),
    ("CharRNN networks, paper profile", "60 sampled and the 6 named", "110 in the grid", "66",
     "the paper's number; the section on the authors' grid measures how many networks a sweep needs to decide the "
     "correlation's sign, and the verdict below counts this page's networks against it"),
    ("CharRNN across p (Fig. 3)", "the spectrum converges \"across the range of initialization parameters "
     "tested\"; neither the range nor the network is given", "–", f"the blue network (dropout {blue_dropout:g}, "
     f"rate {blue_lr:g}) at {counted(char_init_values, 'value')} of p evenly from {p_low:g} to {p_high:g}",
     f"{p_low:g}–{p_high:g} is the one range of p the paper states (for motion capture); blue is the first of the "
     "paper's six networks, its rate in the middle of theirs"),
    ("motion-capture network", "256 units, windows of 25, MSE, batches of 250, rate 0.05, dropout 0; p from 0.05 "
     "to 0.5; dimensions normalised over all time points", "–", f"{counted(mocap_hidden, 'unit')} (256 at the paper profile); "
     "windows, loss, batches, rate and dropout as stated; p draws the LSTM's weight matrices alone, as for CharRNN; "
     "the normalisation's statistics from the training takes alone", "the paper's setting at this profile's size; "
     "statistics over every time point would carry the validation takes into the inputs"),
    ("motion-capture optimiser, length", "not stated", "–", f"SGD; until the lowest validation loss is "
     f"{counted(mocap_patience, 'epoch')} old, at most {counted(mocap_epochs, 'epoch')}; the epoch of the lowest selected",
     "plain gradient descent at the stated rate, trained to its best as the paper's CharRNNs are (appendix A)"),
    ("motion-capture read-out", "the next frame", "–", "the next frame; as a labelled variation, its change from "
     "the current frame (output = input + read-out), with an outcome line of its own",
     "the paper's; the residual read-out starts at copying the last frame and is shown for comparison"),
    ("motion-capture data", "80/20 split of the takes (A.2); the split is not said to be by takes or in time", "–",
     "takes 1–4 of each action for training, take 5 for validation, the test folder's takes for the spectra",
     "a split by whole takes keeps every validation frame out of the training windows; a split in time would "
     "not"),
    ("spectrum", "10 sequences × 100 steps", "Jᵀ frame, log₂, 10 steps of warm-up", "J frame, natural log, no "
     "warm-up, QR every step", "the engine's convention; the section *Two conventions* below shows both"),
    ("spectrum cost (Table 1)", "a spectrum's time against the training to the lowest validation loss, counted "
     "in training units; Table 1's values are lost from the text this book reads, which says \"almost 2 orders "
     "of magnitude\" (section 6), read here as about 1/100", "–", "one worker times an iteration and a spectrum "
     "side by side; the training to each network's selected epoch counted in iterations", "a ratio of the sweep's "
     "own times would depend on how its workers shared the machine"),
], columns=["setting", "paper", "authors' code", "this book", "why"]))

# %%
members = {name: sweep_members(name, globals()) for name in SWEEPS}
runs = {name: run_sweep(name, m, train_and_measure, scheduler=scheduler or None, device=device, progress=False,
                        **group_options(device))  # in ensembles where that is faster (on a GPU)
        for name, m in members.items()}  # a sweep of no members gives empty tables
require_finished(runs)  # one line, and no page, where no network of any sweep finished
failed = failed_members(runs)
summary = overview(runs, SWEEPS)
tables = {name: finished_tables(t) for name, t in runs.items()}  # what follows reads the finished members
glue_text(char_epochs_words=counted(char_epochs, 'epoch'), mocap_epochs_words=counted(mocap_epochs, 'epoch'))
glue_numbers(char_networks=len(members["charrnn"]), mocap_networks=len(members["mocap"]),
             char_init_networks=len(members["charrnn_init"]), char_hidden=char_hidden, mocap_hidden=mocap_hidden,
             char_epochs=char_epochs, mocap_epochs=mocap_epochs, char_characters=100 * char_samples,
             failed=len(failed))
display(table(summary, {"training (s)": "{:.0f}"}))
if len(failed):
    display(table(failed))

# %% [markdown]
# {glue:text}`char_networks` CharRNNs of {glue:text}`char_hidden` units, each trained for
# {glue:text}`char_epochs_words` on {glue:text}`char_characters` characters per epoch,
# {glue:text}`char_init_networks` more across p for the spectrum through training, and
# {glue:text}`mocap_networks` motion-capture networks of {glue:text}`mocap_hidden` units trained for
# {glue:text}`mocap_epochs_words`; {glue:text}`failed` networks failed (listed above when there are any).
#
# ## The authors' own CharRNNs (Fig. 4a,b from their grid search)
#
# The authors published, beside their code, the results of a grid search over CharRNNs (their repository's
# `CharRNN/WP/HP/Grid Search`): {glue:text}`grid_networks` single-layer LSTMs of 512 units trained for
# {glue:text}`grid_epochs` epochs with Adam and weights on ±0.08, dropout from 0 to 0.2 in steps of 0.02 and
# learning rate from 0.001 to 0.01 in steps of 0.001, each with its validation loss after every epoch and the
# mean of its spectrum, in their convention (frame evolved by $J_t^\top$, bits per step), after epochs {glue:text}`grid_early` and {glue:text}`grid_epochs`.
# It is not the paper's population: the paper samples 60 networks and trains them 40 epochs;
# {glue:text}`grid_improving` of the grid's {glue:text}`grid_networks` networks still had their lowest validation
# loss at their last epoch, still improving when they stopped. The same figure and claim function as for this
# book's networks below, on their numbers (`lstmdyn.data.hyperopt` reads the files; their spectra are pickled
# tensors, read with an unpickler that admits the tensor builders alone):

# %% tags=["hide-input"]
grid, grid_info = load_hyperopt_grid()
authors = {epoch: grid_networks(grid, epoch) for epoch in SPECTRUM_EPOCHS}
AUTHORS = (f"the authors' {len(grid)} CharRNNs of their published grid search ({GRID_EPOCHS} epochs), spectrum "
           f"after epoch {GRID_EPOCHS} in their convention (Jᵀ frame, bits per step)")
correlations, others, outcomes, chosen = {}, {}, {}, {}
correlations["authors"], _, outcomes["charrnn_authors"] = sweep_correlation(
    "charrnn", authors[GRID_EPOCHS].assign(valid_loss=authors[GRID_EPOCHS]["final_loss"]), seed,
    population=AUTHORS, claim_key="vogt.charrnn_authors")
EARLY = min(SPECTRUM_EPOCHS)
early = spearman_interval(authors[EARLY]["max_le"], authors[EARLY]["final_loss"], seed=seed)
power = interval_power(authors[GRID_EPOCHS]["max_le"], authors[GRID_EPOCHS]["final_loss"], range(10, 101, 10),
                       draws=power_draws, seed=seed)
decidable = decidable_size(power)
glue_numbers(power_draws=power_draws)
fig, axes = plt.subplots(2, 2, figsize=(8.5, 7.4))
for row, epoch in enumerate(sorted(SPECTRUM_EPOCHS, reverse=True)):
    frame = authors[epoch].assign(valid_loss=authors[epoch]["final_loss"])
    spectra_against_loss(frame, "max_le", "largest exponent $\\lambda_1$ (bits per step)",
                         f"authors' grid, epoch {epoch}", spearman_interval(frame["max_le"], frame["valid_loss"],
                                                                            seed=seed), axes=axes[row],
                         loss_label=f"validation loss after epoch {GRID_EPOCHS}", sampled_label="grid network")
save(fig, "lyapunov_experiments/authors_grid",
     caption=f"The authors' {len(grid)} CharRNNs: their spectra after epoch {GRID_EPOCHS} (top) and {EARLY} (bottom) "
             f"coloured by the validation loss after epoch {GRID_EPOCHS}, and the largest exponent against that "
             f"loss with Spearman's ρ and its 95 % bootstrap interval; the authors' convention (Jᵀ frame, bits per step).")
glue_numbers(grid_networks=len(grid), grid_epochs=GRID_EPOCHS, grid_early=EARLY, grid_improving=still_improving(grid),
             decidable=decidable if decidable is not None else float("nan"))
glue_text(verdict_charrnn_authors=outcomes["charrnn_authors"].sentence(),
          authors_early=(f"The spectrum after epoch {EARLY} ranks the same networks by their loss after epoch "
                         f"{GRID_EPOCHS} with {early}."),
          decidable_sentence=(f"Subsamples of the grid decide the sign of the correlation (the interval excludes 0 on "
                              f"the side of the whole grid's ρ) in at least 80 % of draws from {counted(decidable, 'network')} on: "
                              f"a sweep of fewer cannot be expected to tell, and this page's own verdict below says "
                              f"so rather than judge." if decidable is not None else
                              "No subsample size up to the whole grid decides the sign in 80 % of draws."))
table(power.rename(columns={"networks": "networks drawn", "decides": "share deciding", "wrong": "share deciding the "
                            "other sign"}), {"share deciding": "{:.0%}", "share deciding the other sign": "{:.0%}"})

# %% [markdown]
# {glue:md}`verdict_charrnn_authors` {glue:md}`authors_early`
#
# How many networks does a sweep need to tell? The table draws {glue:text}`power_draws` subsamples of each size
# from the grid and counts how often the 95 % interval decides. {glue:md}`decidable_sentence`
#
# ## Does the largest exponent rank this book's CharRNNs? (Fig. 4a,b)
#
# Left: the spectrum of every CharRNN at its selected epoch, coloured by its validation loss. Right: the
# largest exponent against the validation loss, the paper's six highlighted networks marked in their colour.

# %% tags=["hide-input"]
for name, t in tables.items():
    chosen[name] = selected_rows(t.epochs, t.members)
POPULATION = {"charrnn": f"this book's CharRNNs ({counted(char_hidden, 'unit')}, {counted(char_epochs, 'epoch')}), J frame in nats per step",
              "mocap": f"this book's motion-capture networks ({counted(mocap_hidden, 'unit')}, trained to their best, at most "
                       f"{counted(mocap_epochs, 'epoch')}, the paper's read-out: the next frame), J frame in nats per step",
              "mocap_residual": f"this book's motion-capture networks with a residual read-out (a variation: the "
                                f"change from the last frame; {counted(mocap_hidden, 'unit')}), J frame in nats per step"}
for name in TASKS:
    correlations[name], others[name], outcomes[name] = sweep_correlation(
        name, chosen[name], seed, decidable=decidable if name == "charrnn" else None, population=POPULATION[name])
    glue_text(**{f"verdict_{name}": outcomes[name].sentence()})
correlations["mocap_residual"], _, outcomes["mocap_residual"] = sweep_correlation(
    "mocap", chosen["mocap_residual"], seed, population=POPULATION["mocap_residual"], claim_key="vogt.mocap_residual")
glue_text(verdict_mocap_residual=outcomes["mocap_residual"].sentence())
charrnn = chosen["charrnn"]
mocap_baselines = {b.name.split(" on ")[0]: b for b in task_baselines(mocap_task(mocap_hidden))}
copy, linear = mocap_baselines["previous frame"], mocap_baselines["linear autoregression"]
glue_text(**{f"{name}_learned": sweep_against_baselines(
    chosen[name]["valid_loss"].tolist(), [copy, linear], "motion-capture",
    at_last=selected_at_last(tables[name].epochs, tables[name].members)) if len(chosen[name]) else
    f"No network of the sweep {SWEEPS[name]} finished." for name in ("mocap", "mocap_residual")})
glue_text(others=f"The other statistic, for comparison: the CharRNNs' mean exponent against their loss has "
                 f"{others['charrnn']}, the motion-capture networks' largest exponent {others['mocap']}.")
fig = spectra_against_loss(chosen["charrnn"], STATISTIC["charrnn"], LABEL[STATISTIC["charrnn"]], TASKS["charrnn"],
                           correlations["charrnn"])
save(fig, "lyapunov_experiments/charrnn",
     caption=f"CharRNN: spectra at the selected epoch coloured by validation loss, and the largest exponent against "
             f"the loss with Spearman's ρ and its 95 % bootstrap interval; {len(members['charrnn'])} networks of "
             f"{counted(char_hidden, 'unit')}, {counted(char_epochs, 'epoch')} of {counted(char_samples, 'sequence')}.")

# %% [markdown]
# {glue:md}`verdict_charrnn`
#
# ## Among networks of one learning rate
#
# The learning rate moves both the largest exponent and how far a network trains, so it can make the two
# correlate without one telling of the other. Holding it fixed takes that out, whatever the shape of its effect:
# Spearman's ρ within each group of networks of one learning rate, averaged over the groups, with a bootstrap
# interval (networks resampled within their group) and a permutation test that shuffles the losses within each
# group (`stratified_spearman`). On the authors' grid the groups are its ten rates; on this book's sampled rates,
# runs of {glue:text}`stratum_size` networks of neighbouring rate. Dropout, which the paper varied too, the same
# way.

# %% tags=["hide-input"]
STRATUM = 4  # networks per group of neighbouring sampled values
confound = []
grid_final = authors[GRID_EPOCHS]
within = {"authors": {"rate": stratified_spearman(grid_final["max_le"], grid_final["final_loss"], grid_final["lr"],
                                                  seed=seed),
                      "dropout": stratified_spearman(grid_final["max_le"], grid_final["final_loss"],
                                                     grid_final["dropout"], seed=seed)},
          "charrnn": {"rate": stratified_spearman(charrnn["max_le"], charrnn["valid_loss"],
                                                  rank_strata(charrnn["lr"], STRATUM), seed=seed),
                      "dropout": stratified_spearman(charrnn["max_le"], charrnn["valid_loss"],
                                                     rank_strata(charrnn["dropout"], STRATUM), seed=seed)}}
for key, name in (("authors", "the authors' grid"), ("charrnn", "this book's CharRNNs")):
    confound += confound_rows(name, correlations[key], within[key]["rate"], within[key]["dropout"])
glue_numbers(stratum_size=STRATUM)
glue_text(within_authors=within_sentence("the authors' grid", correlations["authors"], within["authors"]["rate"]),
          within_charrnn=within_sentence("this book's CharRNNs", correlations["charrnn"], within["charrnn"]["rate"]))
table(pd.DataFrame(confound), {"ρ": "{:+.2f}", "low": "{:+.2f}", "high": "{:+.2f}", "p": "{:.3g}"})

# %% [markdown]
# {glue:md}`within_authors`
#
# {glue:md}`within_charrnn`
#
# ## Does the mean exponent rank the motion-capture networks? (Fig. 4c,d)

# %% tags=["hide-input"]
fig = spectra_against_loss(chosen["mocap"], STATISTIC["mocap"], LABEL[STATISTIC["mocap"]], TASKS["mocap"],
                           correlations["mocap"], baseline=[copy, linear])
save(fig, "lyapunov_experiments/mocap",
     caption=f"Motion capture, the paper's read-out: spectra at the selected epoch coloured by validation loss, and the "
             f"mean exponent against the loss with Spearman's ρ and its 95 % bootstrap interval, the dashed lines two "
             f"baselines (copying the last frame; {linear.name}); {len(members['mocap'])} networks of {mocap_hidden} "
             f"units trained to their best (at most {counted(mocap_epochs, 'epoch')}), p from {p_low:g} to {p_high:g}.")

# %% [markdown]
# The claim is about how the loss varies with the mean exponent across p, not about beating a baseline, but
# the baselines say what the losses mean: copying the last frame, and the best linear predictor from the last
# few frames (ridge regression on the training windows, the number of frames and the ridge chosen on the
# validation loss). {glue:md}`mocap_learned`
#
# {glue:md}`verdict_mocap`
#
# The same networks with a residual read-out, which predicts the change from the last frame and so starts at
# copying it (a variation of this book's, not the paper's network). {glue:md}`mocap_residual_learned`
# {glue:md}`verdict_mocap_residual`
#
# {glue:md}`others`
#
# ## The spectrum through training (Fig. 3)
#
# For every network, the mean squared difference and the mean difference between its spectrum at each
# epoch and at its selected epoch. A negative mean difference is a spectrum that lies below its final one.
# The paper shows this for CharRNNs and adds that it held across the initialisation parameters it tried, so
# the claim is judged on both CharRNN sweeps: the sampled networks at p = 0.08 and the blue network across p
# (coloured by p in the middle column).

# %% tags=["hide-input"]
order = [name for name in ("charrnn", "charrnn_init", "mocap") if name in tables]
fig, axes = plt.subplots(2, len(order), figsize=(8.5, 6.0), sharex="col", squeeze=False)
converged = {}
shades = plt.get_cmap("viridis")
for column, name in enumerate(order):
    t = tables[name]
    converged[name] = convergence(t.epochs, t.members)
    init = t.members.set_index("key")["init"]
    for key, group in sorted(converged[name].groupby("key"), key=lambda item: init[item[0]]):
        colour = shades(0.85 * (init[key] - p_low) / (p_high - p_low)) if name == "charrnn_init" else "C0"
        label = f"p = {init[key]:g}" if name == "charrnn_init" else None
        axes[0, column].plot(group["epoch"], group["msd"], color=colour, lw=0.8, alpha=0.8, label=label)
        axes[1, column].plot(group["epoch"], group["mean_difference"], color=colour, lw=0.8, alpha=0.8)
    axes[0, column].set(title=SWEEPS[name], ylabel="mean squared difference")
    axes[1, column].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1, column].axhline(0, color="grey", lw=0.8)
    axes[1, column].set(xlabel="epoch (0: initialisation)", ylabel="mean difference")
    if name == "charrnn_init" and len(converged[name]):
        axes[0, column].legend(fontsize="small")
save(fig, "lyapunov_experiments/convergence",
     caption="Mean squared difference and mean difference of each network's spectrum to its spectrum at the "
             "selected epoch, epoch by epoch; one line per network.")
char_sweeps = [name for name in ("charrnn", "charrnn_init") if name in tables]
outcomes["convergence"] = spectrum_converges(
    pd.concat([converged[name] for name in char_sweeps], ignore_index=True),
    *(pd.concat([tables[name].members.set_index("key")[column] for name in char_sweeps])
      for column in ("selected_epoch", "init")))
glue_text(verdict_convergence=outcomes["convergence"].sentence())

# %% [markdown]
# {glue:md}`verdict_convergence`
#
# The paper suggests using the spectrum early in training to rank networks. Epoch by epoch, the Spearman
# correlation of each network's statistic at that epoch with its *final* validation loss, beside the
# correlation of that epoch's validation loss with the final loss (the obvious early readout to beat):

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.6))
rankings, settled = {}, {}
for ax, name in zip(axes, TASKS, strict=True):
    t = tables[name]
    ranking = early_ranking(t.epochs, t.members, STATISTIC[name])
    rankings[name] = ranking
    settled[name] = early_readout(TASKS[name], ranking, correlations[name])
    ax.plot(ranking["epoch"], ranking["statistic_rho"], "o-", color="C0", label=LABEL[STATISTIC[name]])
    ax.fill_between(ranking["epoch"], ranking["low"], ranking["high"], color="C0", alpha=0.2, lw=0)
    ax.plot(ranking["epoch"], ranking["loss_rho"], "s--", color="C1", label="validation loss at that epoch")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(title=TASKS[name], xlabel="epoch", ylabel="Spearman ρ with the final loss", ylim=(-1.05, 1.05))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.22))
save(fig, "lyapunov_experiments/early_ranking",
     caption="Spearman correlation with the final validation loss of each epoch's statistic (with its 95 % bootstrap "
             "interval) and of each epoch's validation loss.")


glue_text(**{f"settled_{name}": sentence for name, (_, sentence) in settled.items()})

# %% [markdown]
# - {glue:md}`settled_charrnn`
# - {glue:md}`settled_mocap`
#
# ## What a spectrum costs (Table 1)
#
# The paper counts training in its own units: the spectrum's time is worth so many training iterations, and
# the training to the lowest validation loss takes so many. After the sweeps, this notebook's process alone
# (one worker, nothing else running) times one training iteration and one spectrum (10 sequences × 100
# steps, in the epochs' dtype) of the first network of each sweep, side by side on the sweep's device; the
# training to each network's selected epoch is counted in iterations from the sweep's tables.

# %% tags=["hide-input"]
costs = pd.concat([cost_table(tables[name].epochs, tables[name].members, member_cost(members[name][0], device))
                   for name in TASKS if members[name]], ignore_index=True)  # a sweep of no networks has no cost
outcomes["cost"] = spectrum_cost(costs)
gpu = costs["device"].str.startswith("cuda").any()
glue_text(verdict_cost=outcomes["cost"].sentence(),
          gpu_note=("The times are the GPU's." if gpu else
                    "No GPU was present for this run: the times are the CPU's of the machine that built the page."))
table(costs[["task", "iteration_seconds", "spectrum_seconds", "spectrum_iterations", "iterations", "at_last",
             "fraction"]]
      .rename(columns={"iteration_seconds": "iteration (s)", "spectrum_seconds": "spectrum (s)",
                       "spectrum_iterations": "spectrum, iterations", "iterations": "to selected, iterations",
                       "at_last": "at last epoch", "fraction": "ratio"}),
      {"ratio": "{:.4f}", "iteration (s)": "{:.4f}", "spectrum (s)": "{:.3f}", "spectrum, iterations": "{:.1f}",
       "to selected, iterations": "{:.0f}"})

# %% [markdown]
# {glue:md}`verdict_cost` {glue:md}`gpu_note` The spectrum's worth in iterations does not depend on how long
# the networks train; their ratio (the fraction of the training) does. Networks selected at their last epoch
# (column *at last epoch*) were still improving when this profile stopped their training, so for them the
# training to the lowest loss is longer than counted and the ratio smaller than shown.
#
# ## Two conventions
#
# The exponents on this page evolve the frame with the Jacobians $J_t$, count every step and are in nats
# (natural log) per step. The authors' code evolves it with $J_t^\top$, lets the first
# {glue:text}`authors_warmup` steps warm up uncounted and sums $\log_2|R_{ii}|$, bits per step. Both, at the
# selected epoch of every network the paper highlights:

# %% tags=["hide-input"]
conventions = {name: chosen[name].merge(tables[name].members[["key", "max_le_authors", "mean_le_authors"]], on="key")
               for name in TASKS}
both = pd.concat([frame.assign(sweep=TASKS[name]) for name, frame in conventions.items()], ignore_index=True)
glue_numbers(authors_warmup=AUTHORS_WARMUP,
             **{f"conventions_{name}": spearman(frame["max_le"].to_numpy(), frame["max_le_authors"].to_numpy())
                for name, frame in conventions.items()})
table(both[both["label"] != ""][["sweep", "label", "max_le", "max_le_authors", "mean_le", "mean_le_authors"]]
      .rename(columns={"label": "network", "max_le": "λ₁, J, nats", "max_le_authors": "λ₁, Jᵀ, bits",
                       "mean_le": "mean, J, nats", "mean_le_authors": "mean, Jᵀ, bits"}), precision=3)

# %% [markdown]
# Over all the networks of each sweep, the largest exponents of the two conventions rank the networks with
# Spearman's ρ = {glue:text}`conventions_charrnn:.2f` (CharRNN) and {glue:text}`conventions_mocap:.2f` (motion
# capture) between them. To compare a number of this page with the authors', divide it by
# $\ln 2 \approx 0.693$ for the units; the frame and the warm-up change it too.
#
# ## Results file
#
# The notebook writes `lyapunov_experiments.json` beside this page: the profile; per sweep the number of
# networks and failures, the Spearman correlations (ρ, interval, n) of the claimed statistic and of the other
# one with the validation loss (for CharRNN also the correlations among networks of one learning rate and of one
# dropout, `spearman_within_rate`, `spearman_within_dropout`), the epoch from which the statistic ranks the
# networks, and for every finished
# network its hyperparameters, selected epoch, validation loss, the largest and mean exponents of the
# $h$ and the $(h, c)$ state, and the spectral radius and largest real part at the equilibrium of the network
# without input (the scorecard puts them beside the other experiment's networks); the cost table (per task
# the seconds of one iteration and one spectrum, the spectrum in iterations, the mean iterations to the
# selected epoch, how many networks were selected at their last epoch, and the fraction); the
# analysis of the authors' grid (`authors_grid`: its correlation, the correlations within rate and dropout, the
# networks still improving at their last epoch, and the number of networks that decides); the outcomes of the
# five claims with their criteria.

# %% tags=["hide-input"]
sweeps = {name: {"tables": runs[name], "statistic": STATISTIC[name], "spearman": correlations[name],
                 "spearman_other": others[name], "ranking_epoch": settled[name][0]} for name in TASKS}
sweeps["charrnn"]["spearman_within_rate"] = within["charrnn"]["rate"]
sweeps["charrnn"]["spearman_within_dropout"] = within["charrnn"]["dropout"]
write_json("lyapunov_experiments.json", results_record(
    profile, sweeps, costs, list(outcomes.values()),
    authors={"spearman": correlations["authors"], "spearman_within_rate": within["authors"]["rate"],
             "spearman_within_dropout": within["authors"]["dropout"], "still_improving": still_improving(grid),
             "networks": len(grid), "decidable_networks": decidable, "power": power.to_dict("records")}));

# %% [markdown]
# ## Summary
#
# - {glue:md}`verdict_charrnn_authors`
# - {glue:md}`verdict_charrnn`
# - {glue:md}`within_authors`
# - {glue:md}`verdict_mocap` {glue:md}`mocap_learned`
# - {glue:md}`verdict_mocap_residual`
# - {glue:md}`verdict_convergence`
# - {glue:md}`verdict_cost`
#
# ## What to try
#
# - `python -m lstmdyn sweep charrnn --profile paper --scheduler tcp://HOST:8786`: the paper's 60 CharRNNs of
#   512 units for 40 epochs on a Dask cluster (one worker per GPU), then
#   `python -m lstmdyn run lyapunov_experiments --profile paper` to draw this page from them (the sweeps
#   `charrnn_init`, `mocap` and `mocap_residual` likewise). Does the correlation of the largest exponent with the
#   loss hold at the paper's size, and among networks of one learning rate?
# - `python -m lstmdyn run lyapunov_experiments -p char_epochs 10`: longer CharRNN training; from which epoch
#   on does the spectrum rank the networks?
# - `python -m lstmdyn run lyapunov_experiments -p mocap_hidden 256`: the paper's motion-capture size.
# - `python -m lstmdyn run lyapunov_experiments -p mocap_epochs 100`: the paper profile's longest motion-capture
#   training; how many networks beat the linear predictor then, and does the mean exponent rank them?
# - `python -m lstmdyn run lyapunov_experiments -p char_population grid`: CharRNNs sampled from the authors'
#   grid-search ranges; does the learning rate still carry the correlation?
# - `python -m lstmdyn run lyapunov_experiments -p char_init_values 6 -p char_epochs 10`: more values of p,
#   trained longer; does the spectrum still approach its final one from below at every p?
