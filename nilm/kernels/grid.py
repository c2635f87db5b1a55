"""Numba kernels of per-interval bookkeeping on a regular grid: local calendar clock, on/off
confusion counts per block, and "any event within a centred window".

They replace numpy/pandas pipelines that allocated several float64 copies of a year of 1-s
intervals (31.5 M values) per call. Each returns exactly what the code it replaces returned
(integer arithmetic, or sums of 0/1 values, which are exact in any order); every kernel has a
plain-Python twin in ``tests/naive.py``.
"""

from __future__ import annotations

import numba
import numpy as np

#: seconds per day
_DAY_S = 86400


@numba.njit(cache=True)
def regular_clock(start, period, n, trans, offs):
    """Local calendar day and time of day of the intervals of a regular grid.

    Interval ``i`` starts at ``t_i = start + int64(i · period)`` epoch s UTC (the rule of
    :attr:`nilm.series.Grid.t`); its UTC offset is ``offs[searchsorted(trans, t_i, "right")]``
    (the table of :func:`nilm.clock.offset_table`). Same result as
    :func:`nilm.clock.local_clock` on ``Grid.t``, without materialising ``Grid.t``
    nor searching per interval.

    Parameters
    ----------
    start : int, epoch s UTC of interval 0.
    period : float, s (> 0).
    n : int, number of intervals.
    trans : int64 [m], sorted epoch s of the offset changes.
    offs : int64 [m + 1], UTC offset (local wall clock − UTC, s) before, between and after them.

    Returns
    -------
    day : int64 [n], local calendar day (days since 1970-01-01 of the wall clock).
    sod : float64 [n], local wall-clock seconds since that day's midnight, in [0, 86400).
    """
    day = np.empty(n, np.int64)
    sod = np.empty(n, np.float64)
    if n == 0:
        return day, sod
    j = np.searchsorted(trans, start, side="right")
    wall = start + offs[j]
    d = wall // _DAY_S
    r = wall - d * _DAY_S
    for i in range(n):
        t = start + np.int64(i * period)
        # t is non-decreasing, so the offset index only moves forward; the wall clock moves by
        # the step plus any offset change, and carrying it into (day, second) avoids a division
        # per interval
        while j < trans.shape[0] and trans[j] <= t:
            j += 1
        w = t + offs[j]
        r += w - wall
        wall = w
        while r >= _DAY_S:
            r -= _DAY_S
            d += 1
        while r < 0:
            r += _DAY_S
            d -= 1
        day[i] = d
        sod[i] = r
    return day, sod


@numba.njit(cache=True)
def offpeak_window(day, sod, finite, w0, length, period):
    """Intervals wholly inside a local daily window, and the day each window opened on (the
    off-peak search window of the water-heater attack, the day-profile windows of the routine
    attack).

    ``mask[i] = ((sod[i] − w0) mod 86400) + period <= length`` and ``finite[i]``;
    ``night[i] = day[i] − (sod[i] < w0)``, float ``mod`` with Python's sign rule as in numpy.

    Parameters
    ----------
    day : int64 [n], local day numbers; sod : float64 [n], local s after midnight.
    finite : bool [n], where the aggregate is known.
    w0 : float, window start, local s after midnight; length : float, window length, s.
    period : float, interval length, s.

    Returns
    -------
    mask : bool [n]; night : int64 [n].
    """
    n = day.shape[0]
    mask = np.empty(n, np.bool_)
    night = np.empty(n, np.int64)
    for i in range(n):
        a = sod[i] - w0
        # Python's float modulo, whose result these two branches give exactly (one rounded
        # addition at most) without the general remainder
        if 0.0 <= a < 86400.0:
            u = a
        elif -86400.0 < a < 0.0:
            u = a + 86400.0
        else:
            u = a % 86400.0
        mask[i] = (u + period <= length) and finite[i]
        night[i] = day[i] - (1 if sod[i] < w0 else 0)
    return mask, night


