"""Signal operations on a load curve that several inferences share: runs of a boolean
series, centred moving windows, block means onto a coarser grid and back, and removal of the
off-peak water-heater run from the aggregate.

Everything works on numpy arrays or :class:`nilm.series.Grid` (power in W, regular
start-labelled intervals); the local clock comes from :mod:`nilm.clock`.

References
----------
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proceedings of the IEEE 80(12),
1870–1891. (step signatures: the heater run is a plateau above the night base load)
"""

from __future__ import annotations

import numpy as np

from .clock import DAY_S, grid_clock, unique_days
from .series import Grid

#: local hours searched for the off-peak heater run: every French *heures creuses* slot of
#: 8 h starting 21:30-23:00 lies inside it
OFFPEAK_SEARCH = (21.0, 7.5)


def runs(mask) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices (int64 arrays) of the runs of True in a
    1-D boolean ``mask``."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def run_pairs(mask) -> list[tuple[int, int]]:
    """The :func:`runs` of ``mask`` as a list of ``(start, end)`` Python ints."""
    s, e = runs(mask)
    return list(zip(s.tolist(), e.tolist(), strict=True))


def centred(x: np.ndarray, w: int, fn: str) -> np.ndarray:
    """Centred moving ``fn`` ("max", "mean", "std", "min") over ``w`` intervals, NaN-aware:
    ``pandas.Series(x).rolling(w, center=True, min_periods=1).<fn>()``.

    It calls the Cython window kernels behind that expression directly, with the same window
    bounds, input preparation (float64, inf as NaN) and ``std`` post-processing, so the values
    are pandas' own to the bit; on a year of 1-s intervals the Series machinery around them
    (mostly clipping the bound arrays) cost three times the kernels. Those kernels are private
    to pandas: where they are missing or their signature changed, the public expression is
    used instead (same values, slower).
    """
    try:
        return centred_kernels(x, w, fn)
    except (ImportError, AttributeError, TypeError):
        import pandas as pd

        s = pd.Series(np.asarray(x, dtype=np.float64)).rolling(w, center=True, min_periods=1)
        return getattr(s, fn)().to_numpy(copy=True)


