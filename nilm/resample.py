"""Energy-preserving, gap-aware resampling of power series onto regular grids.

Method: each sample is held (zero-order hold) until the next sample, at most ``max_gap``
seconds; NaN samples hold *missing*. Over each interval ``[start + k*period, start +
(k+1)*period)`` the kernel integrates the held signal (energy, W·s) and counts the seconds it
covers. The value of an interval is the **mean power over its covered part**,
``energy / covered``; an interval covered less than ``min_coverage × period`` is NaN.
The covered fraction is returned too, so that ``Σ value × coverage × period`` over finite
values is exactly the energy integrated in those intervals (with ``min_coverage=0`` it is the
integral of the whole held signal). This is the time-weighted mean that load-curve meters
compute (Enedis, "courbe de charge": mean active power per step) and that NILMTK's resampling
approximates by forward filling then averaging (Kelly et al., "NILMTK v0.2", 2014); unlike
``pandas.Series.resample().mean()``, it weights each sample by how long it holds, so irregular
sampling does not bias the mean, and it never forward-fills across a gap longer than ``max_gap``.

Conventions: times are int64 epoch seconds UTC, grids are start-labelled, periods are whole
seconds. ``max_gap`` and the last sample's hold (the series' nominal ``period``) are floored to
whole seconds ("at most max_gap").

Local time: ``to_grid(..., align="local")`` aligns interval boundaries to local clock time
(needed for 60-min steps in zones with half-hour offsets, e.g. Asia/Kolkata). A local-time grid is
regular in UTC only while the UTC offset stays the same modulo the period; a 1-day period across
a DST change is not (local days last 23 or 25 h), so it is refused there and
:func:`daily_energy` gives Wh per local calendar day on the true, irregular day edges.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np

from .clock import (
    local_grid_start,
    local_midnights,
    utc_offsets,  # noqa: F401 (re-exported, public API)
)
from .grid import Grid
from .kernels.resample import hold_integrate

if TYPE_CHECKING:  # annotations only: nilm.series calls this module (Household.to_grid)
    from .series import Household, PowerSeries

#: the resolutions of DESIGN.md, in seconds; ``None`` = the native sampling of the data,
#: 2 = the Linky TIC customer port, 60 = 1 min, 600/900/1800/3600 = Enedis load-curve steps,
#: 86400 = the daily index
RESOLUTION_LADDER: tuple[int | None, ...] = (None, 2, 60, 600, 900, 1800, 3600, 86400)

_UNITS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60,
          "minutes": 60, "t": 60, "h": 3600, "hour": 3600, "hours": 3600, "d": 86400,
          "day": 86400, "days": 86400}
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_period(period) -> int:
    """A period in whole seconds.

    Parameters
    ----------
    period : int (seconds), an integral float, a ``datetime.timedelta``, a string with a unit
        (``"30min"``, ``"10 min"``, ``"1h"``, ``"2s"``, ``"1d"``, ``"15T"``) or an ISO 8601 duration
        as in Enedis files (``"PT30M"``, ``"PT1H"``, ``"P1D"``).

    Returns
    -------
    int, seconds (> 0). Raises ``ValueError`` for anything else, including fractions of a second.
    """
    if hasattr(period, "total_seconds"):
        period = period.total_seconds()
    if isinstance(period, str):
        s = period.strip()
        iso = _ISO.match(s.upper())
        if iso and any(iso.groups()):
            d, h, m, sec = (int(g) if g else 0 for g in iso.groups())
            seconds = ((d * 24 + h) * 60 + m) * 60 + sec
        else:
            mt = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)", s)
            if not mt or mt.group(2).lower() not in _UNITS:
                raise ValueError(f"cannot parse period {period!r} (e.g. '30min', '1h', 'PT30M')")
            seconds = float(mt.group(1)) * _UNITS[mt.group(2).lower()]
    elif isinstance(period, (int, float, np.integer, np.floating)) and not isinstance(period, bool):
        seconds = float(period)
    else:
        raise ValueError(f"cannot parse period {period!r}")
    if not (seconds > 0 and float(seconds).is_integer()):
        raise ValueError(f"period must be a positive whole number of seconds, got {period!r}")
    return int(seconds)


def _holds(series: PowerSeries, max_gap) -> tuple[int, int]:
    """(max_gap, last_hold) in whole seconds for ``series``."""
    gap = series.max_hold() if max_gap is None else float(max_gap)
    if gap < 0:
        raise ValueError(f"max_gap must be >= 0, got {max_gap}")
    period = series.period
    last = math.floor(period) if period is not None and np.isfinite(period) else 0
    return int(math.floor(gap)), int(min(last, gap))


def integrate(series: PowerSeries, edges, *, max_gap=None) -> tuple[np.ndarray, np.ndarray]:
    """Energy (W·s, float64) and covered seconds (int64) of ``series`` in each bin
    ``[edges[k], edges[k+1])`` (int64 epoch s, strictly increasing); see the module notes."""
    edges = np.ascontiguousarray(edges, dtype=np.int64)
    if len(edges) > 1 and not np.all(np.diff(edges) > 0):
        raise ValueError("edges must be strictly increasing")
    gap, last = _holds(series, max_gap)
    return hold_integrate(series.t, series.p, edges, gap, last)


def hold_end(series: PowerSeries, max_gap=None) -> int | None:
    """Epoch s where the hold of the last sample of ``series`` ends (the default end of its
    grid), None for an empty series; ``max_gap`` as in :func:`resample`."""
    if len(series) == 0:
        return None
    _, last = _holds(series, max_gap)
    return int(series.t[-1]) + last


def _means(energy, covered, length, min_coverage):
    with np.errstate(invalid="ignore", divide="ignore"):
        values = energy / covered
    coverage = covered / np.asarray(length, dtype=np.float64)
    values[(covered == 0) | (coverage < min_coverage)] = np.nan
    return values, coverage


def resample(series: PowerSeries, period, *, start=None, end=None, max_gap=None,
             min_coverage: float = 0.5) -> tuple[int, np.ndarray, np.ndarray]:
    """Time-weighted mean power of ``series`` on a regular, start-labelled grid.

    Parameters
    ----------
    series : the input, any (irregular) sampling; W (or VA, var...), NaN = missing.
    period : grid step, seconds or a string (see :func:`parse_period`); any whole number of
        seconds, shorter than the native step too (upsampling by hold).
    start : first interval start, epoch s. Default: the first sample rounded down to a multiple
        of ``period`` (UTC). Given values are used as they are.
    end : the grid covers ``[start, end)`` (the last interval may run past ``end``). Default: the
        end of the last sample's hold.
    max_gap : longest hold in seconds; default :meth:`nilm.series.PowerSeries.max_hold`.
    min_coverage : fraction of the interval (0–1) that must be covered for a value.

    Returns
    -------
    start : int, epoch s of the first interval.
    values : float64 array, mean power over the covered part of each interval (NaN where
        coverage < ``min_coverage``).
    coverage : float64 array, covered fraction of each interval (0–1), so the energy in Wh of
        interval ``k`` is ``values[k] * coverage[k] * period / 3600``.
    """
    period = parse_period(period)
    if len(series) == 0 and (start is None or end is None):
        return (0 if start is None else int(start)), np.empty(0), np.empty(0)
    if start is None:
        start = int(series.t[0]) // period * period
    if end is None:
        end = hold_end(series, max_gap)
    start, end = int(start), int(end)
    n = max(0, -(-(end - start) // period))
    if _on_grid(series, period, start, n, max_gap) and min_coverage <= 1:
        # one sample per interval, held exactly the interval: the kernel's integral is
        # (p·period)/period, which is p itself (a float32 times a whole period below 2**29 is
        # exact in float64), so the values are the samples, without building 8-byte edges
        # for every interval; resampling a year of 1-s channels at their own period was a
        # third of a study's time
        values = series.p.astype(np.float64)
        return start, values, np.isfinite(values).astype(np.float64)
    if period == 2 and _unit_steps_inside(series, start, n, max_gap):
        values, coverage = _pair_means(series.p, int(series.t[0]) - start, n, min_coverage)
        return start, values, coverage
    edges = start + period * np.arange(n + 1, dtype=np.int64)
    energy, covered = integrate(series, edges, max_gap=max_gap)
    values, coverage = _means(energy, covered, period, min_coverage)
    return start, values, coverage


def _unit_steps_inside(series: PowerSeries, start: int, n: int, max_gap) -> bool:
    """True when ``series`` is sampled every second without a gap, each sample held exactly
    1 s (the last one too), and lies inside the ``n`` intervals of 2 s from ``start``."""
    t = series.t
    if len(t) == 0 or int(t[-1]) - int(t[0]) != len(t) - 1:  # strictly increasing integers
        return False
    gap, last = _holds(series, max_gap)
    return gap >= 1 and last == 1 and start <= int(t[0]) and int(t[-1]) + 1 <= start + 2 * n


def _pair_means(p: np.ndarray, offset: int, n: int, min_coverage: float):
    """(values, coverage) of 1-s samples ``p`` placed ``offset`` s after the start of ``n``
    intervals of 2 s: what the kernel gives for them, bit for bit — it adds a bin's samples to
    +0.0 in time order and divides by the covered seconds, and so does this — in one pass of
    array operations instead of a kernel call per interval. The 2-s (TIC) rung of a 1-s
    household-year was a tenth of its study's time."""
    x = np.full(2 * n, np.nan)
    x[offset:offset + len(p)] = p
    a, b = x[0::2], x[1::2]
    fa, fb = ~np.isnan(a), ~np.isnan(b)
    energy = 0.0 + ((0.0 + np.where(fa, a, 0.0)) + np.where(fb, b, 0.0))
    covered = fa.astype(np.int64) + fb
    return _means(energy, covered, 2, min_coverage)


