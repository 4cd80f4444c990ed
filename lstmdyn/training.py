"""One training loop for the LSTM models of both papers, with checkpoints for the analyses.

A :class:`SequenceModel` is an input encoder, an ``nn.LSTM`` (one layer by default) and a linear read-out
with one of four heads:

- ``"class"``: a class from the last step, softmax cross-entropy (MNIST rows; Amrouche et al. 4.1);
- ``"token"``: the next token at every step, softmax cross-entropy (Penn Treebank words, Amrouche et al.
  4.2; War and Peace characters, Vogt et al. A.1);
- ``"multihot"``: the next piano-roll frame, binary cross-entropy per note (Nottingham as a piano roll: with
  several notes sounding at once, independent Bernoulli outputs are the standard model of a piano roll);
- ``"melody_chord"``: the next frame's melody and chord, two softmax cross-entropies over the two halves of the
  output, summed (Nottingham in the 68-wide encoding of Amrouche et al. 4.3, which names softmax
  cross-entropy; see :class:`lstmdyn.data.music.MelodyChordCode`);
- ``"regression"``: the next frame, mean-squared error (CMU motion capture, Vogt et al. A.2).

:func:`train` runs Adam or SGD with an optional learning-rate decay, dropout, gradient-norm clipping and
Vogt et al.'s uniform initialisation on ±p, seeded, on the GPU when there is one. Every
``checkpoint_every`` steps it writes a checkpoint atomically (a temporary file, then a rename) holding all
that is needed to resume, and calls ``on_checkpoint``: later chapters compute equilibria and Lyapunov
spectra there. Resuming from a checkpoint gives the same final weights as an uninterrupted run (CPU).
A non-finite loss or gradient stops training with an error naming the step and the last good checkpoint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn
from tqdm import tqdm

from lstmdyn.errors import CheckpointError, TrainingError
from lstmdyn.records import write_atomically

__all__ = ["Head", "SequenceData", "SequenceModel", "TrainingConfig", "TrainingResult", "checkpoint_payload",
           "evaluate", "load_checkpoint", "train"]

Head = Literal["class", "token", "multihot", "melody_chord", "regression"]


class SequenceModel(nn.Module):
    """Encoder → ``nn.LSTM`` (batch first; or a vanilla RNN) → dropout → linear read-out.

    Parameters
    ----------
    input_size : int
        Width of the LSTM's input: the embedding size for token inputs, else the feature width.
    hidden : int
        Units per LSTM layer (the paper's n).
    output_size : int
        Classes, vocabulary, notes or features.
    head : {"class", "token", "multihot", "melody_chord", "regression"}
    vocabulary : int, optional
        For token inputs: the number of distinct tokens. With ``one_hot=True`` the tokens enter as one-hot
        vectors (``input_size`` must then equal ``vocabulary``), otherwise through an ``nn.Embedding``.
    bias : bool
        Whether the LSTM has bias vectors (Vogt et al.'s CharRNN has none).
    cell : {"lstm", "rnn"}
        The recurrent layer ``recurrent``: an ``nn.LSTM``, or a tanh ``nn.RNN`` for comparisons.
    residual : bool
        For next-step regression: the read-out predicts the change from the input, and the output is the input
        plus it (``input_size`` must equal ``output_size``). The recurrent layer is the same either way.

    Examples
    --------
    >>> model = SequenceModel(8, 16, 10, "token", vocabulary=10)
    >>> outputs, (h, c) = model(torch.zeros(2, 5, dtype=torch.long))
    >>> outputs.shape, h.shape
    (torch.Size([2, 5, 10]), torch.Size([1, 2, 16]))
    """

    def __init__(self, input_size: int, hidden: int, output_size: int, head: Head, *, layers: int = 1,
                 dropout: float = 0.0, vocabulary: int | None = None, one_hot: bool = False,
                 bias: bool = True, cell: Literal["lstm", "rnn"] = "lstm", residual: bool = False) -> None:
        super().__init__()
        if one_hot and vocabulary != input_size:
            raise ValueError(f"one-hot inputs need input_size == vocabulary, got {input_size} and "
                             f"{vocabulary}")
        if residual and (head != "regression" or input_size != output_size or vocabulary):
            raise ValueError("a residual read-out needs the regression head on features, with input_size == "
                             f"output_size, got {head!r}, {input_size} and {output_size}")
        self.head, self.one_hot, self.vocabulary, self.residual = head, one_hot, vocabulary, residual
        self.embedding = nn.Embedding(vocabulary, input_size) if vocabulary and not one_hot else None
        recurrent = {"lstm": nn.LSTM, "rnn": nn.RNN}[cell]
        self.recurrent = recurrent(input_size, hidden, num_layers=layers, batch_first=True, bias=bias,
                                   dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(hidden, output_size)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if self.one_hot:
            return nn.functional.one_hot(x, self.vocabulary).to(self.readout.weight.dtype)
        return self.embedding(x) if self.embedding is not None else x

    def forward(self, x: torch.Tensor, state=None):
        """``(outputs, state)``: outputs of shape (batch, classes) for the class head, else
        (batch, T, out)."""
        h, state = self.recurrent(self.encode(x), state)
        h = self.dropout(h)
        out = self.readout(h[:, -1] if self.head == "class" else h)
        return (x + out if self.residual else out), state


def loss_function(head: Head, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The training loss of a head: the mean over everything predicted (for ``melody_chord``, the sum of the
    two halves' means).

    Examples
    --------
    >>> float(loss_function("class", torch.zeros(1, 4), torch.tensor([2])))   # uniform over 4: log 4
    1.3862943649291992
    >>> round(float(loss_function("melody_chord", torch.zeros(1, 1, 68), torch.tensor([[[3, 5]]]))), 4)  # 2 log 34
    7.0527
    """
    if head in ("class", "token"):
        return nn.functional.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1))
    if head == "multihot":
        return nn.functional.binary_cross_entropy_with_logits(outputs, targets)
    if head == "melody_chord":  # two softmax groups of equal width, targets (…, 2): the two classes
        half = outputs.shape[-1] // 2
        return sum(nn.functional.cross_entropy(part.reshape(-1, half), targets[..., k].reshape(-1))
                   for k, part in enumerate((outputs[..., :half], outputs[..., half:])))
    return nn.functional.mse_loss(outputs, targets)


