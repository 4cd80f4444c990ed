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
# # Equilibria by homotopy
#
# Without input, an LSTM is a discrete dynamical system on its state $(c, h)$. {cite:t}`amrouche2019`
# compute its nonzero equilibria by following a homotopy path, and read the network's stability off the
# eigenvalues of the linearised map there. This chapter derives their construction (sections 2–3 of the
# paper, eqs. 1–5), shows where it breaks down and how the fixed-point homotopy of
# {cite:t}`zangwill1981` avoids that, and applies both to the authors' own trained Penn Treebank network,
# comparing the result with their statement about its eigenvalues. The engine is `lstmdyn.equilibria`.
#
# **Reproduces:** {cite:t}`amrouche2019` sections 2–3 (the autonomous LSTM, eqs. 1–5) and the PTB
# network of section 4.2; the training experiments of section 4 follow in their own chapter.

# %% tags=["parameters"]
seed = 0  # random seed of the example networks
n = 50  # hidden units of the example network
scale = 1.0  # its weights are uniform on ±scale/√n
sizes = [4, 10, 30]  # hidden units of the networks in the comparison of the two homotopies
scales = [2.0, 4.0, 6.0]  # weight scales (times 1/√n) in that comparison
networks = 12  # random networks per size and scale
max_steps = 2000  # predictor-corrector steps before a path is abandoned
starts = 6  # start states in the search for several equilibria of the PTB network
forget_biases = [0.0, 1.0]  # added to the PTB network's forget gate; the first is the main case
profile = "quick"  # the profile this page ran with (set by --profile; written to its results file)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from lstmdyn.book.page import equilibrium_table, glue_numbers, glue_text, table
from lstmdyn.book.plotting import eigenvalue_plane, homotopy_path, homotopy_paths, save, use_style
from lstmdyn.data.weights import amrouche_ptb_weights, tf_lstm_parameters
from lstmdyn.equilibria import AutonomousLSTM, PaperHomotopy, find_equilibria, find_equilibrium, iterate_map
from lstmdyn.experiments.claims_amrouche import published_ptb
from lstmdyn.experiments.homotopies import (
    describe_failures,
    equilibria_summary,
    failure_onset,
    path_failure,
    paths_outcome,
    pruned,
    pruning_sentence,
    slowdown_sentence,
    stability_sentence,
    start_outcome,
)
from lstmdyn.names import counted
from lstmdyn.records import write_json

use_style()
glue_numbers(n=n, networks=networks, max_steps=max_steps, other_starts=starts - 1)

