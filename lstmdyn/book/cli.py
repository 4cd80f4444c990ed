"""Command line: ``python -m lstmdyn run|book|params|keys`` (or the console script ``lstmdyn``).

    python -m lstmdyn run NOTEBOOK [-p NAME VALUE ...] [--profile smoke|quick|paper] [--force]
    python -m lstmdyn book [--profile quick] [--force]
    python -m lstmdyn params NOTEBOOK
    python -m lstmdyn keys [--profile quick]      # the cache key of every chapter, one line each

Errors a user can act on (an unknown parameter, a bad value, a failing cell) print one line and exit
with status 2 (bad input) or 1 (a failure while running).
"""

from __future__ import annotations

import argparse
import sys

import jupytext

from lstmdyn.book.parameters import ParameterError, declared_parameters
from lstmdyn.book.profiles import NOTEBOOKS, PROFILES
from lstmdyn.book.runner import NotebookError, Project, build_book, chapter_keys, run_notebook


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lstmdyn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="execute one notebook into book/generated/")
    run.add_argument("notebook", help="NAME, NAME.py or notebooks/NAME.py")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"), help="set a parameter (repeatable)")
    run.add_argument("--profile", choices=PROFILES, default="quick")
    run.add_argument("--force", action="store_true", help="execute even if up to date")

    book = commands.add_parser("book", help="run every notebook, then build the site in _build/html")
    book.add_argument("--profile", choices=PROFILES, default="quick")
    book.add_argument("--force", action="store_true", help="execute every notebook again")

    params = commands.add_parser("params", help="list a notebook's parameters and profiles")
    params.add_argument("notebook")

    keys = commands.add_parser("keys", help="print the cache key of every chapter (for CI caches)")
    keys.add_argument("--profile", choices=PROFILES, default="quick")
    return parser


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            overrides = dict(args.parameter)
            result = run_notebook(args.notebook, args.profile, overrides, force=args.force)
            print(f"{result.name}: executed in {result.seconds:.1f} s -> {result.output}"
                  if result.executed else f"{result.name}: up to date ({result.output})")
        elif args.command == "book":
            build_book(args.profile, force=args.force)
        elif args.command == "keys":
            for chapter, key in chapter_keys(args.profile).items():
                print(chapter, key)
        else:
            _list_parameters(args.notebook)
    except ParameterError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except NotebookError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def console() -> None:
    """Entry point of the ``lstmdyn`` console script: :func:`main` with the process's arguments."""
    sys.exit(main())