def _on_grid(series: PowerSeries, period: int, start: int, n: int, max_gap) -> bool:
    """True when sample ``i`` of ``series`` is at ``start + i·period`` for all ``n`` intervals
    and every sample, the last included, may be held a whole period."""
    t = series.t
    if n == 0 or len(t) != n or int(t[0]) != start or int(t[-1]) != start + (n - 1) * period:
        return False
    gap, last = _holds(series, max_gap)
    if gap < period or last < period:
        return False
    # n strictly increasing integers from start to start + (n-1) are exactly 1 s apart; other
    # periods need the steps checked
    return period == 1 or bool(np.all(np.diff(t) == period))


def to_grid(household: Household, period, *, start=None, end=None, max_gap=None,
            min_coverage: float = 0.5, align: str = "utc") -> Grid:
    """Resample mains, every appliance and every extra channel of ``household`` onto one grid.

    Parameters
    ----------
    household : the source; channels may have different, irregular samplings.
    period : grid step (seconds or a string, see :func:`parse_period`).
    start, end : grid span in epoch s (default: the span of all channels, ``start`` rounded down
        to a multiple of ``period`` in UTC, or in local time with ``align="local"``).
    max_gap : longest hold in seconds for every channel; default: each channel's
        :meth:`nilm.series.PowerSeries.max_hold`.
    min_coverage : fraction (0–1) of an interval that must be covered for a value.
    align : ``"utc"`` or ``"local"`` (boundaries on the household's local clock,
        ``meta["timezone"]``); see the module notes on DST.

    Returns
    -------
    Grid, start-labelled, W. Mains is all-NaN when the household has no mains channel.
    ``meta`` is the household's plus ``period``, ``max_gap`` (the argument),
    ``max_gap_by_channel`` (seconds actually used), ``min_coverage`` and ``align``.
    """
    period = parse_period(period)
    if align not in ("utc", "local"):
        raise ValueError(f"align must be 'utc' or 'local', not {align!r}")
    chans = {**household.channels(), **{f"extra:{k}": v for k, v in household.extra.items()}}
    live = [s for s in chans.values() if len(s)]
    if start is None or end is None:
        if not live:
            raise ValueError(f"{household.name}: no samples to resample")
    if end is None:
        end = max(hold_end(s, max_gap) for s in live)
    if start is None:
        t0 = min(int(s.t[0]) for s in live)
        if align == "local":
            start = local_grid_start(t0, int(end), period, household.timezone)
        else:
            start = t0 // period * period
    elif align == "local":
        local_grid_start(int(start), int(end), period, household.timezone)
    start, end = int(start), int(end)
    n = max(0, -(-(end - start) // period))

    def one(s: PowerSeries) -> np.ndarray:
        if min_coverage <= 1 and _on_grid(s, period, start, n, max_gap):
            return s.p.copy()  # float32 already: see resample()
        return resample(s, period, start=start, end=start + n * period, max_gap=max_gap,
                        min_coverage=min_coverage)[1][:n]

    mains = one(household.mains) if household.mains is not None else np.full(n, np.nan)
    names = list(household.appliances)
    # filled row by row: stacking float64 rows first would hold every channel twice
    apps = np.empty((len(names), n), dtype=np.float32)
    for i, k in enumerate(names):
        apps[i] = one(household.appliances[k])
    extra = {k: one(s) for k, s in household.extra.items()}
    meta = dict(household.meta)
    meta.update(period=period, max_gap=max_gap, min_coverage=min_coverage, align=align,
                max_gap_by_channel={k: _holds(s, max_gap)[0] for k, s in chans.items()})
    return Grid(start, period, mains, apps, names, meta, extra)


def daily_energy(series: PowerSeries, tz: str, *, max_gap=None,
                 min_coverage: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energy per local calendar day, on the true day edges (23 h / 25 h on DST days).

    Parameters
    ----------
    series : power in W.
    tz : IANA zone name, e.g. ``"Europe/Paris"``.
    max_gap : longest hold in seconds (default :meth:`nilm.series.PowerSeries.max_hold`).
    min_coverage : fraction (0–1) of the day that must be covered for a value.

    Returns
    -------
    days : datetime64[D], local dates.
    energy_wh : float64, Wh per day: the mean power over the covered part of the day times the
        day's length (NaN where coverage < ``min_coverage``). Measured energy is
        ``energy_wh * coverage``.
    coverage : float64, covered fraction of each day (0–1).
    """
    if len(series) == 0:
        return np.empty(0, dtype="datetime64[D]"), np.empty(0), np.empty(0)
    days, edges = local_midnights(int(series.t[0]), hold_end(series, max_gap), tz)
    energy, covered = integrate(series, edges, max_gap=max_gap)
    length = np.diff(edges)
    mean, coverage = _means(energy, covered, length, min_coverage)
    return days, mean * length / 3600.0, coverage

