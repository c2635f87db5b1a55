"""The Enedis customer-space XLSX export (the download households get since 2025).

A workbook of at most 7 days of hourly (or half-hourly) data per download:

* a **cover sheet** first, whose cells name the meter (``Identifiant PRM``, 14 digits, in one of
  its cells or beside a label cell);
* a **data sheet** ("Consommation Horaire" or similar) whose table starts below a block of header
  rows: a header row with ``Début``, ``Fin`` and ``Valeur (en kW)`` (or ``(en W)``), then one row
  per step with ``dd/mm/yyyy hh:mm[:ss]`` local times (Europe/Paris, no offset), **start**
  labelled, a decimal comma and ``NA`` for a missing value. The table is found by its header,
  wherever it sits, never by position;
* optionally a daily sheet ("Export Consommation Quotidienne"): ``Date`` and ``Valeur (en kWh)``.

Times without offset follow :mod:`nilm.io.wallclock` (the autumn repeat by row order, the spring
skip an error in strict mode). Each step is ``Fin − Début``. A sheet whose title or header block
says production / injection is kept apart from consumption. Read with openpyxl (read-only).
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import numpy as np

from ..errors import LoadReport
from ..resample import local_midnights
from .curve import LINKY_POWER_RANGE_W, Problems, Reading, clean, norm, number, stamp, utc
from .merge import read_files

NAME = "enedis_xlsx"
#: the largest power of a Linky meter, for the plausibility layer of :mod:`nilm.io`
POWER_RANGE_W = LINKY_POWER_RANGE_W

_PRM = re.compile(r"(?<!\d)\d{14}(?!\d)")
_LABELS = ("prm", "point de livraison", "pdl", "identifiant")
_UNITS = {"kw": 1000.0, "w": 1.0, "kwh": 1000.0, "wh": 1.0}


def detect(path: Path) -> bool:
    """An ``.xlsx`` workbook (a zip with ``xl/workbook.xml``) holding an Enedis table."""
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".xlsx"):
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def sources(path: Path) -> list[Path]:
    path = Path(path)
    return sorted(f for f in path.glob("*") if detect(f)) if path.is_dir() else [path]


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _meter(rows: list[tuple], problems: Problems) -> str | None:
    """The PRM named in the cover sheet's cells (a label cell beside it wins a tie)."""
    found: dict[str, int] = {}
    for row in rows:
        cells = [_text(v) for v in row]
        for k, cell in enumerate(cells):
            for prm in _PRM.findall(cell.replace(" ", "")):
                near = " ".join(cells[max(0, k - 1):k + 1]).lower()
                found[prm] = max(found.get(prm, 0), int(any(w in near for w in _LABELS)))
    if not found:
        return None
    best = max(found.values())
    picked = [p for p, score in found.items() if score == best]
    if len(picked) > 1:
        problems.note(None, "meter_ambiguous", f"the cover sheet names {len(picked)} meters: "
                      "none taken")
        return None
    return picked[0]


def _header(row: tuple) -> dict | None:
    """Columns of a table header row: {"start", "end", "value", "unit"} or {"date", ...}."""
    cells = [norm(_text(v)) for v in row]
    col = {}
    for k, c in enumerate(cells):
        if c == "debut":
            col["start"] = k
        elif c == "fin":
            col["end"] = k
        elif c == "date":
            col["date"] = k
        elif c.startswith("valeur"):
            col["value"] = k
            unit = re.search(r"\(en ([a-z]+)\)", c)
            col["unit"] = unit.group(1) if unit else "kw"
    if "value" in col and ("start" in col or "date" in col):
        return col
    return None


