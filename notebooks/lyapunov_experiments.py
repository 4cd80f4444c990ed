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
mocap_epochs = 30  # motion-capture epochs (the paper does not say; 16 batches of 250 windows each)
mocap_target = "change"  # what the motion-capture read-out predicts: "change" from the last frame, or the "frame"
epoch_dtype = "float64"  # dtype of the spectra after every epoch (the selected epoch is measured again in float64)
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
from lstmdyn.experiments.baselines import sweep_against_baseline, task_baselines
from lstmdyn.experiments.claims_vogt import (
    SWEEP_STATISTICS,
    controlled_sentence,
    spectrum_converges,
    spectrum_cost,
    sweep_correlation,
)
from lstmdyn.experiments.costs import member_cost
from lstmdyn.experiments.rank_correlation import partial_spearman_interval, spearman
from lstmdyn.experiments.sweep_member import (
    AUTHORS_WARMUP,
    CHARRNN_DROPOUT,
    CHARRNN_GRID_DROPOUT,
    CHARRNN_GRID_LR,
    CHARRNN_LR,
    INIT_RANGE,
    PAPER_CHARRNN,
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
from lstmdyn.records import write_json
from lstmdyn.sweeps import run_sweep

use_style()
TASKS = {"charrnn": "CharRNN (War and Peace)", "mocap": "CMU motion capture"}  # the sweeps with a claim each
SWEEPS = {**TASKS, "charrnn_init": "CharRNN across p"}  # and the one for Fig. 3 across p
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
     "after the tenth; 40 epochs; p = 0.08", "–", f"as stated, at {char_hidden} units and {char_epochs} epochs of "
     f"{char_samples} sequences", "the paper's setting at this profile's size"),
    ("CharRNN population", "60 networks, log-dropout and rate sampled uniformly from ranges it does not give",
     "a grid search over rate 0.001–0.01 and dropout 0–0.2", f"`{char_population}`: dropout {d_low:g}–{d_high:g}, "
     f"rate {lr_low:g}–{lr_high:g}", "`highlighted` covers the paper's six networks; `grid`, the authors' "
     "search, is the paper profile's"),
    ("CharRNN across p (Fig. 3)", "the spectrum converges \"across the range of initialization parameters "
     "tested\"; neither the range nor the network is given", "–", f"the blue network (dropout {blue_dropout:g}, "
     f"rate {blue_lr:g}) at {char_init_values} values of p evenly from {p_low:g} to {p_high:g}",
     f"{p_low:g}–{p_high:g} is the one range of p the paper states (for motion capture); blue is the first of the "
     "paper's six networks, its rate in the middle of theirs"),
    ("motion-capture network", "256 units, windows of 25, MSE, batches of 250, rate 0.05, dropout 0; p from 0.05 "
     "to 0.5", "–", f"as stated, at {mocap_hidden} units", "the paper's setting at this profile's size"),
    ("motion-capture optimiser, length", "not stated", "–", f"SGD, {mocap_epochs} epochs",
     "plain gradient descent at the stated rate; the length is this profile's"),
    ("motion-capture read-out", "the next frame", "–", f"`{mocap_target}`" + (
        ": the change from the current frame (output = input + read-out)" if mocap_target == "change" else ""),
     "a declared choice: the read-out starts near copying the last frame, the baseline to beat, and the "
     "recurrent layer, whose spectrum is measured, is the same (`-p mocap_target frame` runs the paper's)"),
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
runs = {name: run_sweep(name, m, train_and_measure, scheduler=scheduler or None, device=device, progress=False)
        for name, m in members.items()}  # a sweep of no members gives empty tables
require_finished(runs)  # one line, and no page, where no network of any sweep finished
failed = failed_members(runs)
summary = overview(runs, SWEEPS)
tables = {name: finished_tables(t) for name, t in runs.items()}  # what follows reads the finished members
glue_numbers(char_networks=len(members["charrnn"]), mocap_networks=len(members["mocap"]),
             char_init_networks=len(members["charrnn_init"]), char_hidden=char_hidden, mocap_hidden=mocap_hidden,
             char_epochs=char_epochs, mocap_epochs=mocap_epochs, char_characters=100 * char_samples,
             failed=len(failed))
display(table(summary, {"training (s)": "{:.0f}"}))
if len(failed):
    display(table(failed))

# %% [markdown]
# {glue:text}`char_networks` CharRNNs of {glue:text}`char_hidden` units, each trained for
# {glue:text}`char_epochs` epochs on {glue:text}`char_characters` characters per epoch,
# {glue:text}`char_init_networks` more across p for the spectrum through training, and
# {glue:text}`mocap_networks` motion-capture networks of {glue:text}`mocap_hidden` units trained for
# {glue:text}`mocap_epochs` epochs; {glue:text}`failed` networks failed (listed above when there are any).
#
# ## Does the largest exponent rank the CharRNNs? (Fig. 4a,b)
#
# Left: the spectrum of every CharRNN at its selected epoch, coloured by its validation loss. Right: the
# largest exponent against the validation loss, the paper's six highlighted networks marked in their colour.

# %% tags=["hide-input"]
correlations, others, outcomes, chosen = {}, {}, {}, {}
for name, t in tables.items():
    chosen[name] = selected_rows(t.epochs, t.members)
for name in TASKS:
    correlations[name], others[name], outcomes[name] = sweep_correlation(name, chosen[name], seed)
    glue_text(**{f"verdict_{name}": outcomes[name].sentence()})
