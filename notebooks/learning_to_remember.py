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
# # Learning to remember
#
# A student report on LSTMs (among the documents this book draws on) built "a very simple LSTM" in numpy,
# trained it with a rough backpropagation through time on binary counting and on the Reber grammars, saw
# its loss oscillate, flatten, decay or blow up, and ended with open questions: was its BPTT right, should
# the previous output feed all four gates, and were the exploding weights it saw a bug or exploding
# gradients? This chapter redoes the work with an implementation that is checked against finite differences
# and PyTorch (`lstmdyn.numpy_lstm`), and with the package's trainer where speed matters, and answers those
# questions. Everything here is synthetic by design: the tasks are grammars and counts with known answers.
#
# **Reproduces:** no paper's figure: it builds the LSTM of {eq}`lstm-equations` from scratch, the
# groundwork for both papers' training runs, and answers a report's questions with measurements.

# %% tags=["parameters"]
seed = 0  # random seed of the first run; run k uses seed + k
seeds = 3  # independent runs behind every curve and number on this page
hidden = 16  # units of every network on this page
epochs = 1000  # gradient steps of the numpy LSTM (one step per pass over its sequence)
learning_rates = [0.03, 0.3, 3.0, 30.0]  # step sizes of the learning-rate sweep
clip = 0.1  # gradient-norm threshold of the clipped run
reber_strings = 1000  # training strings of the grammar tasks
reber_epochs = 30  # epochs of the grammar tasks
test_strings = 300  # test strings of the grammar tasks
reber_lr = 0.01  # Adam learning rate of the grammar tasks

# %% tags=["hide-input"]

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lstmdyn.book.listing import source
from lstmdyn.book.page import glue_numbers, glue_text, table
from lstmdyn.book.plotting import median_band, save, use_style
from lstmdyn.data.synthetic import alternation, binary_counting
from lstmdyn.experiments.remember import (
    GRAMMAR_BATCH,
    Divergence,
    bits_right,
    clipping_sentence,
    compare_learning,
    fit_sequence,
    gradient_errors,
    grammar_run,
    learned,
    loss_shapes,
    repeated_symbol_right,
)
from lstmdyn.names import counted
from lstmdyn.numpy_lstm import NumpyLSTM

use_style()
runs = [seed + k for k in range(seeds)]
glue_text(runs=counted(seeds, 'run'), steps_words=counted(epochs, 'step'), reber_epochs_words=counted(reber_epochs, 'epoch'))
glue_numbers(grammar_batch=GRAMMAR_BATCH, seeds=seeds, hidden=hidden, epochs=epochs, reber_strings=reber_strings, reber_epochs=reber_epochs,
             test_strings=test_strings, reber_lr=reber_lr)

# %% [markdown]
# ## The LSTM, forward and backward
#
# The forward pass is the LSTM of the chapter on the model (`lstmdyn.cells`), with the previous output
# $h_{t-1}$ entering all four gates, followed by a read-out $y_t = V h_t + d$ and a loss averaged over the
# $T$ steps of the sequence. Backpropagation through time runs the recursion backwards from $t = T$, carrying
# two errors from the future, $\delta h_t$ and $\delta c_t$:
#
# $$
# \begin{aligned}
# \delta h_t &= V^\top \delta y_t + W^\top \delta a_{t+1}, &
# \delta c_t &= \delta h_t \odot o_t \odot (1 - \tanh^2 c_t) + \delta c_{t+1} \odot f_{t+1},\\
# \delta o_t &= \delta h_t \odot \tanh c_t, &
# \delta i_t &= \delta c_t \odot g_t,\quad \delta f_t = \delta c_t \odot c_{t-1},\quad \delta g_t = \delta c_t \odot i_t,
# \end{aligned}
# $$
#
# then through the gate nonlinearities to the pre-activations $\delta a_t$, and into the weights:
# $\partial L/\partial W = \sum_t \delta a_t h_{t-1}^\top$, $\partial L/\partial U = \sum_t \delta a_t x_t^\top$.
# The code follows these lines one by one:

# %%
source(NumpyLSTM.gradients)