class _Sheet:
    def __init__(self, title: str, rows: list[tuple], problems: Problems, tz: str):
        self.title, self.rows, self.problems, self.tz = title, rows, problems, tz

    def where(self, row: int) -> str:
        return f"sheet {self.title!r} row {row}"

    def table(self, meter, fmt) -> list[Reading]:
        for h, row in enumerate(self.rows):
            col = _header(row)
            if col is None:
                continue
            above = " ".join(norm(_text(v)) for r in self.rows[:h] for v in r if v is not None)
            above += " " + norm(self.title)
            production = "production" in above or "injection" in above
            if col["unit"] not in _UNITS:
                self.problems.error(h + 1, f"{self.where(h + 1)}: unit {col['unit']!r} is not "
                                    "W, kW, Wh or kWh")
            if col["unit"] != "w":
                self.problems.note(h + 1, "unit_converted", f"{self.where(h + 1)}: "
                                   f"{col['unit']} to mean W")
            if "date" in col and "start" not in col:
                return self.daily(h, col, meter, production, fmt)
            return self.curve(h, col, meter, production, fmt)
        return []

    def _cells(self, h: int, col: dict, keys: tuple[str, ...]):
        """Data rows below header ``h``: (row number, stamps…, value); stops at a blank row
        after data or a row that is not a time (a footer)."""
        out = []
        for r in range(h + 1, len(self.rows)):
            row = self.rows[r]
            no = r + 1
            if all(v is None or _text(v) == "" for v in row):
                if out:
                    break
                continue
            try:
                times = [stamp(row[col[k]]) for k in keys]
            except (ValueError, IndexError, TypeError):
                if out:
                    self.problems.note(no, "trailing_section", f"{self.where(no)}: rows after "
                                       f"the table skipped ({len(self.rows) - r} rows)",
                                       count=len(self.rows) - r)
                    break
                self.problems.problem(no, "malformed_line", f"{self.where(no)}: not a "
                                      "date-time")
                continue
            raw = row[col["value"]] if col["value"] < len(row) else None
            try:
                value = number(raw)
            except ValueError:
                self.problems.problem(no, "non_numeric", f"{self.where(no)}: non-numeric "
                                      f"value {raw!r}")
                value = math.nan
            else:
                if math.isnan(value):
                    self.problems.note(no, "missing_value", f"{self.where(no)}: empty value "
                                       "(NA): gap")
            out.append((no, times, value))
        return out

    def curve(self, h, col, meter, production, fmt) -> list[Reading]:
        keys = ("start", "end") if "end" in col else ("start",)
        found = self._cells(h, col, keys)
        if not found:
            self.problems.error(h + 1, f"{self.where(h + 1)}: no rows under the header")
        line = np.array([f[0] for f in found], dtype=np.int64)
        start = utc([f[1][0][0] for f in found], [f[1][0][1] for f in found], line,
                    self.problems, self.tz)
        if "end" in col:
            end = utc([f[1][1][0] for f in found], [f[1][1][1] for f in found], line,
                      self.problems, self.tz)
        else:
            end = np.append(start[1:], start[-1] + np.median(np.diff(start)) if len(start) > 1
                            else start[-1] + 3600)
        step = end - start
        bad = np.flatnonzero(step <= 0)
        for k in bad:
            self.problems.problem(int(line[k]), "malformed_line", f"{self.where(line[k])}: "
                                  "'Fin' is not after 'Début'")
        ok = step > 0
        value = np.array([f[2] for f in found]) * _UNITS[col["unit"]]
        start, step, value, line = clean(start[ok], step[ok], value[ok], line[ok],
                                         self.problems)
        channel = "production" if production else "consumption"
        return [Reading(self.problems.path, meter, "PRM" if meter else None, channel, start,
                        step, value, line, fmt, label=f"Enedis XLSX {self.title}")]

    def daily(self, h, col, meter, production, fmt) -> list[Reading]:
        found = self._cells(h, col, ("date",))
        if not found:
            self.problems.error(h + 1, f"{self.where(h + 1)}: no rows under the header")
        line = np.array([f[0] for f in found], dtype=np.int64)
        t = utc([f[1][0][0] for f in found], [f[1][0][1] for f in found], line, self.problems,
                self.tz)
        days, edges = local_midnights(int(t.min()), int(t.max()) + 1, self.tz)
        import pandas as pd

        local = pd.to_datetime(t, unit="s", utc=True).tz_convert(self.tz)
        k = np.searchsorted(days, np.array(local.strftime("%Y-%m-%d").tolist(),
                                           dtype="datetime64[D]"))
        start, step = edges[k], edges[k + 1] - edges[k]
        energy = np.array([f[2] for f in found]) * _UNITS[col["unit"]]
        start, step, mean, line = clean(start, step, energy * 3600.0 / step, line,
                                        self.problems)
        channel = "daily_production" if production else "daily"
        return [Reading(self.problems.path, meter, "PRM" if meter else None, channel, start,
                        step, mean, line, fmt, label=f"Enedis XLSX {self.title}")]


def parse(path, *, mode: str, report: LoadReport, tz: str = "Europe/Paris"):
    """The readings of one Enedis XLSX export and its :class:`~nilm.io.curve.Problems`."""
    import openpyxl

    path = Path(path)
    problems = Problems(path, mode, report)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 -- any unreadable workbook is bad input
        problems.error(None, f"not a readable XLSX workbook ({type(exc).__name__}: {exc})")
    sheets = []
    try:
        for ws in book.worksheets:
            # read-only workbooks parse each sheet's XML only now: a damaged sheet fails here
            try:
                sheets.append((ws.title, list(ws.iter_rows(values_only=True))))
            except Exception as exc:  # noqa: BLE001 -- any unreadable sheet is bad input
                problems.error(None, f"sheet {ws.title!r} is not readable ({type(exc).__name__}"
                               f": {exc})")
    finally:
        book.close()
    meter = None
    for _, rows in sheets:
        # the cover sheet first; else a data sheet's header block
        meter = _meter(rows[:60], problems)
        if meter:
            break
    readings = []
    for title, rows in sheets:
        readings += _Sheet(title, rows, problems, tz).table(meter, NAME)
    if not readings:
        problems.error(None, "no sheet with a 'Début' / 'Fin' / 'Valeur' (or 'Date' / "
                       "'Valeur') table")
    return readings, problems


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris") -> list:
    """Households from an Enedis XLSX export, or a folder of them merged by PRM.

    Parameters
    ----------
    path : an ``.xlsx`` download, or a folder of downloads (e.g. one per week).
    mode, report, tz : as in :func:`nilm.io.enedis.read`.

    Returns
    -------
    One Household per meter (:func:`nilm.io.merge.households`): ``mains`` the hourly (or
    half-hourly) mean active power in W, start-labelled UTC; ``extra["daily"]`` from a daily
    sheet; house = the masked PRM of the cover sheet.
    """
    return read_files(parse, sources(Path(path)), mode=mode, report=report, tz=tz)
