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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from lstmdyn.data import char_sequences, load_war_and_peace
from lstmdyn.data.mocap import mocap_sequences
from lstmdyn.experiments.both_tools import equilibrium_measures, model_spectrum
from lstmdyn.experiments.tasks import Task, first_samples, mocap_task, war_and_peace_task
from lstmdyn.lyapunov import CollapsedDirectionsWarning
from lstmdyn.records import write_atomically
from lstmdyn.threads import MEMBER_THREADS, pinned_threads
from lstmdyn.training import CheckpointError, SequenceModel, evaluate, load_checkpoint, train

__all__ = ["AUTHORS_WARMUP", "CHARRNN_DROPOUT", "CHARRNN_GRID_DROPOUT", "CHARRNN_GRID_LR", "CHARRNN_LR",
           "GRID_DROPOUT_FLOOR", "INIT_RANGE", "MEMBER_VERSION", "PAPER_CHARRNN", "PAPER_MOCAP", "SWEEPS",
           "SWEEP_PROFILES", "VALIDATION_BATCH", "SpectrumMember", "charrnn_init_members", "charrnn_members",
           "member_task", "mocap_members", "spectrum_inputs", "stopped_improving", "stretches_in_turn", "sweep_members",
           "train_and_measure"]

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
        zero, :class:`~lstmdyn.lyapunov.CollapsedDirectionsWarning`), ``spectral_radius`` and ``max_real`` at the
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
    """:func:`train_and_measure` with the member's threads pinned."""
    directory.mkdir(parents=True, exist_ok=True)
    task = member_task(member)
    per_epoch = task.train.count(task.config.batch_size)
    task.config.epochs, task.config.checkpoint_every, task.config.device = member.epochs, per_epoch, device
    inputs = spectrum_inputs(member.task, member.sequences, member.steps)
    epoch_dtype = getattr(torch, member.epoch_dtype)
    validation_batch = VALIDATION_BATCH.get(torch.device(device).type, 256)
    rows, damaged = _measured_epochs(directory)
    clock = time.perf_counter()

    def measure(step: int, model: SequenceModel, path: Path | None) -> None:
        nonlocal clock
        train_seconds = time.perf_counter() - clock if step else 0.0
        epoch = step // per_epoch
        start = time.perf_counter()
        valid_loss = evaluate(model, task.valid, validation_batch)
        validation_seconds = time.perf_counter() - start
        start = time.perf_counter()
        spectrum = model_spectrum(model, inputs, dtype=epoch_dtype)
        spectrum_seconds = time.perf_counter() - start
        earlier = [r["valid_loss"] for e, r in rows.items() if 1 <= e < epoch]
        if epoch >= 1 and valid_loss <= min(earlier, default=math.inf) and math.isfinite(valid_loss):
            write_atomically(directory / "best.pt", lambda p: torch.save(model.state_dict(), p))
        rows[epoch] = {"epoch": epoch, "step": step, "valid_loss": valid_loss, "train_seconds": train_seconds,
                       "validation_seconds": validation_seconds, "spectrum_seconds": spectrum_seconds,
                       "max_le": float(spectrum[0]), "mean_le": float(spectrum.mean()), "spectrum": spectrum.tolist()}
        write_atomically(directory / f"epoch_{epoch:03d}.json", lambda p: p.write_text(json.dumps(rows[epoch])))
        for old in directory.glob("step_*.pt"):
            if path is not None and old.name < path.name:
                old.unlink()
        clock = time.perf_counter()
        if stopped_improving(rows, member.patience):
            raise _Stopped

    lost = damaged or ((directory / "best.pt").exists() and _readable(directory / "best.pt", device) is None)
    if lost:
        rows.clear()  # a measured epoch or the best weights are lost: the member trains again from the start
    last, saved = None, None
    for path in [] if lost else sorted(directory.glob("step_*.pt"), reverse=True):  # the newest readable one
        saved = _readable(path, device)
        if saved is not None:
            last = path
            break
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
    trained = [r for r in ordered if r["epoch"] >= 1] or ordered
    best = min(trained, key=lambda r: r["valid_loss"])
    start = time.perf_counter()
    if best["epoch"]:
        task.model.load_state_dict(load_checkpoint(directory / "best.pt", device))
    h, hc = (model_spectrum(task.model.to(device), inputs, state=state) for state in ("h", "hc"))
    authors = model_spectrum(task.model, inputs, frame="transpose", warmup=AUTHORS_WARMUP) / math.log(2)
    summary = {"selected_epoch": best["epoch"], "valid_loss": best["valid_loss"], "max_le": float(h[0]),
               "mean_le": float(h.mean()), "max_le_hc": float(hc[0]), "mean_le_hc": float(hc.mean()),
               "max_le_authors": float(authors[0]), "mean_le_authors": float(authors.mean()),
               "collapsed": int(np.isneginf(h).sum()),
               **equilibrium_measures(task.model),
               "train_seconds": sum(r["train_seconds"] for r in ordered if r["epoch"] <= best["epoch"]),
               "spectrum_seconds": float(np.median([r["spectrum_seconds"] for r in ordered])),
               "final_seconds": time.perf_counter() - start, "initial_loss": ordered[0]["valid_loss"]}
    return summary, ordered


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


