"""Ensembles: several networks of one shape trained as one program.

Networks of one architecture differ only in their numbers. :func:`train_ensemble` stacks the weights of M
:class:`~lstmdyn.training.SequenceModel` LSTMs along a leading member axis and runs every gate step of all of
them as one batched matrix product (``torch.baddbmm``), so that a sweep's members share each step's overhead
and fill the machine together. Everything that decides a run stays the member's own: its
:class:`~lstmdyn.training.TrainingConfig` (seed, initialisation, data order, learning rate and schedule,
gradient-norm clipping, optimiser state), its dropout masks (drawn from a generator that continues the member's
own random stream), its non-finite check (a member whose loss or gradient is not finite stops alone, the others
go on), its checkpoints and its ``on_checkpoint`` measurements.

Each member gets what :func:`~lstmdyn.training.train` gives it alone: the same initial weights (drawn by
:func:`train`'s own initialiser), the same batches, the same dropout masks and the same optimiser arithmetic
(Adam and SGD as ``torch.optim`` computes them on a CPU), so that its losses and weights differ from training it
alone only by the rounding of the batched products (``tests/test_ensembles.py`` states the bound). A member's
numbers do not depend on the other members of its ensemble: the products, reductions and updates of one
member never mix with another's. Its checkpoints have :func:`train`'s format: either trainer resumes the other's.

The recurrence is written out step by step (cuDNN cannot run stacked weights); internally the gate rows are kept in
the order i, f, o, g so that one sigmoid covers three gates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from lstmdyn.errors import EnsembleShapeError
from lstmdyn.records import write_atomically
from lstmdyn.training import (
    SequenceData,
    SequenceModel,
    TrainingConfig,
    TrainingResult,
    _initialise,
    checkpoint_payload,
    load_checkpoint,
    loss_function,
)

__all__ = ["GROUP_SIZE", "MemberResult", "ensemble_losses", "group_size", "shape_of", "train_ensemble"]

#: Fields of a :class:`TrainingConfig` that must agree across an ensemble (they set the shared batches and steps)
SHARED_SETTINGS = ("batch_size", "checkpoint_every", "sequence_loss", "optimizer", "device")

ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, which train uses


#: Networks of one shape trained together as one ensemble (a sweep's group, a training chapter's seeds), by device
#: type. On a CPU one at a time: ``nn.LSTM``'s fused oneDNN kernel trains a network faster than an ensemble does
#: (``benchmarks/ensembles.py``, on the performance page). On a GPU 16: a paper CharRNN member (512 units, batches of
#: 100 sequences of 100 characters) keeps about 0.3 GB of activations for its backward pass, so 16 take about 5 GB.
GROUP_SIZE = {"cpu": 1, "cuda": 16}


def group_size(device: str = "auto") -> int:
    """:data:`GROUP_SIZE` of the device that ``device`` names (``"auto"``: a GPU where there is one).

    Examples
    --------
    >>> group_size("cpu")
    1
    """
    kind = "cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu"
    return GROUP_SIZE[kind]


def shape_of(models: Sequence[SequenceModel]) -> tuple:
    """What must agree for ``models`` to train as one ensemble: the head, the encoder, every parameter's name and
    shape, the recurrent layer's type and layers. Raises :class:`EnsembleShapeError` if they do not agree or a model
    is not an LSTM.

    Examples
    --------
    >>> shape_of([SequenceModel(2, 3, 2, "class")] * 2)[:3]
    ('class', False, False)
    """
    def shape(model: SequenceModel) -> tuple:
        if not isinstance(model.recurrent, nn.LSTM) or model.recurrent.proj_size or model.recurrent.bidirectional:
            raise EnsembleShapeError(f"an ensemble trains unidirectional LSTMs without projections, got "
                                     f"{model.recurrent}")
        return (model.head, model.one_hot, model.residual, model.vocabulary, model.recurrent.num_layers,
                model.recurrent.bias, tuple((name, tuple(p.shape)) for name, p in model.named_parameters()))

    if not models:
        raise EnsembleShapeError("an ensemble needs at least one network")
    first = shape(models[0])
    for k, model in enumerate(models[1:], 1):
        if shape(model) != first:
            raise EnsembleShapeError(f"the networks of an ensemble must share one shape: network {k} differs from "
                                     "network 0")
    return first


@dataclass
class MemberResult(TrainingResult):
    """A member's :class:`~lstmdyn.training.TrainingResult`, with ``error``: the message of the
    :class:`~lstmdyn.errors.TrainingError` that stopped it alone, or ""."""

    error: str = ""


# --------------------------------------------------------------------------------------------------
# Stacked parameters: the members' state dicts stacked along a leading axis, gate rows as i, f, o, g


def _gate_order(n: int) -> torch.Tensor:
    """Row permutation from PyTorch's gate order i, f, g, o to i, f, o, g (its own inverse)."""
    return torch.cat([torch.arange(0, 2 * n), torch.arange(3 * n, 4 * n), torch.arange(2 * n, 3 * n)])


