"""Rows of Linky files turned into start-labelled interval series, exactly.

Shared by the Linky readers (:mod:`nilm.io.enedis`, :mod:`~nilm.io.enedis_xlsx`,
:mod:`~nilm.io.dataconnect`, :mod:`~nilm.io.supplier`, :mod:`~nilm.io.tic`):

* :class:`Reading` — what one file holds for one meter and one channel (consumption curve,
  production curve, daily energy, TIC apparent power…), as rows ``(start, step, value, line)``;
* :func:`number` and :func:`stamp` — values and times as the files write them (decimal comma,
  ``NA``; ISO 8601 with or without offset, ``dd/mm/yyyy hh:mm[:ss]``); ``nan``, ``inf`` and
  ``Infinity`` are refused as numbers;
* :func:`steps_from_ends` — the step in force of each row of an end-labelled file that does not
  state it (``Horodate;Valeur``). Real exports switch steps inside one file (hourly for months,
  then half-hourly, or 10-min). A spacing repeated over at least :data:`RUN` consecutive rows
  establishes a step; the step in force of any other row is the one of the run it leads into (or,
  at the end, the run it leaves), so a sustained change of spacing is a **step change**
  (reported) and an isolated longer spacing is a **gap** of missing rows (reported) — never a
  longer interval. A row closer to the previous one than the step in force is given that shorter
  spacing as its step (reported as ``irregular_step``), so intervals never overlap;
* :func:`clean` — time order, duplicate and overlapping rows of one file (an error in strict
  mode, repaired and reported in lenient mode);
* :func:`vet` — the rows' dates and values through :mod:`nilm.io.plausible`, for every reading
  of every Linky reader;
* :func:`interval_series` — the :class:`~nilm.series.PowerSeries` of clean rows: each value is
  the mean power over ``[start, start + step)``; ``period`` is the longest step, and a NaN sample
  closes a shorter step only where a hole or the end follows it (the hold rule then never carries
  a value beyond its own interval). ``Σ value × step / 3600`` of the rows is the series' energy.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import NilmDataError
from ..series import PowerSeries
from .plausible import check_rows
from .prm import mask_text

#: consecutive rows of one spacing that establish a step (shorter runs are gaps or repairs)
RUN = 3
#: power a Linky meter can carry, W (VA): 36 kVA is the largest residential contract; the
#: plausibility layer of :mod:`nilm.io` reads it as each Linky format's ``POWER_RANGE_W``
LINKY_POWER_RANGE_W = (0.0, 36_000.0)

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_MISSING = ("", "na", "n/a", "nd")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_EPOCH = datetime(1970, 1, 1)


def norm(text) -> str:
    """Lower case, no accents, no surrounding blanks or quotes (headers come both ways)."""
    text = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in text if not unicodedata.combining(c)).strip().strip('"').lower()


def decode(raw: bytes) -> str:
    """Text of a Linky file: UTF-8 (with or without BOM), else Windows-1252 (Latin-1)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def number(text) -> float:
    """A value as Linky files write it: ``"1234"``, ``"0,532"`` (decimal comma), ``"1.5e3"``;
    NaN for an empty value or ``NA``. Raises ``ValueError`` for anything else, including
    ``nan``, ``inf`` and ``Infinity`` (never accepted as numbers)."""
    if isinstance(text, bool):
        raise ValueError(f"not a number: {text!r}")
    if isinstance(text, (int, float)):
        v = float(text)
        if not math.isfinite(v):
            raise ValueError(f"not a finite number: {text!r}")
        return v
    t = "" if text is None else str(text).strip()
    if t.lower() in _MISSING:
        return math.nan
    if not _NUMBER.match(t):
        raise ValueError(f"not a number: {text!r}")
    v = float(t.replace(",", "."))
    if not math.isfinite(v):
        raise ValueError(f"not a finite number: {text!r}")
    return v