@numba.njit(cache=True)
def confusion_block_counts(y, p, th, length):
    """On/off confusion counts of each block of ``length`` consecutive columns.

    "On" means ``value >= th[row]``; a pair counts only where both values are finite. These are
    the block sums of :func:`nilm.metrics._confusion_stats` (Matthews 1975's TP, FP, FN, TN):
    integers, hence identical to the float64 sums of the per-sample 0/1 statistics.

    Parameters
    ----------
    y, p : float64 [k, n], true and predicted values (W, or 0/1 labels).
    th : float64 [k], threshold of each row (same unit).
    length : int >= 1, columns per block; the last block may be short.

    Returns
    -------
    float64 [ceil(n / length), 4]: TP, FP, FN, TN per block (pooled over rows).
    """
    k, n = y.shape
    nb = (n + length - 1) // length
    out = np.zeros((nb, 4), np.int64)
    for r in range(k):
        for i in range(n):
            a = y[r, i]
            b = p[r, i]
            if not (np.isfinite(a) and np.isfinite(b)):
                continue
            t_on = a >= th[r]
            p_on = b >= th[r]
            if t_on:
                out[i // length, 0 if p_on else 2] += 1
            else:
                out[i // length, 1 if p_on else 3] += 1
    return out.astype(np.float64)


@numba.njit(cache=True)
def any_centered(mask, w):
    """Whether some ``mask`` value is True within the centred window of ``w`` intervals.

    The window of interval ``i`` is ``[i − w // 2, i − w // 2 + w − 1]`` clipped to the series,
    the placement of ``pandas.Series.rolling(w, center=True)``, so
    ``rolling(w, center=True, min_periods=1).max() > 0`` of a 0/1/NaN series equals
    ``any_centered(series == 1, w)``.

    Parameters
    ----------
    mask : bool [n].
    w : int >= 1, window length in intervals.

    Returns
    -------
    bool [n].
    """
    n = mask.shape[0]
    out = np.empty(n, np.bool_)
    back = w // 2
    ahead = w - 1 - back
    # a running count of the True values in the window, slid one interval at a time
    count = 0
    for j in range(min(ahead + 1, n)):
        if mask[j]:
            count += 1
    for i in range(n):
        out[i] = count > 0
        if i - back >= 0 and mask[i - back]:
            count -= 1
        if i + ahead + 1 < n and mask[i + ahead + 1]:
            count += 1
    return out


@numba.njit(cache=True)
def bool_timeline_share(values, start, step, grid_start, period, n, min_coverage):
    """Share of each interval of a regular grid during which a 0/1 step timeline is 1.

    Step ``i`` of the timeline holds ``values[i]`` over ``[start + i·step, start + (i+1)·step)``;
    interval ``k`` of the grid is ``[grid_start + k·period, grid_start + (k+1)·period)``. All
    times are integer seconds, so both integrals (time at 1, time covered) are exact int64, and
    the share is their float64 quotient: what :func:`nilm.privacy.truth_proxy.timeline_on_grid`
    computes by float interpolation, where the same integers arise exactly.

    Parameters
    ----------
    values : bool [m], the timeline (m >= 1).
    start, step : int, epoch s of step 0 and step length, s (> 0).
    grid_start, period : int, epoch s of interval 0 and interval length, s (> 0).
    n : int, number of intervals.
    min_coverage : float, intervals with a smaller covered share of their time are NaN.

    Returns
    -------
    float64 [n].
    """
    m = values.shape[0]
    cum = np.zeros(m + 1, np.int64)
    for i in range(m):
        cum[i + 1] = cum[i] + (step if values[i] else 0)
    span = step * m
    out = np.empty(n, np.float64)
    # integrals from the timeline start up to each grid edge; the first edge is interval 0's
    x = min(max(grid_start - start, 0), span)
    j = min(x // step, m - 1)
    prev_on = cum[j] + (x - j * step if values[j] else 0)
    prev_x = x
    for k in range(n):
        x = min(max(grid_start + (k + 1) * period - start, 0), span)
        j = min(x // step, m - 1)
        on = cum[j] + (x - j * step if values[j] else 0)
        cov = float(x - prev_x)
        if cov >= min_coverage * period:
            out[k] = float(on - prev_on) / cov
        else:
            out[k] = np.nan
        prev_on = on
        prev_x = x
    return out
