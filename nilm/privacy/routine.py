"""Wake-up and bed times per day from the aggregate load curve (change point above the night
base load).

Ground truth (:func:`household_wake_bed`): the **household** wake-up of local day *d* is the
earliest wake-up of any person that day, and its bed time the latest bed time of any person
(``GroundTruth.wake`` / ``bed``, NaN for people away). The aggregate cannot tell people apart: the
first person up starts the morning load and the last one to bed ends the evening load, so these
are what the curve can reveal. On real data the proxy is the first/last user-driven sub-meter
activity around the night gap (:func:`nilm.privacy.truth_proxy.proxy_truth`).

Attack (:func:`changepoint_wake_bed`): a first-exceedance change point, i.e. the base-load
threshold idea of Kleiminger et al. (2015) applied within a morning and an evening window:

1. each off-peak water-heater run (:func:`nilm.privacy.hot_water.heater_profile`) is
   subtracted first as a constant step (:func:`heater_step_free`) — it is automatic and would
   otherwise look like someone up at night, and the TV and lamps on top of an evening run must
   survive its removal, since that run covers most bed times;
2. the night reference is the ``q`` quantile of interval power in the local night window
   (01:00–05:00), which includes fridge cycles and standby; threshold = reference + margin
   (50 W: a lamp and a TV, the last loads before bed, are 50–250 W);
3. wake-up of day *d*: the first interval wholly inside the morning window (04:00–12:00) whose
   power exceeds the threshold; bed time: the last such interval in the evening window
   (17:00–03:00 next day). The estimate is the interval midpoint, so an attacker that finds the
   right interval has an expected error of period/4
   (:func:`nilm.privacy.scores.quantisation_floor_s`);
4. reject option (Chow 1970): where the household's median night power lies more than
   :data:`MAX_SPREAD_W` above its night 5 % quantile, a load cycles all night (electric
   convectors, whose duty follows the outdoor temperature and peaks at 04:00–06:00 while
   everyone sleeps) and an exceedance says nothing about people, so the attack abstains on
   every day of that household.

Attack ``tuned`` (:func:`tuned_wake_bed`): the same detector with its settings (reference
quantile, margin, sustained-rise length, evening window end, reject option on or off, position
of the estimate inside the interval; :data:`TUNING_GRID`) chosen on *other* households' truth
to minimise their MAE —
what an adversary with a labelled panel does.

Attack ``regression`` (:func:`regression_wake_bed`): a gradient-boosting regressor reads the
time off each day's household-normalised morning / evening profile (:func:`day_profiles`),
trained on other households' days (the curve's shape, after Molina-Markham et al. 2010's
observation that routines show in 15-min curves).

Attack ``segmentation`` (:func:`segmentation_wake_bed`): each night's activity (the same
threshold) split into awake / asleep / awake by an exact least-squares segmentation with two
change points (Auger & Lawrence 1989): a change point must explain the whole night, so a night
blip does not end it.

A day without any such interval (e.g. every day at a 1-day period) gets no estimate: the attack
abstains and is scored with the prior's estimate, so it then has skill 0 by construction.

References
----------
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proceedings of the IEEE, 80(12),
1870–1891.
Chow, C. K. (1970). On optimum recognition error and reject tradeoff. IEEE Transactions on
Information Theory, 16(1), 41–46.
Kleiminger, W., Beckel, C. & Santini, S. (2015). Household occupancy monitoring using electricity
meters. UbiComp.
Auger, I. E. & Lawrence, C. E. (1989). Algorithms for the optimal identification of segment
neighborhoods. Bulletin of Mathematical Biology, 51(1), 39–54.
Molina-Markham, A., Shenoy, P., Fu, K., Cecchet, E. & Irwin, D. (2010). Private memoirs of a
smart meter. BuildSys. (sleep/wake cycles visible in 15-min to 1-s load curves)
"""

from __future__ import annotations

import numpy as np

from ..clock import DAY_S, day_start_utc, grid_clock, local_clock, unique_days
from ..series import Grid
from ..signal import heater_free, heater_power, runs
from ..truth import GroundTruth
from .base import Attack, DayTimes, timezone
from .boosting import one_thread
from .scores import (
    as_grid,
    error_rows,
    feature_view,
    prediction,
    quantisation_floor_s,
    ratio_ci,
    row,
    skill_score,
)

#: reject option of the change-point attacks, W: a household whose median night power lies
#: more than this above its night 5 % quantile has a load cycling all night (electric
#: convectors: 1–2 kW steps, duty set by the outdoor temperature), so an exceedance of the night
#: reference says nothing about people and the attack abstains (Chow 1970's reject option)
MAX_SPREAD_W = 300.0


