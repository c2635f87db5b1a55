"""Realism statistics computed the same way on simulated and real households, and the
calibration of the simulator against the real traces in ``shared/data``.

Every statistic takes a :class:`~nilm.series.PowerSeries` (any sampling; gaps are respected by
the time-weighted resampling of :func:`nilm.resample.resample`) so the simulated aggregate and
UCI, UK-DALE, REDD or tracebase channels go through the same code. :func:`realism_table` builds
the side-by-side table of ``docs/simulator.md``.

Definitions (all on local calendar days that are at least 90 % covered):

* daily energy, kWh/day;
* base-load share: the day's 5th percentile of 1-min mean power times 24 h, over the day's
  energy (the always-on share; the 5th percentile rather than the minimum is robust to
  single-minute dips);
* load factor: mean over peak of the 1-min mean power in each day (Kirschen & Strbac,
  *Fundamentals of Power System Economics*, 2004, ch. 1);
* mean daily profile: mean power per local hour of day, W;
* step sizes: absolute change of the mean power between consecutive intervals of a given
  period (W), summarised by quantiles and the share of steps above 1 kW;
* duty cycle and cycle lengths of a cycling load: fraction of time above ``on_w`` and the median
  on and off run lengths (min);
* energy per use: energy of each activation (runs above ``on_w``, merged across pauses shorter
  than ``min_off_s``, dropped when shorter than ``min_on_s``), Wh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..resample import local_midnights, resample
from ..series import PowerSeries


def _local_minutes(series: PowerSeries, tz: str):
    """(edges of local days, 1-min means aligned on local midnight)."""
    _, edges = local_midnights(int(series.t[0]), int(series.t[-1]) + 1, tz)
    start, v, _ = resample(series, 60, start=int(edges[0]), end=int(edges[-1]))
    return edges, start, v


def _days(series: PowerSeries, tz: str, min_coverage: float = 0.9):
    """Yield the 1-min means of each local day covered at least ``min_coverage``."""
    edges, start, v = _local_minutes(series, tz)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        day = v[(a - start) // 60:(b - start) // 60]
        if len(day) and np.isfinite(day).mean() >= min_coverage:
            yield day


def daily_energy_kwh(series: PowerSeries, tz: str) -> np.ndarray:
    """Energy of each well-covered local day, kWh (missing minutes filled with the day's mean
    so partial coverage does not bias the total)."""
    return np.array([np.nanmean(d) * len(d) / 60 / 1000 for d in _days(series, tz)])


def base_load_share(series: PowerSeries, tz: str) -> np.ndarray:
    """Per day: 5th percentile of 1-min mean power x 24 h over the day's energy."""
    return np.array([np.nanpercentile(d, 5) / np.nanmean(d) for d in _days(series, tz)])


def load_factor(series: PowerSeries, tz: str) -> np.ndarray:
    """Per day: mean over peak of 1-min mean power."""
    return np.array([np.nanmean(d) / np.nanmax(d) for d in _days(series, tz)])


def hourly_profile(series: PowerSeries, tz: str) -> np.ndarray:
    """Mean power per local hour of day (0-23), W, over well-covered days. On 23/25-hour days
    minutes are assigned by elapsed time from midnight (one hour off after the change)."""
    acc = np.zeros(24)
    cnt = np.zeros(24)
    for d in _days(series, tz):
        h = np.minimum(np.arange(len(d)) // 60, 23)
        ok = np.isfinite(d)
        np.add.at(acc, h[ok], d[ok])
        np.add.at(cnt, h[ok], 1)
    with np.errstate(invalid="ignore"):
        return acc / cnt


def step_sizes(series: PowerSeries, period: int) -> np.ndarray:
    """|change| of mean power between consecutive valid ``period``-s intervals, W."""
    _, v, _ = resample(series, period)
    d = np.abs(np.diff(v))
    return d[np.isfinite(d)]


def step_summary(steps: np.ndarray) -> dict[str, float]:
    """Median, 90th and 99th percentile (W) and share of steps above 1 kW."""
    if not len(steps):
        return {"p50": np.nan, "p90": np.nan, "p99": np.nan, "gt1kw": np.nan}
    q = np.percentile(steps, [50, 90, 99])
    return {"p50": float(q[0]), "p90": float(q[1]), "p99": float(q[2]),
            "gt1kw": float(np.mean(steps > 1000))}


def activations(series: PowerSeries, on_w: float, *, min_off_s: float = 0.0,
                min_on_s: float = 0.0,
                max_gap: float | None = None) -> list[tuple[int, int, float]]:
    """Runs of ``p > on_w`` as (start, end epoch s, energy Wh); runs separated by less than
    ``min_off_s`` are merged, runs shorter than ``min_on_s`` dropped. Each sample is held until
    the next one, at most ``max_gap`` s (default: :meth:`PowerSeries.max_hold`)."""
    if len(series) == 0:
        return []
    t = series.t
    p = np.nan_to_num(series.p.astype(np.float64), nan=0.0)
    hold = series.holds(max_gap)
    on = p > on_w
    d = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)  # sample index ranges
    runs: list[list[int]] = []
    for a, b in zip(starts, ends, strict=True):
        if runs and t[a] - (t[runs[-1][1] - 1] + hold[runs[-1][1] - 1]) < min_off_s:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    energy = np.concatenate([[0.0], np.cumsum(p * hold)])
    out = []
    for a, b in runs:
        t0, t1 = int(t[a]), int(t[b - 1] + hold[b - 1])
        if t1 - t0 >= min_on_s:
            out.append((t0, t1, float((energy[b] - energy[a]) / 3600.0)))
    return out