def _stack(models: Sequence[SequenceModel]) -> dict[str, torch.Tensor]:
    n = models[0].recurrent.hidden_size
    order = _gate_order(n)
    stacked = {}
    for name, _ in models[0].named_parameters():
        value = torch.stack([dict(m.named_parameters())[name].detach() for m in models])
        if name.startswith("recurrent."):
            value = value[:, order]
        stacked[name] = value.clone().requires_grad_(True)
    return stacked


def _unstack(stacked: dict[str, torch.Tensor], member: int, model: SequenceModel) -> SequenceModel:
    """Write member ``member``'s weights into ``model`` (PyTorch's gate order); returns ``model``."""
    order = _gate_order(model.recurrent.hidden_size)
    with torch.no_grad():
        for name, p in model.named_parameters():
            value = stacked[name][member]
            p.copy_(value[order] if name.startswith("recurrent.") else value)
    return model


def _dropout_noise(shape: tuple, p: float, generator: torch.Generator, like: torch.Tensor) -> torch.Tensor | None:
    """The mask ``nn.functional.dropout`` draws on a CPU from ``generator`` for a batch-first LSTM output of
    ``shape`` (B, T, n): Bernoulli 1 − p, divided by 1 − p (None for p = 0, which draws nothing). ``nn.LSTM``
    computes time-major and returns a transposed view, and dropout's mask takes its input's layout: so does this
    one, drawn in the same order."""
    if p == 0:
        return None
    if p == 1:
        return torch.zeros(shape, dtype=like.dtype, device=like.device)
    time_major = torch.empty((shape[1], shape[0], *shape[2:]), dtype=like.dtype, device=like.device)
    noise = time_major.transpose(0, 1).bernoulli_(1 - p, generator=generator)
    return noise.div_(1 - p)


def _apply_dropout(x: torch.Tensor, rates: Sequence[float], generators: Sequence[torch.Generator] | None
                   ) -> torch.Tensor:
    """Member m's slice of ``x`` (M, …) dropped out at ``rates[m]`` with ``generators[m]``; unchanged in
    evaluation (``generators`` None)."""
    if generators is None or not any(rates):
        return x
    masks = [_dropout_noise(tuple(x.shape[1:]), p, g, x) for p, g in zip(rates, generators, strict=True)]
    ones = torch.ones(x.shape[1:], dtype=x.dtype, device=x.device)
    return x * torch.stack([ones if m is None else m for m in masks])


def _forward(params: dict[str, torch.Tensor], model: SequenceModel, x: torch.Tensor, state, rates: Sequence[float],
             layer_rates: Sequence[float], generators: Sequence[torch.Generator] | None):
    """Outputs (M, B[, T], out) and the final state ((L, M, B, n), (L, M, B, n)) of the stacked networks for
    inputs ``x`` of shape (M, B, T, …); ``model`` is one member, for its head and encoding."""
    M, B, T = x.shape[:3]
    reference = params["readout.weight"]
    if model.one_hot:
        encoded = nn.functional.one_hot(x, model.vocabulary).to(reference.dtype)
    elif model.embedding is not None:
        encoded = params["embedding.weight"][torch.arange(M, device=x.device)[:, None, None], x]
    else:
        encoded = x.to(reference.dtype)
    rnn = model.recurrent
    n, layers = rnn.hidden_size, rnn.num_layers
    layer_input, last_h, last_c = encoded, [], []
    for layer in range(layers):
        w_ih, w_hh = params[f"recurrent.weight_ih_l{layer}"], params[f"recurrent.weight_hh_l{layer}"]
        projected = torch.bmm(layer_input.reshape(M, B * T, -1), w_ih.transpose(1, 2)).view(M, B, T, 4 * n)
        if rnn.bias:
            projected = projected + (params[f"recurrent.bias_ih_l{layer}"]
                                     + params[f"recurrent.bias_hh_l{layer}"])[:, None, None, :]
        if state is None:
            h = torch.zeros(M, B, n, dtype=reference.dtype, device=reference.device)
            c = torch.zeros_like(h)
        else:
            h, c = state[0][layer], state[1][layer]
        layer_input, h, c = _Recurrence.apply(projected, w_hh, h, c)
        last_h.append(h)
        last_c.append(c)
        if layer < layers - 1:
            layer_input = _apply_dropout(layer_input, layer_rates, generators)
    hidden = _apply_dropout(layer_input, rates, generators)
    if model.head == "class":
        hidden = hidden[:, :, -1]
    flat = hidden.reshape(M, -1, n)
    out = torch.baddbmm(params["readout.bias"][:, None, :], flat, params["readout.weight"].transpose(1, 2))
    out = out.view(*hidden.shape[:-1], -1)
    if model.residual:
        out = x.to(out.dtype) + out
    return out, (torch.stack(last_h), torch.stack(last_c))