@dataclass
class SequenceData:
    """Inputs and targets for training or evaluation.

    ``inputs`` has shape (N, T, …) and is cut into shuffled batches; with ``stream=True`` it has shape
    (K, batch, T, …) instead: K consecutive windows of parallel streams (truncated BPTT over a long text),
    taken in order, the LSTM state carried from one window to the next.

    Examples
    --------
    >>> data = SequenceData(torch.zeros(10, 3, 1), torch.zeros(10))
    >>> data.count(4), [len(x) for x, _ in data.batches(4, None)]
    (3, [4, 4, 2])
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    stream: bool = False

    def batches(self, batch_size: int, generator: torch.Generator | None):
        """The batches of one pass, shuffled with ``generator`` unless this is a stream."""
        if self.stream:
            yield from zip(self.inputs, self.targets, strict=True)
            return
        order = torch.randperm(len(self.inputs), generator=generator) if generator is not None else \
            torch.arange(len(self.inputs))
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            yield self.inputs[index], self.targets[index]

    def count(self, batch_size: int) -> int:
        """Number of batches in one pass."""
        return len(self.inputs) if self.stream else math.ceil(len(self.inputs) / batch_size)


@dataclass
class TrainingConfig:
    """Everything that decides a training run (stored in its checkpoints).

    Examples
    --------
    >>> config = TrainingConfig(epochs=3, lr=1.0, lr_decay=0.5, decay_after=1)
    >>> config.resolved_device().type in ("cpu", "cuda")
    True
    """

    epochs: int = 1
    batch_size: int = 32
    optimizer: Literal["adam", "sgd"] = "adam"
    lr: float = 1e-3
    lr_decay: float = 1.0  #: factor applied to the learning rate once per epoch after the first `decay_after`
    decay_after: int = 0  #: epochs trained at the full learning rate (see :meth:`learning_rate`)
    clip: float | None = None  #: gradient-norm clipping threshold
    init: float | None = None  #: weights uniform on ±init (Vogt's initialisation parameter); None: default
    #: what ``init`` draws: ``"all"``, every parameter; ``"tensorflow"``, every parameter but the recurrent layer's
    #: biases, which start at 0 (TensorFlow's PTB tutorial: its scope's uniform initialiser for the embedding,
    #: the kernel and the softmax, and ``BasicLSTMCell``'s own zero initialiser for its one bias vector, which
    #: PyTorch's two bias vectors then share); ``"recurrent"``, only the recurrent layer's weight matrices
    #: (``weight_ih``, ``weight_hh``), its biases and the readout keeping PyTorch's defaults (the ``models.py`` of
    #: Vogt et al.'s published code)
    init_scope: Literal["all", "tensorflow", "recurrent"] = "all"
    #: added to every LSTM layer's forget-gate bias after initialisation. TensorFlow's ``BasicLSTMCell`` adds
    #: ``forget_bias`` (1 by default) inside the forget gate at run time without storing it; training with it is
    #: training with a forget-gate bias that starts that much higher (the stored weights lack it)
    forget_bias: float = 0.0
    #: ``"mean"``: the loss averaged over every prediction; ``"sum"``: summed over the time steps of a sequence
    #: and averaged over the batch, T times the mean (TensorFlow's PTB tutorial), which scales the gradient by T.
    #: The recorded and validation losses are the mean either way.
    sequence_loss: Literal["mean", "sum"] = "mean"
    checkpoint_every: int = 0  #: steps between checkpoints; 0 for none
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        positive = {"batch_size": self.batch_size, "lr": self.lr}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        for name, value in {"epochs": self.epochs, "checkpoint_every": self.checkpoint_every,
                            "decay_after": self.decay_after}.items():
            if value < 0:
                raise ValueError(f"{name} must be at least 0, got {value!r}")
        for name, value in {"clip": self.clip, "init": self.init}.items():
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive or None, got {value!r}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        if self.init_scope not in ("all", "tensorflow", "recurrent"):
            raise ValueError(f"init_scope must be 'all', 'tensorflow' or 'recurrent', got {self.init_scope!r}")
        if self.sequence_loss not in ("mean", "sum"):
            raise ValueError(f"sequence_loss must be 'mean' or 'sum', got {self.sequence_loss!r}")

    def learning_rate(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (counted from 0): ``lr · lr_decay^max(0, epoch + 1 − decay_after)``.

        The first ``decay_after`` epochs train at ``lr``; every later one is decayed once more. With
        TensorFlow's small PTB setting (``lr=1, lr_decay=0.5, decay_after=4``) the fifth epoch has 0.5.

        Examples
        --------
        >>> config = TrainingConfig(lr=1.0, lr_decay=0.5, decay_after=4)
        >>> [config.learning_rate(e) for e in range(7)]
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.125]
        """
        return self.lr * self.lr_decay ** max(0, epoch + 1 - self.decay_after)

    def resolved_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)


