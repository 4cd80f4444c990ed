"""The package's errors and warnings, in one place.

Every error the package raises for a user to act on derives from :class:`LstmdynError`: a message in one line
and the exit status it means on the command line (:attr:`~LstmdynError.status`: 2 for bad input, 1 for a
failure while running), so that :func:`lstmdyn.cli.main` catches the base alone. Each also derives from the
built-in exception it refines (``ValueError`` for a bad value, ``RuntimeError`` for a failure, ``OSError`` for a
full disk), so that code that catches those goes on catching them.

Examples
--------
>>> issubclass(TrainingError, LstmdynError) and issubclass(TrainingError, RuntimeError)
True
>>> ParameterError("bad").status, SweepError("down").status, CommandError("x", status=2).status
(2, 1, 2)
"""

from __future__ import annotations

import errno

__all__ = ["BAD_INPUT", "FAILURE", "CheckpointError", "CollapsedDirectionsWarning", "CommandError", "DataError",
           "DiskFullError", "EnsembleShapeError", "LstmdynError", "NoFinishedNetworkError", "NotebookError",
           "ParameterError", "SweepError", "TrainingError", "UnknownNotebookError"]

BAD_INPUT = 2  #: exit status of an error in what the user gave (a parameter, a name, a setting)
FAILURE = 1  #: exit status of a failure while running (a cell, the data, the machine)


class LstmdynError(Exception):
    """An error a user can act on, reported in one line; ``status`` is the exit status it means."""

    status: int = FAILURE


class CommandError(LstmdynError):
    """An error of the command line itself (a missing extra, failed members), with the ``status`` given."""

    def __init__(self, message: str, status: int = FAILURE) -> None:
        super().__init__(message)
        self.status = status


class ParameterError(LstmdynError, ValueError):
    """A notebook parameter or profile that cannot be used, with a message that names it."""

    status = BAD_INPUT


class EnsembleShapeError(LstmdynError, ValueError):
    """Networks or settings that cannot be trained as one ensemble; the message names what differs
    (:func:`lstmdyn.ensembles.shape_of`)."""

    status = BAD_INPUT


class NotebookError(LstmdynError, RuntimeError):
    """A notebook that could not be executed cleanly or built into the site."""


class UnknownNotebookError(NotebookError):
    """A notebook name that names no notebook; the message lists the ones there are."""

    status = BAD_INPUT


class DataError(LstmdynError, RuntimeError):
    """A data file that cannot be provided, with what to do about it (:mod:`lstmdyn.data.registry`)."""


class TrainingError(LstmdynError, RuntimeError):
    """Training cannot go on (a non-finite loss or gradient); the message names the step
    (:func:`lstmdyn.training.train`)."""


class CheckpointError(LstmdynError, RuntimeError):
    """A checkpoint that cannot be read: damaged, truncated, or holding more than tensors and plain values
    (:func:`lstmdyn.training.load_checkpoint`)."""


class SweepError(LstmdynError, RuntimeError):
    """A fault of the environment rather than a result of a member: data that cannot be read, no CUDA device, a
    module that cannot be imported, a scheduler or a results directory that cannot be reached. The sweep stops
    and records nothing for it, so that a run after the fault is mended runs the member
    (:func:`lstmdyn.sweeps.run_sweep`)."""


class NoFinishedNetworkError(LstmdynError, RuntimeError):
    """Not one network of a chapter's sweeps finished: there is nothing to judge, and the page is not drawn
    (:func:`lstmdyn.experiments.sweep_tables.require_finished`)."""


class DiskFullError(LstmdynError, OSError):
    """No space left to write a file: a fault of the machine, never a result. The message names the file system
    (its mount point), the file that could not be written and the space left (:func:`lstmdyn.records.disk_full`).

    Examples
    --------
    >>> full = DiskFullError("no space left on /")
    >>> str(full), full.errno == errno.ENOSPC, full.status
    ('no space left on /', True, 1)
    """

    def __init__(self, message: str) -> None:
        OSError.__init__(self, errno.ENOSPC, message)

    def __str__(self) -> str:
        return self.strerror

    def __reduce__(self):
        return type(self), (self.strerror,)


class CollapsedDirectionsWarning(RuntimeWarning):
    """Some Lyapunov exponents are −inf: the product of Jacobians maps a direction exactly to zero in floating
    point (saturated gates whose derivatives underflow, or zero weights); :func:`lstmdyn.lyapunov.lyapunov_spectrum`
    warns with it.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("2 of 3 Lyapunov exponents are -inf", CollapsedDirectionsWarning, stacklevel=1)
    >>> caught[0].category.__name__
    'CollapsedDirectionsWarning'
    """