def sweep_members(name: SweepName, p: dict) -> list[SpectrumMember]:
    """The members of sweep ``name`` for the parameters ``p`` of the chapter's notebook (its ``char_*`` or
    ``mocap_*`` parameters, ``seed`` and ``epoch_dtype``), or of :data:`SWEEP_PROFILES`: the command line and
    the chapter run the same members. ``"charrnn_init"`` is the CharRNN across p (``char_init_values``);
    ``"mocap"`` the motion-capture networks with the paper's read-out (the next frame), ``"mocap_residual"`` the same
    with a residual one (the change from the last frame), each trained until its validation loss is
    ``mocap_patience`` epochs old.

    Examples
    --------
    >>> p = {"seed": 0, "char_networks": 2, "char_named": 1, "char_hidden": 8, "char_epochs": 1,
    ...      "char_samples": 100, "char_valid": 20}
    >>> [(m.hidden, m.samples, m.label) for m in sweep_members("charrnn", p)]
    [(8, 100, ''), (8, 100, ''), (8, 100, 'blue')]
    """
    if name == "charrnn":
        return charrnn_members(p["char_networks"], hidden=p["char_hidden"], epochs=p["char_epochs"],
                               samples=p["char_samples"], valid_samples=p["char_valid"], named=p["char_named"],
                               seed=p["seed"], population=p.get("char_population", "highlighted"),
                               epoch_dtype=p.get("epoch_dtype", "float64"))
    if name == "charrnn_init":
        return charrnn_init_members(p["char_init_values"], hidden=p["char_hidden"], epochs=p["char_epochs"],
                                    samples=p["char_samples"], valid_samples=p["char_valid"], seed=p["seed"],
                                    epoch_dtype=p.get("epoch_dtype", "float64"))
    if name in ("mocap", "mocap_residual"):  # the paper's read-out; the residual one, a variation of this book's
        return mocap_members(p["mocap_values"], hidden=p["mocap_hidden"], epochs=p["mocap_epochs"],
                             named=p["mocap_named"], seed=p["seed"], patience=p.get("mocap_patience", 0),
                             target="frame" if name == "mocap" else "change",
                             epoch_dtype=p.get("epoch_dtype", "float64"))
    raise ValueError(f"unknown sweep {name!r}: expected one of {', '.join(SWEEPS)}")


#: The sizes of the sweeps at each profile: the parameters of the chapter *Lyapunov spectra of trained
#: networks* that :func:`sweep_members` reads (the quick values are the chapter's defaults; the paper's sizes are
#: its appendix A: 60 sampled CharRNNs besides its six, 512 units, 40 epochs of the whole text, sampled from the
#: authors' grid-search ranges; 6 CharRNNs across p, a number the paper does not state; motion capture at 256
#: units, its p grid, trained to its best: until the validation loss is 10 epochs old, at most 100 epochs, which
#: the paper does not state).
SWEEP_PROFILES = {
    "smoke": {"char_networks": 2, "char_named": 2, "char_hidden": 8, "char_epochs": 2, "char_samples": 200,
              "char_valid": 50, "char_init_values": 2, "mocap_values": 3, "mocap_named": 1, "mocap_hidden": 8,
              "mocap_epochs": 2, "mocap_patience": 1},
    "quick": {"char_networks": 4, "char_named": 6, "char_hidden": 128, "char_epochs": 6, "char_samples": 1600,
              "char_valid": 500, "char_init_values": 4, "mocap_values": 4, "mocap_named": 6, "mocap_hidden": 64,
              "mocap_epochs": 30, "mocap_patience": 10},
    "paper": {"char_networks": 60, "char_named": 6, "char_hidden": 512, "char_epochs": 40, "char_samples": 25618,
              "char_valid": 3202, "char_init_values": 6, "mocap_values": 30, "mocap_named": 6, "mocap_hidden": 256,
              "mocap_epochs": 100, "mocap_patience": 10, "char_population": "grid"},
}
for _sizes in SWEEP_PROFILES.values():
    _sizes |= {"seed": 0, "epoch_dtype": "float64"} | {
        "char_population": _sizes.get("char_population", "highlighted")}
