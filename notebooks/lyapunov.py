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
# # The Lyapunov spectrum
#
# A recurrent network driven by its inputs stretches some small perturbations of its state and squeezes
# others. The Lyapunov exponents are the long-run rates of that stretching, one per direction, and together
# they form the Lyapunov spectrum. {cite:t}`vogt2022` compute it for trained RNNs with the QR algorithm of
# {cite:t}`benettin1980` and use it as a readout of training. This chapter implements their Algorithm 1
# (`lstmdyn.lyapunov`), shows the three regimes of a driven vanilla RNN (their Fig. 1), the spectrum of an
# LSTM (Fig. 2), the effect of a warm-up and of taking the QR step only every few steps (appendix C and
# Fig. 6), the difference between the paper's choice of state, $h$ alone, and the full state $(h, c)$, and
# what a spectrum costs compared with training (section 5.3, Table 1).
#
# **Reproduces:** {cite:t}`vogt2022` sections 3–4 (Algorithm 1, Figs. 1, 2 and 6, appendices B and C) and
# the cost of section 5.3; the trained networks of section 5 follow in their own chapter.

# %% tags=["parameters"]
seed = 0  # random seed of networks and inputs
batch = 10  # input sequences per spectrum
T = 100  # time steps per spectrum, after the warm-up
n_rnn = 100  # units of the vanilla RNN
gains = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]  # gains g of the vanilla RNN h ← tanh(g W h + U x)
n = 64  # units of the LSTM
init = 0.3  # the LSTM's weights are uniform on ±init (Vogt's initialisation parameter p)
warmup = 100  # warm-up steps where one is used
lengths = [10, 25, 50, 100, 200, 400]  # spectrum lengths in the warm-up comparison
qr_intervals = [1, 5, 10, 20]  # steps between QR factorisations
cost_sizes = [128, 256]  # LSTM sizes in the cost table
profile = "quick"  # the profile this page ran with (set by --profile; written to its results file)

# %% tags=["hide-input"]
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

import lstmdyn.lyapunov
from lstmdyn.book.listing import source
from lstmdyn.book.page import glue_numbers, glue_text, table
from lstmdyn.book.plotting import median_band, save, use_style
from lstmdyn.cells import LSTMParameters, RNNParameters
from lstmdyn.errors import CollapsedDirectionsWarning
from lstmdyn.experiments.claims_vogt import WARMUP_EFFECT, qr_interval_flattens_tail, warmup_removes_bias
from lstmdyn.experiments.costs import char_rnn_epoch_seconds, spectrum_seconds
from lstmdyn.experiments.spectra import (
    REGIME_TOLERANCE,
    carousel_comparison,
    collapsed_sentence,
    crossing_sentence,
    qr_interval_shifts,
    regime,
    slowest_forget_rate,
    spread_sentence,
    zero_crossing,
)
from lstmdyn.lyapunov import lyapunov_spectrum
from lstmdyn.names import counted
from lstmdyn.records import write_json

use_style()
warnings.simplefilter("ignore", CollapsedDirectionsWarning)  # exponents of −inf are said in the prose instead
torch.manual_seed(seed)
generator = torch.Generator().manual_seed(seed)
m = 10  # input width of the vanilla RNN and the LSTM
inputs = torch.randn(batch, warmup + max(lengths), m, dtype=torch.float64, generator=generator)
glue_numbers(batch=batch, T=T, n_rnn=n_rnn, n=n, warmup=warmup)

