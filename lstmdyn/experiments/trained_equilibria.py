"""Chapter: *Equilibria through training* (``notebooks/equilibria_training.py``).

Amrouche et al., section 4: train a single-layer LSTM, keep its weights every few gradient steps, and at each
checkpoint find the equilibrium of the autonomous map (the network without input, eq. 1) and the eigenvalues
of its linearisation. Two ways to the equilibrium of each checkpoint:

- *fresh*: the fixed-point homotopy from the zero state, anew for every checkpoint (the paper's procedure);
- *tracked*: Newton's method from the previous checkpoint's tracked equilibrium, and the homotopy from there
  where Newton fails (:func:`lstmdyn.equilibria.continue_equilibrium`), which follows one branch.

Where the two land on different equilibria, either the tracked branch ended or changed stability between two
checkpoints (a bifurcation), or two equilibria coexist and the fresh homotopy reached the other one (a branch
switch): :func:`branch_changes` says which. :func:`circle_crossings` types each crossing of the unit circle,
counted along the tracked branch (:func:`crossings_of`), where the equilibrium moves continuously. The verdicts
on the paper's claims (:mod:`lstmdyn.experiments.claims_amrouche`) use the fresh equilibria, as the paper did.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from lstmdyn.equilibria import AutonomousLSTM, Equilibrium, continue_equilibrium, find_equilibrium
from lstmdyn.experiments.both_tools import driven_exponents, driven_inputs
from lstmdyn.experiments.claims_amrouche import mnist_rises, nottingham_crosses, ptb_near_circle, rise, task_ordering
from lstmdyn.experiments.outcomes import Outcome
from lstmdyn.experiments.tasks import Task
from lstmdyn.records import json_ready
from lstmdyn.training import train

__all__ = ["CROSSINGS", "EquilibriumRun", "branch_changes", "circle_crossings", "crossings_of",
           "equilibria_through_training", "results_record", "task_outcomes"]

#: the types of unit-circle crossings: a real eigenvalue through +1, through −1, a complex pair
CROSSINGS = ("fold", "period doubling", "Neimark–Sacker")
_KEYS = {"fold": "fold", "period doubling": "period_doubling", "Neimark–Sacker": "neimark_sacker"}  # results file


@dataclass
class EquilibriumRun:
    """One training run of a task and the equilibria of its checkpoints.

    ``steps[k]`` is the gradient step of checkpoint k (0: the initialised network); ``train_loss[k]`` the
    mean training loss of the steps since checkpoint k − 1 (NaN at step 0), ``valid_loss[k]`` the validation
    loss there. ``driven``: the Lyapunov exponents of the trained network driven by validation inputs
    (:func:`~lstmdyn.experiments.both_tools.driven_exponents`).
    """

    task: str
    seed: int
    steps: list[int] = field(default_factory=list)
    maps: list[AutonomousLSTM] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    fresh: list[Equilibrium] = field(default_factory=list)
    tracked: list[Equilibrium] = field(default_factory=list)
    training_seconds: float = 0.0
    driven: dict[str, float] = field(default_factory=dict)

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
                         "distance": float(np.linalg.norm(f.x - t.x)) if f.converged and t.converged else np.nan})
        return pd.DataFrame(rows)


def equilibria_through_training(task: Task, epochs: int, every: int, *, validate_on: int | None = None,
                                progress: bool = False, **homotopy_options) -> EquilibriumRun:
    """Train ``task`` for ``epochs`` epochs, keeping the autonomous map every ``every`` gradient steps (and
    of the initialised network), then find each checkpoint's equilibrium fresh and tracked, and the Lyapunov
    exponents of the trained network driven by up to 10 validation sequences of up to 100 steps.

    The validation loss at each checkpoint is taken on the first ``validate_on`` validation samples (or
    stream windows; all of them by default).

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
    run = EquilibriumRun(task.name, task.config.seed)
    config = dataclasses.replace(task.config, epochs=epochs, checkpoint_every=every)

    def keep(step: int, model, _path) -> None:
        run.steps.append(step)
        run.maps.append(AutonomousLSTM.from_torch(model.recurrent))

    valid = task.valid if validate_on is None else dataclasses.replace(
        task.valid, inputs=task.valid.inputs[:validate_on], targets=task.valid.targets[:validate_on])
    result = train(task.model, task.train, config, valid=valid, on_checkpoint=keep, progress=progress,
                   checkpoint_at_start=True)
    run.training_seconds = result.seconds
    losses = dict(result.losses)
    run.train_loss = [float(np.mean([losses[s] for s in range(previous + 1, step + 1)])) if step else np.nan
                      for previous, step in zip([0, *run.steps], run.steps, strict=False)]
    run.valid_loss = [loss for _, loss in result.validation]
    run.driven = driven_exponents(task.model, driven_inputs(valid))
    bar = tqdm(run.maps, desc=f"equilibria of {run.task}", disable=not progress, leave=False)
    for lstm in bar:
        run.fresh.append(find_equilibrium(lstm, "convex", **homotopy_options))
        previous = run.tracked[-1] if run.tracked and run.tracked[-1].converged else None
        run.tracked.append(continue_equilibrium(lstm, previous.x, **homotopy_options) if previous is not None
                           else run.fresh[-1])
    return run


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


