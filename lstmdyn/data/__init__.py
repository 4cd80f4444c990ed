"""The data layer: the registry of real data files, and a loader per data set."""

from lstmdyn.data.registry import DataError, fetch, registry

__all__ = ["DataError", "fetch", "registry"]