# %% [markdown]
# ## The autonomous LSTM and its equilibria
#
# Setting the input to zero in the LSTM equations {eq}`lstm-equations` leaves the map of eq. (1) of the
# paper,
#
# $$
# \begin{aligned}
# c(k+1) &= \sigma(W_f h(k) + b_f) \odot c(k) + \sigma(W_i h(k) + b_i) \odot \tanh(W_g h(k) + b_g),\\
# h(k+1) &= \sigma(W_o h(k) + b_o) \odot \tanh(c(k+1)),
# \end{aligned}
# $$
#
# which we write $x^+ = \Phi(x)$ for the stacked state $x = (c, h) \in \mathbb R^{2n}$. An equilibrium is a
# fixed point $x^* = \Phi(x^*)$. If $b_g = 0$ the origin is one; otherwise the equations are transcendental
# and have to be solved numerically. Near $x^*$, small deviations evolve by the $2n \times 2n$ Jacobian
# $J = \partial\Phi/\partial x\,(x^*)$, and the equilibrium is stable when every eigenvalue of $J$ lies
# inside the unit circle.
#
# **The paper's homotopy.** Shift the hidden state, $h = q + q_c$, by a vector with $W_g q_c + b_g = 0$. In
# $x = (c, q)$ the map becomes $x^+ = F(x) + x_c$, where $F$ is the LSTM with new biases
# $\bar b_j = b_j + W_j q_c$ and no candidate bias, so that $F(0) = 0$ (eq. 2). The homotopy (eq. 3)
#
# $$
# H(t, x) = x - F(x) - t\, x_c
# $$ (paper-homotopy)
#
# has the known root $x = 0$ at $t = 0$, and its roots at $t = 1$ are the equilibria. If the Jacobian
# $[\partial H/\partial x \;\; \partial H/\partial t]$ has full rank along the way, the roots form smooth
# curves $(x(\theta), t(\theta))$ with $\frac{\partial H}{\partial x}\dot x + \frac{\partial H}{\partial t}\dot t = 0$
# (eq. 5). Where the rank drops, Sard's theorem lets us solve $H = \epsilon$ for a tiny $\epsilon$ instead.
# Two practical details: when $b_g$ is not in the range of $W_g$ we take the least-squares $q_c$ and fold
# the remainder into $x_c = G(0)$, the shifted map at the origin, which keeps $F(0) = 0$ exact; and the
# retry after a singular Jacobian starts from a point moved by $\epsilon = 10^{-6}$ in a random direction.
#
# **The fixed-point homotopy.** {cite:t}`zangwill1981` deform the identity into the map itself:
#
# $$
# H(t, x) = x - t\,\Phi(x) - (1 - t)\, x_0 ,
# $$ (convex-homotopy)
#
# starting from any state $x_0$ (the zero state by default). $\Phi$ itself is not bounded: its
# $c$-output $f \odot c + i \odot g$ grows with $c$. Its roots for $t \in [0, 1]$ are bounded all the
# same. The $h$-half of a root is $t\,\Phi_h(x) + (1 - t) h_0$, so $|h_j| \le \max(1, |h_{0,j}|)$, which
# keeps every forget gate below $f_{\max} = \sigma(\|W_f\|_\infty \max(1, \|h_0\|_\infty) + \|b_f\|_\infty) < 1$;
# the $c$-half solves $c = t(f \odot c + i \odot g) + (1 - t) c_0$, hence
# $|c_j| \le (1 + |c_{0,j}|) / (1 - f_{\max})$. And $\partial H / \partial x = I$ at the start is never
# singular. This is the homotopy of the solver published by the paper's first author, and the package's
# default. The same repository also holds, commented out, a "Newton-like homotopy (tailored for LSTMs)",
# $H(t, x) = t\,(\Phi(x) - x) + (1 - t)\,(\Phi_0(x) - x)$, where $\Phi_0$ is the map with $b_g = 0$, whose root
# at $t = 0$ is the origin: closer to the paper's words (a start where the equilibrium is known, the origin of
# the map without candidate bias) than eq. 3's shifted start. The book follows eq. 3 as printed.
#
# **Following the path.** `lstmdyn.equilibria.follow_path` is a predictor–corrector method
# {cite:p}`allgower1990`: a step along the unit tangent (the kernel of $DH$), Newton corrections back to
# the curve on the hyperplane orthogonal to the previous tangent, and a step length adapted to how hard the
# correction was. The tangent's orientation is carried over from the previous point, never fixed by
# requiring $dt/d\theta > 0$: where the curve turns back in $t$ (a *turning point*) the method follows it.
# When a step crosses $t = 1$ it lands exactly there and polishes the equilibrium with Newton's method on
# $\Phi(x) = x$. An equilibrium is reported as converged only if $\|\Phi(x) - x\| < 10^{-9}$.
#
# ## One network, two paths
#
# A random network with {glue:text}`n` units, its weights uniform on $\pm$scale$/\sqrt n$ (scale 1 is
# PyTorch's initialisation). We follow both homotopies from their natural starts; look at how directly each
# path gets from $t = 0$ to $t = 1$. In the table, *distance to reference* is $\|x - x_{\mathrm{ref}}\|$, the
# distance from the state a run ended on to the reference equilibrium, here the fixed-point homotopy's: a
# distance near round-off means that both runs found the same equilibrium.

# %%
lstm = AutonomousLSTM.random(n, rng=np.random.default_rng(seed), scale=scale / np.sqrt(n))
example = {h: find_equilibrium(lstm, h, max_steps=max_steps) for h in ("convex", "paper")}


equilibrium_table(example, example["convex"].x)

