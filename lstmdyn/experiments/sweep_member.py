"""Chapter: *Lyapunov spectra of trained networks* (``notebooks/lyapunov_experiments.py``): one network of a
sweep, trained and measured.

The experiments of Vogt et al., section 5, train many LSTMs on one task with different hyperparameters and
measure the Lyapunov spectrum of each:

- **CharRNN** (Fig. 4a,b; appendix A.1): War and Peace, one LSTM layer without biases, dropout and learning
  rate sampled, initialisation parameter 0.08;
- **CMU motion capture** (Fig. 4c,d; appendix A.2): the initialisation parameter p from 0.05 to 0.5 at fixed
  learning rate 0.05 and dropout 0;
- **CharRNN across p** (Fig. 3, section 5.2: the convergence "across the range of initialization parameters
  tested"): the paper's blue CharRNN with p from 0.05 to 0.5, the one range of p the paper states.

Each network is a :class:`SpectrumMember` of a sweep (:mod:`lstmdyn.sweeps`); :func:`train_and_measure` trains
it, evaluating the validation loss and the h-state spectrum (10 test sequences of 100 steps, QR every step)
after every epoch, epoch 0 being the initialisation, and at the end measures the network of the selected
epoch once more in float64: its h and (h, c) spectra and its equilibrium without input. The paper's six
highlighted networks of each task (its appendix A.3) are members too, named by their colour in the paper's
figure. :data:`SWEEP_PROFILES` holds the sweeps' sizes at each profile, for the chapter and the command line.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from lstmdyn.data import char_sequences, load_war_and_peace
from lstmdyn.data.mocap import mocap_sequences
from lstmdyn.ensembles import ensemble_losses, group_size, train_ensemble
from lstmdyn.errors import CheckpointError, CollapsedDirectionsWarning, TrainingError
from lstmdyn.experiments.both_tools import equilibrium_measures, model_spectra, model_spectrum
from lstmdyn.experiments.tasks import Task, first_samples, mocap_task, war_and_peace_task
from lstmdyn.profiles import NOTEBOOKS, PROFILES
from lstmdyn.records import write_atomically
from lstmdyn.threads import MEMBER_THREADS, pinned_threads
from lstmdyn.training import SequenceModel, evaluate, load_checkpoint, train

__all__ = ["AUTHORS_WARMUP", "CHARRNN_DROPOUT", "CHARRNN_GRID_DROPOUT", "CHARRNN_GRID_LR", "CHARRNN_LR",
           "GRID_DROPOUT_FLOOR", "INIT_RANGE", "MEMBER_VERSION", "PAPER_CHARRNN", "PAPER_MOCAP", "SWEEPS",
           "SWEEP_PARAMETERS", "SWEEP_PROFILES", "VALIDATION_BATCH", "SpectrumMember", "charrnn_init_members",
           "charrnn_members", "group_options", "group_shape", "member_task", "mocap_members", "spectrum_inputs",
           "stopped_improving", "stretches_in_turn", "sweep_members", "train_and_measure", "train_and_measure_group"]

TaskName = Literal["charrnn", "mocap"]

PAPER_CHARRNN = {"blue": (0.034, 0.00301, 0.08), "orange": (0.000, 0.00319, 0.08),
                 "green": (0.039, 0.00574, 0.08), "red": (0.028, 0.00055, 0.08),
                 "purple": (0.014, 0.00153, 0.08), "brown": (0.106, 0.00485, 0.08)}
PAPER_MOCAP = {"blue": (0.0, 0.05, 0.476), "orange": (0.0, 0.05, 0.305), "green": (0.0, 0.05, 0.196),
               "red": (0.0, 0.05, 0.309), "purple": (0.0, 0.05, 0.059), "brown": (0.0, 0.05, 0.439)}
#: Ranges of the sampled CharRNNs of the ``"highlighted"`` population, covering the six networks above: log10
#: dropout uniform on [−3, log10 0.106] (the paper's range is not given; 0.001 stands in for its dropout 0) and
#: the learning rate uniform on [0.00055, 0.00574].
CHARRNN_DROPOUT = (1e-3, 0.106)
CHARRNN_LR = (0.00055, 0.00574)
#: Ranges of the ``"grid"`` population, those of the authors' published grid search (their repository's
#: ``CharRNN/WP/HP/Grid Search``): dropout 0 to 0.2, learning rate 0.001 to 0.01, sampled as the paper says
#: (section 5.4: log-dropout and learning rate uniformly), log10 dropout uniform from :data:`GRID_DROPOUT_FLOOR`
#: (standing in for the grid's 0, which has no logarithm) and the rate uniform.
CHARRNN_GRID_DROPOUT = (0.0, 0.2)
CHARRNN_GRID_LR = (0.001, 0.01)
GRID_DROPOUT_FLOOR = 1e-3
#: The initialisation parameter p of the motion-capture sweep (appendix A.2), the one range of p the paper
#: states; the CharRNN sweep across p (Fig. 3) uses it too.
INIT_RANGE = (0.05, 0.5)
#: The version of what a member trains and measures (:func:`member_task`, :func:`train_and_measure`): raised with
#: every change to either, so that a sweep never reuses results that older code computed (the member's key hashes
#: it, and the sweep's tables show it).
MEMBER_VERSION = 4
#: Warm-up steps of the authors' convention (their ``calc_LEs_an``): the first steps of each spectrum input
#: evolve the state and frame without being counted
AUTHORS_WARMUP = 10


@dataclass(frozen=True)
class SpectrumMember:
    """One network of a sweep: its task, sizes, hyperparameters and what its spectrum is computed on.

    Attributes
    ----------
    task : {"charrnn", "mocap"}
    hidden : int
        LSTM units (the paper: 512 for CharRNN, 256 for motion capture).
    epochs : int
    lr, dropout, init : float
        Learning rate, dropout on the LSTM's output, initialisation parameter p (weights uniform on ±p).
    seed : int
    samples, valid_samples : int, optional
        Training and validation sequences (windows) used; None for all.
    sequences, steps : int
        The spectrum's test-split inputs: ``sequences`` sequences of ``steps`` steps (the paper: 10 × 100).
    label : str
        A name, such as the colour of one of the paper's highlighted networks; "" for a sampled one.
    epoch_dtype : {"float64", "float32"}
        The dtype of the spectra measured after every epoch; the selected epoch's spectra are measured again
        in float64 at the end.
    target : {"frame", "change"}
        Motion capture: whether the read-out predicts the next frame or its change from the current one (a
        residual read-out; the recurrent layer is the same). CharRNN: "frame".
    patience : int
        Training stops once the lowest validation loss is ``patience`` epochs old (:func:`stopped_improving`), the
        network then trained to its best; 0 trains every one of ``epochs``.
    threads : int
        CPU threads it trains and is measured with (:func:`~lstmdyn.threads.pinned_threads`), wherever it runs:
        in a Dask worker or in-process, resumed or not, the same member gives the same numbers.
    version : int
        :data:`MEMBER_VERSION` of the code that measures it.

    Examples
    --------
    >>> SpectrumMember("charrnn", hidden=8, epochs=1, lr=1e-3).epoch_dtype
    'float64'
    """

    task: TaskName
    hidden: int
    epochs: int
    lr: float
    dropout: float = 0.0
    init: float = 0.08
    seed: int = 0
    samples: int | None = None
    valid_samples: int | None = None
    sequences: int = 10
    steps: int = 100
    label: str = ""
    epoch_dtype: Literal["float64", "float32"] = "float64"
    target: Literal["frame", "change"] = "frame"
    threads: int = MEMBER_THREADS
    patience: int = 0
    version: int = MEMBER_VERSION


def member_task(member: SpectrumMember) -> Task:
    """The member's :class:`~lstmdyn.experiments.tasks.Task` with its hyperparameters set.

    Examples
    --------
    >>> member_task(SpectrumMember("charrnn", hidden=8, epochs=1, lr=2e-3, samples=10)).config.lr
    0.002
    """
    if member.task == "charrnn":
        if member.target != "frame":
            raise ValueError(f"a CharRNN predicts the next character, not its change: target {member.target!r}")
        task = war_and_peace_task(member.hidden, samples=member.samples, seed=member.seed)
    elif member.task == "mocap":
        task = mocap_task(member.hidden, samples=member.samples, target=member.target, seed=member.seed)
    else:
        raise ValueError(f"unknown task {member.task!r}: expected 'charrnn' or 'mocap'")
    task.model.dropout.p = member.dropout
    task.config.lr, task.config.init = member.lr, member.init
    task.valid = first_samples(task.valid, member.valid_samples)
    return task


def spectrum_inputs(task: TaskName, sequences: int = 10, steps: int = 100) -> torch.Tensor:
    """Test-split inputs for the spectrum: ``sequences`` non-overlapping stretches of ``steps`` steps.

    CharRNN: character ids (sequences, steps) from the start of the test text. Motion capture: normalised
    frames (sequences, steps, 20), the test recordings cut into stretches taken in turn from each
    recording (the four recordings give 15 stretches of 100 frames).

    Examples
    --------
    >>> spectrum_inputs("charrnn", 2, 5).shape
    torch.Size([2, 5])
    """
    if task == "charrnn":
        return char_sequences(load_war_and_peace()[0]["test"], steps)[0][:sequences]
    order = stretches_in_turn(list(mocap_sequences()[0]["test"].values()), steps)
    if len(order) < sequences:
        raise ValueError(f"the motion-capture test recordings hold {len(order)} stretches of {steps} frames, "
                         f"fewer than {sequences}")
    return torch.tensor(np.array(order[:sequences]), dtype=torch.float32)


def stretches_in_turn(recordings: list[np.ndarray], steps: int) -> list[np.ndarray]:
    """Every whole stretch of ``steps`` frames of each recording (non-overlapping, from its start), taken in turn
    from the recordings: the first of each, then the second of each, and so on.

    Examples
    --------
    >>> a, b = np.arange(200), np.arange(1000, 1150)     # 4 and 3 whole stretches of 50, the last ones exactly
    >>> [int(s[0]) for s in stretches_in_turn([a, b], 50)]
    [0, 1000, 50, 1050, 100, 1100, 150]
    """
    stretches = [[r[i:i + steps] for i in range(0, len(r) - steps + 1, steps)] for r in recordings]
    return [group[turn] for turn in range(max(map(len, stretches), default=0)) for group in stretches
            if turn < len(group)]


#: Sequences per validation batch, by device type: larger batches fill a GPU (measured on the performance page)
VALIDATION_BATCH = {"cpu": 256, "cuda": 1024}


def train_and_measure(member: SpectrumMember, directory: Path, device: str = "cpu"
                      ) -> tuple[dict, list[dict]]:
    """Train ``member`` in ``directory``, measuring after every epoch; resume from what is there.

    Everything runs with ``member.threads`` CPU threads, so that the numbers do not depend on where the member
    runs (a Dask worker or this process) nor on whether it was resumed.

    After every epoch (and at the initialisation, epoch 0) the validation loss and the h-state spectrum (in
    ``member.epoch_dtype``) are measured and written as ``epoch_EEE.json``; the weights with the lowest
    validation loss so far are kept as ``best.pt`` and only the latest training checkpoint is kept. Called
    again, it resumes from that checkpoint (measuring it first if it was not), or goes straight to the final
    measurements if every epoch was measured. A checkpoint that cannot be read is set aside (renamed
    ``NAME.damaged``), and the member resumes from the one before, or trains again from the start.

    Returns
    -------
    summary : dict
        At the selected epoch (the lowest validation loss after epoch 0): ``selected_epoch``,
        ``valid_loss``, and, measured once at the end in float64, ``max_le``, ``mean_le`` (h state),
        ``max_le_hc``, ``mean_le_hc`` (the full state), ``max_le_authors``, ``mean_le_authors`` (the h state in
        the authors' convention: the frame evolved by Jᵀ, the first :data:`AUTHORS_WARMUP` steps as warm-up, bits
        per step), ``collapsed`` (how many of the h exponents are −inf: directions the network maps exactly to
        zero, :class:`~lstmdyn.errors.CollapsedDirectionsWarning`), ``spectral_radius`` and ``max_real`` at the
        equilibrium of the network without input
        (:func:`~lstmdyn.experiments.both_tools.equilibrium_measures`);
        ``train_seconds`` (training to that epoch, measurements excluded), ``spectrum_seconds`` (median over
        epochs), ``final_seconds`` (the final measurements), ``initial_loss``.
    rows : list of dict
        Per epoch: ``epoch``, ``step``, ``valid_loss``, ``train_seconds``, ``validation_seconds``,
        ``spectrum_seconds``, ``max_le``, ``mean_le``, ``spectrum``.

    Examples
    --------
    >>> import tempfile
    >>> member = SpectrumMember("charrnn", hidden=4, epochs=1, lr=1e-3, samples=50, valid_samples=10, sequences=2,
    ...                         steps=20)
    >>> summary, rows = train_and_measure(member, Path(tempfile.mkdtemp()))
    >>> summary["selected_epoch"], [r["epoch"] for r in rows]      # epoch 0 is the initialisation
    (1, [0, 1])
    """
    with pinned_threads(member.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapsedDirectionsWarning)  # counted in the summary instead
        return _train_and_measure(member, Path(directory), device)


def _train_and_measure(member: SpectrumMember, directory: Path, device: str) -> tuple[dict, list[dict]]:
    """:func:`train_and_measure` with the member's threads pinned: restore, train with a measurement after every
    epoch, then the final measurements."""
    directory.mkdir(parents=True, exist_ok=True)
    task, per_epoch = _prepared_task(member, device)
    inputs = spectrum_inputs(member.task, member.sequences, member.steps)
    validation_batch = VALIDATION_BATCH.get(torch.device(device).type, 256)
    rows, damaged = _measured_epochs(directory)
    lost = damaged or _best_lost(directory, device)
    if lost:
        rows.clear()  # a measured epoch or the best weights are lost: the member trains again from the start
    last, saved = (None, None) if lost else _newest_checkpoint(directory, device)
    clock = time.perf_counter()

    def measure(step: int, model: SequenceModel, path: Path | None) -> None:
        nonlocal clock
        seconds = {"train_seconds": time.perf_counter() - clock if step else 0.0}
        start = time.perf_counter()
        valid_loss = evaluate(model, task.valid, validation_batch)
        seconds["validation_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        spectrum = model_spectrum(model, inputs, dtype=getattr(torch, member.epoch_dtype))
        seconds["spectrum_seconds"] = time.perf_counter() - start
        _record_epoch(directory, rows, step, per_epoch, model, valid_loss, spectrum, seconds, path)
        clock = time.perf_counter()
        if stopped_improving(rows, member.patience):
            raise _Stopped

    done = member.epochs in rows or stopped_improving(rows, member.patience)
    if not done or not (directory / "best.pt").exists():
        try:
            if saved is not None and saved["step"] // per_epoch not in rows:
                task.model.load_state_dict(saved["model"])
                measure(saved["step"], task.model.to(device), last)
            if saved is None or saved["step"] < member.epochs * per_epoch:
                train(task.model, task.train, task.config, checkpoint_dir=directory, on_checkpoint=measure,
                      resume_from=last, progress=False, checkpoint_at_start=last is None)
        except _Stopped:  # the validation loss stopped improving: the member is trained to its best
            pass
    for old in directory.glob("step_*.pt"):
        old.unlink()
    ordered = [rows[e] for e in sorted(rows)]
    best = _selected(ordered)
    start = time.perf_counter()
    if best["epoch"]:
        task.model.load_state_dict(load_checkpoint(directory / "best.pt", device))
    h, hc = (model_spectrum(task.model.to(device), inputs, state=state) for state in ("h", "hc"))
    authors = model_spectrum(task.model, inputs, frame="transpose", warmup=AUTHORS_WARMUP)
    return _summary(ordered, best, h, hc, authors, equilibrium_measures(task.model),
                    time.perf_counter() - start), ordered


def _prepared_task(member: SpectrumMember, device: str) -> tuple[Task, int]:
    """The member's task, set to train ``member.epochs`` epochs on ``device`` with a checkpoint after each, and
    the steps of an epoch."""
    task = member_task(member)
    per_epoch = task.train.count(task.config.batch_size)
    task.config.epochs, task.config.checkpoint_every, task.config.device = member.epochs, per_epoch, device
    return task, per_epoch


def _best_lost(directory: Path, device: str) -> bool:
    """Whether the member's best weights were written but can no longer be read (set aside as damaged)."""
    return (directory / "best.pt").exists() and _readable(directory / "best.pt", device) is None