# %% [markdown]
# ## The algorithm
#
# Driven by the input sequence, the state evolves as $s_t = F(s_{t-1}, x_t)$, and an infinitesimal
# perturbation $\delta s$ as $\delta s_t = J_t\, \delta s_{t-1}$ with the Jacobian $J_t = \partial s_t / \partial s_{t-1}$.
# After $T$ steps a $k$-dimensional volume of perturbations has been multiplied by the product
# $J_T \cdots J_1$; the exponents are the growth rates of such volumes, dimension by dimension. Multiplying
# the Jacobians out would overflow or underflow within a few dozen steps, so the QR algorithm keeps an
# orthonormal frame $Q$ instead: at every step it applies the Jacobian, $Q \leftarrow J_t Q$, and
# re-orthonormalises, $Q, R \leftarrow \mathrm{qr}(Q)$. The diagonal of $R$ holds the stretching factors of
# the successive directions, and
#
# $$
# \lambda_i = \frac{1}{T} \sum_{t=1}^{T} \log |R^{(t)}_{ii}| \qquad \text{(eq. 5 of the paper)}.
# $$ (benettin)
#
# The package follows this standard definition, as the paper's text states it: zero initial state,
# $Q = I$, tangent vectors evolved by $J_t$, natural logarithms, one spectrum per input sequence computed
# in parallel for the whole batch, and analytic Jacobians (appendix B of the paper) built by scaling rows of
# the weight matrices by gate derivatives. The authors' published code (`calc_LEs_an` in their
# lyapunov-hyperopt repository) differs in two ways: it evolves the frame with the transpose,
# $Q \leftarrow J_t^\top Q$, which changes individual exponents slightly but not their sum (both products
# have the same determinant), and it sums $\log_2 |R_{ii}|$, so its exponents are in bits per step, ours
# divided by $\ln 2$. `lyapunov_spectrum(..., frame="transpose", units="bits")` reproduces their numbers;
# wherever this book compares with theirs, it converts and says so. Options: a warm-up that evolves state
# and frame before counting, a QR only every `qr_every` steps (always also at the last step), the choice of
# state, and the QR method (`qr=`): LAPACK's Householder QR, or CholeskyQR2, which is mostly matrix
# products (what a GPU is built for) and falls back to Householder for frames too ill-conditioned for it;
# the performance page measures which is faster where. `lyapunov_spectra` takes several networks of one shape at once.
# The heart of `lstmdyn.lyapunov`:

# %%
source(lstmdyn.lyapunov._benettin)

# %% [markdown]
# ## Three regimes of a driven vanilla RNN
#
# The network $h_{t+1} = \tanh(g W h_t + U x_{t+1})$ with $W_{ij} \sim \mathcal N(0, 1/n)$ is a classic
# model: without input it is quiet for gains $g < 1$ and chaotic for $g > 1$. Input shifts the transition
# to larger gains. We scan the gain and measure the largest exponent (mean over {glue:text}`batch` input
# sequences of {glue:text}`T` steps after a warm-up of {glue:text}`warmup`).

# %%
def vanilla(gain):
    return RNNParameters.random(n_rnn, m, rng=np.random.default_rng(seed), gain=gain)


gains = sorted(gains)
spectra = {g: lyapunov_spectrum(vanilla(g).to_module(), inputs[:, :warmup + T], warmup=warmup) for g in gains}
largest = np.array([s[:, 0].mean().item() for s in spectra.values()])
g_marginal = zero_crossing(gains, largest)
shown_gains = [gains[0], *([g_marginal] if g_marginal is not None else []), gains[-1]]
for g in shown_gains:
    spectra.setdefault(g, lyapunov_spectrum(vanilla(g).to_module(), inputs[:, :warmup + T], warmup=warmup))
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(gains, largest, "o-")
ax.axhline(0, color="grey", lw=0.8)
if g_marginal is not None:
    ax.axvline(g_marginal, color="C3", ls="--", label=f"λ₁ = 0 at g ≈ {g_marginal:.2f}")
    ax.legend()
ax.set(xlabel="gain $g$", ylabel=r"largest exponent $\lambda_1$ (per step)", title=f"driven tanh RNN, n = {n_rnn}")
save(fig, "lyapunov/largest_vs_gain",
     caption=f"Largest Lyapunov exponent of the driven tanh RNN (n = {n_rnn}) against its gain, mean over {counted(batch, 'sequence')} of {T} steps after {warmup} warm-up steps.")
glue_numbers(largest_min=largest.min(), largest_max=largest.max())
glue_text(crossing=crossing_sentence(gains, list(largest), g_marginal),
          networks_shown=("three networks: the smallest gain, the crossing and the largest gain" if g_marginal
                          is not None else "the networks of the smallest and the largest gain"))

