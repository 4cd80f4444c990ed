"""Command line: ``lstmdyn sweep|run|book|params|keys`` (or ``python -m lstmdyn``).

    lstmdyn sweep charrnn|charrnn_init|mocap|mocap_residual [--profile quick] [--scheduler ADDRESS]
                  [--device cpu|cuda|auto] [--workers N] [--results DIR] [--retry-failed] [--dashboard ADDRESS]
    lstmdyn run NOTEBOOK [-p NAME VALUE ...] [--profile smoke|quick|paper] [--force] [--keep]
    lstmdyn book [--profile quick] [--force]
    lstmdyn params NOTEBOOK
    lstmdyn keys [--profile quick]      # the cache key of every chapter, one line each

``sweep`` needs the package alone (``pip install lstmdyn``), so that a GPU worker or a cluster node can run a
sweep; the verbs that execute chapters or build the site need the book extra (``pip install 'lstmdyn[book]'``)
and say so when it is missing. Errors a user can act on (an unknown parameter, a bad value, a failing cell, a
missing extra: :class:`~lstmdyn.errors.LstmdynError`) print one line and exit with the status each means, 2 (bad
input) or 1 (a failure while running).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from lstmdyn.errors import CommandError, LstmdynError
from lstmdyn.profiles import PROFILES

__all__ = ["console", "main"]

#: what the command line reads as a negative number rather than an option: -1, -0.5, -.5, -1e-3, -2.5E+4
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lstmdyn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    sweep = commands.add_parser("sweep", help="train the networks of a sweep on Dask, resuming where it stopped")
    sweep.add_argument("name", choices=("charrnn", "charrnn_init", "mocap", "mocap_residual"))
    sweep.add_argument("--profile", choices=PROFILES, default="quick",
                       help="the members the chapter lyapunov_experiments needs at this profile")
    sweep.add_argument("--scheduler", help="address of a running Dask scheduler (default: $LSTMDYN_SCHEDULER, "
                                           "else an embedded LocalCluster)")
    sweep.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    sweep.add_argument("--workers", type=_positive, help="worker processes of the embedded cluster (default: one "
                                                         "per core; on a GPU machine, the measured share per GPU)")
    sweep.add_argument("--results", help="results directory (default: $LSTMDYN_RESULTS, else results/)")
    sweep.add_argument("--dashboard", default="127.0.0.1:0",
                       help="address of the embedded cluster's dashboard (default: this machine only, a free port; "
                            "':0' serves it on every interface)")
    sweep.add_argument("--retry-failed", action="store_true", help="run failed members again")
    sweep.add_argument("--group", type=_positive, help="members of one shape trained together as one ensemble "
                                                       "(default: 1 on a CPU, 16 on a GPU)")

    run = commands.add_parser("run", help="execute one notebook into book/generated/ (book extra)")
    run.add_argument("notebook", help="NAME, NAME.py or notebooks/NAME.py")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"), help="set a parameter (repeatable)")
    run.add_argument("--profile", choices=PROFILES, default="quick")
    run.add_argument("--force", action="store_true", help="execute even if up to date")
    run.add_argument("--keep", action="store_true", help="with --profile paper: keep the run in paper/NOTEBOOK/ with "
                                                         "its provenance, for the site's part at the papers' scale")
    # a value such as -1e-3 is a number, not an option (argparse's own test knows -1 and -0.5 alone)
    run._negative_number_matcher = NEGATIVE_NUMBER

    book = commands.add_parser("book", help="run every notebook, then build the site in _build/html (book extra)")
    book.add_argument("--profile", choices=PROFILES, default="quick")
    book.add_argument("--force", action="store_true", help="execute every notebook again")

    params = commands.add_parser("params", help="list a notebook's parameters and profiles (book extra)")
    params.add_argument("notebook")

    keys = commands.add_parser("keys", help="print the cache key of every chapter, for CI caches (book extra)")
    keys.add_argument("--profile", choices=PROFILES, default="quick")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _sweep(args: argparse.Namespace) -> None:
    # an interrupted cluster leaves a semaphore that multiprocessing's tracker cleans up itself, with a warning
    # that is no news to the user (its process reads the setting when the cluster starts it)
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning:multiprocessing.resource_tracker")
    from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, group_options, sweep_members, train_and_measure
    from lstmdyn.sweeps import results_directory, run_sweep

    members = sweep_members(args.name, SWEEP_PROFILES[args.profile])
    tables = run_sweep(args.name, members, train_and_measure, results=args.results, scheduler=args.scheduler,
                       workers=args.workers, device=args.device, retry_failed=args.retry_failed,
                       dashboard=args.dashboard, **group_options(args.device, args.group))
    counts = tables.members["status"].value_counts().to_dict()
    where = results_directory(args.results) / args.name
    print(f"{args.name} ({args.profile}): {len(members)} members, "
          + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + f"; tables in {where}")
    failed = counts.get("failed", 0)
    if failed:
        raise CommandError(f"{failed} of {len(members)} members failed: their errors are in {where / 'members'} "
                           "(--retry-failed runs them again)", status=1)


def _book(args: argparse.Namespace) -> None:
    """The verbs that execute chapters or build the site, with the book extra."""
    try:
        from lstmdyn.book import verbs
    except ImportError as e:
        raise CommandError(f"lstmdyn {args.command} needs the book extra ({e.name or e} is missing): "
                           "pip install 'lstmdyn[book]'", status=2) from None
    verbs.run(args)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: the process's arguments); returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "sweep":
            _sweep(args)
        else:
            _book(args)
    except LstmdynError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


def console() -> None:
    """Entry point of the ``lstmdyn`` console script: :func:`main` with the process's arguments."""
    sys.exit(main())
