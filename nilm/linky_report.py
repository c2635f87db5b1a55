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

CAVEAT = ("These are estimates, not facts. Each accuracy quoted was measured on other "
          "households (simulated or public data), not on this one: for this household the "
          "estimates remain unvalidated. They show what anyone holding this load curve could "
          "guess. Everything was computed on this computer; nothing was sent anywhere.")


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


def _accuracy_text(acc, L, finding_name: str, period: float) -> str:
    """The accuracy sentence of one finding, in plain words, with its source."""
    step = L.period(period)
    if acc is None:
        return L._("Accuracy not measured yet at a step of {step}: the evaluation protocol's "
                   "results (docs/results/headline.csv) are not in this installation or hold "
                   "no score for this finding at this step.", step=step)
    kind = L._("real") if acc.real else L._("simulated")
    if not acc.revealed:
        return L._("Not revealed by the methods we tested at a step of {step}: on {n} {kind} "
                   "households the attack does not beat guessing from the population (source: "
                   "{source}).", step=step, n=acc.n_households, kind=kind, source=acc.source)
    digits = 1 if acc.metric == "within_30min" else 2
    ci = L._("95 % CI {lo} to {hi}", lo=L.number(_tenths(acc, acc.ci_low), digits),
             hi=L.number(_tenths(acc, acc.ci_high), digits))
    if acc.metric == "within_30min":
        return L._("Measured accuracy: on {n} {kind} households at a step of {step}, the "
                   "{what} is found within ± 30 min on {x} days out of 10 ({ci}); the "
                   "population's usual time alone gives {p} out of 10. Source: {source}.",
                   n=acc.n_households, kind=kind, step=step, what=finding_name,
                   x=L.number(10 * acc.value, 1), ci=ci, p=L.number(10 * acc.prior, 1),
                   source=acc.source)
    if acc.metric == "mcc":
        return L._("Measured accuracy: on {n} {kind} households at a step of {step}, "
                   "agreement with the true absences MCC {v} ({ci}; 0 = chance, 1 = perfect). "
                   "Source: {source}.", n=acc.n_households, kind=kind, step=step,
                   v=L.number(acc.value, 2), ci=ci, source=acc.source)
    return L._("Measured accuracy: on {n} {kind} households at a step of {step}, the water "
               "heater's daily energy is off by {v} per day on average ({ci}), against {p} "
               "when guessing the population's typical (median) value. Source: {source}.",
               n=acc.n_households, kind=kind, step=step, v=L.unit(acc.value, "kWh", 2),
               ci=ci, p=L.unit(acc.prior, "kWh", 2), source=acc.source)


def _tenths(acc, x: float) -> float:
    """A CI end on the scale the sentence uses (days out of 10 for a within-30-min share)."""
    return 10 * x if acc.metric == "within_30min" else x