class _Recurrence(torch.autograd.Function):
    """The LSTM recurrence of stacked networks, with its backward pass written out (back-propagation through time).

    Forward: ``projected`` (M, B, T, 4n), the input terms ``U x_t + b`` with the gate rows i, f, o, g; ``w_hh``
    (M, 4n, n); the initial state ``h0``, ``c0`` (M, B, n). Returns every step's h (M, B, T, n) and the final h and c.
    Each step is one batched product and a few elementwise operations. Backward: each step's gate gradients by
    the chain rule, one batched product per step for the gradient that flows to the step before, and the
    recurrent weights' gradient as one product over all steps at the end (rather than one per step, as autograd
    would compute it).
    """

    @staticmethod
    def forward(ctx, projected, w_hh, h0, c0):
        M, B, T, four = projected.shape
        n = four // 4
        training = any(ctx.needs_input_grad)
        w_t = w_hh.transpose(1, 2)
        steps = projected.permute(2, 0, 1, 3).contiguous()  # time-major: every step's slices are contiguous
        hs = projected.new_empty(T, M, B, n)
        activated = projected.new_empty(T, M, B, four)  # σ(i), σ(f), σ(o), tanh(g)
        cells = projected.new_empty(T + 1, M, B, n)
        # for the backward pass: each gate's derivative (σ(1 − σ), 1 − tanh²), and o (1 − tanh² c), by which dh
        # reaches the cell
        slopes = projected.new_empty(T, M, B, four) if training else None
        through = projected.new_empty(T, M, B, n) if training else None
        cells[0] = c0
        h = h0
        for t in range(T):
            gates = torch.baddbmm(steps[t], h, w_t)
            a = activated[t]
            torch.sigmoid(gates[..., :3 * n], out=a[..., :3 * n])
            torch.tanh(gates[..., 3 * n:], out=a[..., 3 * n:])
            c = cells[t + 1]
            torch.mul(a[..., n:2 * n], cells[t], out=c)
            c.addcmul_(a[..., :n], a[..., 3 * n:])
            h = hs[t]
            tanh_c = torch.tanh(c)
            torch.mul(a[..., 2 * n:3 * n], tanh_c, out=h)
            if training:
                slope = slopes[t]
                torch.mul(a, a, out=slope)
                torch.sub(a[..., :3 * n], slope[..., :3 * n], out=slope[..., :3 * n])  # σ − σ²
                slope[..., 3 * n:].neg_().add_(1)  # 1 − tanh²
                torch.addcmul(a[..., 2 * n:3 * n], a[..., 2 * n:3 * n] * tanh_c, tanh_c, value=-1, out=through[t])
        if training:
            ctx.save_for_backward(w_hh, h0, hs, activated, cells, slopes, through)
        return hs.permute(1, 2, 0, 3), h.clone(), cells[T].clone()

    @staticmethod
    def backward(ctx, grad_hs, grad_h, grad_c):
        w_hh, h0, hs, activated, cells, slopes, through = ctx.saved_tensors
        T, M, B, n = hs.shape
        grad_gates = activated.new_empty(T, M, B, 4 * n)
        grad_steps = None if grad_hs is None else grad_hs.permute(2, 0, 1, 3)
        dh = torch.zeros_like(h0) if grad_h is None else grad_h.clone()
        dc = torch.zeros_like(h0) if grad_c is None else grad_c.clone()
        for t in reversed(range(T)):
            if grad_steps is not None:
                dh += grad_steps[t]
            a = activated[t]
            dc.addcmul_(dh, through[t])
            d = grad_gates[t]
            torch.mul(dc, a[..., 3 * n:], out=d[..., :n])  # ∂c/∂i = g
            torch.mul(dc, cells[t], out=d[..., n:2 * n])  # ∂c/∂f = c_{t−1}
            torch.mul(dh, torch.tanh(cells[t + 1]), out=d[..., 2 * n:3 * n])  # ∂h/∂o = tanh c
            torch.mul(dc, a[..., :n], out=d[..., 3 * n:])  # ∂c/∂g = i
            d.mul_(slopes[t])
            dc = dc * a[..., n:2 * n]
            dh = torch.bmm(d, w_hh)
        previous = torch.cat([h0[None], hs[:-1]])  # h_{t-1} of every step, (T, M, B, n)
        grad_w = torch.bmm(grad_gates.transpose(0, 1).reshape(M, T * B, 4 * n).transpose(1, 2),
                           previous.transpose(0, 1).reshape(M, T * B, n))
        return grad_gates.permute(1, 2, 0, 3), grad_w, dh, dc


