"""What a French Linky meter publishes, emulated from a measured or simulated power series.

* :func:`linky` — the Enedis load curve ("courbe de charge"): mean active power per 10, 15,
  30 or 60-min step, integer W. Inside nilm it is start-labelled UTC like every series.
* :func:`export_enedis` — the curve written as the CSV a customer downloads from the Enedis
  customer space (end-labelled, local ISO time with UTC offset); read back with
  :mod:`nilm.io.enedis`.
* :func:`daily_index` — the daily meter index ("index journalier"): cumulative Wh at each local
  midnight.
* :func:`tic` — the customer tele-information port (TIC) a dongle reads: apparent power in VA
  every ~2 s.

**Rounding of the load curve.** The meter derives each point from its integer energy register
(Wh): value = (index at end − index at start) × 3600 / step. Published Enedis curves show this
quantisation: 30-min values are always even (e.g. the Data Connect sample in
guillaumezin/DomoticzLinky issue #74: 66, 76, 140, 58, … W) and 10-min values multiples of 6
(270, 264 W in the export quoted by l-etabli/quoalise ``formalisme/enedis.md``). The default
``quantize="register"`` reproduces it: a floor'd cumulative Wh register, so rounding errors never
accumulate (the sum of the curve's energy is the register difference, within 1 Wh of the true
total). ``quantize="round"`` rounds each mean to the nearest W; ``None`` keeps the exact mean.

**TIC.** Enedis-NOI-CPT_54E defines two modes. *Historique* (1200 baud, the default of Linky and
of the older electronic meters) sends ``PAPP``, the apparent power in VA rounded to the nearest
10 VA; a frame takes about 1.5–2 s, so the default step is 2 s. *Standard* (9600 baud, Linky only)
sends ``SINSTS``, apparent power drawn in whole VA, refreshed faster (default step 1 s). Both
carry apparent power (VA), not active power: from active power alone the emulation divides by an
assumed ``power_factor`` (default 1, apparent ≈ active), which **underestimates** the VA of
motor and electronic loads (fridge compressors, pumps, switch-mode supplies: PF 0.5–0.9). Only
drawn power is reported (injection reads 0, as ``PAPP``/``SINSTS`` do). Each TIC value is the
time-weighted mean over its step, a close stand-in for the meter's 1-s instantaneous value.
"""

from __future__ import annotations

import numpy as np

from .atomic import atomic_open
from .clock import iso_offset, local_grid_start, local_midnights
from .resample import hold_end, integrate, parse_period, resample
from .series import Household, PowerSeries

#: the load-curve steps a Linky meter can be programmed with, seconds
ENEDIS_STEPS = (600, 900, 1800, 3600)

_HORODATE_META = ("Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
                  "Grandeur metier;Etape metier;Unite;Pas en minutes")
_FLAT_HEADER = ("Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;"
                "Etape métier;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;"
                "Etat complémentaire")


def _series(source) -> PowerSeries:
    if isinstance(source, Household):
        if source.mains is None:
            raise ValueError(f"{source.name} has no mains channel to emulate a meter from")
        return source.mains
    if isinstance(source, PowerSeries):
        return source
    raise TypeError(f"expected a Household or PowerSeries, got {type(source).__name__}")