def findings(table: pd.DataFrame, info: dict, period: float, L, results) -> list[dict]:
    """The report's findings at step ``period``: one dict per finding with ``key``, ``text``
    (the finding, or "not revealed" when its attack does not beat the population prior),
    ``accuracy`` (the sentence of :func:`_accuracy_text`), ``measured`` (the
    :class:`nilm.linky_accuracy.Accuracy` or None) and ``values`` (the finding's numbers,
    language-neutral)."""
    from .linky_accuracy import lookup

    out = []
    n = len(table)
    for key, evening, name in (("wake", False, L._("wake-up time")),
                               ("bed", True, L._("bed time"))):
        found = [v[-5:] for v in table[key] if v]
        acc = lookup(results, key, period)
        values = {"days": len(found), "of": n,
                  "median": _median_clock(found, evening) if found else ""}
        if acc is not None and not acc.revealed:
            text = L._("{name}: not revealed by the methods we tested.",
                       name=name.capitalize())
        elif found:
            text = L._("{name} found on {k} of {n} days; median {time} (local time).",
                       name=name.capitalize(), k=len(found), n=n,
                       time=L.clock(values["median"]))
        else:
            text = L._("No {name} could be read from this {step} curve.", name=name,
                       step=L.period(period))
        out.append({"key": key, "text": text, "measured": acc, "values": values,
                    "accuracy": _accuracy_text(acc, L, name, period)})
    ab = info["absences"]
    acc = lookup(results, "absence", period)
    hours = float(table["absent_h"].sum())
    if acc is not None and not acc.revealed:
        text = L._("Absences: not revealed by the methods we tested.")
    else:
        text = L._("{n} absences of at least {h} h detected; {total} h in total.", n=len(ab),
                   h=L.number(MIN_ABSENCE_S / 3600, 0), total=L.number(hours, 0))
    out.append({"key": "absence", "text": text, "measured": acc,
                "values": {"episodes": len(ab), "hours": round(hours)},
                "accuracy": _accuracy_text(acc, L, L._("absences"), period)})
    wh = info["water_heater"]
    acc = lookup(results, "water_heater", period)
    kwh = float(np.nanmean(table["water_heater_kwh"])) \
        if np.isfinite(table["water_heater_kwh"]).any() else math.nan
    values = {"detected": wh["detected"], "power_w": wh["power_w"], "kwh_day": kwh}
    if acc is not None and not acc.revealed:
        text = L._("Off-peak water heater: not revealed by the methods we tested.")
    elif wh["detected"]:
        months = wh.get("blocks") or [1, 1]
        text = L._("An off-peak electric water heater of about {power} was detected (in {k} "
                   "of {m} months analysed).", power=L.unit(wh["power_w"], "W", 0),
                   k=months[0], m=months[1])
        if math.isfinite(kwh):
            text += " " + L._("It heats {kwh} per day on average, about {litres} of hot water "
                              "per day (upper bound, 45 K rise).", kwh=L.unit(kwh, "kWh", 1),
                              litres=L.unit(float(np.nanmean(table["hot_water_l"])), "L", 0))
    else:
        text = L._("No off-peak electric water heater was detected.")
    out.append({"key": "water_heater", "text": text, "measured": acc, "values": values,
                "accuracy": _accuracy_text(acc, L, L._("water heater"), period)})
    full = int(np.isfinite(table["energy_kwh"]).sum())
    mean = float(np.nanmean(table["energy_kwh"])) if full else math.nan
    out.append({"key": "energy", "measured": None, "values": {"days": full, "kwh_day": mean},
                "text": L._("Mean daily energy {kwh} over {n} days with data.",
                            kwh=L.unit(mean, "kWh", 1), n=full) if full else
                L._("No day is covered by more than half: no daily energy."),
                "accuracy": L._("Measured by the meter itself (not an inference).")})
    return out


def daily_findings(table: pd.DataFrame, L, results) -> list[dict]:
    """The findings of daily energies alone (see :func:`findings`)."""
    median = float(np.median(table["energy_kwh"])) if len(table) else math.nan
    low = table[table["energy_kwh"] < 0.5 * median]
    shown = ", ".join(L.date(d) for d in low["date"][:10]) + ("…" if len(low) > 10 else "")
    dates = ((" : " if L.lang == "fr" else ": ") + shown) if len(low) else ""
    text = L._("{k} days below half the median (possibly away from home){dates}.", k=len(low),
               dates=dates)
    from .linky_accuracy import lookup

    acc = lookup(results, "absence", 86400.0)
    if acc is not None and not acc.revealed:
        text = L._("Days away: not revealed by the methods we tested.")
    return [{"key": "daily_only", "text": L._(DAILY_ONLY), "measured": None, "values": {},
             "accuracy": ""},
            {"key": "energy", "text": L._("{n} days with data; median {kwh} per day.",
                                          n=len(table), kwh=L.unit(median, "kWh", 1)),
             "measured": None, "values": {"days": len(table), "median_kwh": median},
             "accuracy": L._("Measured by the meter itself (not an inference).")},
            {"key": "low_days", "text": text, "measured": acc,
             "values": {"days": len(low)},
             "accuracy": _accuracy_text(acc, L, L._("absences"), 86400.0)}]


