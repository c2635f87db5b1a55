"""Loaders: one module per on-disk format, and :func:`load` / :func:`load_all` that detect it.

Every format module provides

* ``NAME`` — the format's name, as accepted by ``load(..., format=NAME)``;
* ``detect(path: Path) -> bool`` — cheap check (file names, first bytes);
* ``sources(path: Path) -> list[Path]`` — the files a load reads (the cache key is their SHA-256);
* ``read(path: Path, *, mode: str, report: LoadReport, **options) -> list[Household]``;
* optionally ``hint(path: Path) -> str | None`` — why a near miss was not recognised and what
  to do, added to the "unrecognised format" error.

``mode="strict"`` raises :class:`~nilm.errors.NilmDataError` (file and line) on the first bad
input; ``mode="lenient"`` (default) repairs and records each repair in ``household.report``.
:func:`load_all` raises no other exception for bad input: an ``OSError`` (a folder given where a
file is expected, ``/dev/null``, an unreadable file), a ``UnicodeDecodeError`` a loader did
not locate itself, or an error raised inside h5py by a damaged HDF5 file becomes a
NilmDataError naming the file.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LoadReport, NilmDataError, check_mode
from ..series import Household
from .checksum import sha256_file

#: format modules in detection order (most specific first)
_FORMAT_MODULES = ["nilmh5", "enedis", "enedis_xlsx", "dataconnect", "supplier", "tic", "meter",
                   "eco", "linky_folder", "redd", "nilmtk", "ukdale", "refit", "uci", "ampds",
                   "tracebase"]


def _formats():
    import importlib

    return [importlib.import_module(f"{__name__}.{m}") for m in _FORMAT_MODULES]


def detect_format(path) -> str:
    """Name of the format of ``path`` (file or folder); raises NilmDataError when unknown."""
    path = Path(path)
    if not path.exists():
        raise NilmDataError(path, None, "no such file or folder")
    if not (path.is_file() or path.is_dir()):
        raise NilmDataError(path, None, "not a data file or folder (a device, socket or pipe)")
    for mod in _formats():
        if mod.detect(path):
            return mod.NAME
    hints = [h for mod in _formats() if (h := getattr(mod, "hint", lambda p: None)(path))]
    raise NilmDataError(path, None, "unrecognised format (known: "
                        + ", ".join(m.NAME for m in _formats()) + ")"
                        + "".join(f"; {h}" for h in hints))


def _module(fmt: str):
    for mod in _formats():
        if mod.NAME == fmt:
            return mod
    raise ValueError(f"unknown format {fmt!r}")


def load_all(path, *, format: str | None = None, mode: str = "lenient", cache=None,
             **options) -> list[Household]:
    """Every household found at ``path``, in a stable order.

    Parameters
    ----------
    path : a data file or folder (a house folder, or a folder of house folders).
    format : force a format name instead of detecting it.
    mode : ``"lenient"`` (repair and report) or ``"strict"`` (raise on the first problem).
    cache : ``None`` (default: the user cache folder, ``$NILM_CACHE`` or ``~/.cache/nilm``),
        ``False`` (no cache), or a folder path. Cached households are keyed by the SHA-256 of
        every source file, the options and the nilm version (see :mod:`nilm.io.cache`).
    options : format-specific options, documented in each module's ``read``.
    """
    check_mode(mode)
    path = Path(path)
    from . import cache as _cache

    try:
        mod = _module(format or detect_format(path))
        return _cache.cached_read(mod, path, mode=mode, cache=cache, **options)
    except UnicodeDecodeError as exc:
        # loaders locate bad bytes themselves (file, line); this names what one did not
        raise NilmDataError(path, None, f"not UTF-8 text ({exc.reason}, byte "
                            f"{exc.object[exc.start:exc.start + 1]!r})") from exc
    except OSError as exc:
        # a folder where a file is expected, a file where a folder is, unreadable files
        raise NilmDataError(exc.filename or path, None, exc.strerror or str(exc)) from exc
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        if not _raised_by_h5py(exc):
            raise
        # a damaged HDF5 file (UK-DALE, NILMTK): h5py reports broken structures this way
        raise NilmDataError(path, None, f"damaged HDF5 file ({type(exc).__name__}: {exc})"
                            ) from exc


def _raised_by_h5py(exc: BaseException) -> bool:
    """True when the innermost frame of ``exc``'s traceback is h5py's own code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and "h5py" in Path(tb.tb_frame.f_code.co_filename).parts


def load(path, *, house=None, **options) -> Household:
    """One household from ``path``. For a multi-house source, ``house`` picks one (by the
    ``meta["house"]`` value); without it a multi-house source is an error listing the houses."""
    houses = load_all(path, **options)
    if house is not None:
        picked = [h for h in houses if str(h.meta.get("house")) == str(house)]
        if not picked:
            raise NilmDataError(path, None, f"no house {house!r}; found "
                                f"{[h.meta.get('house') for h in houses]}")
        return picked[0]
    if len(houses) != 1:
        raise NilmDataError(path, None, f"{len(houses)} households found "
                            f"({[h.meta.get('house') for h in houses]}): pass house=... or use "
                            "nilm.load_all")
    return houses[0]


def write_nilmtk(households, path, **options) -> Path:
    """Write households as a NILMTK HDF5 file that ``nilmtk.DataSet`` opens; see
    :func:`nilm.io.nilmtk.write_nilmtk` (needs PyTables: ``pip install 'nilm[nilmtk]'``)."""
    from .nilmtk import write_nilmtk as write

    return write(households, path, **options)


__all__ = ["LoadReport", "NilmDataError", "detect_format", "load", "load_all", "sha256_file",
           "write_nilmtk"]
