"""The set-up: pins in step between pyproject.toml and environment.yml; CI runs the README's command."""

from __future__ import annotations

import ast
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


BOOK_ONLY = {"yaml", "jupytext", "papermill", "ipykernel", "jupyter_book", "myst_nb", "nbformat", "IPython"}


def _imports(path) -> set[str]:
    """The modules a file imports, in its code and in its runnable examples."""
    text = path.read_text()
    names = set(re.findall(r">>> (?:from|import) ([\w.]+)", text))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _layer(path) -> str:
    parts = path.relative_to(ROOT / "lstmdyn").parts
    if parts[0] in ("book", "experiments"):
        return parts[0]
    return "glue" if parts[-1] in ("cli.py", "__main__.py") else "science"


def test_the_science_imports_neither_the_experiments_nor_the_book_and_the_book_only_outcomes():
    """``pip install lstmdyn`` suffices for the science and the experiments; the book renders outcomes."""
    for path in (ROOT / "lstmdyn").rglob("*.py"):
        layer, imported = _layer(path), _imports(path)
        top = {name.split(".")[0] for name in imported}
        if layer == "science":
            assert not {n for n in imported if n.startswith(("lstmdyn.experiments", "lstmdyn.book"))}, path
        if layer in ("science", "experiments"):
            assert not top & BOOK_ONLY, path
            assert not {n for n in imported if n.startswith("lstmdyn.book")}, path
        if layer == "book":
            rendered = {n for n in imported if n.startswith("lstmdyn.experiments")}
            assert rendered <= {"lstmdyn.experiments.outcomes"}, path


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    test_command = next(line.split("#")[0].strip() for line in commands.splitlines() if "test" in line)
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd ", "export ", "command -v chromedriver"))]
    assert ci == [test_command]


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_imports(path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports in its code (not its examples), wherever the import stands:
    ``from lstmdyn.a import b`` names the module ``lstmdyn.a.b`` where there is one, else ``lstmdyn.a``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module in modules:
            found |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                      for alias in node.names}
    return found


def test_the_package_has_no_import_circle():
    """No module imports, directly or through others, a module that imports it (the command line's verbs once
    imported the command line's error class from the command line, which imports the verbs)."""
    paths = list((ROOT / "lstmdyn").rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph = {_module_name(path): _package_imports(path, modules) - {_module_name(path)} for path in paths}

    def circle_from(start: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            module, trail = stack.pop()
            for imported in graph[module]:
                if imported == start:
                    return [*trail, start]
                if imported not in seen:
                    seen.add(imported)
                    stack.append((imported, [*trail, imported]))
        return None

    circles = [circle for circle in map(circle_from, sorted(graph)) if circle]
    assert not circles, " ; ".join(" -> ".join(circle) for circle in circles)


def test_every_public_function_of_six_or_more_parameters_documents_them():
    """A numpydoc ``Parameters`` section for every public function (in its module's ``__all__``) that takes six or
    more parameters, naming each of them (``a, b : int`` names two)."""
    undocumented = []
    for path in sorted((ROOT / "lstmdyn").rglob("*.py")):
        tree = ast.parse(path.read_text())
        public = next((set(ast.literal_eval(node.value)) for node in tree.body if isinstance(node, ast.Assign)
                       and any(getattr(t, "id", None) == "__all__" for t in node.targets)), set())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name not in public:
                continue
            names = [a.arg for a in node.args.args + node.args.kwonlyargs]
            if len(names) < 6:
                continue
            doc = ast.get_docstring(node) or ""
            section = doc.split("Parameters\n----------\n", 1)[1].split("\n\n")[0] if "Parameters\n---" in doc else ""
            listed = {name.strip().lstrip("*") for line in section.splitlines() if line and not line[0].isspace()
                      for name in line.split(" : ")[0].split(",")}
            missing = [name for name in names if name not in listed]
            if missing:
                undocumented.append(f"{path.relative_to(ROOT)}:{node.name} ({', '.join(missing)})")
    assert not undocumented, "\n".join(undocumented)