#: what Enedis receives, what the meter stores and what needs consent, with sources.
#: Checked with the project's search tool (December 2026):
#:
#: * CNIL, "EDF et ENGIE mises en demeure pour non-respect de certaines conditions de recueil
#:   du consentement" (cnil.fr, 11 February 2020): the code de l'énergie lets the network
#:   operator collect daily consumption by default; hourly / half-hourly data only with the
#:   user's prior agreement or, occasionally, for its public-service missions;
#: * CNIL communication of 30 November 2015, as quoted by feral.law and seenthis.net: local
#:   recording of the load curve at an hourly step for at most one year; objection by a tick
#:   box without giving a reason; consent for the upload to the operator's information
#:   system and for transmission to third parties; switch-off and purge at any time; it
#:   applies the recommendation of deliberation 2012-404 of 15 November 2012 (JORF 18 January
#:   2013);
#: * art. D341-21 of the code de l'énergie could not be read through the search tool: the
#:   report attributes the hourly local storage to the Institut national de la consommation's
#:   2018 summary of the decrees of 10 May 2017 (see docs/threat_models.md) and asks the
#:   reader to check the article on Légifrance;
#: * the Enedis customer space's menu names were not found; 60 Millions de consommateurs
#:   (no. 562, October 2020, quoted by afc-france.org) says that space lists the
#:   authorisations given and is where collection or recording is refused, the history
#:   erased and an authorisation withdrawn; the report says "according to" and names no menu.
RIGHTS = (
    "By default Enedis collects only your daily consumption: the code de l'énergie allows it "
    "so that you can see your history for free. Hourly or half-hourly data are collected only "
    "with your prior agreement, or occasionally when Enedis's public-service missions need "
    "them (CNIL, 'EDF et ENGIE mises en demeure…', 11 February 2020, cnil.fr).",
    "The meter can record your load curve locally, at an hourly step, for at most one year; "
    "you can object to this local recording without giving a reason, and switch it off and "
    "purge the data at any time, e.g. when you move (CNIL communication of 30 November 2015, "
    "applying its deliberation 2012-404 of 15 November 2012). According to the Institut "
    "national de la consommation (2018), the decrees of 10 May 2017 (code de l'énergie, art. "
    "D341-21) made this hourly local recording the default for meters installed since "
    "1 July 2018: check the article's current text on legifrance.gouv.fr.",
    "Your consent is needed for the load curve to be sent up to Enedis's information system, "
    "and again for it to be passed to third parties such as your supplier or an app (CNIL, "
    "communication of 30 November 2015; deliberation 2012-404 of 15 November 2012).",
    "According to 60 Millions de consommateurs (no. 562, October 2020), your free Enedis "
    "customer space (espace client particuliers, enedis.fr) lists every authorisation given "
    "and is where you can refuse the collection or recording of your data, erase your "
    "consumption history and withdraw an authorisation; the menus' names may change.",
)

RESPONSIBLE_USE = ("Analyse only a load curve that is yours or that its household has allowed "
                   "you to analyse: these guesses are about people's private lives. nilm ran "
                   "on this computer only; the report stays where you save it.")


def _coarsened(household, step: int):
    """The household's mains as a load curve at ``step`` s (exact means, no rounding)."""
    from .linky import linky
    from .series import Household

    curve = linky(household.mains, step, quantize=None, tz=household.timezone)
    return Household(curve, {}, dict(household.meta), {}, household.report)


def _analyse_curve(household, population, seed: int):
    """Per-day table and merged findings of a curve, block by block (:data:`BLOCKS`)."""
    trains: dict[int, list] = {}
    tables, infos, periods = [], [], []
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
        periods.append(period)
    if not tables:
        return None
    table = pd.concat(tables, ignore_index=True)
    period = float(max(set(periods), key=periods.count))
    return table, _merge_info(infos), period, sorted(set(periods))


def _with_print_css(html: str, lang: str, boxed: str) -> str:
    """The report's HTML in its language, printable from a browser (A4, figures kept whole),
    the section headed ``boxed`` (the rights) framed as a box."""
    import html as html_lib

    head = f"<h2>{html_lib.escape(boxed)}</h2>\n<ul>"
    if head in html:
        start = html.index(head)
        end = html.index("</ul>", start) + len("</ul>")
        html = html[:start] + '<div class="box">' + html[start:end] + "</div>" + html[end:]
    css = ("<style>.box{border:2px solid #446;padding:.5em 1em;background:#f4f6fb}"
           "@media print{@page{size:A4;margin:15mm}body{max-width:none;margin:0;"
           "font-size:10pt}figure,table,li{break-inside:avoid}h2{break-after:avoid}"
           "img{max-width:100%;page-break-inside:avoid}}</style></head>")
    return html.replace('<html lang="en">', f'<html lang="{lang}">', 1).replace(
        "</head>", css, 1)


