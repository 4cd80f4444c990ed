"""The set-up: pins in step between pyproject.toml and environment.yml; CI runs the README's command."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT


def test_environment_yml_mirrors_the_pins_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    pins = set(project["dependencies"]) | set(extras["book"]) | set(extras["dev"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip = next(d["pip"] for d in conda if isinstance(d, dict))
    assert set(pip) - {"--editable ."} == pins
    assert "python=3.11" in conda


def test_torch_is_pinned_to_the_cpu_wheel_release():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "torch==2.13.0" in project["dependencies"]
    assert any(d.startswith("jupyter-book") and "<2" in d for d in project["optional-dependencies"]["book"])


def test_the_engines_need_no_book_toolchain():
    """The science and the experiments import nothing of the book extra (``pip install lstmdyn`` suffices)."""
    book_only = {"yaml", "jupytext", "papermill", "ipykernel", "jupyter_book", "myst_nb", "nbformat", "IPython"}
    for path in (ROOT / "lstmdyn").rglob("*.py"):
        if "book" in path.relative_to(ROOT / "lstmdyn").parts or path.name == "__main__.py":
            continue  # the book machinery, and ``python -m lstmdyn``, its command line
        imported = set(re.findall(r"^\s*(?:from|import) ([A-Za-z_]+)", path.read_text(), re.M))
        assert not imported & book_only, path
        assert "lstmdyn.book" not in path.read_text(), path


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    test_command = next(line.split("#")[0].strip() for line in commands.splitlines() if "test" in line)
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd ", "export ", "command -v chromedriver"))]
    assert ci == [test_command]
