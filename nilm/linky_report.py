"""``nilm linky PATH``: what one person's own Linky data reveals, computed locally.

The customer downloads their Linky data — an Enedis CSV or XLSX export, a Data Connect /
MyElectricalData JSON, the supplier's half-hourly export, a TIC log from a dongle, or a folder of
several such downloads of one meter (merged by PRM, :mod:`nilm.io.merge`) — and runs the same
attacks the leakage study scores (:mod:`nilm.privacy`) on it. **Nothing leaves the machine**: no
network call is made; the only model with learned parameters — the supervised absence detector
of :func:`nilm.privacy.occupancy.occupancy_supervised` — is trained on a small population of
simulated households (:mod:`nilm.simulate`) generated deterministically from ``seed`` on the
fly and cached in the output folder.

Per local day it writes the estimated wake-up and bed times (change point above the night base
load, after Kleiminger et al. 2015), the hours the household looks absent, the energy of an
off-peak water heater (Hart 1992's step signature in the off-peak window) with the litres it
heats (``V = E·860/ΔT``), and the day's energy; plus a carpet plot and a short report saying
what the curve reveals, with the caveat that these estimates are **unvalidated for this
household** (their accuracy is measured on simulated and public data only, see the leakage
report).

References
----------
Kleiminger, W., Beckel, C. & Santini, S. (2015). Household occupancy monitoring using electricity
meters. UbiComp.
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proceedings of the IEEE 80(12).
CNIL (2012). Recommandation relative aux compteurs communicants.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_open
from .clock import local_minutes
from .io.prm import mask_text

#: simulated training population: households × local days at 60 s (small: built in seconds)
TRAIN_HOUSEHOLDS = 4
TRAIN_DAYS = 14
TRAIN_PERIOD = 60
#: shortest absence reported, s
MIN_ABSENCE_S = 3600.0

#: how the days are analysed, said in every report (a day's verdict depends on its block only)
BLOCKS = ("Days are analysed month by month at their own step: the night reference, the "
          "water-heater step and the electric-heating check are computed within each calendar "
          "month of data at one step, so a day's verdict depends only on that month, not on how "
          "much other data the file holds. A month only partly in the file can give other "
          "verdicts than the same month in a longer download.")

#: what daily data shows and what it does not
DAILY_ONLY = ("Daily energy only: it shows whole days with little consumption (holidays, days "
              "away) and the seasons of use (electric heating), but no time of day: no wake-up "
              "or bed time, no absence within a day, no appliance.")

CAVEAT = ("These are estimates, not facts. The methods were scored on simulated households and "
          "public datasets only; their accuracy for this household is unknown (unvalidated). "
          "They show what anyone holding this load curve could guess. Everything was computed "
          "on this computer; nothing was sent anywhere.")


def training_population(out_dir, *, seed: int = 0) -> list:
    """The simulated training households, as ``(Household, GroundTruth)`` pairs.

    Generated once into ``out_dir/training_seed<seed>/`` (:func:`nilm.simulate.simulate_to_dir`)
    and reused afterwards; the same seed always gives the same households."""
    from .io import load
    from .simulate import simulate_to_dir
    from .truth import GroundTruth

    d = Path(out_dir) / f"training_seed{seed}"
    if not (d / "population.json").exists():
        simulate_to_dir(d, households=TRAIN_HOUSEHOLDS, days=TRAIN_DAYS, seed=seed,
                        period=TRAIN_PERIOD)
    pairs = []
    for f in sorted(d.glob("*.nilm.h5")):
        stem = f.name[: -len(".nilm.h5")]
        pairs.append((load(f, cache=False), GroundTruth.load(d / f"{stem}.truth.npz")))
    return pairs


def daily_table(household, grid, *, train=None, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Per-local-day estimates from the aggregate ``grid`` of ``household``.

    Parameters
    ----------
    household : the loaded export (mains, W; ``meta["timezone"]``).
    grid : its aggregate on a regular grid at the export's step.
    train : ``(Grid, GroundTruth)`` pairs at the same period for the supervised absence
        detector (None: the unsupervised detector only).
    seed : seeds the detector.

    Returns
    -------
    (days, info): ``days`` is a DataFrame with one row per local day holding data:
    ``date``; ``energy_kwh`` (measured energy of the day, kWh; NaN below half coverage);
    ``coverage`` (0–1); ``wake`` and ``bed`` (local ``YYYY-MM-DD HH:MM``, empty when not
    found); ``absent_h`` (hours judged absent); ``water_heater_kwh`` and ``hot_water_l``.
    ``info`` holds ``water_heater`` (detected, power W), ``absences`` (episodes of at least
    :data:`MIN_ABSENCE_S`, local times) and the detector used.
    """
    from .clock import local_clock
    from .privacy.hot_water import daily_energy, heater_profile, litres_from_kwh
    from .privacy.occupancy import episodes, occupancy_supervised, occupancy_unsupervised
    from .privacy.routine import changepoint_wake_bed
    from .resample import daily_energy as measured_daily_energy

    tz = household.timezone
    period = float(grid.period)
    d_days, wake, bed = changepoint_wake_bed(grid, tz)
    if train:
        occ = occupancy_supervised(train, grid, tz, seed=seed)
        detector = (f"supervised (HistGradientBoosting trained on {len(train)} simulated "
                    "households)")
    else:
        occ = occupancy_unsupervised(grid, tz)
        detector = "unsupervised (base-load and variability thresholds)"
    day, _ = local_clock(grid.t, tz)
    k = np.searchsorted(d_days, day)
    absent_h = np.bincount(k, weights=(occ == 0) * period / 3600.0, minlength=len(d_days))
    prof = heater_profile(grid, tz)
    h_days, h_kwh = daily_energy(grid, tz, prof)
    heater = np.full(len(d_days), np.nan)
    heater[np.searchsorted(d_days, h_days)] = h_kwh
    if not prof["owns"]:
        heater = np.where(np.isfinite(heater), 0.0, np.nan)
    e_days, e_wh, cov = measured_daily_energy(household.mains, tz)
    dates = (d_days.astype("datetime64[D]"))
    e_map = dict(zip(e_days.astype("datetime64[D]").tolist(), zip(e_wh, cov, strict=True),
                     strict=True))
    energy = np.array([e_map.get(d, (np.nan, 0.0))[0] for d in dates.tolist()]) / 1000.0
    coverage = np.array([e_map.get(d, (np.nan, 0.0))[1] for d in dates.tolist()])
    table = pd.DataFrame({
        "date": [str(d) for d in dates], "energy_kwh": energy, "coverage": coverage,
        "wake": local_minutes(wake, tz), "bed": local_minutes(bed, tz), "absent_h": absent_h,
        "water_heater_kwh": heater, "hot_water_l": litres_from_kwh(heater)})
    # the loader closes the last step with a NaN sample, which can open an empty local day
    has_data = np.bincount(k, weights=np.isfinite(grid.mains), minlength=len(d_days)) > 0
    table = table[has_data].reset_index(drop=True)
    ep = episodes(np.where(np.isfinite(occ), 1.0 - occ, 0.0), grid.start, period,
                  MIN_ABSENCE_S)
    info = {"water_heater": {"detected": bool(prof["owns"]),
                             "power_w": float(prof["heater_w"]) if prof["owns"] else None},
            "absences": [(a, b) for a, b in zip(local_minutes(ep[:, 0], tz),
                                                local_minutes(ep[:, 1], tz), strict=True)],
            "absence_detector": detector}
    return table, info