def stamp(text, *, dmy: bool = True) -> tuple[int, bool]:
    """``(seconds, aware)``: epoch seconds UTC when the time carries a UTC offset (``aware``),
    else naive epoch seconds of the wall-clock time (to convert with
    :func:`nilm.io.wallclock.to_utc`). Reads ISO 8601 (``2023-03-26T03:00:00+02:00``,
    ``2023-03-26 03:00:00``, ``…Z``), a ``datetime``, and with ``dmy`` also
    ``dd/mm/yyyy[ hh:mm[:ss]]``; raises ``ValueError``."""
    if isinstance(text, datetime):
        dt = text
    else:
        t = str(text).strip()
        m = _DMY.match(t) if dmy else None
        if m:
            d, mo, y, hh, mm, ss = m.groups()
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        elif t[:4].isdigit() and t[4:5] == "-":
            dt = datetime.fromisoformat(t)
        else:
            raise ValueError(f"not a date-time: {text!r}")
    if dt.tzinfo is not None:
        return int(dt.timestamp()), True
    return int((dt - _EPOCH).total_seconds()), False


def utc(seconds, aware, lines, problems: Problems, tz: str) -> np.ndarray:
    """Epoch seconds UTC of :func:`stamp` results in file order: times with an offset as they
    are, naive ones through :func:`nilm.io.wallclock.to_utc` (DST by file order)."""
    from .wallclock import to_utc

    seconds = np.asarray(seconds, dtype=np.int64).copy()
    aware = np.asarray(aware, dtype=bool)
    naive = ~aware
    if naive.any():
        seconds[naive] = to_utc(seconds[naive], tz, lines=np.asarray(lines)[naive],
                                path=problems.path, shown=problems.shown, mode=problems.mode,
                                report=problems.report)
    return seconds


def from_register(t, wh, line, problems: Problems, what: str, *, changes_only=False,
                  min_step: int = 0):
    """Interval rows ``(start, step, mean W, line)`` from a cumulative energy register.

    Parameters
    ----------
    t : int64 [n] epoch s UTC of each reading, non-decreasing.
    wh : float64 [n] register value, Wh (NaN = not read).
    line : int64 [n] source line of each reading.
    problems : where a register that goes backwards is reported (its interval left empty).
    what : the register's name, for the report.
    changes_only : take intervals between the first readings of successive register values
        (TIC: the register steps by 1 Wh between frames, so the mean power between two changes
        is exact) instead of between successive readings.
    min_step : merge successive intervals until each lasts at least this long, s (TIC: frame
        times are whole seconds, so a 1-s interval can be off by up to 100 %; over 60 s, by
        under 2 %). The first and last readings are kept, so the energy is unchanged.

    Returns
    -------
    Rows whose energies sum to the register's last minus first value (NaN intervals aside): each
    value is ``Δwh × 3600 / Δt``, the mean active power over the interval, W.
    """
    t = np.asarray(t, dtype=np.int64)
    wh = np.asarray(wh, dtype=np.float64)
    line = np.asarray(line, dtype=np.int64)
    ok = np.isfinite(wh)
    t, wh, line = t[ok], wh[ok], line[ok]
    if changes_only and len(wh):
        first = np.concatenate([[True], wh[1:] != wh[:-1]])
        t, wh, line = t[first], wh[first], line[first]
    if len(t):
        # readings of one second: the last one closes the interval before it, so no energy is
        # lost; the first second keeps its first reading (no interval before it)
        keep = np.append(t[1:] != t[:-1], True)
        keep[t == t[0]] = False
        keep[0] = True
        t, wh, line = t[keep], wh[keep], line[keep]
    if min_step and len(t) > 2:
        keep, last = [0], t[0]
        for k in range(1, len(t) - 1):
            if t[k] - last >= min_step:
                keep.append(k)
                last = t[k]
        if t[-1] - t[keep[-1]] < min_step and len(keep) > 1:
            keep.pop()  # the last interval would be short: it joins the one before
        keep.append(len(t) - 1)
        t, wh, line = t[keep], wh[keep], line[keep]
    if len(t) < 2:
        return (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0),
                np.empty(0, dtype=np.int64))
    dt = np.diff(t)
    de = np.diff(wh)
    back = np.flatnonzero(de < 0)
    if len(back):
        problems.note(int(line[back[0] + 1]), "register_decreased",
                      f"{what} goes backwards {len(back)} times (a reset or a re-assigned "
                      "register): those intervals are left empty", count=len(back))
    mean = np.where(de >= 0, de * 3600.0 / dt, np.nan)
    return t[:-1], dt, mean, line[1:]


