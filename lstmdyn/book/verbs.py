"""The command line's book verbs (``run``, ``book``, ``params``, ``keys``; see :mod:`lstmdyn.cli`)."""

from __future__ import annotations

import argparse

import jupytext

from lstmdyn.book.build import build_book
from lstmdyn.book.kept import keep_run, started_now
from lstmdyn.book.parameters import declared_parameters
from lstmdyn.book.runner import Project, chapter_keys, run_notebook
from lstmdyn.errors import ParameterError
from lstmdyn.profiles import NOTEBOOKS

__all__ = ["run"]


def run(args: argparse.Namespace) -> None:
    """Carry out a book verb parsed by :mod:`lstmdyn.cli`. What goes wrong is an
    :class:`~lstmdyn.errors.LstmdynError` that says its exit status: a bad parameter or an unknown notebook 2, a
    failing notebook 1."""
    if args.command == "run":
        names = [name for name, _ in args.parameter]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ParameterError(f"parameter {', '.join(twice)} given more than once: give each -p once")
        if args.keep and (args.profile != "paper" or args.parameter):
            raise ParameterError("--keep keeps a run at the paper profile as it stands: use it with --profile paper "
                                 "and no -p")
        started = started_now()
        result = run_notebook(args.notebook, args.profile, dict(args.parameter), force=args.force)
        print(f"{result.name}: executed in {result.seconds:.1f} s -> {result.output}"
              if result.executed else f"{result.name}: up to date ({result.output})")
        if args.keep:
            print(f"{result.name}: kept in {keep_run(result, Project.find(), started=started)}")
    elif args.command == "book":
        build_book(args.profile, force=args.force)
    elif args.command == "keys":
        for chapter, key in chapter_keys(args.profile).items():
            print(chapter, key)
    else:
        _list_parameters(args.notebook)


def _list_parameters(notebook: str) -> None:
    name, path = Project.find().source(notebook)
    declared = declared_parameters(jupytext.read(path))
    spec = NOTEBOOKS[name]
    rows = [("parameter", "smoke", "quick", "paper", "range", "meaning")]
    for p in declared.values():
        bounds = spec.limits.get(p.name) or spec.choices.get(p.name) or ""
        rows.append((p.name, repr(spec.smoke.get(p.name, p.default)), repr(p.default),
                     repr(spec.paper.get(p.name, p.default)), str(bounds), p.help))
    widths = [max(len(row[k]) for row in rows) for k in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)), row[5])
