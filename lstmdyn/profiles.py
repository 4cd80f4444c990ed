"""The parameter profiles of the chapters, in one table that the command line, the sweeps and the book read.

- ``smoke``: seconds per notebook; the tests execute every notebook with it.
- ``quick``: minutes; the website that ``make book`` builds. These are also the defaults written in each notebook's
  ``parameters`` cell, so that a notebook opened by hand runs in reasonable time (a test holds the two equal).
- ``paper``: the sizes of the papers, for readers with time or a GPU.

Plain data, importable without the book's extra. For each notebook: every parameter's ``quick`` value, the
overrides of ``smoke`` and ``paper``, the admissible range of numeric parameters (inclusive; ``None`` for no bound)
and the admissible values of string parameters. Every edge of a range gives a page
(``tests/test_parameter_edges.py`` runs them); a range ends where a value would stop meaning what its parameter
says (a learning rate of 0 trains nothing, weights of 0 have no dynamics to measure, a forget bias of 20 on the
published PTB network saturates its forget gate into a map with no isolated equilibrium), not where the book would
rather not look.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PROFILES = ("smoke", "quick", "paper")
SEED_MAX = 2**32 - 1  #: the largest seed: numpy and PyTorch take every seed up to it


@dataclass(frozen=True)
class NotebookSpec:
    """Profiles and admissible values for the parameters of one notebook."""

    smoke: Mapping[str, Any]
    paper: Mapping[str, Any]
    #: every parameter's value at the quick profile: the defaults of the notebook's parameters cell
    quick: Mapping[str, Any] = field(default_factory=dict)
    limits: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reads: tuple[str, ...] = ()  #: files it reads (glob patterns from the project root), in its cache key
    #: groups of count parameters of which at least one must be above 0 (else the chapter has nothing to run)
    at_least_one: tuple[tuple[str, ...], ...] = ()

    def profile(self, name: str) -> Mapping[str, Any]:
        """What profile ``name`` sets: the overrides of ``smoke`` or ``paper``, or the ``quick`` values."""
        return {"smoke": self.smoke, "quick": self.quick, "paper": self.paper}[name]

    def values(self, name: str) -> dict[str, Any]:
        """Every parameter's value at profile ``name``: the quick values and the profile's overrides.

        Examples
        --------
        >>> spec = NotebookSpec(smoke={"n": 4}, quick={"n": 64, "seed": 0}, paper={})
        >>> spec.values("smoke"), spec.values("paper")
        ({'n': 4, 'seed': 0}, {'n': 64, 'seed': 0})
        """
        return {**self.quick, **self.profile(name)}


NOTEBOOKS: dict[str, NotebookSpec] = {
    "lstm_model": NotebookSpec(
        smoke={"n": 16, "T": 40, "seeds": 2, "T_check": 5},
        quick={"seed": 0, "n": 64, "T": 100, "spectral_radii": [0.9, 1.0, 1.1],
               "scalar_weights": [-1.0, 0.5, 0.9, 1.0, 1.1, 2.0], "gains": [0.5, 1.0, 2.0, 4.0],
               "forget_biases": [-2.0, 0.0, 2.0, 5.0], "seeds": 5, "T_check": 50},
        paper={"n": 128, "T": 300, "seeds": 20, "T_check": 200},
        limits={"n": (2, 2048), "T": (10, 100_000), "seeds": (1, 1000), "seed": (0, SEED_MAX),
                "T_check": (1, 10_000), "spectral_radii": (0.01, 10.0), "gains": (0.01, 10.0),
                "forget_biases": (-20.0, 20.0), "scalar_weights": (-10.0, 10.0)},
    ),
    "equilibria": NotebookSpec(
        smoke={"n": 10, "sizes": [4], "scales": [4.0], "networks": 3, "max_steps": 500, "starts": 2,
               "forget_biases": [0.0]},
        quick={"seed": 0, "n": 50, "scale": 1.0, "sizes": [4, 10, 30], "scales": [2.0, 4.0, 6.0], "networks": 12,
               "max_steps": 2000, "starts": 6, "forget_biases": [0.0, 1.0]},
        paper={"n": 200, "sizes": [4, 10, 30, 100], "networks": 50, "max_steps": 5000, "starts": 20},
        limits={"seed": (0, SEED_MAX), "n": (1, 2000), "scale": (0.0, 100.0), "sizes": (1, 1000),
                "scales": (0.0, 100.0), "networks": (1, 10_000), "max_steps": (10, 1_000_000),
                "starts": (1, 1000), "forget_biases": (-2.0, 2.0)},
    ),
    "datasets": NotebookSpec(
        smoke={"mnist_epochs": 2, "ptb_windows": 10, "nottingham_samples": 64, "nottingham_epochs": 1,
               "char_hidden": 16, "char_samples": 200, "mocap_epochs": 1, "validations": 2},
        quick={"seed": 0, "mnist_epochs": 30, "ptb_windows": 1000, "nottingham_samples": 3177, "nottingham_epochs": 10,
               "char_hidden": 128, "char_samples": 12000, "mocap_epochs": 10, "validations": 5},
        paper={"mnist_epochs": 200, "ptb_windows": 2323, "nottingham_samples": 3177, "nottingham_epochs": 20,
               "char_hidden": 512, "char_samples": 25618, "mocap_epochs": 50},
        limits={"seed": (0, SEED_MAX), "mnist_epochs": (1, 100_000), "ptb_windows": (1, 2323),
                "nottingham_samples": (1, 3177), "nottingham_epochs": (1, 10_000), "char_hidden": (1, 4096),
                "char_samples": (1, 25618), "mocap_epochs": (1, 100_000), "validations": (1, 1000)},
    ),
    "learning_to_remember": NotebookSpec(
        smoke={"seeds": 1, "hidden": 8, "epochs": 50, "learning_rates": [0.3, 30.0], "reber_strings": 64,
               "reber_epochs": 2, "test_strings": 32},
        quick={"seed": 0, "seeds": 3, "hidden": 16, "epochs": 1000, "learning_rates": [0.03, 0.3, 3.0, 30.0],
               "clip": 0.1, "reber_strings": 1000, "reber_epochs": 30, "test_strings": 300, "reber_lr": 0.01},
        paper={"seeds": 10, "epochs": 3000, "reber_strings": 5000, "reber_epochs": 50, "test_strings": 1000},
        limits={"seed": (0, SEED_MAX), "seeds": (1, 1000), "hidden": (1, 1024), "epochs": (1, 1_000_000),
                "learning_rates": (1e-6, 1000.0), "clip": (1e-6, 1e6), "reber_strings": (2, 1_000_000),
                "reber_epochs": (1, 100_000), "test_strings": (2, 1_000_000), "reber_lr": (1e-6, 10.0)},
    ),
    "equilibria_training": NotebookSpec(
        smoke={"seeds": 1, "ptb_seeds": 1, "mnist_epochs": 3, "mnist_every": 10, "ptb_windows": 12, "ptb_every": 4,
               "notts_samples": 64, "notts_epochs": 2, "notts_every": 2, "validate_on": 20, "starts": 2,
               "cross_steps": 50, "sensitivity_seeds": 1},
        quick={"seed": 0, "seeds": 3, "ptb_seeds": 2, "mnist_epochs": 120, "mnist_every": 200, "ptb_windows": 2323,
               "ptb_epochs": 1, "ptb_every": 200, "notts_samples": 1600, "notts_epochs": 6, "notts_every": 25,
               "validate_on": 50, "starts": 6, "sensitivity_seeds": 3, "sgd_lr": 0.1, "cross_steps": 1000, "workers": 0,
               "group": 0},
        paper={"mnist_epochs": 1000, "mnist_every": 200, "ptb_windows": 2323, "ptb_epochs": 13, "ptb_every": 1000,
               "notts_samples": 3177, "notts_epochs": 20, "notts_every": 200, "validate_on": 1000, "starts": 20,
               "cross_steps": 5000, "seeds": 5, "ptb_seeds": 3, "sensitivity_seeds": 5},
        limits={"seed": (0, SEED_MAX), "seeds": (1, 100), "ptb_seeds": (1, 100), "workers": (0, 256),
                "group": (0, 256), "mnist_epochs": (1, 100_000), "mnist_every": (1, None),
                "ptb_windows": (1, 2323), "ptb_epochs": (1, 1000), "ptb_every": (1, None),
                "notts_samples": (1, 3177), "notts_epochs": (1, 10_000), "notts_every": (1, None),
                "validate_on": (1, None), "starts": (1, 1000), "cross_steps": (5, 1_000_000),
                "sensitivity_seeds": (1, 100), "sgd_lr": (1e-6, 100.0)},
    ),
    "lyapunov": NotebookSpec(
        smoke={"batch": 3, "T": 20, "n_rnn": 20, "gains": [0.5, 2.0, 4.0], "n": 12, "warmup": 20,
               "lengths": [10, 20], "qr_intervals": [1, 5], "cost_sizes": [32]},
        quick={"seed": 0, "batch": 10, "T": 100, "n_rnn": 100, "gains": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0], "n": 64,
               "init": 0.3, "warmup": 100, "lengths": [10, 25, 50, 100, 200, 400], "qr_intervals": [1, 5, 10, 20],
               "cost_sizes": [128, 256]},
        paper={"n_rnn": 200, "n": 512, "warmup": 500, "lengths": [10, 25, 50, 100, 200, 400, 1000],
               "cost_sizes": [128, 256, 512]},
        limits={"seed": (0, SEED_MAX), "batch": (2, 10_000), "T": (1, 1_000_000), "n_rnn": (2, 4096),
                "gains": (0.01, 100.0), "n": (2, 4096), "init": (0.01, 10.0), "warmup": (1, 1_000_000),
                "lengths": (1, 1_000_000), "qr_intervals": (1, 10_000), "cost_sizes": (2, 4096)},
    ),
    "lyapunov_experiments": NotebookSpec(
        smoke={"char_networks": 2, "char_named": 2, "char_hidden": 8, "char_epochs": 2, "char_samples": 200,
               "char_valid": 50, "char_init_values": 2, "mocap_values": 3, "mocap_named": 1, "mocap_hidden": 8,
               "mocap_epochs": 2, "mocap_patience": 1, "power_draws": 20},
        quick={"seed": 0, "char_networks": 4, "char_named": 6, "char_hidden": 128, "char_epochs": 6,
               "char_samples": 1600, "char_valid": 500, "char_population": "highlighted", "char_init_values": 4,
               "mocap_values": 4, "mocap_named": 6, "mocap_hidden": 64, "mocap_epochs": 30, "mocap_patience": 10,
               "epoch_dtype": "float64", "power_draws": 200, "scheduler": "", "device": "auto"},
        paper={"char_networks": 60, "char_hidden": 512, "char_epochs": 40, "char_samples": 25618, "char_valid": 3202,
               "char_init_values": 6, "mocap_values": 30, "mocap_hidden": 256, "mocap_epochs": 100,
               "char_population": "grid"},
        limits={"seed": (0, SEED_MAX), "char_networks": (0, 10_000), "char_named": (0, 6), "char_hidden": (1, 4096),
                "char_epochs": (1, 1000), "char_samples": (1, 25618), "char_valid": (1, 3202),
                "char_init_values": (0, 1000),
                "mocap_values": (0, 10_000), "mocap_named": (0, 6), "mocap_hidden": (1, 4096),
                "mocap_epochs": (1, 100_000), "mocap_patience": (0, 100_000), "power_draws": (1, 100_000)},
        choices={"device": ("auto", "cpu", "cuda"), "epoch_dtype": ("float64", "float32"),
                 "char_population": ("highlighted", "grid")},
        at_least_one=(("char_networks", "char_named", "char_init_values", "mocap_values", "mocap_named"),),
    ),
    "scorecard": NotebookSpec(smoke={}, quick={"results": ".", "kept": "../../paper"}, paper={}, reads=(*(
        f"book/generated/{chapter}.json"
        for chapter in ("equilibria", "equilibria_training", "lyapunov", "lyapunov_experiments")),
        "paper/*/*.json")),
    "performance": NotebookSpec(smoke={}, quick={"measurements": "../../benchmarks/results"}, paper={},
                                reads=("benchmarks/results/*.json",)),
}

#: The chapters with a paper profile: their runs at the papers' scale are kept (``paper/NAME/``) and shown on the site
PAPER_CHAPTERS = tuple(name for name, spec in NOTEBOOKS.items() if spec.paper)