@dataclass
class TrainingResult:
    """The trained model, its loss curves and the checkpoints written.

    Examples
    --------
    >>> data = SequenceData(torch.randn(8, 4, 2), torch.randint(0, 2, (8,)))
    >>> result = train(SequenceModel(2, 3, 2, "class"), data, TrainingConfig(batch_size=4, device="cpu"),
    ...                progress=False)
    >>> len(result.losses), result.losses[-1][0]       # one (step, loss) per gradient step
    (2, 2)
    """

    model: SequenceModel
    losses: list[tuple[int, float]] = field(default_factory=list)  #: (step, training loss) of every step
    validation: list[tuple[int, float]] = field(default_factory=list)  #: (step, validation loss)
    gradient_norms: list[float] = field(default_factory=list)  #: before clipping, per step
    learning_rates: list[tuple[int, float]] = field(default_factory=list)  #: (epoch, rate) of every epoch run
    checkpoints: list[Path] = field(default_factory=list)
    seconds: float = 0.0


@torch.no_grad()
def evaluate(model: SequenceModel, data: SequenceData, batch_size: int = 256) -> float:
    """Mean loss of ``model`` over ``data`` (in evaluation mode, batches weighted by their size).

    Examples
    --------
    >>> data = SequenceData(torch.randn(8, 4, 2), torch.randint(0, 2, (8,)))
    >>> model = SequenceModel(2, 3, 2, "class")
    >>> bool(abs(evaluate(model, data) - loss_function("class", model(data.inputs)[0], data.targets).item()) < 1e-6)
    True
    """
    training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, count, state = 0.0, 0, None
    for x, y in data.batches(batch_size, None):
        outputs, state = model(x.to(device), state if data.stream else None)
        total += loss_function(model.head, outputs, y.to(device)).item() * len(x)
        count += len(x)
    model.train(training)
    return total / count