def household_wake_bed(truth: GroundTruth) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local day numbers, household wake epoch s, household bed epoch s) per truth day.

    Wake = earliest person wake-up of the day, bed = latest person bed time (NaN when nobody
    has one)."""
    days, _ = local_clock(np.asarray(truth.days, dtype=np.int64), truth.timezone)
    wake = np.asarray(truth.wake, dtype=np.float64).reshape(-1, len(days))
    bed = np.asarray(truth.bed, dtype=np.float64).reshape(-1, len(days))
    with np.errstate(all="ignore"):
        w = np.where(np.isfinite(wake).any(axis=0), np.nanmin(np.where(
            np.isfinite(wake), wake, np.inf), axis=0), np.nan)
        b = np.where(np.isfinite(bed).any(axis=0), np.nanmax(np.where(
            np.isfinite(bed), bed, -np.inf), axis=0), np.nan)
    return days, w, b


def heater_step_free(grid: Grid, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(power, local day, local time of day) of the aggregate with each off-peak water-heater
    run of :func:`nilm.privacy.hot_water.heater_profile` replaced by a constant step.

    The element of a tank heater draws a constant power while its thermostat is closed (Hart
    1992's two-state appliance), so in each run the heater power ``h`` is taken as the run's
    lowest power (its first and last intervals left out: they may hold the switch-off) minus the
    lowest power of the hour after the run (the night floor: standby, fridge off; the lowest,
    not a quantile, because people may be up for most of the run), and
    that one value is subtracted from the whole run; an edge interval (partly in the run) loses
    ``clip(p − floor, 0, h)``. :func:`nilm.privacy.hot_water.heater_free` subtracts
    ``min(excess, P_h)`` instead, with ``P_h`` learned from each night's largest excess (heater
    plus whatever ran with it), which flattens the run to the base load and erases the TV,
    lamps and late cooking on top of it — and an evening off-peak run (21:30–01:00) covers most
    bed times, so bed times were read at the heater start.

    Parameters
    ----------
    grid : aggregate, W, any period.
    tz : IANA time zone of the household.

    Returns
    -------
    (p, day, sod): float64 W (a fresh array, NaN where the mains is), and the local day number
    and time of day (s) of :func:`nilm.clock.grid_clock`.
    """
    p = grid.mains.astype(np.float64)
    day, sod = grid_clock(grid, tz)
    period = float(grid.period)
    _, idx = heater_power(p, day, sod, period)
    if idx.size:
        run = np.zeros(len(p), bool)
        run[idx] = True
        hour = max(1, int(round(3600.0 / period)))
        # each block of ``idx`` is an edge interval, the run, an edge interval (an edge is
        # missing at the ends of the grid or where the mains is NaN)
        for a, b in zip(*runs(run), strict=True):
            edges = (a, b - 1) if b - a >= 3 else ()
            lo, hi = (a + 1, b - 1) if edges else (a, b)
            # the run's first and last intervals may hold the switch-off of the element
            trim = 1 if hi - lo >= 3 else 0
            inside, after = p[lo + trim:hi - trim], p[b:b + hour]
            inside, after = inside[np.isfinite(inside)], after[np.isfinite(after)]
            if not (inside.size and after.size):
                continue
            floor = float(np.min(after))
            h = max(float(np.min(inside)) - floor, 0.0)
            p[lo:hi] -= h
            for e in edges:
                p[e] -= min(max(p[e] - floor, 0.0), h)
    return p, day, sod


def _prepare(grid: Grid, tz: str, remove_heater: bool = True) -> dict:
    """What every detection on ``grid`` shares: heater-free power (:func:`heater_step_free`),
    local clock, days."""
    if remove_heater:
        p, day, sod = heater_step_free(grid, tz)
    else:
        p, day, sod = heater_free(grid, tz, False)
    days = unique_days(day)
    return {"p": p, "day": day, "sod": sod, "days": days, "start": int(grid.start),
            "period": float(grid.period)}


def _starts(prep: dict, i: np.ndarray) -> np.ndarray:
    """Start (epoch s, float64) of the intervals ``i``, by the rule of :attr:`Grid.t`."""
    return (prep["start"] + (i * prep["period"]).astype(np.int64)).astype(np.float64)


def _night_spread(prep: dict, night=(1.0, 5.0)) -> float:
    """Median minus 5 % quantile of the interval power in the local ``night`` hours, W (NaN
    without night data): what the reject option of :func:`_detect` compares with
    :data:`MAX_SPREAD_W`."""
    p, sod, period = prep["p"], prep["sod"], prep["period"]
    pn = p[(sod >= night[0] * 3600) & (sod + period <= night[1] * 3600) & np.isfinite(p)]
    if not pn.size:
        return float("nan")
    return float(np.median(pn)) - float(np.quantile(pn, 0.05))


