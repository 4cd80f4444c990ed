"""Shared fixtures. The real data sets are read from ../shared/data unless LSTMDYN_DATA says otherwise. The tests
run on one thread (the conftest.py at the top of the checkout); a test that needs another count sets it, and the
fixture below puts it back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lstmdyn.book.runner import Project

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
if "LSTMDYN_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["LSTMDYN_DATA"] = str(SHARED_DATA)


def copy_project(destination: Path) -> Path:
    """A copy of the book's sources (no environment, build or generated output) at ``destination``."""
    return Project(ROOT).copy_sources(destination).root


def lstmdyn(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m lstmdyn ARGS`` in ``cwd`` with the test's interpreter."""
    return subprocess.run([sys.executable, "-m", "lstmdyn", *args], cwd=cwd, capture_output=True,
                          text=True)


@pytest.fixture(autouse=True)
def _process_settings_restored():
    """A test that changes PyTorch's thread count, default dtype or random state leaves the next test as it found
    it: no test depends on the order the tests run in."""
    import torch

    threads, dtype, rng = torch.get_num_threads(), torch.get_default_dtype(), torch.get_rng_state()
    yield
    torch.set_num_threads(threads)
    torch.set_default_dtype(dtype)
    torch.set_rng_state(rng)


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory, request) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project in which ``python -m lstmdyn book --profile smoke`` has run once (said on the terminal
    before it starts: the tests wait for it silently)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("building the whole book at the smoke profile once, for the tests that read it "
                            "(several minutes) ...")
    project = copy_project(tmp_path_factory.mktemp("book") / "project")
    return project, lstmdyn("book", "--profile", "smoke", cwd=project)