def cycle_stats(series: PowerSeries, on_w: float) -> dict[str, float]:
    """Duty cycle (fraction of held time above ``on_w``) and median on and off run lengths (min)
    of a cycling load (fridge, freezer); runs touching a data gap are not counted."""
    acts = activations(series, on_w, min_off_s=60, min_on_s=120)
    if len(acts) < 3:
        return {"duty": np.nan, "on_min": np.nan, "off_min": np.nan, "cycles": len(acts)}
    on = np.array([b - a for a, b, _ in acts], dtype=np.float64)
    off = np.array([acts[i + 1][0] - acts[i][1] for i in range(len(acts) - 1)], dtype=np.float64)
    off = off[off < 4 * 3600]  # a gap in the data, not an off period
    span = acts[-1][1] - acts[0][0]
    return {"duty": float(on[:-1].sum() / max(span - on[-1], 1)) if len(on) > 1 else np.nan,
            "on_min": float(np.median(on) / 60), "off_min": float(np.median(off) / 60),
            "cycles": len(acts)}


#: (on_w, min_off_s, min_on_s) defining one use of each appliance for energy per use
USE_RULES: dict[str, tuple[float, float, float]] = {
    "kettle": (1000.0, 30.0, 20.0),
    "washing_machine": (20.0, 900.0, 900.0),
    "dishwasher": (20.0, 900.0, 1200.0),
    "microwave": (200.0, 30.0, 20.0),
    "toaster": (200.0, 30.0, 30.0),
    "tumble_dryer": (100.0, 600.0, 900.0),
}


def energy_per_use(series: PowerSeries, appliance: str) -> np.ndarray:
    """Energy of each use of ``appliance`` (rule in :data:`USE_RULES`), Wh."""
    on_w, off_s, min_on = USE_RULES[appliance]
    return np.array([e for _, _, e in activations(series, on_w, min_off_s=off_s,
                                                  min_on_s=min_on)])


def running_power(path, on_w: float = 20.0) -> dict[str, dict[str, float]]:
    """Median power while above ``on_w`` (W) of every device in a tracebase folder:
    {appliance: {plug id: W}} over all of that device's day-files (the running power used to
    set the ranges of :func:`nilm.simulate.appliances.draw_device`)."""
    from ..io.tracebase import signatures

    acc: dict[str, dict[str, list[np.ndarray]]] = {}
    for name, lst in signatures(path).items():
        for s in lst:
            p = s.p[np.isfinite(s.p)]
            acc.setdefault(name, {}).setdefault(s.label.split("/")[1], []).append(p[p > on_w])
    return {name: {dev: float(np.median(np.concatenate(v))) for dev, v in devs.items()
                   if sum(len(x) for x in v)}
            for name, devs in acc.items()}


def tracebase_activations(path, appliances=tuple(USE_RULES) + ("coffee_maker", "iron",
                                                                 "vacuum_cleaner")) -> dict:
    """Real activations for replay: {appliance: {device label: [float32 1-s W arrays]}}, cut
    from tracebase day-files with :data:`USE_RULES` (20 W, 5-min merge otherwise) and held at
    1 s (zero-order hold, at most 60 s across gaps), with 2 s of margin."""
    from ..io.tracebase import signatures

    sigs = signatures(path)
    out: dict = {}
    for name in appliances:
        on_w, off_s, min_on = USE_RULES.get(name, (20.0, 300.0, 30.0))
        for s in sigs.get(name, []):
            device = "/".join(s.label.split("/")[:2])
            for a, b, _ in activations(s, on_w, min_off_s=off_s, min_on_s=min_on):
                _, v, _ = resample(s, 1, start=a - 2, end=b + 2, max_gap=60)
                w = np.nan_to_num(v, nan=0.0).astype(np.float32)
                out.setdefault(name, {}).setdefault(device, []).append(w)
    return out


