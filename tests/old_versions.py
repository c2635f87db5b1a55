"""Earlier, whole-array versions of numpy inference code, kept as references: the faster code
that replaced each one must return exactly what it returned (tests/test_privacy_hot_water.py,
test_privacy_occupancy.py, test_privacy_routine.py). Unlike the kernel twins of
``tests/naive.py`` they may call nilm's public functions (the local clock, a shared threshold);
they never import nilm's private code.
"""

import numpy as np


def _rolling(x, w, fn):
    import pandas as pd

    return getattr(pd.Series(x).rolling(w, center=True, min_periods=1), fn)().to_numpy(copy=True)


def _runs(mask):
    """(starts, ends) of the runs of True in ``mask``, walked element by element."""
    starts, ends, inside = [], [], False
    for i, v in enumerate(np.asarray(mask, bool)):
        if v and not inside:
            starts.append(i)
        elif not v and inside:
            ends.append(i)
        inside = bool(v)
    if inside:
        ends.append(len(mask))
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _vote(onset, night, width):
    """The contactor-time vote of :func:`heater_profile`: one vote per (night, bin of
    ``width`` s); the median onset of the most voted bin, the earliest bin on a tie."""
    votes = {}
    for o, n in zip(onset.tolist(), night.tolist(), strict=True):
        votes.setdefault(np.floor(o / width), set()).add(n)
    best = min(votes, key=lambda b: (-len(votes[b]), b))
    return float(np.median([o for o in onset if np.floor(o / width) == best]))


def heater_profile(grid, tz, *, window=(21.0, 7.5), step_range=(1500.0, 3000.0), base_q=0.1,
                   min_nights=0.3, min_run_s=600.0):
    """Twin of :func:`nilm.privacy.hot_water.heater_profile`: its first, whole-array numpy
    version (every step on every interval, the clock from ``local_clock(grid.t)``)."""
    from nilm.clock import local_clock

    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    day, sod = local_clock(grid.t, tz)
    w0 = window[0] * 3600.0
    length = ((window[1] - window[0]) % 24) * 3600.0
    u = (sod - w0) % 86400
    off = (u + period <= length) & np.isfinite(p)
    night = day - (sod < w0).astype(np.int64)
    power = np.where(np.isfinite(p), 0.0, np.nan)
    nights = np.unique(night[off])
    out = {"power": power, "offpeak": off, "heater_w": float("nan"), "start_s": float("nan"),
           "owns": False, "nights": int(len(nights))}
    if off.sum() < 2:
        return out
    base = float(np.quantile(p[off], base_q))
    ex = p - base
    lo, hi = step_range
    k = np.searchsorted(nights, night[off])
    nmax = np.full(len(nights), -np.inf)
    np.maximum.at(nmax, k, ex[off])
    cand = nmax[(nmax >= 0.8 * lo) & (nmax <= 1.3 * hi)]
    if cand.size == 0:
        return out
    heater_w = float(np.median(cand))
    s, e = _runs(off & (ex >= heater_w / 2))
    long = (e - s) * period >= min_run_s
    s, e = s[long], e[long]
    if s.size == 0:
        return out
    order = np.lexsort((-(e - s), night[s]))
    longest = order[np.unique(night[s][order], return_index=True)[1]]
    start = _vote(u[s[longest]], night[s[longest]], max(period, 900.0))
    near = np.flatnonzero(np.abs(u[s] - start) <= max(period, 1800.0))
    keep = near[np.unique(night[s][near], return_index=True)[1]]
    s, e = s[keep], e[keep]
    owns = len(s) >= max(1.0, min_nights * len(nights))
    out.update(heater_w=heater_w, start_s=float((start + w0) % 86400), owns=bool(owns))
    if not owns:
        return out
    cs = np.zeros(len(p) + 1, np.int64)
    np.add.at(cs, s, 1)
    np.add.at(cs, e, -1)
    run = np.cumsum(cs[:-1]) > 0
    edge = np.zeros(len(p), bool)
    edge[(s - 1)[s - 1 >= 0]] = True
    edge[e[e < len(p)]] = True
    edge &= ~run & np.isfinite(p)
    power[run] = np.clip(ex[run], 0.0, heater_w)
    power[edge] = np.clip(ex[edge], 0.0, heater_w)
    return out


def daily_energy(grid, tz, profile, *, window=(21.0, 7.5), min_cover=0.5):
    """Twin of :func:`nilm.privacy.hot_water.daily_energy`: per-day sums over every interval."""
    from nilm.clock import local_clock

    day, _ = local_clock(grid.t, tz)
    days = np.unique(day)
    k = np.searchsorted(days, day)
    period = float(grid.period)
    e = np.bincount(k, weights=np.nan_to_num(profile["power"]) * period, minlength=len(days))
    cov = np.bincount(k, weights=profile["offpeak"] * period, minlength=len(days))
    kwh = e / 3.6e6
    kwh[cov < min_cover * ((window[1] - window[0]) % 24) * 3600.0] = np.nan
    return days, kwh


