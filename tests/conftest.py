"""Shared fixtures. The real data sets are read from ../shared/data unless LSTMDYN_DATA says otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
if "LSTMDYN_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["LSTMDYN_DATA"] = str(SHARED_DATA)

_NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "_build", "generated", "cache", "__pycache__",
                                     ".pytest_cache", ".ruff_cache", "*.egg-info")


def copy_project(destination: Path) -> Path:
    """A copy of the book's sources (no environment, build or generated output) at ``destination``."""
    shutil.copytree(ROOT, destination, ignore=_NOT_COPIED)
    return destination


def lstmdyn(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m lstmdyn ARGS`` in ``cwd`` with the test's interpreter."""
    return subprocess.run([sys.executable, "-m", "lstmdyn", *args], cwd=cwd, capture_output=True,
                          text=True)


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project in which ``python -m lstmdyn book --profile smoke`` has run once."""
    project = copy_project(tmp_path_factory.mktemp("book") / "project")
    return project, lstmdyn("book", "--profile", "smoke", cwd=project)
