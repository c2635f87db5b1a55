"""Write a simulated population to disk: one ``<house>.nilm.h5`` per household (streamed day by
day through :class:`nilm.io.nilmh5.Writer`, so a year at 1 s never sits in memory), its ground
truth beside it as ``<house>.truth.npz`` (:meth:`nilm.truth.GroundTruth.save`), its appliance
event log as ``<house>.events.csv``, and a ``population.json`` manifest."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import numpy as np

from ..atomic import write_text
from ..io import nilmh5
from ..version import __version__
from .clock import local_days
from .household import (
    HouseholdSimulator,
    TruthBuilder,
    block_mean,
    check_period,
    clip_events,
    household_meta,
)
from .population import population
from .presets import get_preset

MANIFEST = "population.json"


def simulate_to_dir(out_dir, households: int, days: int, seed: int, period: int = 1, *,
                    start: str = "2024-01-08", preset: str | None = None,
                    latitude: float | None = None, longitude: float | None = None,
                    timezone: str | None = None, signatures: dict | None = None,
                    signatures_source: str | None = None,
                    ownership: dict[str, bool] | None = None, smart_share: float | None = None,
                    progress: bool = False) -> Path:
    """Simulate ``households`` households for ``days`` local days and write them to ``out_dir``.

    Parameters
    ----------
    out_dir : folder (created). Files: ``<house>.nilm.h5`` (mains, one channel per owned
        appliance and ``other``; loads with :func:`nilm.load`), ``<house>.truth.npz``,
        ``<house>.events.csv`` (appliance, start, end epoch s UTC, timer flag) and
        ``population.json``.
    households : number of households. days : local days each, from ``start`` (ISO date).
    seed : population seed; household k uses ``SeedSequence(seed).spawn(households)[k]``.
    period : output sampling period, s, dividing 3600 (block means of the 1-s simulation).
    preset : country preset ("FR", "GB", "CH"; :mod:`nilm.simulate.presets`; default FR):
        climate, heating and hot-water mix, tariff clock, ownership, holidays.
    latitude, longitude : degrees (sunrise and sunset for lighting). timezone : IANA name.
        Default: the preset's.
    smart_share : share of presence-following thermostats (default: the preset's).
    signatures : optional real activations (see :class:`HouseholdSimulator`);
        ``signatures_source`` names where they came from, for the manifest.
    ownership : force ownership of the named appliances in every household.
    progress : print one line per household.

    Returns
    -------
    Path of ``population.json``.
    """
    period = check_period(period)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # the manifest is written last: until then the folder reads as an interrupted run
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out / MANIFEST)
    pre = get_preset(preset)
    pop = population(seed, households, preset=pre, latitude=latitude, longitude=longitude,
                     timezone=timezone, ownership=ownership, smart_share=smart_share)
    entries = []
    for cfg, sim_ss in pop:
        t_start = time.perf_counter()
        dlist = local_days(start, days, cfg.timezone)
        sim = HouseholdSimulator(cfg, sim_ss, signatures)
        truth = TruthBuilder(cfg)
        seed_info = {"population_seed": seed, "spawn_key": list(sim_ss.spawn_key)}
        meta = {**household_meta(cfg, seed_info, period), "manifest": MANIFEST}
        h5 = out / f"{cfg.house}.nilm.h5"
        events = ["appliance,start,end,timer"]
        energy = {}
        # Blosc-LZ4: gzip's compression was half the CPU of a household-year at 1 s
        with nilmh5.Writer(h5, compression="blosc-lz4") as w:
            w.add_household(cfg.house, meta)
            t0 = dlist[0].t0
            buf: dict[str, list[np.ndarray]] = {}
            chunk_t0 = t0
            for res in sim.run(dlist):
                if not buf:
                    chunk_t0 = res.day.t0
                truth.add(res)
                t_end = dlist[-1].t0 + dlist[-1].n_s
                events += [f"{e.appliance},{e.start},{e.end},{int(e.timer)}"
                           for e in clip_events(res.events, t_end)]
                chans = {"mains": res.mains, **res.channels}
                for name, p in chans.items():
                    energy[name] = energy.get(name, 0.0) + float(p.sum(dtype=np.float64)) / 3.6e6
                    buf.setdefault(name, []).append(block_mean(p, period))
                # a week per append: HDF5 appends cost far more per call than per byte
                if len(buf["mains"]) == 7:
                    _flush(w, cfg.house, buf, chunk_t0, period)
            _flush(w, cfg.house, buf, chunk_t0, period)
        gt = truth.build()
        gt.save(out / f"{cfg.house}.truth.npz")
        write_text(out / f"{cfg.house}.events.csv", "\n".join(events) + "\n")
        entries.append({
            "house": cfg.house, "file": h5.name, "truth": f"{cfg.house}.truth.npz",
            "events": f"{cfg.house}.events.csv", "seed_spawn_key": list(sim_ss.spawn_key),
            "occupants": cfg.occupants, "household_type": cfg.household_type,
            "heating": meta["heating"], "heating_stratum": meta["heating_stratum"],
            "mean_kwh_per_day": {k: round(v / days, 4) for k, v in energy.items()},
            "hot_water_l_per_day": round(float(np.mean(gt.hot_water_l)), 2),
            "config": _config_json(cfg, meta["heating_stratum"])})
        if progress:
            print(f"{cfg.house}: {days} days in {time.perf_counter() - t_start:.1f} s, "
                  f"{energy['mains'] / days:.2f} kWh/day")
    manifest = {
        "format": "nilm-simulated-population", "version": 1, "nilm_version": __version__,
        "simulated": True, "seed": seed, "households": households, "days": days,
        "start": start, "period_s": period, "preset": pre.code, "smart_share": smart_share,
        "timezone": pop[0][0].timezone, "latitude": pop[0][0].latitude,
        "longitude": pop[0][0].longitude, "signatures": signatures_source,
        "ownership": ownership,
        "notes": ("Simulated data (nilm.simulate), not measurements. Power in W, start-labelled "
                  "block means of a 1-s simulation; mains = float64 sum of every channel "
                  "including 'other' (unmetered loads and noise), rounded to float32. Ground "
                  "truth timelines at 60 s; see docs/simulator.md."),
        "houses": entries}
    path = out / MANIFEST
    write_text(path, json.dumps(manifest, indent=1, default=_json_default))
    return path


def _flush(w: nilmh5.Writer, key: str, buf: dict, t0: int, period: int) -> None:
    """Append the buffered days of every channel (starting at ``t0``, epoch s), then empty the
    buffer."""
    for name, parts in buf.items():
        w.append(key, name, np.concatenate(parts), label=name, quantity="active",
                 period=float(period), role="mains" if name == "mains" else "appliance",
                 t0=t0, step=period, interval=True)
    buf.clear()


def _config_json(cfg, stratum: str) -> dict:
    """The household's config as drawn, its heating also carrying ``kind``: the heating
    stratum (:func:`nilm.simulate.household.heating_stratum`), which the headline's strata
    table reads from ``config.heating.kind`` (``scripts/results.py``)."""
    d = cfg.to_dict()
    if d.get("heating") is not None:
        d["heating"] = {**d["heating"], "kind": stratum}
    return d


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o)}")