# %% [markdown]
# {glue:md}`crossing` We take {glue:md}`networks_shown`, and drive each from five initial states close to one
# another with the same input: a common state plus independent perturbations of size
# {glue:text}`start_spread:.0e`. Look at whether the trajectories of one unit merge or move apart, and at the
# whole spectrum below them.

# %% tags=["hide-input"]
start_spread = 1e-3  # standard deviation of the perturbations of the common initial state
state_rng = np.random.default_rng(seed)
starts = state_rng.normal(0, 0.5, n_rnn) + start_spread * state_rng.normal(size=(5, n_rnn))
shown = min(60, warmup + T)  # steps of the trajectories shown
x_drive = np.broadcast_to(inputs[0, :shown].numpy(), (5, shown, m))
fig, axes = plt.subplots(2, len(shown_gains), figsize=(8.5, 5.6), sharey="row", squeeze=False)
rows, spreads = [], []
initial_spread = np.linalg.norm(starts - starts.mean(0), axis=1).max()
for column, g in enumerate(shown_gains):
    states = vanilla(g).run(x_drive, h0=starts)["h"]
    final_spread = np.linalg.norm(states[:, -1] - states[:, -1].mean(0), axis=1).max()
    name = regime(spectra[g][:, 0].mean().item())
    axes[0, column].plot(np.arange(1, shown + 1), states[:, :shown, 0].T, lw=1)
    axes[0, column].set(title=f"{name}: g = {g:.2f}", xlabel="time step $t$")
    median_band(axes[1, column], np.arange(1, n_rnn + 1), spectra[g].numpy(), label=name)
    axes[1, column].axhline(0, color="grey", lw=0.8)
    axes[1, column].set(xlabel="exponent index $i$")
    rows.append({"gain g": g, "regime (from λ₁)": name, "largest exponent λ₁": spectra[g][:, 0].mean().item(),
                 "spread at the start": initial_spread, f"spread after {counted(shown, 'step')}": final_spread})
    spreads.append(f"at *g* = {g:.2f} ({name}, λ₁ = {spectra[g][:, 0].mean().item():+.3f}) the spread "
                   + spread_sentence(initial_spread, final_spread))
axes[0, 0].set_ylabel("$h_t$ of unit 1, five initial states")
axes[1, 0].set_ylabel(r"$\lambda_i$ (per step)")
save(fig, "lyapunov/regimes",
     caption=f"Top: unit 1 of five trajectories from initial states {start_spread:g} apart under the same input; bottom: the spectra (median, 10-90 % over {counted(batch, 'sequence')}), n = {n_rnn}.")
glue_numbers(shown=shown, start_spread=start_spread, regime_tolerance=REGIME_TOLERANCE)
glue_text(spreads="; ".join(spreads),
          collapsed_gains=collapsed_sentence({f"g = {g:.2f}": spectra[g].numpy() for g in shown_gains}))
table(pd.DataFrame(rows), {"gain g": "{:.2f}", "spread at the start": "{:.1e}", f"spread after {counted(shown, 'step')}": "{:.1e}"})

# %% [markdown]
# The table gives, for each network, the largest distance of the five states from their mean at the start
# and after {glue:text}`shown` steps of common input; the regime is named by the sign of λ₁ (within
# ±{glue:text}`regime_tolerance:g` of zero: marginal). Measured: {glue:md}`spreads`. {glue:md}`collapsed_gains` A negative spectrum means the state forgets where it started
# and follows the input alone; with a positive exponent nearby trajectories separate, however long the common
# input lasts; near a crossing some perturbations neither grow nor shrink, the regime in which gradients can
# travel far back in time. (Spectra: median over the input sequences; bands: 10–90 %.)
#
# ## The spectrum of an LSTM
#
# An LSTM with {glue:text}`n` units and weights uniform on $\pm p$ (the *initialisation parameter* of the
# paper's experiments), driven by the same Gaussian inputs. Following the paper, the state is $h$ and the
# Jacobian is $\partial h_t / \partial h_{t-1}$ with the cell state held fixed.

