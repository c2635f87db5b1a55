"""Realism of the simulator against real households, matched on country and month.

* METER (36 UK households, 10 min, July 2018) vs the GB preset in July: the features of
  :mod:`nilm.simulate.realism` on the 24 h from 17:00 of each household's study day, their
  distributions side by side with a Kolmogorov-Smirnov distance per feature, and the classifier
  two-sample AUC (Lopez-Paz & Oquab 2017) on the 144 ten-minute values (log power). METER
  households with an even ``idHousehold`` were used to fit the base load and the GB compressor
  scale (``scripts/fit_meter_occupants.py``, ``scripts/fit_gb_cold.py``); the odd ones are held
  out, and the AUC is given on the held-out ones, on the development ones and on all. Also
  given: the FR preset in July against METER (the country mismatch the issue measured at 0.99).
* UCI Sceaux (FR, 2006-12-16 to 2007-01-19, 1 min, resampled to 10 min) vs the FR preset over
  the same dates, and ECO house 2 (CH, June 2012, 15 min) vs the CH preset in June at 15 min:
  the house's median day feature and its percentile among the simulated households' medians.

Everything simulated is labelled so; the real files are read from ``--data`` (default
``../shared/data``). Writes ``--out`` (JSON) and prints the Markdown tables of docs/simulator.md.

    nice -n 10 python scripts/simulator_realism.py --out realism.json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from nilm.atomic import write_text
from nilm.io import load_all
from nilm.io import meter as meter_io
from nilm.resample import resample
from nilm.simulate.household import simulate_household
from nilm.simulate.population import population
from nilm.simulate.presets import get_preset
from nilm.simulate.realism import (
    FEATURES,
    feature_matrix,
    ks_distance,
    percentile_in,
    two_sample_auc,
)

#: METER recordings whose mean power is below this cannot be whole-house readings (a fridge
#: alone draws more; 6-29 W over 28 h in four recordings); they are dropped and listed
METER_MIN_MEAN_W = 50.0


def meter_profiles(folder: Path):
    """(profiles [n, 144] W, household ids, people, dropped) of the METER study days: the 24 h
    from the first 17:00 local of each recording, on the regular 10-min grid (at most 10 %
    missing)."""
    zone = ZoneInfo("Europe/London")
    out, ids, people, dropped = [], [], [], []
    for h in meter_io.read(folder):
        hid = int(h.meta["household_id"])
        p = h.mains.p.astype(np.float64)
        if np.nanmean(p) < METER_MIN_MEAN_W:
            dropped.append(hid)
            continue
        first = dt.datetime.fromtimestamp(int(h.mains.t[0]), zone)
        t17 = first.replace(hour=17, minute=0, second=0)
        if first - t17 > dt.timedelta(hours=2):
            t17 += dt.timedelta(days=1)
        a = int(t17.timestamp())
        _, day, _ = resample(h.mains, 600, start=a, end=a + 86400)
        if len(day) < 144 or np.isnan(day[:144]).mean() > 0.1:
            dropped.append(hid)
            continue
        out.append(day[:144])
        ids.append(hid)
        people.append(int(h.meta.get("people") or 0))
    return np.array(out), np.array(ids), np.array(people), dropped


def gb_july_days(households: int, seed: int, **changes) -> np.ndarray:
    """24-h profiles from 17:00 at 10 min (W, simulated) of a GB population in July, one per
    household on a day drawn in 8-23 July 2018 (the METER dates), with the GB preset's fields
    replaced by ``changes`` (the parameter a ``scripts/fit_gb_*.py`` fit searches)."""
    pre = dataclasses.replace(get_preset("GB"), **changes)
    rng = np.random.default_rng(seed)
    out = []
    for cfg, ss in population(seed, households, preset=pre, prefix="simGB"):
        d0 = dt.date(2018, 7, 8) + dt.timedelta(days=int(rng.integers(16)))
        s = simulate_household(2, seed=ss, config=cfg, period=600, start=d0.isoformat())
        out.append(s.household.mains.p.astype(np.float64)[102:102 + 144])
    return np.array(out)


def fit_gb_setting(argv, description: str, knob: str, candidates, statistic, describe) -> int:
    """The grid fit of one GB preset field (``knob``) that each ``scripts/fit_gb_*.py`` runs:
    for every candidate value, the Kolmogorov-Smirnov distance between ``statistic`` (profiles
    -> 1-d sample, W) of the METER households with an even ``idHousehold`` (development; the
    odd ones are never read) and of :func:`gb_july_days` with ``knob`` = the candidate; one
    JSON line per candidate (with ``describe(sample)`` of the simulated sample, prefixed
    ``sim_``), then the best candidate beside the preset's value. Exit 2 when the METER sample
    is not found."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--households", type=int, default=120)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    folder = Path(a.data) / "meter" / "sample_2018-07_visible"
    if not folder.is_dir():
        print(f"{folder}: METER sample not found", file=sys.stderr)
        return 2
    real, ids, _, _ = meter_profiles(folder)
    dev = statistic(real[ids % 2 == 0])
    rows = []
    for c in candidates:
        sim = statistic(gb_july_days(a.households, a.seed, **{knob: c}))
        rows.append({knob: c, "ks": ks_distance(dev, sim),
                     **{f"sim_{k}": v for k, v in describe(sim).items()}})
        print(json.dumps(rows[-1]), flush=True)
    best = min(rows, key=lambda r: r["ks"])
    print(json.dumps({"development_even": {**describe(dev), "n": int(len(dev))},
                      f"best_{knob}": best[knob],
                      "in_preset": getattr(get_preset("GB"), knob)}, indent=1))
    return 0