# %% [markdown]
# Is it right? We compare every gradient with central finite differences and with PyTorch's automatic
# differentiation of the same network with the same weights.

# %%
rng = np.random.default_rng(seed)
errors = gradient_errors(NumpyLSTM.random(5, 4, 3, rng=rng, scale=0.8), rng.normal(size=(12, 4)),
                         rng.integers(3, size=12))
glue_numbers(worst_error=errors[["vs finite differences", "vs PyTorch autograd"]].to_numpy().max())
table(errors, {"vs finite differences": "{:.1e}", "vs PyTorch autograd": "{:.1e}"})

# %% [markdown]
# The largest relative error is {glue:text}`worst_error:.1e`: the gradients are right to the precision of the
# finite differences (the tests require $10^{-7}$ for every parameter).
#
# ## Alternating and counting
#
# The report's first tasks, with numbers as 4-bit vectors and the next number as the target (a sigmoid per
# bit): alternate 1 and 2, and count 1, 2, …, 9, 1, 2, … . One gradient step per pass over the sequence,
# {glue:text}`steps_words`, {glue:text}`hidden` units, learning rate 0.3; {glue:text}`runs` each.

# %%
sequences = {"alternation 1, 2": alternation(1, 2, 20), "counting 1 to 9": binary_counting(repeats=3)}


def fits(sequence, lr, clip=None):
    return [fit_sequence(sequence, hidden=hidden, lr=lr, steps=epochs, seed=run, clip=clip) for run in runs]


trained = {name: fits(s, 0.3) for name, s in sequences.items()}
fig, ax = plt.subplots(figsize=(6.5, 3.4))
for name, models in trained.items():
    median_band(ax, np.arange(1, epochs + 1), np.array([m.history["loss"] for m in models]), label=name)
ax.set(xlabel="gradient step", ylabel="loss (binary cross-entropy per step)", yscale="log")
ax.legend()
save(fig, "learning_to_remember/counting",
     caption=f"Loss of the numpy LSTM ({counted(hidden, 'unit')}, learning rate 0.3) on alternation and counting over {counted(epochs, 'step')}: median over {counted(seeds, 'run')}, band 10-90 %.")
accuracy = {name: np.mean([bits_right(m, sequences[name]) for m in models]) for name, models in trained.items()}
glue_numbers(alternation_accuracy=100 * accuracy["alternation 1, 2"], counting_accuracy=100 * accuracy["counting 1 to 9"])

# %% [markdown]
# After training, {glue:text}`alternation_accuracy:.0f` % of the alternation steps and
# {glue:text}`counting_accuracy:.0f` % of the counting steps have all four bits right (means over runs).
# Neither task needs memory: the next number is a function of the current one. What they test is whether
# the network learns a mapping through its gates and read-out at all, which the report's implementation could
# not tell.
#
# ## Learning rate and the shape of the loss curve
#
# The report saw its loss oscillate, stay flat, decay, or grow. Here is the counting task for several
# learning rates, one line per run. Each curve's shape is measured, not read off the plot: how far the loss
# fell (final over initial loss), on what share of the steps it rose, and how much the weights grew
# (`lstmdyn.experiments.remember.LossShape`; medians over runs).

# %%
counting = sequences["counting 1 to 9"]
sweep = {lr: fits(counting, lr) for lr in learning_rates}
fig, ax = plt.subplots(figsize=(5.8, 3.4))
for k, (lr, models) in enumerate(sweep.items()):
    for j, model in enumerate(models):
        ax.plot(model.history["loss"], color=f"C{k}", lw=1, alpha=0.8, label=f"learning rate {lr:g}" if j == 0 else None)
ax.axhline(4 * np.log(2), color="grey", ls="--", lw=0.8, label="chance: 4 ln 2")
ax.set(xlabel="gradient step", ylabel="loss", yscale="log", title="counting 1 to 9: learning-rate sweep")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "learning_to_remember/learning_rates",
     caption=f"Loss on counting for each learning rate in {learning_rates}, one line per run ({counted(seeds, 'run')}, {counted(hidden, 'unit')}).")