def _detect(prep: dict, *, q: float, margin_w: float, sustain_s: float, night, morning,
            evening, max_spread_w: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """(wake, bed) per day of ``prep["days"]``: start (epoch s) of the first morning interval
    that opens a run of ``sustain_s`` above the threshold, and of the last evening interval
    that closes one (NaN: none, and every day when the night is not quiet: median night power
    more than ``max_spread_w`` W above its 5 % quantile)."""
    p, day, sod, days, period = (prep[k] for k in ("p", "day", "sod", "days", "period"))
    wake = np.full(len(days), np.nan)
    bed = np.full(len(days), np.nan)
    in_night = (sod >= night[0] * 3600) & (sod + period <= night[1] * 3600) & np.isfinite(p)
    if in_night.sum() < 1 or len(days) == 0:
        return wake, bed
    if _night_spread(prep, night) > max_spread_w:
        return wake, bed
    thr = float(np.quantile(p[in_night], q)) + margin_w
    above = np.isfinite(p) & (p > thr)
    n = max(1, int(round(sustain_s / period)))
    # a sustained rise: the interval and the n − 1 after it (wake) or before it (bed) all above,
    # so that a fridge start or one kettle boil at night does not count as getting up; tested
    # only on the candidate intervals (above and in the window), a small share of a fine grid
    c = np.concatenate([[0], np.cumsum(above, dtype=np.int64)])
    m = len(p)
    in_morning = (sod >= morning[0] * 3600) & (sod + period <= morning[1] * 3600)
    sel = np.flatnonzero(above & in_morning)
    sel = sel[(c[np.minimum(sel + n, m)] - c[sel]) >= np.minimum(n, m - sel)]
    k = np.searchsorted(days, day[sel])
    first = np.unique(k, return_index=True)[1]
    wake[k[first]] = _starts(prep, sel[first])
    # evening of day d: [17:00, 24:00) of d and [00:00, end) of d + 1, both wholly inside
    late = sod + period <= (evening[1] - 24) * 3600
    in_evening = (sod >= evening[0] * 3600) & (sod + period <= DAY_S) | late
    sel = np.flatnonzero(above & in_evening)
    sel = sel[(c[sel + 1] - c[np.maximum(sel + 1 - n, 0)]) >= np.minimum(n, sel + 1)]
    owner = day[sel] - late[sel].astype(np.int64)
    ke = np.searchsorted(days, owner)
    good = ke < len(days)
    good[good] = days[ke[good]] == owner[good]
    sel, ke = sel[good], ke[good]
    rev = sel[::-1]
    last = np.unique(ke[::-1], return_index=True)[1]
    bed[ke[::-1][last]] = _starts(prep, rev[last])
    return wake, bed


def changepoint_wake_bed(grid: Grid, tz: str, *, q: float = 0.95, margin_w: float = 50.0,
                         night=(1.0, 5.0), morning=(4.0, 12.0), evening=(17.0, 27.0),
                         remove_heater: bool = True, sustain_s: float = 0.0,
                         position: tuple[float, float] = (0.5, 0.5),
                         max_spread_w: float = MAX_SPREAD_W
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated wake-up and bed times per local day.

    Parameters
    ----------
    grid : aggregate at the attacked period, W.
    tz : IANA time zone.
    q : quantile of night power taken as the night reference.
    margin_w : margin above the reference, W.
    night, morning, evening : local hours; ``evening`` may run past 24 (into the next day).
    remove_heater : subtract the detected off-peak water-heater run first.
    sustain_s : the rise must last this long (s, at least one interval): wake-up is the first
        morning interval opening such a run, bed time the last evening one closing it.
    position : where inside the detected interval the (wake, bed) estimate lies, as a share of
        the period (0.5 = midpoint, the minimum-error guess for an event uniform in it).
    max_spread_w : reject option, W: abstain on every day when the household's median night
        power lies more than this above its night 5 % quantile (a thermostatic load such as
        electric convectors cycling all night; see the module notes). ``inf`` never abstains.

    Returns
    -------
    (days, wake, bed): local day numbers, and epoch s estimates (NaN where the attack
    abstains). ``bed[d]`` is the bed time of the evening of day ``d``.
    """
    prep = _prepare(grid, tz, remove_heater)
    wake, bed = _detect(prep, q=q, margin_w=margin_w, sustain_s=sustain_s, night=night,
                        morning=morning, evening=evening, max_spread_w=max_spread_w)
    period = prep["period"]
    return prep["days"], wake + position[0] * period, bed + position[1] * period


def segment_night(active: np.ndarray, lo_bed: int, hi_bed: int, lo_wake: int, hi_wake: int
                  ) -> tuple[int, int]:
    """Exact least-squares segmentation of one night's 0/1 activity sequence into three
    segments (awake / asleep / awake) with a fixed number of change points, by exhaustive
    search over the boundaries (the segment-neighbourhood problem, Auger & Lawrence 1989, with
    two change points: every pair is scored from cumulative sums).

    ``active``: float64 activity per interval (1 active, 0 quiet, NaN unknown: left out of the
    costs). The bed boundary ``i`` (first quiet interval) is searched in ``[lo_bed, hi_bed)``,
    the wake boundary ``j`` (first active interval after the night) in ``[lo_wake, hi_wake)``,
    ``i < j``. Returns ``(i, j)``, or ``(-1, -1)`` when no valid pair exists or the middle
    segment is not quieter than both outer ones (no night to find).
    """
    ok = np.isfinite(active)
    a = np.where(ok, active, 0.0)
    n1 = np.concatenate([[0.0], np.cumsum(ok)])
    s1 = np.concatenate([[0.0], np.cumsum(a)])
    i = np.arange(max(lo_bed, 1), hi_bed)
    j = np.arange(lo_wake, min(hi_wake, len(a)))
    if not i.size or not j.size:
        return -1, -1

    def cost_mean(cnt, tot):
        # a 0/1 segment's sum of squared deviations from its mean: tot − tot² / cnt
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cnt > 0, tot - tot * tot / cnt, 0.0), np.where(cnt > 0, tot / cnt,
                                                                              np.nan)

    c1, m1 = cost_mean(n1[i], s1[i])
    c3, m3 = cost_mean(n1[-1] - n1[j], s1[-1] - s1[j])
    cnt2 = n1[j][None, :] - n1[i][:, None]
    tot2 = s1[j][None, :] - s1[i][:, None]
    c2, m2 = cost_mean(cnt2, tot2)
    cost = c1[:, None] + c2 + c3[None, :]
    valid = (i[:, None] < j[None, :]) & (cnt2 > 0) & (m2 < m1[:, None]) & (m2 < m3[None, :])
    if not valid.any():
        return -1, -1
    cost = np.where(valid, cost, np.inf)
    # ties (e.g. quiet intervals on the edges of the night): the longest night, stable order
    k = int(np.argmin(cost))
    bi, bj = divmod(k, len(j))
    return int(i[bi]), int(j[bj])


def segmentation_wake_bed(grid: Grid, tz: str, *, q: float = 0.95, margin_w: float = 50.0,
                          night=(1.0, 5.0), morning=(4.0, 12.0), evening=(17.0, 27.0),
                          remove_heater: bool = True, max_spread_w: float = MAX_SPREAD_W
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bed and wake-up times per local day by an exact offline change-point segmentation of
    the night-time duty cycle (:func:`segment_night`).

    An interval is *active* when its heater-free power (:func:`heater_step_free`) exceeds the
    ``q`` quantile of the night power by ``margin_w`` (as in :func:`changepoint_wake_bed`).
    For each evening *d* the activity from ``evening[0]`` of day *d* to ``morning[1]`` of day
    *d + 1* is split into awake / asleep / awake with the least squared error; the bed
    boundary must lie in the ``evening`` window and the wake boundary in the ``morning`` one.
    Unlike a first exceedance, one fridge start or a night-time kettle boil does not end the
    night: a change point must pay for itself over the whole night. Grids finer than
    :data:`nilm.signal.FEATURE_PERIOD_S` are read as their block means
    (:func:`nilm.privacy.scores.feature_view`). Estimates are the midpoints of the last active
    interval before the night and of the first active one after it. Reject option and
    parameters as in :func:`changepoint_wake_bed`.

    Returns ``(days, wake, bed)`` like :func:`changepoint_wake_bed`.
    """
    g = feature_view(grid)
    prep = _prepare(g, tz, remove_heater)
    p, day, sod, days, period = (prep[k] for k in ("p", "day", "sod", "days", "period"))
    wake = np.full(len(days), np.nan)
    bed = np.full(len(days), np.nan)
    in_night = (sod >= night[0] * 3600) & (sod + period <= night[1] * 3600) & np.isfinite(p)
    if in_night.sum() < 1 or len(days) == 0 or _night_spread(prep, night) > max_spread_w:
        return days, wake, bed
    thr = float(np.quantile(p[in_night], q)) + margin_w
    active = np.where(np.isfinite(p), (p > thr).astype(np.float64), np.nan)
    # local seconds since evening[0] of the day each interval's night belongs to
    k = np.searchsorted(days, day)
    since = sod - evening[0] * 3600
    for d in range(len(days) - 1):
        if days[d + 1] != days[d] + 1:
            continue
        sel = np.flatnonzero(((k == d) & (since >= 0))
                             | ((k == d + 1) & (sod + period <= morning[1] * 3600)))
        if sel.size < 3:
            continue
        t = np.where(k[sel] == d, since[sel], sod[sel] + DAY_S - evening[0] * 3600)
        # the bed boundary (first quiet interval) inside the evening window, the wake
        # boundary (first active interval) inside the morning window
        span_bed = (evening[1] - evening[0]) * 3600
        lo_w, hi_w = ((h + 24 - evening[0]) * 3600 for h in morning)
        lo_bed = int(np.searchsorted(t, 0.0, side="right"))
        hi_bed = int(np.searchsorted(t, span_bed + 1e-9, side="right"))
        lo_wake = int(np.searchsorted(t, lo_w - 1e-9))
        hi_wake = int(np.searchsorted(t, hi_w - period + 1e-9, side="right"))
        i, j = segment_night(active[sel], lo_bed, hi_bed, lo_wake, hi_wake)
        if i < 0:
            continue
        bed[d] = _starts(prep, np.array([sel[i - 1]]))[0] + 0.5 * period
        wake[d + 1] = _starts(prep, np.array([sel[j]]))[0] + 0.5 * period
    return days, wake, bed


class SegmentationWakeBed(Attack):
    """The ``segmentation`` attack (:func:`segmentation_wake_bed`): an exact two-change-point
    segmentation of each night's activity (Auger & Lawrence 1989). It learns nothing (``fit``
    ignores ``train``); parameters are those of :func:`segmentation_wake_bed`; ``seed`` is
    unused (the attack is deterministic)."""

    inference = "routine"
    method = "segmentation"

    def __init__(self, q: float = 0.95, margin_w: float = 50.0, night=(1.0, 5.0),
                 morning=(4.0, 12.0), evening=(17.0, 27.0), remove_heater: bool = True,
                 max_spread_w: float = MAX_SPREAD_W, seed: int = 0):
        self.q = q
        self.margin_w = margin_w
        self.night = night
        self.morning = morning
        self.evening = evening
        self.remove_heater = remove_heater
        self.max_spread_w = max_spread_w
        self.seed = seed

    def predict(self, grid: Grid, tz: str | None = None) -> DayTimes:
        """Estimated wake-up and bed times per local day of ``grid``."""
        self._check_fitted()
        return DayTimes(*segmentation_wake_bed(grid, timezone(grid, tz), **self.kernel_params()))


#: the detector settings searched by the ``tuned`` attack
TUNING_GRID = {"q": (0.5, 0.95), "margin_w": (25.0, 50.0, 100.0, 200.0, 400.0),
               "sustain_s": (0.0, 900.0, 1800.0), "evening": ((17.0, 25.0), (17.0, 27.0)),
               "max_spread_w": (MAX_SPREAD_W, np.inf)}

#: positions inside the detected interval tried by the ``tuned`` attack (share of the period)
POSITIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


def tune_wake_bed(train: list[tuple[Grid, GroundTruth]]) -> tuple[dict, dict]:
    """Detector settings of :func:`changepoint_wake_bed` that minimise the mean absolute error
    on the ``train`` households (other households, their own truth), for wake and for bed.

    A grid search over :data:`TUNING_GRID` and :data:`POSITIONS`; abstentions count as the
    training households' median time of day (the prior), so a setting that abstains is not
    rewarded. Returns ``(wake_kwargs, bed_kwargs)`` for :func:`changepoint_wake_bed`
    (defaults when ``train`` is empty).
    """
    import itertools

    default = {"q": 0.95, "margin_w": 50.0, "sustain_s": 0.0, "evening": (17.0, 27.0),
               "max_spread_w": MAX_SPREAD_W, "position": 0.5}
    if not train:
        return dict(default), dict(default)
    preps, truths = [], []
    for g, t in train:
        prep = _prepare(g, t.timezone)
        tdays, tw, tb = household_wake_bed(t)
        k = np.searchsorted(prep["days"], tdays)
        hit = (k < len(prep["days"])) & (prep["days"][np.minimum(k, len(prep["days"]) - 1)]
                                         == tdays)
        preps.append(prep)
        truths.append((np.flatnonzero(hit), k[hit], tw[hit], tb[hit],
                       np.asarray(t.days, float)[hit]))
    best = [(np.inf, default), (np.inf, default)]
    keys = list(TUNING_GRID)
    # the prior's typical time of day over the training households scores abstentions
    med = []
    for j in (2, 3):
        tod = np.concatenate([tr[j] - tr[4] for tr in truths])
        med.append(float(np.nanmedian(tod)) if np.isfinite(tod).any() else np.nan)
    # the reject option only blanks a whole household: detect once per other setting
    keys.remove("max_spread_w")
    spread = [_night_spread(prep) for prep in preps]
    for combo in itertools.product(*(TUNING_GRID[k] for k in keys)):
        kw = dict(zip(keys, combo, strict=True))
        dets = [_detect(prep, night=(1.0, 5.0), morning=(4.0, 12.0), **kw) for prep in preps]
        for ms in TUNING_GRID["max_spread_w"]:
            errs = [[[] for _ in POSITIONS], [[] for _ in POSITIONS]]
            for prep, (_, k, tw, tb, mid), (w, b), sp in zip(preps, truths, dets, spread,
                                                             strict=True):
                for j, (est, y) in enumerate(((w[k], tw), (b[k], tb))):
                    if sp > ms:
                        est = np.full(len(est), np.nan)
                    for m, pos in enumerate(POSITIONS):
                        e = np.where(np.isfinite(est), est + pos * prep["period"], mid + med[j])
                        errs[j][m].append(np.abs(e - y)[np.isfinite(y)])
            for j in (0, 1):
                for m, pos in enumerate(POSITIONS):
                    mae = float(np.mean(np.concatenate(errs[j][m]))) if errs[j][m] else np.inf
                    if mae < best[j][0]:
                        best[j] = (mae, {**kw, "max_spread_w": ms, "position": pos})
    return best[0][1], best[1][1]


def power_profile(grid: Grid, tz: str) -> np.ndarray:
    """log10 of the night (01:00–05:00) median and of the mean power, W: where a household
    sits between "quiet flat" and "electrically heated house" decides which detector suits it."""
    p = grid.mains.astype(np.float64)
    _, sod = grid_clock(grid, tz)
    ok = np.isfinite(p)
    night = ok & (sod >= 3600) & (sod + float(grid.period) <= 5 * 3600)
    ref = p[night] if night.any() else p[ok]
    if not ref.size:
        return np.full(2, np.nan)
    return np.log10(np.maximum([np.median(ref), np.mean(p[ok])], 1.0))


class ChangepointWakeBed(Attack):
    """The ``changepoint`` attack (:func:`changepoint_wake_bed`): first / last exceedance of
    the night reference in the morning / evening window. It learns nothing (``fit`` ignores
    ``train``); parameters are those of :func:`changepoint_wake_bed`; ``seed`` is unused (the
    attack is deterministic)."""

    inference = "routine"
    method = "changepoint"

    def __init__(self, q: float = 0.95, margin_w: float = 50.0, night=(1.0, 5.0),
                 morning=(4.0, 12.0), evening=(17.0, 27.0), remove_heater: bool = True,
                 sustain_s: float = 0.0, position=(0.5, 0.5),
                 max_spread_w: float = MAX_SPREAD_W, seed: int = 0):
        self.q = q
        self.margin_w = margin_w
        self.night = night
        self.morning = morning
        self.evening = evening
        self.remove_heater = remove_heater
        self.sustain_s = sustain_s
        self.position = position
        self.max_spread_w = max_spread_w
        self.seed = seed

    def predict(self, grid: Grid, tz: str | None = None) -> DayTimes:
        """Estimated wake-up and bed times per local day of ``grid``."""
        self._check_fitted()
        return DayTimes(*changepoint_wake_bed(grid, timezone(grid, tz), **self.kernel_params()))


class TunedWakeBed(Attack):
    """The ``tuned`` attack: :func:`changepoint_wake_bed` with the settings
    :func:`tune_wake_bed` learns on the ``neighbours`` training households most like the
    attacked one (:func:`power_profile`: night and mean power; a setting that suits
    electrically heated houses misses the wake-up of a quiet flat), wake and bed separately.
    Below 60 s it searches and detects on 60-s block means
    (:func:`nilm.privacy.scores.feature_view`): 60 settings on a year at 1 s would cost minutes
    for a gain far below the 60-s quantisation floor of 15 s.

    ``fit`` keeps the training households; the neighbours depend on the attacked household,
    so the search runs in :meth:`predict` (as a nearest-neighbour method does). ``seed`` is
    unused (the attack is deterministic).
    """

    inference = "routine"
    method = "tuned"
    needs_train = True

    def __init__(self, neighbours: int = 3, seed: int = 0):
        self.neighbours = neighbours
        self.seed = seed

    def fit(self, train) -> TunedWakeBed:
        """Keep the training ``(grid, truth)`` pairs' aggregates; returns self."""
        self.train_ = [(feature_view(g), t) for g, t in train]
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> DayTimes:
        """Estimated wake-up and bed times per local day of ``grid``."""
        self._check_fitted()
        tz = timezone(grid, tz)
        grid = feature_view(grid)
        train = self.train_
        if len(train) > self.neighbours:
            me = power_profile(grid, tz)
            d = np.array([np.sum((power_profile(g, t.timezone) - me) ** 2) for g, t in train])
            d = np.where(np.isfinite(d), d, np.inf)
            train = [train[i] for i in np.argsort(d, kind="stable")[:self.neighbours]]
        kw_w, kw_b = tune_wake_bed(train)
        prep = _prepare(grid, tz)
        period = prep["period"]
        out = []
        for j, kw in enumerate((kw_w, kw_b)):
            kw = dict(kw)
            pos = kw.pop("position")
            est = _detect(prep, night=(1.0, 5.0), morning=(4.0, 12.0), **kw)[j]
            out.append(est + pos * period)
        return DayTimes(prep["days"], out[0], out[1])


def tuned_wake_bed(train: list[tuple[Grid, GroundTruth]], grid: Grid, tz: str, *,
                   neighbours: int = 3) -> DayTimes:
    """:class:`TunedWakeBed` fitted on ``train`` and applied to ``grid``."""
    return TunedWakeBed(neighbours=neighbours).fit(train).predict(grid, tz)


#: (window start, length) in local hours of the day profiles read by the ``regression`` attack
PROFILE_WINDOWS = {"wake": (4.0, 8.0), "bed": (18.0, 9.0)}


def day_profiles(grid: Grid, tz: str, start_h: float, hours: float, *, bin_s: float = 900.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per local day, the household-normalised load profile of a window, for the
    ``regression`` attack.

    Power (heater run removed) minus the household's night base (10 % quantile of 01:00–05:00)
    over its 90 % quantile of that excess, in bins of ``max(bin_s, period)`` s from local
    ``start_h`` over ``hours`` (an interval counts when it lies wholly in the window), followed
    by the cumulative share of the window's excess energy at each bin edge (where the evening
    winds down, where the morning starts).

    Returns
    -------
    (days, x): the local day owning each window start, and float64 ``[days, 2·bins]`` (NaN
    where a bin has no data).
    """
    return _day_profiles(_prepare(grid, tz), start_h, hours, bin_s=bin_s)


def _normalised_excess(prep: dict) -> tuple[np.ndarray, np.ndarray]:
    """(valid, normalised excess power) of :func:`day_profiles`, computed once per prepared
    grid: the wake and bed windows share it."""
    if "x" not in prep:
        p, sod, period = prep["p"], prep["sod"], prep["period"]
        ok = np.isfinite(p)
        night = ok & (sod >= 3600) & (sod + period <= 5 * 3600)
        base = float(np.quantile(p[night], 0.1)) if night.any() else (
            float(np.quantile(p[ok], 0.1)) if ok.any() else 0.0)
        ex = np.clip(p - base, 0.0, None)
        scale = float(np.quantile(ex[ok], 0.9)) if ok.any() else 1.0
        ex /= max(scale, 1.0)
        prep["ok"], prep["x"] = ok, ex
    return prep["ok"], prep["x"]


def _day_profiles(prep: dict, start_h: float, hours: float, *, bin_s: float = 900.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`day_profiles` of a prepared grid (:func:`_prepare`)."""
    from ..kernels.grid import offpeak_window

    day, sod, period = prep["day"], prep["sod"], prep["period"]
    width = max(float(bin_s), period)
    nb = max(1, int(hours * 3600 // width))
    ok, x = _normalised_excess(prep)
    # the intervals wholly inside the window, and the day owning the window start
    inside, owner = offpeak_window(day, sod, ok, float(start_h * 3600), float(nb * width),
                                   period)
    idx = np.flatnonzero(inside)
    owner = owner[idx]
    days = unique_days(owner)
    if days.size == 0:
        return days, np.zeros((0, 2 * nb))
    r = np.searchsorted(days, owner)
    u = (sod[idx] - start_h * 3600) % DAY_S
    b = np.minimum((u // width).astype(np.int64), nb - 1)
    tot = np.bincount(r * nb + b, weights=x[idx], minlength=len(days) * nb)
    cnt = np.bincount(r * nb + b, minlength=len(days) * nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (tot / cnt).reshape(len(days), nb)
    cum = np.cumsum(np.nan_to_num(mean), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = cum / cum[:, -1:]
    return days, np.concatenate([mean, share], axis=1)


class RegressionWakeBed(Attack):
    """The ``regression`` attack: the time of wake-up (bed) read off the day's normalised
    morning (evening) profile (:func:`day_profiles`) by a gradient-boosting regressor with
    absolute-error loss (``random_state=seed``), trained on the ``train`` households' days and
    their true times. The regressor sees the shape of the curve, not a threshold, so a late
    dishwasher or a heater run that ends after bed time weigh only as much as they predicted
    in training. Fewer than 5 training days for a target ⇒ it abstains (NaN) on that target.

    Parameters
    ----------
    max_iter : boosting iterations.
    min_samples_leaf : fewest training days per leaf (a panel gives tens to hundreds of days:
        leaves of 5 days let it split at all).
    seed : seeds the regressor.
    """

    inference = "routine"
    method = "regression"
    needs_train = True

    def __init__(self, max_iter: int = 200, min_samples_leaf: int = 5, seed: int = 0):
        self.max_iter = max_iter
        self.min_samples_leaf = min_samples_leaf
        self.seed = seed

    def fit(self, train) -> RegressionWakeBed:
        """Learn one regressor per target from the ``(grid, truth)`` pairs; returns self."""
        from sklearn.ensemble import HistGradientBoostingRegressor

        # each training grid is prepared once for both targets (its heater run and clock cost
        # most at 1 s) and dropped before the next, so one year of 1-s arrays is held at a time
        xs, ys = ([], []), ([], [])
        for g, t in train:
            prep = _prepare(g, t.timezone)
            tdays, w, b = household_wake_bed(t)
            for j, target in enumerate(("wake", "bed")):
                h0, length = PROFILE_WINDOWS[target]
                d, x = _day_profiles(prep, h0, length)
                y = (w, b)[j]
                k = np.searchsorted(tdays, d)
                hit = (k < len(tdays)) & (tdays[np.minimum(k, len(tdays) - 1)] == d)
                start = np.asarray(t.days, np.float64)[np.minimum(k, len(tdays) - 1)] + h0 * 3600
                yy = np.where(hit, (y[np.minimum(k, len(tdays) - 1)] - start) / 3600, np.nan)
                keep = np.isfinite(yy) & np.isfinite(x).any(axis=1)
                xs[j].append(x[keep])
                ys[j].append(yy[keep])
            del prep
        self.models_ = {}
        for j, target in enumerate(("wake", "bed")):
            if not xs[j] or sum(len(y) for y in ys[j]) < 5:
                self.models_[target] = None
                continue
            model = HistGradientBoostingRegressor(loss="absolute_error", max_iter=self.max_iter,
                                                  min_samples_leaf=self.min_samples_leaf,
                                                  random_state=self.seed)
            with one_thread():
                self.models_[target] = model.fit(np.concatenate(xs[j]), np.concatenate(ys[j]))
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> DayTimes:
        """Estimated wake-up and bed times per local day of ``grid``."""
        self._check_fitted()
        tz = timezone(grid, tz)
        days_all = unique_days(grid_clock(grid, tz)[0])
        out = {"wake": np.full(len(days_all), np.nan), "bed": np.full(len(days_all), np.nan)}
        mine = None
        for target in ("wake", "bed"):
            model = self.models_[target]
            h0, length = PROFILE_WINDOWS[target]
            if model is None:
                continue
            if mine is None:
                mine = _prepare(grid, tz)
            d, x = _day_profiles(mine, h0, length)
            if not len(d):
                continue
            with one_thread():
                pred = np.clip(model.predict(x), 0.0, length)
            seen = np.isfinite(x[:, : x.shape[1] // 2]).any(axis=1)
            est = day_start_utc(d, tz) + h0 * 3600 + pred * 3600
            k = np.searchsorted(days_all, d)
            good = seen & (k < len(days_all))
            out[target][k[good]] = est[good]
        return DayTimes(days_all, out["wake"], out["bed"])


def regression_wake_bed(train: list[tuple[Grid, GroundTruth]], grid: Grid, tz: str, *,
                        seed: int) -> DayTimes:
    """:class:`RegressionWakeBed` fitted on ``train`` and applied to ``grid``."""
    return RegressionWakeBed(seed=seed).fit(train).predict(grid, tz)


#: method name -> attack class
ATTACKS = {c.method: c for c in (ChangepointWakeBed, TunedWakeBed, RegressionWakeBed,
                                  SegmentationWakeBed)}
#: the attacks this module implements
METHODS = tuple(ATTACKS)


def routine_design(grid: Grid, truth: GroundTruth, train) -> tuple[list, Grid, str]:
    """Evaluation design of the routine inference: the whole household is attacked; the
    learned attacks and the prior learn from the ``train`` households, or (None) the attacks
    from nobody and the prior from the household's other days."""
    split = "households" if train is not None else "leave_one_day_out"
    return list(train or []), grid, split


def score_routine(household_or_grid, truth: GroundTruth, period: float, *,
                  method: str = "changepoint", seed: int = 0,
                  train: list[tuple[Grid, GroundTruth]] | None = None,
                  tolerance_min: float = 30.0) -> list[dict]:
    """Attack one household with the routine attack ``method`` at ``period`` s and score it
    (:func:`routine_rows`), by the design of :func:`routine_design`."""
    from .base import evaluate

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return evaluate(ATTACKS[method](seed=seed), as_grid(household_or_grid, period), truth,
                    design=routine_design, score=routine_rows, seed=seed, train=train,
                    tolerance_min=tolerance_min)


def routine_rows(verdict: DayTimes, test: Grid, truth: GroundTruth, *, seed: int, method: str,
                 split: str, train=None, tolerance_min: float = 30.0) -> list[dict]:
    """Score a routine verdict (:class:`nilm.privacy.base.DayTimes` of the attacked grid
    ``test``) against ``truth``; it never trains.

    For each target (``wake``, ``bed``), rows ``mae_min`` (mean absolute error, minutes, with
    ``floor`` = period/4 in minutes), ``within_30min`` (share of days within ±``tolerance_min``)
    and ``coverage`` (share of days with an estimate). Abstentions are scored with the prior.

    Prior: the same typical time every day — the median time of day of the ``train``
    households' days, or (``train`` None) of the household's *other* days (leave-one-day-out;
    stricter than a population schedule because it knows this household's habits).
    CIs: day-block bootstrap.
    """
    period = float(test.period)
    tdays, t_wake, t_bed = household_wake_bed(truth)
    days, e_wake, e_bed = verdict
    k = np.searchsorted(days, tdays)
    hit = (k < len(days)) & (days[np.minimum(k, len(days) - 1)] == tdays)
    midnight = np.asarray(truth.days, dtype=np.float64)
    floor_min = quantisation_floor_s(period) / 60
    rows = []
    for target, truth_t, est_all, idx in (("wake", t_wake, e_wake, 1), ("bed", t_bed, e_bed, 2)):
        y = np.where(hit, truth_t, np.nan)
        est = np.full(len(tdays), np.nan)
        est[hit] = est_all[k[hit]]
        tod = y - midnight
        if train is not None:
            pool = np.concatenate([household_wake_bed(t)[idx] - np.asarray(t.days, float)
                                   for _, t in train])
            pool = pool[np.isfinite(pool)]
            prior_tod = np.full(len(y), np.median(pool) if pool.size else np.nan)
        else:
            ok = np.flatnonzero(np.isfinite(tod))
            prior_tod = np.full(len(y), np.nan)
            for i in ok:
                others = tod[ok[ok != i]]
                if others.size:
                    prior_tod[i] = np.median(others)
        prior = midnight + prior_tod
        abstain = ~np.isfinite(est)
        est = np.where(abstain, prior, est)
        err = np.abs(est - y) / 60
        err_p = np.abs(prior - y) / 60
        mae = error_rows("routine", target, "mae_min", err, err_p, method=method,
                         split=split, seed=seed, floor=floor_min)
        # each labelled day's time (epoch s UTC): truth, the attack's (abstentions take the
        # prior's, as scored) and the prior's, so mae_min and within_30min re-score from them
        lab = np.flatnonzero(np.isfinite(y))
        mae["predictions"] = [prediction(y[i], est[i], prior[i], unit=tdays[i]) for i in lab]
        rows.append(mae)
        rows.append(_within_row(target, err, err_p, tolerance_min, method, split, seed))
        labelled = np.isfinite(y)
        rows.append(row("routine", target, "coverage",
                        float(np.mean(~abstain[labelled])) if labelled.any() else np.nan,
                        n=int(labelled.sum()), prior=0.0, skill=np.nan, method=method,
                        split=split, floor=floor_min))
    return rows


def _within_row(target, err, err_p, tol, method, split, seed) -> dict:
    """Share of days within ±tol minutes; skill (score − prior)/(1 − prior)."""
    ok = np.isfinite(err) & np.isfinite(err_p)
    value, lo, hi = ratio_ci((err <= tol) & ok, ok.astype(float), seed=seed)
    prior = float(np.mean(err_p[ok] <= tol)) if ok.any() else np.nan
    return row("routine", target, f"within_{tol:g}min", value, (lo, hi), n=int(ok.sum()),
               prior=prior, skill=skill_score(value, prior), method=method, split=split)


__all__ = ["ATTACKS", "MAX_SPREAD_W", "METHODS", "POSITIONS", "PROFILE_WINDOWS", "TUNING_GRID",
           "ChangepointWakeBed", "RegressionWakeBed", "SegmentationWakeBed", "TunedWakeBed",
           "changepoint_wake_bed", "segment_night", "segmentation_wake_bed",
           "day_profiles", "heater_step_free", "household_wake_bed", "power_profile",
           "regression_wake_bed", "routine_design", "routine_rows", "score_routine",
           "tune_wake_bed", "tuned_wake_bed"]
