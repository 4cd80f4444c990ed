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
# # The LSTM model
#
# Why do recurrent networks forget, why do their gradients vanish or explode, and how does the LSTM
# cell get around it? This chapter answers with small experiments: linear recursions, where the largest
# eigenvalue decides everything; recursions through sigmoid, tanh and ReLU, which saturate, linger or blow
# up; gradients as products of Jacobians; and the LSTM cell with its constant error carousel, whose code
# the rest of the book reuses and which we check here against PyTorch. It follows lecture notes on
# *stability analysis and LSTMs* and the classic analyses of {cite:t}`bengio1994` and {cite:t}`pascanu2013`;
# the LSTM is that of {cite:t}`hochreiter1997` with the forget gate of {cite:t}`gers2000`.
#
# **Reproduces:** the background that both papers assume: the LSTM of {cite:t}`amrouche2019` (section 2,
# eq. 1) and of {cite:t}`vogt2022` (appendix B; their section 2 is the vanilla RNN), and the gradient analysis of
# {cite:t}`bengio1994` and {cite:t}`pascanu2013`.

# %% tags=["parameters"]
seed = 0  # random seed of every network and input on this page
n = 64  # hidden units of the vector recursions and of the random networks
T = 100  # time steps of the recursions and of the gradient products
spectral_radii = [0.9, 1.0, 1.1]  # largest |eigenvalue| of the linear recursions
scalar_weights = [-1.0, 0.5, 0.9, 1.0, 1.1, 2.0]  # weights w of the scalar recursions h ← φ(w h)
gains = [0.5, 1.0, 2.0, 4.0]  # gains g of the random tanh networks h ← tanh(g W h + U x)
forget_biases = [-2.0, 0.0, 2.0, 5.0]  # added to the forget-gate bias of the random LSTMs
seeds = 5  # random networks per setting in the gradient figure
T_check = 50  # time steps of the comparison with PyTorch

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from lstmdyn.book.page import glue_numbers, glue_text, table
from lstmdyn.book.plotting import median_band, save, use_style
from lstmdyn.cells import GRUParameters, LSTMParameters, RNNParameters, sigmoid
from lstmdyn.experiments.carousel import memory_inputs, memory_unit, plot_memory
from lstmdyn.experiments.gradients import jacobian_product_norms, trajectory_jacobians, trend, vanishing_sentence
from lstmdyn.experiments.recursions import (
    linear_recursion,
    matrix_with_spectral_radius,
    scalar_recursion,
    settling,
    settling_sentence,
)
from lstmdyn.names import counted

use_style()
rng = np.random.default_rng(seed)
torch.manual_seed(seed)
t = np.arange(T + 1)
glue_numbers(n=n, T=T, seeds=seeds, T_check=T_check)
glue_text(seeds_networks=counted(seeds, 'network'))

# %% [markdown]
# ## Linear recursions: the largest eigenvalue decides
#
# Strip a recurrent layer down to its linear part, $h_t = W h_{t-1} + C x_t$, and feed it a single input
# at $t = 0$. Every later state is the response to that input, $h_t = W^t C x_0$. For a scalar weight this
# is $w^t$: it blows up for $|w| > 1$ and dies for $|w| < 1$. For a matrix, write $C x_0$ in the
# eigenvectors of $W$: each component is multiplied by its eigenvalue at every step, so for large $t$ the
# length $\|h_t\|$ grows or shrinks like $|\lambda_{\max}|^t$, the power of the spectral radius.
#
# Below, a scalar recursion and an {glue:text}`n`-dimensional one whose random Gaussian matrix is rescaled to
# each spectral radius $\rho$. Look for straight lines on the logarithmic axis, with slope $\log\rho$.

