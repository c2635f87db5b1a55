"""Enedis Linky load-curve exports ("courbe de charge"), as a customer downloads them.

Two layouts are read (``;``-separated, UTF-8 with or without BOM, or Windows-1252):

* **horodate** — the "Mes données de consommation" download: a metadata header line
  (``Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur
  metier;Etape metier;Unite[;Pas en minutes]``), its value line (PRM, ``Courbe de charge``, dates,
  unit ``W``…), optionally a blank line, then ``Horodate;Valeur`` and one row per step
  (``2023-03-26T03:00:00+02:00;1234``; an empty value is a missing point). The file has one step:
  ``Pas en minutes`` when filled in, else the most common spacing of the timestamps.
* **flat** — the detailed-measures layout with one measure per row and a ``Pas`` column
  (``Identifiant PRM;Date de début;…;Unité;Horodate;Valeur;Nature;Pas;…``, ``Pas`` = ``PT10M``,
  ``PT30M``, ``PT60M``…), possibly mixing steps and unsorted. Rows whose ``Grandeur métier`` is
  production (``PROD``) become ``extra["production"]``.

Time: ``Horodate`` is local time with its UTC offset and marks the **end** of the step; nilm
stores each value start-labelled in UTC (start = end − step). Values are mean active power in W
(the unit line says ``W``; Enedis' Data Connect API describes the same curve as
``measurement_kind: power, unit: W, aggregate: average``). ``kW`` is converted to W and
per-step energy in ``Wh`` to mean W (each recorded as ``unit_converted``).

Holding: a PowerSeries holds each sample until the next one, so after the last step of a run of
values (a missing row, the end of the file, or a longer step followed by shorter ones with a
hole) a NaN sample is inserted at the step's end: no value is ever held beyond its own interval.
The series' ``period`` is the longest step in the file, so the default ``max_gap`` (3 periods)
never truncates a step.

Problems: an empty value is a gap (NaN, counted as ``missing_value`` in the report in both
modes). In ``strict`` mode a malformed line, a non-numeric value, a timestamp without UTC offset,
an out-of-order, duplicate or overlapping step raises :class:`~nilm.errors.NilmDataError`
naming the file and line; in ``lenient`` mode the loader sorts, keeps the first of duplicate or
overlapping steps, turns bad values into NaN, skips bad lines, and reports each repair.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import LoadReport, NilmDataError, check_mode
from ..resample import parse_period
from ..series import Household, PowerSeries
from . import sha256_file

NAME = "enedis"

_META_KEY = "identifiant prm"


def _norm(text: str) -> str:
    """Lower case, no accents, no surrounding blanks (headers come with and without accents)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).strip().lower()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _sniff(path: Path) -> str | None:
    """``"horodate"``, ``"flat"`` or None, from the first lines."""
    try:
        with open(path, "rb") as f:
            head = _decode(f.read(4096)[:4096].rsplit(b"\n", 1)[0] + b"\n")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if not lines:
        return None
    first = [_norm(c) for c in lines[0].split(";")]
    if "horodate" in first and "valeur" in first and "pas" in first:
        return "flat"
    if first[0] == _META_KEY or first[:2] == ["horodate", "valeur"]:
        return "horodate"
    return None