# %%
torch.manual_seed(seed)
lstm = torch.nn.LSTM(m, n, batch_first=True).double()
with torch.no_grad():
    for p in lstm.parameters():
        p.uniform_(-init, init)
x = inputs[:, :warmup + T]
lstm_h = lyapunov_spectrum(lstm, x, warmup=warmup)
fig, ax = plt.subplots(figsize=(6.5, 3.4))
median_band(ax, np.arange(1, n + 1), lstm_h.numpy(), label="median over sequences")
ax.axhline(0, color="grey", lw=0.8)
ax.set(xlabel="exponent index $i$", ylabel=r"$\lambda_i$ (per step)", title=f"LSTM, n = {n}, p = {init}")
ax.legend()
save(fig, "lyapunov/lstm_spectrum",
     caption=f"Lyapunov spectrum of an LSTM with {counted(n, 'unit')}, weights uniform on ±{init}, state h: median and 10-90 % over {counted(batch, 'sequence')} of {T} steps.")
glue_numbers(lstm_max=lstm_h[:, 0].mean().item(), lstm_mean=lstm_h.mean().item(),
             lstm_spread=lstm_h[:, 0].std().item(), lstm_spread_mean=lstm_h[:, 0].std().item() / np.sqrt(batch))
glue_text(collapsed_lstm=collapsed_sentence({f"p = {init:g}": lstm_h.numpy()}))

# %% [markdown]
# The largest exponent is {glue:text}`lstm_max:.3f` and the mean {glue:text}`lstm_mean:.3f` per step; across
# input sequences the largest varies with a standard deviation of {glue:text}`lstm_spread:.3f`. Averaging over
# the {glue:text}`batch` sequences of a batch shrinks that spread by the square root of their number, to a
# standard error of about
# {glue:text}`lstm_spread_mean:.3f`; it does not remove it. These are the two statistics the paper correlates with
# performance: the largest exponent for the character-level model, the mean one for motion capture.
# {glue:md}`collapsed_lstm`
#
# ## Warm-up
#
# The state starts at zero, off the network's attractor, and the first steps measure a transient. We estimate
# the largest and the mean exponent from spectra of increasing length $T$, with no warm-up and with
# {glue:text}`warmup` warm-up steps.

# %%
rows = []
for length in lengths:
    for w in (0, warmup):
        s = lyapunov_spectrum(lstm, inputs[:, :w + length], warmup=w)
        rows.append({"T": length, "warm-up": w, "largest": s[:, 0].mean().item(), "mean": s.mean().item()})
estimates = pd.DataFrame(rows)
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4))
for w, group in estimates.groupby("warm-up"):
    axes[0].plot(group["T"], group["largest"], "o-", label=f"warm-up {w}")
    axes[1].plot(group["T"], group["mean"], "o-", label=f"warm-up {w}")
for ax, what in zip(axes, ["largest exponent", "mean exponent"], strict=True):
    ax.set(xscale="log", xlabel="steps counted $T$", ylabel=f"{what} (per step)")
    ax.legend()
save(fig, "lyapunov/warmup",
     caption=f"Largest and mean exponent against the number of steps counted, without warm-up and with {warmup} warm-up steps (n = {n}).")
longest = estimates[estimates["T"] == max(lengths)].set_index("warm-up")
shortest = estimates[estimates["T"] == min(lengths)].set_index("warm-up")
bias_cold = shortest.loc[0, "largest"] - longest.loc[warmup, "largest"]
bias_warm = shortest.loc[warmup, "largest"] - longest.loc[warmup, "largest"]
glue_numbers(bias_cold=bias_cold, bias_warm=bias_warm, T_short=min(lengths))
warmup_outcome = warmup_removes_bias(bias_cold, bias_warm)
glue_text(warmup_effect=WARMUP_EFFECT[warmup_outcome.verdict])