class Problems:
    """Errors and reports of one file: the real path in errors, the masked one in reports."""

    def __init__(self, path, mode: str, report):
        self.path = Path(path)
        self.shown = mask_text(path)
        self.mode = mode
        self.report = report

    def error(self, line, detail: str):
        """Raise :class:`NilmDataError` at ``line`` (both modes)."""
        raise NilmDataError(self.path, None if line is None else int(line), mask_text(detail))

    def problem(self, line, kind: str, detail: str, count: int = 1) -> None:
        """Raise in strict mode; record the repair in lenient mode."""
        if self.mode == "strict":
            self.error(line, detail)
        self.note(line, kind, detail, count)

    def note(self, line, kind: str, detail: str, count: int = 1) -> None:
        """Record a fact about the file in both modes (a gap, a step change, a skipped
        section)."""
        self.report.add(self.shown, None if line is None else int(line), kind,
                        mask_text(detail), count=int(count))


@dataclass
class Reading:
    """What one file holds for one meter and one channel.

    ``channel`` is ``"consumption"`` (the load curve, mean active W per step), ``"production"``
    (the injection curve), ``"daily"`` / ``"daily_production"`` (energy per day, as mean W over
    the day), ``"daily_<register>"`` (one index register), ``"tic_apparent"`` (TIC ``SINSTS`` /
    ``PAPP``, VA, point samples), ``"tic_active"`` / ``"tic_injection"`` (mean W between changes
    of the TIC energy index) or ``"tic_injection_apparent"`` (``SINSTI``). Interval rows are
    start-labelled UTC ``start`` with their ``step`` (s); point samples have ``step`` 0 and the
    nominal ``period``.
    """

    path: Path
    meter: str | None
    meter_kind: str | None
    channel: str
    start: np.ndarray
    step: np.ndarray
    value: np.ndarray
    line: np.ndarray
    fmt: str
    label: str = ""
    quantity: str = "active"
    interval: bool = True
    period: float | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.start = np.asarray(self.start, dtype=np.int64)
        self.step = np.asarray(self.step, dtype=np.int64)
        self.value = np.asarray(self.value, dtype=np.float64)
        self.line = np.asarray(self.line, dtype=np.int64)


