"""What every test and every docstring example shares: one thread, and a known random state.

PyTorch and the BLAS libraries run on one thread unless the environment says otherwise (set before anything
imports torch): the tests' matrices are small, and on a machine that other jobs keep busy more threads make them
several times slower, not faster (benchmarks/threads.py). Every docstring example starts from the same random
state, so that none depends on which examples ran before it."""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded_examples(request):
    """A docstring example starts from seed 0 of PyTorch and of numpy's global generator."""
    if type(request.node).__name__ == "DoctestItem":
        import numpy as np
        import torch

        torch.manual_seed(0)
        np.random.seed(0)  # noqa: NPY002 - the global generator that examples may use
    yield
