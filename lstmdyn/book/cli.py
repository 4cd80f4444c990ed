"""Command line: ``python -m lstmdyn run|book|params|keys|sweep`` (or the console script ``lstmdyn``).

    python -m lstmdyn run NOTEBOOK [-p NAME VALUE ...] [--profile smoke|quick|paper] [--force]
    python -m lstmdyn book [--profile quick] [--force]
    python -m lstmdyn params NOTEBOOK
    python -m lstmdyn keys [--profile quick]      # the cache key of every chapter, one line each
    python -m lstmdyn sweep charrnn|mocap [--profile quick] [--scheduler ADDRESS] [--device cpu|cuda|auto]
                                           [--workers N] [--results DIR] [--retry-failed]

Errors a user can act on (an unknown parameter, a bad value, a failing cell) print one line and exit
with status 2 (bad input) or 1 (a failure while running).
"""

from __future__ import annotations

import argparse
import sys

import jupytext

from lstmdyn.book.parameters import ParameterError, declared_parameters, resolve
from lstmdyn.book.profiles import NOTEBOOKS, PROFILES
from lstmdyn.book.runner import NotebookError, Project, build_book, chapter_keys, run_notebook

SWEEP_CHAPTER = "lyapunov_experiments"  #: the chapter whose parameters size the sweeps


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

    sweep = commands.add_parser("sweep", help="train the networks of a sweep on Dask, resuming where it stopped")
    sweep.add_argument("name", choices=("charrnn", "mocap"))
    sweep.add_argument("--profile", choices=PROFILES, default="quick",
                       help=f"the members the chapter {SWEEP_CHAPTER} needs at this profile")
    sweep.add_argument("--scheduler", help="address of a running Dask scheduler (default: $LSTMDYN_SCHEDULER, "
                                           "else an embedded LocalCluster)")
    sweep.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    sweep.add_argument("--workers", type=int, help="worker processes of the embedded cluster (default: cores)")
    sweep.add_argument("--results", help="results directory (default: $LSTMDYN_RESULTS, else results/)")
    sweep.add_argument("--retry-failed", action="store_true", help="run failed members again")
    return parser


def _sweep(args: argparse.Namespace) -> None:
    from lstmdyn.experiments.trained_spectra import sweep_members, train_and_measure
    from lstmdyn.sweeps import results_directory, run_sweep

    _, path = Project.find().source(SWEEP_CHAPTER)
    parameters = resolve(SWEEP_CHAPTER, declared_parameters(jupytext.read(path)), args.profile, {})
    members = sweep_members(args.name, parameters)
    tables = run_sweep(args.name, members, train_and_measure, results=args.results, scheduler=args.scheduler,
                       workers=args.workers, device=args.device, retry_failed=args.retry_failed)
    counts = tables.members["status"].value_counts().to_dict()
    print(f"{args.name} ({args.profile}): {len(members)} members, "
          + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
          + f"; tables in {results_directory(args.results) / args.name}")


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
        elif args.command == "sweep":
            _sweep(args)
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
