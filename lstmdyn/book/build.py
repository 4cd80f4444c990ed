"""The whole book: every chapter executed in ``_toc.yml`` order, the pages at the papers' scale rendered from their
kept runs, then the site built by Jupyter Book (``lstmdyn book``, ``make book``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lstmdyn.book.kept import render_kept
from lstmdyn.book.runner import Project, measured_chapter_seconds, progress_line, run_notebook, scan_site, site_config
from lstmdyn.errors import NotebookError
from lstmdyn.profiles import PAPER_CHAPTERS

__all__ = ["build_book"]


def build_book(profile: str = "quick", *, force: bool = False, project: Project | None = None,
               echo=print) -> Path:
    """Run every chapter in ``_toc.yml`` order, then build the site; returns ``_build/html``.

    The build is ``jupyter-book build . -W -n --keep-going --all``, started with the running interpreter.
    """
    project = project or Project.find()
    chapters, measured = project.chapters(), measured_chapter_seconds(profile, project)
    for number, chapter in enumerate(chapters, 1):
        echo(progress_line(number, len(chapters), chapter, profile, measured.get(chapter)))
        result = run_notebook(chapter, profile, force=force, project=project)
        echo(f"{chapter}: executed in {result.seconds:.1f} s" if result.executed
             else f"{chapter}: up to date")
    pages = render_kept(project, {name: "The performance page, section *The paper profile*, says what it is expected "
                                        "to cost." for name in PAPER_CHAPTERS})
    echo(f"at the papers' scale: {len(pages)} pages rendered from paper/, as their runs left them")
    command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()",
               "build", str(project.root), "-W", "-n", "--keep-going", "--all"]
    repository = os.environ.get("LSTMDYN_REPOSITORY")
    if repository:
        command += ["--config", str(site_config(project, repository))]
    if subprocess.run(command, cwd=project.root).returncode != 0:
        raise NotebookError("jupyter-book build failed: see the warnings above")
    html = project.root / "_build" / "html"
    found = scan_site(html)
    if found:
        raise NotebookError("the built site shows errors: " + "; ".join(found))
    echo(f"site: {html / 'index.html'}")
    return html