# %%
h0 = rng.normal(size=n)
h0 /= np.linalg.norm(h0)
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
rates = []
for rho in spectral_radii:
    W = matrix_with_spectral_radius(n, rho, rng)
    norms = np.linalg.norm(linear_recursion(W, h0, T), axis=1)
    line, = axes[1].semilogy(t, norms, label=rf"$\rho(W) = {rho}$")
    axes[1].semilogy(t, rho**t, ls=":", color=line.get_color())
    axes[0].semilogy(t, np.abs(linear_recursion(rho, [1.0], T)[:, 0]), label=f"$w = {rho}$")
    rates.append({"spectral radius ρ": rho,
                  "measured (‖h_T‖/‖h_T/2‖)^(2/T)": (norms[-1] / norms[T // 2]) ** (2 / T)})
axes[0].set(title=r"scalar: $h_t = w\, h_{t-1}$", xlabel="time step $t$", ylabel=r"$|h_t|$ (log scale)")
axes[1].set(title=rf"vector, $n = {n}$: $h_t = W h_{{t-1}}$ (dotted: $\rho^t$)", xlabel="time step $t$",
            ylabel=r"$\|h_t\|$")
for ax in axes:
    ax.legend()
save(fig, "lstm_model/linear_recursions",
     caption=f"|h_t| of scalar and ‖h_t‖ of vector linear recursions for the spectral radii {spectral_radii} (n = {n}, T = {T}, seed {seed}).")
table(pd.DataFrame(rates), {"spectral radius ρ": "{:g}"}, precision=4)

# %% [markdown]
# The vector norms follow $\rho^t$ after a short transient (the dotted lines; the transient comes from
# the other eigenvalues, which die out relative to the largest), and the measured growth rate per step
# over the second half of the run matches $\rho$. Nothing else about $W$ matters in the long run: a
# linear recurrent network either forgets its input exponentially fast or amplifies it without bound, and
# only $\rho = 1$ exactly keeps it.
#
# ## Saturating recursions: sigmoid, tanh and ReLU
#
# A real layer squashes: $h_t = \varphi(w\, h_{t-1})$. We start a single unit at $h_0 = 1$ (the response to
# one input) and follow it for several weights $w$. Look at where each curve ends and how fast it gets
# there.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(8.5, 3.6))
for ax, activation in zip(axes, ["sigmoid", "tanh", "relu"], strict=True):
    for w in scalar_weights:
        h = scalar_recursion(activation, w, T)
        dead = activation == "relu" and h[-1] == 0
        ax.plot(t, np.where(h > 0, h, np.nan) if activation == "relu" else h,
                label=f"$w = {w}$" + (" (0 from $t = 1$)" if dead else ""))
    ax.set(title=rf"$h_t = \mathrm{{{activation}}}(w\, h_{{t-1}})$", xlabel="time step $t$", ylabel="$h_t$")
axes[2].set(yscale="log", ylabel="$h_t$ (log scale)")
fig.legend(*axes[2].get_legend_handles_labels(), loc="outside lower center", ncols=len(scalar_weights))
save(fig, "lstm_model/saturating_recursions",
     caption=f"A single unit h_t = φ(w h_(t-1)) from h_0 = 1 for the weights {scalar_weights}.")

# %% [markdown]
# - **Sigmoid** forgets the input within a few steps: {glue:md}`sigmoid_settling`. Where the end is
#   decided by $w$ alone (the table below), it never depends on what was fed in.
# - **Tanh** has the fixed point $0$ for $|w| \le 1$ and decays towards it like $w^t$, slowest near
#   $|w| = 1$, where the decay becomes algebraic. For $w > 1$ it saturates on a nonzero fixed point; a
#   negative weight makes the state alternate in sign. Weights near 1 keep a memory longest, but still
#   only for a while.
# - **ReLU** is linear for positive states: it decays for $w < 1$, holds for $w = 1$ and grows
#   exponentially for $w > 1$ (straight lines on the logarithmic axis); for a negative weight the unit is
#   dead after one step, which a logarithmic axis cannot show.

# %%
rows, periods, limits = [], [], []
for w in scalar_weights:
    h = scalar_recursion("sigmoid", w, 200)
    period, steps = settling(h)
    orbit = tuple(sorted(h[len(h) - max(period, 1):]))
    periods.append(period)
    limits.append(orbit)
    h_p = h[-1]  # the orbit returns after p steps: h = σ(w σ(w … h)), p times
    for _ in range(max(period, 1)):
        h_p = sigmoid(w * h_p)
    rows.append({"w": w, "ends on": {0: "not settled", 1: "fixed point"}.get(period, f"{period}-cycle"),
                 "h (end of orbit)": " ↔ ".join(f"{v:.4f}" for v in orbit),
                 "steps until it repeats to 1e-6": steps if period else None,
                 "residual |σ∘…∘σ(h) − h|": abs(h_p - h[-1])})
glue_text(sigmoid_settling=settling_sentence(scalar_weights, periods, limits))
glue_numbers(sigmoid_cycles=sum(p > 1 for p in periods), sigmoid_unsettled=periods.count(0))
table(pd.DataFrame(rows), {"w": "{:g}", "residual |σ∘…∘σ(h) − h|": "{:.1e}", "steps until it repeats to 1e-6": "{:.0f}"})

# %% [markdown]
# ## Vanishing and exploding gradients: products of Jacobians
#
# Backpropagation through time sends the error at step $t$ back to step 0 through
# $\partial h_t / \partial h_0 = J_t J_{t-1} \cdots J_1$, the product of the Jacobians of the state update
# along the trajectory. For the vanilla network $h_t = \tanh(g W h_{t-1} + U x_t)$ each factor is
# $J_t = \mathrm{diag}(1 - h_t^2)\, g W$: the derivative of tanh is at most 1 and shrinks the product, the
# weight matrix stretches it along directions where its singular values exceed 1. Which wins decides whether
# the gradient vanishes or explodes {cite:p}`bengio1994,pascanu2013`.
#
# We drive random networks ($W$ with $\mathcal N(0, 1/n)$ entries, {glue:text}`seeds_networks` per setting,
# Gaussian inputs) and measure the spectral norm of the product. On the right, the same for random LSTMs
# (uniform weights on $\pm 1/\sqrt n$, PyTorch's initialisation) whose forget-gate bias is shifted by
# $b$: there the state is $(c, h)$ and the Jacobian is the full $2n \times 2n$ one. Look at the slopes:
# they are the exponential rates at which gradients shrink or grow.

# %%
m = 8  # input width
inputs = rng.normal(size=(seeds, T, m))  # one input sequence per random network
rnn_norms = {g: np.stack([jacobian_product_norms(trajectory_jacobians(
    RNNParameters.random(n, m, rng=rng, gain=g), x_s)) for x_s in inputs]) for g in gains}
lstm_norms = {b: np.stack([jacobian_product_norms(trajectory_jacobians(
    LSTMParameters.random(n, m, rng=rng, forget_bias=b), x_s)) for x_s in inputs]) for b in forget_biases}

fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
for key, norms in rnn_norms.items():
    median_band(axes[0], t[1:], norms, label=f"$g = {key}$")
for key, norms in lstm_norms.items():
    median_band(axes[1], t[1:], norms, label=f"$b = {key:+}$")
axes[0].set(title=r"tanh RNN: $\|\partial h_t / \partial h_0\|_2$",
            ylabel="spectral norm of the Jacobian product")
axes[1].set(title=r"LSTM, forget bias shifted by $b$: $\|\partial (c_t, h_t) / \partial (c_0, h_0)\|_2$")
for ax in axes:
    ax.set(xlabel="time step $t$", yscale="log")
    ax.legend()
save(fig, "lstm_model/jacobian_products",
     caption=f"Spectral norm of the Jacobian product along driven trajectories: tanh RNNs with gains {gains}, LSTMs with forget-bias shifts {forget_biases} (n = {n}, median and 10-90 % over {counted(seeds, 'network')}).")
rate = {g: np.median(np.log(v[:, -1]) / T) for g, v in rnn_norms.items()}
lstm_rate = {b: np.median(np.log(v[:, -1]) / T) for b, v in lstm_norms.items()}
flattest = min(forget_biases, key=lambda b: abs(lstm_rate[b]))
glue_numbers(rate_small_gain=rate[min(gains)], rate_large_gain=rate[max(gains)], g_small=min(gains),
             g_large=max(gains), lstm_open_forget=np.median(lstm_norms[max(forget_biases)][:, -1]),
             lstm_rate_open=lstm_rate[max(forget_biases)], lstm_rate_closed=lstm_rate[min(forget_biases)],
             b_open=max(forget_biases), b_closed=min(forget_biases), b_flattest=flattest,
             carousel_alone=sigmoid(max(forget_biases)) ** T, rates_min=min(rate.values()),
             rates_max=max(rate.values()))
glue_text(trend_small_gain=trend(rate[min(gains)]), trend_large_gain=trend(rate[max(gains)]),
          vanishing=vanishing_sentence(sorted(gains), [rate[g] for g in sorted(gains)]),
          trend_closed=trend(lstm_rate[min(forget_biases)]), trend_open=trend(lstm_rate[max(forget_biases)]),
          trend_flattest=trend(lstm_rate[flattest]))

# %% [markdown]
# Lines show the median over networks, bands the 10–90 % range; the rates are the medians of
# $\frac1T \log \|\partial h_T / \partial h_0\|$. In the tanh network the product {glue:md}`trend_small_gain` at
# the smallest gain, $g$ = {glue:text}`g_small:g`, and {glue:md}`trend_large_gain` at the largest, $g$ =
# {glue:text}`g_large:g`. Across the gains shown, {glue:md}`vanishing`. The slopes are the largest Lyapunov exponents of the driven
# networks, the subject of the book's last part.
#
# In the LSTM the forget-gate bias sets the slope. With the smallest shift, $b$ = {glue:text}`b_closed:+g`,
# the product {glue:md}`trend_closed`; with the largest, $b$ = {glue:text}`b_open:+g`, it
# {glue:md}`trend_open`, to a norm of {glue:text}`lstm_open_forget:.2g` after {glue:text}`T` steps. The
# flattest curve is $b$ = {glue:text}`b_flattest:+g`, whose product {glue:md}`trend_flattest`. The carousel
# alone cannot make a product grow: along it a perturbation of $c$ is multiplied by $f_t < 1$ at every step
# (a gate held at σ({glue:text}`b_open:g`) would keep a fraction {glue:text}`carousel_alone:.2f` of it
# over {glue:text}`T` steps). What an open forget gate does is let a perturbation live long enough to take
# the other path, from $c$ into $h$ and back into $c$ through the gates and the candidate; the gain of that
# loop decides whether the product grows or shrinks.
#
# ## The LSTM cell
#
# The LSTM {cite:p}`hochreiter1997` separates *what is remembered* from *how it is shown*. A cell state
# $c$ is carried from step to step by a multiplication and an addition only; gates, sigmoid units with
# values in $(0, 1)$ computed from the input $x_t$ and the previous output $h_{t-1}$, decide what passes:
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_i h_{t-1} + U_i x_t + b_i) && \text{input gate: is the new content worth storing?}\\
# f_t &= \sigma(W_f h_{t-1} + U_f x_t + b_f) && \text{forget gate: how much of the old memory to keep}\\
# g_t &= \tanh(W_g h_{t-1} + U_g x_t + b_g) && \text{candidate content, in } (-1, 1)\\
# o_t &= \sigma(W_o h_{t-1} + U_o x_t + b_o) && \text{output gate: is the memory worth showing now?}\\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{the constant error carousel}\\
# h_t &= o_t \odot \tanh(c_t).
# \end{aligned}
# $$ (lstm-equations)
#
# With $f_t = 1$ and $i_t = 0$ the cell holds its value exactly, and the error flowing back through it,
# $\partial c_t / \partial c_{t-1} = \mathrm{diag}(f_t)$, is neither squashed by an activation derivative
# nor stretched by a weight matrix: this is the *constant error carousel*. The original LSTM had no forget
# gate ($f \equiv 1$); {cite:t}`gers2000` added it so that a cell can also be emptied. *Peephole*
# connections {cite:p}`gers2000peephole` let the gates look at the raw memory too, with diagonal weights
# $p_i, p_f, p_o$: $i_t = \sigma(\dots + p_i \odot c_{t-1})$, $f_t = \sigma(\dots + p_f \odot c_{t-1})$,
# $o_t = \sigma(\dots + p_o \odot c_t)$. PyTorch's `nn.LSTM` and both papers this book reproduces use
# the cell without peepholes, and so does this book.
#
# The **GRU** {cite:p}`cho2014` merges the forget and input gates into one update gate $z$ (what is
# written replaces what was there) and keeps no separate cell state:
#
# $$
# \begin{aligned}
# r_t &= \sigma(W_r h_{t-1} + U_r x_t + b_r), \qquad z_t = \sigma(W_z h_{t-1} + U_z x_t + b_z),\\
# \tilde n_t &= \tanh\!\big(U_n x_t + b^{x}_n + r_t \odot (W_n h_{t-1} + b^{h}_n)\big),\qquad
# h_t = (1 - z_t) \odot \tilde n_t + z_t \odot h_{t-1}.
# \end{aligned}
# $$
#
# To see the carousel at work, here is a single LSTM unit wired by hand (`lstmdyn.experiments.carousel.memory_unit`):
# its gates listen only to the input, which has four channels: a *value*, and *write*, *erase* and
# *read* pulses. Look at the cell state between the pulses.

# %%
T_demo = 60
x = memory_inputs(T_demo, writes={5: 0.6, 32: -0.4}, reads=[15, 25, 40, 50], erases=[45])
run = memory_unit().run(x)
fig = plot_memory(x, run)
save(fig, "lstm_model/carousel",
     caption=f"The hand-wired LSTM unit: its input pulses, gates, cell state and output over {T_demo} steps.")
glue_numbers(held_fraction=run["c"][30, 0] / run["c"][5, 0])

# %% [markdown]
# The write at $t = 6$ stores $\tanh(2 \cdot 0.6)$ in the cell; the reads at $t = 16$ and $26$ show it in
# $h$, and between them the output is closed while the cell keeps its value: after 25 steps it retains a
# fraction {glue:text}`held_fraction:.4f` of it, the product of the idle forget gates. The second write adds to
# what is stored, the erase closes the forget gate and the read after it finds the cell empty.
#
# ## The package's cells agree with PyTorch
#
# Every later chapter evaluates LSTMs, GRUs and vanilla RNNs through `lstmdyn.cells`, with PyTorch's weight
# layout (gate order $i, f, g, o$; the two biases summed). We take random `torch.nn` modules in float64,
# run both implementations over the same random input sequences for {glue:text}`T_check` steps, and record the
# largest difference between their hidden states at each step. Agreement means a difference of the order of
# float64 round-off, $\approx 10^{-16}$, at every step.

# %%
x = torch.randn(4, T_check, m, dtype=torch.float64)
modules = {"LSTM": (torch.nn.LSTM, LSTMParameters), "GRU": (torch.nn.GRU, GRUParameters),
           "RNN (tanh)": (torch.nn.RNN, RNNParameters)}
fig, ax = plt.subplots(figsize=(5.2, 3.2))
differences = {}
for name, (module_type, parameters_type) in modules.items():
    module = module_type(m, n, batch_first=True).double()
    reference = module(x)[0].detach().numpy()
    ours = parameters_type.from_torch(module).as_numpy().run(x.numpy())["h"]
    difference = np.abs(ours - reference).max(axis=(0, 2))
    differences[name] = difference.max()
    ax.semilogy(np.arange(1, T_check + 1), np.maximum(difference, 1e-18), marker=".",
                label=f"{name} (largest: {difference.max():.1e})")
ax.axhline(np.finfo(np.float64).eps, color="grey", ls="--", label="float64 machine epsilon")
ax.set(xlabel="time step $t$", ylabel=r"$\max |h_t^{\mathrm{lstmdyn}} - h_t^{\mathrm{torch}}|$",
       title="hidden states, package vs torch.nn (float64)")
ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
save(fig, "lstm_model/torch_agreement",
     caption=f"Largest difference between the package's hidden states and torch.nn's at each of {T_check} steps (n = {n}, float64).")
largest = max(differences.values())
glue_numbers(torch_difference=largest)
glue_text(torch_agreement=(
    f"The two implementations agree to round-off over the whole sequence (largest difference {largest:.1e}, "
    f"{largest / np.finfo(np.float64).eps:.0f} machine epsilons): the package's cell equations are PyTorch's."
    if largest < 100 * np.finfo(np.float64).eps else
    f"The two implementations differ by up to {largest:.1e}, more than round-off: something is wrong."))

# %% [markdown]
# {glue:md}`torch_agreement` The test suite asserts the same to $10^{-12}$, and checks the analytic
# Jacobians used above against `torch.autograd`.
#
# ## Summary
#
# - A linear recursion remembers an input for as long as its largest eigenvalue modulus allows; a
#   saturating one settles, lingers or blows up depending on its nonlinearity and weight.
# - Through a driven tanh network {glue:md}`vanishing`. In the LSTM the forget-gate bias sets the rate, from
#   {glue:text}`lstm_rate_closed:+.2f` per step (natural log) at $b$ = {glue:text}`b_closed:+g` to
#   {glue:text}`lstm_rate_open:+.3f` at $b$ = {glue:text}`b_open:+g`.
# - The cell equations {eq}`lstm-equations`, which every later chapter evaluates through `lstmdyn.cells`,
#   match PyTorch's: the largest difference over {glue:text}`T_check` steps was {glue:text}`torch_difference:.1e`.
#
# ## What to try
#
# - `python -m lstmdyn run lstm_model -p gains '[1.5, 1.75, 2.0, 2.25, 2.5]'`: zoom in on the gains where the
#   tanh network's gradients stop vanishing; look at where the slope of the left panel changes sign.
# - `python -m lstmdyn run lstm_model -p scalar_weights '[-10.0, -1.0, 0.5, 2.0]'`: a strongly negative
#   weight; does the sigmoid unit still settle on a fixed point?
# - `python -m lstmdyn run lstm_model -p forget_biases '[0.0, 1.0, 2.0, 3.0]'`: the common initialisation
#   trick of a forget bias of 1 or 2; how much slower do LSTM gradients shrink?
# - `python -m lstmdyn run lstm_model -p n 256 -p T 300`: larger networks and longer products; the rates
#   per step should barely move.
