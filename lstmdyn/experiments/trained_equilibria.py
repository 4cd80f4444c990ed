"""Chapter: *Equilibria through training* (``notebooks/equilibria_training.py``).

Amrouche et al., section 4: train a single-layer LSTM, keep its weights every few gradient steps, and at each
checkpoint, find the equilibrium of the autonomous map (the network without input, eq. 1) and the eigenvalues
of its linearisation. The equilibrium of each checkpoint is sought three ways:

- *fresh*: the fixed-point homotopy from the zero state, anew for every checkpoint: the authors' published
  solver (not the paper's eq. 3);
- *paper*: the paper's homotopy, eq. 3, from the shifted origin, to count how often it reaches t = 1;
- *tracked*: Newton's method from the previous checkpoint's tracked equilibrium, and the homotopy from there
  where Newton fails (:func:`lstmdyn.equilibria.continue_equilibrium`), which follows one branch.

A network trained with TensorFlow's run-time forget bias (``TrainingConfig.forget_bias``) is analysed both as
trained and as the authors' solver sees it, reading the stored weights without that bias (*solver*: the fresh
homotopy on the map with the forget bias removed).

Where the two land on different equilibria, either the tracked branch ended or changed stability between two
checkpoints (a bifurcation), or two equilibria coexist and the fresh homotopy reached the other one (a branch
switch): :func:`branch_changes` says which. :func:`circle_crossings` types each crossing of the unit circle,
counted along the tracked branch (:func:`crossings_of`), where the equilibrium moves continuously. The verdicts
on the paper's claims (:mod:`lstmdyn.experiments.claims_amrouche`) use the fresh equilibria of the networks as
trained.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from lstmdyn.ensembles import SHARED_SETTINGS, shape_of, train_ensemble
from lstmdyn.equilibria import AutonomousLSTM, Equilibrium, continue_equilibrium, find_equilibrium
from lstmdyn.errors import TrainingError
from lstmdyn.experiments.both_tools import driven_exponents, driven_inputs
from lstmdyn.experiments.claims_amrouche import (
    flattened,
    flattening,
    mnist_rises,
    nottingham_crosses,
    ptb_near_circle,
    rise,
    task_ordering,
)
from lstmdyn.experiments.outcomes import Outcome
from lstmdyn.experiments.tasks import Task
from lstmdyn.names import counted
from lstmdyn.records import json_ready
from lstmdyn.threads import MEMBER_THREADS, pinned_threads
from lstmdyn.training import SequenceData, SequenceModel, TrainingResult, train
from lstmdyn.words import join_words

__all__ = ["CROSSINGS", "PERPLEXITY_MARGIN", "POPULATIONS", "PUBLISHED_PERPLEXITY", "EquilibriumRun", "RunJob",
           "branch_changes", "changes_sentence", "circle_crossings", "crossings_of", "equilibria_through_training",
           "equilibria_through_training_together", "flat_sentence", "grid_outcome", "job_groups", "near_sentence",
           "results_record", "run_jobs", "seeded_jobs", "seeded_runs",
           "settings_sentence", "short_of_training", "stable_near", "still_falling", "task_outcomes",
           "training_sentence"]

#: the types of unit-circle crossings: a real eigenvalue through +1, through −1, a complex pair
CROSSINGS = ("fold", "period doubling", "Neimark–Sacker")
_KEYS = {"fold": "fold", "period doubling": "period_doubling", "Neimark–Sacker": "neimark_sacker"}  # results file


@dataclass
class EquilibriumRun:
    """One training run of a task and the equilibria of its checkpoints.

    ``steps[k]`` is the gradient step of checkpoint k (0: the initialised network); ``train_loss[k]`` the
    mean training loss of the steps since checkpoint k − 1 (NaN at step 0), ``valid_loss[k]`` the validation
    loss there. ``driven``: the Lyapunov exponents of the trained network driven by validation inputs
    (:func:`~lstmdyn.experiments.both_tools.driven_exponents`). ``solver`` holds the fresh equilibria of the
    maps without the run-time ``forget_bias`` (the same objects as ``fresh`` where it is 0), ``paper`` the
    runs of the paper's homotopy. ``together``: how many networks trained as one ensemble with this one (1: it
    trained alone; the numbers agree to round-off).
    """

    task: str
    seed: int
    forget_bias: float = 0.0
    steps: list[int] = field(default_factory=list)
    maps: list[AutonomousLSTM] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    fresh: list[Equilibrium] = field(default_factory=list)
    tracked: list[Equilibrium] = field(default_factory=list)
    solver: list[Equilibrium] = field(default_factory=list)
    paper: list[Equilibrium] = field(default_factory=list)
    training_seconds: float = 0.0
    driven: dict[str, float] = field(default_factory=dict)
    together: int = 1

    def trace(self, view: str = "fresh") -> tuple[list[int], list[float], list[float]]:
        """The steps, the spectral radii of the ``view`` (``"fresh"`` or ``"solver"``) equilibria and the
        training losses of the checkpoints: what :func:`~lstmdyn.experiments.claims_amrouche.mnist_rises` reads
        per seed."""
        return self.steps, [e.spectral_radius for e in getattr(self, view)], self.train_loss

    def table(self) -> pd.DataFrame:
        """One row per checkpoint: the losses; the fresh equilibrium's spectral radius, largest real part,
        residual and homotopy cost; the tracked equilibrium's radius and how it was found; ``distance``
        between the two."""
        rows = []
        for k, step in enumerate(self.steps):
            f, t = self.fresh[k], self.tracked[k]
            rows.append({"task": self.task, "seed": self.seed, "step": step, "train loss": self.train_loss[k],
                         "valid loss": self.valid_loss[k], "spectral radius": f.spectral_radius,
                         "max Re λ": f.max_real, "residual": f.residual, "homotopy steps": f.steps,
                         "homotopy seconds": f.seconds, "min |dt/dθ|": f.min_abs_dt,
                         "tracked radius": t.spectral_radius, "tracked max Re λ": t.max_real,
                         "tracked residual": t.residual, "tracked by": t.homotopy, "tracking seconds": t.seconds,
                         "solver radius": self.solver[k].spectral_radius, "solver max Re λ": self.solver[k].max_real,
                         "paper homotopy": self.paper[k].status,
                         "distance": float(np.linalg.norm(f.x - t.x)) if f.converged and t.converged else np.nan})
        return pd.DataFrame(rows)


def equilibria_through_training(task: Task, epochs: int, every: int, *, validate_on: int | None = None,
                                full: bool = True, progress: bool = False, **homotopy_options) -> EquilibriumRun:
    """Train ``task`` for ``epochs`` epochs, keeping the autonomous map every ``every`` gradient steps (and
    of the initialised network), then find each checkpoint's equilibrium fresh, as the authors' solver sees it,
    by the paper's homotopy and tracked, and the Lyapunov exponents of the trained network driven by up to 10
    validation sequences of up to 100 steps. With ``full=False`` only the fresh and the solver's equilibria are
    found (the other lists stay empty, ``driven`` too), for comparisons of training settings.

    The validation loss at each checkpoint is taken on the first ``validate_on`` validation samples (or
    stream windows; all of them by default).

    Parameters
    ----------
    task : Task
        The network, data and training settings.
    epochs : int
        Epochs of training.
    every : int
        Gradient steps between checkpoints.
    validate_on : int, optional
        Validation samples (or stream windows) evaluated at each checkpoint; all by default.
    full : bool
        Also the paper's homotopy, the tracked branch and the driven exponents (else the fresh and the
        solver's equilibria alone).
    progress : bool
        Progress bars.
    **homotopy_options
        For :func:`~lstmdyn.equilibria.find_equilibrium` (``max_steps``, …).

    Examples
    --------
    >>> import torch
    >>> from lstmdyn.experiments.tasks import Task
    >>> from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig
    >>> x = torch.randn(40, 6, 2, generator=torch.Generator().manual_seed(0))
    >>> data = SequenceData(x, (x.sum((1, 2)) > 0).long())
    >>> task = Task("sign", SequenceModel(2, 5, 2, "class"), data, data, TrainingConfig(batch_size=10), None)
    >>> run = equilibria_through_training(task, epochs=3, every=4)
    >>> run.steps, all(e.residual < 1e-9 for e in run.fresh + run.tracked)
    ([0, 4, 8, 12], True)
    """
    run = EquilibriumRun(task.name, task.config.seed, task.config.forget_bias)
    config = dataclasses.replace(task.config, epochs=epochs, checkpoint_every=every)

    def keep(step: int, model, _path) -> None:
        run.steps.append(step)
        run.maps.append(AutonomousLSTM.from_torch(model.recurrent))

    valid = _validation(task, validate_on)
    result = train(task.model, task.train, config, valid=valid, on_checkpoint=keep, progress=progress,
                   checkpoint_at_start=True)
    _record_losses(run, result)
    return _analysed(run, task.model, valid, full, progress, homotopy_options)


def equilibria_through_training_together(tasks: Sequence[Task], epochs: int, every: int, *,
                                         validate_on: int | None = None, full: bool = True, progress: bool = False,
                                         analyse: Callable[[Iterable[tuple]], Iterable[EquilibriumRun]] | None = None,
                                         **homotopy_options) -> list[EquilibriumRun]:
    """:func:`equilibria_through_training` of each of ``tasks``, their networks trained as one ensemble
    (:func:`~lstmdyn.ensembles.train_ensemble`): each run's losses and weights are those it has trained alone, to
    round-off (the ensemble's equality test), and its equilibria are found as there.

    Parameters
    ----------
    tasks : sequence of Task
        One data set and one network shape (:func:`~lstmdyn.ensembles.shape_of`), with settings that may differ
        per network (seed, learning rate, forget bias); the training and validation data of the first are used.
    epochs, every, validate_on, full, progress, homotopy_options
        As in :func:`equilibria_through_training`, for every run.
    analyse : callable, optional
        ``analyse(arguments)`` maps :func:`_analyse_job` over an iterable of argument tuples (a process pool's
        ``map``, which finds the equilibria of several runs on several cores); by default the built-in ``map``.

    Examples
    --------
    >>> from lstmdyn.experiments.tasks import mnist_task
    >>> tasks = [mnist_task(hidden=4, seed=seed) for seed in (0, 1)]
    >>> runs = equilibria_through_training_together(tasks, epochs=1, every=5, full=False, validate_on=10)
    >>> [(r.seed, r.steps, r.together) for r in runs], all(e.residual < 1e-9 for r in runs for e in r.fresh)
    ([(0, [0, 5, 10], 2), (1, [0, 5, 10], 2)], True)
    """
    runs = [EquilibriumRun(t.name, t.config.seed, t.config.forget_bias, together=len(tasks)) for t in tasks]
    configs = [dataclasses.replace(t.config, epochs=epochs, checkpoint_every=every) for t in tasks]

    def keep(step: int, models, _paths) -> None:
        for member, model in models.items():
            runs[member].steps.append(step)
            runs[member].maps.append(AutonomousLSTM.from_torch(model.recurrent))

    valid = _validation(tasks[0], validate_on)
    results = train_ensemble([t.model for t in tasks], tasks[0].train, configs, valid=valid, on_checkpoint=keep,
                             progress=progress, checkpoint_at_start=True)
    for run, result in zip(runs, results, strict=True):
        if result.error:
            raise TrainingError(f"{run.task}, seed {run.seed}: {result.error}")
        _record_losses(run, result)
    arguments = [(run, task.model, valid, full, progress, homotopy_options) for run, task in zip(runs, tasks,
                                                                                                   strict=True)]
    return list((analyse or map)(_analyse_job, arguments))


def _validation(task: Task, validate_on: int | None) -> SequenceData:
    """The validation data of ``task``, its first ``validate_on`` samples (all by default)."""
    if validate_on is None:
        return task.valid
    return dataclasses.replace(task.valid, inputs=task.valid.inputs[:validate_on],
                               targets=task.valid.targets[:validate_on])


def _record_losses(run: EquilibriumRun, result: TrainingResult) -> None:
    """The training seconds, the mean training loss since the previous checkpoint and the validation loss of each
    checkpoint of ``run``, from its training ``result``."""
    run.training_seconds = result.seconds
    losses = dict(result.losses)
    run.train_loss = [float(np.mean([losses[s] for s in range(previous + 1, step + 1)])) if step else np.nan
                      for previous, step in zip([0, *run.steps], run.steps, strict=False)]
    run.valid_loss = [loss for _, loss in result.validation]


def _analysed(run: EquilibriumRun, model: SequenceModel, valid: SequenceData, full: bool, progress: bool,
              homotopy_options: dict) -> EquilibriumRun:
    """``run`` with the equilibria of its checkpoints' maps found (fresh, as the solver reads them and, if
    ``full``, by the paper's homotopy and tracked) and, if ``full``, the trained ``model``'s driven exponents."""
    if full:
        run.driven = driven_exponents(model, driven_inputs(valid))
    bar = tqdm(run.maps, desc=f"equilibria of {run.task}", disable=not progress, leave=False)
    for lstm in bar:
        run.fresh.append(find_equilibrium(lstm, "convex", **homotopy_options))
        run.solver.append(find_equilibrium(lstm.with_forget_bias(-run.forget_bias), "convex", **homotopy_options)
                          if run.forget_bias else run.fresh[-1])
        if not full:
            continue
        run.paper.append(find_equilibrium(lstm, "paper", **homotopy_options))
        previous = run.tracked[-1] if run.tracked and run.tracked[-1].converged else None
        run.tracked.append(continue_equilibrium(lstm, previous.x, **homotopy_options) if previous is not None
                           else run.fresh[-1])
    return run


def _analyse_job(arguments: tuple) -> EquilibriumRun:
    """:func:`_analysed` of one argument tuple, on :data:`~lstmdyn.threads.MEMBER_THREADS` threads (the same numbers
    in a worker process or here)."""
    with pinned_threads(MEMBER_THREADS):
        return _analysed(*arguments)


@dataclass(frozen=True)
class RunJob:
    """One training run of :func:`equilibria_through_training`: the task ``make_task(seed=seed)`` (a picklable
    callable, such as a :func:`functools.partial` of a task constructor), its length, checkpoint interval and
    options."""

    make_task: Callable[..., Task]
    seed: int
    epochs: int
    every: int
    options: tuple[tuple[str, object], ...] = ()


def _run_job(job: RunJob) -> EquilibriumRun:
    """One job, on :data:`~lstmdyn.threads.MEMBER_THREADS` threads: the same numbers in a worker process or here."""
    with pinned_threads(MEMBER_THREADS):
        return equilibria_through_training(job.make_task(seed=job.seed), job.epochs, job.every, **dict(job.options))


def run_jobs(jobs: list[RunJob], *, workers: int = 1, group_size: int = 1) -> list[EquilibriumRun]:
    """The runs of ``jobs``, in their order.

    Parameters
    ----------
    jobs : list of RunJob
        Put the longest first: a free worker takes the next job in the list.
    workers : int
        Processes at once, each on one thread, so that a run gives the same numbers wherever it ran; 1 runs them
        here. With ``group_size`` above 1 they find the equilibria of a group's runs, several runs at once.
    group_size : int
        Up to this many jobs that share a data set, a network shape, a length and the shared training settings
        (:func:`job_groups`) train together as one ensemble (:func:`equilibria_through_training_together`); 1
        trains each alone (:func:`~lstmdyn.ensembles.group_size` says which is faster on a device).

    Examples
    --------
    >>> from functools import partial
    >>> from lstmdyn.experiments.tasks import mnist_task
    >>> jobs = [RunJob(partial(mnist_task, hidden=4), seed, 1, 10, (("full", False), ("validate_on", 10)))
    ...         for seed in (0, 1)]
    >>> here, there = run_jobs(jobs), run_jobs(jobs, workers=2)
    >>> [r.seed for r in there], all(a.train_loss[1:] == b.train_loss[1:] for a, b in zip(here, there))
    ([0, 1], True)
    """
    if group_size <= 1:
        if workers <= 1 or len(jobs) <= 1:
            return [_run_job(job) for job in jobs]
        with _pool(workers, len(jobs)) as pool:
            return list(pool.map(_run_job, jobs))
    tasks = [job.make_task(seed=job.seed) for job in jobs]
    runs: list[EquilibriumRun | None] = [None] * len(jobs)
    with _pool(workers, group_size) as pool, pinned_threads(MEMBER_THREADS):
        for group in job_groups(jobs, tasks, group_size):
            first = jobs[group[0]]
            together = equilibria_through_training_together(
                [tasks[k] for k in group], first.epochs, first.every, analyse=pool.map if pool else None,
                **dict(first.options))
            for k, run in zip(group, together, strict=True):
                runs[k] = run
    return runs


@contextlib.contextmanager
def _pool(workers: int, jobs: int):
    """A pool of ``min(workers, jobs)`` spawned processes, or None where that is one."""
    if min(workers, jobs) <= 1:
        yield None
        return
    with ProcessPoolExecutor(min(workers, jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def job_groups(jobs: Sequence[RunJob], tasks: Sequence[Task], size: int) -> list[list[int]]:
    """The indices of ``jobs`` (whose tasks are ``tasks``) in groups of at most ``size`` that can train as one
    ensemble: the same task name, training and validation data, network shape
    (:func:`~lstmdyn.ensembles.shape_of`), settings that an ensemble shares
    (:data:`~lstmdyn.ensembles.SHARED_SETTINGS`), epochs, checkpoint interval and options. Groups in the order of
    their first job, each in the jobs' order.

    Examples
    --------
    >>> from functools import partial
    >>> from lstmdyn.experiments.tasks import mnist_task
    >>> jobs = [RunJob(partial(mnist_task, hidden=h, lr=lr), 0, 1, 10) for h, lr in
    ...         ((4, 1e-3), (5, 1e-3), (4, 1e-4), (4, 1e-2), (5, 1e-2))]
    >>> job_groups(jobs, [job.make_task(seed=job.seed) for job in jobs], 2)
    [[0, 2], [1, 4], [3]]
    """
    groups: dict[tuple, list[list[int]]] = {}
    for k, (job, task) in enumerate(zip(jobs, tasks, strict=True)):
        key = (task.name, shape_of([task.model]), tuple(getattr(task.config, name) for name in SHARED_SETTINGS),
               job.epochs, job.every, job.options, _digest(task.train), _digest(task.valid))
        chunks = groups.setdefault(key, [[]])
        if len(chunks[-1]) == size:
            chunks.append([])
        chunks[-1].append(k)
    return sorted((chunk for chunks in groups.values() for chunk in chunks), key=lambda chunk: chunk[0])


def _digest(data: SequenceData) -> str:
    """A fingerprint of ``data``'s values (inputs, targets and whether it is a stream)."""
    digest = hashlib.sha256(str(data.stream).encode())
    for tensor in (data.inputs, data.targets):
        digest.update(str((tensor.dtype, tuple(tensor.shape))).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def seeded_runs(make_task: Callable[..., Task], epochs: int, every: int, *, seeds: int, first_seed: int = 0,
                **options) -> list[EquilibriumRun]:
    """:func:`equilibria_through_training` of ``make_task(seed=s)`` for the ``seeds`` seeds ``first_seed``,
    ``first_seed + 1``, …: one training setting run several times. ``options`` go to
    :func:`equilibria_through_training` (``validate_on``, ``full``).

    Examples
    --------
    >>> import torch
    >>> from lstmdyn.training import SequenceData, SequenceModel, TrainingConfig
    >>> def sign_task(seed):
    ...     x = torch.randn(40, 6, 2, generator=torch.Generator().manual_seed(0))
    ...     data = SequenceData(x, (x.sum((1, 2)) > 0).long())
    ...     return Task("sign", SequenceModel(2, 5, 2, "class"), data, data, TrainingConfig(batch_size=10, seed=seed),
    ...                 None)
    >>> [(r.seed, r.steps) for r in seeded_runs(sign_task, 1, 4, seeds=2, first_seed=7, full=False)]
    [(7, [0, 4]), (8, [0, 4])]
    """
    return [equilibria_through_training(make_task(seed=first_seed + k), epochs, every, **options)
            for k in range(seeds)]


def seeded_jobs(make_task: Callable[..., Task], epochs: int, every: int, *, seeds: int, first_seed: int = 0,
                **options) -> list[RunJob]:
    """The :class:`RunJob` of each of ``seeds`` seeds of one training setting, for :func:`run_jobs`.

    Examples
    --------
    >>> [job.seed for job in seeded_jobs(print, 1, 10, seeds=3, first_seed=5, full=False)]
    [5, 6, 7]
    """
    return [RunJob(make_task, first_seed + k, epochs, every, tuple(sorted(options.items()))) for k in range(seeds)]


def _outside(eigenvalues: np.ndarray, tol: float) -> dict[str, int]:
    out = eigenvalues[np.abs(eigenvalues) > 1.0]
    real = np.abs(out.imag) <= tol
    return {"fold": int(np.sum(real & (out.real > 0))), "period doubling": int(np.sum(real & (out.real < 0))),
            "Neimark–Sacker": int(np.sum(~real)) // 2}


def circle_crossings(before: np.ndarray, after: np.ndarray, *, tol: float = 1e-9) -> dict[str, int]:
    """Net crossings of the unit circle between two spectra, by type: for each of :data:`CROSSINGS`, the
    change in the number of eigenvalues (pairs, for complex ones) outside the circle; positive when they
    left the unit disc, negative when they entered it.

    Examples
    --------
    >>> circle_crossings(np.array([0.9, -0.5, 0.8 + 0.5j, 0.8 - 0.5j]), np.array([1.1, -0.5, 0.9 + 0.6j, 0.9 - 0.6j]))
    {'fold': 1, 'period doubling': 0, 'Neimark–Sacker': 1}
    >>> circle_crossings(np.array([-1.2, 0.3]), np.array([-0.9, 0.3]))
    {'fold': 0, 'period doubling': -1, 'Neimark–Sacker': 0}
    """
    a, b = _outside(np.asarray(before), tol), _outside(np.asarray(after), tol)
    return {kind: b[kind] - a[kind] for kind in CROSSINGS}


def crossings_of(run: EquilibriumRun) -> pd.DataFrame:
    """The unit-circle crossings along a run's tracked equilibria: one row per checkpoint interval and
    type with a nonzero count."""
    rows = []
    for k in range(1, len(run.steps)):
        before, after = run.tracked[k - 1], run.tracked[k]
        if not (before.converged and after.converged):
            continue
        for kind, count in circle_crossings(before.eigenvalues, after.eigenvalues).items():
            if count:
                rows.append({"task": run.task, "seed": run.seed, "from step": run.steps[k - 1],
                             "to step": run.steps[k], "type": kind, "count": count})
    return pd.DataFrame(rows, columns=["task", "seed", "from step", "to step", "type", "count"])


def branch_changes(run: EquilibriumRun, *, tol: float = 1e-6) -> pd.DataFrame:
    """Checkpoints where the fresh and the tracked equilibrium differ, and why.

    ``"bifurcation"`` where the tracked branch was lost (Newton from the previous equilibrium failed and
    the homotopy had to take over) or crossed the unit circle since the previous checkpoint; ``"branch
    switch"`` otherwise: the branch goes on, and the fresh homotopy from the zero state reached another
    equilibrium that coexists with it.
    """
    rows = []
    for k, (f, t) in enumerate(zip(run.fresh, run.tracked, strict=True)):
        if not (f.converged and t.converged):
            continue
        distance = float(np.linalg.norm(f.x - t.x))
        if distance <= tol * (1 + np.linalg.norm(t.x)):
            continue
        crossed = k > 0 and run.tracked[k - 1].converged and any(
            circle_crossings(run.tracked[k - 1].eigenvalues, t.eigenvalues).values())
        kind = "bifurcation" if t.homotopy != "newton" or crossed else "branch switch"
        rows.append({"task": run.task, "seed": run.seed, "step": run.steps[k], "distance": distance,
                     "fresh radius": f.spectral_radius, "tracked radius": t.spectral_radius, "kind": kind})
    return pd.DataFrame(rows, columns=["task", "seed", "step", "distance", "fresh radius", "tracked radius",
                                       "kind"])


#: What each task's claim is judged on, as the outcome names it
POPULATIONS = {"mnist": "this book's single-layer MNIST networks", "ptb": "this book's single-layer PTB networks",
               "nottingham": "this book's single-layer Nottingham networks"}


def changes_sentence(crossings: int, changes: pd.DataFrame) -> str:
    """The crossings of the unit circle between checkpoints (``crossings``, over all runs) and the checkpoints
    where the fresh and the tracked equilibria differ (``changes``: :func:`branch_changes` of every run), in
    words that hold at any count.

    Examples
    --------
    >>> print(changes_sentence(0, pd.DataFrame({"kind": []})))  # doctest: +NORMALIZE_WHITESPACE
    Over all runs no eigenvalue crossed the unit circle between checkpoints. At every checkpoint the fresh
    homotopy from zero and the tracked branch ended on the same equilibrium.
    >>> print(changes_sentence(1, pd.DataFrame({"kind": ["bifurcation"]})))  # doctest: +NORMALIZE_WHITESPACE
    Over all runs 1 eigenvalue crossed the unit circle between checkpoints. At 1 checkpoint the fresh homotopy
    from zero and the tracked branch ended on different equilibria (the table above): there the tracked branch
    crossed the circle or was lost since the previous checkpoint (a bifurcation).
    """
    head = ("Over all runs no eigenvalue crossed the unit circle between checkpoints." if not crossings else
            f"Over all runs {crossings} eigenvalue{'s' if crossings != 1 else ''} crossed the unit circle between "
            f"checkpoints.")
    n = len(changes)
    if not n:
        return head + (" At every checkpoint the fresh homotopy from zero and the tracked branch ended on the same "
                       "equilibrium.")
    kinds = changes["kind"].value_counts()

    def where(k: int) -> str:
        return "there" if n == 1 else "at all of them" if k == n else f"at {k} of them"

    parts = []
    if kinds.get("bifurcation", 0):
        parts.append(f"{where(kinds['bifurcation'])} the tracked branch crossed the circle or was lost since the "
                     "previous checkpoint (a bifurcation)")
    if kinds.get("branch switch", 0):
        parts.append(f"{where(kinds['branch switch'])} the branch went on and the fresh homotopy reached another "
                     "equilibrium that coexists with it (a branch switch)")
    text = (f"{head} At {counted(n, 'checkpoint')} the fresh homotopy from zero and the tracked branch ended on "
            f"different equilibria (the table above): {join_words(parts, clauses=True)}.")
    if kinds.get("branch switch", 0):
        text += (" Where the fresh equilibria of consecutive checkpoints lie on different branches, the radius in the "
                 "figures above jumps between them.")
    return text


def _readings(judge: Callable[[str, str], Outcome], task_runs: list[EquilibriumRun], who: str) -> Outcome:
    """``judge(view, population)`` on the network as it computes (``"fresh"``), with the outcome on the weights as
    the authors' solver reads them (``"solver"``: without the run-time forget bias) added to what it measured where
    the two readings differ. The paper measured with that solver; the network computes with the bias."""
    biases = sorted({r.forget_bias for r in task_runs})
    shown = join_words([f"{b:g}" for b in biases])
    computes = judge("fresh", f"{who}, as the network computes (run-time forget bias {shown})" if any(biases)
                     else f"{who} (run-time forget bias 0: the authors' solver reads the same network)")
    if not any(biases):
        return computes
    read = judge("solver", f"{who}, as the authors' solver reads the stored weights")
    return dataclasses.replace(computes, measured=f"{computes.measured}. As the authors' solver reads the stored "
                               f"weights, without the forget bias: **{read.verdict}** ({read.measured})")


def task_outcomes(runs: dict[str, list[EquilibriumRun]], *, short: dict[str, str] | None = None,
                  mnist: Outcome | None = None) -> list[Outcome]:
    """The outcomes of the paper's claims on the three tasks and their ordering, from the runs of each task
    (``mnist``, ``ptb``, ``nottingham``): each claim's function of :mod:`lstmdyn.experiments.claims_amrouche`
    called on the fresh equilibria of the networks as they compute, and again as the authors' solver reads their
    weights where a run-time forget bias makes the two differ (both in the outcome); ``short`` gives the tasks
    that stopped short of training (:func:`short_of_training`), whose claims are inconclusive. ``mnist``, where
    given, is the MNIST claim's outcome over the grid of training settings (:func:`grid_outcome`)."""
    short = short or {}

    def final(view: str) -> dict[str, float]:
        return {task: float(np.mean([getattr(r, view)[-1].spectral_radius for r in task_runs]))
                for task, task_runs in runs.items()}

    n_seeds = {task: f"{POPULATIONS[task]}, {len(task_runs)} seed{'s' if len(task_runs) != 1 else ''}"
               for task, task_runs in runs.items()}
    outcomes = [
        mnist or _readings(lambda view, who: mnist_rises([r.trace(view) for r in runs["mnist"]],
                                                         short=short.get("mnist"), population=who),
                           runs["mnist"], n_seeds["mnist"]),
        _readings(lambda view, who: ptb_near_circle([getattr(r, view)[-1].eigenvalues for r in runs["ptb"]],
                                                    short=short.get("ptb"), population=who),
                  runs["ptb"], n_seeds["ptb"]),
        _readings(lambda view, who: nottingham_crosses(
            [([e.spectral_radius for e in getattr(r, view) if e.converged],
              [e.max_real for e in getattr(r, view) if e.converged]) for r in runs["nottingham"]],
            short=short.get("nottingham"), population=who), runs["nottingham"], n_seeds["nottingham"]),
        _readings(lambda view, who: task_ordering(final(view), short=short, population=who),
                  [r for task_runs in runs.values() for r in task_runs], "this book's networks of the three tasks")]
    return outcomes


def grid_outcome(cells: dict[str, Outcome]) -> Outcome:
    """One claim judged under several plausible settings (``cells``: setting → that setting's outcome of the same
    claim): reproduced where every setting that can tell reproduces it, not reproduced where none does, partly
    where some do and some do not (the measured value says which), inconclusive where no setting can tell.

    Examples
    --------
    >>> from lstmdyn.experiments.claims_amrouche import CLAIMS
    >>> def cell(verdict):
    ...     return CLAIMS["amrouche.mnist"].outcome(verdict, paper_value="~0.81", measured="m", criterion="c")
    >>> grid = grid_outcome({"Adam 1e-3": cell("partly"), "SGD 0.1": cell("reproduced"),
    ...                      "Adam 1e-4": cell("inconclusive")})
    >>> grid.verdict, grid.measured
    ('partly', 'it holds under SGD 0.1, in part under Adam 1e-3 and cannot tell under Adam 1e-4')
    >>> grid_outcome({"a": cell("reproduced"), "b": cell("inconclusive")}).verdict
    'reproduced'
    """
    first = next(iter(cells.values()))
    decisive = [o.verdict for o in cells.values() if o.verdict in ("reproduced", "partly", "not reproduced")]
    verdict = ("inconclusive" if not decisive else decisive[0] if len(set(decisive)) == 1 and decisive[0] != "partly"
               else "partly")
    return dataclasses.replace(
        first, verdict=verdict, measured=settings_sentence({name: o.verdict for name, o in cells.items()}),
        population=f"{len(cells)} plausible training settings and readings of the weights",
        n=len(cells), criterion=f"each setting judged by the claim's criterion ({first.criterion}); reproduced if "
        "every setting that can tell reproduces it, not reproduced if none does, partly if some do")


def results_record(profile: str, runs: list[EquilibriumRun], outcomes: list[Outcome]) -> dict:
    """The chapter's key numbers for the results file (keys documented on the chapter page).

    Per task and seed: ``final_spectral_radius``, ``final_max_real``, ``forget_bias`` (TensorFlow's run-time
    one the network was trained with), ``final_solver_spectral_radius`` (without it, as the authors' solver
    reads the weights), ``paper_homotopy_reached`` (the share of checkpoints where the paper's homotopy reached
    t = 1), ``spearman_radius_step`` (the rise over training), ``crossings`` by type (``fold``,
    ``period_doubling``, ``neimark_sacker``), ``branch_changes``, and the driven exponents ``max_le``,
    ``mean_le``, ``max_le_hc``, ``mean_le_hc`` of the trained network; per task the mean and standard deviation
    of the final radius; ``trained_together`` (the networks of its ensemble, 1 where it trained alone); the outcomes
    of the claims; and the ``profile`` that produced them.
    """
    tasks: dict[str, dict] = {}
    for r in runs:
        crossings = crossings_of(r)
        entry = tasks.setdefault(r.task, {"runs": []})
        entry["runs"].append({
            "seed": r.seed, "checkpoints": len(r.steps), "last_step": r.steps[-1],
            "final_spectral_radius": r.fresh[-1].spectral_radius, "final_max_real": r.fresh[-1].max_real,
            "forget_bias": r.forget_bias, "final_solver_spectral_radius": r.solver[-1].spectral_radius,
            "paper_homotopy_reached": sum(e.converged for e in r.paper) / len(r.paper),
            "spearman_radius_step": rise(r.steps, [e.spectral_radius for e in r.fresh]),
            "crossings": {_KEYS[k]: int(crossings.loc[crossings["type"] == k, "count"].sum()) for k in CROSSINGS},
            "branch_changes": len(branch_changes(r)), "trained_together": r.together, **r.driven})
    for entry in tasks.values():
        final = [x["final_spectral_radius"] for x in entry["runs"]]
        entry["final_spectral_radius_mean"], entry["final_spectral_radius_std"] = float(np.mean(final)), \
            float(np.std(final))
    return json_ready({"profile": profile, "tasks": tasks, "outcomes": [o.as_dict() for o in outcomes]})


def settings_sentence(verdicts: dict[str, str]) -> str:
    """Under which training settings a criterion holds, from ``{setting: verdict}``.

    Examples
    --------
    >>> settings_sentence({"Adam 1e-3": "partly", "SGD 0.1": "reproduced", "Adam 1e-4": "not reproduced"})
    'it holds under SGD 0.1, in part under Adam 1e-3 and not under Adam 1e-4'
    >>> settings_sentence({"Adam 1e-3": "not reproduced"})
    'it holds under none of the settings: not under Adam 1e-3'
    >>> settings_sentence({"Adam 1e-3": "not reproduced", "SGD": "inconclusive"})
    'it holds under none of the settings: not under Adam 1e-3 and cannot tell under SGD'
    >>> settings_sentence({"Adam 1e-3": "inconclusive", "SGD": "inconclusive"})
    'no setting can tell: cannot tell under Adam 1e-3, SGD'
    """
    groups = {v: [name for name, verdict in verdicts.items() if verdict == v]
              for v in ("reproduced", "partly", "not reproduced", "inconclusive")}
    parts = [f"{label}{', '.join(groups[v])}" for v, label in
             (("reproduced", "under "), ("partly", "in part under "), ("not reproduced", "not under "),
              ("inconclusive", "cannot tell under ")) if groups[v]]
    if len(groups["inconclusive"]) == len(verdicts):
        return "no setting can tell: " + join_words(parts)
    if not groups["reproduced"] and not groups["partly"]:
        return "it holds under none of the settings: " + join_words(parts)
    return "it holds " + join_words(parts)


def stable_near(found: list[Equilibrium], claimed: float, tolerance: float) -> list[float]:
    """The spectral radii of the stable equilibria in ``found`` within ``tolerance`` of the ``claimed`` one.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibria
    >>> found = find_equilibria(AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3), starts=2)
    >>> stable_near(found, found[0].spectral_radius, 0.01) == [found[0].spectral_radius]
    True
    >>> stable_near(found, found[0].spectral_radius + 0.5, 0.01)
    []
    """
    return [e.spectral_radius for e in found if e.stable and abs(e.spectral_radius - claimed) <= tolerance]


def still_falling(train_loss: list[float], *, tolerance: float = 0.02) -> float:
    """How much the training loss still fell at the end of a run: the relative fall of its mean over the last
    quarter of the checkpoints (at least one) from its mean over the quarter before; 0 where the loss has
    flattened (:func:`~lstmdyn.experiments.claims_amrouche.flattening`) or fell by less than ``tolerance``.
    ``train_loss`` is :attr:`EquilibriumRun.train_loss` (NaN at the initial checkpoint).

    Examples
    --------
    >>> nan = float("nan")
    >>> round(still_falling([nan, 4.0, 3.0, 2.0, 1.0]), 3)  # halved from 2 to 1 over the last quarter
    0.5
    >>> still_falling([nan, 4.0, 2.0, 2.0, 1.99]), still_falling([nan, 4.0, 1.0, 0.03, 0.02])
    (0.0, 0.0)
    """
    losses = np.asarray(train_loss[1:], dtype=float)
    quarter = max(1, len(losses) // 4)
    if len(losses) < 2 * quarter or flattened(train_loss):
        return 0.0
    fall = 1.0 - losses[-quarter:].mean() / losses[-2 * quarter:-quarter].mean()
    return float(fall) if fall > tolerance else 0.0


#: TensorFlow's small PTB setting reports a validation perplexity of about 120 after 13 epochs, with two layers on
#: the whole validation set; the one-layer network here, evaluated on its first windows, is expected somewhat above
#: it, so only a run far above it (:data:`PERPLEXITY_MARGIN` times) counts as short of training by this yardstick.
PUBLISHED_PERPLEXITY = {"ptb": 120.0}
PERPLEXITY_MARGIN = 1.25


def short_of_training(runs: dict[str, list[EquilibriumRun]], *, perplexity: dict[str, float] | None = None,
                      margin: float = PERPLEXITY_MARGIN) -> dict[str, str]:
    """The tasks whose runs stopped short of training, each with the reason: its training loss still falling at
    the end (:func:`still_falling`, mean over the seeds), or, where ``perplexity`` gives a published validation
    perplexity for it, its runs' (from the mean final validation loss) more than ``margin`` times that. A task
    that levelled off is not in the result. The claims about trained networks are inconclusive on such a task.

    Examples
    --------
    >>> nan = float("nan")
    >>> done, going = EquilibriumRun("a", 0), EquilibriumRun("b", 0)
    >>> done.train_loss, going.train_loss = [nan, 2.0, 0.01, 0.001], [nan, 4.0, 3.0, 2.0, 1.0]
    >>> done.valid_loss = [6.0, 5.5, 5.3, 5.2]   # perplexity 181 at the end
    >>> short_of_training({"a": [done], "b": [going]})
    {'b': 'training loss still falling by 50 % over the last quarter of the checkpoints'}
    >>> short_of_training({"a": [done]}, perplexity={"a": 120.0})
    {'a': 'validation perplexity 181, more than 1.25 × the 120 of the published setting'}
    """
    short = {}
    for task, task_runs in runs.items():
        fall = float(np.mean([still_falling(r.train_loss) for r in task_runs]))
        reached = float(np.exp(np.mean([r.valid_loss[-1] for r in task_runs]))) if task in (perplexity or {}) \
            else None
        if reached is not None and reached > margin * perplexity[task]:
            short[task] = (f"validation perplexity {reached:.0f}, more than {margin:g} × the {perplexity[task]:g} of "
                           "the published setting")
        elif fall > 0:
            short[task] = f"training loss still falling by {100 * fall:.0f} % over the last quarter of the checkpoints"
    return short


def training_sentence(short: dict[str, str], names: dict[str, str]) -> str:
    """Which tasks (``names``: how the page names them, in order) stopped short of training
    (:func:`short_of_training`), and what that makes of their verdicts.

    Examples
    --------
    >>> training_sentence({"b": "training loss still falling by 50 %"}, {"a": "A", "b": "B"})
    'B (training loss still falling by 50 %) stopped short of training at this profile, so its claims are \
inconclusive here; A levelled off.'
    >>> training_sentence({}, {"a": "A"})
    "Every task's training loss had levelled off by the last checkpoint, so the verdicts judge trained networks."
    """
    if not short:
        return "Every task's training loss had levelled off by the last checkpoint, so the verdicts judge trained " \
               "networks."
    done = [name for task, name in names.items() if task not in short]
    return (join_words([f"{names[task]} ({why})" for task, why in short.items()])
            + f" stopped short of training at this profile, so {'their' if len(short) > 1 else 'its'} claims are "
            + "inconclusive here" + (f"; {join_words(done)} levelled off." if done else "."))


def flat_sentence(run: EquilibriumRun, name: str) -> str:
    """Where the training loss of ``run`` flattens (:func:`~lstmdyn.experiments.claims_amrouche.flattening`), or
    that it does not within the run.

    Examples
    --------
    >>> run = EquilibriumRun("a", 0, steps=[0, 10, 20, 30], train_loss=[float("nan"), 2.0, 0.5, 0.01])
    >>> flat_sentence(run, "MNIST")
    "The MNIST training loss had fallen below 1 % of its first interval's mean by step 30, where it flattens."
    >>> flat_sentence(EquilibriumRun("a", 0, steps=[0, 10], train_loss=[float("nan"), 2.0]), "MNIST")[:45]
    'The MNIST training loss was still above 1 % o'
    """
    if flattened(run.train_loss):
        return (f"The {name} training loss had fallen below 1 % of its first interval's mean by step "
                f"{run.steps[flattening(run.train_loss)]}, where it flattens.")
    return (f"The {name} training loss was still above 1 % of its first interval's mean at the last step: train "
            "longer for a flat loss.")


def near_sentence(name: str, found: list[Equilibrium], claimed: float, tolerance: float = 0.02) -> str:
    """Whether any stable equilibrium in ``found`` lies within ``tolerance`` of the ``claimed`` spectral radius
    (:func:`stable_near`), in words.

    Examples
    --------
    >>> from lstmdyn.equilibria import find_equilibria
    >>> found = find_equilibria(AutonomousLSTM.random(4, rng=np.random.default_rng(1), scale=0.3), starts=2)
    >>> near_sentence("PTB", found, 0.99)
    "PTB: no stable equilibrium within 0.02 of the paper's 0.99"
    """
    near = stable_near(found, claimed, tolerance)
    if near:
        return f"{name}: a stable equilibrium of radius {near[0]:.3f}, within {tolerance:g} of the paper's {claimed:g}"
    return f"{name}: no stable equilibrium within {tolerance:g} of the paper's {claimed:g}"