def _per_member(inputs: torch.Tensor, indices: list[torch.Tensor] | None, M: int) -> torch.Tensor:
    """(M, B, …): each member's batch, from one index list per member, or the same batch for all."""
    if indices is None:
        return inputs.expand(M, *inputs.shape)
    return torch.stack([inputs[i] for i in indices])


def _member_losses(head: str, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return torch.stack([loss_function(head, outputs[m], targets[m]) for m in range(len(outputs))])


@torch.no_grad()
def ensemble_losses(models: Sequence[SequenceModel], data: SequenceData, batch_size: int = 256) -> list[float]:
    """Each model's mean loss over ``data``, as :func:`~lstmdyn.training.evaluate` computes it, the models
    evaluated together (in evaluation mode: no dropout).

    Examples
    --------
    >>> from lstmdyn.training import evaluate
    >>> data = SequenceData(torch.randn(8, 4, 2), torch.randint(0, 2, (8,)))
    >>> models = [SequenceModel(2, 3, 2, "class") for _ in range(2)]
    >>> together = ensemble_losses(models, data)
    >>> all(abs(a - evaluate(m, data)) < 1e-6 for a, m in zip(together, models))
    True
    """
    shape_of(models)
    params = {k: v.detach() for k, v in _stack(models).items()}
    return _evaluate(params, models[0], data, len(models), batch_size)


def _evaluate(params: dict[str, torch.Tensor], model: SequenceModel, data: SequenceData, M: int,
              batch_size: int) -> list[float]:
    device = params["readout.weight"].device
    totals, count, state = [0.0] * M, 0, None
    with torch.no_grad():
        for x, y in data.batches(batch_size, None):
            outputs, state = _forward(params, model, _per_member(x.to(device), None, M),
                                      state if data.stream else None, [0.0] * M, [0.0] * M, None)
            losses = _member_losses(model.head, outputs, _per_member(y.to(device), None, M))
            totals = [t + float(v) * len(x) for t, v in zip(totals, losses.tolist(), strict=True)]
            count += len(x)
    return [t / count for t in totals]


# --------------------------------------------------------------------------------------------------
# The optimisers, as torch.optim computes them on a CPU, with a learning rate per member


def _clip(grads: list[torch.Tensor], clips: Sequence[float | None]) -> torch.Tensor:
    """Each member's gradient norm before clipping, (M,); each member's gradients clipped to its own threshold
    as ``nn.utils.clip_grad_norm_`` clips them."""
    per_parameter = torch.stack([torch.linalg.vector_norm(g.reshape(len(g), -1), dim=1) for g in grads])
    norms = torch.linalg.vector_norm(per_parameter, dim=0)
    if any(c is not None for c in clips):
        limit = torch.tensor([math.inf if c is None else c for c in clips], dtype=norms.dtype, device=norms.device)
        factor = torch.clamp(limit / (norms + 1e-6), max=1.0)
        for g in grads:
            g.mul_(factor.view(-1, *[1] * (g.dim() - 1)))
    return norms


def _column(values: Sequence[float], like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(list(values), dtype=like.dtype, device=like.device).view(-1, *[1] * (like.dim() - 1))


def _update(params: list[torch.Tensor], grads: list[torch.Tensor], moments: list[tuple[torch.Tensor, torch.Tensor]],
            optimizer: str, rates: list[float], steps: list[int], members: list[int]) -> None:
    """One optimiser step for ``members`` (indices), each with its learning rate and its step count (Adam)."""
    everyone = len(members) == len(params[0])
    index = None if everyone else torch.tensor(members, device=params[0].device)
    for p, g, (m1, m2) in zip(params, grads, moments, strict=True):
        pick = (lambda t: t) if everyone else (lambda t, i=index: t[i])
        param, grad = pick(p.data), pick(g)
        if optimizer == "sgd":
            param = param.addcmul_(grad, _column([-r for r in rates], param)) if everyone else \
                param.addcmul(grad, _column([-r for r in rates], param))
        else:
            exp_avg, exp_avg_sq = pick(m1), pick(m2)
            exp_avg.lerp_(grad, 1 - ADAM_BETAS[0])
            exp_avg_sq.mul_(ADAM_BETAS[1]).addcmul_(grad, grad, value=1 - ADAM_BETAS[1])
            step_sizes = [r / (1 - ADAM_BETAS[0] ** s) for r, s in zip(rates, steps, strict=True)]
            roots = [(1 - ADAM_BETAS[1] ** s) ** 0.5 for s in steps]
            denom = (exp_avg_sq.sqrt() / _column(roots, param)).add_(ADAM_EPS)
            param = param.addcdiv_(exp_avg * _column([-s for s in step_sizes], param), denom) if everyone else \
                param.addcdiv(exp_avg * _column([-s for s in step_sizes], param), denom)
            if not everyone:
                m1[index], m2[index] = exp_avg, exp_avg_sq
        if not everyone:
            p.data[index] = param


# --------------------------------------------------------------------------------------------------
# Checkpoints in train's format


def _optimizer_state(model: SequenceModel, config: TrainingConfig, moments, member: int, step: int, lr: float) -> dict:
    parameters = list(model.parameters())
    template = (torch.optim.Adam(parameters, lr=lr) if config.optimizer == "adam"
                else torch.optim.SGD(parameters, lr=lr)).state_dict()
    if config.optimizer == "adam" and step:
        order = _gate_order(model.recurrent.hidden_size)
        names = [name for name, _ in model.named_parameters()]
        template["state"] = {
            k: {"step": torch.tensor(float(step)),
                **{key: (m[member][order] if names[k].startswith("recurrent.") else m[member]).clone()
                   for key, m in zip(("exp_avg", "exp_avg_sq"), moments[k], strict=True)}}
            for k in range(len(names))}
    return template


def _restore_moments(saved: dict, model: SequenceModel) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    state = saved["optimizer"]["state"]
    if not state:
        return None
    order = _gate_order(model.recurrent.hidden_size)
    names = [name for name, _ in model.named_parameters()]
    return [tuple(state[k][key][order] if names[k].startswith("recurrent.") else state[k][key]
                  for key in ("exp_avg", "exp_avg_sq")) for k in range(len(names))]


# --------------------------------------------------------------------------------------------------


def train_ensemble(models: Sequence[SequenceModel], data: SequenceData, configs: Sequence[TrainingConfig], *,
                   valid: SequenceData | None = None, checkpoint_dirs: Sequence[Path | str] | None = None,
                   on_checkpoint: Callable[[int, dict[int, SequenceModel], dict[int, Path | None]], set[int] | None]
                   | None = None,
                   resume_from: Sequence[Path | str | None] | None = None, progress: bool = True,
                   checkpoint_at_start: bool = False) -> list[MemberResult]:
    """Train ``models[m]`` with ``configs[m]`` on ``data``, all together; each member's :class:`TrainingResult`.

    Parameters
    ----------
    models : sequence of SequenceModel
        One shape (:func:`shape_of`); each is (re)initialised from its config, as :func:`train` does, and holds the
        member's trained weights at the end. The dropout rate is each model's own.
    data : SequenceData
        The training data, shared; each member draws its own batch order from its seed.
    configs : sequence of TrainingConfig
        One per member; they must agree on :data:`SHARED_SETTINGS`. ``epochs`` may differ: a member stops after its
        own.
    valid : SequenceData, optional
        Validation loss of each member at every checkpoint.
    checkpoint_dirs : sequence of paths, optional
        One folder per member for its checkpoints, in :func:`train`'s format (``step_<step>.pt``).
    on_checkpoint : callable, optional
        ``on_checkpoint(step, models, paths)`` at every checkpoint, with the members still training (index →
        a :class:`SequenceModel` holding its weights, and index → its checkpoint path); it returns the indices of
        members to stop there (trained to their best), or None.
    resume_from : sequence of paths or None, optional
        Per member, a checkpoint to resume from (written by this function or by :func:`train`) or None to start
        afresh; every member resumed must be at the same step, and a member that starts afresh is then at 0.
    progress, checkpoint_at_start
        As in :func:`train`.

    Returns
    -------
    list of MemberResult
        Per member; a member stopped by a non-finite loss or gradient has the :class:`TrainingError` message in its
        ``error`` and the weights of its last good step.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> x = torch.randn(64, 5, 1)
    >>> data = SequenceData(x, (x.sum((1, 2)) > 0).long())
    >>> models = [SequenceModel(1, 8, 2, "class") for _ in range(3)]
    >>> configs = [TrainingConfig(epochs=30, batch_size=16, lr=lr, seed=s, device="cpu")
    ...            for s, lr in enumerate((1e-2, 3e-3, 1e-3))]
    >>> results = train_ensemble(models, data, configs, progress=False)
    >>> [r.losses[-1][1] < r.losses[0][1] for r in results], [r.error for r in results]
    ([True, True, True], ['', '', ''])
    """
    start_time = time.perf_counter()
    run = _Ensemble.start(models, data, configs, checkpoint_dirs, resume_from)
    shared, per_epoch, epochs = configs[0], data.count(configs[0].batch_size), max(c.epochs for c in configs)

    def checkpoint(epoch: int, position: int, members: list[int]) -> None:
        for m in run.checkpoint(epoch, position, members, valid, on_checkpoint):
            run.active.remove(m)

    if checkpoint_at_start and not any(resume_from or ()):
        checkpoint(0, 0, list(run.active))
    bar = tqdm(total=epochs * per_epoch, initial=run.step, disable=not progress, desc=f"training {len(models)}",
               unit="step", leave=False)
    for epoch in range(run.first_epoch, epochs):
        if not run.active:
            break
        for m in run.active:
            run.results[m].learning_rates.append((epoch, configs[m].learning_rate(epoch)))
        orders = [torch.randperm(len(data.inputs), generator=torch.Generator().manual_seed(c.seed * 100_003 + epoch))
                  for c in configs] if not data.stream else None
        same = orders is None or all(torch.equal(o, orders[0]) for o in orders[1:])
        for position in range(run.skip, per_epoch):
            if not run.gradient_step(*run.batch(position, orders, same), epoch, position):
                break
            bar.update()
            if shared.checkpoint_every and run.step % shared.checkpoint_every == 0:
                checkpoint(epoch, position + 1, list(run.active))
                if not run.active:
                    break
        run.skip, run.carry = 0, None
        ending = [m for m in run.active if configs[m].epochs == epoch + 1]
        unaligned = [m for m in ending if not (shared.checkpoint_every and run.step % shared.checkpoint_every == 0)]
        if unaligned:  # the end of a member's training: its last checkpoint, as train writes it
            run.checkpoint(epoch + 1, 0, unaligned, valid, on_checkpoint)
        for m in ending:
            run.active.remove(m)
    bar.close()
    for m, result in enumerate(run.results):
        run.member_model(m)
        result.seconds = time.perf_counter() - start_time
    return run.results


@dataclass
class _Ensemble:
    """The members of :func:`train_ensemble` between two steps: their stacked weights and optimiser moments, their
    random streams, curves and checkpoints, and where the training is (what their checkpoints hold)."""

    models: list[SequenceModel]
    data: SequenceData
    configs: list[TrainingConfig]
    directories: list[Path] | None
    device: torch.device
    streams: list[torch.Generator]  #: each member's stream (train's global one), which its checkpoints hold
    generators: list[torch.Generator]  #: each member's dropout masks: its stream, or a device generator from it
    results: list[MemberResult]
    params: dict[str, torch.Tensor]  #: stacked on a leading member axis (gate rows i, f, o, g)
    moments: list[tuple[torch.Tensor, torch.Tensor]]  #: Adam's first and second moments, per stacked parameter
    active: list[int]  #: the members still training
    last_checkpoint: list[Path | None]
    step: int = 0
    first_epoch: int = 0
    skip: int = 0
    carry: tuple[torch.Tensor, ...] | None = None

    @classmethod
    def start(cls, models: Sequence[SequenceModel], data: SequenceData, configs: Sequence[TrainingConfig],
              checkpoint_dirs: Sequence[Path | str] | None, resume_from: Sequence[Path | str | None] | None
              ) -> _Ensemble:
        """The members checked, (re)initialised as :func:`train` does and, where ``resume_from`` names their
        checkpoints, restored from them (every member resumed at one step)."""
        shape_of(models)
        M = len(models)
        if len(configs) != M:
            raise EnsembleShapeError(f"{M} networks but {len(configs)} training configurations")
        for name in SHARED_SETTINGS:
            values = {getattr(c, name) for c in configs}
            if len(values) > 1:
                raise EnsembleShapeError(f"the members of an ensemble must share {name}, got "
                                         f"{sorted(map(str, values))}")
        device = configs[0].resolved_device()
        resume_from = list(resume_from) if resume_from is not None else [None] * M
        directories = [Path(d) for d in checkpoint_dirs] if checkpoint_dirs is not None else None
        for d in directories or []:
            d.mkdir(parents=True, exist_ok=True)
        streams, generators = [], []
        for model, config in zip(models, configs, strict=True):  # train's initialisation, then its random stream
            _initialise(model, config)
            model.to(device).train()
            stream = torch.Generator()
            stream.set_state(torch.get_rng_state())
            streams.append(stream)
            # on a CPU the dropout masks continue the member's own stream; elsewhere a device generator seeded
            # from it
            generators.append(stream if device.type == "cpu" else torch.Generator(device=device).manual_seed(
                int(torch.randint(2 ** 62, (1,), generator=stream))))
        results = [MemberResult(model) for model in models]
        saved = [None if path is None else load_checkpoint(path, device) for path in resume_from]
        positions = {(s["step"], s["epoch"], s["position"]) for s in saved if s is not None}
        if len(positions) > 1 or (positions and any(s is None for s in saved)):
            raise EnsembleShapeError(f"the members of an ensemble resume from one step, got {sorted(positions)} "
                                     f"and {sum(s is None for s in saved)} starting afresh")
        moments_saved = []
        for m, s in enumerate(saved):
            if s is not None:
                models[m].load_state_dict(s["model"])
                streams[m].set_state(s["rng"].cpu())
                if "device_rng" in s and generators[m] is not streams[m]:
                    generators[m].set_state(s["device_rng"].cpu())
                results[m].losses, results[m].validation = s["losses"], s["validation"]
                results[m].gradient_norms = s["gradient_norms"]
                moments_saved.append(_restore_moments(s, models[m]))
        params = _stack(models)
        if moments_saved and moments_saved[0] is not None:
            moments = [tuple(torch.stack([ms[k][j] for ms in moments_saved]) for j in range(2))
                       for k in range(len(params))]
        else:
            moments = [(torch.zeros_like(t), torch.zeros_like(t)) for t in params.values()]
        step, first_epoch, skip = next(iter(positions)) if positions else (0, 0, 0)
        carry = None
        if any(s is not None and s["carry"] is not None for s in saved):
            carry = tuple(torch.stack([s["carry"][j] for s in saved], 1) for j in range(2))
        active = [m for m in range(M) if step < configs[m].epochs * data.count(configs[0].batch_size)]
        return cls(list(models), data, list(configs), directories, device, streams, generators, results, params,
                   moments, active, [Path(p) if p is not None else None for p in resume_from], step, first_epoch,
                   skip, carry)

    def member_model(self, m: int) -> SequenceModel:
        """Member ``m``'s model, holding its current weights."""
        return _unstack(self.params, m, self.models[m])

    def batch(self, position: int, orders: list[torch.Tensor] | None, same: bool
              ) -> tuple[torch.Tensor, torch.Tensor]:
        """The inputs and targets of batch ``position`` of every member, on a leading member axis: each member's
        own samples in its epoch's ``orders``, one gather where they are all the ``same``; a stream's window is
        every member's."""
        data, size, M = self.data, self.configs[0].batch_size, len(self.models)
        if orders is None:
            x, y, indices = data.inputs[position], data.targets[position], None
        else:
            indices = [o[position * size:(position + 1) * size] for o in orders]
            x = data.inputs[indices[0]] if same else data.inputs
            y = data.targets[indices[0]] if same else data.targets
            indices = None if same else indices
        return tuple(_per_member(t.to(self.device), indices, M) for t in (x, y))

    def gradient_step(self, xs: torch.Tensor, ys: torch.Tensor, epoch: int, position: int) -> bool:
        """One step of every active member on its batch; a member whose loss or gradient is not finite stops
        alone. Returns whether any member goes on."""
        head, shared = self.models[0], self.configs[0]
        outputs, state = _forward(self.params, head, xs, self.carry if self.data.stream else None,
                                  [m.dropout.p for m in self.models], [m.recurrent.dropout for m in self.models],
                                  self.generators)
        if self.data.stream:
            self.carry = tuple(s.detach() for s in state)
        losses = _member_losses(head.head, outputs, ys)
        values = losses.detach().tolist()
        if not self._stop_where_not_finite("loss", values, epoch, position):
            return False
        factor = outputs.shape[2] if shared.sequence_loss == "sum" and outputs.dim() > 3 else 1
        objective = losses[self.active].sum() * factor
        tensors = list(self.params.values())
        for t in tensors:
            t.grad = None
        objective.backward()
        grads = [t.grad for t in tensors]
        norms = _clip(grads, [c.clip for c in self.configs]).tolist()
        if not self._stop_where_not_finite("gradient", norms, epoch, position):
            return False
        self.step += 1
        with torch.no_grad():
            _update(tensors, grads, self.moments, shared.optimizer,
                    [self.configs[m].learning_rate(epoch) for m in self.active], [self.step] * len(self.active),
                    list(self.active))
        for m in self.active:
            self.results[m].losses.append((self.step, values[m]))
            self.results[m].gradient_norms.append(norms[m])
        return True

    def _stop_where_not_finite(self, what: str, values: list[float], epoch: int, position: int) -> bool:
        """Stop each member whose ``values[m]`` is not finite, with train's message; whether any go on."""
        for m in [m for m in self.active if not math.isfinite(values[m])]:
            self.results[m].error = (f"non-finite {what} at step {self.step + 1} (epoch {epoch}, batch {position}); "
                                     f"last good checkpoint: {self.last_checkpoint[m] or 'none written'}")
            self.active.remove(m)
        return bool(self.active)

    def checkpoint(self, epoch: int, position: int, members: list[int], valid: SequenceData | None,
                   on_checkpoint: Callable | None) -> set[int]:
        """At the current step, for ``members``: the validation loss, a checkpoint in train's format (``epoch`` and
        ``position`` say where the next step starts) and ``on_checkpoint``; returns the members it stops."""
        paths: dict[int, Path | None] = {}
        if valid is not None:
            losses = _evaluate({k: v.detach() for k, v in self.params.items()}, self.models[0], valid,
                               len(self.models), 256)
            for m in members:
                self.results[m].validation.append((self.step, losses[m]))
        for m in members:
            paths[m] = None
            if self.directories is not None:
                paths[m] = self._write_checkpoint(m, epoch, position)
        if on_checkpoint is None or not members:
            return set()
        return set(on_checkpoint(self.step, {m: self.member_model(m) for m in members}, paths) or ())

    def _write_checkpoint(self, m: int, epoch: int, position: int) -> Path:
        """Member ``m``'s checkpoint file, as :func:`train` writes it (and its device generator's state)."""
        model, config = self.member_model(m), self.configs[m]
        path = self.directories[m] / f"step_{self.step:07d}.pt"
        carry = None if self.carry is None else tuple(s[:, m].detach() for s in self.carry)
        optimizer = _optimizer_state(model, config, self.moments, m, self.step,
                                     config.learning_rate(min(epoch, config.epochs - 1)))
        payload = checkpoint_payload(model, optimizer, self.streams[m].get_state(), step=self.step, epoch=epoch,
                                     position=position, carry=carry, result=self.results[m], config=config)
        if self.generators[m] is not self.streams[m]:
            payload["device_rng"] = self.generators[m].get_state()
        write_atomically(path, lambda p: torch.save(payload, p))
        self.results[m].checkpoints.append(path)
        self.last_checkpoint[m] = path
        return path