def _initialise(model: SequenceModel, config: TrainingConfig) -> None:
    """PyTorch's initialisation from ``config.seed``, then uniform on ±``config.init`` for the parameters of
    ``config.init_scope`` (the recurrent biases then at 0 for ``"tensorflow"``); then the forget bias."""
    torch.manual_seed(config.seed)
    for module in model.children():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    with torch.no_grad():
        if config.init is not None:
            drawn = model.parameters() if config.init_scope in ("all", "tensorflow") else (
                p for name, p in model.recurrent.named_parameters() if name.startswith("weight_"))
            for p in drawn:
                p.uniform_(-config.init, config.init)
            if config.init_scope == "tensorflow":
                for name, p in model.recurrent.named_parameters():
                    if name.startswith("bias_"):
                        p.zero_()
        if config.forget_bias:
            rnn = model.recurrent
            if not isinstance(rnn, nn.LSTM) or not rnn.bias:
                raise ValueError("a forget bias needs an LSTM with bias vectors")
            for layer in range(rnn.num_layers):  # gate order i, f, g, o: the second block is the forget gate
                getattr(rnn, f"bias_ih_l{layer}")[rnn.hidden_size:2 * rnn.hidden_size] += config.forget_bias


def load_checkpoint(path: Path | str, device: torch.device | str = "cpu") -> dict:
    """A checkpoint written by :func:`train`, its tensors on ``device`` (a checkpoint written on a GPU resumes
    on a CPU). Only tensors and plain containers are read (``weights_only``): a file that would run code when
    unpickled is refused like a damaged one.

    Raises
    ------
    CheckpointError
        Naming the file, if it cannot be read so.

    Examples
    --------
    >>> import tempfile
    >>> data = SequenceData(torch.randn(8, 4, 2), torch.randint(0, 2, (8,)))
    >>> directory = tempfile.mkdtemp()
    >>> result = train(SequenceModel(2, 3, 2, "class"), data, TrainingConfig(batch_size=4, checkpoint_every=2,
    ...                device="cpu"), checkpoint_dir=directory, progress=False)
    >>> sorted(load_checkpoint(result.checkpoints[-1]))[:4]
    ['carry', 'config', 'epoch', 'gradient_norms']
    """
    try:
        return torch.load(path, weights_only=True, map_location=device)
    except Exception as e:  # noqa: BLE001 - a truncated zip, an unpickling error or a planted object alike
        raise CheckpointError(f"the checkpoint {path} cannot be read ({type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else 'no detail'})") from None