# %%
save(homotopy_paths(example, f"homotopy paths of a random network, n = {n} (crosses: turning points)"),
     "equilibria/example_paths",
     caption=f"t and the norms of the state's two halves along both homotopy paths of a random network with {counted(n, 'unit')} (weights uniform on ±{scale}/√n, seed {seed}); crosses mark turning points.")
convex, paper = example["convex"], example["paper"]
glue_text(example_outcome=paths_outcome(convex, paper))

# %% [markdown]
# {glue:md}`example_outcome` Below, the eigenvalues of the linearisation at the fixed-point homotopy's
# equilibrium, with the unit circle.

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(4.6, 4.6))
eigenvalue_plane(ax, convex.eigenvalues)
ax.set_title(f"eigenvalues at the equilibrium, n = {n}")
save(fig, "equilibria/example_eigenvalues",
     caption=f"The 2n = {2 * n} eigenvalues of the linearisation at the fixed-point homotopy's equilibrium, with the unit circle.")
glue_text(example_stability=stability_sentence(convex))

# %% [markdown]
# {glue:md}`example_stability`
#
# ## When the paper's homotopy fails
#
# How often does each homotopy get to $t = 1$? We take {glue:text}`networks` random networks for each size
# and weight scale below, and follow both paths from their natural start with at most
# {glue:text}`max_steps` steps. A path is *diverged* when $\|x\|$ exceeds $10^4$, *returned* when it
# turns back through $t = 0$, *singular* when the Jacobian is singular at the start even after three
# perturbed restarts, or when the step length collapses.

# %%
rows, pairs = [], []
for size in sizes:
    for w in scales:
        for k in range(networks):
            net = AutonomousLSTM.random(size, rng=np.random.default_rng([seed, size, k]), scale=w / np.sqrt(size))
            pair = {h: find_equilibrium(net, h, max_steps=max_steps) for h in ("convex", "paper")}
            rows += [{"n": size, "scale": w, "homotopy": h, "status": r.status} for h, r in pair.items()]
            pairs.append((size, w, net, pair))
outcomes = pd.DataFrame(rows)
display(pd.crosstab([outcomes["homotopy"], outcomes["status"]], outcomes["n"].rename("networks of n units, n ="),
                    margins=True, margins_name="all sizes"))
reached = outcomes.assign(reached=outcomes["status"] == "converged").pivot_table(
    index=["homotopy", "scale"], columns="n", values="reached", aggfunc="mean")
glue_text(paper_onset=failure_onset(outcomes), convex_onset=failure_onset(outcomes, "convex"))
reached.style.format("{:.0%}").format_index("{:g}", axis=0, level=1).set_caption(
    "share of networks whose path reached an equilibrium, by size n")

# %%
counts = outcomes.groupby("homotopy")["status"].value_counts().unstack(fill_value=0)
glue_text(total_networks=counted(len(pairs), 'network'))
glue_numbers(total=len(pairs), convex_ok=counts.loc["convex"].get("converged", 0),
             paper_ok=counts.loc["paper"].get("converged", 0))
failures = [(size, w, pair) for size, w, _, pair in pairs if pair["convex"].converged and not pair["paper"].converged]
glue_text(failure_anatomy=describe_failures([path_failure(net, pair["paper"]) for _, _, net, pair in pairs
                                             if not pair["paper"].converged]))
glue_text(failure_figure="The figure above shows one such failure, a divergence if the comparison has one, with the "
          "two halves of the state apart." if failures else "No network of the comparison failed on the paper's "
          "path alone (its fixed-point path reaching an equilibrium), so no failure is drawn.")
if failures:  # the first divergence at t in [0, 1] if there is one, else the first failure
    size, w, pair = next((f for f in failures if f[2]["paper"].status == "diverged"), failures[0])
    title = f"a network where the paper's path ends {pair['paper'].status} (n = {size}, scale {w}/√n)"
    save(homotopy_paths(pair, title), "equilibria/failure_paths",
     caption=f"Both homotopy paths of the network of the comparison named in the title (max_steps = {max_steps}); crosses mark turning points.")

