"""Who a ``nilm linky`` accuracy was measured on, read from the results' provenance.

An accuracy quoted to a household (:mod:`nilm.linky_accuracy`) was measured on other
households; the report says how they differ from this one in country, season and heating.
Nothing is hard-coded: the description comes from the provenance committed beside the results,

* ``docs/results/provenance.json`` for the simulated evaluation population: its
  ``spec.sources`` of kind ``simulated`` fine enough for the row's step (native ``period`` ≤
  the step), each with its country preset (``options.preset``, else the simulator's
  default, :func:`nilm.simulate.presets.get_preset` of None), its first day and its number
  of days;
* ``docs/results/real_provenance.json`` for real households: the real data it names
  (``data``) and the simulated population the ``sim_to_real`` attack was trained on
  (``simulated_training[dataset]``: preset, start, days).

The country is the preset's name, the season the calendar months covered, the heating the
preset's share of households whose main heating is electric
(:attr:`nilm.simulate.presets.Preset.heating_mix`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

#: provenance files beside the results (same folder as the headline / real CSV files)
PROVENANCE = "provenance.json"
REAL_PROVENANCE = "real_provenance.json"


@dataclass(frozen=True)
class Population:
    """Where an accuracy was measured: ``countries`` (preset names), ``months`` (1–12, the
    calendar months covered), ``electric_heating`` (share 0–1 of households with electric
    main heating, NaN unknown), ``households`` (simulated households counted), ``real_data``
    (the provenance's description of the real data, empty for a simulated row)."""

    countries: tuple[str, ...]
    months: tuple[int, ...]
    electric_heating: float
    households: int
    real_data: str = ""


def months_of(start: str, days: int) -> set[int]:
    """The calendar months of ``days`` days from ISO ``start``."""
    first = date.fromisoformat(start[:10])
    return {(first + timedelta(days=k)).month for k in range(max(int(days), 1))}


def _read(folder: Path, name: str) -> dict | None:
    path = Path(folder) / name
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _describe(sources: list[dict]) -> Population:
    from .simulate.presets import get_preset

    countries, months, weighted, n = [], set(), 0.0, 0
    for src in sources:
        preset = get_preset(src.get("preset") or (src.get("options") or {}).get("preset"))
        if preset.name not in countries:
            countries.append(preset.name)
        months |= months_of(src["start"], src["days"])
        k = int(src.get("households") or 0)
        weighted += k * (1.0 - preset.heating_mix.get("none", 0.0))
        n += k
    return Population(tuple(countries), tuple(sorted(months)),
                      weighted / n if n else math.nan, n)


def population(acc, folder) -> Population | None:
    """The population ``acc`` (a :class:`nilm.linky_accuracy.Accuracy`) was measured on, from
    the provenance in ``folder``; None when the provenance is missing or does not name it."""
    if acc.real:
        prov = _read(folder, REAL_PROVENANCE)
        training = (prov or {}).get("simulated_training", {}).get(acc.dataset)
        if not training:
            return None
        found = _describe([training])
        return Population(found.countries, found.months, found.electric_heating,
                          found.households, real_data=str(prov.get("data", acc.dataset)))
    prov = _read(folder, PROVENANCE)
    if prov is None:
        return None
    sources = [s for s in prov.get("spec", {}).get("sources", [])
               if s.get("kind") == "simulated" and s.get("start") and s.get("days")
               and float(s.get("period") or math.inf) <= acc.period_s]
    return _describe(sources) if sources else None


__all__ = ["PROVENANCE", "REAL_PROVENANCE", "Population", "months_of", "population"]
