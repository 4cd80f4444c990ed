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
# # Performance
#
# What the book's computations cost, and what makes them fast. Each section comes from a script in
# `benchmarks/` that measures the quantities it compares side by side in one run, pins its thread count and
# writes its tables to `benchmarks/results/NAME.json` with the machine, thread count, versions and date
# (`lstmdyn.book.measurements`). This page is generated from the latest of those files: run a script on your
# machine and rebuild the book to see your numbers here. Every sentence below that states an outcome is
# chosen by a condition on the file (`lstmdyn.experiments.performance`). Times of one run on a shared
# machine are noisy, most for runs under a second; run a script twice to see how much on yours.

# %% tags=["parameters"]
measurements = "../../benchmarks/results"  # the directory of the benchmark files (relative to this page)

# %% tags=["hide-input"]
from IPython.display import Markdown, display

from lstmdyn.book.measurements import measurement_markdown, read_measurements
from lstmdyn.experiments.performance import (
    authors_comparison,
    batching_verdict,
    equilibria_verdict,
    qr_accuracy_verdict,
    qr_speed_verdict,
    rebuild_verdict,
    tracking_verdict,
)

records = read_measurements(measurements)


# %% [markdown]
# ## The Lyapunov spectrum
#
# `benchmarks/lyapunov.py`: single-layer LSTMs with input width 82 (the CharRNN task), the full spectrum of
# the state $h$, 10 sequences of 100 steps, QR at every step. First the two ways of re-orthonormalising the
# frame that `lyapunov_spectrum(..., qr=...)` offers: LAPACK's Householder QR, with the frame kept as
# reflectors (`geqrf`) and applied to the next Jacobian directly (`ormqr`), and CholeskyQR2, two passes of a
# Gram matrix, its Cholesky factor and a triangular solve, in float64 whatever the frame's dtype, which is
# almost all matrix multiplication and falls back to Householder for any frame too ill-conditioned for it.
# The deviation column is the largest difference from the float64 Householder spectrum, over all exponents.
# Then four networks of the same size one after another against `lyapunov_spectra` on all four at once;
# then the package against autograd Jacobians (`torch.func` `jacrev` and `vmap`, `torch.linalg.qr`), a
# straightforward loop (one sequence at a time, dense diagonal matrices) and, where the script was given a
# checkout of the authors' lyapunov-hyperopt repository, their `calc_LEs_an` on the same inputs in their
# conventions (transposed frame, bits; their Jacobians are float32); last, a spectrum against one CharRNN
# training epoch (257 batches of 100 × 100 characters, timed over 3).

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("lyapunov"), "lyapunov",
                                      [qr_speed_verdict, qr_accuracy_verdict, batching_verdict, authors_comparison])))

# %% [markdown]
# Where the time goes: the QR factorisation and the product $J Q$ are about $3.3 n^3$ floating-point
# operations per sequence and step with Householder reflectors, and about $8.7 n^3$ with CholeskyQR2 (the
# product, then twice a Gram matrix, a Cholesky factor and a triangular solve), almost all of it matrix
# multiplication. Which is faster is a question of the rate at which a device runs each kind of kernel, which
# is what the table above measures: `qr="auto"` takes Householder QR on a CPU and CholeskyQR2 on any other
# device, where many small Householder kernels leave a GPU mostly idle.

# %% tags=["hide-input"]
if "lyapunov-cuda" in records:
    display(Markdown(measurement_markdown(records["lyapunov-cuda"], "lyapunov",
                                          [qr_speed_verdict, qr_accuracy_verdict, batching_verdict])))
else:
    display(Markdown("*No GPU measurement yet:* `python benchmarks/lyapunov.py` on a machine with a CUDA GPU "
                     "writes `benchmarks/results/lyapunov-cuda.json`, with a table of 100 sequences at n = 512 "
                     "and the sizes up to n = 1024, and this section shows it."))

# %% [markdown]
# ## Equilibria
#
# `benchmarks/equilibria.py`, one BLAS thread, best of three runs. Every time includes the eigenvalues of
# the $2n \times 2n$ Jacobian at the answer, which `find_equilibrium` always computes, so that all methods
# deliver a linearised equilibrium. *Convex* and *paper*: the package's fixed-point homotopy and the paper's,
# predictor–corrector; *paper, ODE*: the paper's formulation integrated by `solve_ivp`; *Newton*,
# *iteration* and *fsolve* start from the zero state; the *authors' scheme* is modelled on the published
# solver of the paper's first author (Euler micro-steps of arclength 0.01 along an SVD null vector recomputed
# at every micro-step, $dt > 0$ forced, `fsolve` at fixed $t$ every 10 micro-steps) and stopped at its time
# budget. *Found*: a residual below $10^{-9}$; *stopped*: the budget ran out, so its time ratio is a lower
# bound. The networks: uniform weights on $\pm 1/\sqrt{n}$, the same with the forget bias raised by 3, and
# the authors' trained PTB network.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("equilibria"), "equilibria", [equilibria_verdict])))

# %% [markdown]
# ## Equilibria through training
#
# `benchmarks/equilibria_training.py`: a Nottingham network trained with a checkpoint every 2 gradient steps,
# then the equilibria of all its checkpoints found two ways in the same run.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("equilibria_training"), "equilibria_training",
                                      [tracking_verdict])))

# %% [markdown]
# The chapter {doc}`equilibria_training` explains why the two ways can land on different equilibria.
#
# ## Training
#
# `benchmarks/training.py`: each task of `lstmdyn.experiments.tasks` at the sizes of the data chapter's
# quick profile, the same number of steps run twice in one process, without checkpoints and with one every
# few steps (plus the last). *Overhead* is the difference of the two runs over the first, which also holds
# the run-to-run noise of the machine; *writing* is the time spent writing checkpoint files alone over the
# training time, which does not.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("training"), "training")))

# %% [markdown]
# ## Building the book
#
# `benchmarks/book_build.py` copies the sources to a temporary directory, builds the whole book from scratch
# at a profile (the file names it), then builds it again with nothing changed.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("book_build"), "book_build",
                                      [rebuild_verdict])))

# %% [markdown]
# ## Summary
#
# - Every table above comes from a file that a script in `benchmarks/` wrote; the line above each table
#   says when, where and how it was measured.
#
# ## What to try
#
# - `python benchmarks/lyapunov.py --threads 2`, then rebuild: does a second thread help Householder QR or
#   CholeskyQR2 more on your machine?
# - `python benchmarks/lyapunov.py --authors PATH` with a checkout of the authors' repository adds their
#   implementation to the comparison.