def _newest_checkpoint(directory: Path, device: str) -> tuple[Path | None, dict | None]:
    """The newest readable training checkpoint in ``directory`` and its contents, or ``(None, None)``."""
    for path in sorted(directory.glob("step_*.pt"), reverse=True):
        saved = _readable(path, device)
        if saved is not None:
            return path, saved
    return None, None


def _record_epoch(directory: Path, rows: dict[int, dict], step: int, per_epoch: int, model: SequenceModel,
                  valid_loss: float, spectrum: np.ndarray, seconds: dict[str, float], path: Path | None) -> None:
    """An epoch's measurement, kept: the weights as ``best.pt`` where its validation loss is the lowest after
    epoch 0 so far, its row in ``rows`` and ``epoch_EEE.json``, and the training checkpoints older than ``path``
    (the one this step wrote, if any) removed."""
    epoch = step // per_epoch
    earlier = [r["valid_loss"] for e, r in rows.items() if 1 <= e < epoch]
    if epoch >= 1 and valid_loss <= min(earlier, default=math.inf) and math.isfinite(valid_loss):
        write_atomically(directory / "best.pt", lambda p: torch.save(model.state_dict(), p))
    row = {"epoch": epoch, "step": step, "valid_loss": valid_loss, **seconds, "max_le": float(spectrum[0]),
           "mean_le": float(spectrum.mean()), "spectrum": spectrum.tolist()}
    rows[epoch] = row
    write_atomically(directory / f"epoch_{epoch:03d}.json", lambda p: p.write_text(json.dumps(row)))
    for old in directory.glob("step_*.pt"):
        if path is not None and old.name < path.name:
            old.unlink()


