"""Enedis Linky CSV exports ("Mes données de consommation"), in every layout a household gets.

``;``-separated, UTF-8 with or without BOM, or Windows-1252; CRLF or LF line ends. Layouts:

* **horodate** — a metadata header (``Identifiant PRM;Type de donnees;Date de debut;Date de
  fin;Grandeur physique;Grandeur metier;Etape metier;Unite[;Pas en minutes]``) and its value line,
  then ``Horodate;Valeur`` and one row per step, ``Horodate`` marking the **end** of the step. The
  metadata lines, or the header too, may be missing (users strip them: headerless rows are read
  the same way, the house then named after the file). ``Type de donnees`` says what the rows are:
  ``Courbe de charge`` (mean power per step, W), a daily energy (``… quotidienne``, Wh per day;
  the ``Horodate`` or ``Date`` names the day), or ``Index``;
* **index** — ``Type de donnees = Index``: ``Horodate;Type de releve;EAS F1;…;EAS F10;EAS D1;…;
  EAS D4;EAS T``, one "Arrêté quotidien" row per day with each cumulative register in Wh (supplier
  registers F1…F10 — e.g. the six Tempo classes —, distributor registers D1…D4, total T). Daily
  energy is the difference of successive readings of ``EAS T`` (else of the sum of the D, else
  of the F registers), one channel ``daily``, and one ``daily_eas_f1``… per register;
* **flat** — the detailed-measures (R63) layout, one measure per row with a ``Pas`` column
  (``Identifiant PRM;Date de début;…;Unité;Horodate;Valeur;Nature;Pas;…``, ``Pas`` = ``PT10M``,
  ``PT30M``, ``PT60M``…), possibly mixing steps and unsorted.

**Steps.** ``Pas en minutes`` (horodate) and ``Pas`` (flat) give each row's step. Without them the
step in force is the one of the surrounding run of rows (:func:`nilm.io.curve.steps_from_ends`):
a file that is hourly for months, then half-hourly, is read as such — a step change is reported,
an isolated longer spacing is a gap of missing rows, reported, never a longer interval.

**Time.** ``Horodate`` is local time, with its UTC offset (``2023-03-26T03:00:00+02:00``) or
without (read as ``tz``, Europe/Paris, the autumn repeat resolved by file order, the spring skip
an error in strict mode: :mod:`nilm.io.wallclock`). nilm stores each value start-labelled in UTC
(start = end − step).

**Values.** Mean active power in W (``kW`` converted, per-step energy in ``Wh`` turned into mean
W); an empty value is a gap. ``Grandeur metier = Production`` (or ``PROD`` in the flat layout)
makes a production curve, kept apart from consumption (``extra["production"]``).

**Trailing sections.** After the rows, a supplier calendar (``Periode;Identifiant calendrier
fournisseur;…``), daily index lines (``…;Arrêté quotidien;…``) or another header block are
recognised and skipped with a report (``trailing_section``); a further ``Identifiant PRM`` block
with its own table is read like the first one.

**Problems.** In ``strict`` mode a malformed line, a non-numeric value (``nan``/``inf`` included),
a time that does not exist, an out-of-order, duplicate or overlapping step raises
:class:`~nilm.errors.NilmDataError` naming the file and line; ``lenient`` mode repairs and
reports. Gaps, step changes and skipped sections are reported in both modes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import LoadReport
from ..resample import local_midnights, parse_period
from .curve import (
    LINKY_POWER_RANGE_W,
    RUN,
    Problems,
    Reading,
    clean,
    decode,
    from_register,
    norm,
    number,
    stamp,
    steps_from_ends,
    utc,
)
from .merge import read_files

NAME = "enedis"
#: the largest power of a Linky meter, for the plausibility layer of :mod:`nilm.io`
POWER_RANGE_W = LINKY_POWER_RANGE_W

_META_KEY = "identifiant prm"
#: first cells (normalised) that open a section after the rows
_SECTION_HEADS = ("identifiant prm", "periode", "horodate", "date", "du ")
_INDEX_TOTAL = "eas t"


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"') for c in line.split(";")]


def _is_row(line: str) -> bool:
    """A ``time;value`` data row (the headerless layout starts with one)."""
    cells = _cells(line)
    if len(cells) < 2 or any(c for c in cells[2:]):
        return False
    try:
        stamp(cells[0], dmy=False)
        number(cells[1])
    except ValueError:
        return False
    return True


def _sniff(path: Path) -> str | None:
    """``"horodate"``, ``"flat"`` or None, from the first lines."""
    try:
        with open(path, "rb") as f:
            head = decode(f.read(4096).rsplit(b"\n", 1)[0] + b"\n")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if not lines:
        return None
    first = [norm(c) for c in lines[0].split(";")]
    if "horodate" in first and "valeur" in first and "pas" in first:
        return "flat"
    if first[0] == _META_KEY or first[:2] == ["horodate", "valeur"] or _is_row(lines[0]):
        return "horodate"
    return None


def detect(path: Path) -> bool:
    """A ``.csv`` (or ``.txt``) file in one of the layouts."""
    path = Path(path)
    return path.is_file() and path.suffix.lower() in (".csv", ".txt") and _sniff(path) is not None


def sources(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(f for f in path.glob("*") if detect(f))
    return [path]


class _Table:
    """Rows of one section being read: (line, time seconds, aware, value text)."""

    def __init__(self):
        self.line, self.sec, self.aware, self.text = [], [], [], []


class _File:
    def __init__(self, path: Path, mode: str, report: LoadReport, tz: str):
        self.path, self.tz = path, tz
        self.problems = Problems(path, mode, report)
        self.lines = decode(path.read_bytes()).splitlines()
        self.readings: list[Reading] = []

    # ------------------------------------------------------------------ shared pieces

    def value(self, text: str, line: int) -> float:
        try:
            v = number(text)
        except ValueError:
            self.problems.problem(line, "non_numeric", f"non-numeric value {text!r}")
            return math.nan
        if math.isnan(v):
            self.problems.note(line, "missing_value", "empty value: gap")
        return v

    def unit_scale(self, unit: str, line: int | None):
        """Factor to W, or ``"Wh"`` for per-step energy (converted once the step is known)."""
        u = norm(unit)
        if u in ("w", ""):
            return 1.0
        if u == "kw":
            self.problems.note(line, "unit_converted", "kW to W")
            return 1000.0
        if u == "wh":
            self.problems.note(line, "unit_converted", "Wh per step to mean W")
            return "Wh"
        if u == "kwh":
            self.problems.note(line, "unit_converted", "kWh per step to mean W")
            return "kWh"
        self.problems.error(line, f"unit {unit!r} is not a power (W, kW) or an energy (Wh, kWh)")

    def add(self, meter, channel, start, step, value, line, label, fmt="enedis_csv"):
        if len(start):
            self.readings.append(Reading(self.path, meter, "PRM" if meter else None, channel,
                                         start, step, value, line, fmt, label=label))

    def rows(self, i: int):
        """``(index, text, cells)`` of each non-blank line from line index ``i`` on."""
        for k in range(i, len(self.lines)):
            text = self.lines[k]
            if text.strip():
                yield k, text, _cells(text)

    # ------------------------------------------------------------------ horodate layout

    def horodate(self) -> None:
        lines, n = self.lines, len(self.lines)
        i, meta, data_seen = 0, {}, False
        while i < n:
            text = lines[i]
            if not text.strip():
                i += 1
                continue
            head = [norm(c) for c in text.split(";")]
            if head[0] == _META_KEY:
                values = _cells(lines[i + 1]) if i + 1 < n else []
                meta = dict(zip(head, values, strict=False))
                meta["_line"] = i + 2
                i += 2
                continue
            if head[:2] == ["horodate", "type de releve"]:
                i = self.index(i, meta)
                data_seen = True
                continue
            if head[:2] == ["horodate", "valeur"] or (head[0] == "date"
                                                      and head[1:2] != [""]
                                                      and head[1].startswith("valeur")):
                i = self.curve(i + 1, meta, header=text)
                data_seen = True
                continue
            if not data_seen and _is_row(text):
                i = self.curve(i, meta, header="")
                data_seen = True
                continue
            if data_seen:
                i = self.skip_section(i)
                continue
            self.problems.error(i + 1, "expected the 'Horodate;Valeur' header or data rows")
        if not data_seen:
            self.problems.error(None, "no 'Horodate;Valeur' rows")

    def skip_section(self, i: int) -> int:
        """Skip a trailing section up to the next metadata block; report it."""
        lines = self.lines
        start = i
        i += 1
        while i < len(lines) and norm(lines[i].split(";")[0]) != _META_KEY:
            i += 1
        first = _cells(lines[start])
        what = ("daily index lines" if len(first) > 1 and norm(first[1]) == "arrete quotidien"
                else f"section {first[0]!r}")
        n = sum(1 for x in lines[start:i] if x.strip())
        self.problems.note(start + 1, "trailing_section", f"{what} after the data: {n} lines "
                           "skipped (not load-curve rows)", count=n)
        return i

    def _kind(self, meta) -> str:
        kind = norm(meta.get("type de donnees", "courbe de charge"))
        if kind == "courbe de charge":
            return "curve"
        if "quotidien" in kind and ("energie" in kind or "consommation" in kind
                                    or "injection" in kind or "production" in kind):
            return "daily"
        return kind

    def _production(self, meta) -> bool:
        metier = norm(meta.get("grandeur metier", ""))
        text = norm(meta.get("type de donnees", "")) + " " + metier
        return "production" in text or "injection" in text or metier == "prod"

    def curve(self, first: int, meta: dict, header: str) -> int:
        """Read ``time;value`` rows from line index ``first``; returns the index after them."""
        n = len(self.lines)
        kind = self._kind(meta)
        meta_line = meta.get("_line")
        if kind not in ("curve", "daily"):
            # a block the loader cannot turn into energy (e.g. daily maximum power, VA)
            return self.skip_section(max(first - 1, 0))
        unit = meta.get("unite", "")
        if not unit and "(en " in header.lower():
            unit = header.lower().split("(en ", 1)[1].split(")")[0]
        scale = self.unit_scale(unit or ("Wh" if kind == "daily" else "W"), meta_line)
        pas = meta.get("pas en minutes", "").strip()
        step = None
        if pas and kind == "curve":
            try:
                step = parse_period(f"{pas}min")
            except ValueError:
                self.problems.problem(meta_line, "malformed_line",
                                      f"bad 'Pas en minutes' {pas!r}")
        table = _Table()
        for i, text, cells in self.rows(first):
            no = i + 1
            if len(cells) >= 2 and not any(c for c in cells[2:]):
                try:
                    sec, aware = stamp(cells[0], dmy=kind == "daily")
                except ValueError:
                    sec = None
                if sec is not None:
                    table.line.append(no)
                    table.sec.append(sec)
                    table.aware.append(aware)
                    table.text.append(cells[1])
                    continue
            first = norm(cells[0])
            if table.line and (first.startswith(_SECTION_HEADS) or (
                    len(cells) > 1 and norm(cells[1]) == "arrete quotidien")):
                break
            self.problems.problem(no, "malformed_line", f"expected 'Horodate;Valeur', got "
                                  f"{text!r}")
        else:
            i = n
        if not table.line:
            self.problems.error(meta_line, "no rows under the 'Horodate;Valeur' header")
        prm = meta.get(_META_KEY) or None
        production = self._production(meta)
        line = np.array(table.line, dtype=np.int64)
        t = utc(table.sec, table.aware, line, self.problems, self.tz)
        if kind == "daily":
            self.daily_rows(prm, production, t, table, line, scale)
            return i
        value = np.array([self.value(x, ln) for x, ln in zip(table.text, line, strict=True)])
        order = np.argsort(t, kind="stable")
        if np.any(np.diff(t) < 0):
            back = int(np.flatnonzero(np.diff(t) < 0)[0]) + 1
            self.problems.problem(int(line[back]), "unsorted", "rows out of time order "
                                  "(sorted)", count=int(np.sum(np.diff(t) < 0)))
        t, value, line = t[order], value[order], line[order]
        dup = np.flatnonzero(np.diff(t) == 0) + 1
        for k in dup:
            self.problems.problem(int(line[k]), "duplicate_timestamp",
                                  "same end time as the row before (the first kept)")
        keep = np.ones(len(t), dtype=bool)
        keep[dup] = False
        t, value, line = t[keep], value[keep], line[keep]
        steps = np.full(len(t), step, dtype=np.int64) if step else steps_from_ends(
            t, line, self.problems)
        if step:
            self._gaps_at_fixed_step(t, line, step)
        if scale in ("Wh", "kWh"):
            value = value * (1000.0 if scale == "kWh" else 1.0) * 3600.0 / steps
        else:
            value = value * scale
        start, steps, value, line = clean(t - steps, steps, value, line, self.problems)
        self.add(prm, "production" if production else "consumption", start, steps, value, line,
                 "Enedis production curve" if production else "Enedis load curve")
        return i

    def _gaps_at_fixed_step(self, ends, line, step) -> None:
        """Gaps at the step the file states; runs of rows at another spacing are reported, as
        they can be another step (the stated one is kept) or rows missing in a pattern."""
        d = np.diff(ends)
        for k in np.flatnonzero(d > step):
            self.problems.note(int(line[k + 1]), "missing_rows", f"no rows for "
                               f"{int(d[k] - step) // 60} min before this one (a gap)")
        if len(d) >= RUN:
            same = np.convolve((d != step).astype(int), np.ones(RUN, dtype=int), "valid")
            runs = np.flatnonzero(same == RUN)
            if len(runs):
                k = int(runs[0])
                self.problems.note(int(line[k + 1]), "step_differs", f"rows {int(d[k]) // 60} "
                                   f"min apart over {RUN}+ rows while 'Pas en minutes' says "
                                   f"{step // 60}: read at the stated step (gaps between "
                                   "them)", count=len(runs))

    def daily_rows(self, prm, production, t, table, line, scale) -> None:
        """Daily energy rows: each time names a local day; Wh (or kWh) per day."""
        import pandas as pd

        local = pd.to_datetime(t, unit="s", utc=True).tz_convert(self.tz)
        dates = np.array(local.strftime("%Y-%m-%d").tolist(), dtype="datetime64[D]")
        days, edges = local_midnights(int(t.min()), int(t.max()) + 1, self.tz)
        k = np.searchsorted(days, dates)
        start = edges[k]
        step = edges[k + 1] - edges[k]
        factor = 1000.0 if scale == "kWh" else 1.0
        energy = np.array([self.value(x, ln) for x, ln in zip(table.text, line, strict=True)])
        mean = energy * factor * 3600.0 / step
        start, step, mean, line = clean(start, step, mean, line, self.problems)
        self.add(prm, "daily_production" if production else "daily", start, step, mean, line,
                 "Enedis daily energy")

    # ------------------------------------------------------------------ index layout

    def index(self, head: int, meta: dict) -> int:
        """Read an ``Horodate;Type de releve;EAS …`` table from header line index ``head``."""
        n = len(self.lines)
        header = [norm(c) for c in self.lines[head].split(";")]
        registers = [(k, name) for k, name in enumerate(header) if name.startswith("eas ")]
        rows_line, rows_sec, rows_aware, rows_values = [], [], [], []
        i = head + 1
        for i, text, cells in self.rows(head + 1):
            no = i + 1
            try:
                sec, aware = stamp(cells[0], dmy=False)
            except ValueError:
                if rows_line and norm(cells[0]).startswith(_SECTION_HEADS):
                    break
                self.problems.problem(no, "malformed_line", f"expected an index row, got "
                                      f"{text!r}")
                continue
            rows_line.append(no)
            rows_sec.append(sec)
            rows_aware.append(aware)
            rows_values.append([self.register(cells[k] if k < len(cells) else "", no, name)
                                for k, name in registers])
        else:
            i = n
        if not rows_line:
            self.problems.error(i, "no rows under the index header")
        line = np.array(rows_line, dtype=np.int64)
        t = utc(rows_sec, rows_aware, line, self.problems, self.tz)
        wh = np.array(rows_values, dtype=np.float64).reshape(len(line), len(registers))
        order = np.argsort(t, kind="stable")
        t, wh, line = t[order], wh[order], line[order]
        names = [name for _, name in registers]
        prm = meta.get(_META_KEY) or None
        production = self._production(meta)
        total = self.total(wh, names, line)
        start, step, mean, ln = from_register(t, total, line, self.problems, "EAS T")
        start, step, mean, ln = clean(start, step, mean, ln, self.problems)
        self.add(prm, "daily_production" if production else "daily", start, step, mean, ln,
                 "Enedis daily energy from index differences (EAS T)", fmt="enedis_index")
        for k, name in enumerate(names):
            if name == _INDEX_TOTAL or not np.isfinite(wh[:, k]).any():
                continue
            start, step, mean, ln = from_register(t, wh[:, k], line, self.problems,
                                                  name.upper())
            self.add(prm, "daily_" + name.replace(" ", "_"), start, step, mean, ln,
                     f"Enedis daily energy of register {name.upper()}", fmt="enedis_index")
        return i

    def register(self, cell: str, line: int, name: str) -> float:
        try:
            return number(cell)
        except ValueError:
            self.problems.problem(line, "non_numeric", f"register {name.upper()}: "
                                  f"non-numeric value {cell!r}")
            return math.nan

    def total(self, wh: np.ndarray, names: list[str], line: np.ndarray) -> np.ndarray:
        """EAS T per reading, else the sum of the D registers, else of the F registers."""
        col = {name: k for k, name in enumerate(names)}
        total = wh[:, col[_INDEX_TOTAL]] if _INDEX_TOTAL in col else np.full(len(wh), np.nan)
        for prefix in ("eas d", "eas f"):
            cols = [k for name, k in col.items() if name.startswith(prefix)]
            if not cols:
                continue
            part = wh[:, cols]
            some = np.isfinite(part).any(axis=1)
            fill = ~np.isfinite(total) & some
            if fill.any():
                self.problems.note(int(line[np.flatnonzero(fill)[0]]), "index_total",
                                   f"{int(fill.sum())} readings without EAS T: total taken as "
                                   f"the sum of the {prefix.upper()}* registers",
                                   count=int(fill.sum()))
                total = np.where(fill, np.nansum(np.where(np.isfinite(part), part, 0.0),
                                                 axis=1), total)
        return total

    # ------------------------------------------------------------------ flat layout

    def flat(self) -> None:
        lines = self.lines
        header = [norm(c) for c in lines[0].split(";")]
        col = {name: k for k, name in enumerate(header)}
        for name in ("horodate", "valeur", "pas"):
            if name not in col:
                self.problems.error(1, f"no {name!r} column")
        c_prm, c_unit = col.get(_META_KEY), col.get("unite")
        c_dir = col.get("grandeur metier")
        width = max(col[n] for n in ("horodate", "valeur", "pas")) + 1
        rows = {"consumption": [], "production": []}
        meters = {}
        for no, text in enumerate(lines[1:], start=2):
            if not text.strip():
                continue
            cells = _cells(text)
            if len(cells) < width:
                self.problems.problem(no, "malformed_line",
                                      f"{len(cells)} fields, expected {len(header)}")
                continue
            try:
                sec, aware = stamp(cells[col["horodate"]], dmy=False)
            except ValueError:
                self.problems.problem(no, "malformed_line",
                                      f"bad timestamp {cells[col['horodate']]!r}")
                continue
            try:
                step = parse_period(cells[col["pas"]].strip())
            except ValueError:
                self.problems.problem(no, "malformed_line", f"bad Pas {cells[col['pas']]!r}")
                continue
            scale = self.unit_scale(cells[c_unit], no) if c_unit is not None else 1.0
            v = self.value(cells[col["valeur"]], no)
            if scale in ("Wh", "kWh"):
                v = v * (1000.0 if scale == "kWh" else 1.0) * 3600.0 / step
            else:
                v = v * scale
            prm = (cells[c_prm].strip() if c_prm is not None else "") or None
            direction = norm(cells[c_dir]) if c_dir is not None else "cons"
            ch = "production" if direction.startswith(("prod", "inj")) else "consumption"
            meters.setdefault(prm, len(meters))
            rows[ch].append((prm, no, sec, aware, step, v))
        for prm in meters:
            for ch, found in rows.items():
                mine = [r for r in found if r[0] == prm]
                if not mine:
                    continue
                line = np.array([r[1] for r in mine], dtype=np.int64)
                end = utc([r[2] for r in mine], [r[3] for r in mine], line, self.problems,
                          self.tz)
                step = np.array([r[4] for r in mine], dtype=np.int64)
                value = np.array([r[5] for r in mine], dtype=np.float64)
                start, step, value, line = clean(end - step, step, value, line, self.problems)
                self.add(prm, ch, start, step, value, line,
                         f"Enedis {'production' if ch == 'production' else 'load'} curve",
                         fmt="enedis_flat")


def parse(path, *, mode: str, report: LoadReport, tz: str = "Europe/Paris") -> tuple[
        list[Reading], Problems]:
    """The readings of one Enedis CSV export and its :class:`~nilm.io.curve.Problems`."""
    path = Path(path)
    f = _File(path, mode, report, tz)
    layout = _sniff(path)
    if layout is None:
        f.problems.error(1, "not an Enedis export (no 'Identifiant PRM' metadata, "
                         "'Horodate;Valeur' header or data rows)")
    if layout == "flat":
        f.flat()
    else:
        f.horodate()
    if not f.readings:
        f.problems.error(None, "no load-curve or daily rows")
    return f.readings, f.problems


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris") -> list:
    """Households from an Enedis CSV export, or a folder of them merged by PRM.

    Parameters
    ----------
    path : a ``.csv`` export, or a folder of exports (merged by PRM, :mod:`nilm.io.merge`).
    mode : ``"lenient"`` (repair and report) or ``"strict"`` (raise on the first problem).
    report : the LoadReport to fill (a new one if None); also attached to every household.
    tz : the meter's zone: naive local times are read in it; ``meta["timezone"]``.

    Returns
    -------
    One Household per meter (see :func:`nilm.io.merge.households`): ``mains`` start-labelled
    UTC mean active power in W (NaN = missing), ``extra["production"]``, ``extra["daily"]`` and
    the index registers when the files hold them; house = the masked PRM (else the file name).
    """
    return read_files(parse, sources(Path(path)), mode=mode, report=report, tz=tz)