# -- the realism table -----------------------------------------------------------------------

def _aggregate_stats(series: PowerSeries, tz: str, period: int) -> dict[str, object]:
    e = daily_energy_kwh(series, tz)
    return {"daily_kwh": e, "base_share": base_load_share(series, tz),
            "load_factor": load_factor(series, tz), "profile": hourly_profile(series, tz),
            "steps": step_summary(step_sizes(series, period)), "days": len(e)}


def simulated_population(households: int = 8, days: int = 14, seed: int = 0,
                         start: str = "2024-12-16") -> list:
    """In-memory simulated households at 1 s for the comparison (December-January by default,
    the season of the UCI excerpt)."""
    from .household import simulate_household
    from .population import house_seeds

    return [simulate_household(days, seed=ss, start=start, house=f"sim_{k:03d}")
            for k, ss in enumerate(house_seeds(seed, households))]


def realism_table(shared_root, households: int = 8, days: int = 14, seed: int = 0) -> list[dict]:
    """Rows {statistic, simulated, real, source} comparing simulated households with the real
    data in ``shared_root`` (``shared/data``). Simulated values are means (and ranges) over
    households; real values name their file."""
    from ..io import load

    root = Path(shared_root)
    sims = simulated_population(households, days, seed)
    rows: list[dict] = []

    def fmt(x, nd=2):
        x = np.asarray(x, dtype=np.float64)
        x = x[np.isfinite(x)]
        if not len(x):
            return "n/a"
        if len(x) == 1:
            return f"{x[0]:.{nd}f}"
        return f"{np.mean(x):.{nd}f} ({np.min(x):.{nd}f}-{np.max(x):.{nd}f})"

    sim60 = [_aggregate_stats(s.household.mains, s.household.timezone, 60) for s in sims]
    sim6 = [step_summary(step_sizes(s.household.mains, 6)) for s in sims]
    uci = load(root / "uci_household_power_consumption/sceaux_2006-12-16_to_2007-01-19",
                    cache=False)
    u = _aggregate_stats(uci.mains, uci.timezone, 60)
    uk = load(root / "ukdale/house_1_2013-04-12_pda_fixture", cache=False)
    k = _aggregate_stats(uk.mains, uk.timezone, 6)
    src_u, src_k = "UCI Sceaux 33 d, 1 min", "UK-DALE h1 4.6 d, 6 s (apparent power)"
    redd = load(root / "redd/low_freq/house_5", aggregate="sum_of_circuits", cache=False)
    r_steps = {p: step_summary(step_sizes(redd.mains, p)) for p in (60, 6)}
    src_r = "REDD h5 sum of circuits, 88 h"

    def per_house(key):
        return [np.mean(s[key]) for s in sim60]

    for stat, key, nd in (("daily energy, kWh/day", "daily_kwh", 1),
                          ("base-load share", "base_share", 2),
                          ("load factor (1-min mean/peak)", "load_factor", 2)):
        rows.append({"statistic": stat, "simulated": fmt(per_house(key), nd),
                     "real": f"{fmt(u[key], nd)} / {fmt(k[key], nd)}",
                     "source": f"{src_u} / {src_k}"})
    for q in ("p50", "p90", "p99", "gt1kw"):
        nd = 3 if q == "gt1kw" else 0
        unit = "" if q == "gt1kw" else ", W"
        rows.append({"statistic": f"1-min step size {q}{unit}",
                     "simulated": fmt([s["steps"][q] for s in sim60], nd),
                     "real": f"{fmt([u['steps'][q]], nd)} / {fmt([r_steps[60][q]], nd)}",
                     "source": f"{src_u} / {src_r}"})
        rows.append({"statistic": f"6-s step size {q}{unit}",
                     "simulated": fmt([s[q] for s in sim6], nd),
                     "real": f"{fmt([k['steps'][q]], nd)} / {fmt([r_steps[6][q]], nd)}",
                     "source": f"{src_k} / {src_r}"})
    sp = np.nanmean([s["profile"] for s in sim60], axis=0)
    for h in range(0, 24, 3):
        rows.append({"statistic": f"mean power {h:02d}:00-{h + 3:02d}:00, W",
                     "simulated": f"{np.mean(sp[h:h + 3]):.0f}",
                     "real": f"{np.mean(u['profile'][h:h + 3]):.0f} / "
                             f"{np.mean(k['profile'][h:h + 3]):.0f}",
                     "source": f"{src_u} / {src_k}"})
    # water heater: UCI sub-meter 3 includes an air conditioner (idle in winter)
    wh = [s.household.appliances["water_heater"] for s in sims
          if "water_heater" in s.household.appliances]
    rows.append({"statistic": "water heater, kWh/day (owners)",
                 "simulated": fmt([np.mean(daily_energy_kwh(w, "Europe/Paris")) for w in wh]),
                 "real": fmt([np.mean(daily_energy_kwh(uci.appliances["water_heater"],
                                                       uci.timezone))]),
                 "source": "UCI sub-metering 3"})
    rows += _appliance_rows(root, sims, fmt, redd)
    return rows