def _selected(ordered: list[dict]) -> dict:
    """The selected epoch's row: the lowest validation loss after epoch 0 (epoch 0 where it is the only one)."""
    return min([r for r in ordered if r["epoch"] >= 1] or ordered, key=lambda r: r["valid_loss"])


def _summary(ordered: list[dict], best: dict, h: np.ndarray, hc: np.ndarray, authors: np.ndarray,
             equilibrium: dict, final_seconds: float) -> dict:
    """A member's summary (:func:`train_and_measure`) from its epochs' rows, the selected one, its final float64
    spectra (``authors`` in nats, reported in bits) and its equilibrium measures."""
    bits = authors / math.log(2)
    return {"selected_epoch": best["epoch"], "valid_loss": best["valid_loss"], "max_le": float(h[0]),
            "mean_le": float(h.mean()), "max_le_hc": float(hc[0]), "mean_le_hc": float(hc.mean()),
            "max_le_authors": float(bits[0]), "mean_le_authors": float(bits.mean()),
            "collapsed": int(np.isneginf(h).sum()), **equilibrium,
            "train_seconds": sum(r["train_seconds"] for r in ordered if r["epoch"] <= best["epoch"]),
            "spectrum_seconds": float(np.median([r["spectrum_seconds"] for r in ordered])),
            "final_seconds": final_seconds, "initial_loss": ordered[0]["valid_loss"]}


