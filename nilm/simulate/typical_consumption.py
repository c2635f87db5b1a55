"""Fit a preset's unmetered base-load multipliers (one per dwelling type) to a published table
of *typical* household electricity consumption by household size.

A "typical" household in the Swiss sense has no electric water heater, no electric heating and
no heat pump (and here no air conditioning). The table used for CH is the one computed for the
Swiss Federal Office of Energy (SFOE/BFE) by J. Nipkow, *Typischer Haushalt-Stromverbrauch*
(2013), kWh a year: 1 person 2200 in a flat / 2700 in a single-family house, 2 people 2750 /
3550, 4 people 3850 / 5200 (:data:`NIPKOW_2013_KWH`). 2013 is the nearest edition to the ECO
recordings (2012).

Method: simulate typical households of each tabulated size with the multiplier at 1, four
weeks spread over the year (January, April, June, October) at 15 min, so their annual energy
``S(n)`` (kWh) and the annual energy of their base load ``B(n)`` are known; the energy is
linear in the multiplier ``m`` (``S + (m - 1) B``), so the least-squares ``m`` over sizes is
``1 + sum B (T - S) / sum B^2`` for the table's ``T(n)``. Everything simulated; the table is
the only data.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .household import simulate_household
from .population import population
from .presets import Preset, get_preset

#: SFOE typical household consumption (Nipkow 2013), kWh/year: {dwelling: {people: kWh}}
NIPKOW_2013_KWH = {"flat": {1: 2200.0, 2: 2750.0, 4: 3850.0},
                   "house": {1: 2700.0, 2: 3550.0, 4: 5200.0}}

#: one week starting on each of these Mondays stands for a quarter of the year
SEASON_WEEKS = ("2013-01-07", "2013-04-08", "2013-06-03", "2013-10-07")

_TYPICAL = {"water_heater": False, "electric_heat": False, "air_conditioning": False,
            "shower": False}


def typical_annual_kwh(preset: str | Preset, people: int, households: int,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(annual kWh, annual kWh of the unmetered base) of ``households`` simulated typical
    households of ``people`` occupants under ``preset`` with the base multiplier at 1."""
    pre = get_preset(preset)
    share = tuple(1.0 if k == people else 0.0 for k in range(1, 6))
    pre1 = dataclasses.replace(pre, household_size_share=share, dwelling_mix={})
    total, base = [], []
    for cfg, ss in population(seed, households, preset=pre1, prefix=f"typ{people}",
                              ownership=_TYPICAL):
        week_kwh = []
        for start in SEASON_WEEKS:
            s = simulate_household(7, seed=ss, config=cfg, period=900, start=start)
            week_kwh.append(float(np.mean(s.household.mains.p, dtype=np.float64)) * 24e-3)
        total.append(np.mean(week_kwh) * 365.25)
        base.append(cfg.base_w * 24e-3 * 365.25)
    return np.array(total), np.array(base)


def fit_base_scale(preset: str | Preset, table: dict = NIPKOW_2013_KWH, households: int = 40,
                   seed: int = 0) -> dict:
    """Least-squares base-load multiplier per dwelling type (see the module docstring), with
    the simulated and tabulated kWh per size before and after."""
    sizes = sorted({n for t in table.values() for n in t})
    sim = {n: typical_annual_kwh(preset, n, households, seed + n) for n in sizes}
    out = {}
    for dwelling, target in table.items():
        s = np.array([sim[n][0].mean() for n in target])
        b = np.array([sim[n][1].mean() for n in target])
        t = np.array([target[n] for n in target])
        m = 1.0 + float(np.sum(b * (t - s)) / np.sum(b * b))
        out[dwelling] = {"multiplier": m, "people": list(target),
                         "table_kwh": t.tolist(), "simulated_kwh_at_1": s.tolist(),
                         "simulated_kwh_fitted": (s + (m - 1.0) * b).tolist()}
    out["households_per_size"] = households
    out["seed"] = seed
    return out