shapes = loss_shapes(sweep)
shapes["final loss"] = [np.median([m.history["loss"][-1] for m in models]) for models in sweep.values()]
shapes["steps right"] = [np.mean([bits_right(m, counting) for m in models]) for models in sweep.values()]
chance = 4 * np.log(2)  # four bits, each predicted at 1/2
top = shapes.iloc[-1]
glue_text(lr_shapes="; ".join(f"at learning rate {r['learning rate']:g} the loss **{r['shape']}**"
                              for _, r in shapes.iterrows()),
          lr_top=f"At the largest learning rate, {top['learning rate']:g}, the loss ends at {top['final loss']:.2f}, "
                 + (f"{top['final loss'] / chance:.1f} times the chance level" if top["final loss"] > 1.1 * chance else
                    "about the chance level" if top["final loss"] > 0.9 * chance else "below the chance level")
                 + f" of {chance:.2f} (every bit predicted at 1/2), with the weights grown {top['weight growth']:.0f}-fold.")
table(shapes, {"learning rate": "{:g}", "steps with rising loss": "{:.0%}", "weight growth": "{:.1f}"})

# %% [markdown]
# Measured: {glue:md}`lr_shapes`. {glue:md}`lr_top`
#
# Each shape has a plain cause in gradient descent on a fixed loss. Every learning rate starts from the same
# weights (run $k$ uses seed $k$ at every rate), so the shapes differ by the step size alone. A loss that
# *decays slowly* takes steps too short to get far in the steps it has; a loss that *decays* fast takes steps
# matched to the curvature of the loss. A loss that *oscillates* takes steps larger than the
# valley is wide: it overshoots and bounces between the walls, and a bad step can throw the weights into a
# region of saturated gates. A loss that *grows* has weights that grow step after step (next figure) until
# gates and outputs saturate. The report's explanation of the oscillation (a "local optimum trap") does not
# fit: a gradient step cannot oscillate around a minimum unless it overshoots, and overshooting is a matter
# of step size, which is what the sweep varies.
#
# ## Exploding gradients, and clipping
#
# At the largest learning rate, we follow the norm of the gradient and of all weights, once plainly and once
# with the gradient norm clipped to {glue:text}`clip:g` before each step {cite:p}`pascanu2013`.

# %%
high = max(learning_rates)
plain, clipped = fits(counting, high), fits(counting, high, clip=clip)
fig, axes = plt.subplots(1, 3, figsize=(8.5, 3.2))
for label, models in (("no clipping", plain), (f"clipped at {clip:g}", clipped)):
    for ax, key in zip(axes, ("loss", "gradient_norm", "weight_norm"), strict=True):
        median_band(ax, np.arange(1, epochs + 1), np.array([m.history[key] for m in models]), label=label)
for ax, ylabel in zip(axes, ("loss", "gradient norm (before clipping)", "norm of all weights"), strict=True):
    ax.set(xlabel="gradient step", ylabel=ylabel, yscale="log")
    ax.legend()
fig.suptitle(f"counting 1 to 9 at learning rate {high:g}")
save(fig, "learning_to_remember/exploding",
     caption=f"Loss, gradient norm and weight norm at learning rate {max(learning_rates):g} with and without clipping at {clip:g}: median over {counted(seeds, 'run')}.")
largest_weight = max(np.abs(w).max() for m in plain for w in m.parameters().values())
divergence = Divergence.of(plain[0].history)
glue_text(report_weights=(
    f"Without clipping at learning rate {high:g}, the largest single weight here ends at {largest_weight:.0f}: "
    + ("of the report's order, so too large a step explains it." if largest_weight >= 500 else
       "the report's weights are **not reproduced**, and this page does not try to explain them.")),
    divergence=divergence.sentence(high),
    clipping=clipping_sentence(clipped[0].history["gradient_norm"], clip, high))
glue_numbers(clipped_share=float(np.mean(np.asarray(clipped[0].history["gradient_norm"]) > clip)),
             early_jump=divergence.weights_early / divergence.weights_start)
glue_numbers(clip=clip, weights_plain=np.median([m.history["weight_norm"][-1] for m in plain]),
             weights_clipped=np.median([m.history["weight_norm"][-1] for m in clipped]),
             loss_plain=np.median([m.history["loss"][-1] for m in plain]),
             loss_clipped=np.median([m.history["loss"][-1] for m in clipped]))