def group_options(device: str = "auto", size: int | None = None) -> dict:
    """The options of :func:`~lstmdyn.sweeps.run_sweep` that train a sweep's members of one shape together, in groups
    of ``size`` (default: :func:`~lstmdyn.ensembles.group_size` of the device the members run on; 1 trains them one
    at a time).

    Examples
    --------
    >>> group_options("cpu")["group_size"], group_options("cpu", 4)["group_size"]
    (1, 4)
    """
    return {"run_group": train_and_measure_group, "group_shape": group_shape,
            "group_size": group_size(device) if size is None else size}


def group_shape(member: SpectrumMember) -> tuple:
    """What members must share to train as one ensemble: the task, its data (samples, validation samples, seed),
    the network's shape and read-out, what is measured (spectrum inputs, epoch dtype), threads and version. Their
    learning rate, dropout, initialisation, epochs and patience are their own.

    Examples
    --------
    >>> a = SpectrumMember("charrnn", hidden=8, epochs=1, lr=1e-3)
    >>> group_shape(a) == group_shape(SpectrumMember("charrnn", hidden=8, epochs=3, lr=5e-3, dropout=0.1))
    True
    >>> group_shape(a) == group_shape(SpectrumMember("charrnn", hidden=16, epochs=1, lr=1e-3))
    False
    """
    return (member.task, member.hidden, member.samples, member.valid_samples, member.seed, member.sequences,
            member.steps, member.epoch_dtype, member.target, member.threads, member.version)