def centred_kernels(x: np.ndarray, w: int, fn: str) -> np.ndarray:
    """:func:`centred` through pandas' window kernels (``pandas._libs.window``); raises
    ``ImportError``, ``AttributeError`` or ``TypeError`` where a pandas release moved or changed
    them (so a test can tell that :func:`centred` fell back to the public expression)."""
    from pandas._libs.window import aggregations

    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n == 0:
        return x.copy()
    inf = np.isinf(x)
    if inf.any():
        x = np.where(inf, np.nan, x)
    # pandas' FixedWindowIndexer with center=True: the window ends (w − 1) // 2 ahead, and its
    # start is taken from the end before the end is clipped to the series
    end = np.arange(1 + (w - 1) // 2, n + 1 + (w - 1) // 2, dtype=np.int64)
    start = np.maximum(end - w, 0)
    np.minimum(end, n, out=end)
    if fn == "std":
        with np.errstate(all="ignore"):
            var = aggregations.roll_var(x, start, end, 1, ddof=1)
            out = np.sqrt(var)
        out[var < 0] = 0
        return out
    kernel = {"mean": aggregations.roll_mean, "max": aggregations.roll_max,
              "min": aggregations.roll_min}[fn]
    with np.errstate(all="ignore"):
        return kernel(x, start, end, 1)


#: learned attacks (the supervised occupancy classifier, the direct appliance detector) read a
#: grid finer than this period (s) through its block means at a multiple of it: minute-scale
#: window features say the same at 1 s as at 60 s, and fitting and predicting on a year of 1-s
#: rows would cost 60 times more for the same features
FEATURE_PERIOD_S = 60


def feature_factor(period: float) -> int:
    """How many intervals of ``period`` s a learned attack pools into one (1 at 60 s and
    coarser): ``floor(FEATURE_PERIOD_S / period)``."""
    return max(1, int(FEATURE_PERIOD_S // float(period)))


def coarsen(grid, k: int, *, min_coverage: float = 0.5):
    """Block means of ``grid`` over ``k`` consecutive intervals (a Grid of period ``k·period``).

    Each block's value is the mean of its finite intervals, NaN when fewer than
    ``min_coverage · k`` are finite (the rule of :func:`nilm.resample.resample`); the last block
    may be short and is judged on its own length. Mains, sub-meters and extra channels alike.
    """
    if k <= 1:
        return grid
    n = len(grid)
    starts = np.arange(0, n, k)
    length = np.diff(np.append(starts, n))

    def pool1(x):
        x = np.asarray(x, dtype=np.float64)
        ok = np.isfinite(x)
        if n == 0:
            return np.zeros(0)
        cnt = np.add.reduceat(ok.astype(np.int64), starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.add.reduceat(np.where(ok, x, 0.0), starts) / cnt
        mean[(cnt == 0) | (cnt < min_coverage * length)] = np.nan
        return mean

    def pool(x):
        # row by row: a year of 1-s sub-meters in float64 at once would need gigabytes
        x = np.asarray(x)
        if x.ndim == 1:
            return pool1(x)
        return np.array([pool1(r) for r in x]).reshape(x.shape[0], len(starts))

    meta = dict(grid.meta)
    meta["coarsened_from_s"] = grid.period
    return Grid(grid.start, grid.period * k, pool(grid.mains), pool(grid.appliances),
                list(grid.names), meta, {key: pool(v) for key, v in grid.extra.items()})


def spread(values: np.ndarray, coarse, fine, fill) -> np.ndarray:
    """``values`` of the intervals of grid ``coarse``, read at each interval of grid ``fine``:
    the value of the coarse interval holding the fine interval's start, ``fill`` outside
    ``coarse``. A learned attack that reads a fine grid through a coarser feature grid gives
    each attacked interval its feature interval's verdict this way."""
    values = np.asarray(values)
    n = len(fine)
    if float(coarse.period) == float(fine.period) and coarse.start == fine.start \
            and len(coarse) == n:
        return values
    k = float(coarse.period) / float(fine.period)
    off = (fine.start - coarse.start) / float(fine.period)
    if k.is_integer() and off.is_integer() and off >= 0 and len(values) * k >= off + n:
        return np.repeat(values, int(k))[int(off):int(off) + n]  # aligned blocks
    j = (fine.t - coarse.start) // int(coarse.period)
    inside = (j >= 0) & (j < len(values))
    if not len(values):
        return np.full(n, fill, dtype=np.result_type(values, type(fill)))
    return np.where(inside, values[np.clip(j, 0, len(values) - 1)], fill)


def expand(x: np.ndarray, k: int, n: int) -> np.ndarray:
    """Each value of a :func:`coarsen`-ed series repeated over its ``k`` intervals, cut to ``n``."""
    return np.repeat(np.asarray(x), k)[:n]


def heater_free(grid: Grid, tz: str, remove_heater: bool = True
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(power, local day, local time of day) of the aggregate, with the off-peak water-heater
    run of :func:`heater_power` subtracted when ``remove_heater``: what the occupancy and
    routine attacks read. Power is float64 W (a fresh array); day and time of day are those of
    :func:`nilm.clock.grid_clock`.

    The heater power is 0 outside its runs and ``p − 0.0`` is ``p``, so subtracting it in the
    run and edge intervals only gives the values of ``p − nan_to_num(power)``.
    """
    p = grid.mains.astype(np.float64)
    day, sod = grid_clock(grid, tz)
    if remove_heater:
        prof, idx = heater_power(p, day, sod, float(grid.period))
        p[idx] -= np.nan_to_num(prof["power"][idx])
    return p, day, sod


def aggregate_view(grid: Grid) -> Grid:
    """``grid`` without its sub-meters and extra channels (the same mains array, not a copy):
    the attacks read only the aggregate, and :func:`coarsen` would
    otherwise pool every sub-meter of a year at 1 s for nothing."""
    return Grid(grid.start, grid.period, grid.mains, np.zeros((0, len(grid)), np.float32), [],
                dict(grid.meta), {})


def offpeak_intervals(day, sod, finite, period: float, window) -> tuple[np.ndarray, np.ndarray]:
    """(mask, night) of the intervals wholly inside the local off-peak ``window`` (hours; may
    wrap midnight), from a grid's local clock (``day``, ``sod``) where its aggregate is
    ``finite``; ``night`` labels each interval with the local day its window started on."""
    from .kernels.grid import offpeak_window

    w0 = window[0] * 3600.0
    length = ((window[1] - window[0]) % 24) * 3600.0
    return offpeak_window(day, sod, finite, float(w0), float(length), float(period))


def heater_power(p, day, sod, period, *, window=OFFPEAK_SEARCH,
                 step_range=(1500.0, 3000.0), base_q: float = 0.1, min_nights: float = 0.3,
                 min_run_s: float = 600.0) -> tuple[dict, np.ndarray]:
    """Estimated off-peak water-heater power of the aggregate ``p`` (float64 W, not modified)
    whose local clock (``day``, ``sod``; :func:`nilm.clock.grid_clock`) a caller already holds,
    and the indices of the intervals where that power is not 0 (so a caller subtracts it there
    only: each extra array over a year of 1-s intervals costs a quarter of a gigabyte).

    The attack and its parameters are those of :func:`nilm.privacy.hot_water.heater_profile`,
    whose dict this returns (``power``, ``offpeak``, ``heater_w``, ``start_s``, ``owns``,
    ``nights``); ``period`` is the grid step, s.
    """
    off, night = offpeak_intervals(day, sod, np.isfinite(p), period, window)
    power = np.where(np.isfinite(p), 0.0, np.nan)
    night_off = night[off]
    nights = unique_days(night_off)
    out = {"power": power, "offpeak": off, "heater_w": float("nan"), "start_s": float("nan"),
           "owns": False, "nights": int(len(nights))}
    none = np.zeros(0, np.int64)
    if len(night_off) < 2:
        return out, none
    base = float(np.quantile(p[off], base_q))
    lo, hi = step_range
    w0 = window[0] * 3600.0
    runs = _level_runs(p[off] - base, off, night, night_off, nights, sod, w0, lo, hi, period,
                       min_run_s)
    if runs is None:
        return out, none
    heater_w, start, s, e = runs
    owns = len(s) >= max(1.0, min_nights * len(nights))
    out.update(heater_w=heater_w, start_s=float((start + w0) % DAY_S), owns=bool(owns))
    if not owns:
        return out, none
    n = len(p)
    run = np.zeros(n, bool)
    for a, b in zip(s, e, strict=True):
        run[a:b] = True
    edge = np.zeros(n, bool)
    before, after = s - 1, e
    edge[before[before >= 0]] = True
    edge[after[after < n]] = True
    edge &= ~run & np.isfinite(p)
    power[run] = np.clip(p[run] - base, 0.0, heater_w)
    power[edge] = np.clip(p[edge] - base, 0.0, heater_w)
    return out, np.flatnonzero(run | edge)


def _vote(onset: np.ndarray, night: np.ndarray, width: float) -> float:
    """Contactor time (s after the window start) voted by ``onset`` times, one vote per night
    and bin of ``width`` s: the median onset in the bin with most votes (ties: earliest)."""
    bins = np.floor(onset / width)
    pairs = np.unique(np.stack([night.astype(np.float64), bins], axis=1), axis=0)
    vals, counts = np.unique(pairs[:, 1], return_counts=True)
    return float(np.median(onset[bins == vals[np.argmax(counts)]]))


def _level_runs(ex_off, off, night, night_off, nights, sod, w0, lo, hi, period,
                min_run_s: float = 600.0):
    """Heater runs from levels: runs of excess ≥ P_h / 2, P_h = median over
    nights of the largest excess; each night's longest run votes for the contactor time and the
    heater run is the night's first run starting within max(period, 30 min) of it. Runs
    shorter than ``min_run_s`` (s) are ignored.

    ``ex_off`` and ``night_off`` are the excess power (W) and night of the in-window intervals
    (``off``), ``nights`` the distinct nights, ``sod`` the local time of day of every interval
    (s) and ``w0`` the window start (s).
    Returns (P_h, contactor time as s after the window start, run starts, run ends) or None.
    """
    k = np.searchsorted(nights, night_off)
    nmax = np.full(len(nights), -np.inf)
    np.maximum.at(nmax, k, ex_off)
    cand = nmax[(nmax >= 0.8 * lo) & (nmax <= 1.3 * hi)]
    if cand.size == 0:
        return None
    heater_w = float(np.median(cand))
    high = np.zeros(len(off), bool)
    high[off] = ex_off >= heater_w / 2
    s, e = runs(high)
    # a tank reheats for tens of minutes; a kettle boiled at the same time every morning is not
    # a heater run (at periods of min_run_s or more one interval is all a run can show)
    long = (e - s) * period >= min_run_s
    s, e = s[long], e[long]
    if s.size == 0:
        return None
    # onset time after the window start, for the run starts only
    u = (sod[s] - w0) % DAY_S
    order = np.lexsort((-(e - s), night[s]))
    longest = order[np.unique(night[s][order], return_index=True)[1]]
    start = _vote(u[longest], night[s[longest]], max(period, 900.0))
    near = np.flatnonzero(np.abs(u - start) <= max(period, 1800.0))
    keep = near[np.unique(night[s][near], return_index=True)[1]]
    return heater_w, start, s[keep], e[keep]


__all__ = ["FEATURE_PERIOD_S", "OFFPEAK_SEARCH", "aggregate_view", "centred", "centred_kernels",
           "coarsen", "expand", "feature_factor", "heater_free", "heater_power",
           "offpeak_intervals", "run_pairs", "runs", "spread"]
