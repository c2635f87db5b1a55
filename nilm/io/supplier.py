"""The supplier's half-hourly export "mes-puissances-atteintes-30min-<id>-<code postal>.csv".

What a supplier's customer space (EDF "suivi conso") gives as a zip: Latin-1 (Windows-1252),
``;``-separated::

    Récapitulatif de mes puissances atteintes en W

    Date et heure de relève par le distributeur;Puissance atteinte (W);Nature de la donnée
    18/01/2025;;
    00:00:00;1122;Réelle
    23:30:00;1184;Réelle
    …

one ``dd/mm/yyyy;;`` line per day, newest day first, then that day's 30-min values newest first,
each ``HH:MM:SS`` the **end** of its half-hour in local time without offset, ``00:00:00``
meaning 24:00 of that day (the end of its last half-hour). Values are the mean power of the
half-hour, W. The file holds no meter id; the long number in its name is used when it is a
14-digit PRM (else the file joins the one meter of a folder, :mod:`nilm.io.merge`).

The rows are read oldest first (the file's order reversed), so the repeated autumn hour is
resolved in time order (:mod:`nilm.io.wallclock`). A time off the half-hour grid, a value that is
not a number (``nan``/``inf`` included) or a row before any day line is an error in strict
mode, skipped and reported in lenient mode; repeated rows are de-duplicated (the first in file
order kept).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from ..errors import LoadReport
from .curve import LINKY_POWER_RANGE_W, Problems, Reading, clean, decode, norm, number, utc
from .merge import read_files

NAME = "supplier"
#: the largest power of a Linky meter, for the plausibility layer of :mod:`nilm.io`
POWER_RANGE_W = LINKY_POWER_RANGE_W

#: the export's step, s
STEP = 1800

_TITLE = "recapitulatif de mes puissances atteintes"
_HEADER = "date et heure de releve par le distributeur"
_DAY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
_ID = re.compile(r"(?<!\d)(\d{11,})(?!\d)")


def detect(path: Path) -> bool:
    """A ``.csv`` whose first lines are the title or the column header of this export."""
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return False
    try:
        with open(path, "rb") as f:
            head = decode(f.read(2048))
    except OSError:
        return False
    lines = [norm(x) for x in head.splitlines() if x.strip()][:3]
    return any(x.startswith((_TITLE, _HEADER)) for x in lines)


def sources(path: Path) -> list[Path]:
    path = Path(path)
    return sorted(f for f in path.glob("*") if detect(f)) if path.is_dir() else [path]


def parse(path, *, mode: str, report: LoadReport, tz: str = "Europe/Paris"):
    """The readings of one supplier export and its :class:`~nilm.io.curve.Problems`."""
    path = Path(path)
    problems = Problems(path, mode, report)
    lines = decode(path.read_bytes()).splitlines()
    day = None
    rows = []  # (line, naive end seconds, value)
    for no, text in enumerate(lines, start=1):
        cells = [c.strip() for c in text.split(";")]
        if not any(cells):
            continue
        first = norm(cells[0])
        if first.startswith((_TITLE, _HEADER)):
            continue
        m = _DAY.match(cells[0])
        if m and not any(cells[1:]):
            d, mo, y = (int(x) for x in m.groups())
            day = int((np.datetime64(f"{y:04d}-{mo:02d}-{d:02d}", "D")
                       - np.datetime64("1970-01-01", "D")).astype(np.int64)) * 86400
            continue
        m = _TIME.match(cells[0])
        if not m or len(cells) < 2:
            problems.problem(no, "malformed_line", f"expected 'HH:MM:SS;W;…' or a "
                             f"'dd/mm/yyyy;;' day line, got {text!r}")
            continue
        if day is None:
            problems.problem(no, "malformed_line", "a time before any day line")
            continue
        hh, mm, ss = (int(x) for x in m.groups())
        seconds = hh * 3600 + mm * 60 + ss
        if seconds % STEP:
            problems.problem(no, "malformed_line", f"{cells[0]} is not on the half-hour grid")
            continue
        # 00:00:00 closes the day's last half-hour: 24:00 of that day
        end = day + (seconds if seconds else 86400)
        try:
            value = number(cells[1])
        except ValueError:
            problems.problem(no, "non_numeric", f"non-numeric value {cells[1]!r}")
            value = math.nan
        else:
            if math.isnan(value):
                problems.note(no, "missing_value", "empty value: gap")
        rows.append((no, end, value))
    if not rows:
        problems.error(None, "no 'HH:MM:SS;W' rows")
    naive = np.array([r[1] for r in rows], dtype=np.int64)
    if np.sum(np.diff(naive) < 0) > np.sum(np.diff(naive) > 0):
        rows = rows[::-1]  # newest first in the file: read oldest first
    line = np.array([r[0] for r in rows], dtype=np.int64)
    end = utc([r[1] for r in rows], np.zeros(len(rows), dtype=bool), line, problems, tz)
    value = np.array([r[2] for r in rows], dtype=np.float64)
    order = np.lexsort((line, end))
    end, value, line = end[order], value[order], line[order]
    dup = np.flatnonzero(np.diff(end) == 0) + 1
    if len(dup):
        same = int(np.sum(value[dup] == value[dup - 1]))
        problems.problem(int(line[dup[0]]), "duplicate_timestamp",
                         f"{len(dup)} repeated half-hours ({same} with the same value; the "
                         "first in file order kept)", count=len(dup))
        keep = np.ones(len(end), dtype=bool)
        keep[dup] = False
        end, value, line = end[keep], value[keep], line[keep]
    step = np.full(len(end), STEP, dtype=np.int64)
    d = np.diff(end)
    for k in np.flatnonzero(d > STEP):
        problems.note(int(line[k + 1]), "missing_rows", f"no rows for {int(d[k] - STEP) // 60} "
                      "min before this one (a gap)")
    start, step, value, line = clean(end - step, step, value, line, problems)
    ident = _ID.findall(path.stem)
    meter = ident[0] if ident and len(ident[0]) == 14 else None
    if ident and meter is None:
        problems.note(None, "meter_unknown", "the number in the file name is not a 14-digit "
                      "PRM: not used as the meter id")
    reading = Reading(path, meter, "PRM" if meter else None, "consumption", start, step, value,
                      line, NAME, label="supplier export, mean power per half-hour")
    return [reading], problems


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris") -> list:
    """Households from a "mes-puissances-atteintes-30min" export, or a folder of them.

    Parameters
    ----------
    path : the ``.csv`` (unzipped), or a folder of them.
    mode, report, tz : as in :func:`nilm.io.enedis.read`.

    Returns
    -------
    One Household per meter (:func:`nilm.io.merge.households`): ``mains`` the 30-min mean
    power, W, start-labelled UTC.
    """
    return read_files(parse, sources(Path(path)), mode=mode, report=report, tz=tz)