# %% [markdown]
# Without clipping the weights end with norm {glue:text}`weights_plain:.0f` and the loss at
# {glue:text}`loss_plain:.2g`; with clipping at {glue:text}`weights_clipped:.0f` and {glue:text}`loss_clipped:.2g`
# (medians over {glue:text}`runs`). In the first run without clipping, {glue:md}`divergence`.
# {glue:md}`clipping`.
#
# ## The Reber grammar
#
# Strings of the Reber grammar (see `lstmdyn.data.synthetic`), one-hot encoded over B, T, S, X, P, V, E. The
# network reads a string symbol by symbol and predicts the next one; since the grammar branches, the right
# answer is a *set* of legal symbols, and a prediction counts as correct if its most likely symbol is legal.
# This and the next experiment use the package's trainer (PyTorch, Adam, learning rate {glue:text}`reber_lr:g`,
# batches of {glue:text}`grammar_batch`):
# {glue:text}`reber_strings` training strings, {glue:text}`reber_epochs_words`, {glue:text}`test_strings`
# fresh test strings, {glue:text}`hidden` units.

# %%
def grammar_runs(embedded, cell):
    return [grammar_run(embedded=embedded, cell=cell, seed=run, hidden=hidden, strings=reber_strings,
                        test_strings=test_strings, epochs=reber_epochs, lr=reber_lr) for run in runs]


reber = grammar_runs(False, "lstm")
fig, ax = plt.subplots(figsize=(6, 3.2))
median_band(ax, np.arange(1, reber_epochs + 1), np.array([curve["legal"] for curve, _, _ in reber]), label="LSTM")
ax.set(xlabel="epoch", ylabel="legal next-symbol predictions", ylim=(0, 1.02), title="Reber grammar, test strings")
ax.legend()
save(fig, "learning_to_remember/reber",
     caption=f"Legal predictions on the Reber grammar during training ({counted(hidden, 'unit')}, Adam at {reber_lr:g}, {counted(reber_strings, 'string')}, {counted(reber_epochs, 'epoch')}, {counted(seeds, 'run')}).")
glue_numbers(reber_legal=100 * np.mean([curve["legal"].iloc[-1] for curve, _, _ in reber]))

# %% [markdown]
# After training, {glue:text}`reber_legal:.1f` % of the test predictions are legal next symbols (mean over
# runs). The Reber grammar itself needs little memory: the legal next symbols depend on the automaton's state,
# which the last two symbols almost always determine.
#
# ## The embedded Reber grammar: a long-range dependency
#
# In the embedded grammar a Reber string is wrapped as B**T**…**T**E or B**P**…**P**E: after the inner string's
# E, the network must recall the second symbol, seen as many steps before as the inner string is long. The
# report expected this to be out of reach of a plain recurrent network. We train an LSTM and a vanilla
# (tanh) RNN with the same number of units on the same strings, and measure the share of test strings whose
# repeated symbol is predicted correctly (chance: one in two).

# %%
embedded = {cell: grammar_runs(True, cell) for cell in ("lstm", "rnn")}
bins = [4, 8, 12, 16, 60]
by_length = {cell: pd.concat([repeated_symbol_right(model, test) for _, model, test in results])
             .pipe(lambda frame: frame.groupby(pd.cut(frame["inner"], bins), observed=True)["right"].mean())
             for cell, results in embedded.items()}
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4))
for cell, results in embedded.items():
    median_band(axes[0], np.arange(1, reber_epochs + 1), np.array([curve["final"] for curve, _, _ in results]),
                label=cell.upper())
    axes[1].plot([i.mid for i in by_length[cell].index], by_length[cell].to_numpy(), "o-", label=cell.upper())
axes[0].set(xlabel="epoch", ylabel="repeated symbol predicted right", ylim=(-0.03, 1.03))
axes[1].set(xlabel="inner string's length (steps to remember)", ylabel="right, after training",
            ylim=(-0.03, 1.03))
for ax in axes:
    ax.axhline(0.5, color="grey", lw=0.8)
    ax.legend()