def _summary(table: pd.DataFrame, info: dict, period: float) -> list[str]:
    """Plain-words findings, each computed from the table."""
    from .labels import period_label

    lines = []
    n = len(table)
    wake = [w[-5:] for w in table["wake"] if w]
    bed = [b[-5:] for b in table["bed"] if b]
    if wake:
        lines.append(f"Wake-up time found on {len(wake)} of {n} days; median "
                     f"{_median_clock(wake)} local time.")
    else:
        lines.append(f"No wake-up time could be read from this {period_label(period)} curve.")
    if bed:
        lines.append(f"Bed time found on {len(bed)} of {n} days; median "
                     f"{_median_clock(bed, evening=True)}.")
    ab = info["absences"]
    lines.append(f"{len(ab)} absence{'s' if len(ab) != 1 else ''} of at least "
                 f"{MIN_ABSENCE_S / 3600:g} h detected ({info['absence_detector']}); "
                 f"{table['absent_h'].sum():.0f} h in total.")
    wh = info["water_heater"]
    if wh["detected"]:
        where = (f" (in {wh['blocks'][0]} of {wh['blocks'][1]} months analysed)"
                 if wh.get("blocks") and wh["blocks"][1] > 1 else "")
        per_day = (f": {np.nanmean(table['water_heater_kwh']):.1f} kWh/day on average, i.e. "
                   f"about {np.nanmean(table['hot_water_l']):.0f} litres of hot water per day "
                   "(upper bound, 45 K rise)" if np.isfinite(table["water_heater_kwh"]).any()
                   else "")
        lines.append(f"An off-peak electric water heater of about {wh['power_w']:.0f} W was "
                     f"detected{where}{per_day}.")
    else:
        lines.append("No off-peak electric water heater was detected.")
    full = int(np.isfinite(table["energy_kwh"]).sum())
    lines.append(f"Mean daily energy {np.nanmean(table['energy_kwh']):.1f} kWh over {full} days "
                 "with data." if full else "No day is covered by more than half: no daily "
                 "energy.")
    return lines


