"""A folder of one household's Linky downloads, in any mix of formats, read as one meter.

Every file of the folder is read by the Linky reader that recognises it — Enedis CSV
(:mod:`nilm.io.enedis`), Enedis XLSX (:mod:`~nilm.io.enedis_xlsx`), Data Connect /
MyElectricalData JSON (:mod:`~nilm.io.dataconnect`), the supplier export
(:mod:`~nilm.io.supplier`), TIC logs (:mod:`~nilm.io.tic`) — and all of them are merged by meter
id (:mod:`nilm.io.merge`): overlapping downloads de-duplicated, disagreements reported, daily
files as daily data of the same meter. Files no Linky reader recognises are listed in the report
(``file_skipped``), never read as data. Sub-folders are not entered (``nilm linky``'s own output
folder can sit beside the downloads).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import LoadReport
from .curve import LINKY_POWER_RANGE_W, Problems
from .merge import read_files

NAME = "linky"
#: the largest power of a Linky meter, for the plausibility layer of :mod:`nilm.io`
POWER_RANGE_W = LINKY_POWER_RANGE_W

#: the Linky readers, in detection order
READERS = ("enedis_xlsx", "dataconnect", "supplier", "enedis", "tic")


def _readers():
    return [importlib.import_module(f"{__package__}.{m}") for m in READERS]


def reader_of(path: Path):
    """The Linky reader module that recognises the file ``path``, or None."""
    for mod in _readers():
        if mod.detect(path):
            return mod
    return None


def _files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))


def detect(path: Path) -> bool:
    """A folder holding at least one file a Linky reader recognises."""
    path = Path(path)
    return path.is_dir() and any(reader_of(f) is not None for f in _files(path))


def sources(path: Path) -> list[Path]:
    path = Path(path)
    if not path.is_dir():
        return [path]
    return [f for f in _files(path) if reader_of(f) is not None]


def _parse(path: Path, *, mode: str, report: LoadReport, tz: str, start=None):
    mod = reader_of(path)
    if mod is None:  # only a single file given as such: a folder's sources are recognised
        Problems(path, mode, report).error(None, "not a Linky file any reader recognises "
                                           "(Enedis CSV / XLSX, Data Connect JSON, supplier "
                                           "export, TIC log)")
    options = {"start": start} if mod.NAME == "tic" else {}
    return mod.parse(path, mode=mode, report=report, tz=tz, **options)


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris", start=None) -> list:
    """Households (one per meter) from a folder of Linky downloads, or from one such file.

    Parameters
    ----------
    path : the folder (or a single file of any Linky format).
    mode, report, tz : as in :func:`nilm.io.enedis.read`.
    start : start of a TIC capture without clock (see :func:`nilm.io.tic.read`).

    Returns
    -------
    Households of :func:`nilm.io.merge.households`, one per meter found.
    """
    path = Path(path)
    report = LoadReport() if report is None else report
    if path.is_dir():
        for f in _files(path):
            if reader_of(f) is None:
                Problems(f, mode, report).note(None, "file_skipped", "not a Linky file any "
                                               "reader recognises: not read")
    return read_files(_parse, sources(path), mode=mode, report=report, tz=tz, start=start)