def occupancy_unsupervised(grid, tz, *, margin_w=50.0, window_s=3600.0, sleep=(0.0, 6.0),
                           q=0.9, smooth_s=1800.0, max_sleep_s=12 * 3600.0):
    """Twin of :func:`nilm.privacy.occupancy.occupancy_unsupervised`: its first version, pandas
    rolling windows throughout (moving max for "active within the window")."""
    from nilm.clock import local_clock
    from nilm.privacy.occupancy import night_quantile

    p = grid.mains.astype(np.float64)
    p = p - np.nan_to_num(heater_profile(grid, tz)["power"])
    period = float(grid.period)
    _, sod = local_clock(grid.t, tz)
    w = max(1, int(round(smooth_s / period)))
    level = _rolling(p, w, "mean")
    var = _rolling(p, max(3, w), "std")
    level[~np.isfinite(p)] = np.nan
    var[~np.isfinite(p)] = np.nan
    active = (level > night_quantile(level, sod, period, q) + margin_w) | (
        var > night_quantile(var, sod, period, q) + margin_w)
    active = np.where(np.isfinite(p), active.astype(np.float64), np.nan)
    occupied = _rolling(active, max(1, int(round(window_s / period))), "max") > 0
    in_sleep = (sod >= sleep[0] * 3600) & (sod + period <= sleep[1] * 3600)
    recent = _rolling(active, max(1, int(round(86400 / period))), "max") > 0
    s, e = _runs(~occupied)
    c = np.concatenate([[0], np.cumsum(in_sleep & recent)])
    night_gap = ((c[e] - c[s]) > 0) & ((e - s) * period <= max_sleep_s)
    occupied |= in_sleep & recent
    for a, b in zip(s[night_gap], e[night_gap], strict=True):
        occupied[a:b] = True
    return np.where(np.isfinite(p), occupied.astype(np.float64), np.nan)


def day_profiles(p, day, sod, period, start_h, hours, bin_s=900.0):
    """Twin of :func:`nilm.privacy.routine.day_profiles` on heater-free power ``p`` and its
    local clock: its first version, every step on every interval."""
    width = max(float(bin_s), period)
    nb = max(1, int(hours * 3600 // width))
    ok = np.isfinite(p)
    night = ok & (sod >= 3600) & (sod + period <= 5 * 3600)
    base = float(np.quantile(p[night], 0.1)) if night.any() else (
        float(np.quantile(p[ok], 0.1)) if ok.any() else 0.0)
    ex = np.clip(p - base, 0.0, None)
    scale = float(np.quantile(ex[ok], 0.9)) if ok.any() else 1.0
    x = ex / max(scale, 1.0)
    u = (sod - start_h * 3600) % 86400
    owner = day - (sod < start_h * 3600).astype(np.int64)
    inside = ok & (u + period <= nb * width)
    days = np.unique(owner[inside])
    if days.size == 0:
        return days, np.zeros((0, 2 * nb))
    r = np.searchsorted(days, owner[inside])
    b = np.minimum((u[inside] // width).astype(np.int64), nb - 1)
    tot = np.bincount(r * nb + b, weights=x[inside], minlength=len(days) * nb)
    cnt = np.bincount(r * nb + b, minlength=len(days) * nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (tot / cnt).reshape(len(days), nb)
    cum = np.cumsum(np.nan_to_num(mean), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = cum / cum[:, -1:]
    return days, np.concatenate([mean, share], axis=1)


def heater_step_free(grid, tz):
    """Twin of :func:`nilm.privacy.routine.heater_step_free` (power only): the heater runs and
    edges of :func:`nilm.signal.heater_power`, walked block by block and interval by interval."""
    from nilm.clock import local_clock
    from nilm.signal import heater_power

    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    day, sod = local_clock(grid.t, tz)
    marked = set(heater_power(p.copy(), day, sod, period)[1].tolist())
    out = p.copy()
    hour = max(1, int(round(3600.0 / period)))
    n, i = len(p), 0
    while i < n:
        if i not in marked:
            i += 1
            continue
        j = i
        while j < n and j in marked:
            j += 1
        core, edges = (range(i + 1, j - 1), [i, j - 1]) if j - i >= 3 else (range(i, j), [])
        core = list(core)
        inner = core[1:-1] if len(core) >= 3 else core
        vals = [p[c] for c in inner if np.isfinite(p[c])]
        after = [p[c] for c in range(j, min(j + hour, n)) if np.isfinite(p[c])]
        if vals and after:
            floor = min(after)
            h = max(min(vals) - floor, 0.0)
            for c in core:
                out[c] = p[c] - h
            for e in edges:
                out[e] = p[e] - min(max(p[e] - floor, 0.0), h)
        i = j
    return out


def wake_bed_step(grid, tz, *, q=0.95, margin_w=50.0, sustain_s=0.0, evening=(17.0, 27.0),
                  max_spread_w=np.inf):
    """Twin of :func:`nilm.privacy.routine.changepoint_wake_bed` on the heater-step-free power
    (interval starts, before the position shift): day by day, interval by interval."""
    from nilm.clock import local_clock

    p = heater_step_free(grid, tz)
    day, sod = local_clock(grid.t, tz)
    days = np.unique(day)
    period = float(grid.period)
    wake = np.full(len(days), np.nan)
    bed = np.full(len(days), np.nan)
    night = np.isfinite(p) & (sod >= 3600) & (sod + period <= 5 * 3600)
    if not night.any():
        return days, wake, bed
    if np.median(p[night]) - np.quantile(p[night], 0.05) > max_spread_w:
        return days, wake, bed
    thr = np.quantile(p[night], q) + margin_w
    above = np.isfinite(p) & (p > thr)
    n = max(1, int(round(sustain_s / period)))
    start = grid.t.astype(np.float64)
    for k, d in enumerate(days):
        for i in np.flatnonzero((day == d) & (sod >= 4 * 3600) & (sod + period <= 12 * 3600)):
            if above[i:i + n].all():
                wake[k] = start[i]
                break
        own = ((day == d) & (sod >= evening[0] * 3600) & (sod + period <= 86400)) | (
            (day == d + 1) & (sod + period <= (evening[1] - 24) * 3600))
        for i in np.flatnonzero(own)[::-1]:
            if above[max(0, i + 1 - n):i + 1].all():
                bed[k] = start[i]
                break
    return days, wake, bed