def _median_clock(hhmm: list[str], evening: bool = False) -> str:
    minutes = np.array([int(x[:2]) * 60 + int(x[3:]) for x in hhmm], dtype=float)
    if evening:
        # bed times just after midnight belong to the evening before
        minutes = np.where(minutes < 12 * 60, minutes + 24 * 60, minutes)
    m = int(round(float(np.median(minutes)))) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def load_meter(path, *, start=None):
    """The one meter's Household of ``path`` (a Linky file or a folder of one meter's
    downloads), read without the cache.

    Raises
    ------
    NilmDataError : the file or a file of the folder is not readable Linky data.
    UsageError : the folder holds several meters' data (one line saying which and what to do).
    """
    from .errors import NilmDataError, UsageError
    from .io import detect_format, load_all

    path = Path(path)
    fmt = detect_format(path)
    if fmt not in ("linky", "enedis", "enedis_xlsx", "dataconnect", "supplier", "tic"):
        raise NilmDataError(path, None, f"not Linky data (read as {fmt!r}): give an Enedis "
                            "export (CSV, XLSX), a Data Connect JSON, the supplier export, a "
                            "TIC log or a folder of them")
    options = {"start": start} if start is not None and fmt in ("linky", "tic") else {}
    houses = load_all(path, format=fmt, cache=False, **options)
    if len(houses) > 1:
        names = ", ".join(f"{h.meta['house']} ({h.meta.get('meter_id') or 'no id'})"
                          for h in houses)
        hint = (" (a historic TIC log names the meter by its serial number ADCO, not the PRM: "
                "analyse it on its own)" if any(h.meta.get("meter_id") == "ADCO" for h in houses)
                else "")
        raise UsageError(f"{mask_text(path)}: {len(houses)} meters found ({names}); put one "
                         f"meter's downloads in a folder of their own{hint}")
    return houses[0]


def analysis_blocks(household) -> list[tuple[int, int, int]]:
    """``(start, end, period)`` of each block analysed on its own: runs of local days at one
    step inside one calendar month (:data:`BLOCKS`). A day's step is the step of most of its
    values (interval curves), or the series' native period (TIC point samples)."""
    from .clock import local_midnights

    s = household.mains
    tz = household.timezone
    ok = np.isfinite(s.p)
    if not ok.any():
        return []
    if s.interval:
        hold = np.empty(len(s), dtype=np.int64)
        hold[:-1] = np.minimum(np.diff(s.t), int(s.period))
        hold[-1] = int(s.period)
    else:
        hold = np.full(len(s), household.native_period, dtype=np.int64)
    days, edges = local_midnights(int(s.t[ok][0]), int(s.t[ok][-1]) + 1, tz)
    k = np.searchsorted(edges, s.t[ok], "right") - 1
    step_of_day = np.zeros(len(days), dtype=np.int64)
    for d in np.unique(k):
        steps, counts = np.unique(hold[ok][k == d], return_counts=True)
        weight = steps * counts
        step_of_day[d] = steps[np.argmax(weight)]
    month = days.astype("datetime64[M]")
    blocks = []
    d = 0
    while d < len(days):
        if step_of_day[d] == 0:
            d += 1
            continue
        e = d
        while (e + 1 < len(days) and month[e + 1] == month[d]
               and step_of_day[e + 1] in (step_of_day[d], 0)):
            e += 1
        blocks.append((int(edges[d]), int(edges[e + 1]), int(step_of_day[d])))
        d = e + 1
    return blocks


def _merge_info(infos: list[dict]) -> dict:
    """The findings of every block as one: heater found in how many blocks (and its median
    power there), every absence, the detector used."""
    found = [i["water_heater"]["power_w"] for i in infos if i["water_heater"]["detected"]]
    return {"water_heater": {"detected": bool(found),
                             "power_w": float(np.median(found)) if found else None,
                             "blocks": [len(found), len(infos)]},
            "absences": [a for i in infos for a in i["absences"]],
            "absence_detector": infos[0]["absence_detector"] if infos else ""}


