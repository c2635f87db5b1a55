"""Ground truth of the private facts a load curve may leak (the five inferences of DESIGN.md).

One :class:`GroundTruth` per household, produced by the simulator (exact) or by extractors on
real sub-meter data (proxies, see :mod:`nilm.privacy`). It is always computed at native resolution,
independently of the period being attacked. Timelines are on a regular start-labelled grid of
``step`` seconds (60 s by default).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .atomic import atomic_open


@dataclass
class GroundTruth:
    """What really happened in one household.

    Attributes
    ----------
    start : int, epoch s UTC of the first timeline step.
    step : int, timeline step in s.
    timezone : IANA name; days below are local calendar days.
    present_person : bool [persons, n] — person at home.
    awake_person : bool [persons, n] — person at home and awake.
    days : int64 [d] — epoch s of each local midnight covered.
    wake : float64 [persons, d] — epoch s of each person's wake-up that day (NaN: none/away).
    bed : float64 [persons, d] — epoch s of going to bed in the evening of that day (may be after
        midnight; NaN: none/away).
    hot_water_l : float64 [d] — hot water drawn, litres per day (NaN when unknown).
    water_heater_kwh : float64 [d] — water-heater electricity, kWh per day (NaN when unknown).
    occupants : int — number of people living there (0 when unknown).
    ownership : {canonical appliance name: bool}.
    source : "simulated" or a description of the real-data proxy used.
    """

    start: int
    step: int
    timezone: str
    present_person: np.ndarray
    awake_person: np.ndarray
    days: np.ndarray
    wake: np.ndarray
    bed: np.ndarray
    hot_water_l: np.ndarray
    water_heater_kwh: np.ndarray
    occupants: int
    ownership: dict[str, bool] = field(default_factory=dict)
    source: str = "simulated"

    @property
    def present(self) -> np.ndarray:
        """Anyone at home, bool [n]."""
        return self.present_person.any(axis=0)

    @property
    def awake(self) -> np.ndarray:
        """Anyone at home and awake, bool [n]."""
        return self.awake_person.any(axis=0)

    @property
    def t(self) -> np.ndarray:
        return self.start + self.step * np.arange(self.present_person.shape[1], dtype=np.int64)

    def save(self, path) -> None:
        """Write to ``path`` (``.npz``) atomically: arrays in the npz, scalars as JSON inside."""
        meta = {"start": int(self.start), "step": int(self.step), "timezone": self.timezone,
                "occupants": int(self.occupants), "ownership": self.ownership,
                "source": self.source}
        with atomic_open(path, "wb") as f:
            np.savez_compressed(
                f, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                present_person=self.present_person, awake_person=self.awake_person,
                days=self.days, wake=self.wake, bed=self.bed, hot_water_l=self.hot_water_l,
                water_heater_kwh=self.water_heater_kwh)

    @classmethod
    def load(cls, path) -> GroundTruth:
        with np.load(path) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            arrays = {k: z[k] for k in ("present_person", "awake_person", "days", "wake", "bed",
                                        "hot_water_l", "water_heater_kwh")}
        return cls(start=meta["start"], step=meta["step"], timezone=meta["timezone"],
                   occupants=meta["occupants"], ownership=meta["ownership"],
                   source=meta["source"], **arrays)
