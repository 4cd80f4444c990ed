"""Every public function and class of the engines and the experiments documents itself with a runnable
example (the examples run as doctests)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import lstmdyn
import lstmdyn.experiments

ENGINES = ["lstmdyn.cells", "lstmdyn.continuation", "lstmdyn.equilibria", "lstmdyn.lyapunov", "lstmdyn.numpy_lstm",
           "lstmdyn.training", "lstmdyn.sweeps", "lstmdyn.records", "lstmdyn.data.weights"]
EXPERIMENTS = [m.name for m in pkgutil.iter_modules(lstmdyn.experiments.__path__, "lstmdyn.experiments.")]


@pytest.mark.parametrize("module", ENGINES + [m for m in EXPERIMENTS if m.split(".")[-1] in (
    "homotopies", "spectra", "outcomes", "claims_amrouche", "claims_vogt", "rank_correlation", "sweep_member",
    "sweep_tables", "both_tools", "scorecard")])
def test_every_public_function_and_class_has_a_runnable_example(module):
    m = importlib.import_module(module)
    missing = [name for name in m.__all__ if (inspect.isfunction(obj := getattr(m, name)) or inspect.isclass(obj))
               and obj.__module__ == module and ">>>" not in (obj.__doc__ or "")]
    assert not missing, f"{module}: no Examples section in {missing}"
