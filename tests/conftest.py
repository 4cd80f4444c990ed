"""Shared fixtures. The real data sets are read from ../shared/data unless LSTMDYN_DATA says otherwise."""

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


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project in which ``python -m lstmdyn book --profile smoke`` has run once."""
    project = copy_project(tmp_path_factory.mktemp("book") / "project")
    return project, lstmdyn("book", "--profile", "smoke", cwd=project)