# %% [markdown]
# The first table counts how the paths ended, by network size; the second gives the share that reached an
# equilibrium by size and weight scale. Of {glue:text}`total_networks`, the fixed-point homotopy reached an
# equilibrium in {glue:text}`convex_ok` cases and the paper's in {glue:text}`paper_ok`. Over all sizes,
# {glue:md}`paper_onset`; {glue:md}`convex_onset`. {glue:md}`failure_figure`
#
# Why does the paper's path fail? On its curve $H = 0$ the shifted hidden state is
# $q = \Phi_h(c, q + q_c) - q_c - (1 - t)\, x_{c,q}$, bounded for $t \in [0, 1]$ like the fixed-point
# homotopy's $h$, but by a bound that grows with $\|q_c\|$: a large shift lets $h = q + q_c$ drive the
# forget gates to saturation, and the cell state on the curve,
# $c = \big(i \odot g - (1 - t)\, x_{c,c}\big) / (1 - f)$ (elementwise), grows without practical limit as
# $f \to 1$. Outside $[0, 1]$ nothing bounds $q$ either, and a path that turns back through $t = 0$ has no
# reason to come back. What the comparison's failed paper paths did: {glue:md}`failure_anatomy`
#
#
# ## The paper's ODE against predictor–corrector steps
#
# The paper writes the path as the solution of the ODE (5). Integrating it with an adaptive Runge–Kutta
# method (`method="ode"`, scipy's `solve_ivp`) follows the same curve, but every stage needs a tangent, that
# is, a linear solve, and nothing pulls the numerical solution back onto the curve. We compare the two on
# the first network of the comparison where the paper's homotopy succeeded.

# %%
solved = [(size, w, net, pair) for size, w, net, pair in pairs if pair["paper"].converged]
if solved:
    size, w, net, pair = solved[0]
    ode = find_equilibrium(net, "paper", method="ode", max_steps=20 * max_steps)
    display(equilibrium_table({"paper, predictor-corrector": pair["paper"], "paper, ODE (eq. 5)": ode,
                     "convex, predictor-corrector": pair["convex"]}, pair["paper"].x))  # reference: the first
    glue_text(ode_outcome=f"On this network (n = {size}, scale {w}/√n) the ODE needed {ode.steps} tangent "
              f"evaluations and {ode.seconds:.2f} s, the predictor–corrector method {pair['paper'].steps} steps "
              f"and {pair['paper'].seconds:.2f} s.")
else:
    glue_text(ode_outcome="No network of the comparison let the paper's homotopy succeed, so there is nothing to "
              "compare at this profile.")

# %% [markdown]
# {glue:md}`ode_outcome` Here the reference of *distance to reference* is the paper homotopy's
# predictor–corrector equilibrium. The performance page compares both with Newton's method, fixed-point iteration,
# scipy's `fsolve` and a scheme modelled on the authors' published solver, on networks of 128 and 200 units.
#
# ## The authors' trained PTB network
#
# The paper's section 4.2 trains a single-layer LSTM with 200 units on Penn Treebank words and reports that
# at its equilibrium "two eigenvalues have a magnitude of ∼0.99", with real parts also near 0.99, which made
# their solver slow because $\dot t(\theta)$ was nearly zero. The first author published the weights of
# such a network beside the solver (`amrouche_ptb_weights` in the data registry). They are TensorFlow
# `BasicLSTMCell` arrays. That cell adds a constant `forget_bias` inside the forget gate at run time, which
# the arrays do not contain; its default is 1, but TensorFlow's PTB tutorial, whose graph names
# (`model/RNN/MultiRNNCell/Cell0/BasicLSTMCell/…`) the authors' conversion script `demo/data/textTest/toPkl.py`
# reads, builds its cells with `forget_bias=0.0`. So the published solver, which builds the autonomous map
# without it, reads the network as it computed. We do the same (forget bias {glue:text}`fb0:g`) and show the
# other choice for comparison. The homotopies on this network have a budget of their own,
# {glue:text}`ptb_budget` steps, whatever `max_steps` allows the random networks above. The authors' repository
# also held this network's weights over training (`demo/data/PTB_overtime/`, read by test 3 of its
# `caseTests.py`); its current tree no longer has them.