def detect(path: Path) -> bool:
    """A ``.csv`` file in either layout, or a folder whose ``.csv`` files all are."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        return bool(files) and all(_sniff(f) for f in files)
    return path.suffix.lower() == ".csv" and _sniff(path) is not None


def sources(path: Path) -> list[Path]:
    path = Path(path)
    return sorted(path.glob("*.csv")) if path.is_dir() else [path]


class _Rows:
    """Parsed rows of one file: (line, prm, direction, end epoch s, step s, W) lists."""

    def __init__(self):
        self.line, self.prm, self.dir, self.end, self.step, self.value = [], [], [], [], [], []

    def add(self, line, prm, direction, end, step, value):
        self.line.append(line)
        self.prm.append(prm)
        self.dir.append(direction)
        self.end.append(end)
        self.step.append(step)
        self.value.append(value)


class _Parser:
    def __init__(self, path: Path, mode: str, report: LoadReport):
        self.path, self.mode, self.report = path, mode, report

    def problem(self, line, kind, detail):
        """Raise in strict mode, record the repair in lenient mode."""
        if self.mode == "strict":
            raise NilmDataError(self.path, line, detail)
        self.report.add(self.path, line, kind, detail)

    def time(self, text: str, line: int) -> int | None:
        try:
            stamp = datetime.fromisoformat(text.strip())
        except ValueError:
            self.problem(line, "malformed_line", f"bad timestamp {text!r}")
            return None
        if stamp.tzinfo is None:
            # without the offset the repeated hour of the October DST change is ambiguous
            raise NilmDataError(self.path, line, f"timestamp {text!r} has no UTC offset")
        return int(stamp.timestamp())

    def value(self, text: str, line: int, scale) -> float:
        text = text.strip()
        if not text:
            self.report.add(self.path, line, "missing_value", "empty value: gap")
            return math.nan
        try:
            return float(text.replace(",", ".")) * scale
        except ValueError:
            self.problem(line, "non_numeric", f"non-numeric value {text!r}")
            return math.nan

    def unit_scale(self, unit: str, line: int):
        """Factor to W, or ``"Wh"`` for per-step energy (converted once the step is known)."""
        u = _norm(unit)
        if u in ("w", ""):
            return 1.0
        if u == "kw":
            self.report.add(self.path, line, "unit_converted", "kW to W")
            return 1000.0
        if u == "wh":
            self.report.add(self.path, line, "unit_converted", "Wh per step to mean W")
            return "Wh"
        raise NilmDataError(self.path, line, f"unit {unit!r} is not a power (W, kW) or Wh")

    def horodate(self, lines: list[str], rows: _Rows) -> str:
        meta, prm, step = {}, None, None
        i = 0
        while i < len(lines) and not lines[i].strip():
            i += 1
        header = [_norm(c) for c in lines[i].split(";")] if i < len(lines) else []
        if header and header[0] == _META_KEY:
            values = lines[i + 1].split(";") if i + 1 < len(lines) else []
            meta = dict(zip(header, (v.strip() for v in values), strict=False))
            prm = meta.get(_META_KEY) or None
            pas = meta.get("pas en minutes", "")
            if pas.strip():
                try:
                    step = parse_period(f"{pas.strip()}min")
                except ValueError:
                    self.problem(i + 2, "malformed_line", f"bad 'Pas en minutes' {pas!r}")
            i += 2
        kind = _norm(meta.get("type de donnees", "courbe de charge"))
        if kind != "courbe de charge":
            raise NilmDataError(self.path, i, f"not a load curve (Type de donnees = {kind!r})")
        scale = self.unit_scale(meta.get("unite", "W"), i)
        while i < len(lines) and [_norm(c) for c in lines[i].split(";")][:2] != [
                "horodate", "valeur"]:
            if lines[i].strip():
                raise NilmDataError(self.path, i + 1, "expected the 'Horodate;Valeur' header")
            i += 1
        if i >= len(lines):
            raise NilmDataError(self.path, None, "no 'Horodate;Valeur' header")
        parsed = []
        for no, text in enumerate(lines[i + 1:], start=i + 2):
            if not text.strip():
                continue
            cells = text.split(";")
            if len(cells) < 2 or any(c.strip() for c in cells[2:]):
                self.problem(no, "malformed_line", f"expected 'Horodate;Valeur', got {text!r}")
                continue
            end = self.time(cells[0], no)
            if end is not None:
                parsed.append((no, end, cells[1]))
        if step is None:
            ends = np.sort(np.array([e for _, e, _ in parsed], dtype=np.int64))
            diffs = np.diff(ends)
            diffs = diffs[diffs > 0]
            if len(diffs) == 0:
                raise NilmDataError(self.path, None, "cannot tell the step: fill 'Pas en "
                                    "minutes' or give more than one row")
            step = int(Counter(diffs.tolist()).most_common(1)[0][0])
        for no, end, text in parsed:
            v = self.value(text, no, 1.0 if scale == "Wh" else scale)
            rows.add(no, prm, "CONS", end, step, v * 3600.0 / step if scale == "Wh" else v)
        return prm

    def flat(self, lines: list[str], rows: _Rows) -> None:
        header = [_norm(c) for c in lines[0].split(";")]
        col = {name: k for k, name in enumerate(header)}
        need = ("horodate", "valeur", "pas")
        for name in need:
            if name not in col:
                raise NilmDataError(self.path, 1, f"no {name!r} column")
        c_prm, c_unit = col.get(_META_KEY), col.get("unite")
        c_dir = col.get("grandeur metier")
        width = max(col[n] for n in need) + 1
        for no, text in enumerate(lines[1:], start=2):
            if not text.strip():
                continue
            cells = text.split(";")
            if len(cells) < width:
                self.problem(no, "malformed_line", f"{len(cells)} fields, expected {len(header)}")
                continue
            end = self.time(cells[col["horodate"]], no)
            try:
                step = parse_period(cells[col["pas"]].strip())
            except ValueError:
                self.problem(no, "malformed_line", f"bad Pas {cells[col['pas']]!r}")
                continue
            if end is None:
                continue
            scale = self.unit_scale(cells[c_unit], no) if c_unit is not None else 1.0
            v = self.value(cells[col["valeur"]], no, 1.0 if scale == "Wh" else scale)
            if scale == "Wh":
                v = v * 3600.0 / step
            prm = cells[c_prm].strip() if c_prm is not None else None
            direction = _norm(cells[c_dir]).upper() if c_dir is not None else "CONS"
            rows.add(no, prm or None, "PROD" if direction.startswith("PROD") else "CONS", end,
                     step, v)


def _series(path, parser: _Parser, rows: _Rows, idx: list[int], name: str) -> PowerSeries:
    """Sorted, de-duplicated, NaN-terminated series from the rows ``idx`` of one file."""
    line = np.array([rows.line[i] for i in idx], dtype=np.int64)
    step = np.array([rows.step[i] for i in idx], dtype=np.int64)
    start = np.array([rows.end[i] for i in idx], dtype=np.int64) - step
    value = np.array([rows.value[i] for i in idx], dtype=np.float64)
    back = np.flatnonzero(np.diff(start) < 0) + 1
    if len(back):
        parser.problem(int(line[back[0]]), "unsorted",
                       f"{len(back)} rows out of time order (sorted)")
        if len(back) > 1:
            parser.report.add(path, None, "unsorted", "further rows out of order",
                              count=len(back) - 1)
        order = np.argsort(start, kind="stable")
        line, step, start, value = line[order], step[order], start[order], value[order]
    keep = np.ones(len(start), dtype=bool)
    last_end = None
    for k in range(len(start)):
        if last_end is not None and start[k] < last_end:
            same = k > 0 and start[k] == start[k - 1]
            kind = "duplicate_timestamp" if same else "overlapping_interval"
            parser.problem(int(line[k]), kind,
                           f"step starting {int(start[k])} overlaps the previous one (kept the "
                           "first)")
            keep[k] = False
            continue
        last_end = start[k] + step[k]
    start, step, value = start[keep], step[keep], value[keep]
    end = start + step
    hole = np.ones(len(start), dtype=bool)
    hole[:-1] = start[1:] > end[:-1]
    n = len(start) + int(hole.sum())
    t = np.empty(n, dtype=np.int64)
    p = np.empty(n, dtype=np.float64)
    pos = np.arange(len(start)) + np.concatenate([[0], np.cumsum(hole)[:-1]])
    t[pos], p[pos] = start, value
    t[pos[hole] + 1], p[pos[hole] + 1] = end[hole], np.nan
    period = float(step.max()) if len(step) else None
    return PowerSeries(t, p, name, label="Enedis courbe de charge", quantity="active",
                       period=period, interval=True)


def _parse_file(path: Path, mode: str, report: LoadReport, tz: str) -> list[Household]:
    parser = _Parser(path, mode, report)
    lines = _decode(path.read_bytes()).splitlines()
    layout = _sniff(path)
    if layout is None:
        raise NilmDataError(path, 1, "not an Enedis load-curve export")
    rows = _Rows()
    if layout == "flat":
        parser.flat(lines, rows)
    else:
        parser.horodate(lines, rows)
    if not rows.line:
        raise NilmDataError(path, None, "no load-curve rows")
    houses = []
    for prm in dict.fromkeys(rows.prm):
        mine = [i for i, x in enumerate(rows.prm) if x == prm]
        cons = [i for i in mine if rows.dir[i] == "CONS"]
        prod = [i for i in mine if rows.dir[i] == "PROD"]
        mains = _series(path, parser, rows, cons, "mains") if cons else None
        extra = {"production": _series(path, parser, rows, prod, "production")} if prod else {}
        steps = sorted({rows.step[i] for i in mine})
        meta = {"dataset": "Enedis", "house": prm or path.stem, "timezone": tz,
                "mains_kind": "measured", "source_files": {str(path): sha256_file(path)},
                "enedis_layout": layout, "enedis_steps_s": steps}
        houses.append(Household(mains, {}, meta, extra, report))
    return houses


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris") -> list[Household]:
    """Households from an Enedis load-curve export (file) or a folder of them.

    Parameters
    ----------
    path : a ``.csv`` export, or a folder of exports (each file read on its own; one household
        per file and PRM).
    mode : ``"lenient"`` (repair and report) or ``"strict"`` (raise on the first problem).
    report : the LoadReport to fill (a new one if None); also attached to every household.
    tz : the meter's zone, stored as ``meta["timezone"]`` (offsets in the file give UTC).

    Returns
    -------
    One Household per (file, PRM): ``mains`` start-labelled UTC mean active power in W (NaN =
    missing, NaN inserted after every step not followed by the next one), ``extra["production"]``
    when the file has production rows, ``meta`` with dataset ``"Enedis"``, house = PRM (else the
    file stem), timezone, ``mains_kind="measured"``, ``source_files``.
    """
    check_mode(mode)
    report = LoadReport() if report is None else report
    houses = []
    for f in sources(Path(path)):
        houses += _parse_file(Path(f), mode, report, tz)
    return houses