def analyse_export(path, out_dir, *, seed: int = 0, start=None, lang: str = "fr",
                   results=None, compare: bool = True, simulated: bool = False) -> dict:
    """Analyse one meter's Linky data locally and write a report in ``lang``.

    Parameters
    ----------
    path : a Linky file (Enedis CSV or XLSX export, Data Connect / MyElectricalData JSON,
        supplier export, TIC log) or a folder of one meter's downloads (merged by PRM).
    out_dir : output folder: ``linky_report.md``, ``linky_report.html`` (self-contained,
        printable), ``days.csv`` (one row per local day, language-neutral: ISO dates, ``.``
        decimals), ``figures/*.png`` (not for daily data) and the cached simulated training
        population ``training_seed<seed>/``.
    seed : seeds the simulated training population and the detector (same seed, same output).
    start : start of a TIC capture without clock (:func:`nilm.io.tic.read`).
    lang : ``"fr"`` (default) or ``"en"``: the report's and the findings' language
        (:mod:`nilm.locale`); the numbers do not depend on it.
    results : the protocol's headline results file (default:
        :func:`nilm.linky_accuracy.results_path`); each finding quotes its measured
        accuracy from it, or says it is not measured yet.
    compare : also analyse the curve coarsened to 30 min, 60 min and a day (what each
        resolution gives away).
    simulated : the file holds simulated data in a Linky format (a fixture): the report and
        figures say so (nilm cannot tell it from a real download).

    Returns
    -------
    dict with ``household`` (name, meter id masked), ``period_s`` (the main step, s), ``days``
    (the DataFrame of :func:`daily_table`, or of daily energies), ``findings`` (the dicts of
    :func:`findings`), ``summary`` (their sentences), ``by_resolution`` ({step s: findings}),
    ``water_heater``, ``absences``, ``repairs`` (what the lenient loader repaired), ``notes``
    (facts about the data, e.g. apparent power) and ``files`` ({name: Path}).

    Raises
    ------
    NilmDataError : the file is not readable Linky data (file and line named).
    UsageError : a folder holding several meters.
    """
    from . import linky_figures, plot
    from .errors import NilmDataError
    from .linky_accuracy import read_results
    from .locale import Locale
    from .report import Document
    from .version import __version__

    L = Locale(lang)
    out = Path(out_dir)
    table_results = read_results(results)
    household = load_meter(path, start=start)
    notes = list(household.meta.get("notes", []))
    repairs = household.report.summary() if household.report else []
    shown = mask_text(Path(path).name)
    has_curve = household.mains is not None and np.isfinite(household.mains.p).any()
    daily = household.extra.get("daily")
    if not has_curve and (daily is None or not np.isfinite(daily.p).any()):
        raise NilmDataError(path, None, "the data holds no consumption values")
    files = {}
    title = L._("What your Linky data reveals")
    doc = Document()
    doc.h(1, title)
    by_resolution: dict[float, list[dict]] = {}
    if not has_curve:
        table = _daily_days(household)
        found = daily_findings(table, L, table_results)
        with atomic_open(out / "days.csv", "w", newline="") as f:
            table.to_csv(f, index=False, float_format="%.4g")
        files["days.csv"] = out / "days.csv"
        doc.p(L._("Data: {name}; {n} days of daily energy; analysed by nilm {version}.",
                  name=shown, n=len(table), version=__version__))
        period = 86400.0
        by_resolution[period] = found
        info = {"water_heater": {"detected": False, "power_w": None}, "absences": []}
        figures = []
    else:
        population = training_population(out, seed=seed)
        analysed = _analyse_curve(household, population, seed)
        if analysed is None:
            raise NilmDataError(path, None, "the data holds no consumption values")
        table, info, period, steps = analysed
        found = findings(table, info, period, L, table_results)
        by_resolution[period] = found
        with atomic_open(out / "days.csv", "w", newline="") as f:
            table.to_csv(f, index=False, float_format="%.4g")
        files["days.csv"] = out / "days.csv"
        if compare:
            for step in (1800, 3600):
                if step > period:
                    coarse = _analyse_curve(_coarsened(household, step), population, seed)
                    if coarse is not None:
                        by_resolution[float(step)] = findings(coarse[0], coarse[1],
                                                              float(step), L, table_results)
            daily_table_ = table[["date", "energy_kwh"]].dropna().reset_index(drop=True)
            by_resolution[86400.0] = daily_findings(daily_table_, L, table_results)
        doc.p(L._("Data: {name}; {n} local days at a step of {steps}; analysed by nilm "
                  "{version} (seed {seed}).", name=shown, n=len(table),
                  steps=", ".join(L.period(p) for p in steps), version=__version__,
                  seed=seed))
        # nilm cannot tell a real download from a fixture in the same format: it says real
        # only of what it cannot know otherwise, and simulated when told so
        kind = (L._("simulated data") if household.meta.get("simulated") or simulated
                else L._("imported Linky file (real if it is your download)"))
        grid = household.to_grid(period)
        figures = [
            ("carpet", linky_figures.year_carpet(grid, household.timezone, table,
                                                 info["absences"], L, kind),
             L._("Your load curve, one row per day (colour = power); ▲ inferred wake-up, "
                 "▼ inferred bed time, hatched: inferred absences.")),
            ("week", linky_figures.week_detail(grid, household.timezone, table, L, kind),
             L._("The week with the most data, in detail.")),
            ("daily_energy", linky_figures.daily_energy(table, L, kind),
             L._("The energy of each day; orange: below half the median."))]
    if simulated or household.meta.get("simulated"):
        doc.p(L._("These data are simulated (a fixture in a Linky format), not the "
                  "measurements of a real household."))
    doc.p(L._(CAVEAT))
    doc.h(2, L._("Findings"))
    doc.ul([f"{x['text']} — {x['accuracy']}" if x["accuracy"] else x["text"] for x in found]
           + notes)
    for sentence in _population_sentences(found, table, L, results):
        doc.p(sentence)
    if table_results is None:
        doc.p(L._("The accuracy of these methods is not yet measured: no evaluation results "
                  "are available to this installation, so no number is given."))
    if len(by_resolution) > 1:
        doc.h(2, L._("What each resolution gives away"))
        doc.p(L._("The same analysis on your curve coarsened to each step: what choosing a "
                  "coarser collection changes."))
        steps_ = sorted(by_resolution)
        keys = [x["key"] for x in by_resolution[steps_[0]]]
        rows = []
        for key in keys:
            row = [_finding_name(key, L)]
            for s_ in steps_:
                cell = next((x for x in by_resolution[s_] if x["key"] == key
                             or (key == "absence" and x["key"] == "low_days")), None)
                if cell is None:
                    row.append(L._("not visible in daily data") if s_ >= 86400 else "–")
                elif cell["key"] == "energy" or (cell["measured"] is not None
                                                 and not cell["measured"].revealed):
                    row.append(cell["text"])   # measured, or "not revealed" said already
                else:
                    row.append(cell["text"] + " " + _short_accuracy(cell["measured"], L))
            rows.append(row)
        doc.table([L._("finding")] + [L.period(s_) for s_ in steps_], rows)
    doc.h(2, L._("What Enedis receives, and what you can choose"))
    doc.ul([L._(x) for x in RIGHTS])
    doc.p(L._(BLOCKS) if has_curve else L._(DAILY_ONLY))
    if repairs:
        doc.h(2, L._("What the loader repaired"))
        doc.ul(repairs)
    for name, fig, caption in figures:
        png = plot.png_bytes(fig)
        rel = f"figures/{name}.png"
        with atomic_open(out / rel, "wb") as f:
            f.write(png)
        files[rel] = out / rel
        doc.fig(rel, caption, png)
    doc.h(2, L._("Day by day"))
    if has_curve:
        doc.table([L._("date"), L._("energy (kWh)"), L._("wake-up"), L._("bed"),
                   L._("absent (h)"), L._("water heater (kWh)"), L._("hot water (L)")],
                  [[L.date(r.date), L.number(r.energy_kwh), L.clock(r.wake[-5:]),
                    L.clock(r.bed[-5:]), L.number(r.absent_h), L.number(r.water_heater_kwh),
                    L.number(r.hot_water_l, 0)] for r in table.itertuples(index=False)])
        doc.p(L._("Methods: change point above the night base load (Kleiminger et al. 2015) "
                  "for wake-up and bed; an absence detector trained on simulated households; "
                  "off-peak step detection (Hart 1992) for the water heater."))
    else:
        doc.table([L._("date"), L._("energy (kWh)")],
                  [[L.date(r.date), L.number(r.energy_kwh)]
                   for r in table.itertuples(index=False)])
    doc.h(2, L._("Responsible use"))
    doc.p(L._(RESPONSIBLE_USE))
    with atomic_open(out / "linky_report.md", "w", encoding="utf-8") as f:
        f.write(doc.markdown())
    with atomic_open(out / "linky_report.html", "w", encoding="utf-8") as f:
        f.write(_with_print_css(doc.html(title), lang,
                                L._("What Enedis receives, and what you can choose")))
    files["linky_report.md"] = out / "linky_report.md"
    files["linky_report.html"] = out / "linky_report.html"
    return {"household": household.name, "period_s": period, "days": table,
            "findings": found, "summary": [x["text"] for x in found],
            "by_resolution": by_resolution, "water_heater": info["water_heater"],
            "absences": info["absences"], "repairs": repairs, "notes": notes, "files": files,
            "lang": lang}


