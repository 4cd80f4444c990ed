"""An LSTM written from scratch in numpy, trained by backpropagation through time (BPTT).

One LSTM layer (the equations of :mod:`lstmdyn.cells`; the previous output h enters all four gates) and a
read-out ``y_t = V h_t + d`` with either a softmax over symbols (one target symbol per step, cross-entropy)
or independent sigmoids over bits (binary cross-entropy). The loss is the mean over the T steps of the
sequence. :meth:`NumpyLSTM.gradients` runs the forward pass over the whole sequence and then
propagates the error back through every step of the unrolled network, accumulating the gradient of every
parameter; the backward recursion is written next to the forward equations it differentiates. Float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.special import expit, log_softmax, softmax

from lstmdyn.cells import LSTMParameters, tanh

__all__ = ["NumpyLSTM", "clip_by_norm", "global_norm"]

PARAMETERS = ("W", "U", "b", "V", "d")


@dataclass
class NumpyLSTM:
    """Parameters: ``W`` (4n, n), ``U`` (4n, m), ``b`` (4n,) in gate order i, f, g, o, and the read-out
    ``V`` (k, n), ``d`` (k,).

    Examples
    --------
    >>> net = NumpyLSTM.random(4, 2, 3, rng=np.random.default_rng(0))
    >>> xs, targets = np.eye(2)[[0, 1, 0]], np.array([1, 0, 2])
    >>> loss, grads = net.gradients(xs, targets)
    >>> bool(np.isclose(loss, net.loss(xs, targets))), grads["W"].shape
    (True, (16, 4))
    >>> net.sgd_step(xs, targets, lr=1.0) > net.loss(xs, targets)    # one step lowers the loss
    True
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    V: np.ndarray
    d: np.ndarray
    output: Literal["softmax", "sigmoid"] = "softmax"
    history: dict = field(default_factory=lambda: {"loss": [], "gradient_norm": [], "weight_norm": []})

    @classmethod
    def random(cls, n: int, m: int, k: int, *, rng: np.random.Generator, scale: float = 0.1,
               output: Literal["softmax", "sigmoid"] = "softmax") -> NumpyLSTM:
        """Weights uniform on ±scale, biases zero."""
        return cls(W=rng.uniform(-scale, scale, (4 * n, n)), U=rng.uniform(-scale, scale, (4 * n, m)),
                   b=np.zeros(4 * n), V=rng.uniform(-scale, scale, (k, n)), d=np.zeros(k), output=output)

    @property
    def n(self) -> int:
        return self.W.shape[1]

    def parameters(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in PARAMETERS}

    def forward(self, xs: np.ndarray) -> dict[str, np.ndarray]:
        """Run the sequence ``xs`` (T, m) from the zero state; returns states, gates and output logits."""
        run = LSTMParameters(W=self.W, b=self.b, U=self.U).run(xs)
        run["y"] = run["h"] @ self.V.T + self.d
        return run

    def loss(self, xs: np.ndarray, targets: np.ndarray) -> float:
        """Mean loss per step: cross-entropy against symbol indices, or binary cross-entropy against bits."""
        return self._loss_and_output_error(self.forward(xs)["y"], targets)[0]

    def _loss_and_output_error(self, y: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and ∂loss/∂y for logits ``y`` (T, k)."""
        T = len(y)
        if self.output == "softmax":
            loss = -log_softmax(y, axis=1)[np.arange(T), targets].mean()
            dy = softmax(y, axis=1)
            dy[np.arange(T), targets] -= 1.0
        else:  # −[t log σ(y) + (1 − t) log(1 − σ(y))] = log(1 + e^y) − t y, summed over the bits
            loss = np.sum(np.logaddexp(0, y) - targets * y) / T
            dy = expit(y) - targets
        return float(loss), dy / T

    def gradients(self, xs: np.ndarray, targets: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and its gradient with respect to every parameter, by BPTT over the whole sequence."""
        run = self.forward(xs)
        loss, dy = self._loss_and_output_error(run["y"], targets)
        T, n = len(xs), self.n
        grads = {name: np.zeros_like(value) for name, value in self.parameters().items()}
        grads["V"] = dy.T @ run["h"]  # y_t = V h_t + d
        grads["d"] = dy.sum(0)
        dh_next, dc_next = np.zeros(n), np.zeros(n)
        for t in reversed(range(T)):
            i, f, g, o, c = (run[k][t] for k in "ifgoc")
            c_prev = run["c"][t - 1] if t > 0 else np.zeros(n)
            h_prev = run["h"][t - 1] if t > 0 else np.zeros(n)
            dh = self.V.T @ dy[t] + dh_next  # h_t feeds the read-out and the next step
            tanh_c = tanh(c)
            do = dh * tanh_c  # h_t = o ⊙ tanh(c_t)
            dc = dc_next + dh * o * (1 - tanh_c**2)
            di, df, dg = dc * g, dc * c_prev, dc * i  # c_t = f ⊙ c_{t−1} + i ⊙ g
            da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)])
            grads["W"] += np.outer(da, h_prev)  # a_t = W h_{t−1} + U x_t + b
            grads["U"] += np.outer(da, xs[t])
            grads["b"] += da
            dh_next, dc_next = self.W.T @ da, dc * f
        return loss, grads

    def sgd_step(self, xs: np.ndarray, targets: np.ndarray, lr: float, clip: float | None = None) -> float:
        """One gradient-descent step on one sequence (gradient-norm clipping optional); records the loss,
        the gradient norm before clipping and the weight norm in :attr:`history`. Returns the loss."""
        loss, grads = self.gradients(xs, targets)
        norm = global_norm(grads)
        if clip is not None:
            grads = clip_by_norm(grads, clip)
        for name, grad in grads.items():
            setattr(self, name, getattr(self, name) - lr * grad)
        self.history["loss"].append(loss)
        self.history["gradient_norm"].append(norm)
        self.history["weight_norm"].append(global_norm(self.parameters()))
        return loss


def global_norm(arrays: dict[str, np.ndarray]) -> float:
    """The Euclidean norm of all arrays together.

    Examples
    --------
    >>> global_norm({"a": np.array([3.0]), "b": np.array([[4.0]])})
    5.0
    """
    return float(np.sqrt(sum(np.sum(a**2) for a in arrays.values())))


def clip_by_norm(grads: dict[str, np.ndarray], threshold: float) -> dict[str, np.ndarray]:
    """Gradients rescaled so that their global norm is at most ``threshold`` (Pascanu et al. 2013).

    Examples
    --------
    >>> clipped = clip_by_norm({"a": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    >>> global_norm(clipped), clipped["a"]
    (1.0, array([0.6]))
    """
    norm = global_norm(grads)
    return grads if norm <= threshold else {k: v * (threshold / norm) for k, v in grads.items()}
