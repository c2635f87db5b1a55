"""Plausibility checks that every loader's data passes through: times, finiteness, power range
and power unit.

Two stages, both in strict mode an error (:class:`~nilm.errors.NilmDataError`) and in lenient
mode a recorded repair:

**Rows** (:func:`check_rows`, called by :func:`nilm.io.text.check_samples`, which every research
loader uses, and by :func:`nilm.io.curve.vet`, which every reading of every Linky reader passes
in :func:`nilm.io.merge.read_files`, TIC included), with the file and 1-based line of each row:

* **epoch unit**: the unit of integer epoch timestamps is detected from the data — the median
  timestamp is read as s, ms, µs or ns, whichever first falls inside the plausible span. Files
  that should hold seconds but hold ms/µs/ns are refused in strict mode (naming the unit found)
  and divided down in lenient mode (``time_unit_converted``, count = rows);
* **plausible span**: an epoch-seconds clock cannot read before 1970-01-01 or after the moment
  of loading (+ :data:`FUTURE_SLACK_S` for clock skew); a row outside is refused (strict) or
  dropped (lenient, ``implausible_date``). The span is not narrowed to each dataset's recording
  period because every format is also written by other tools and people (a REDD-format file of
  one's own house, the test files of this project);
* **isolated dates**: rows on the far side of a gap longer than :data:`ISOLATED_GAP_S` that
  hold at most one row in :data:`ISOLATED_FRACTION` of the file (and fewer than the other side)
  are a corrupt date, not a recording: refused / dropped (``implausible_date``). A grid is
  therefore never allocated from one outlying row (one row in 2100 made 3.5 h of data 1.56 M
  half-hours);
* **non-finite values**: ``inf`` (``inf``, ``Infinity``, ``1e400``) always, and ``NaN`` written
  as a number where the format has no missing-value marker, are refused (strict) or made NaN =
  missing and recorded (``non_finite``), before any sign check (a ``-inf`` is not a
  ``negative_power``).

**Channels** (:func:`check_household`, run by :func:`nilm.io.load_all` on every household any
loader returns), on values already converted to W / VA / var:

* **physical range**: a power sample (active, apparent, reactive) outside the format's
  ``POWER_RANGE_W`` (the most a household connection of that dataset's meters can carry; see each
  loader module) is refused (strict, naming the file and the sample's time) or set to NaN and
  recorded (``out_of_range``);
* **unit 1000x off**: the household's mains over at least :data:`UNIT_MIN_SPAN_S` is compared
  with typical household levels. A 99th percentile of ``|p|`` under :data:`KW_SUSPECT_P99_W`
  that is still at least :data:`KW_SUSPECT_PEAK_RATIO` times the median means kW (or kVA) where
  W is expected: any household's day holds a load above 15 W (a fridge's compressor alone draws
  50-150 W, a kettle 2-3 kW), while a day in kW rarely peaks above 10, and keeps a household's
  shape (peaks well above the base load; a flat 6 W is a meter that saw no load, not kW). A
  median above :data:`MW_SUSPECT_MEDIAN_W` (beyond the largest residential contract, 36 kVA)
  means values 1000x too large (mW, or W x 1000). Either is an error in strict mode and a
  ``unit_suspect`` entry in lenient mode (values left as read, and a 1000x-too-large series is
  not range-repaired, so a wrong unit does not wipe the file). The thresholds were set on the
  development files in ``shared/data`` only (REDD house 5 sum of circuits, UK-DALE houses 1-2,
  UCI, AMPds, ECO house 2, 36 METER recordings; ``scripts/plausible_levels.py`` prints them):
  their mains p99 is 77 W-6.8 kW (5x above the p99 rule), median 27 W-1.5 kW (27x below the
  median rule) and p99/median 1.9-16. Three METER recordings read a flat ~6 W for 28 h
  (p99/median 1.0-1.1): not flagged as kW, and left as read.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np

from ..errors import LoadReport, NilmDataError

#: the epoch clock's span starts at 1970-01-01 (a negative epoch time is a corrupt value)
SPAN_START_S = 0
#: tolerated clock skew beyond the moment of loading, s
FUTURE_SLACK_S = 2 * 86_400
#: a gap this long (s) separates a recording from isolated, corrupt dates
ISOLATED_GAP_S = 366 * 86_400
#: isolated rows are at most this fraction of a file's rows (at least one row)
ISOLATED_FRACTION = 1e-3
#: epoch units tried, as (name, seconds per unit divisor)
EPOCH_UNITS = (("s", 1), ("ms", 1_000), ("us", 1_000_000), ("ns", 1_000_000_000))
#: default physical range of one power sample, W: a three-phase 3 x 100 A residential supply
#: at 230 V carries 69 kVA; 100 kW bounds any household connection
GENERIC_POWER_RANGE_W = (-100_000.0, 100_000.0)
#: power quantities (voltage and current have other units and are not range-checked)
POWER_QUANTITIES = ("active", "apparent", "reactive")
#: the unit rule looks only at mains covering at least this long, s (one day of a household)
UNIT_MIN_SPAN_S = 86_400
#: ... and at least this many finite samples
UNIT_MIN_SAMPLES = 24
#: mains p99 of |p| below this (W) means the file is in kW
KW_SUSPECT_P99_W = 15.0
#: ... when its p99 is at least this many times its median (a household's shape)
KW_SUSPECT_PEAK_RATIO = 1.5
#: mains median above this (W) means values 1000x too large
MW_SUSPECT_MEDIAN_W = 40_000.0


def span_end_s() -> int:
    """Latest plausible epoch second: now plus :data:`FUTURE_SLACK_S`."""
    return int(time.time()) + FUTURE_SLACK_S


def _date(t: int) -> str:
    try:
        return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return "far outside any calendar"


def epoch_unit(t) -> tuple[str, int]:
    """``(name, divisor)`` of the epoch unit of int64 times ``t``: the first of s, ms, us, ns
    under which the median time falls inside the plausible span (``("s", 1)`` when none does,
    or when ``t`` is empty)."""
    t = np.asarray(t, dtype=np.int64)
    if len(t) == 0:
        return EPOCH_UNITS[0]
    med = int(np.median(t))
    end = span_end_s()
    for name, div in EPOCH_UNITS:
        if SPAN_START_S <= med // div <= end:
            return name, div
    return EPOCH_UNITS[0]


def isolated(t) -> np.ndarray:
    """Bool mask of rows on the far side of a gap longer than :data:`ISOLATED_GAP_S` that
    hold at most ``max(1, ISOLATED_FRACTION * n)`` rows and fewer than the rest."""
    t = np.asarray(t, dtype=np.int64)
    n = len(t)
    out = np.zeros(n, dtype=bool)
    if n < 3 or int(t.max()) - int(t.min()) <= ISOLATED_GAP_S:
        return out  # no gap can be that long: O(n), the common case
    order = (np.arange(n) if np.all(t[1:] >= t[:-1]) else np.argsort(t, kind="stable"))
    st = t[order]
    limit = max(1, int(ISOLATED_FRACTION * n))
    lo, hi = 0, n  # current majority block st[lo:hi]
    while hi - lo >= 3:
        gaps = np.diff(st[lo:hi])
        k = int(np.argmax(gaps))
        if gaps[k] <= ISOLATED_GAP_S:
            break
        left, right = k + 1, hi - lo - k - 1
        if left <= limit and left < right:
            lo += left
        elif right <= limit and right < left:
            hi -= right
        else:
            break
    out[order[:lo]] = True
    out[order[hi:]] = True
    return out


def check_rows(path, t, v, line, *, mode: str, report: LoadReport, nan_is_number: bool = False,
               unit_checked: bool = True):
    """The row stage (module docstring): epoch unit, plausible span, isolated dates and
    non-finite values of one file's parsed rows, in file order.

    Parameters
    ----------
    path : file the rows came from (named in errors and repairs).
    t : int64 [n] epoch times as parsed (s expected).
    v : float64 [n] or [n, k] values (rows follow ``t``), or None for times only.
    line : int64 [n] 1-based source lines.
    mode, report : ``"strict"`` raises at the first bad row; ``"lenient"`` repairs and records.
    nan_is_number : True where the format has no missing-value marker, so a NaN can only be a
        ``nan`` written as a number (refused like ``inf``); False where NaN is the parser's
        already-reported missing value.
    unit_checked : detect the epoch unit (False for times built from calendar dates, whose unit
        is known).

    Returns
    -------
    (t, v, line): the rows kept (times in s), values with non-finite entries made NaN.
    """
    t = np.asarray(t, dtype=np.int64)
    line = np.asarray(line, dtype=np.int64)
    if len(t) == 0:
        return t, v, line
    if unit_checked:
        unit, div = epoch_unit(t)
        if div != 1:
            if mode == "strict":
                raise NilmDataError(path, int(line[0]), f"timestamps are epoch {unit}, not "
                                    f"seconds ({int(t[0])} = {_date(int(t[0]) // div)}); "
                                    "convert them, or load in lenient mode (mode='lenient'; "
                                    "the CLI without --strict), which converts them")
            report.add(path, int(line[0]), "time_unit_converted", f"epoch timestamps in {unit} "
                       "(detected from the data) divided to seconds", count=len(t))
            t = t // div
    end = span_end_s()
    bad = (t < SPAN_START_S) | (t > end)
    if bad.any():
        _refuse(path, t, line, bad, mode, report, "outside the plausible span (1970-01-01 to "
                "now)")
    else:
        bad = isolated(t)
        if bad.any():
            _refuse(path, t, line, bad, mode, report, f"more than {ISOLATED_GAP_S // 86_400} "
                    "days away from the rest of the file")
    if bad.any():
        keep = ~bad
        t, line = t[keep], line[keep]
        v = None if v is None else np.asarray(v)[keep]
    if v is not None:
        v = check_finite(path, v, line, mode=mode, report=report, nan_is_number=nan_is_number)
    return t, v, line


def _refuse(path, t, line, bad, mode, report, why: str) -> None:
    i = int(np.flatnonzero(bad)[0])
    what = f"timestamp {int(t[i])} ({_date(int(t[i]))}) is {why}"
    if mode == "strict":
        raise NilmDataError(path, int(line[i]), what)
    report.add(path, int(line[i]), "implausible_date", f"{int(bad.sum())} rows dropped; first: "
               + what, count=int(bad.sum()))


def check_finite(path, v, line, *, mode: str, report: LoadReport, nan_is_number: bool = False):
    """Refuse (strict) or make NaN and record (lenient, ``non_finite``, one per row) the
    infinite values of ``v`` (and its NaNs when ``nan_is_number``). Returns ``v``."""
    v = np.asarray(v)
    flat = v.reshape(len(v), -1)
    bad_cell = np.isinf(flat) | (np.isnan(flat) if nan_is_number else False)
    rows = np.flatnonzero(bad_cell.any(axis=1))
    if not len(rows):
        return v
    i = int(rows[0])
    bad_value = flat[i][bad_cell[i]][0]
    if mode == "strict":
        raise NilmDataError(path, int(line[i]), f"non-finite value {float(bad_value)!r} (nan / "
                            "inf, or a number too large for float64)")
    v = v.astype(np.float64, copy=True)
    v.reshape(len(v), -1)[bad_cell] = np.nan
    report.add(path, int(line[i]), "non_finite", f"{len(rows)} rows with nan / inf values read "
               "as missing (NaN)", count=len(rows))
    return v


def power_range(mod) -> tuple[float, float]:
    """The physical range of a power sample (W) a format module declares as ``POWER_RANGE_W``,
    else :data:`GENERIC_POWER_RANGE_W`."""
    lo, hi = getattr(mod, "POWER_RANGE_W", GENERIC_POWER_RANGE_W)
    return float(lo), float(hi)


def unit_suspect(s) -> str | None:
    """Why a mains series looks 1000x off (module docstring rules), or None."""
    if s is None or s.quantity not in ("active", "apparent") or len(s) < 2:
        return None
    p = np.abs(s.p[np.isfinite(s.p)].astype(np.float64))
    if len(p) < UNIT_MIN_SAMPLES or int(s.t[-1]) - int(s.t[0]) < UNIT_MIN_SPAN_S:
        return None
    p99, med = float(np.percentile(p, 99)), float(np.median(p))
    if p99 < KW_SUSPECT_P99_W and p99 >= KW_SUSPECT_PEAK_RATIO * med:
        return (f"mains 99th percentile {p99:.3g} W is below {KW_SUSPECT_P99_W:g} W over "
                f"{(int(s.t[-1]) - int(s.t[0])) / 86_400:.1f} days: values look like kW where W "
                "is expected")
    if med > MW_SUSPECT_MEDIAN_W:
        return (f"mains median {med:.3g} W is above {MW_SUSPECT_MEDIAN_W:g} W: values look "
                "1000x too large (mW, or W x 1000)")
    return None


def check_household(h, *, where, mode: str, power_w: tuple[float, float]) -> None:
    """The channel stage (module docstring) on one loaded household, in place.

    Parameters
    ----------
    h : the :class:`~nilm.series.Household` a loader returned; its report receives repairs.
    where : the file (or folder) named in errors and repairs.
    mode : ``"strict"`` or ``"lenient"``.
    power_w : (lowest, highest) plausible power sample, W (see :func:`power_range`).
    """
    report = h.report if h.report is not None else LoadReport()
    why = unit_suspect(h.mains)
    if why is not None:
        if mode == "strict":
            raise NilmDataError(where, None, why)
        report.add(where, None, "unit_suspect", why + "; values left as read")
    lo, hi = power_w
    chans = ([("mains", h.mains)] if h.mains is not None else []) + list(h.appliances.items()) \
        + list(h.extra.items())
    for name, s in chans:
        if s.quantity not in POWER_QUANTITIES or len(s) == 0:
            continue
        if name == "mains" and why is not None and "too large" in why:
            continue
        out = np.flatnonzero((s.p < lo) | (s.p > hi))
        if not len(out):
            continue
        i = int(out[0])
        what = (f"{name}: {float(s.p[i]):.6g} W at {_date(int(s.t[i]))} is outside the "
                f"physical range [{lo:g}, {hi:g}] W of this format's meters")
        if mode == "strict":
            raise NilmDataError(where, None, what)
        s.p = s.p.copy()
        s.p[out] = np.nan
        report.add(where, None, "out_of_range", f"{len(out)} samples set to NaN (missing); "
                   "first: " + what, count=len(out))
    h.report = report