def _population_sentences(found: list[dict], table: pd.DataFrame, L, results) -> list[str]:
    """How each population an accuracy was measured on differs from this household: country,
    months and electric heating, from the results' provenance (:mod:`nilm.linky_population`);
    one sentence per population quoted, then this household's."""
    from .linky_accuracy import real_path, results_path
    from .linky_population import population

    months = sorted({int(d[5:7]) for d in table["date"]}) if len(table) else []
    mine = L._("This household: France (a Linky meter), {months}; its heating is not inferred "
               "by this report.", months=L.months(months))
    out, seen = [], set()
    for x in found:
        acc = x["measured"]
        if acc is None or (acc.real, acc.dataset, acc.period_s) in seen:
            continue
        seen.add((acc.real, acc.dataset, acc.period_s))
        where = real_path(None) if acc.real else results_path(results)
        pop = population(acc, where.parent) if where is not None else None
        step = L.period(acc.period_s)
        if pop is None:
            out.append(L._("The provenance of the population measured at a step of {step} is "
                           "not in this installation: its country, season and heating can "
                           "differ from this household's.", step=step))
            continue
        heating = L.number(100 * pop.electric_heating, 0)
        if acc.real:
            out.append(L._("How the {dataset} households measured at a step of {step} differ "
                           "from this one: real data ({data}); the attack was trained on "
                           "{n} simulated households of {countries} in {months}, {heating} % "
                           "of them with electric heating.", dataset=acc.dataset, step=step,
                           data=pop.real_data, n=pop.households,
                           countries=", ".join(L._(c) for c in pop.countries),
                           months=L.months(pop.months), heating=heating))
        else:
            out.append(L._("How the simulated households measured at a step of {step} differ "
                           "from this one: {n} nilm.simulate households of {countries}, "
                           "simulated in {months}, {heating} % of them with electric heating."
                           , step=step, n=pop.households,
                           countries=", ".join(L._(c) for c in pop.countries),
                           months=L.months(pop.months), heating=heating))
    return out + [mine] if out else out