def _runs(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first index, length) of each run of equal values of ``d``."""
    cut = np.flatnonzero(d[1:] != d[:-1]) + 1
    first = np.concatenate([[0], cut]).astype(np.int64)
    return first, np.diff(np.append(first, len(d)))


def steps_from_ends(ends: np.ndarray, lines: np.ndarray, problems: Problems) -> np.ndarray:
    """Step in force (s) of each row of sorted, distinct end times (rules in the module notes);
    step changes, gaps and irregular rows are reported."""
    ends = np.asarray(ends, dtype=np.int64)
    n = len(ends)
    if n < 2:
        problems.error(None, "cannot tell the step from fewer than two rows (fill 'Pas en "
                       "minutes' or give more rows)")
    d = np.diff(ends)
    first, length = _runs(d)
    established = length >= RUN
    if not established.any():
        # a short file: its longest run of one spacing (the smaller spacing on a tie)
        best = min(range(len(first)), key=lambda k: (-length[k], d[first[k]]))
        established[best] = True
    est = np.zeros(len(d), dtype=np.int64)
    for f, m, ok in zip(first, length, established, strict=True):
        if ok:
            est[f:f + m] = d[f]
    idx = np.arange(len(d))
    has = est > 0
    prev = np.maximum.accumulate(np.where(has, idx, -1))
    nxt = np.minimum.accumulate(np.where(has, idx, len(d))[::-1])[::-1]
    step = np.empty(n, dtype=np.int64)
    step[0] = est[nxt[0]]
    irregular, gaps = [], []
    for j in range(len(d)):
        if has[j]:
            step[j + 1] = d[j]
            continue
        sn = est[nxt[j]] if nxt[j] < len(d) else 0
        sp = est[prev[j]] if prev[j] >= 0 else 0
        if sn and d[j] >= sn:
            s = sn
        elif sp and d[j] >= sp:
            s = sp
        else:
            s = d[j]
            irregular.append(j + 1)
        step[j + 1] = s
        if d[j] > s:
            gaps.append((j + 1, int(d[j] - s)))
    for i, hole in gaps:
        problems.note(int(lines[i]), "missing_rows",
                      f"no rows for {_duration(hole)} before this one (a gap, not a longer step)")
    if irregular:
        problems.note(int(lines[irregular[0]]), "irregular_step",
                      f"{len(irregular)} rows closer to the previous one than the step in force: "
                      "each holds only its spacing", count=len(irregular))
    skip = set(irregular)
    change = [i for i in range(1, n) if step[i] != step[i - 1] and i not in skip
              and i - 1 not in skip]
    for i in change:
        problems.note(int(lines[i]), "step_change",
                      f"step changes from {_duration(step[i - 1])} to {_duration(step[i])}")
    return step


def _duration(seconds) -> str:
    s = int(seconds)
    if s % 3600 == 0:
        return f"{s // 3600} h"
    if s % 60 == 0:
        return f"{s // 60} min"
    return f"{s} s"


def clean(start, step, value, line, problems: Problems):
    """Rows of one file in time order, without duplicate or overlapping steps (the first in
    file order is kept; strict mode raises at the second). Returns ``(start, step, value,
    line)`` arrays."""
    start = np.asarray(start, dtype=np.int64)
    step = np.asarray(step, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    line = np.asarray(line, dtype=np.int64)
    back = np.flatnonzero(np.diff(start) < 0) + 1
    if len(back):
        problems.problem(int(line[back[0]]), "unsorted",
                         f"{len(back)} rows out of time order (sorted)", count=len(back))
        order = np.argsort(start, kind="stable")
        start, step, value, line = start[order], step[order], value[order], line[order]
    keep = np.ones(len(start), dtype=bool)
    last_end = None
    for k in range(len(start)):
        if last_end is not None and start[k] < last_end:
            same = k > 0 and start[k] == start[k - 1]
            kind = "duplicate_timestamp" if same else "overlapping_interval"
            problems.problem(int(line[k]), kind, "this step overlaps the one before it (the "
                             "first in file order kept)")
            keep[k] = False
            continue
        last_end = start[k] + step[k]
    return start[keep], step[keep], value[keep], line[keep]


def vet(reading: Reading, problems: Problems) -> None:
    """The row stage of :mod:`nilm.io.plausible` (dates, non-finite values) on one reading, in
    place: what every Linky reader's rows pass through (:func:`nilm.io.merge.read_files`)."""
    # errors name the real file, reports the masked one (as Problems does)
    where = problems.path if problems.mode == "strict" else problems.shown
    start, rows, line = check_rows(where, reading.start,
                                   np.column_stack([reading.step, reading.value]), reading.line,
                                   mode=problems.mode, report=problems.report,
                                   unit_checked=False)
    reading.start, reading.line = start, line
    reading.step, reading.value = rows[:, 0].astype(np.int64), rows[:, 1]


def interval_series(start, step, value, name: str, label: str,
                    quantity: str = "active") -> PowerSeries:
    """Start-labelled interval :class:`PowerSeries` of clean rows (module notes)."""
    start = np.asarray(start, dtype=np.int64)
    step = np.asarray(step, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    if len(start) == 0:
        return PowerSeries(start, value, name, label=label, quantity=quantity, period=None,
                           interval=True)
    period = int(step.max())
    end = start + step
    hole = np.ones(len(start), dtype=bool)
    hole[:-1] = start[1:] > end[:-1]
    close = hole & (step < period) & np.isfinite(value)
    n = len(start) + int(close.sum())
    t = np.empty(n, dtype=np.int64)
    p = np.empty(n, dtype=np.float64)
    pos = np.arange(len(start)) + np.concatenate([[0], np.cumsum(close)[:-1]])
    t[pos], p[pos] = start, value
    t[pos[close] + 1], p[pos[close] + 1] = end[close], np.nan
    return PowerSeries(t, p, name, label=label, quantity=quantity, period=float(period),
                       interval=True)


__all__ = ["LINKY_POWER_RANGE_W", "RUN", "Problems", "Reading", "clean", "decode",
           "from_register", "interval_series", "norm", "number", "stamp", "steps_from_ends",
           "utc", "vet"]