# %% [markdown]
# Over {glue:text}`T_short` steps the largest exponent without warm-up is off by {glue:text}`bias_cold:+.3f`
# from the longest warmed-up estimate, and by {glue:text}`bias_warm:+.3f` with the warm-up. The start from
# the zero state biases short estimates; the warm-up {glue:md}`warmup_effect`, at the price of steps that are
# computed but not counted. Both estimates converge as $T$ grows.
#
# ## QR every k steps
#
# The QR step is the expensive part of the algorithm. Taking it only every $k$ steps lets the frame
# stretch and shrink for $k$ steps in between: the leading directions are fine, but the trailing ones shrink
# by $e^{k \lambda_i}$ and drown in rounding errors, which flattens the tail of the spectrum (appendix C
# and Fig. 6 of the paper). In float32 that happens much sooner than in float64.

# %%
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
tails = {}
for ax, dtype in zip(axes, (torch.float32, torch.float64), strict=True):
    for k in qr_intervals:
        s = lyapunov_spectrum(lstm.to(dtype), x.to(dtype), warmup=warmup, qr_every=k).double().mean(0)
        ax.plot(np.arange(1, n + 1), s.numpy(), label=f"QR every {k}")
        tails[(str(dtype)[6:], k)] = (s[0].item(), s[-1].item())
    ax.set(title=str(dtype)[6:], xlabel="exponent index $i$")
    ax.legend()
axes[0].set_ylabel(r"$\lambda_i$ (mean over sequences)")
lstm.double()
save(fig, "lyapunov/qr_interval",
     caption=f"Mean spectrum for QR every k steps (k = {', '.join(str(k) for k in qr_intervals)}), in float32 and float64 (n = {n}, {counted(batch, 'sequence')}).")
outcomes = [warmup_outcome, qr_interval_flattens_tail(tails)]
glue_text(verdict_warmup=outcomes[0].sentence(), verdict_qr=outcomes[1].sentence(), qr_shifts=qr_interval_shifts(tails))
write_json("lyapunov.json", {"profile": profile, "outcomes": [o.as_dict() for o in outcomes]})
table(pd.DataFrame([{"dtype": d, "QR every": k, "largest": head, "smallest": tail}
                    for (d, k), (head, tail) in tails.items()]), precision=4)

# %% [markdown]
# {glue:md}`verdict_qr` {glue:md}`verdict_warmup`
#
# {glue:md}`qr_shifts` A trailing exponent is lost once the $i$-th column of the frame has shrunk, relative
# to the first, by more than the floating-point precision between two QR steps:
# $k(\lambda_1 - \lambda_i) \gtrsim \ln(1/\varepsilon)$, about 16 in float32 and 36 in float64; the leading
# ones are not. Where only the head of the spectrum matters, as for the paper's largest-exponent readout, a
# QR every few steps saves time; the cost table below measures how much.
#
# ## The state: $h$ alone, or $(h, c)$
#
# The paper treats the hidden state $h$ as the LSTM's state and holds the cell state fixed when it
# differentiates, which gives $n$ exponents. The LSTM's actual state is $(h, c)$, with $2n$ exponents.

# %%
lstm_hc = lyapunov_spectrum(lstm, x, warmup=warmup, state="hc")
fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(np.arange(1, 2 * n + 1), lstm_hc.mean(0).numpy(), label="state (h, c): 2n exponents")
ax.plot(np.arange(1, n + 1), lstm_h.mean(0).numpy(), label="state h, c held fixed: n exponents")
ax.axhline(0, color="grey", lw=0.8)
ax.set(xlabel="exponent index $i$", ylabel=r"$\lambda_i$ (mean over sequences)", title=f"LSTM, n = {n}")
ax.legend()
save(fig, "lyapunov/h_versus_hc",
     caption=f"Mean spectrum of the full state (h, c) against that of h with c held fixed (n = {n}, {counted(batch, 'sequence')}).")
forget = LSTMParameters.from_torch(lstm).as_numpy().run(x.numpy())["f"][:, warmup:]
slowest = slowest_forget_rate(forget)
glue_numbers(hc_max=lstm_hc[:, 0].mean().item(), h_max=lstm_h[:, 0].mean().item(), forget_slowest=slowest,
             forget_mean=float(np.log(forget).mean()))