def train(model: SequenceModel, data: SequenceData, config: TrainingConfig, *,
          valid: SequenceData | None = None, checkpoint_dir: Path | str | None = None,
          on_checkpoint: Callable[[int, SequenceModel, Path | None], None] | None = None,
          resume_from: Path | str | None = None, progress: bool = True,
          checkpoint_at_start: bool = False) -> TrainingResult:
    """Train ``model`` on ``data`` (see the module docstring); returns the model and its curves.

    The model's weights are (re)initialised from ``config.seed`` unless ``resume_from`` names a checkpoint,
    whose weights, optimiser, random state, position and curves are restored. Every
    ``config.checkpoint_every`` steps and at the end: the validation loss is recorded (if ``valid`` is
    given), a checkpoint is written to ``checkpoint_dir/step_<step>.pt`` (if ``checkpoint_dir`` is given),
    and ``on_checkpoint(step, model, path)`` is called; with ``checkpoint_at_start``, also for the initialised
    model at step 0 (not when resuming).

    Parameters
    ----------
    model : SequenceModel
        Trained in place (and returned in the result).
    data : SequenceData
        The training samples or streams; batches are drawn per epoch from ``config.seed``.
    config : TrainingConfig
        Optimiser, rate and schedule, batch size, epochs, clipping, initialisation, device, checkpoint interval.
    valid : SequenceData, optional
        Validation data, evaluated at every checkpoint.
    checkpoint_dir : path, optional
        Where the checkpoints ``step_<step>.pt`` are written (none without it).
    on_checkpoint : callable, optional
        ``on_checkpoint(step, model, path)`` at every checkpoint (``path`` None without ``checkpoint_dir``).
    resume_from : path, optional
        A checkpoint (of this function or of :func:`~lstmdyn.ensembles.train_ensemble`) to go on from.
    progress : bool
        A tqdm bar over the steps.
    checkpoint_at_start : bool
        A checkpoint of the initialised model at step 0 too.

    Returns
    -------
    TrainingResult
        The model, the loss of every step, the validation losses, gradient norms, learning rates, checkpoints
        written and seconds taken.

    Raises
    ------
    TrainingError
        When a loss or gradient is not finite: names the step and the last good checkpoint.

    Examples
    --------
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> x = torch.randn(64, 5, 1)
    >>> data = SequenceData(x, (x.sum((1, 2)) > 0).long())       # the sign of the sum of the inputs
    >>> model = SequenceModel(1, 8, 2, "class")
    >>> result = train(model, data, TrainingConfig(epochs=30, batch_size=16, lr=1e-2, device="cpu"),
    ...                progress=False)
    >>> result.losses[-1][1] < 0.5 * result.losses[0][1]
    True
    """
    start_time = time.perf_counter()
    directory = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    run = _Run.start(model, config, resume_from)

    def checkpoint(epoch: int, position: int) -> None:
        run.checkpoint(epoch, position, valid, directory, on_checkpoint)

    if checkpoint_at_start and resume_from is None:
        checkpoint(0, 0)
    bar = tqdm(total=config.epochs * data.count(config.batch_size), initial=run.step, disable=not progress,
               desc="training", unit="step", leave=False)
    for epoch in range(run.first_epoch, config.epochs):
        run.set_learning_rate(epoch)
        generator = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
        for position, (x, y) in enumerate(data.batches(config.batch_size, generator)):
            if position < run.skip:
                continue
            loss = run.gradient_step(x, y, data.stream, f"(epoch {epoch}, batch {position})")
            bar.update()
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            if config.checkpoint_every and run.step % config.checkpoint_every == 0:
                checkpoint(epoch, position + 1)
        run.skip, run.carry = 0, None
    bar.close()
    if not (config.checkpoint_every and run.step % config.checkpoint_every == 0):
        checkpoint(config.epochs, 0)
    run.result.seconds = time.perf_counter() - start_time
    return run.result


def checkpoint_payload(model: SequenceModel, optimizer_state: dict, rng: torch.Tensor, *, step: int, epoch: int,
                       position: int, carry: tuple[torch.Tensor, ...] | None, result: TrainingResult,
                       config: TrainingConfig) -> dict:
    """What a checkpoint of :func:`train` holds (and :func:`~lstmdyn.ensembles.train_ensemble` writes in the same
    format, so that either resumes the other's): the weights, the optimiser's state, the random state of the
    run's stream, where the run is (step, epoch, position in the epoch, the state carried along a stream) and its
    curves so far.

    Parameters
    ----------
    model : SequenceModel
        The network, whose weights are saved.
    optimizer_state : dict
        ``torch.optim``'s state dict of its optimiser (or one in that layout).
    rng : tensor
        The random state of the run's stream (dropout).
    step, epoch, position : int
        The gradient steps taken, the epoch and the batch within it where the run goes on.
    carry : tuple of tensors, optional
        The state carried along a stream.
    result : TrainingResult
        The curves so far.
    config : TrainingConfig
        The run's settings.

    Examples
    --------
    >>> model = SequenceModel(2, 3, 2, "class")
    >>> payload = checkpoint_payload(model, {}, torch.get_rng_state(), step=4, epoch=1, position=2, carry=None,
    ...                              result=TrainingResult(model, losses=[(4, 0.5)]), config=TrainingConfig())
    >>> sorted(payload)[:5], payload["losses"], payload["config"]["lr"]
    (['carry', 'config', 'epoch', 'gradient_norms', 'losses'], [(4, 0.5)], 0.001)
    """
    return {"model": model.state_dict(), "optimizer": optimizer_state, "rng": rng, "step": step, "epoch": epoch,
            "position": position, "carry": carry, "losses": result.losses, "validation": result.validation,
            "gradient_norms": result.gradient_norms, "config": asdict(config)}


