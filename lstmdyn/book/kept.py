"""Results at the papers' scale, kept in the repository with their provenance and shown on the site.

A chapter at the paper profile takes minutes on a GPU or hours on a CPU, so the site cannot execute it on every
build. Instead ``python -m lstmdyn run CHAPTER --profile paper --keep`` keeps what the run produced in
``paper/CHAPTER/`` (:data:`KEPT`), a committed folder of small files:

- ``CHAPTER.ipynb``: the executed notebook as it ran, figures included;
- ``CHAPTER.json``: its results file, with the outcomes of its claims, where it writes one;
- ``figures/``: the data files behind its figures (the CSVs its download links name);
- ``provenance.json`` (:data:`PROVENANCE_KEYS`): the commit, the cache key and what it covers part by part (the
  notebook source, the parameters, each package file's sha256, the files it read), the machine (CPU, cores, GPU),
  the versions, the threads, when it started, its wall time and each cell's.

Every build renders each kept chapter as it ran, not executed again (:func:`render_kept`), as the page
``book/generated/CHAPTER_paper``, with its provenance on top and a plain **stale** mark where the code that would
produce it now differs from the code that did (:func:`staleness` says what changed); a chapter never kept gets a
page that says so, with the command and the estimated cost. The scorecard reads the kept outcomes beside the
quick ones.
"""

from __future__ import annotations

import ast
import json
import platform
import re
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

import lstmdyn
from lstmdyn.book.runner import Project, RunResult, commit, package_files, prepared_parts
from lstmdyn.errors import NotebookError
from lstmdyn.profiles import PAPER_CHAPTERS
from lstmdyn.records import machine, write_atomically, write_json
from lstmdyn.threads import chapter_threads

__all__ = ["KEPT", "PAPER_CHAPTERS", "PROVENANCE_KEYS", "commit", "keep_run", "kept_outcomes", "read_provenance",
           "imported_files", "render_kept", "staleness", "started_now"]

KEPT = "paper"  #: the folder of kept records, at the top of the project
#: the chapters with a paper profile of their own, each with a page in the part "At the papers' scale"
#: the keys of ``provenance.json``
PROVENANCE_KEYS = ("chapter", "profile", "commit", "key", "parts", "package_files", "machine", "versions", "threads",
                   "started", "seconds", "cells")


def _versions() -> dict[str, str]:
    import numpy
    import torch

    return {"lstmdyn": lstmdyn.__version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__}


