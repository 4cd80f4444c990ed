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
    assert "lstmdyn = lstmdyn.cli:console" in zipfile.ZipFile(wheel).read(entry_points).decode()


#: the top-level packages of the book extra (and what they bring), made unimportable in an environment "without it"
#: (PyYAML stays: Dask needs it too)
BOOK_EXTRA = ("jupytext", "papermill", "nbformat", "nbclient", "myst_nb", "jupyter_book", "ipykernel", "sphinx", "zmq")
BLOCKER = f"""import importlib.abc, sys


class _WithoutTheBookExtra(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BOOK_EXTRA!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)


sys.meta_path.insert(0, _WithoutTheBookExtra())
"""


def fresh_environment(wheel: Path, root: Path, *, book_extra: bool = True) -> Path:
    """A virtual environment at ``root/venv`` with the wheel installed; its dependencies (torch, numpy, ...) are
    borrowed from this environment rather than installed again, and without ``book_extra`` the book's packages
    cannot be imported there. Returns its interpreter."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if not book_extra:
        (site / "without_the_book_extra.py").write_text(BLOCKER)
        (site / "aaa_without_the_book_extra.pth").write_text("import without_the_book_extra\n")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing of the checkout on the path
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, env=clean)
    return python


def environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "LSTMDYN_DATA": os.environ.get("LSTMDYN_DATA", str(SHARED_DATA)), "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    return env


@pytest.mark.skipif(not SHARED_DATA.is_dir() and "LSTMDYN_DATA" not in os.environ, reason="no local data")
def test_a_fresh_environment_outside_the_checkout_loads_a_data_set(wheel, tmp_path):
    python = fresh_environment(wheel, tmp_path)
    venv = python.parents[1]
    script = ("import lstmdyn\n"
              "from lstmdyn.data.registry import REGISTRY, DataRegistry\n"
              "from lstmdyn.data import load_mnist_rows\n"
              "data, info = load_mnist_rows()\n"
              "print(lstmdyn.__file__, REGISTRY, DataRegistry().cache, tuple(data['train_x'].shape), sep='\\n')\n")
    out = subprocess.run([python, "-c", script], cwd=tmp_path, env=environment(tmp_path), capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    package, registry, cache, shape = out.stdout.split("\n")[:4]
    assert package.startswith(str(venv)) and registry.startswith(str(venv))  # not the checkout's copy
    assert not cache.startswith(str(ROOT)) and "lstmdyn" in cache  # the user cache, not data/cache
    assert shape == "(100, 28, 28)"


@pytest.mark.skipif(not SHARED_DATA.is_dir() and "LSTMDYN_DATA" not in os.environ, reason="no local data")
def test_without_the_book_extra_a_sweep_and_a_benchmark_run_and_a_book_verb_names_the_extra(wheel, tmp_path):
    python = fresh_environment(wheel, tmp_path, book_extra=False)
    env = environment(tmp_path)
    blocked = subprocess.run([python, "-c", "import jupytext"], env=env, capture_output=True, text=True)
    assert blocked.returncode != 0 and "No module named 'jupytext'" in blocked.stderr  # the extra is really absent
    lstmdyn = python.parent / "lstmdyn"
    sweep = subprocess.run([lstmdyn, "sweep", "charrnn", "--profile", "smoke", "--results", str(tmp_path / "results"),
                            "--workers", "1", "--device", "cpu"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert sweep.returncode == 0, sweep.stderr[-2000:]
    assert "charrnn (smoke): 4 members, 4 finished" in sweep.stdout
    help_text = subprocess.run([python, ROOT / "benchmarks" / "lyapunov.py", "--help"], cwd=tmp_path, env=env,
                               capture_output=True, text=True)
    assert help_text.returncode == 0 and "--device" in help_text.stdout, help_text.stderr
    book = subprocess.run([lstmdyn, "run", "lstm_model"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert book.returncode == 2
    assert book.stderr.strip().splitlines() == [
        "error: lstmdyn run needs the book extra (jupytext is missing): pip install 'lstmdyn[book]'"]