def _daily_days(household) -> pd.DataFrame:
    """One row per day of the daily channel: local date of its start, kWh."""
    s = household.extra["daily"]
    tz = household.timezone
    ok = np.isfinite(s.p)
    hold = s.holds()
    dates = local_minutes(s.t, tz)
    table = pd.DataFrame({"date": [d[:10] for d in dates],
                          "energy_kwh": np.where(ok, s.p * hold / 3.6e6, np.nan),
                          "hours": hold / 3600.0})
    return table[np.isfinite(table["energy_kwh"])].reset_index(drop=True)


def _daily_summary(table: pd.DataFrame) -> list[str]:
    median = float(np.median(table["energy_kwh"])) if len(table) else float("nan")
    low = table[table["energy_kwh"] < 0.5 * median]
    lines = [DAILY_ONLY,
             f"{len(table)} days with data; median {median:.1f} kWh per day."]
    lines.append(f"{len(low)} day{'s' if len(low) != 1 else ''} below half the median "
                 "(possibly away from home)" + (": " + ", ".join(low["date"][:10])
                                                 + ("…" if len(low) > 10 else "")
                                                 if len(low) else "") + ".")
    return lines


def analyse_export(path, out_dir, *, seed: int = 0, start=None) -> dict:
    """Analyse one meter's Linky data locally and write a short report.

    Parameters
    ----------
    path : a Linky file (Enedis CSV or XLSX export, Data Connect / MyElectricalData JSON,
        supplier export, TIC log) or a folder of one meter's downloads (merged by PRM).
    out_dir : output folder: ``linky_report.md``, ``linky_report.html`` (self-contained),
        ``days.csv`` (one row per local day), ``figures/carpet.png`` (not for daily data) and
        the cached simulated training population ``training_seed<seed>/``.
    seed : seeds the simulated training population and the detector (same seed, same output).
    start : start of a TIC capture without clock (:func:`nilm.io.tic.read`).

    Returns
    -------
    dict with ``household`` (name, meter id masked), ``period_s`` (the main step, s), ``days``
    (the DataFrame of :func:`daily_table`, or of daily energies), ``summary`` (list of
    sentences), ``water_heater``, ``absences``, ``repairs`` (what the lenient loader repaired),
    ``notes`` (facts about the data, e.g. apparent power) and ``files`` ({name: Path}).

    Raises
    ------
    NilmDataError : the file is not readable Linky data (file and line named).
    UsageError : a folder holding several meters.
    """
    from . import labels, plot
    from .errors import NilmDataError
    from .figure_data import carpet_data
    from .report import Document
    from .version import __version__

    out = Path(out_dir)
    household = load_meter(path, start=start)
    notes = list(household.meta.get("notes", []))
    repairs = household.report.summary() if household.report else []
    shown = mask_text(Path(path).name)
    has_curve = household.mains is not None and np.isfinite(household.mains.p).any()
    daily = household.extra.get("daily")
    if not has_curve and (daily is None or not np.isfinite(daily.p).any()):
        raise NilmDataError(path, None, "the data holds no consumption values")
    files = {}
    doc = Document()
    doc.h(1, "What your Linky data reveals")
    if not has_curve:
        table = _daily_days(household)
        summary = _daily_summary(table)
        with atomic_open(out / "days.csv", "w", newline="") as f:
            table.to_csv(f, index=False, float_format="%.4g")
        files["days.csv"] = out / "days.csv"
        doc.p(f"Data: {shown}; {len(table)} days of daily energy; analysed by nilm "
              f"{__version__}.")
        doc.p(f"Caveat: {CAVEAT}")
        doc.h(2, "Findings")
        doc.ul(summary + notes)
        if repairs:
            doc.h(2, "What the loader repaired")
            doc.ul(repairs)
        doc.h(2, "Day by day")
        doc.table(["date", "energy (kWh)"], [[r.date, _f(r.energy_kwh)]
                                              for r in table.itertuples(index=False)])
        period = 86400.0
        info = {"water_heater": {"detected": False, "power_w": None}, "absences": []}
    else:
        population = training_population(out, seed=seed)
        trains: dict[int, list] = {}
        tables, infos = [], []
        for t0, t1, period in analysis_blocks(household):
            part = _part(household, t0, t1)
            if part is None:
                continue
            grid = part.to_grid(period, start=t0, end=t1)
            if period not in trains:
                trains[period] = [(h.to_grid(period), t) for h, t in population]
            table, info = daily_table(part, grid, train=trains[period], seed=seed)
            tables.append(table)
            infos.append(info)
        if not tables:
            raise NilmDataError(path, None, "the data holds no consumption values")
        table = pd.concat(tables, ignore_index=True)
        info = _merge_info(infos)
        periods = [p for _, _, p in analysis_blocks(household)]
        period = float(max(set(periods), key=periods.count))
        summary = _summary(table, info, period)
        with atomic_open(out / "days.csv", "w", newline="") as f:
            table.to_csv(f, index=False, float_format="%.4g")
        files["days.csv"] = out / "days.csv"
        kind = "simulated" if household.meta.get("simulated") else "real (your Linky data)"
        fig = plot.carpet(carpet_data(household, None, periods=(None,),
                                      label=f"{kind}; estimates unvalidated"))
        png = plot.png_bytes(fig)
        with atomic_open(out / "figures" / "carpet.png", "wb") as f:
            f.write(png)
        files["figures/carpet.png"] = out / "figures" / "carpet.png"
        steps = sorted(set(periods))
        doc.p(f"Data: {shown}; {len(table)} local days at a step of "
              f"{', '.join(labels.period_label(p) for p in steps)}; analysed by nilm "
              f"{__version__} (seed {seed}).")
        doc.p(f"Caveat: {CAVEAT}")
        doc.h(2, "Findings")
        doc.ul(summary + notes + [BLOCKS])
        if repairs:
            doc.h(2, "What the loader repaired")
            doc.ul(repairs)
        doc.h(2, "Day by day")
        doc.table(["date", "energy (kWh)", "wake-up", "bed", "absent (h)",
                   "water heater (kWh)", "hot water (L)"],
                  [[r.date, _f(r.energy_kwh), r.wake[-5:] or "–", r.bed[-5:] or "–",
                    _f(r.absent_h), _f(r.water_heater_kwh), _f(r.hot_water_l, 0)]
                   for r in table.itertuples(index=False)])
        doc.h(2, "Carpet plot")
        doc.fig("figures/carpet.png", "Your load curve, one row per day (colour = power); "
                "triangles: estimated wake-up and bed times; hatched: absence by the "
                "unsupervised threshold detector (the table uses the trained one).", png)
        doc.p("Methods: change point above the night base load (Kleiminger et al. 2015) for "
              "wake-up and bed; an absence detector trained on simulated households; off-peak "
              "step detection (Hart 1992) for the water heater. See the nilm leakage report "
              "for how accurate each is at this resolution on simulated and public data.")
    with atomic_open(out / "linky_report.md", "w", encoding="utf-8") as f:
        f.write(doc.markdown())
    with atomic_open(out / "linky_report.html", "w", encoding="utf-8") as f:
        f.write(doc.html("What your Linky data reveals"))
    files["linky_report.md"] = out / "linky_report.md"
    files["linky_report.html"] = out / "linky_report.html"
    return {"household": household.name, "period_s": period, "days": table,
            "summary": summary, "water_heater": info["water_heater"],
            "absences": info["absences"], "repairs": repairs, "notes": notes, "files": files}


def _part(household, t0: int, t1: int):
    """The household's mains over ``[t0, t1)`` alone (None when it holds no value there)."""
    from .series import Household

    mains = household.mains.slice(t0, t1)
    if not np.isfinite(mains.p).any():
        return None
    return Household(mains, {}, dict(household.meta), {}, household.report)


def _f(x, digits: int = 1) -> str:
    return "–" if x is None or not math.isfinite(float(x)) else f"{float(x):.{digits}f}"


def default_out(src) -> Path:
    """``nilm linky``'s output folder when none is given: ``<export>_nilm`` beside the export
    (its digit runs masked, :func:`nilm.io.prm.mask_text`); for ``.`` or ``..`` the folder's
    own name, not an empty one."""
    src = Path(src)
    named = src if src.name not in ("", ".", "..") else src.resolve()
    return named.with_name(mask_text(named.stem) + "_nilm")


__all__ = ["BLOCKS", "CAVEAT", "DAILY_ONLY", "MIN_ABSENCE_S", "TRAIN_DAYS", "TRAIN_HOUSEHOLDS",
           "analyse_export", "analysis_blocks", "daily_table", "default_out", "load_meter",
           "training_population"]
