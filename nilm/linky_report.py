"""``nilm linky EXPORT.csv``: what one person's own Enedis load curve reveals, computed locally.

The customer downloads their Linky load curve from the Enedis customer space and runs the same
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

#: simulated training population: households × local days at 60 s (small: built in seconds)
TRAIN_HOUSEHOLDS = 4
TRAIN_DAYS = 14
TRAIN_PERIOD = 60
#: shortest absence reported, s
MIN_ABSENCE_S = 3600.0

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


def _local_iso(t, tz: str) -> list[str]:
    out = []
    for x in np.asarray(t, dtype=np.float64):
        if not math.isfinite(x):
            out.append("")
            continue
        out.append(pd.Timestamp(int(x), unit="s", tz="UTC").tz_convert(tz)
                   .strftime("%Y-%m-%d %H:%M"))
    return out


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
    from .privacy.hot_water import daily_energy, heater_profile, litres_from_kwh
    from .privacy.occupancy import episodes, occupancy_supervised, occupancy_unsupervised
    from .privacy.routine import changepoint_wake_bed
    from .privacy.scores import local_clock
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
        "wake": _local_iso(wake, tz), "bed": _local_iso(bed, tz), "absent_h": absent_h,
        "water_heater_kwh": heater, "hot_water_l": litres_from_kwh(heater)})
    # the loader closes the last step with a NaN sample, which can open an empty local day
    has_data = np.bincount(k, weights=np.isfinite(grid.mains), minlength=len(d_days)) > 0
    table = table[has_data].reset_index(drop=True)
    ep = episodes(np.where(np.isfinite(occ), 1.0 - occ, 0.0), grid.start, period,
                  MIN_ABSENCE_S)
    info = {"water_heater": {"detected": bool(prof["owns"]),
                             "power_w": float(prof["heater_w"]) if prof["owns"] else None},
            "absences": [(a, b) for a, b in zip(_local_iso(ep[:, 0], tz),
                                                _local_iso(ep[:, 1], tz), strict=True)],
            "absence_detector": detector}
    return table, info


def _summary(table: pd.DataFrame, info: dict, period: float) -> list[str]:
    """Plain-words findings, each computed from the table."""
    from .plot import period_label

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
        lines.append(f"An off-peak electric water heater of about {wh['power_w']:.0f} W was "
                     f"detected: {np.nanmean(table['water_heater_kwh']):.1f} kWh/day on average, "
                     f"i.e. about {np.nanmean(table['hot_water_l']):.0f} litres of hot water "
                     "per day (upper bound, 45 K rise).")
    else:
        lines.append("No off-peak electric water heater was detected.")
    lines.append(f"Mean daily energy {np.nanmean(table['energy_kwh']):.1f} kWh over "
                 f"{int(np.isfinite(table['energy_kwh']).sum())} days with data.")
    return lines


def _median_clock(hhmm: list[str], evening: bool = False) -> str:
    minutes = np.array([int(x[:2]) * 60 + int(x[3:]) for x in hhmm], dtype=float)
    if evening:
        # bed times just after midnight belong to the evening before
        minutes = np.where(minutes < 12 * 60, minutes + 24 * 60, minutes)
    m = int(round(float(np.median(minutes)))) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def analyse_export(path, out_dir, *, seed: int = 0) -> dict:
    """Analyse one Enedis load-curve export locally and write a short report.

    Parameters
    ----------
    path : the Enedis customer export (CSV, either layout read by :mod:`nilm.io.enedis`).
    out_dir : output folder: ``linky_report.md``, ``linky_report.html`` (self-contained),
        ``days.csv`` (one row per local day), ``figures/carpet.png`` and the cached simulated
        training population ``training_seed<seed>/``.
    seed : seeds the simulated training population and the detector (same seed, same output).

    Returns
    -------
    dict with ``household`` (name), ``period_s`` (the export's step, s), ``days`` (the
    DataFrame of :func:`daily_table`), ``summary`` (list of sentences), ``water_heater``,
    ``absences``, ``repairs`` (what the lenient loader repaired) and ``files``
    ({name: Path}).

    Raises
    ------
    NilmDataError : the file is not a readable Enedis export (file and line named).
    """
    from . import __version__, plot
    from .io import load
    from .report import Document
    from .study import native_period

    out = Path(out_dir)
    household = load(path, cache=False)
    if household.mains is None or not np.isfinite(household.mains.p).any():
        from .errors import NilmDataError

        raise NilmDataError(path, None, "the export holds no consumption values")
    period = float(native_period(household))
    grid = household.to_grid(period)
    train = [(h.to_grid(period), t) for h, t in training_population(out, seed=seed)]
    table, info = daily_table(household, grid, train=train, seed=seed)
    summary = _summary(table, info, period)
    repairs = household.report.summary() if household.report else []
    files = {}
    with atomic_open(out / "days.csv", "w", newline="") as f:
        table.to_csv(f, index=False, float_format="%.4g")
    files["days.csv"] = out / "days.csv"
    kind = "simulated" if household.meta.get("simulated") else "real (your Enedis export)"
    fig = plot.carpet(household, None, periods=(None,),
                      label=f"{kind}; estimates unvalidated")
    png = plot.png_bytes(fig)
    with atomic_open(out / "figures" / "carpet.png", "wb") as f:
        f.write(png)
    files["figures/carpet.png"] = out / "figures" / "carpet.png"
    doc = Document()
    doc.h(1, "What your Linky load curve reveals")
    doc.p(f"File: {Path(path).name}; {len(table)} local days at a step of "
          f"{plot.period_label(period)}; analysed by nilm {__version__} (seed {seed}).")
    doc.p(f"Caveat: {CAVEAT}")
    doc.h(2, "Findings")
    doc.ul(summary)
    if repairs:
        doc.h(2, "What the loader repaired")
        doc.ul(repairs)
    doc.h(2, "Day by day")
    doc.table(["date", "energy (kWh)", "wake-up", "bed", "absent (h)", "water heater (kWh)",
               "hot water (L)"],
              [[r.date, _f(r.energy_kwh), r.wake[-5:] or "–", r.bed[-5:] or "–",
                _f(r.absent_h), _f(r.water_heater_kwh), _f(r.hot_water_l, 0)]
               for r in table.itertuples(index=False)])
    doc.h(2, "Carpet plot")
    doc.fig("figures/carpet.png", "Your load curve, one row per day (colour = power); "
            "triangles: estimated wake-up and bed times; hatched: absence by the "
            "unsupervised threshold detector (the table uses the trained one).", png)
    doc.p("Methods: change point above the night base load (Kleiminger et al. 2015) for "
          "wake-up and bed; an absence detector trained on simulated households; off-peak "
          "step detection (Hart 1992) for the water heater. See the nilm leakage report for "
          "how accurate each is at this resolution on simulated and public data.")
    with atomic_open(out / "linky_report.md", "w", encoding="utf-8") as f:
        f.write(doc.markdown())
    with atomic_open(out / "linky_report.html", "w", encoding="utf-8") as f:
        f.write(doc.html("What your Linky load curve reveals"))
    files["linky_report.md"] = out / "linky_report.md"
    files["linky_report.html"] = out / "linky_report.html"
    return {"household": household.name, "period_s": period, "days": table,
            "summary": summary, "water_heater": info["water_heater"],
            "absences": info["absences"], "repairs": repairs, "files": files}


def _f(x, digits: int = 1) -> str:
    return "–" if x is None or not math.isfinite(float(x)) else f"{float(x):.{digits}f}"


def cli_main(argv: list[str] | None = None) -> int:
    """``nilm linky EXPORT.csv [--out DIR] [--seed S]``: prints the findings and the report's
    path."""
    import argparse

    from .errors import NilmDataError

    ap = argparse.ArgumentParser(prog="nilm linky", description="What your own Enedis load "
                                 "curve reveals, computed on this computer.")
    ap.add_argument("export", help="Enedis load-curve export (CSV)")
    ap.add_argument("--out", default=None, help="output folder (default: <export>_nilm/)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    out = Path(a.out) if a.out else Path(a.export).with_name(Path(a.export).stem + "_nilm")
    try:
        result = analyse_export(a.export, out, seed=a.seed)
    except NilmDataError as e:
        print(f"nilm linky: error: {e}")
        return 2
    print("\n".join(result["summary"]))
    print(CAVEAT)
    print(f"report: {result['files']['linky_report.html']}")
    return 0


__all__ = ["CAVEAT", "MIN_ABSENCE_S", "TRAIN_DAYS", "TRAIN_HOUSEHOLDS", "analyse_export",
           "cli_main", "daily_table", "training_population"]