def task_outcomes(runs: dict[str, list[EquilibriumRun]]) -> list[Outcome]:
    """The outcomes of the paper's claims on the three tasks and their ordering, from the runs of each task
    (``mnist``, ``ptb``, ``nottingham``), judged on the fresh equilibria as the paper did: each claim's function
    of :mod:`lstmdyn.experiments.claims_amrouche` called once with the measurements it needs."""
    def radii(run: EquilibriumRun) -> list[float]:
        return [e.spectral_radius for e in run.fresh]

    final = {task: float(np.mean([r.fresh[-1].spectral_radius for r in task_runs])) for task, task_runs in runs.items()}
    return [mnist_rises([(r.steps, radii(r)) for r in runs["mnist"]]),
            ptb_near_circle([r.fresh[-1].eigenvalues for r in runs["ptb"]]),
            nottingham_crosses([([e.spectral_radius for e in r.fresh if e.converged],
                                 [e.max_real for e in r.fresh if e.converged]) for r in runs["nottingham"]]),
            task_ordering(final)]


def results_record(profile: str, runs: list[EquilibriumRun], outcomes: list[Outcome]) -> dict:
    """The chapter's key numbers for the results file (keys documented on the chapter page).

    Per task and seed: ``final_spectral_radius``, ``final_max_real``, ``spearman_radius_step`` (the rise
    over training), ``crossings`` by type (``fold``, ``period_doubling``, ``neimark_sacker``),
    ``branch_changes``, and the driven exponents ``max_le``, ``mean_le``, ``max_le_hc``, ``mean_le_hc`` of the
    trained network; per task the mean and standard deviation of the final radius; the outcomes of the claims;
    and the ``profile`` that produced them.
    """
    tasks: dict[str, dict] = {}
    for r in runs:
        crossings = crossings_of(r)
        entry = tasks.setdefault(r.task, {"runs": []})
        entry["runs"].append({
            "seed": r.seed, "checkpoints": len(r.steps), "last_step": r.steps[-1],
            "final_spectral_radius": r.fresh[-1].spectral_radius, "final_max_real": r.fresh[-1].max_real,
            "spearman_radius_step": rise(r.steps, [e.spectral_radius for e in r.fresh]),
            "crossings": {_KEYS[k]: int(crossings.loc[crossings["type"] == k, "count"].sum()) for k in CROSSINGS},
            "branch_changes": len(branch_changes(r)), **r.driven})
    for entry in tasks.values():
        final = [x["final_spectral_radius"] for x in entry["runs"]]
        entry["final_spectral_radius_mean"], entry["final_spectral_radius_std"] = float(np.mean(final)), \
            float(np.std(final))
    return json_ready({"profile": profile, "tasks": tasks, "outcomes": [o.as_dict() for o in outcomes]})
