"""Execute the chapter notebooks with papermill and build the book with Jupyter Book.

A chapter is a jupytext py:percent file ``notebooks/NAME.py``. :func:`run_notebook` resolves and checks
its parameters, executes it (working directory ``book/generated``, where its figures land too) and writes
``book/generated/NAME.ipynb``, with a note near the top naming the profile and the full parameter set.
Beside it, ``NAME.key`` records what produced it and the sha256 of the notebook as written: a run whose notebook
source, parameters and package code (the science, the experiments and the data registry) are unchanged is skipped,
but only while the notebook on disk still has that digest. A run executes into a temporary file, renames the whole
notebook into place and writes the key last, holding the chapter's lock throughout: a killed run, a second run at
the same time or a damaged file never leaves a notebook that is taken for up to date; a failed one leaves its
notebook as ``NAME.failed.ipynb``. :func:`lstmdyn.book.build.build_book` runs every chapter of ``_toc.yml`` in
order, then builds the site with warnings as errors and scans the pages for error output (:func:`scan_site`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jupytext
import nbformat
import papermill
import yaml
import zmq
from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from traitlets.config import Config

import lstmdyn
from lstmdyn.book.parameters import declared_parameters, resolve
from lstmdyn.errors import NotebookError, UnknownNotebookError
from lstmdyn.profiles import NOTEBOOKS
from lstmdyn.records import machine, write_atomically
from lstmdyn.threads import chapter_threads

__all__ = ["Project", "RunResult", "chapter_keys", "commit", "measured_chapter_seconds", "progress_line",
           "run_notebook", "scan_site", "site_config"]

KERNEL = "python3"
USER_RESULTS = os.environ.get("LSTMDYN_RESULTS")  #: the results directory the user chose, if any


class _KernelManager(AsyncKernelManager):
    """A kernel in a session of its own, so that a terminal's Ctrl-C reaches the command alone, which then shuts the
    kernel down (a kernel whose command is gone ends itself: ipykernel watches its parent); its own log (its
    process's stderr, not the notebook's output, which comes over its connection) is appended to ``.kernel.log`` in
    its working directory. An interrupted build leaves one line on the terminal."""

    async def start_kernel(self, **kw):  # noqa: D102
        with open(Path(kw.get("cwd") or ".") / ".kernel.log", "a") as log:
            kw.setdefault("stderr", log)
            kw.setdefault("start_new_session", True)
            return await super().start_kernel(**kw)


def _kernel_config() -> Config:
    """Kernel settings: the connection to the kernel is encrypted with CurveZMQ keys where pyzmq supports it,
    which also silences ipykernel's warning about plain-text TCP on every run; the kernel's log goes to a file
    (:class:`_KernelManager`)."""
    config = Config()
    if zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    config.NotebookClient.kernel_manager_class = _KernelManager
    return config


@dataclass(frozen=True)
class Project:
    """The book's directory layout, found from any directory inside it."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest ancestor of ``start`` (default: the working directory) holding ``_toc.yml``."""
        start = (start or Path.cwd()).resolve()
        for d in (start, *start.parents):
            if (d / "_toc.yml").is_file() and (d / "notebooks").is_dir():
                return cls(d)
        raise NotebookError(f"no book found: neither {start} nor its parents hold _toc.yml and notebooks/")

    @property
    def generated(self) -> Path:
        return self.root / "book" / "generated"

    def chapters(self) -> list[str]:
        """Names of the generated chapters, in the order of ``_toc.yml``: the pages of ``book/generated`` that a
        notebook of ``notebooks/`` executes (not the pages rendered from kept records)."""
        toc = yaml.safe_load((self.root / "_toc.yml").read_text())
        files: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("file"), str):
                    files.append(node["file"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(toc)
        return [Path(f).name for f in files if Path(f).parent.as_posix() == "book/generated"
                and (self.root / "notebooks" / f"{Path(f).name}.py").is_file()]  # not the kept pages

    def copy_sources(self, destination: Path) -> Project:
        """A copy of the book's sources, without environment, build output, generated pages, sweep results or
        caches (for a build from scratch beside this one: the tests and the build benchmark)."""
        outputs = shutil.ignore_patterns(".git", ".venv", "_build", "generated", "cache", "__pycache__",
                                         ".pytest_cache", ".ruff_cache", "*.egg-info")

        def ignore(directory: str, names: list[str]) -> set[str]:
            top = {"results"} if Path(directory) == self.root else set()  # the sweeps' tables, not benchmarks'
            return outputs(directory, names) | (top & set(names))

        shutil.copytree(self.root, destination, ignore=ignore)
        return Project(destination)

    def source(self, notebook: str) -> tuple[str, Path]:
        """``(name, path)`` of a chapter given as ``NAME``, ``NAME.py`` or ``notebooks/NAME.py``."""
        name = Path(notebook).name.removesuffix(".py").removesuffix(".ipynb")
        path = self.root / "notebooks" / f"{name}.py"
        if not path.is_file():
            known = sorted(p.stem for p in (self.root / "notebooks").glob("*.py"))
            raise UnknownNotebookError(f"unknown notebook {notebook!r}; known: {', '.join(known)}")
        return name, path


@dataclass(frozen=True)
class RunResult:
    """What :func:`run_notebook` did."""

    name: str
    output: Path
    executed: bool
    parameters: dict[str, Any]
    seconds: float


#: modules that only run notebooks and build the site: editing them changes no page
MACHINERY = ("book/runner.py", "book/verbs.py", "book/build.py", "book/parameters.py", "book/__init__.py",
             "book/kept.py", "profiles.py", "cli.py", "__main__.py")


def package_files(package: Path = Path(lstmdyn.__file__).parent) -> dict[str, str]:
    """sha256 of each of the package's files that shape a page, by path inside the package: the science, the
    experiments, the data registry and the helpers the notebooks call (``page``, ``plotting``, ``prose``), but not
    the :data:`MACHINERY` that runs them."""
    return {path.relative_to(package).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(package.rglob("*"))
            if path.is_file() and "__pycache__" not in path.relative_to(package).as_posix()
            and path.relative_to(package).as_posix() not in MACHINERY}


def package_digest(package: Path = Path(lstmdyn.__file__).parent) -> str:
    """One sha256 of :func:`package_files`, so that editing the runner or the command line executes no chapter
    again."""
    return hashlib.sha256(json.dumps(package_files(package), sort_keys=True).encode()).hexdigest()


def key_parts(source: str, profile: str, parameters: Mapping[str, Any],
              reads: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the key of one run covers, part by part: the notebook source (its sha256), the profile, the
    parameters, the package's science, experiments and data registry (:func:`package_digest`), and the digests of
    the other chapters' results files that the notebook reads (``reads``: file name → sha256, or "missing")."""
    return {"source": hashlib.sha256(source.encode()).hexdigest(), "profile": profile, "parameters": dict(parameters),
            "package": package_digest(), **({"reads": dict(reads)} if reads else {})}


def cache_key(source: str, profile: str, parameters: Mapping[str, Any], reads: Mapping[str, str] | None = None) -> str:
    """The key of one run: the sha256 of its :func:`key_parts`."""
    return key_of(key_parts(source, profile, parameters, reads))


def key_of(parts: Mapping[str, Any]) -> str:
    """The cache key of :func:`key_parts`."""
    return hashlib.sha256(json.dumps(dict(parts), sort_keys=True).encode()).hexdigest()


def commit(root: Path) -> str:
    """The checkout's commit (``git rev-parse --short HEAD``), with ``+changes`` where its tracked files differ from
    it; ``unknown`` outside a git checkout.

    Examples
    --------
    >>> import tempfile
    >>> commit(Path(tempfile.mkdtemp()))
    'unknown'
    """
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def rerun_command(name: str, profile: str, overrides: Mapping[str, Any]) -> str:
    """The shell command that executes notebook ``name`` again with the same explicit values."""
    args = "".join(f" -p {k} {shlex.quote(v if isinstance(v, str) else json.dumps(v))}"
                   for k, v in overrides.items())
    return f"python -m lstmdyn run {name} --profile {profile}{args}"


def _provenance_cell(name: str, profile: str, parameters: Mapping[str, Any],
                     overrides: Mapping[str, Any], declared: Mapping, seconds: float, root: Path) -> NotebookNode:
    m = machine()
    where = (f"{m['cpu']} ({m['cores']} cores" + (f", GPU {m['gpu']})" if m["gpu"] else ", no GPU)")
             + f" with {chapter_threads()} thread{'s' if chapter_threads() != 1 else ''}")
    rows = "\n".join(
        f"| `{k}` | `{v!r}` | {'' if v == declared[k].default else f'`{declared[k].default!r}`'} "
        f"| {declared[k].help.replace('|', '&#124;')} |" for k, v in parameters.items())
    text = f"""```{{admonition}} How this page was produced: the {profile} profile, {seconds:.0f} s
:class: note dropdown
Executed with the **{profile}** profile by `lstmdyn` {lstmdyn.__version__} on {date.today():%Y-%m-%d}
in {seconds:.0f} s, from commit `{commit(root)}`, on {where}. The parameters:

| parameter | value | default, if different | meaning |
|---|---|---|---|
{rows}

Run it again, with these or other values: `{rerun_command(name, profile, overrides)}`
(see [Re-running the notebooks](../rerunning.md)).
```"""
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": ["lstmdyn-provenance"]})


_WARNING = re.compile(r"\b\w*(Warning|Error)\b")


def problems(nb: NotebookNode) -> list[str]:
    """Error outputs and warnings written by the cells of an executed notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {index} raised {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                match = _WARNING.search(out.get("text", ""))
                if match:
                    line = next(ln for ln in out["text"].splitlines() if match.group(0) in ln)
                    found.append(f"cell {index} wrote to stderr: {line.strip()}")
    return found


def prepared_parts(notebook: str, profile: str, overrides: Mapping[str, Any], project: Project) -> dict[str, Any]:
    """The :func:`key_parts` of one run of ``notebook`` at ``profile`` with ``overrides``, as it would run now."""
    name, path = project.source(notebook)
    source = path.read_text()
    declared = declared_parameters(jupytext.reads(source, fmt="py:percent"))
    return key_parts(source, profile, resolve(name, declared, profile, overrides), _reads(name, project))


def _reads(name: str, project: Project) -> dict[str, str]:
    reads = {}
    for pattern in NOTEBOOKS[name].reads:
        files = sorted(project.root.glob(pattern))
        reads |= {f.relative_to(project.root).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
        if not files:
            reads[pattern] = "missing"
    return reads


def _prepare(notebook: str, profile: str, overrides: Mapping[str, Any], project: Project):
    """``(name, notebook, declared parameters, resolved parameters, cache key)`` of one run."""
    name, path = project.source(notebook)
    source = path.read_text()
    nb = jupytext.reads(source, fmt="py:percent")
    declared = declared_parameters(nb)
    parameters = resolve(name, declared, profile, overrides)
    return name, nb, declared, parameters, cache_key(source, profile, parameters, _reads(name, project))


def chapter_keys(profile: str = "quick", project: Project | None = None) -> dict[str, str]:
    """The cache key of every chapter of ``_toc.yml`` at ``profile``, without running anything: what a CI
    cache of the executed notebooks is keyed by."""
    project = project or Project.find()
    return {chapter: _prepare(chapter, profile, {}, project)[4] for chapter in project.chapters()}


def run_notebook(notebook: str, profile: str = "quick", overrides: Mapping[str, Any] | None = None,
                 *, force: bool = False, project: Project | None = None,
                 progress: bool = True) -> RunResult:
    """Execute one chapter notebook with papermill, unless its output is up to date.

    Parameters
    ----------
    notebook : str
        ``NAME``, ``NAME.py`` or ``notebooks/NAME.py``.
    profile : {"smoke", "quick", "paper"}
        The parameter profile (see :mod:`lstmdyn.profiles`).
    overrides : mapping, optional
        Parameter values that take precedence over the profile; strings are parsed as on the command line.
    force : bool
        Execute even if ``book/generated/NAME.ipynb`` is up to date.
    project : Project, optional
        The project whose notebook runs (by default the one this working directory is in).
    progress : bool
        Papermill's cell-by-cell progress bar.

    Raises
    ------
    ParameterError
        Before any work, for an unknown parameter name or a bad value.
    NotebookError
        If a cell raises, or writes a warning to stderr.
    """
    project = project or Project.find()
    overrides = dict(overrides or {})
    name, nb, declared, parameters, key = _prepare(notebook, profile, overrides, project)
    explicit = {k: parameters[k] for k in overrides}

    project.generated.mkdir(parents=True, exist_ok=True)
    output = project.generated / f"{name}.ipynb"
    key_file = output.with_suffix(".key")
    with _chapter_lock(project.generated / f".{name}.lock"):
        if not force and _up_to_date(output, key_file, key):
            return RunResult(name, output, False, parameters, 0.0)
        key_file.unlink(missing_ok=True)  # from here until the run succeeds, nothing of this chapter is trusted
        for stale in project.generated.glob(f".{name}.*.tmp.ipynb"):  # left by a run that was killed
            stale.unlink()
        executed, seconds = _execute(name, nb, parameters, project, output, progress)
        for cell in executed.cells:  # the page shows the provenance note instead of the raw assignments
            tags = cell.metadata.get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
        anchor = next(i for i, c in enumerate(executed.cells)
                      if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", [])))
        while anchor + 1 < len(executed.cells) and "injected-parameters" in executed.cells[
                anchor + 1].metadata.get("tags", []):
            anchor += 1
        executed.cells.insert(anchor + 1, _provenance_cell(name, profile, parameters, explicit, declared,
                                                           seconds, project.root))
        found = problems(executed)
        if found:
            failed = output.with_suffix(".failed.ipynb")
            nbformat.write(executed, failed)
            raise NotebookError(f"{name}: " + "; ".join(found) + f" (the executed notebook is {failed})")
        write_atomically(output, lambda p: nbformat.write(executed, p))
        write_atomically(key_file, lambda p: p.write_text(json.dumps({"key": key, "notebook": _digest(output)})))
    return RunResult(name, output, True, parameters, seconds)


def _execute(name: str, nb: NotebookNode, parameters: Mapping[str, Any], project: Project, output: Path,
             progress: bool) -> tuple[NotebookNode, float]:
    """Execute ``nb`` with papermill into a temporary file beside ``output`` (removed afterwards): the executed
    notebook and the seconds it took. A cell that raises is a :class:`NotebookError` naming it, the notebook so
    far kept as ``NAME.failed.ipynb``."""
    # sweeps' tables: where the user points, else the project's results/ (not the kernel's working directory)
    os.environ["LSTMDYN_RESULTS"] = str(Path(USER_RESULTS).resolve() if USER_RESULTS else project.root / "results")
    data = os.environ.get("LSTMDYN_DATA")
    if data:  # the kernel runs in book/generated: make a relative data path absolute first
        os.environ["LSTMDYN_DATA"] = str(Path(data).resolve())
    temporary = output.with_name(f".{output.stem}.{os.getpid()}.tmp.ipynb")
    start = time.perf_counter()
    try:
        with _kernel_threads(chapter_threads()):
            executed = papermill.execute_notebook(
                nb, str(temporary), parameters=parameters, kernel_name=KERNEL, language="python",
                cwd=str(project.generated), progress_bar=progress and {"desc": name, "leave": False},
                config=_kernel_config(),
            )
    except papermill.PapermillExecutionError as e:
        failed = output.with_suffix(".failed.ipynb")
        os.replace(temporary, failed)
        first = next((c.source.strip().splitlines()[0] for c in nbformat.read(failed, 4).cells
                      if c.get("execution_count") == e.exec_count and c.source.strip()), "")
        raise NotebookError(f"{name}: the cell In [{e.exec_count}] starting `{first}` raised {e.ename}: "
                            f"{e.evalue} (the executed notebook is {failed})") from None
    finally:
        temporary.unlink(missing_ok=True)
    return executed, time.perf_counter() - start


#: the variables that set the threads of PyTorch (OpenMP) and of the BLAS libraries when a process starts
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@contextlib.contextmanager
def _kernel_threads(threads: int) -> Iterator[None]:
    """A kernel started in the block runs with ``threads`` CPU threads (:func:`lstmdyn.threads.chapter_threads`):
    the variables PyTorch and the BLAS libraries read at start-up are set for it, and put back afterwards."""
    before = {variable: os.environ.get(variable) for variable in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    try:
        yield
    finally:
        for variable, value in before.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _up_to_date(output: Path, key_file: Path, key: str) -> bool:
    """Whether ``output`` is the notebook of a finished run with this ``key``: its key file names the key and
    the sha256 of the notebook as written, and the notebook on disk still has it (not truncated, damaged or
    replaced since)."""
    try:
        record = json.loads(key_file.read_text())
        return record["key"] == key and _digest(output) == record["notebook"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


@contextlib.contextmanager
def _chapter_lock(path: Path) -> Iterator[None]:
    """Hold the chapter's lock: a second run of the same chapter waits until the first has finished. The lock file
    is removed when the run ends, interrupted or not; a run that waited on a removed file takes the lock anew."""
    while True:
        handle = open(path, "a")  # noqa: SIM115 - held until the run ends
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(handle.fileno()), os.stat(path)):
                break
        except FileNotFoundError:
            pass
        handle.close()  # the holder before removed it: lock the file that is there now
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


_ERROR_MARKERS = ("Traceback (most recent call last)", 'class="output traceback', 'class="output error',
                  'class="output stderr')


def scan_site(html: Path) -> list[str]:
    """Pages of the built site that show error output, and a missing local MathJax."""
    found = [f"{page.relative_to(html)}: {marker}" for page in sorted(html.rglob("*.html"))
             if "_static" not in page.parts for marker in _ERROR_MARKERS if marker in page.read_text()]
    if not (html / "_static" / "mathjax" / "tex-chtml.js").is_file():
        found.append("_static/mathjax/tex-chtml.js is missing: equations would need the network")
    return found


def site_config(project: Project, repository: str) -> Path:
    """``_config.yml`` with the settings that follow from the repository's address, written to
    ``_build/_config.yml``: the repository and issue buttons, and ``html.baseurl`` of the GitHub Pages site.
    One place sets it all: ``LSTMDYN_REPOSITORY=https://github.com/OWNER/NAME``. (Launch buttons stay off:
    Binder and Colab open ``book/generated/*.ipynb`` from the repository, which holds only the jupytext
    sources, so their links would be broken.)

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); _ = (root / "_config.yml").write_text("title: t\\nhtml: {}\\n")
    >>> config = yaml.safe_load(site_config(Project(root), "https://github.com/owner/book").read_text())
    >>> config["html"]["baseurl"], config["repository"]["url"], config["html"]["use_issues_button"]
    ('https://owner.github.io/book/', 'https://github.com/owner/book', True)
    """
    parts = urlparse(repository).path.strip("/").split("/")
    if urlparse(repository).netloc != "github.com" or len(parts) != 2:
        raise NotebookError(f"LSTMDYN_REPOSITORY must be https://github.com/OWNER/NAME, got {repository!r}")
    owner, name = parts
    config = yaml.safe_load((project.root / "_config.yml").read_text())
    config["repository"] = {"url": repository, "branch": "main"}
    config.setdefault("html", {}).update({"baseurl": f"https://{owner}.github.io/{name}/",
                                          "use_repository_button": True, "use_issues_button": True})
    path = project.root / "_build" / "_config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def measured_chapter_seconds(profile: str, project: Project) -> dict[str, float]:
    """Each chapter's execution time at ``profile`` as ``benchmarks/book_build.py`` last measured it (a clean build),
    or nothing where it measured another profile or has not run."""
    path = project.root / "benchmarks" / "results" / "book_build.json"
    try:
        record = json.loads(path.read_text())
        rows = next(t["rows"] for t in record["tables"] if t["title"] == "steps")
    except (OSError, ValueError, KeyError, StopIteration):
        return {}
    if record.get("findings", {}).get("profile") != profile:
        return {}
    return {step.removeprefix("chapter "): float(seconds) for step, seconds in rows if step.startswith("chapter ")}


def progress_line(number: int, count: int, chapter: str, profile: str, seconds: float | None) -> str:
    """The line printed before a chapter runs: where the build is, and how long the chapter took when measured.

    Examples
    --------
    >>> progress_line(3, 9, "equilibria_training", "quick", 167.6)
    '[3/9] equilibria_training (quick, about 3 min when measured) …'
    >>> progress_line(1, 9, "lstm_model", "quick", 9.7), progress_line(2, 9, "datasets", "smoke", None)
    ('[1/9] lstm_model (quick, about 10 s when measured) …', '[2/9] datasets (smoke) …')
    """
    if seconds is None:
        return f"[{number}/{count}] {chapter} ({profile}) …"
    about = f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
    return f"[{number}/{count}] {chapter} ({profile}, about {about} when measured) …"