charrnn = chosen["charrnn"]
controlled = partial_spearman_interval(charrnn[STATISTIC["charrnn"]], charrnn["valid_loss"], charrnn["lr"], seed=seed)
glue_text(controlled=controlled_sentence(correlations["charrnn"], controlled))
copy = next(b for b in task_baselines(mocap_task(mocap_hidden)) if b.name == "previous frame")
glue_text(mocap_learned=sweep_against_baseline(
    chosen["mocap"]["valid_loss"].tolist(), copy, "motion-capture",
    at_last=selected_at_last(tables["mocap"].epochs, tables["mocap"].members))
    if len(chosen["mocap"]) else "No motion-capture network finished.")
glue_text(others=f"The other statistic, for comparison: the CharRNNs' mean exponent against their loss has "
                 f"{others['charrnn']}, the motion-capture networks' largest exponent {others['mocap']}.")
fig = spectra_against_loss(chosen["charrnn"], STATISTIC["charrnn"], LABEL[STATISTIC["charrnn"]], TASKS["charrnn"],
                           correlations["charrnn"])
save(fig, "lyapunov_experiments/charrnn",
     caption=f"CharRNN: spectra at the selected epoch coloured by validation loss, and the largest exponent against "
             f"the loss with Spearman's ρ and its 95 % bootstrap interval; {len(members['charrnn'])} networks of "
             f"{char_hidden} units, {char_epochs} epochs of {char_samples} sequences.")

# %% [markdown]
# {glue:md}`verdict_charrnn`
#
# The learning rate moves both the largest exponent and how far a network trains in a few epochs, so it can
# make the two correlate without one telling of the other. {glue:md}`controlled`
#
# ## Does the mean exponent rank the motion-capture networks? (Fig. 4c,d)

# %% tags=["hide-input"]
fig = spectra_against_loss(chosen["mocap"], STATISTIC["mocap"], LABEL[STATISTIC["mocap"]], TASKS["mocap"],
                           correlations["mocap"], baseline=copy)
save(fig, "lyapunov_experiments/mocap",
     caption=f"Motion capture: spectra at the selected epoch coloured by validation loss, and the mean exponent "
             f"against the loss with Spearman's ρ and its 95 % bootstrap interval, the dashed line copying the last frame; "
             f"{len(members['mocap'])} networks of {mocap_hidden} units, {mocap_epochs} epochs, p from {p_low:g} to {p_high:g}.")

# %% [markdown]
# {glue:md}`mocap_learned`
#
# {glue:md}`verdict_mocap`
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
fig, axes = plt.subplots(2, len(tables), figsize=(5.5 * len(tables), 6.5), sharex="col", squeeze=False)
converged = {}
order = [name for name in ("charrnn", "charrnn_init", "mocap") if name in tables]
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
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
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
    ax.legend(fontsize="small")
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
# one with the validation loss (for CharRNN also the partial correlation given the learning rate,
# `spearman_controlled`), the epoch from which the statistic ranks the networks, and for every finished
# network its hyperparameters, selected epoch, validation loss, the largest and mean exponents of the
# $h$ and the $(h, c)$ state, and the spectral radius and largest real part at the equilibrium of the network
# without input (the scorecard puts them beside the other experiment's networks); the cost table (per task
# the seconds of one iteration and one spectrum, the spectrum in iterations, the mean iterations to the
# selected epoch, how many networks were selected at their last epoch, and the fraction); the
# outcomes of the four claims with their criteria.

# %% tags=["hide-input"]
sweeps = {name: {"tables": runs[name], "statistic": STATISTIC[name], "spearman": correlations[name],
                 "spearman_other": others[name], "ranking_epoch": settled[name][0]} for name in TASKS}
sweeps["charrnn"]["spearman_controlled"] = controlled
write_json("lyapunov_experiments.json", results_record(profile, sweeps, costs, list(outcomes.values())));

# %% [markdown]
# ## Summary
#
# - {glue:md}`verdict_charrnn`
# - {glue:md}`verdict_mocap`
# - {glue:md}`verdict_convergence`
# - {glue:md}`verdict_cost`
#
# ## What to try
#
# - `python -m lstmdyn sweep charrnn --profile paper --scheduler tcp://HOST:8786`: the paper's 60 CharRNNs of
#   512 units for 40 epochs on a Dask cluster (one worker per GPU), then
#   `python -m lstmdyn run lyapunov_experiments --profile paper` to draw this page from them (the sweeps
#   `charrnn_init` and `mocap` likewise). Does the correlation of the largest exponent with the loss hold at
#   the paper's size?
# - `python -m lstmdyn run lyapunov_experiments -p char_epochs 10`: longer CharRNN training; from which epoch
#   on does the spectrum rank the networks?
# - `python -m lstmdyn run lyapunov_experiments -p mocap_hidden 256`: the paper's motion-capture size.
# - `python -m lstmdyn run lyapunov_experiments -p mocap_epochs 100`: the paper profile's motion-capture
#   length; how many networks beat copying the last frame then, and does the mean exponent rank them?
# - `python -m lstmdyn run lyapunov_experiments -p mocap_target frame`: the read-out predicting the frame
#   itself, as the paper's does; how far above copying do those networks stay?
# - `python -m lstmdyn run lyapunov_experiments -p char_population grid`: CharRNNs sampled from the authors'
#   grid-search ranges; does the learning rate still carry the correlation?
# - `python -m lstmdyn run lyapunov_experiments -p char_init_values 6 -p char_epochs 10`: more values of p,
#   trained longer; does the spectrum still approach its final one from below at every p?
