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

from lstmdyn.book.measurements import measurement_markdown
from lstmdyn.experiments.performance import (
    authors_comparison,
    batching_sentence,
    blas_threads_sentence,
    ensembles_sentence,
    equilibria_sentence,
    float32_sentence,
    goals_sentence,
    graph_sentence,
    paper_member_sentence,
    qr_accuracy_sentence,
    qr_speed_sentence,
    rebuild_sentence,
    sharing_sentence,
    step_parts_sentence,
    threads_sentence,
    tracking_sentence,
)
from lstmdyn.records import read_measurements

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
                                      [qr_speed_sentence, qr_accuracy_sentence, batching_sentence, authors_comparison])))

# %% [markdown]
# Where the time goes: the QR factorisation and the product $J Q$ are about $3.3 n^3$ floating-point
# operations per sequence and step with Householder reflectors, and about $8.7 n^3$ with CholeskyQR2 (the
# product, then twice a Gram matrix, a Cholesky factor and a triangular solve), almost all of it matrix
# multiplication. Which is faster is a question of the rate at which a device runs each kind of kernel, which
# is what the table above measures: `qr="auto"` takes Householder QR on a CPU and CholeskyQR2 on any other
# device, where many small Householder kernels leave a GPU mostly idle.

# %% [markdown]
# ### On a GPU
#
# `python benchmarks/lyapunov.py --device cuda` runs the same comparison on a GPU alone, with n = 1024 as well,
# CholeskyQR2 both with its step captured in a CUDA graph (the default there) and without, 100 sequences at
# n = 512, and a table of the goals set for the GPU (10 × 100 steps, float32 unless said). With the step
# captured, the device runs a window of steps (10 by default) without waiting for the host; the host then looks
# once at the flags of refused frames and non-finite states, and runs a window that raised one again step by
# step, Householder for the refused frames, so that the results are those of the uncaptured steps (tested on
# the GPU to 1e-12 in float64 and 1e-6 in float32).

# %% tags=["hide-input"]
if "lyapunov-cuda" in records:
    display(Markdown(measurement_markdown(records["lyapunov-cuda"], "lyapunov",
                                          [qr_speed_sentence, qr_accuracy_sentence, graph_sentence, batching_sentence,
                                           goals_sentence])))
else:
    display(Markdown("*No GPU measurement yet:* `python benchmarks/lyapunov.py --device cuda` on a machine with a "
                     "CUDA GPU writes `benchmarks/results/lyapunov-cuda.json`, and this section shows it."))

# %% [markdown]
# Where the time of one step goes on the GPU: `benchmarks/qr_step.py` times each part of a step alone (10
# sequences, the median of 20 launches), and each factorisation and solve in more than one way.

# %% tags=["hide-input"]
if "qr_step-cuda" in records:
    display(Markdown(measurement_markdown(records["qr_step-cuda"], "qr_step", [step_parts_sentence])))
else:
    display(Markdown("*Not measured on a GPU yet:* `python benchmarks/qr_step.py --device cuda`."))

# %% [markdown]
# ## A sweep member on a GPU
#
# `benchmarks/sweep_member.py --device cuda`: one member of the CharRNN sweep at the paper's size (512 units),
# part by part; the same training batches run by 1, 2, 4 and 8 processes at once on the GPU; a real sweep of
# four short members with four workers, as the book runs it; and from these, the time of a 40-epoch member
# when several share the GPU: 40 × (an epoch at that sharing + the validation loss + a spectrum) + the final
# measurements in float64 and the equilibrium (the homotopy, on the CPU). The number of members that share
# one GPU by default (`lstmdyn.sweeps.MEMBERS_PER_GPU`) is the one that gave the most batches per second.

# %% tags=["hide-input"]
if "sweep_member-cuda" in records:
    member = records["sweep_member-cuda"]
    display(Markdown(measurement_markdown(member, "sweep_member", [
        sharing_sentence, float32_sentence,
        lambda r: paper_member_sentence(r, int(r["findings"]["best_share"]))])))
else:
    display(Markdown("*Not measured on a GPU yet:* `python benchmarks/sweep_member.py --device cuda`."))