# %%
kernel, bias = amrouche_ptb_weights()
ptb = {fb: AutonomousLSTM.from_parameters(tf_lstm_parameters(kernel, bias, forget_bias=fb)) for fb in forget_biases}
main = ptb[forget_biases[0]]
shifted = PaperHomotopy(main)
PTB_STEPS = 10_000  # the published network's own budget, whatever the random networks' max_steps
ptb_results = {(fb, h): find_equilibrium(net, h, max_steps=PTB_STEPS) for fb, net in ptb.items()
               for h in ("paper", "convex")}
table(pd.DataFrame([{"forget bias": fb, "homotopy": h, "status": r.status, "steps": r.steps, "seconds": r.seconds,
                     "residual": r.residual, "spectral radius": r.spectral_radius, "max Re λ": r.max_real,
                     "min |dt/dθ|": r.min_abs_dt} for (fb, h), r in ptb_results.items()]),
      {"forget bias": "{:g}", "residual": "{:.1e}", "min |dt/dθ|": "{:.1e}"}, precision=4)

# %% tags=["hide-input"]
result = ptb_results[(forget_biases[0], "convex")]
moduli = np.abs(result.eigenvalues)
paper_result = ptb_results[(forget_biases[0], "paper")]
glue_text(paper_on_ptb=start_outcome(paper_result)[:-1] + " (the table above).")
prunings = {}
for threshold in (0.002, 0.01):
    kept_kernel, kept_bias, _ = pruned(kernel, bias, threshold)
    prunings[threshold] = find_equilibrium(AutonomousLSTM.from_parameters(
        tf_lstm_parameters(kept_kernel, kept_bias, forget_bias=forget_biases[0])), "convex", max_steps=PTB_STEPS)
glue_text(slowdown=slowdown_sentence(result.min_abs_dt, result.max_real) if result.converged else
          f"The fixed-point homotopy ended *{result.status}*", pruning=pruning_sentence(prunings, result))
glue_numbers(ptb_budget=PTB_STEPS, fb0=forget_biases[0], qc_norm=np.linalg.norm(shifted.q_c), ptb_residual=result.residual,
             ptb_steps=result.steps, ptb_seconds=result.seconds, ptb_min_dt=result.min_abs_dt,
             mod1=moduli[0], mod2=moduli[1], mod3=moduli[2], mod4=moduli[3],
             ptb_max_real=result.max_real, ptb_h_norm=np.linalg.norm(result.h))
fig, axes = plt.subplots(2, 2, figsize=(8.5, 7.2))
homotopy_path(axes[0, 0], axes[0, 1], result.path, label="convex")
axes[0, 0].set_title("the fixed-point path: $t$")
axes[0, 1].set_title(r"the fixed-point path: $\|c\|$ and $\|h\|$")
eigenvalue_plane(axes[1, 0], result.eigenvalues)
axes[1, 0].set_title("eigenvalues at the equilibrium")
axes[1, 1].stem(np.arange(1, 21), moduli[:20])
axes[1, 1].axhline(0.99, color="C3", ls="--", label="0.99, the paper's value")
axes[1, 1].axhline(1.0, color="grey", lw=0.8)
axes[1, 1].set(xlabel="rank", ylabel=r"$|\lambda|$", title="the 20 largest moduli", ylim=(0.8, None))
axes[1, 1].legend(loc="upper right")
save(fig, "equilibria/ptb",
     caption=f"The authors' PTB network (forget bias {forget_biases[0]:g}): the fixed-point path, the eigenvalues at its equilibrium and their 20 largest moduli against the paper's 0.99.")

# %% [markdown]
# With the shift of the paper, $\|q_c\|$ = {glue:text}`qc_norm:.1f`: {glue:md}`paper_on_ptb` The fixed-point homotopy reaches an
# equilibrium in {glue:text}`ptb_steps` steps ({glue:text}`ptb_seconds:.2f` s) with residual
# {glue:text}`ptb_residual:.1e`. {glue:md}`slowdown`.
#
# The authors' `caseTests.py` sets the weights of magnitude below a threshold to zero before solving (`pruneW`;
# 0.002 in its test 4, a sweep of thresholds in its test 5). {glue:md}`pruning`
#
# The four largest eigenvalue moduli at this equilibrium are {glue:text}`mod1:.4f`,
# {glue:text}`mod2:.4f`, {glue:text}`mod3:.4f` and {glue:text}`mod4:.4f`. {glue:md}`verdict`
#
# Is this the only equilibrium? We start the fixed-point homotopy from the zero state and from
# {glue:text}`other_starts` states visited by the free-running network, and merge what they find.