save(fig, "learning_to_remember/embedded_reber",
     caption=f"Embedded Reber grammar: share of test strings whose repeated symbol is predicted, during training and by inner length; LSTM against RNN, {counted(hidden, 'unit')}, {counted(seeds, 'run')}.")

# %%
scores = {cell.upper(): learned([curve["final"] for curve, _, _ in results]) for cell, results in embedded.items()}
verdict, details = compare_learning({k: v[0] for k, v in scores.items()}, {k: v[1] for k, v in scores.items()}, seeds)
glue_numbers(lstm_final=100 * scores["LSTM"][0], rnn_final=100 * scores["RNN"][0], longest_bin=bins[-2],
             inner_median=np.median([len(s) - 4 for _, _, test in embedded["lstm"] for s in test]),
             lstm_long=100 * by_length["lstm"].iloc[-1], rnn_long=100 * by_length["rnn"].iloc[-1])
glue_text(embedded_outcome=f"In short, {verdict}: {details}.", embedded_verdict=verdict)

# %% [markdown]
# At the end of training the LSTM predicts the repeated symbol for {glue:text}`lstm_final:.1f` % of the test
# strings and the vanilla RNN for {glue:text}`rnn_final:.1f` % (means over {glue:text}`runs` each).
# {glue:md}`embedded_outcome` The inner strings are short (median {glue:text}`inner_median:.0f` symbols); for
# inner strings longer than
# {glue:text}`longest_bin` symbols the LSTM is right for {glue:text}`lstm_long:.0f` % and the RNN for
# {glue:text}`rnn_long:.0f` % (right-hand panel).
#
# ## What the report left open
#
# - **(a) Was its BPTT right?** The report fed the whole sequence to the unrolled network and wondered whether
#   each prefix should be presented instead. For a loss that sums the errors of all steps, one forward pass over
#   the whole sequence and one backward pass through all of it compute exactly the gradient of that sum: the
#   prediction at step $t$ depends only on the prefix up to $t$, and its error flows back through every earlier
#   step. Presenting each prefix separately would compute the same terms again. The gradient check above
#   confirms the implementation (largest relative error {glue:text}`worst_error:.0e`).
# - **(b) Should the previous output reach all four gates?** Yes: in the standard LSTM, $h_{t-1}$ enters the
#   input, forget and output gates and the candidate. The report fed it to the candidate only, which leaves the
#   gates blind to the network's own state.
# - **The exploding weights.** The report logged all-ones outputs and weights and biases "in the thousands",
#   its log of one run showing values from about −1232 down to −2392.
#   {glue:md}`report_weights` Its intuition that squashing functions keep gradients small misses that the
#   weights multiply the error at every step back in time, and that the *step size* turns a large gradient
#   into a large weight change; a smaller learning rate or gradient-norm clipping bounds the growth here.
# - **Does an LSTM learn the embedded Reber grammar where a plain RNN fails?** Measured here, with
#   {glue:text}`hidden` units, Adam and {glue:text}`runs` each: {glue:md}`embedded_verdict`.

# %% [markdown]
# ## Summary
#
# - The numpy LSTM's gradients match finite differences and PyTorch (largest relative error
#   {glue:text}`worst_error:.0e`).
# - After training, {glue:text}`alternation_accuracy:.0f` % of the alternation steps and
#   {glue:text}`counting_accuracy:.0f` % of the counting steps right; on the Reber grammar
#   {glue:text}`reber_legal:.0f` % of the predictions are legal.
# - On the embedded Reber grammar: {glue:md}`embedded_verdict`.
#
# ## What to try
#
# - `python -m lstmdyn run learning_to_remember -p learning_rates '[1.0, 3.0, 10.0, 30.0]'`: where between
#   clean decay and growth does the loss start to oscillate?
# - `python -m lstmdyn run learning_to_remember -p clip 1.0`: a looser clipping threshold; do the weights
#   still stay bounded?
# - `python -m lstmdyn run learning_to_remember -p hidden 4 -p seeds 5`: a smaller network on the embedded
#   Reber grammar, where the long-range dependency should be harder to hold.
