"""The local clock of a household: UTC offsets, local calendar days, time of day, local
midnights and ISO 8601 text, in one place.

Inside nilm every instant is int64 epoch seconds UTC (docs/design.md, conventions); a
household's zone is an IANA name (``Household.timezone``). A *local day* is the wall-clock
calendar date as a day number (days since 1970-01-01 of the wall clock), and the *time of day*
is wall-clock seconds since that day's midnight, in [0, 86400). A local day lasts 23 h or 25 h
on daylight-saving days; its *start* is the first instant of its wall-clock midnight (a midnight
that does not exist is shifted forward to the first valid instant; an ambiguous one is its
first occurrence).

Offsets come from pandas' time-zone database (the IANA tz database through ``zoneinfo`` or
``dateutil``). :func:`local_clock` and :func:`grid_clock` read them through a table of offset
changes per span of about a year (:func:`offset_table`), located to the second, so converting
millions of timestamps costs one search per offset change instead of one time-zone conversion
per timestamp.
"""

from __future__ import annotations

import functools

import numpy as np

#: seconds per day
DAY_S = 86400

#: :func:`offset_table` tabulates UTC offsets per chunk of 2**25 s (about 388 days) of epoch
#: time
CHUNK_BITS = 25


def utc_offsets(t, tz: str) -> np.ndarray:
    """UTC offset in seconds (local wall clock − UTC) of zone ``tz`` at each epoch second.

    Parameters
    ----------
    t : int64 array-like, epoch s UTC.
    tz : IANA time-zone name.

    Returns
    -------
    int64 array, s.
    """
    import pandas as pd

    t = np.asarray(t, dtype=np.int64)
    local = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    return local.to_numpy().astype("datetime64[s]").astype(np.int64) - t


@functools.lru_cache(maxsize=256)
def offset_table(tz: str, chunk0: int, chunk1: int) -> tuple[np.ndarray, np.ndarray]:
    """(transition instants, offsets) of ``tz`` over epoch chunks ``chunk0..chunk1`` (of
    ``2**CHUNK_BITS`` s): the offset at ``t`` is ``offsets[searchsorted(instants, t, "right")]``.

    Offsets are read hourly and each change is located to the second by bisection, so the
    table is exact as long as a zone changes its offset at most once per hour (true of every
    IANA zone). Both arrays are read-only: the table is cached and shared by every caller.
    """
    t0, t1 = chunk0 << CHUNK_BITS, (chunk1 + 1) << CHUNK_BITS
    probe = np.arange(t0, t1 + 3600, 3600, dtype=np.int64)
    off = utc_offsets(probe, tz)
    trans, offs = [], [int(off[0])]
    for i in np.flatnonzero(np.diff(off) != 0):
        lo, hi = int(probe[i]), int(probe[i + 1])  # offset(lo) old, offset(hi) new
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if utc_offsets(np.array([mid], np.int64), tz)[0] == off[i]:
                lo = mid
            else:
                hi = mid
        trans.append(hi)
        offs.append(int(off[i + 1]))
    trans, offs = np.array(trans, dtype=np.int64), np.array(offs, dtype=np.int64)
    trans.flags.writeable = offs.flags.writeable = False
    return trans, offs