def _appliance_rows(root: Path, sims, fmt, redd) -> list[dict]:
    from ..io import load
    from ..io.tracebase import signatures

    rows = []
    fr = [cycle_stats(s.household.appliances["fridge"], 50.0) for s in sims]
    real_fr = []
    tb = signatures(root / "tracebase/complete/Refrigerator")
    for s in tb.get("fridge", []):
        real_fr.append((s.label, cycle_stats(s, 30.0)))
    real_fr.append(("REDD h5 ch18", cycle_stats(redd.appliances["fridge"], 50.0)))
    for key, label in (("duty", "fridge duty cycle"), ("on_min", "fridge run length, min"),
                       ("off_min", "fridge off length, min")):
        rows.append({"statistic": label, "simulated": fmt([f[key] for f in fr]),
                     "real": fmt([r[key] for _, r in real_fr]),
                     "source": f"{len(real_fr) - 1} tracebase fridge-days "
                               f"({len({n.split('/')[1] for n, _ in real_fr[:-1]})} devices),"
                               " REDD h5 ch18"})
    ukd = load(root / "ukdale/house_1_2013-02-09_rfm_logger_fixture/002", cache=False)
    for name in ("kettle", "washing_machine", "dishwasher", "microwave"):
        sim_e = np.concatenate([energy_per_use(s.household.appliances[name], name)
                                for s in sims if name in s.household.appliances] or [[]])
        real, srcs = [], []
        tbs = signatures(root / "tracebase/complete", name)
        for s in tbs.get(name, []):
            e = energy_per_use(s, name)
            if len(e):
                real.append(e)
                srcs.append(s.label.split("/")[0])
        for h, lab in ((ukd, "UK-DALE h1 fixture"), (redd, "REDD h5")):
            if name in h.appliances:
                e = energy_per_use(h.appliances[name], name)
                if len(e):
                    real.append(e)
                    srcs.append(lab)
        real_e = np.concatenate(real) if real else np.array([])
        rows.append({"statistic": f"{name} energy per use, Wh", "simulated": fmt(sim_e, 0),
                     "real": fmt(real_e, 0),
                     "source": f"{len(real_e)} uses: " + ", ".join(sorted(set(srcs)))})
    return rows


def markdown(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    out = ["| statistic | simulated | real | real data |", "|---|---|---|---|"]
    out += [f"| {r['statistic']} | {r['simulated']} | {r['real']} | {r['source']} |"
            for r in rows]
    return "\n".join(out)


def meter_base_load_fit(folder, *, development: bool = True,
                        min_mean_w: float = 50.0) -> dict:
    """The base-load rule of the simulator, fitted on METER (``shared/data/meter/...``).

    For each electricity recording of a household with ``idHousehold`` even (``development``;
    odd: the held-out households) whose survey gives the number of people and whose mean power
    is at least ``min_mean_w`` (lower readings cannot be whole houses) over at least 24 h
    (144 values; two recordings are 5 and 12 h long), the base load is the
    5th percentile of its 10-min means. Ordinary least squares of its log on the number of
    people gives ``a`` (intercept), ``b`` (per person), ``se_b`` and the residual ``sd``; ``n``
    recordings. :data:`nilm.simulate.household.BASE_LOAD_FIT` holds the development fit.
    """
    from ..io import meter

    rows = []
    for h in meter.read(folder):
        n = int(h.meta.get("people") or 0)
        p = h.mains.p.astype(np.float64)
        if (int(h.meta["household_id"]) % 2 == 0) != development or n < 1:
            continue
        if len(p) < 144 or np.nanmean(p) < min_mean_w:
            continue
        rows.append((n, np.log(np.nanpercentile(p, 5))))
    x, y = np.array(rows).T
    b, a = np.polyfit(x, y, 1)
    res = y - (a + b * x)
    sd = float(np.sqrt(np.sum(res ** 2) / (len(y) - 2)))
    se_b = sd / float(np.sqrt(np.sum((x - x.mean()) ** 2)))
    return {"a": float(a), "b": float(b), "se_b": se_b, "sd": sd, "n": int(len(y))}
