"""The package as a researcher installs it: a wheel built from the sources, installed into a fresh virtual
environment outside the checkout, reads a real data set through LSTMDYN_DATA."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA, copy_project


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    sources = copy_project(tmp_path_factory.mktemp("sources") / "lstmdyn")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(sources)], check=True, capture_output=True)
    return next(out.glob("lstmdyn-*.whl"))


def test_the_wheel_holds_every_subpackage_the_registry_and_the_console_script(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    packages = {str(Path(n).parent) for n in names if n.endswith("__init__.py")}
    expected = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "lstmdyn").rglob("__init__.py")}
    assert expected <= packages
    assert "lstmdyn/data/registry.toml" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "lstmdyn = lstmdyn.book.cli:console" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.skipif(not SHARED_DATA.is_dir() and "LSTMDYN_DATA" not in os.environ, reason="no local data")
def test_a_fresh_environment_outside_the_checkout_loads_a_data_set(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # the dependencies (torch, numpy, ...) are borrowed from this environment rather than installed again
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True)
    script = ("import lstmdyn\n"
              "from lstmdyn.data.registry import REGISTRY, DataRegistry\n"
              "from lstmdyn.data import load_mnist_rows\n"
              "data, info = load_mnist_rows()\n"
              "print(lstmdyn.__file__, REGISTRY, DataRegistry().cache, tuple(data['train_x'].shape), sep='\\n')\n")
    env = {**os.environ, "LSTMDYN_DATA": os.environ.get("LSTMDYN_DATA", str(SHARED_DATA)), "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    out = subprocess.run([python, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    package, registry, cache, shape = out.stdout.split("\n")[:4]
    assert package.startswith(str(venv)) and registry.startswith(str(venv))  # not the checkout's copy
    assert not cache.startswith(str(ROOT)) and "lstmdyn" in cache  # the user cache, not data/cache
    assert shape == "(100, 28, 28)"