glue_text(hc_comparison="larger than" if lstm_hc[:, 0].mean() > lstm_h[:, 0].mean() else "smaller than or equal to",
          carousel=carousel_comparison(lstm_hc[:, 0].mean().item(), slowest))

# %% [markdown]
# With the full state the largest exponent is {glue:text}`hc_max:.3f`, {glue:md}`hc_comparison` the
# {glue:text}`h_max:.3f` of the paper's choice. The cell state's own Jacobian block is $\mathrm{diag}(f_t)$:
# on its own, a perturbation of $c_j$ would decay at the time average of $\log f_{t,j}$. Along these
# trajectories that average is {glue:text}`forget_mean:.2f` per step over all units, and
# {glue:text}`forget_slowest:.2f` for the unit with the most open forget gate. The largest exponent of the
# full state {glue:md}`carousel`. Holding $c$ fixed, the $h$-only spectrum cuts the path through which a
# perturbation of $h$ is stored in $c$ and returns later. For the readouts of the paper (largest and mean
# exponent of trained networks) the choice matters wherever the forget gates are open; the package offers
# both.
#
# ## What a spectrum costs
#
# The paper reports that a spectrum (10 sequences of 100 steps) costs a small fraction of training. We time
# a float32 spectrum against one epoch of the paper's CharRNN task for LSTMs of the sizes below, in the same
# run (the epoch is scaled from three timed training batches of 100 sequences of 100 characters).

# %%
rows = []
for size in cost_sizes:
    model = torch.nn.LSTM(82, size, batch_first=True)
    sequences = torch.randn(10, 100, 82, generator=generator)
    spectrum, every10 = spectrum_seconds(model, sequences), spectrum_seconds(model, sequences, qr_every=10)
    epoch = char_rnn_epoch_seconds(size, seed=seed)
    rows.append({"n": size, "spectrum (s)": spectrum, "spectrum, QR every 10 (s)": every10,
                 "one training epoch (s)": epoch, "spectrum / epoch": spectrum / epoch})
costs = pd.DataFrame(rows)
glue_numbers(threads=torch.get_num_threads(), worst_fraction=costs["spectrum / epoch"].max())
table(costs, {"spectrum / epoch": "{:.4f}"}, precision=2)

# %% [markdown]
# With {glue:text}`threads` threads, a spectrum costs at most {glue:text}`worst_fraction:.3f` of one
# training epoch here, and trained networks need tens of epochs, so computing spectra at every checkpoint of
# a training run adds little. The performance page has the single-thread benchmark against autograd
# Jacobians and a straightforward implementation.

# %% [markdown]
# ## Summary
#
# - The QR algorithm {eq}`benettin` with analytic Jacobians gives the spectrum of any `torch.nn` LSTM, GRU
#   or RNN, one per input sequence.
# - Driven tanh RNN. {glue:md}`crossing` Five trajectories from states {glue:text}`start_spread:.0e` apart:
#   {glue:md}`spreads`.
# - A warm-up {glue:md}`warmup_effect` of short estimates; the full state $(h, c)$ has a largest exponent
#   of {glue:text}`hc_max:.3f` against {glue:text}`h_max:.3f` for $h$ alone.
# - A spectrum costs at most {glue:text}`worst_fraction:.3f` of a training epoch here.
# - The chapter writes `lyapunov.json` beside this page: its profile and the outcomes of the claims on the
#   warm-up and the QR interval.
#
# ## What to try
#
# - `python -m lstmdyn run lyapunov -p gains '[1.5, 1.75, 2.0, 2.25, 2.5]'`: a finer scan around the crossing.
# - `python -m lstmdyn run lyapunov -p init 0.05`: a small initialisation parameter, the low end of the
#   paper's motion-capture sweep; how do the largest and the mean exponent move?
# - `python -m lstmdyn run lyapunov -p qr_intervals '[1, 50]'`: a QR step only every 50 steps; watch the
#   tail of the spectrum collapse in float32.
