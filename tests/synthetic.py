"""Builders of small inputs shared by several test modules (a helper module, not a test module):
a hand-made synthetic household with known presence, sleep and a night water heater (simulated
data: every number is by construction), the same household with holes across a DST change, and
a small tidy study table. Pytest fixtures themselves live in ``conftest.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nilm.protocol import HEADLINE
from nilm.series import Household, PowerSeries
from nilm.study import COLUMNS
from nilm.truth import GroundTruth

TZ = "Europe/Paris"
STEP = 10  # native sampling of the synthetic mains, s


def epoch(ts: str) -> int:
    """Epoch s UTC of the Paris local time ``ts``."""
    return int(pd.Timestamp(ts, tz=TZ).tz_convert("UTC").timestamp())


def synthetic_household(*, days: int = 7, seed: int = 0, heater: bool = True,
                        wake_h: float = 7.0, bed_h: float = 23.0, jitter_min: float = 30.0,
                        occupants: int = 2, weekday_absence: bool = True,
                        start: str = "2024-01-08", heater_hours=2.0):
    """(Household at 10 s, GroundTruth at 60 s) for ``days`` local days from a Monday.

    Person 0 wakes at ``wake_h`` ± jitter and goes to bed at ``bed_h`` ± jitter; the other
    persons wake 20 min later and go to bed 30 min earlier. On weekdays everyone is away from
    09:00 to 17:30 (± 15 min). Loads: 150 W standby, a 100 W fridge cycling 15 min on / 30 min
    off, a 2 kW kettle for 3 min 10 min after the first wake-up and at 17:45 on return, lighting
    120 W whenever someone is awake at home, cooking 1.5 kW 19:00–19:40, TV 150 W from 20:30 to
    bed, and (``heater``) a 2 kW water heater from 01:00 local for ``heater_hours`` (one value or
    one per day; 2 h = 4 kWh/day).
    """
    rng = np.random.default_rng(seed)
    t0 = epoch(start)
    n = days * 86400 // STEP
    t = t0 + STEP * np.arange(n, dtype=np.int64)
    sod = (t - t0) % 86400  # no DST change in January
    dayi = (t - t0) // 86400
    p_ = max(occupants, 1)
    wake = np.full((p_, days), np.nan)
    bed = np.full((p_, days), np.nan)
    away = np.zeros(n, bool)
    awake = np.zeros((p_, n), bool)
    for d in range(days):
        w0 = wake_h * 3600 + rng.normal(0, jitter_min * 60)
        b0 = bed_h * 3600 + rng.normal(0, jitter_min * 60)
        for k in range(p_):
            wake[k, d] = t0 + d * 86400 + w0 + (k > 0) * 1200
            bed[k, d] = t0 + d * 86400 + b0 - (k > 0) * 1800
        if weekday_absence and d % 7 < 5:
            a0 = 9 * 3600 + rng.normal(0, 900)
            a1 = 17.5 * 3600 + rng.normal(0, 900)
            away |= (dayi == d) & (sod >= a0) & (sod < a1)
    for k in range(p_):
        for d in range(days):
            awake[k] |= (t >= wake[k, d]) & (t < bed[k, d])
    awake &= ~away
    anyone = awake.any(axis=0)
    first_wake = np.nanmin(wake, axis=0)
    kettle = np.zeros(n)
    for d in range(days):
        for at in (first_wake[d] + 600, t0 + d * 86400 + 17.75 * 3600):
            kettle[(t >= at) & (t < at + 180) & ~away] = 2000.0
    lighting = np.where(anyone, 120.0, 0.0)
    cook = np.where(anyone & (sod >= 19 * 3600) & (sod < 19 * 3600 + 2400), 1500.0, 0.0)
    tv = np.where(anyone & (sod >= 20.5 * 3600), 150.0, 0.0)
    fridge = np.where((t - t0) % 2700 < 900, 100.0, 0.0)
    hours = np.broadcast_to(np.asarray(heater_hours, dtype=np.float64), (days,))
    wh = np.where(heater & (sod >= 3600) & (sod < 3600 + hours[dayi] * 3600), 2000.0, 0.0)
    mains = 150.0 + fridge + kettle + lighting + cook + tv + wh + rng.normal(0, 5, n)
    apps = {"kettle": kettle, "lighting": lighting, "cooker": cook, "tv": tv, "fridge": fridge}
    if heater:
        apps["water_heater"] = wh
    h = Household(PowerSeries(t, mains, "mains", period=STEP),
                  {k: PowerSeries(t, v, k, period=STEP) for k, v in apps.items()},
                  meta={"dataset": "synthetic", "house": str(seed), "timezone": TZ,
                        "occupants": occupants, "simulated": True})
    m = n * STEP // 60
    t60 = t0 + 60 * np.arange(m)
    present = ~np.isin(t60, t[away]) if away.any() else np.ones(m, bool)
    present_person = np.repeat(present[None, :], p_, axis=0)
    awake60 = np.stack([np.isin(t60, t[awake[k]]) for k in range(p_)])
    truth = GroundTruth(
        start=t0, step=60, timezone=TZ, present_person=present_person, awake_person=awake60,
        days=t0 + 86400 * np.arange(days, dtype=np.int64), wake=wake, bed=bed,
        hot_water_l=2.0 * hours * 860 / 45 * heater,
        water_heater_kwh=2.0 * hours * heater, occupants=occupants,
        ownership={"water_heater": heater, "kettle": True, "tv": True})
    return h, truth


def holed_grids(periods=(1, 60, 1800)):
    """{period: grid} of a synthetic household across the spring DST change (2024-03-31 in
    Paris), heater on every night, with gaps: whole hours, single intervals and a day edge."""
    h, truth = synthetic_household(days=8, seed=5, start="2024-03-25",
                                   heater_hours=[2, 0, 1.5, 3, 2, 2.5, 0.5, 2])
    rng = np.random.default_rng(0)
    out = {}
    for period in periods:
        g = h.to_grid(period)
        n = len(g)
        for a in rng.integers(0, n, 6):
            g.mains[a:a + max(1, 3600 // period)] = np.nan
        g.mains[rng.integers(0, n, max(1, n // 500))] = np.nan
        g.mains[: max(1, 1800 // period)] = np.nan
        out[period] = g
    return out, truth


def tidy_results(seed: int = 0) -> pd.DataFrame:
    """A small study table: a simulated dataset (3 houses, native 10 s) and a real one (1 house,
    native 60 s), 4 inferences, two occupancy attacks; values fall with the period."""
    rng = np.random.default_rng(seed)
    rows = []
    ladder = {"1min": 60, "10min": 600, "30min": 1800, "60min": 3600}
    metrics = {"occupancy": [("absence", "mcc", 0.0), ("absence", "f1_absent", 0.3)],
               "routine": [("wake", "within_30min", 0.4), ("wake", "mae_min", 60.0)],
               "appliances": [("kettle", "day_use_f1", 0.6), ("fridge", "day_use_f1", 0.9),
                              ("kettle", "day_use_mcc", 0.0), ("fridge", "day_use_mcc", 0.0)],
               "hot_water": [("water_heater", "mae_kwh_day", 1.5)]}
    for ds, sim, houses, native in (("simulated", True, ["s0", "s1", "s2"], 10),
                                    ("UCI", False, ["sceaux"], 60)):
        for res, p in {"native": native, **ladder}.items():
            for inf, ms in metrics.items():
                methods = (["supervised", "unsupervised"] if inf == "occupancy"
                           else [HEADLINE[inf].method])
                for meth in methods:
                    worse = 0.1 if meth == "unsupervised" else 0.0
                    for h in houses:
                        for tgt, met, prior in ms:
                            drop = np.log10(p) / 5
                            if met.startswith("mae"):
                                v = prior * (0.3 + 0.5 * drop + worse)
                                sk = 1 - v / prior
                            else:
                                v = prior + (1 - prior) * (0.8 - 0.5 * drop - worse)
                                v += rng.normal(0, 0.02)
                                sk = (v - prior) / (1 - prior)
                            rows.append(dict(
                                dataset=ds, house=h, period_s=p, resolution=res, inference=inf,
                                method=meth, target=tgt, metric=met, value=v, ci_low=v - 0.05,
                                ci_high=v + 0.05, n=20, prior=prior, skill=sk, floor=np.nan,
                                seed=1, split="temporal_half", simulated=sim))
    return pd.DataFrame(rows, columns=COLUMNS)


def spiked_night(*, days: int = 3, seed: int = 4):
    """A heater-free synthetic household at 60 s with a 2-minute 1 kW spike at 04:30 local
    every morning (a fridge defrost, a pump), and its true wake-up times (s, UTC) per day:
    the case a wake-up detector must not mistake for someone getting up."""
    from nilm.privacy.routine import household_wake_bed
    from nilm.privacy.scores import local_clock

    h, truth = synthetic_household(days=days, seed=seed, heater=False)
    g = h.to_grid(60)
    _, sod = local_clock(g.t, TZ)
    g.mains[(sod >= 4.5 * 3600) & (sod < 4.5 * 3600 + 120)] += 1000.0
    _, t_wake, _ = household_wake_bed(truth)
    return g, t_wake
