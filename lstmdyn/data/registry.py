"""The registry of real data files: where to find each one, and proof that it is the right one.

``registry.toml``, shipped with the package (:data:`REGISTRY`, read through ``importlib.resources``), lists
every file of every data set with its sha256 and the public URL it can be downloaded from (taken from each
data set's PROVENANCE.md). :func:`fetch` returns the local path of a file, looking in this order:

1. ``$LSTMDYN_DATA/<data set>/<file>``: a directory of local copies (CI points it at ``../shared/data``);
2. the download cache (:data:`CACHE`): ``data/cache/<data set>/<file>`` when the package runs from a
   checkout of the book, else the user cache ``pooch.os_cache("lstmdyn")``;
3. the URL, downloaded with pooch to a temporary name and renamed only once its sha256 matches.

A file that is missing, corrupt or cannot be downloaded is a :class:`DataError` that names the file, its
expected sha256 and both ways to provide it. There is no fallback to anything else.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tomllib
import warnings
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from lstmdyn.errors import DataError

__all__ = ["DataInfo", "DataRegistry", "Dataset", "RegisteredFile", "data_info", "fetch", "registry", "restricted_load"]

REGISTRY = Path(str(resources.files("lstmdyn.data") / "registry.toml"))  #: the registry shipped with the package


def _cache() -> Path:
    """``data/cache`` of the book's checkout when the package runs from one, else the user cache."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "data").is_dir() and (checkout / "_toc.yml").is_file():
        return checkout / "data" / "cache"
    return Path(_pooch().os_cache("lstmdyn"))


@dataclass(frozen=True)
class RegisteredFile:
    """One file of a data set: its name inside the data set, sha256, size and download URL."""

    dataset: str
    name: str
    sha256: str
    bytes: int
    url: str | None


@dataclass(frozen=True)
class Dataset:
    """A data set: where it comes from, its license line and its files."""

    name: str
    origin: str
    license: str
    files: dict[str, RegisteredFile]


def sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _pooch():
    """pooch, imported on first download: it imports ``tqdm.auto``, which warns inside a notebook kernel
    without ipywidgets, and that warning would fail the page."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pooch
    return pooch


def _download(url: str, output_file: str, pooch_instance) -> None:
    """pooch's downloader, plus ``file://`` URLs (a local mirror, and the tests)."""
    if urlparse(url).scheme == "file":
        shutil.copyfile(url2pathname(urlparse(url).path), output_file)
    else:
        _pooch().HTTPDownloader(progressbar=True)(url, output_file, pooch_instance)


class DataRegistry:
    """The data files of ``registry_file``, served from ``$LSTMDYN_DATA``, ``cache`` or their URLs."""

    def __init__(self, registry_file: Path = REGISTRY, cache: Path | None = None) -> None:
        self.registry_file = Path(registry_file)
        self.cache = Path(cache) if cache is not None else _cache()

    @cached_property
    def datasets(self) -> dict[str, Dataset]:
        """Every registered data set, by name."""
        table = tomllib.loads(self.registry_file.read_text())
        return {name: Dataset(name, entry["origin"], entry["license"], {
            file: RegisteredFile(name, file, spec["sha256"], spec["bytes"], spec.get("url"))
            for file, spec in entry["files"].items()}) for name, entry in table.items()}

    def file(self, dataset: str, name: str) -> RegisteredFile:
        """The registry entry of one file; a :class:`DataError` lists the known names otherwise."""
        if dataset not in self.datasets:
            raise DataError(f"unknown data set {dataset!r}; known: {', '.join(sorted(self.datasets))}")
        files = self.datasets[dataset].files
        if name not in files:
            raise DataError(f"data set {dataset} has no file {name!r}; its files: {', '.join(files)}")
        return files[name]

    def local_copy(self, entry: RegisteredFile) -> Path | None:
        """``$LSTMDYN_DATA/<data set>/<file>`` if it exists (and matches its sha256), else None."""
        root = os.environ.get("LSTMDYN_DATA")
        if not root:
            return None
        path = Path(root).resolve() / entry.dataset / entry.name
        if not path.is_file():
            return None
        actual = sha256(path)
        if actual != entry.sha256:
            raise DataError(f"{path} is corrupt: its sha256 is {actual}, expected {entry.sha256}. "
                            f"Replace it with the original file, or unset LSTMDYN_DATA to download "
                            f"{entry.url or 'it'} into {self.cache}")
        return path

    def fetch(self, dataset: str, name: str) -> Path:
        """The verified local path of file ``name`` of ``dataset`` (see the module docstring)."""
        entry = self.file(dataset, name)
        path = self.local_copy(entry)
        if path is not None:
            return path
        how = (f"put the file at $LSTMDYN_DATA/{dataset}/{name} (LSTMDYN_DATA is "
               f"{os.environ.get('LSTMDYN_DATA') or 'not set'})")
        if entry.url is None:
            raise DataError(f"{dataset}/{name} (sha256 {entry.sha256}) is not available: it has no public "
                            f"URL, so {how}")
        cached, state = self.cache / dataset / name, "is missing"
        if cached.is_file() and (actual := sha256(cached)) != entry.sha256:
            aside = cached.with_name(cached.name + ".corrupt")
            os.replace(cached, aside)  # set aside, not deleted: the download below starts afresh
            state = f"was corrupt in the cache (sha256 {actual}; moved aside to {aside})"
        fetcher = _pooch().Pooch(path=self.cache / dataset, base_url="",
                              registry={name: f"sha256:{entry.sha256}"}, urls={name: entry.url})
        try:
            return Path(fetcher.fetch(name, downloader=_download))
        except ValueError as e:  # pooch: the downloaded file's hash does not match
            raise DataError(f"the download of {dataset}/{name} from {entry.url} is corrupt ({e}); "
                            f"nothing was kept. Expected sha256 {entry.sha256}; {how}") from None
        except Exception as e:  # no network, HTTP errors, a missing local mirror
            raise DataError(f"{dataset}/{name} (sha256 {entry.sha256}) {state} and could not be "
                            f"downloaded from {entry.url} ({type(e).__name__}: {e}). Either {how}, "
                            f"or allow the download into {self.cache / dataset}") from None


registry = DataRegistry()


@dataclass(frozen=True)
class DataInfo:
    """What a loader returns beside its tensors: the data set's origin and license, and its sizes."""

    name: str
    origin: str
    license: str
    facts: dict

    def __str__(self) -> str:
        facts = "; ".join(f"{k}: {v}" for k, v in self.facts.items())
        return f"{self.name} ({self.origin}; {self.license}). {facts}"


def data_info(dataset: str, **facts) -> DataInfo:
    """The metadata record of a registered data set, with the given facts (sizes, vocabulary, units)."""
    entry = registry.datasets[dataset]
    return DataInfo(dataset, entry.origin, entry.license, facts)


def fetch(dataset: str, name: str) -> Path:
    """The verified local path of a registered data file: see :class:`DataRegistry`."""
    return registry.fetch(dataset, name)


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles builtin containers and numpy arrays only: no other code can run."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("builtins", "dict"), ("builtins", "list"),
               ("builtins", "tuple"), ("builtins", "set"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module, name)


def restricted_load(path: Path):
    """Load a pickle (Python 2 pickles included) that may hold only builtins and numpy arrays."""
    with open(path, "rb") as f:
        return _RestrictedUnpickler(f, encoding="latin1").load()