def _spectra_each(models: list[SequenceModel], inputs: torch.Tensor, dtype: torch.dtype = torch.float64,
                  **options) -> list[np.ndarray | Exception]:
    """:func:`~lstmdyn.experiments.both_tools.model_spectra` of each model, or the error that its measurement raised: a
    network that training left with non-finite weights fails alone, as it would measured by itself (the batched call
    first, then one by one)."""
    try:
        return list(model_spectra(models, inputs, dtype=dtype, **options))
    except Exception:  # noqa: BLE001 - which member raised is found by measuring each
        pass
    found: list[np.ndarray | Exception] = []
    for model in models:
        try:
            found.append(model_spectra([model], inputs, dtype=dtype, **options)[0])
        except Exception as e:  # noqa: BLE001 - this member's failure, recorded as its result
            found.append(e)
    return found


def train_and_measure_group(members: Sequence[SpectrumMember], directories: Sequence[Path | str],
                            device: str = "cpu") -> list[tuple[dict, list[dict]] | Exception]:
    """:func:`train_and_measure` for members of one :func:`group_shape`, trained together as one ensemble
    (:func:`~lstmdyn.ensembles.train_ensemble`) and measured together (each epoch's spectra of all members in one
    call of the engine), each in its own directory, resuming from what is there.

    Each member's directory holds what :func:`train_and_measure` writes (``epoch_EEE.json``, ``best.pt``, the
    latest checkpoint); a group that was stopped resumes its unfinished members from the newest step that all of
    them hold (or from the start), and a finished member is only measured at the end. A member's ``train_seconds``
    is its share of the group's training time.

    Returns
    -------
    list
        Per member, in order: ``(summary, rows)`` as :func:`train_and_measure` returns them (with ``group``, the
        number of members trained together), or the exception that stopped it alone (a
        :class:`~lstmdyn.errors.TrainingError` for a non-finite loss).

    Examples
    --------
    >>> import tempfile
    >>> members = [SpectrumMember("charrnn", hidden=4, epochs=1, lr=lr, samples=50, valid_samples=10, sequences=2,
    ...                           steps=20) for lr in (1e-3, 2e-3)]
    >>> root = Path(tempfile.mkdtemp())
    >>> out = train_and_measure_group(members, [root / "a", root / "b"])
    >>> [(summary["selected_epoch"], summary["group"], [r["epoch"] for r in rows]) for summary, rows in out]
    [(1, 2, [0, 1]), (1, 2, [0, 1])]
    """
    if len({group_shape(m) for m in members}) != 1:
        raise ValueError("the members of a group must share one shape (group_shape)")
    if len(directories) != len(members):
        raise ValueError(f"{len(members)} members but {len(directories)} directories")
    with pinned_threads(members[0].threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapsedDirectionsWarning)  # counted in the summary instead
        return _train_and_measure_group(list(members), [Path(d) for d in directories], device)