# %%
several = find_equilibria(main, starts=starts, seed=seed)
glue_text(several_summary=equilibria_summary(several, len(several.attempts), result))
glue_numbers(several_count=len(several))
table(pd.DataFrame([{"equilibrium": k + 1, "‖h‖": np.linalg.norm(e.h), "residual": e.residual,
                     "spectral radius": e.spectral_radius, "stable": e.stable} for k, e in enumerate(several)]),
      {"residual": "{:.1e}"}, precision=4)

# %% [markdown]
# {glue:md}`several_summary` Each row is one equilibrium, the starts that reached it merged; a stable one
# attracts the free-running network from nearby, an unstable one repels it along its eigenvectors outside the
# unit circle. The perturbation below shows what the largest modulus of the zero state's equilibrium does.

# %%
deviation = np.linalg.norm(iterate_map(main, result.x + 1e-9 * np.random.default_rng(seed).normal(size=400), 120)
                           - result.x, axis=1)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogy(np.arange(1, 121), deviation, label="free-running network")
ax.semilogy(np.arange(1, 121), deviation[0] * moduli[0] ** np.arange(120), ls="--",
            label=rf"$\rho(J)^k$, $\rho(J) = {moduli[0]:.3f}$")
ax.set(xlabel="step $k$", ylabel="distance from the equilibrium", title="a perturbation of $10^{-9}$")
ax.legend()
save(fig, "equilibria/ptb_instability",
     caption=f"Distance from the PTB network's equilibrium of the free-running network started 1e-9 away (seed {seed}), against the growth rate of the largest eigenvalue.")
if result.stable:
    stability = "stable: every eigenvalue lies inside the unit circle"
else:
    stability = (f"unstable: the largest modulus is {moduli[0]:.3f} > 1, and a perturbation of the equilibrium "
                 "grows by that factor per step, as the free-running network's distance from it shows")
outcome = published_ptb(result.eigenvalues)
glue_text(verdict=f"The equilibrium is {stability}. " + outcome.sentence()
          + ("" if outcome.verdict == "reproduced" else " The published weights may not be the checkpoint of the "
             "paper's figure, or the paper's solver may have reached another equilibrium."))
write_json("equilibria.json", {"profile": profile, "outcomes": [outcome.as_dict()]});

# %% [markdown]
# ## Summary
#
# - The two homotopies, {eq}`paper-homotopy` and {eq}`convex-homotopy`, look for the same objects,
#   equilibria of eq. (1). Started from the zero state, the fixed-point homotopy, whose roots are bounded,
#   reached an equilibrium for {glue:text}`convex_ok` of the {glue:text}`total` random networks of the
#   comparison, the paper's for {glue:text}`paper_ok`; {glue:md}`failure_anatomy`
# - On the authors' PTB network, with $\|q_c\|$ = {glue:text}`qc_norm:.1f`, {glue:md}`paper_on_ptb`
# - Predictor–corrector continuation that orients the tangent by continuity passes turning points; the
#   test suite checks that forcing $dt/d\theta > 0$ fails on a path where it succeeds, and the
#   performance page compares its cost with other methods.
# - The PTB network's equilibrium and spectrum are reported as they are: {glue:md}`verdict`
#
# ## What to try
#
# - `python -m lstmdyn run equilibria -p scales '[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]' -p networks 20`: a grid
#   of weight scales in the comparison; at which scale does the paper's homotopy start to fail?
# - `python -m lstmdyn run equilibria -p forget_biases '[1.0, 0.0]'`: the PTB network with TensorFlow's
#   run-time forget bias as the main case; is its equilibrium stable then?
# - `python -m lstmdyn run equilibria -p starts 20`: more start states in the search for other equilibria
#   of the PTB network.
