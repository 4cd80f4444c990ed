"""How many CPU threads a computation uses, chosen in one place and recorded with what it computed.

Two reasons to choose rather than take PyTorch's default (one thread per core):

- **Same numbers anywhere.** A reduction split over threads adds its terms in another order, so a network
  trained with two threads differs in the last bits from the same network trained with one, and the
  differences grow over an epoch of training. A sweep member therefore runs with the thread count it
  declares (:data:`MEMBER_THREADS` unless it says otherwise), in a Dask worker and in-process alike, and its
  results record it.
- **Small matrices on a shared machine.** The book's networks are small: a step is a chain of products of a
  few hundred numbers, and extra threads spinning against other jobs can make a chapter many times slower
  (``benchmarks/threads.py`` measures one thread against all cores, on an idle machine and a busy one).

:func:`pinned_threads` sets PyTorch's intra-op threads and those of the BLAS libraries numpy and scipy use
(through ``threadpoolctl``) for the duration of a block, and puts them back afterwards.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch
from threadpoolctl import threadpool_limits

__all__ = ["CHAPTER_THREADS_VARIABLE", "MEMBER_THREADS", "chapter_threads", "pinned_threads"]

#: Threads of a sweep member unless it declares another count: one, so that an embedded cluster's worker per
#: core runs its member on its own core, and the numbers are those of an in-process run with one thread.
MEMBER_THREADS = 1
#: The environment variable that sets the chapters' thread count (:func:`chapter_threads`)
CHAPTER_THREADS_VARIABLE = "LSTMDYN_THREADS"


def chapter_threads() -> int:
    """The thread count the chapters run with: ``$LSTMDYN_THREADS`` if set, else 1 (see the module docstring and
    the performance page's measurement).

    Examples
    --------
    >>> chapter_threads() >= 1
    True
    """
    value = os.environ.get(CHAPTER_THREADS_VARIABLE, "").strip()
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{CHAPTER_THREADS_VARIABLE} must be a whole number of threads, at least 1, got {value!r}")
    return int(value)


@contextlib.contextmanager
def pinned_threads(threads: int) -> Iterator[int]:
    """Run the block with ``threads`` intra-op threads in PyTorch and in the BLAS libraries; the counts before are
    put back on leaving it.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with pinned_threads(1) as n:
    ...     print(n, torch.get_num_threads())
    1 1
    >>> torch.get_num_threads() == before
    True
    """
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a whole number, at least 1, got {threads!r}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield threads
    finally:
        torch.set_num_threads(before)