# %% [markdown]
# The chapter's parameter `epoch_dtype` sets the dtype of the spectra measured after every epoch; the book keeps
# float64 at every profile, and the sentences above say what float32 would change there (CholeskyQR2 factors in
# float64 whatever the frame's dtype).
#
# ## The paper profile
#
# How long each chapter takes at the paper profile. For the chapters that train the papers' networks, an
# estimate: the work the chapter does at its paper-profile parameters (`lstmdyn.experiments.paper_profile.
# chapter_work`: gradient steps per task, validation passes, fresh and tracked equilibria, spectra) times the
# unit costs that `benchmarks/paper_profile.py` measured on the device (initialised networks stand in for the
# trained ones, whose homotopies can take longer), the sweeps divided by the measured gain of members sharing
# the device. For the others, the time measured by running the chapter (`benchmarks/chapters.py`, on the CPU
# that built this page); the scorecard and this page only read files, in seconds at any profile (the build
# benchmark below).

# %% tags=["hide-input"]
import jupytext

from lstmdyn.book.page import table
from lstmdyn.book.parameters import declared_parameters, resolve
from lstmdyn.book.runner import Project
from lstmdyn.experiments.paper_profile import paper_profile_times, paper_total_sentence
from lstmdyn.words import duration

project = Project.find()
paper = {chapter: resolve(chapter, declared_parameters(jupytext.read(project.source(chapter)[1])), "paper", {})
         for chapter in ("datasets", "equilibria_training", "lyapunov_experiments")}
times = paper_profile_times(records, paper)
display(table(times.assign(time=times["minutes"].map(duration)), {"minutes": "{:.1f}"}))
trained_or_computed = [c for c in project.chapters() if c not in ("scorecard", "performance")]  # these read files
display(Markdown(paper_total_sentence(times, trained_or_computed)))

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
display(Markdown(measurement_markdown(records.get("equilibria"), "equilibria", [equilibria_sentence])))

# %% [markdown]
# `benchmarks/blas_threads.py`: the same fixed-point homotopy on one BLAS thread and on every core, best of three
# runs per size (random networks; the time / one thread above 1 means one thread is faster). `find_equilibrium`
# keeps to one thread up to a size (`lstmdyn.equilibria.SINGLE_THREAD_UP_TO`) and leaves the library's default
# above it.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("blas_threads"), "blas_threads", [blas_threads_sentence])))

# %% [markdown]
# ## Equilibria through training
#
# `benchmarks/equilibria_training.py`: a Nottingham network trained with a checkpoint every 2 gradient steps,
# then the equilibria of all its checkpoints found two ways in the same run.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("equilibria_training"), "equilibria_training",
                                      [tracking_sentence])))

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
# ## Threads
#
# `benchmarks/threads.py`: one chapter executed with one thread and with every core, on an idle machine and
# while as many other processes as there are cores multiply small matrices with PyTorch's default threads (as
# another chapter or a test run beside it does). The chapters run on the thread count this chose
# (`lstmdyn.threads.chapter_threads`; `LSTMDYN_THREADS` sets another).

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("threads"), "threads", [threads_sentence])))

# %% [markdown]
# ## Ensembles
#
# `benchmarks/ensembles.py`: the first members of the two quick sweeps of *Lyapunov spectra of trained networks*
# trained for an epoch one after another (`lstmdyn.training.train`, whose `nn.LSTM` runs oneDNN's fused LSTM kernel
# on a CPU), then together as one ensemble (`lstmdyn.ensembles.train_ensemble`: the members' weights stacked, one
# batched product per gate step). Each member gets the same losses and weights either way, to round-off
# (`tests/test_ensembles.py`).

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("ensembles"), "ensembles", [ensembles_sentence])))

# %% [markdown]
# ## Building the book
#
# `benchmarks/book_build.py` copies the sources to a temporary directory, builds the whole book from scratch
# at a profile (the file names it), then builds it again with nothing changed.

# %% tags=["hide-input"]
display(Markdown(measurement_markdown(records.get("book_build"), "book_build",
                                      [rebuild_sentence])))

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