def _finding_name(key: str, L) -> str:
    return {"wake": L._("wake-up time"), "bed": L._("bed time"), "absence": L._("absences"),
            "water_heater": L._("water heater"), "energy": L._("daily energy"),
            "daily_only": L._("daily data")}.get(key, key)


def _short_accuracy(acc, L) -> str:
    if acc is None:
        return L._("[accuracy not measured yet]")
    if not acc.revealed:
        return L._("[not revealed by the methods tested]")
    return L._("[measured on {n} {kind} households]", n=acc.n_households,
               kind=L._("real") if acc.real else L._("simulated"))


def _part(household, t0: int, t1: int):
    """The household's mains over ``[t0, t1)`` alone (None when it holds no value there)."""
    from .series import Household

    mains = household.mains.slice(t0, t1)
    if not np.isfinite(mains.p).any():
        return None
    return Household(mains, {}, dict(household.meta), {}, household.report)


def default_out(src) -> Path:
    """``nilm linky``'s output folder when none is given: ``<export>_nilm`` beside the export
    (its digit runs masked, :func:`nilm.io.prm.mask_text`); for ``.`` or ``..`` the folder's
    own name, not an empty one."""
    src = Path(src)
    named = src if src.name not in ("", ".", "..") else src.resolve()
    return named.with_name(mask_text(named.stem) + "_nilm")


__all__ = ["BLOCKS", "CAVEAT", "DAILY_ONLY", "MIN_ABSENCE_S", "RESPONSIBLE_USE", "RIGHTS",
           "TRAIN_DAYS", "TRAIN_HOUSEHOLDS", "analyse_export", "analysis_blocks", "daily_findings",
           "daily_table", "default_out", "findings", "load_meter", "training_population"]
