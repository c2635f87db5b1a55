"""Scoring helpers shared by the five inferences: local clock and day blocks, skill against a
no-information prior, the timing quantisation floor, day-block bootstrap CIs and the tidy row.

Every score of :mod:`nilm.privacy` is a row (a ``dict``) with the keys of :data:`ROW_KEYS`:

* ``value`` with a 95 % percentile CI (``ci_low``, ``ci_high``) from a block bootstrap whose
  blocks are local calendar days (Künsch 1989), drawn with :func:`nilm.metrics.bootstrap_ci`;
* ``prior``: the same score for a no-information predictor (defined per inference, see
  docs/inferences.md);
* ``skill``: how much the attack beats that prior,

  - for an error (lower is better): ``1 − error / error_prior``;
  - for a score in [−1, 1] or [0, 1] whose perfect value is 1 (MCC, F1, balanced accuracy):
    ``(score − prior) / (1 − prior)``.

  So 0 means "leaks nothing beyond the prior" and 1 a perfect inference; the prior scores
  exactly 0 against itself.
* ``floor``: for timing errors, the MAE of an oracle that knows which interval of ``period`` s
  the event fell in but not when inside it. For an event uniform in the interval the best such
  guess is the interval midpoint, whose expected absolute error is ``period / 4``.

References
----------
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Annals of Statistics 17(3), 1217–1241.
Murphy, A. H. (1988). Skill scores based on the mean square error and their relationships to the
correlation coefficient. Monthly Weather Review 116, 2417–2424. (skill against a reference)
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

#: keys of every tidy row returned by a ``score_*`` function
ROW_KEYS = ("inference", "target", "metric", "value", "ci_low", "ci_high", "n", "prior",
            "skill", "floor", "method", "split")

#: seconds per day
DAY_S = 86400


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
    trans, offs = _offset_table(tz, lo >> _CHUNK_BITS, hi >> _CHUNK_BITS)
    first, last = np.searchsorted(trans, [lo, hi], side="right")
    # most spans hold no offset change: one offset for all, no per-timestamp search
    wall = t + (offs[first] if first == last else offs[np.searchsorted(trans, t, side="right")])
    day, sod = np.divmod(wall, DAY_S)
    return day, sod.astype(np.float64)


def grid_clock(grid, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nilm.privacy.scores.local_clock` of ``grid.t`` (local day number, int64, and
    local seconds after midnight, float64, per interval) by one Numba pass over the regular
    grid: building ``grid.t`` and converting it through numpy took 0.3 s per call on 90 days
    at 1 s, and the scorers call it several times per grid."""
    from ..kernels.grid import regular_clock

    n = len(grid)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    start, period = int(grid.start), float(grid.period)
    t_last = start + int(np.int64((n - 1) * period))
    lo, hi = min(start, t_last), max(start, t_last)
    trans, offs = _offset_table(tz, lo >> _CHUNK_BITS, hi >> _CHUNK_BITS)
    return regular_clock(start, period, n, trans, offs)


def unique_days(day: np.ndarray) -> np.ndarray:
    """``np.unique(day)``, by one comparison pass when ``day`` is already sorted (the local days
    of a grid are, except across a backward offset change at midnight): hashing a year of 1-s
    day numbers cost a tenth of a second per call."""
    day = np.asarray(day)
    if day.size > 1 and bool(np.all(day[1:] >= day[:-1])):
        return day[np.concatenate([[True], day[1:] != day[:-1]])]
    return np.unique(day)


#: local_clock tabulates UTC offsets per chunk of 2**25 s (about 388 days) of epoch time
_CHUNK_BITS = 25