@dataclass
class _Run:
    """One training run of :func:`train` between two steps: the model and its optimiser, the curves, and where the
    run is (what a checkpoint holds)."""

    model: SequenceModel
    config: TrainingConfig
    optimizer: torch.optim.Optimizer
    result: TrainingResult
    device: torch.device
    step: int = 0
    first_epoch: int = 0
    skip: int = 0  #: batches of the first epoch already trained (resumed mid-epoch)
    carry: tuple[torch.Tensor, ...] | None = None  #: the state carried along a stream
    last_checkpoint: Path | None = None

    @classmethod
    def start(cls, model: SequenceModel, config: TrainingConfig, resume_from: Path | str | None) -> _Run:
        """``model`` (re)initialised from ``config`` on its device, with a fresh optimiser; or, from
        ``resume_from``, the weights, optimiser, random state, position and curves of that checkpoint."""
        device = config.resolved_device()
        _initialise(model, config)
        model.to(device).train()
        parameters = list(model.parameters())
        optimizer = (torch.optim.Adam(parameters, lr=config.lr) if config.optimizer == "adam"
                     else torch.optim.SGD(parameters, lr=config.lr))
        run = cls(model, config, optimizer, TrainingResult(model), device)
        if resume_from is not None:
            saved = load_checkpoint(resume_from, device)
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            torch.set_rng_state(saved["rng"].cpu())
            run.step, run.first_epoch, run.skip, run.carry = saved["step"], saved["epoch"], saved["position"], \
                saved["carry"]
            run.result.losses, run.result.validation = saved["losses"], saved["validation"]
            run.result.gradient_norms = saved["gradient_norms"]
            run.last_checkpoint = Path(resume_from)
        return run

    def set_learning_rate(self, epoch: int) -> None:
        """The schedule's rate for ``epoch``, recorded."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.learning_rate(epoch)
        self.result.learning_rates.append((epoch, self.config.learning_rate(epoch)))

    def gradient_step(self, x: torch.Tensor, y: torch.Tensor, stream: bool, where: str) -> float:
        """One step on the batch ``(x, y)``; returns its loss. A non-finite loss or gradient is a
        :class:`~lstmdyn.errors.TrainingError` naming the step, ``where`` it was and the last good checkpoint."""
        model, config = self.model, self.config
        outputs, state = model(x.to(self.device), self.carry if stream else None)
        if stream:
            self.carry = tuple(s.detach() for s in state)
        loss = loss_function(model.head, outputs, y.to(self.device))
        objective = loss * outputs.shape[1] if config.sequence_loss == "sum" and outputs.dim() > 2 else loss
        where = f"at step {self.step + 1} {where}"
        good = self.last_checkpoint or "none written"
        if not torch.isfinite(loss):
            raise TrainingError(f"non-finite loss {where}; last good checkpoint: {good}")
        self.optimizer.zero_grad()
        objective.backward()
        norm = nn.utils.clip_grad_norm_(list(model.parameters()), config.clip if config.clip else float("inf"))
        if not torch.isfinite(norm):
            raise TrainingError(f"non-finite gradient {where}; last good checkpoint: {good}")
        self.optimizer.step()
        self.step += 1
        self.result.losses.append((self.step, loss.item()))
        self.result.gradient_norms.append(norm.item())
        return self.result.losses[-1][1]

    def checkpoint(self, epoch: int, position: int, valid: SequenceData | None, directory: Path | None,
                   on_checkpoint: Callable[[int, SequenceModel, Path | None], None] | None) -> None:
        """At the current step: the validation loss (if ``valid``), a checkpoint file in ``directory`` (if given;
        ``epoch`` and ``position`` say where the next step starts) and ``on_checkpoint``."""
        if valid is not None:
            self.result.validation.append((self.step, evaluate(self.model, valid)))
        path = None
        if directory is not None:
            path = directory / f"step_{self.step:07d}.pt"
            payload = checkpoint_payload(self.model, self.optimizer.state_dict(), torch.get_rng_state(),
                                         step=self.step, epoch=epoch, position=position, carry=self.carry,
                                         result=self.result, config=self.config)
            write_atomically(path, lambda p: torch.save(payload, p))
            self.result.checkpoints.append(path)
            self.last_checkpoint = path
        if on_checkpoint is not None:
            on_checkpoint(self.step, self.model, path)