def _train_and_measure_group(members: list[SpectrumMember], directories: list[Path], device: str
                             ) -> list[tuple[dict, list[dict]] | Exception]:
    """:func:`train_and_measure_group` with the threads pinned."""
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
    tasks, steps = zip(*(_prepared_task(m, device) for m in members), strict=True)
    tasks, per_epoch = list(tasks), steps[0]
    inputs = spectrum_inputs(members[0].task, members[0].sequences, members[0].steps)
    epoch_dtype = getattr(torch, members[0].epoch_dtype)
    validation_batch = VALIDATION_BATCH.get(torch.device(device).type, 256)
    rows: list[dict[int, dict]] = []
    for directory in directories:
        measured, damaged = _measured_epochs(directory)
        if damaged or _best_lost(directory, device):
            measured.clear()  # a measured epoch or the best weights are lost: the member trains again
            for old in directory.glob("step_*.pt"):
                old.unlink()
        rows.append(measured)
    errors: dict[int, Exception] = {}

    def finished(k: int) -> bool:
        return (members[k].epochs in rows[k] or stopped_improving(rows[k], members[k].patience)) and \
            (directories[k] / "best.pt").exists()

    todo = [k for k in range(len(members)) if not finished(k)]
    clock = time.perf_counter()

    def measure(step: int, models: dict[int, SequenceModel], paths: dict[int, Path | None]) -> set[int]:
        """Measure the members ``models`` (indices into ``todo``) at ``step``; the ones that stopped improving."""
        nonlocal clock
        seconds = {"train_seconds": (time.perf_counter() - clock) / len(models) if step else 0.0}
        chosen = [todo[i] for i in models]
        start = time.perf_counter()
        losses = ensemble_losses(list(models.values()), tasks[chosen[0]].valid, validation_batch)
        seconds["validation_seconds"] = (time.perf_counter() - start) / len(models)
        start = time.perf_counter()
        spectra = _spectra_each(list(models.values()), inputs, epoch_dtype)
        seconds["spectrum_seconds"] = (time.perf_counter() - start) / len(models)
        stopped = set()
        for (i, model), k, valid_loss, spectrum in zip(models.items(), chosen, losses, spectra, strict=True):
            if isinstance(spectrum, Exception):  # this member fails alone; the others go on
                errors[k] = spectrum
                stopped.add(i)
                continue
            _record_epoch(directories[k], rows[k], step, per_epoch, model, valid_loss, spectrum, seconds, paths.get(i))
            if stopped_improving(rows[k], members[k].patience):
                stopped.add(i)
        clock = time.perf_counter()
        return stopped

    resume = _common_checkpoint([directories[k] for k in todo], device) if todo else None
    if todo and resume is None:  # no step that every unfinished member holds: they train again from the start
        for k in todo:
            rows[k].clear()
    if resume is not None:
        step, saved = resume
        unmeasured = [i for i, k in enumerate(todo) if step // per_epoch not in rows[k]]
        for i in unmeasured:  # a checkpoint written but not measured: measured first, as train_and_measure does
            tasks[todo[i]].model.load_state_dict(saved[i]["model"])
        stopped = measure(step, {i: tasks[todo[i]].model.to(device) for i in unmeasured},
                          {i: None for i in unmeasured}) if unmeasured else set()
        todo = [k for i, k in enumerate(todo) if i not in stopped and step < members[k].epochs * per_epoch]
    if todo:
        paths = None if resume is None else [directories[k] / f"step_{resume[0]:07d}.pt" for k in todo]
        results = train_ensemble([tasks[k].model for k in todo], tasks[todo[0]].train, [tasks[k].config for k in todo],
                                 checkpoint_dirs=[directories[k] for k in todo], on_checkpoint=measure,
                                 resume_from=paths, progress=False, checkpoint_at_start=resume is None)
        for k, result in zip(todo, results, strict=True):
            if result.error:
                errors[k] = TrainingError(result.error)
    return _finish_group(members, directories, tasks, rows, inputs, device, errors, per_epoch)


def _common_checkpoint(directories: list[Path], device: str) -> tuple[int, list[dict]] | None:
    """The newest step whose checkpoint every directory holds, readable, and those checkpoints; None if there is
    none (a checkpoint that cannot be read is set aside, as :func:`_readable` does)."""
    steps = [{int(p.stem.split("_")[1]) for p in d.glob("step_*.pt")} for d in directories]
    for step in sorted(set.intersection(*steps) if steps else set(), reverse=True):
        saved = [_readable(d / f"step_{step:07d}.pt", device) for d in directories]
        if all(s is not None for s in saved):
            return step, saved
    return None


def _finish_group(members: list[SpectrumMember], directories: list[Path], tasks: list[Task], rows: list[dict],
                  inputs: torch.Tensor, device: str, errors: dict[int, Exception], per_epoch: int
                  ) -> list[tuple[dict, list[dict]] | Exception]:
    """The final measurements of every member that did not fail, the float64 spectra of all in one call each."""
    for directory in directories:
        for old in directory.glob("step_*.pt"):
            old.unlink()
    done = [k for k in range(len(members)) if k not in errors]
    start = time.perf_counter()
    ordered, chosen = {}, {}
    for k in done:
        ordered[k] = [rows[k][e] for e in sorted(rows[k])]
        chosen[k] = _selected(ordered[k])
        if chosen[k]["epoch"]:
            tasks[k].model.load_state_dict(load_checkpoint(directories[k] / "best.pt", device))
    models = [tasks[k].model.to(device) for k in done]
    h, hc = (_spectra_each(models, inputs, state=state) for state in ("h", "hc")) if models else ([], [])
    authors = _spectra_each(models, inputs, frame="transpose", warmup=AUTHORS_WARMUP) if models else []
    equilibria: list[dict | Exception] = []
    for model in models:
        try:
            equilibria.append(equilibrium_measures(model))
        except Exception as e:  # noqa: BLE001 - this member's failure, recorded as its result
            equilibria.append(e)
    for j, k in enumerate(done):
        failed = next((x for x in (h[j], hc[j], authors[j], equilibria[j]) if isinstance(x, Exception)), None)
        if failed is not None:
            errors[k] = failed
    final_seconds = (time.perf_counter() - start) / max(1, len(done))
    out: list[tuple[dict, list[dict]] | Exception] = []
    for k in range(len(members)):
        if k in errors:
            out.append(errors[k])
            continue
        j = done.index(k)
        summary = _summary(ordered[k], chosen[k], h[j], hc[j], authors[j], equilibria[j], final_seconds)
        out.append(({**summary, "group": len(members)}, ordered[k]))
    return out


class _Stopped(Exception):
    """Raised after an epoch's measurement where the member has stopped improving (:func:`stopped_improving`)."""


def stopped_improving(rows: dict[int, dict], patience: int) -> bool:
    """Whether a member whose epochs measured so far are ``rows`` (by epoch) has stopped improving: its lowest
    validation loss after the initialisation lies ``patience`` or more epochs before its last measured one. Never
    with ``patience`` 0 (train every epoch).

    Examples
    --------
    >>> rows = {e: {"valid_loss": loss} for e, loss in enumerate([3.0, 2.0, 1.5, 1.6, 1.7])}
    >>> stopped_improving(rows, 2), stopped_improving(rows, 3), stopped_improving(rows, 0)
    (True, False, False)
    """
    trained = [e for e in rows if e >= 1]
    if not patience or not trained:
        return False
    best = min(trained, key=lambda e: (rows[e]["valid_loss"], e))
    return max(trained) - best >= patience


def _measured_epochs(directory: Path) -> tuple[dict[int, dict], bool]:
    """The epochs measured in ``directory`` (``epoch_EEE.json``), by epoch, and whether a file could not be read
    (it is set aside, renamed ``NAME.damaged``)."""
    rows, damaged = {}, False
    for path in directory.glob("epoch_*.json"):
        try:
            rows[int(path.stem.split("_")[1])] = json.loads(path.read_text())
        except ValueError:
            path.rename(path.with_name(path.name + ".damaged"))
            damaged = True
    return rows, damaged


def _readable(path: Path, device: str) -> dict | None:
    """The checkpoint at ``path``, or None after setting it aside as ``NAME.damaged`` (renamed, not deleted) if
    it cannot be read (:func:`~lstmdyn.training.load_checkpoint`)."""
    try:
        return load_checkpoint(path, device)
    except CheckpointError:
        path.rename(path.with_name(path.name + ".damaged"))
        return None


def charrnn_members(networks: int, *, hidden: int = 512, epochs: int = 40, samples: int | None = None,
                    valid_samples: int | None = None, named: int = 6, seed: int = 0,
                    population: Literal["highlighted", "grid"] = "highlighted",
                    epoch_dtype: Literal["float64", "float32"] = "float64") -> list[SpectrumMember]:
    """``networks`` CharRNNs with dropout and learning rate sampled (seeded by ``seed``) from the ``population``
    ``"highlighted"`` (the envelope of the paper's six networks: :data:`CHARRNN_DROPOUT`, :data:`CHARRNN_LR`) or
    ``"grid"`` (the authors' grid search: :data:`CHARRNN_GRID_DROPOUT`, :data:`CHARRNN_GRID_LR`), then the first
    ``named`` of the paper's six networks.

    Parameters
    ----------
    networks : int
        Sampled networks.
    hidden, epochs : int
        Units and epochs of every member.
    samples, valid_samples : int, optional
        Training and validation sequences of 100 characters (all of the text's by default).
    named : int
        How many of the paper's six networks follow the sampled ones (0 to 6).
    seed : int
        Seeds the sampling, and every member's training.
    population : {"highlighted", "grid"}
        The ranges sampled from.
    epoch_dtype : {"float64", "float32"}
        The dtype of the spectrum measured after every epoch.

    Examples
    --------
    >>> members = charrnn_members(3, hidden=16, named=2)
    >>> len(members), [m.label for m in members][-2:], all(1e-3 <= m.dropout <= 0.106 for m in members[:3])
    (5, ['blue', 'orange'], True)
    >>> grid = charrnn_members(200, named=0, population="grid")
    >>> all(0.001 <= m.lr <= 0.01 and 0.001 <= m.dropout <= 0.2 for m in grid)
    True
    >>> sum(m.dropout < 0.0141 for m in grid) > 80     # log-uniform: half below the geometric middle, √(0.001 × 0.2)
    True
    """
    rng = np.random.default_rng(seed)
    if population == "highlighted":
        log_dropout = rng.uniform(*np.log10(CHARRNN_DROPOUT), networks)
        rates = rng.uniform(*CHARRNN_LR, networks)
    elif population == "grid":  # "uniformly sampled a fixed range of log-dropout and learning rate" (section 5.4)
        log_dropout = rng.uniform(np.log10(GRID_DROPOUT_FLOOR), np.log10(CHARRNN_GRID_DROPOUT[1]), networks)
        rates = rng.uniform(*CHARRNN_GRID_LR, networks)
    else:
        raise ValueError(f"population must be 'highlighted' or 'grid', got {population!r}")
    common = {"task": "charrnn", "hidden": hidden, "epochs": epochs, "samples": samples,
              "valid_samples": valid_samples, "seed": seed, "init": 0.08, "epoch_dtype": epoch_dtype}
    sampled = [SpectrumMember(lr=round(float(lr), 6), dropout=round(float(10 ** d), 4), **common)
               for d, lr in zip(log_dropout, rates, strict=True)]
    paper = [SpectrumMember(lr=lr, dropout=d, label=colour, **common)
             for colour, (d, lr, _) in list(PAPER_CHARRNN.items())[:named]]
    return sampled + paper


def charrnn_init_members(values: int, *, hidden: int = 512, epochs: int = 40, samples: int | None = None,
                         valid_samples: int | None = None, seed: int = 0, network: str = "blue",
                         epoch_dtype: Literal["float64", "float32"] = "float64") -> list[SpectrumMember]:
    """``values`` CharRNNs with the dropout and learning rate of the paper's ``network`` (one of
    :data:`PAPER_CHARRNN`) and the initialisation parameter p evenly over :data:`INIT_RANGE` (Fig. 3 across p).

    Parameters
    ----------
    values : int
        Initialisation parameters p, evenly spaced.
    hidden, epochs : int
        Units and epochs of every member.
    samples, valid_samples : int, optional
        Training and validation sequences (all of the text's by default).
    seed : int
        Seeds every member's training.
    network : str
        Which of the paper's six CharRNNs gives the dropout and learning rate.
    epoch_dtype : {"float64", "float32"}
        The dtype of the spectrum measured after every epoch.

    Examples
    --------
    >>> [(m.init, m.lr) for m in charrnn_init_members(3, hidden=16)]
    [(0.05, 0.00301), (0.275, 0.00301), (0.5, 0.00301)]
    """
    dropout, lr, _ = PAPER_CHARRNN[network]
    return [SpectrumMember("charrnn", hidden=hidden, epochs=epochs, lr=lr, dropout=dropout, init=round(float(p), 4),
                           seed=seed, samples=samples, valid_samples=valid_samples, epoch_dtype=epoch_dtype)
            for p in np.linspace(*INIT_RANGE, values)]


def mocap_members(values: int, *, hidden: int = 256, epochs: int = 100, named: int = 6, seed: int = 0,
                  target: Literal["frame", "change"] = "frame", patience: int = 0,
                  epoch_dtype: Literal["float64", "float32"] = "float64") -> list[SpectrumMember]:
    """Motion-capture networks with ``values`` initialisation parameters p evenly over :data:`INIT_RANGE`, then
    the first ``named`` of the paper's six; learning rate 0.05, dropout 0; the read-out predicting ``target``; each
    trained until its validation loss is ``patience`` epochs old (at most ``epochs``).

    Parameters
    ----------
    values : int
        Initialisation parameters p, evenly spaced.
    hidden, epochs : int
        Units and the most epochs of every member.
    named : int
        How many of the paper's six networks follow (0 to 6).
    seed : int
        Seeds every member's training.
    target : {"frame", "change"}
        What the read-out predicts: the next frame (the paper's) or its change from the last one.
    patience : int
        Epochs without a lower validation loss after which a member stops (0: never).
    epoch_dtype : {"float64", "float32"}
        The dtype of the spectrum measured after every epoch.

    Examples
    --------
    >>> [m.init for m in mocap_members(3, named=1)]
    [0.05, 0.275, 0.5, 0.476]
    """
    common = {"task": "mocap", "hidden": hidden, "epochs": epochs, "seed": seed, "lr": 0.05, "dropout": 0.0,
              "target": target, "patience": patience, "epoch_dtype": epoch_dtype}
    grid = [SpectrumMember(init=round(float(p), 4), **common) for p in np.linspace(*INIT_RANGE, values)]
    paper = [SpectrumMember(init=p, label=colour, **common) for colour, (_, _, p) in
             list(PAPER_MOCAP.items())[:named]]
    return grid + paper


#: The sweeps of the chapter, by name
SweepName = Literal["charrnn", "charrnn_init", "mocap", "mocap_residual"]
SWEEPS: tuple[SweepName, ...] = ("charrnn", "charrnn_init", "mocap", "mocap_residual")


def sweep_members(name: SweepName, sizes: dict) -> list[SpectrumMember]:
    """The members of sweep ``name`` for the ``sizes`` of the chapter's notebook (its ``char_*`` or
    ``mocap_*`` parameters, ``seed`` and ``epoch_dtype``), or of :data:`SWEEP_PROFILES`: the command line and
    the chapter run the same members. ``"charrnn_init"`` is the CharRNN across p (``char_init_values``);
    ``"mocap"`` the motion-capture networks with the paper's read-out (the next frame), ``"mocap_residual"`` the same
    with a residual one (the change from the last frame), each trained until its validation loss is
    ``mocap_patience`` epochs old.

    Examples
    --------
    >>> sizes = {"seed": 0, "char_networks": 2, "char_named": 1, "char_hidden": 8, "char_epochs": 1,
    ...          "char_samples": 100, "char_valid": 20}
    >>> [(m.hidden, m.samples, m.label) for m in sweep_members("charrnn", sizes)]
    [(8, 100, ''), (8, 100, ''), (8, 100, 'blue')]
    """
    if name not in SWEEPS:
        raise ValueError(f"unknown sweep {name!r}: expected one of {', '.join(SWEEPS)}")
    common = {"hidden": sizes[f"{'mocap' if name.startswith('mocap') else 'char'}_hidden"], "seed": sizes["seed"],
              "epoch_dtype": sizes.get("epoch_dtype", "float64")}
    if name == "charrnn":
        return charrnn_members(sizes["char_networks"], epochs=sizes["char_epochs"], samples=sizes["char_samples"],
                               valid_samples=sizes["char_valid"], named=sizes["char_named"],
                               population=sizes.get("char_population", "highlighted"), **common)
    if name == "charrnn_init":
        return charrnn_init_members(sizes["char_init_values"], epochs=sizes["char_epochs"],
                                    samples=sizes["char_samples"], valid_samples=sizes["char_valid"], **common)
    # mocap: the paper's read-out; mocap_residual: a residual one, a variation of this book's
    return mocap_members(sizes["mocap_values"], epochs=sizes["mocap_epochs"], named=sizes["mocap_named"],
                         patience=sizes.get("mocap_patience", 0), target="frame" if name == "mocap" else "change",
                         **common)


#: The parameters of the chapter *Lyapunov spectra of trained networks* that :func:`sweep_members` reads
SWEEP_PARAMETERS = ("seed", "char_networks", "char_named", "char_hidden", "char_epochs", "char_samples", "char_valid",
                    "char_population", "char_init_values", "mocap_values", "mocap_named", "mocap_hidden",
                    "mocap_epochs", "mocap_patience", "epoch_dtype")
#: The sizes of the sweeps at each profile, read from the chapter's profiles (:data:`lstmdyn.profiles.NOTEBOOKS`),
#: so that the command line and the chapter train the same members. The paper's sizes are its appendix A: 60
#: sampled CharRNNs besides its six, 512 units, 40 epochs of the whole text, sampled from the authors' grid-search
#: ranges; 6 CharRNNs across p, a number the paper does not state; motion capture at 256 units, its p grid, trained
#: to its best: until the validation loss is 10 epochs old, at most 100 epochs, which the paper does not state.
SWEEP_PROFILES = {profile: {name: NOTEBOOKS["lyapunov_experiments"].values(profile)[name] for name in SWEEP_PARAMETERS}
                  for profile in PROFILES}