def local_clock(t, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Local calendar day and time of day of UTC epoch seconds.

    Parameters
    ----------
    t : int64 array, epoch s UTC.
    tz : IANA time-zone name.

    Returns
    -------
    day : int64 array, local calendar day as days since 1970-01-01 (wall clock).
    sod : float64 array, local wall-clock seconds since that day's midnight, in [0, 86400).
    """
    t = np.asarray(t, dtype=np.int64)
    if t.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    lo, hi = int(t.min()), int(t.max())
    trans, offs = offset_table(tz, lo >> CHUNK_BITS, hi >> CHUNK_BITS)
    first, last = np.searchsorted(trans, [lo, hi], side="right")
    # most spans hold no offset change: one offset for all, no per-timestamp search
    wall = t + (offs[first] if first == last else offs[np.searchsorted(trans, t, side="right")])
    day, sod = np.divmod(wall, DAY_S)
    return day, sod.astype(np.float64)


def grid_clock(grid, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`local_clock` of the interval starts of a regular grid (local day number, int64,
    and local seconds after midnight, float64, per interval), by one Numba pass
    (:func:`nilm.kernels.grid.regular_clock`) instead of materialising ``grid.t``.

    ``grid`` is anything with ``start`` (epoch s), ``period`` (s) and a length, such as a
    :class:`nilm.series.Grid`.
    """
    from .kernels.grid import regular_clock

    n = len(grid)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    start, period = int(grid.start), float(grid.period)
    t_last = start + int(np.int64((n - 1) * period))
    lo, hi = min(start, t_last), max(start, t_last)
    trans, offs = offset_table(tz, lo >> CHUNK_BITS, hi >> CHUNK_BITS)
    return regular_clock(start, period, n, trans, offs)


def grid_days(grid, tz: str) -> np.ndarray:
    """Sorted local days (as :func:`local_clock`) holding an interval start of a regular grid.

    Reads one interval per hour and the last one instead of all: every local day lasts at least
    23 h, so only the first and last days can hold less than an hour of intervals, and those
    are read."""
    n = len(grid)
    if n == 0:
        return np.zeros(0, np.int64)
    step = max(1, int(3600 // float(grid.period)))
    ix = np.append(np.arange(0, n, step), n - 1)
    t = grid.start + (ix * float(grid.period)).astype(np.int64)
    return np.unique(local_clock(t, tz)[0])


def unique_days(day: np.ndarray) -> np.ndarray:
    """``np.unique(day)``, by one comparison pass when ``day`` is already sorted (the local days
    of a grid are, except across a backward offset change at midnight)."""
    day = np.asarray(day)
    if day.size > 1 and bool(np.all(day[1:] >= day[:-1])):
        return day[np.concatenate([[True], day[1:] != day[:-1]])]
    return np.unique(day)


def day_start_utc(day: np.ndarray, tz: str) -> np.ndarray:
    """Epoch s UTC of local midnight of each local day number (see :func:`local_clock`); a
    midnight that does not exist is shifted forward, an ambiguous one is its first occurrence."""
    import pandas as pd

    day = np.asarray(day, dtype=np.int64)
    if day.size == 0:
        return np.zeros(0, np.int64)
    naive = pd.to_datetime(day * DAY_S, unit="s")
    loc = naive.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return ((loc.tz_convert("UTC").tz_localize(None) - pd.Timestamp(0))
            // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)


def local_midnights(t0: int, t1: int, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Local calendar days touching ``[t0, t1)`` in zone ``tz``.

    Returns
    -------
    days : datetime64[D] array of local dates.
    edges : int64 array (len(days) + 1,), epoch s of each local midnight
        (:func:`day_start_utc` of the days and of the day after the last).
    """
    d = local_clock(np.array([t0, max(t1 - 1, t0)], dtype=np.int64), tz)[0]
    days = np.arange(d[0], d[1] + 1, dtype=np.int64)
    edges = day_start_utc(np.append(days, d[1] + 1), tz)
    return days.astype("datetime64[D]"), edges


def local_grid_start(t0: int, t1: int, period: int, tz: str) -> int:
    """Start of a grid of ``period`` s whose boundaries lie on local clock time: the last such
    boundary at or before ``t0`` (epoch s). Raises ``ValueError`` when the zone's offset
    changes by a non-multiple of ``period`` within ``[t0, t1]`` (the grid would not be
    regular in UTC)."""
    probe = np.arange(t0, max(t1, t0) + 3600, 1800, dtype=np.int64)
    offs = utc_offsets(probe, tz)
    if np.any((offs - offs[0]) % period):
        raise ValueError(f"a {period} s grid aligned on local time in {tz} is not regular in UTC "
                         "over this span (DST change); use nilm.resample.daily_energy for local "
                         "days, or align='utc'")
    off = int(offs[0])
    return (t0 + off) // period * period - off


def iso_offset(t, tz: str) -> list[str]:
    """Local ISO 8601 time with UTC offset of each epoch second (``2024-03-31T03:00:00+02:00``,
    the Enedis export's ``Horodate``)."""
    import pandas as pd

    idx = pd.to_datetime(np.asarray(t, dtype=np.int64), unit="s", utc=True).tz_convert(tz)
    return [f"{s[:-2]}:{s[-2:]}" for s in idx.strftime("%Y-%m-%dT%H:%M:%S%z")]


def local_minutes(t, tz: str) -> list[str]:
    """Local wall-clock time to the minute (``2024-03-31 07:45``) of each epoch second; ``""``
    where ``t`` is not finite (an estimate that abstained)."""
    import pandas as pd

    t = np.asarray(t, dtype=np.float64)
    ok = np.isfinite(t)
    out = [""] * len(t)
    if ok.any():
        idx = pd.to_datetime(t[ok].astype(np.int64), unit="s", utc=True).tz_convert(tz)
        for i, s in zip(np.flatnonzero(ok), idx.strftime("%Y-%m-%d %H:%M"), strict=True):
            out[i] = s
    return out


def iso_utc(t: int | float) -> str:
    """Epoch seconds → ``YYYY-MM-DDTHH:MM:SSZ``."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["CHUNK_BITS", "DAY_S", "day_start_utc", "grid_clock", "grid_days", "iso_offset",
           "iso_utc", "local_clock", "local_grid_start", "local_midnights", "local_minutes",
           "offset_table", "unique_days", "utc_offsets"]