def linky(source, step=1800, *, start=None, end=None, max_gap=None, min_coverage: float = 0.5,
          quantize: str | None = "register", index0: int = 0,
          tz: str = "Europe/Paris") -> PowerSeries:
    """The Enedis load curve ("courbe de charge") of a household's active power.

    Parameters
    ----------
    source : Household (its mains is used) or PowerSeries, active power in W.
    step : curve step, seconds or a string (``"30min"``, ``"PT10M"``); Linky uses 10, 15, 30 or
        60 min (other steps are allowed for what-if studies).
    start, end : curve span, epoch s (default: the data span, ``start`` aligned on the local
        clock of ``tz``).
    max_gap : longest hold of a sample, seconds (default :meth:`nilm.series.PowerSeries.max_hold`).
    min_coverage : fraction (0–1) of a step that must be covered by data; otherwise NaN (the
        export then leaves the value empty, as Enedis does for missing points).
    quantize : ``"register"`` (default, integer-Wh energy register, see the module notes),
        ``"round"`` (nearest W) or ``None`` (exact mean, float).
    index0 : register value at ``start``, Wh (only its effect on rounding matters).
    tz : zone whose clock the steps are aligned on.

    Returns
    -------
    PowerSeries ``"mains"``, start-labelled UTC, one sample per step (NaN = missing), W,
    ``period = step``.
    """
    s = _series(source)
    step = parse_period(step)
    if start is None and len(s):
        stop = int(s.t[-1]) + step if end is None else int(end)
        start = local_grid_start(int(s.t[0]), stop, step, tz)
    t0, mean, _ = resample(s, step, start=start, end=end, max_gap=max_gap,
                           min_coverage=min_coverage)
    if quantize == "register":
        if 3600 % step:
            raise ValueError(f"register quantisation needs a step dividing 1 h, not {step} s")
        ok = np.isfinite(mean)
        wh = np.where(ok, mean, 0.0) * step / 3600.0
        # rounding the cumulative sum to 1e-6 Wh first keeps exact integers (e.g. 50 Wh from
        # 100 W × 30 min computed as 49.9999999) from flooring one Wh low
        reg = np.floor(np.round(index0 + np.cumsum(wh), 6))
        delta = np.diff(np.concatenate([[float(index0)], reg]))
        values = np.where(ok, delta * (3600 // step), np.nan)
    elif quantize == "round":
        values = np.rint(mean)
    elif quantize is None:
        values = mean
    else:
        raise ValueError(f"quantize must be 'register', 'round' or None, not {quantize!r}")
    t = t0 + step * np.arange(len(values), dtype=np.int64)
    return PowerSeries(t, values, "mains", label=f"Enedis load curve {step // 60} min",
                       quantity="active", period=float(step), interval=True)


def daily_index(source, tz: str = "Europe/Paris", *, index0: int = 0,
                max_gap=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The daily meter index ("index journalier"): the integer Wh register at each local midnight.

    Parameters
    ----------
    source : Household (mains) or PowerSeries, active power in W.
    tz : IANA zone of the meter.
    index0 : register value at the first midnight, Wh.
    max_gap : longest hold of a sample, seconds.

    Returns
    -------
    t : int64 (n + 1,), epoch s UTC of each local midnight (days of 23 h and 25 h included).
    index_wh : int64 (n + 1,), register at each midnight, Wh (floor of the cumulative energy).
    coverage : float64 (n,), covered fraction of each day. The register only counts measured
        energy: where coverage < 1 the index under-counts what a real meter would show.
    """
    s = _series(source)
    if len(s) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    _, edges = local_midnights(int(s.t[0]), hold_end(s, max_gap), tz)
    energy, covered = integrate(s, edges, max_gap=max_gap)
    cum = np.concatenate([[0.0], np.cumsum(energy / 3600.0)])
    index = index0 + np.floor(np.round(cum, 6)).astype(np.int64)
    return edges, index, covered / np.diff(edges)


def tic(source, *, mode: str = "historique", step=None, power_factor: float = 1.0,
        start=None, end=None, max_gap=None, min_coverage: float = 0.5) -> PowerSeries:
    """The apparent power a TIC dongle reads from a Linky meter (Enedis-NOI-CPT_54E).

    Parameters
    ----------
    source : Household (mains) or PowerSeries, active power in W.
    mode : ``"historique"`` (``PAPP``, 10 VA steps, default step 2 s) or ``"standard"``
        (``SINSTS``, 1 VA steps, default step 1 s).
    step : frame period, seconds or a string; default by mode.
    power_factor : assumed PF (0 < PF <= 1) turning W into VA; 1 underestimates the VA of
        inductive and electronic loads (see the module notes).
    start, end, max_gap, min_coverage : as in :func:`nilm.resample.resample`.

    Returns
    -------
    PowerSeries ``"mains"``, quantity ``"apparent"``, VA, one sample per frame (start-labelled),
    NaN where the source has no data.
    """
    if mode not in ("historique", "standard"):
        raise ValueError(f"mode must be 'historique' or 'standard', not {mode!r}")
    if not 0 < power_factor <= 1:
        raise ValueError(f"power_factor must be in (0, 1], got {power_factor}")
    s = _series(source)
    step = parse_period(step if step is not None else (2 if mode == "historique" else 1))
    t0, mean, _ = resample(s, step, start=start, end=end, max_gap=max_gap,
                           min_coverage=min_coverage)
    va = np.maximum(mean / power_factor, 0.0)
    va = np.round(va / 10.0) * 10.0 if mode == "historique" else np.round(va)
    t = t0 + step * np.arange(len(va), dtype=np.int64)
    label = "TIC historique PAPP" if mode == "historique" else "TIC standard SINSTS"
    return PowerSeries(t, va, "mains", label=label, quantity="apparent", period=float(step))


def _steps(curve: PowerSeries) -> np.ndarray:
    """Length of each row of a curve: up to the next sample, at most the curve's period."""
    period = int(curve.period)
    steps = np.full(len(curve), period, dtype=np.int64)
    if len(curve) > 1:
        steps[:-1] = np.minimum(np.diff(curve.t), period)
    return steps


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return ""
    if float(v).is_integer():
        return str(int(v))
    return np.format_float_positional(np.float32(v), trim="-")


def _iso_step(seconds) -> str:
    seconds = int(seconds)
    return f"PT{seconds // 60}M" if seconds % 60 == 0 else f"PT{seconds}S"


def export_enedis(curve: PowerSeries, path, tz: str = "Europe/Paris", layout: str = "horodate",
                  *, prm: str = "00000000000000") -> None:
    """Write a load curve as an Enedis customer CSV export, atomically.

    Parameters
    ----------
    curve : start-labelled power in W, e.g. from :func:`linky`; each sample's step is the time
        to the next sample, at most ``curve.period`` (a NaN sample is written as an empty value).
    path : output file.
    tz : zone of the written local times (Enedis: Europe/Paris).
    layout : ``"horodate"`` — the "Mes données de consommation" download: a metadata header line
        (``Identifiant PRM;Type de donnees;…;Unite;Pas en minutes``), its value line, a blank
        line, then ``Horodate;Valeur`` rows; needs a single step. ``"flat"`` — the detailed
        measures layout (``…;Horodate;Valeur;Nature;Pas;…``, one PRM per row, ``Pas`` as an ISO
        8601 duration such as ``PT30M``), which allows mixed steps.
    prm : the 14-digit delivery point id (PRM) written in the file.

    Notes
    -----
    Timestamps are the **end** of each step in local time with its UTC offset
    (``2023-03-26T03:00:00+02:00``), as Enedis writes them; values are W.
    """
    if layout not in ("horodate", "flat"):
        raise ValueError(f"layout must be 'horodate' or 'flat', not {layout!r}")
    if len(curve) == 0:
        raise ValueError("empty curve: nothing to export")
    steps = _steps(curve)
    ends = curve.t + steps
    iso_end = iso_offset(ends, tz)
    values = [_fmt(v) for v in curve.p.astype(np.float64)]
    lines = []
    if layout == "horodate":
        if len(np.unique(steps)) != 1:
            raise ValueError("the horodate layout has one step per file; use layout='flat'")
        first, last = iso_offset(curve.t[:1], tz)[0], iso_end[-1]
        day = [f"{x[8:10]}/{x[5:7]}/{x[:4]}" for x in (first, last)]
        lines += [_HORODATE_META,
                  f"{prm};Courbe de charge;{day[0]};{day[1]};Energie active;Consommation;"
                  f"Comptage Brut;W;{int(steps[0]) // 60}", "", "Horodate;Valeur"]
        lines += [f"{e};{v}" for e, v in zip(iso_end, values, strict=True)]
    else:
        first = iso_offset(curve.t[:1], tz)[0]
        lines.append(_FLAT_HEADER)
        lines += [f"{prm};{first};{iso_end[-1]};PA;CONS;BRUT;W;{e};{v};B;{_iso_step(st)};0;0"
                  for e, v, st in zip(iso_end, values, steps, strict=True)]
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