def _wall_offsets(t: np.ndarray, tz: str) -> np.ndarray:
    """UTC offset (local wall clock − UTC, s) of zone ``tz`` at each epoch second, by pandas."""
    idx = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    wall = ((idx - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)
    return wall - t


@functools.lru_cache(maxsize=256)
def _offset_table(tz: str, chunk0: int, chunk1: int) -> tuple[np.ndarray, np.ndarray]:
    """(transition instants, offsets) of ``tz`` over epoch chunks ``chunk0..chunk1``: the offset
    at ``t`` is ``offsets[searchsorted(instants, t, "right")]``.

    Offsets are read hourly from pandas, and each change is located to the second by bisection,
    so the table is exact as long as a zone changes its offset at most once per hour (true of
    every IANA zone). Converting millions of timestamps through pandas' time-zone machinery on
    every call was the single largest cost of scoring fine grids.
    """
    t0, t1 = chunk0 << _CHUNK_BITS, (chunk1 + 1) << _CHUNK_BITS
    probe = np.arange(t0, t1 + 3600, 3600, dtype=np.int64)
    off = _wall_offsets(probe, tz)
    trans, offs = [], [int(off[0])]
    for i in np.flatnonzero(np.diff(off) != 0):
        lo, hi = int(probe[i]), int(probe[i + 1])  # offset(lo) old, offset(hi) new
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _wall_offsets(np.array([mid], np.int64), tz)[0] == off[i]:
                lo = mid
            else:
                hi = mid
        trans.append(hi)
        offs.append(int(off[i + 1]))
    trans, offs = np.array(trans, dtype=np.int64), np.array(offs, dtype=np.int64)
    trans.flags.writeable = offs.flags.writeable = False  # shared by every caller (cached)
    return trans, offs


def day_start_utc(day: np.ndarray, tz: str) -> np.ndarray:
    """Epoch s UTC of local midnight of each local day number (see :func:`local_clock`)."""
    day = np.asarray(day, dtype=np.int64)
    if day.size == 0:
        return np.zeros(0, np.int64)
    naive = pd.to_datetime(day * DAY_S, unit="s")
    loc = naive.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return ((loc.tz_convert("UTC").tz_localize(None) - pd.Timestamp(0))
            // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)


def skill_error(error: float, error_prior: float) -> float:
    """Skill of an error (lower is better): ``1 − error / error_prior``; NaN if the prior's
    error is 0 (below 1e-9, i.e. floating-point noise of a perfect prior) or either is
    undefined."""
    if not (np.isfinite(error) and np.isfinite(error_prior)) or error_prior <= 1e-9:
        return float("nan")
    return float(1.0 - error / error_prior)


def skill_score(score: float, prior: float) -> float:
    """Skill of a score whose perfect value is 1: ``(score − prior) / (1 − prior)``; NaN if the
    prior is already perfect or either is undefined."""
    if not (np.isfinite(score) and np.isfinite(prior)) or prior >= 1 - 1e-12:
        return float("nan")
    return float((score - prior) / (1.0 - prior))


def quantisation_floor_s(period: float) -> float:
    """Expected absolute timing error (s) of an oracle that knows the interval of ``period`` s
    holding an event uniform in it and guesses the interval midpoint: ``period / 4``."""
    return float(period) / 4.0


def always_positive_f1(base_rate: float) -> float:
    """F1 of the predictor that says "positive" everywhere, for a positive share ``base_rate``:
    precision = base rate, recall = 1, so ``F1 = 2π / (1 + π)``. Among predictors that ignore
    the input it has the highest expected F1 (Lipton et al. 2014), hence the F1 prior here."""
    if not np.isfinite(base_rate):
        return float("nan")
    return float(2.0 * base_rate / (1.0 + base_rate))


def ratio_ci(num: np.ndarray, den: np.ndarray, *, seed: int, n_boot: int = 1000,
             alpha: float = 0.05) -> tuple[float, float, float]:
    """``Σnum / Σden`` and its percentile CI, resampling whole days.

    ``num[d]``, ``den[d]`` are one local day's sufficient statistics (e.g. summed absolute error
    and number of estimates, or 2·matched and true+predicted events). The days are the blocks of
    :func:`nilm.metrics.bootstrap_ci` (called with one sample per day, ``period = 86400``).

    Returns
    -------
    (value, lo, hi) : floats; NaN when ``Σden`` is 0.
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    if num.size == 0 or den.sum() <= 0:
        return float("nan"), float("nan"), float("nan")

    value = float(np.sum(num)) / float(np.sum(den))
    # metrics.bootstrap_ci with one-day blocks on per-day statistics draws each replicate's days
    # as one row of this matrix (same generator, same calls); summing the drawn days of all
    # replicates at once gives bit-identical replicates without a Python loop per replicate
    draws = np.random.default_rng(seed).integers(0, num.size, size=(n_boot, num.size))
    s_den = den[draws].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        reps = np.where(s_den > 0, num[draws].sum(axis=1) / s_den, np.nan)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return value, float("nan"), float("nan")
    lo, hi = np.percentile(reps, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return value, float(lo), float(hi)


def row(inference: str, target: str, metric: str, value: float, ci=(math.nan, math.nan), *,
        n: int, prior: float, skill: float, method: str, split: str,
        floor: float = math.nan) -> dict:
    """One tidy result row with every key of :data:`ROW_KEYS`."""
    return {"inference": inference, "target": target, "metric": metric, "value": float(value),
            "ci_low": float(ci[0]), "ci_high": float(ci[1]), "n": int(n), "prior": float(prior),
            "skill": float(skill), "floor": float(floor), "method": method, "split": split}


def error_rows(inference: str, target: str, metric: str, err: np.ndarray, err_prior: np.ndarray,
               *, method: str, split: str, seed: int, floor: float = math.nan) -> dict:
    """Row for a mean error over days: ``err[d]``, ``err_prior[d]`` are per-day errors (NaN
    where undefined); the CI resamples days and the skill is ``1 − mean / mean_prior``."""
    ok = np.isfinite(err) & np.isfinite(err_prior)
    e = np.where(ok, err, 0.0)
    value, lo, hi = ratio_ci(e, ok.astype(float), seed=seed)
    prior = float(np.mean(err_prior[ok])) if ok.any() else math.nan
    return row(inference, target, metric, value, (lo, hi), n=int(ok.sum()), prior=prior,
               skill=skill_error(value, prior), method=method, split=split, floor=floor)


__all__ = ["DAY_S", "ROW_KEYS", "always_positive_f1", "day_start_utc", "error_rows",
           "grid_clock", "local_clock", "quantisation_floor_s", "ratio_ci", "row",
           "skill_error", "skill_score", "spread", "unique_days"]


def as_grid(x, period: float):
    """A Grid at ``period`` s from a Grid (checked) or a Household (resampled)."""
    from ..series import Grid

    if isinstance(x, Grid):
        if abs(float(x.period) - float(period)) > 1e-9:
            raise ValueError(f"grid period is {x.period} s, asked to attack at {period} s")
        return x
    return x.to_grid(period)


def temporal_split(grid, tz: str, train_frac: float = 0.5):
    """(train grid, test grid): the first ``floor(train_frac · days)`` local days of ``grid``
    train, the rest is attacked. With fewer than 2 days the training part is empty."""
    day, _ = grid_clock(grid, tz)
    days = unique_days(day)
    k = int(np.floor(train_frac * len(days)))
    if k == 0:
        return grid.slice(0, 0), grid
    i = int(np.searchsorted(day, days[k]))
    return grid.slice(0, i), grid.slice(i, len(grid))


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
    from ..series import Grid

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
