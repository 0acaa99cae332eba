"""The built catalog kept between starts, so that `trt run` does not parse and check it again.

Building the catalog from its YAML (parse, shape, meaning, the proof that pricing covers every
combination) took 50-60 ms of every start on this project's 2-core machine; reading the
built one back takes about 8 ms. `load_catalog_cached` keeps it in one file per content:

- the file's name is a digest of everything the built catalog follows from — the catalog's
  files (names and bytes), this package's version, and the size and modification time of
  each module of `trt_actors.catalog` (whose classes the file holds) — so an edited price, a
  new model or new code finds no file and builds afresh; files of other digests are removed
  when a new one is written;
- a catalog with problems is never kept: it raises `CatalogError` every start, as before;
- the folder is `$TRT_CACHE_DIR`, else `$XDG_CACHE_HOME/trt-actors`, else
  `~/.cache/trt-actors`; `TRT_CACHE_DIR=off` keeps nothing. A folder that cannot be written
  and a file that cannot be read back (truncated, from another Python) are logged and the
  catalog is built from its files: the cache can make a start faster, never fail it.

The file is a pickle, read only from that folder, which belongs to the service's own user
(as its code does). `trt catalog check` and `trt doctor` always read the YAML.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import structlog

from trt_actors._version import __version__

from .loader import default_catalog_path, load_catalog
from .models import Catalog

log = structlog.get_logger("trt.catalog")

CACHE_DIR_ENV = "TRT_CACHE_DIR"
CACHE_OFF = "off"
_PREFIX = "catalog-"
_SUFFIX = ".pickle"
# what unpickling a truncated file, or one of other code, raises
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError)
_CODE = Path(__file__).resolve().parent  # the modules whose classes a kept catalog holds


def cache_dir() -> Path | None:
    """Where built catalogs are kept; None when `TRT_CACHE_DIR=off`."""
    chosen = os.environ.get(CACHE_DIR_ENV, "")
    if chosen == CACHE_OFF:
        return None
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trt-actors"


def catalog_digest(root: Path) -> str:
    """A digest of what the catalog built from `root` follows from (files, version, code).

    Raises OSError when a file cannot be read (then the loader reports it properly)."""
    digest = hashlib.sha256(f"trt-actors {__version__}\n".encode())
    for module in sorted(_CODE.glob("*.py")):
        stat = module.stat()
        digest.update(f"{module.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for path in [root / "catalog.yaml", *sorted((root / "models").glob("*.yaml"))]:
        content = path.read_bytes()
        digest.update(f"{path.relative_to(root)} {len(content)}\n".encode())
        digest.update(content)
    return digest.hexdigest()[:32]


def load_catalog_cached(path: str | os.PathLike[str] | None = None) -> Catalog:
    """`load_catalog(path)`, from the kept copy when one of the same content exists."""
    root = Path(path) if path is not None else default_catalog_path()
    if root.is_file():
        root = root.parent
    folder = cache_dir()
    if folder is None:
        return load_catalog(root)
    try:
        kept = folder / f"{_PREFIX}{catalog_digest(root)}{_SUFFIX}"
    except OSError:
        return load_catalog(root)  # a file it cannot read: the loader says which, and why
    catalog = _read_kept(kept)
    if catalog is not None:
        return catalog
    catalog = load_catalog(root)  # CatalogError: nothing is kept
    _keep(catalog, kept)
    return catalog


def _read_kept(kept: Path) -> Catalog | None:
    try:
        data = kept.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None  # not kept yet (the folder's problem, if any, is told on writing)
    except OSError as error:
        log.warning("catalog.cache_unreadable", path=str(kept), error=str(error))
        return None
    try:
        catalog = pickle.loads(data)
    except _UNREADABLE as error:
        log.warning("catalog.cache_unreadable", path=str(kept), error=repr(error))
        return None
    if not isinstance(catalog, Catalog):
        log.warning("catalog.cache_unreadable", path=str(kept), error="not a catalog")
        return None
    return catalog


def _keep(catalog: Catalog, kept: Path) -> None:
    """Write `catalog` to `kept` whole or not at all, and remove the copies of other digests."""
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=kept.parent, prefix=".catalog-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(catalog, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, kept)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        for other in kept.parent.glob(f"{_PREFIX}*{_SUFFIX}"):
            if other != kept:
                other.unlink(missing_ok=True)
    except OSError as error:
        log.info("catalog.cache_not_written", folder=str(kept.parent), error=str(error))