def keep_run(result: RunResult, project: Project, *, started: str, profile: str = "paper") -> Path:
    """Keep the run ``result`` of a chapter at ``profile`` (the paper profile; the command line allows no other) in
    ``paper/CHAPTER/`` (see the module docstring), replacing an earlier record whole; returns the folder."""
    name = result.name
    if not result.output.is_file():
        raise NotebookError(f"{name}: no executed notebook at {result.output} to keep")
    folder = project.root / KEPT / name
    staging = folder.with_name(f".{name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "figures").mkdir(parents=True)
    nb = nbformat.read(result.output, 4)
    shutil.copyfile(result.output, staging / f"{name}.ipynb")
    results = project.generated / f"{name}.json"
    if results.is_file():
        shutil.copyfile(results, staging / f"{name}.json")
    figures = project.generated / "figures" / name
    for csv in sorted(figures.glob("*.csv")) if figures.is_dir() else []:
        (staging / "figures" / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(csv, staging / "figures" / name / csv.name)
    cells = [{"cell": k, "seconds": round(float(c.metadata.get("papermill", {}).get("duration") or 0.0), 3),
              "starts": (c.source.strip().splitlines() or [""])[0][:80]}
             for k, c in enumerate(nb.cells) if c.cell_type == "code"]
    parts = prepared_parts(name, profile, {}, project)
    seconds = result.seconds if result.executed else sum(c["seconds"] for c in cells)  # kept from an earlier run
    record = {"chapter": name, "profile": profile, "commit": commit(project.root),
              "key": json.loads((result.output.with_suffix(".key")).read_text())["key"], "parts": parts,
              "package_files": package_files(), "machine": machine(), "versions": _versions(),
              "threads": chapter_threads(), "started": started, "seconds": round(seconds, 1), "cells": cells}
    write_json(staging / "provenance.json", record)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def read_provenance(folder: Path) -> dict[str, Any]:
    """The provenance record of a kept chapter, checked: every key of :data:`PROVENANCE_KEYS`, the notebook beside
    it; a :class:`~lstmdyn.errors.NotebookError` naming the file otherwise."""
    path = Path(folder) / "provenance.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise NotebookError(f"{path}: not a kept record ({e})") from None
    missing = [key for key in PROVENANCE_KEYS if key not in record]
    if missing:
        raise NotebookError(f"{path}: the kept record lacks {', '.join(missing)}")
    if not (Path(folder) / f"{record['chapter']}.ipynb").is_file():
        raise NotebookError(f"{path}: its notebook {record['chapter']}.ipynb is missing")
    return record


def staleness(record: Mapping[str, Any], project: Project) -> list[str]:
    """What differs between the run a kept ``record`` describes and the run its chapter would be now, at the paper
    profile: the notebook's source, its parameters, the package files it imports (by name, through
    :func:`imported_files`: a file it never reaches cannot change it), or the results files it reads. Empty where
    nothing does, and the kept page is current.

    Examples
    --------
    >>> staleness({"parts": {}, "package_files": {}}, None)
    ['the record does not say what produced it']
    """
    if not record.get("parts"):
        return ["the record does not say what produced it"]
    now = prepared_parts(record["chapter"], record.get("profile", "paper"), {}, project)
    then = record["parts"]
    changed = []
    if now["source"] != then.get("source"):
        changed.append(f"the notebook notebooks/{record['chapter']}.py")
    if now["parameters"] != then.get("parameters"):
        names = sorted(k for k in {*now["parameters"], *then.get("parameters", {})}
                       if now["parameters"].get(k) != then.get("parameters", {}).get(k))
        changed.append("the parameters " + ", ".join(names))
    if now["package"] != then.get("package"):
        files, kept = package_files(), record.get("package_files", {})
        source = project.source(record["chapter"])[1].read_text()
        names = sorted(f for f in imported_files(source) if files.get(f) != kept.get(f))
        if names:
            changed.append("the package's " + ", ".join(f"lstmdyn/{f}" for f in names))
    if now.get("reads") != then.get("reads"):
        changed.append("the results files it reads")
    return changed


def _modules(tree: ast.AST, package: str | None) -> set[str]:
    """The ``lstmdyn`` modules a parsed source imports anywhere (top level or inside a function), dotted; relative
    imports are resolved against ``package``, the dotted package of the module parsed."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and package:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "lstmdyn" or name.startswith("lstmdyn.")}


def imported_files(source: str, package: Path = Path(lstmdyn.__file__).parent) -> set[str]:
    """The files of :func:`~lstmdyn.book.runner.package_files` that a notebook's ``source`` runs: every module it
    imports, every module those import in turn, the ``__init__`` of each package on the way, and the package's data
    files (the data registry). A file outside this set cannot change what the notebook computes, so editing it
    leaves a kept page current.

    Examples
    --------
    >>> sorted(imported_files("import numpy"))
    ['__init__.py', 'data/registry.toml']
    >>> sorted(imported_files("from lstmdyn.equilibria import solve"))  # and what equilibria imports in turn
    ['__init__.py', 'cells.py', 'continuation.py', 'data/registry.toml', 'equilibria.py']
    """
    files = package_files(package)
    data = {f for f in files if not f.endswith(".py")}

    def path_of(module: str) -> str | None:
        inside = module.split(".")[1:]
        for candidate in ("/".join(inside) + ".py", "/".join([*inside, "__init__.py"])):
            if (package / candidate).is_file():
                return candidate.lstrip("/")
        return None

    seen: set[str] = set()
    todo = [(ast.parse(source), None)]
    while todo:
        tree, where = todo.pop()
        for module in _modules(tree, where):
            parts = module.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__, a/b/__init__, then a/b/c
                path = path_of(".".join(parts[:depth]))
                if path is None or path in seen:
                    continue
                seen.add(path)
                dotted = ".".join(["lstmdyn", *Path(path).with_suffix("").parts])
                if path.endswith("__init__.py"):
                    dotted = dotted.removesuffix(".__init__")
                else:
                    dotted = dotted.rsplit(".", 1)[0]
                todo.append((ast.parse((package / path).read_text()), dotted))
    return {f for f in seen if f in files} | data | ({"__init__.py"} & set(files))


def kept_outcomes(project: Project) -> dict[str, tuple[dict[str, Any], list[dict]]]:
    """The kept chapters' provenance records and stored outcomes (from their results files), by chapter."""
    found = {}
    for folder in sorted((project.root / KEPT).glob("*/")):
        if not (folder / "provenance.json").is_file():
            continue
        record = read_provenance(folder)
        results = folder / f"{record['chapter']}.json"
        outcomes = json.loads(results.read_text()).get("outcomes", []) if results.is_file() else []
        found[record["chapter"]] = (record, outcomes)
    return found


_LABEL = re.compile(r"\$\$ \(([a-z][\w-]*)\)")


def _provenance_markdown(record: Mapping[str, Any], changed: list[str]) -> str:
    m = record["machine"]
    where = f"{m.get('cpu')}, {m.get('cores')} cores" + (f", GPU {m['gpu']}" if m.get("gpu") else ", no GPU")
    minutes = record["seconds"] / 60
    slow = sorted(record["cells"], key=lambda c: -c["seconds"])[:3]
    mark = ("**stale**: the code that would produce this page now differs from the code that did, in "
            + "; ".join(changed) + f". Run `python -m lstmdyn run {record['chapter']} --profile paper --keep` to "
            "bring it up to date." if changed else "Current: the code that would produce this page now is the code "
            "that did.")
    return (f"```{{admonition}} At the papers' scale, kept from a run of {record['started'][:10]}\n"
            f":class: {'warning' if changed else 'note'}\n"
            f"This page is the **paper** profile of the chapter {{doc}}`{record['chapter']}`, as it ran on {where} "
            f"(threads {record['threads']}; PyTorch {record['versions'].get('torch')}, Python "
            f"{record['versions'].get('python')}), from commit `{record['commit']}`, in {minutes:.1f} minutes; it is "
            f"kept in `paper/{record['chapter']}/` and shown as it ran, not executed again. The longest cells: "
            + ", ".join(f"`{c['starts']}` {c['seconds'] / 60:.1f} min" for c in slow) + f".\n\n{mark}\n```")


def _kept_page(folder: Path, record: Mapping[str, Any], changed: list[str], project: Project) -> Path:
    name = record["chapter"]
    nb = nbformat.read(folder / f"{name}.ipynb", 4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _LABEL.sub(lambda m: f"$$ ({m.group(1)}-paper)", cell.source)
        for out in cell.get("outputs", []):
            for mime in ("text/markdown", "text/plain"):
                if isinstance(out.get("data", {}).get(mime), str):
                    out["data"][mime] = out["data"][mime].replace(f"figures/{name}/", f"figures/paper/{name}/")
    title = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# "))
    heading, _, rest = nb.cells[title].source.partition("\n")
    nb.cells[title].source = f"{heading}, at the papers' scale\n{rest}"
    nb.cells.insert(title + 1, nbformat.v4.new_markdown_cell(_provenance_markdown(record, changed)))
    figures = folder / "figures" / name
    target = project.generated / "figures" / "paper" / name
    shutil.rmtree(target, ignore_errors=True)
    if figures.is_dir():
        shutil.copytree(figures, target)
    page = project.generated / f"{name}_paper.ipynb"
    write_atomically(page, lambda p: nbformat.write(nb, p))
    return page


def _missing_page(name: str, project: Project, estimate: str) -> Path:
    page = project.generated / f"{name}_paper.md"
    page.write_text(f"# {_title(name, project)}, at the papers' scale\n\n"
                    f"This chapter has not been run at the **paper** profile and kept yet. {estimate}\n\n"
                    f"To run it and keep its pages with their provenance (on any machine, a GPU where one helps):\n\n"
                    f"```bash\npython -m lstmdyn run {name} --profile paper --keep\n```\n\n"
                    f"then commit `paper/{name}/`; the next build shows it here. The chapter at this build's profile "
                    f"is {{doc}}`{name}`.\n")
    return page


def _title(name: str, project: Project) -> str:
    source = project.source(name)[1].read_text()
    match = re.search(r"^# # (.+)$", source, re.M)
    return match.group(1).strip() if match else name


def render_kept(project: Project, estimates: Mapping[str, str] | None = None) -> list[Path]:
    """The pages of the part "At the papers' scale": for each chapter of :data:`PAPER_CHAPTERS`, its kept record
    rendered with its provenance and stale mark, or a page that says it has not been kept (``estimates``: the
    estimated cost, by chapter, in a sentence). Pages of the other kind are removed."""
    pages = []
    project.generated.mkdir(parents=True, exist_ok=True)
    for name in PAPER_CHAPTERS:
        folder = project.root / KEPT / name
        for stale in (project.generated / f"{name}_paper.ipynb", project.generated / f"{name}_paper.md"):
            stale.unlink(missing_ok=True)
        if (folder / "provenance.json").is_file():
            record = read_provenance(folder)
            pages.append(_kept_page(folder, record, staleness(record, project), project))
        else:
            pages.append(_missing_page(name, project, (estimates or {}).get(name, "")))
    return pages


def started_now() -> str:
    """The time a kept run starts, in ISO 8601 (UTC)."""
    return datetime.now(UTC).isoformat(timespec="seconds")