def sim_profiles(preset: str, n: int, seed: int, first: str, span_days: int):
    """One 24-h profile from 17:00 (10-min means, W) per simulated household, each on a day
    drawn in [first, first + span_days)."""
    rng = np.random.default_rng(seed)
    out, people, heated = [], [], []
    for cfg, ss in population(seed, n, preset=preset, prefix=f"sim{preset}"):
        d0 = dt.date.fromisoformat(first) + dt.timedelta(days=int(rng.integers(span_days)))
        s = simulate_household(2, seed=ss, config=cfg, period=600, start=d0.isoformat())
        p = s.household.mains.p.astype(np.float64)
        # 17:00 local of the first day: 102 ten-minute steps after midnight (no DST change in
        # the spans used here)
        out.append(p[102:102 + 144])
        people.append(cfg.occupants)
        heated.append(cfg.heating is not None)
    return np.array(out), np.array(people), np.array(heated)


def house_days(series, tz: str, step: int):
    """Local calendar days (at least 90 % covered) of a real series resampled to ``step`` s."""
    zone = ZoneInfo(tz)
    t0 = dt.datetime.fromtimestamp(int(series.t[0]), zone).date() + dt.timedelta(days=1)
    t1 = dt.datetime.fromtimestamp(int(series.t[-1]), zone).date()
    a = int(dt.datetime(t0.year, t0.month, t0.day, tzinfo=zone).timestamp())
    b = int(dt.datetime(t1.year, t1.month, t1.day, tzinfo=zone).timestamp())
    start, v, _ = resample(series, step, start=a, end=b)
    days = []
    per = 86400 // step
    for k in range(len(v) // per):
        d = v[k * per:(k + 1) * per]
        if np.isfinite(d).mean() >= 0.9:
            days.append(d)
    return days


def sim_house_days(preset: str, n: int, seed: int, start: str, days: int, step: int):
    """Per simulated household, its local days at ``step`` s (W)."""
    out = []
    for cfg, ss in population(seed, n, preset=preset, prefix=f"sim{preset}"):
        s = simulate_household(days, seed=ss, config=cfg, period=step, start=start)
        p = s.household.mains.p.astype(np.float64)
        per = 86400 // step
        out.append([p[k * per:(k + 1) * per] for k in range(len(p) // per)
                    if len(p[k * per:(k + 1) * per]) == per])
    return out


def _fill(p: np.ndarray) -> np.ndarray:
    ok = np.isfinite(p)
    x = np.arange(len(p))
    return np.interp(x, x[ok], p[ok])


def _fmt(x, f="{:.2f}"):
    return "-" if x is None or not np.isfinite(x) else f.format(x)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="simulator_realism.json")
    ap.add_argument("--sim-households", type=int, default=120)
    # a house's percentile is read against this many simulated households; with 24 the 5th
    # and 95th percentiles rest on one or two households each
    ap.add_argument("--house-households", type=int, default=80)
    # ECO house 2 sits near the low edge on daily energy and night/day ratio (5-9th
    # percentile): with 80 households its verdict on those two moved across 5 % between
    # seeds, with 200 it held on seeds 2 and 3 (sd of a 6th-percentile estimate: 1.7 points)
    ap.add_argument("--eco-households", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    data = Path(a.data)
    t_start = time.perf_counter()
    res: dict = {"simulated": "nilm.simulate presets (simulated, not measured)",
                 "seed": a.seed}

    mfold = data / "meter" / "sample_2018-07_visible"
    if not mfold.is_dir():
        print(f"{mfold}: METER sample not found", file=sys.stderr)
        return 2
    real, ids, people, dropped = meter_profiles(mfold)
    odd = ids % 2 == 1
    res["meter"] = {"n": int(len(real)), "n_held_out_odd": int(odd.sum()),
                    "dropped_recordings": dropped, "min_mean_w": METER_MIN_MEAN_W,
                    "missing_values_filled": int(np.isnan(real).sum())}
    sim_gb, sim_people, sim_heated = sim_profiles("GB", a.sim_households, a.seed,
                                                  "2018-07-08", 16)
    sim_fr, _, _ = sim_profiles("FR", a.sim_households, a.seed + 1, "2018-07-08", 16)
    fr_real = feature_matrix(real, 600, 17.0)
    f_gb = feature_matrix(sim_gb, 600, 17.0)
    rows = []
    for j, f in enumerate(FEATURES):
        r, s = fr_real[:, j], f_gb[:, j]
        rows.append({"feature": f, "real_median": float(np.nanmedian(r)),
                     "real_iqr": [float(v) for v in np.nanpercentile(r, [25, 75])],
                     "sim_median": float(np.nanmedian(s)),
                     "sim_iqr": [float(v) for v in np.nanpercentile(s, [25, 75])],
                     "ks_all": ks_distance(r, s), "ks_held_out": ks_distance(r[odd], s)})
    res["meter"]["features"] = rows
    # mean power by household size: held-out METER vs simulated GB July
    res["meter"]["mean_w_by_people"] = {
        str(k): {"real_held_out": float(np.median(real[odd & (people == k)].mean(axis=1)))
                 if np.any(odd & (people == k)) else None,
                 "sim": float(np.median(sim_gb[sim_people == k].mean(axis=1)))
                 if np.any(sim_people == k) else None}
        for k in range(1, 6)}
    # the classifiers read log power; the few missing 10-min values of a real day (at most
    # 10 %, at the start of a recording) are filled by linear interpolation along the day
    lr = np.log1p(np.maximum(np.array([_fill(r) for r in real]), 0))
    auc = {}
    for name, sim in (("GB", sim_gb), ("FR", sim_fr)):
        ls = np.log1p(np.maximum(sim, 0))
        for clf in ("forest", "logistic"):
            auc[f"{name}_{clf}_all"] = two_sample_auc(lr, ls, classifier=clf,
                                                      repeats=a.repeats, n_trees=a.trees,
                                                      seed=a.seed)
            if name == "GB":
                # development (even: the rules fitted on METER used these) and held out (odd:
                # never used to fit or choose a rule); the held-out AUC is the reported one
                for part, sel in (("dev", ~odd), ("held_out", odd)):
                    auc[f"{name}_{clf}_{part}"] = two_sample_auc(
                        lr[sel], ls, classifier=clf, repeats=a.repeats, n_trees=a.trees,
                        seed=a.seed)
    res["meter"]["two_sample_auc"] = auc

    houses = {}
    uci = data / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
    eco = data / "eco" / "house_2_2012-06_15min_derived"
    for key, folder, preset, start, days, step, tz, n_sim in (
            ("UCI", uci, "FR", "2006-12-17", 33, 600, "Europe/Paris", a.house_households),
            ("ECO", eco, "CH", "2012-06-01", 14, 900, "Europe/Zurich", a.eco_households)):
        if not folder.is_dir():
            continue
        h = load_all(folder)[0]
        rdays = house_days(h.mains, tz, step)
        rf = np.nanmedian(feature_matrix(rdays, step), axis=0)
        sims = sim_house_days(preset, n_sim, a.seed + 2, start, days, step)
        sf = np.array([np.nanmedian(feature_matrix(d, step), axis=0) for d in sims])
        houses[key] = {"preset": preset, "real_days": len(rdays), "sim_households": len(sims),
                       "step_s": step, "start": start, "days": days, "features": [
                           {"feature": f, "real": float(rf[j]),
                            "sim_p5": float(np.nanpercentile(sf[:, j], 5)),
                            "sim_median": float(np.nanmedian(sf[:, j])),
                            "sim_p95": float(np.nanpercentile(sf[:, j], 95)),
                            "percentile": percentile_in(rf[j], sf[:, j])}
                           for j, f in enumerate(FEATURES)]}
    res["houses"] = houses
    res["seconds"] = round(time.perf_counter() - t_start, 1)
    write_text(Path(a.out), json.dumps(res, indent=1))
    print(markdown(res))
    return 0


def markdown(res: dict) -> str:
    """The tables of docs/simulator.md."""
    m = res["meter"]
    lines = [f"METER (real, {m['n']} households, {m['n_held_out_odd']} held out) vs GB preset "
             f"July (simulated, one day per household), 24 h from 17:00 at 10 min:", "",
             "| feature | METER median (IQR) | simulated GB median (IQR) | KS all | KS held-out |",
             "|---|---|---|---|---|"]
    for r in m["features"]:
        lines.append(f"| {r['feature']} | {_fmt(r['real_median'])} ({_fmt(r['real_iqr'][0])}-"
                     f"{_fmt(r['real_iqr'][1])}) | {_fmt(r['sim_median'])} "
                     f"({_fmt(r['sim_iqr'][0])}-{_fmt(r['sim_iqr'][1])}) | "
                     f"{_fmt(r['ks_all'])} | {_fmt(r['ks_held_out'])} |")
    lines += ["", "| classifier two-sample test | AUC (95 % CI) | repeats range | "
              "permuted-label AUC | n real / sim |", "|---|---|---|---|---|"]
    for k, v in m["two_sample_auc"].items():
        lines.append(f"| {k} | {v['auc']:.2f} ({v['ci'][0]:.2f}-{v['ci'][1]:.2f}) | "
                     f"{v['repeats'][0]:.2f}-{v['repeats'][1]:.2f} | {v['null_auc']:.2f} | "
                     f"{v['n_real']} / {v['n_sim']} |")
    lines += ["", "| people | METER held-out median mean W | simulated GB July median mean W |",
              "|---|---|---|"]
    for k, v in m["mean_w_by_people"].items():
        lines.append(f"| {k} | {_fmt(v['real_held_out'], '{:.0f}')} | "
                     f"{_fmt(v['sim'], '{:.0f}')} |")
    for key, h in res["houses"].items():
        lines += ["", f"{key} (real, {h['real_days']} days) vs {h['preset']} preset "
                  f"({h['sim_households']} simulated households, {h['days']} days from "
                  f"{h['start']}, {h['step_s'] // 60} min):", "",
                  "| feature | real house | simulated p5 | median | p95 | house percentile | "
                  "within 5-95 % |", "|---|---|---|---|---|---|---|"]
        for r in h["features"]:
            inside = "yes" if 5.0 <= r["percentile"] <= 95.0 else "no"
            lines.append(f"| {r['feature']} | {_fmt(r['real'])} | {_fmt(r['sim_p5'])} | "
                         f"{_fmt(r['sim_median'])} | {_fmt(r['sim_p95'])} | "
                         f"{r['percentile']:.0f} | {inside} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
