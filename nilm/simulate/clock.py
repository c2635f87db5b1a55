"""Local calendar days of a simulation, with daylight-saving days of 23 and 25 hours.

The simulator works day by day in *elapsed* seconds since local midnight (what the meter
records), while routines are written in *wall-clock* time (people wake at 7:00 on their clock,
also on the day the clocks change). :class:`Day` converts between the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np


@dataclass
class Day:
    """One local calendar day.

    Attributes
    ----------
    index : day number since the start of the simulation.
    date : the local date.
    t0 : epoch s UTC of local midnight.
    n_s : length in s (86400, or 82800/90000 on daylight-saving days).
    wall_min : int64 [n_s // 60], wall-clock minute (0..1439) shown at each elapsed minute.
    """

    index: int
    date: dt.date
    t0: int
    n_s: int
    wall_min: np.ndarray

    @property
    def n_min(self) -> int:
        return self.n_s // 60

    @property
    def weekday(self) -> int:
        """0 = Monday ... 6 = Sunday."""
        return self.date.weekday()

    @property
    def weekend(self) -> bool:
        return self.weekday >= 5

    def elapsed(self, wall_s: float) -> int:
        """Elapsed s since local midnight of wall-clock second ``wall_s`` (0..86400+, values
        past midnight continue into the next day's elapsed time). On the day the clocks go
        back, the first of the two repeated hours is used."""
        w = int(round(wall_s))
        if self.n_s == 86400 or w < 0:
            return w
        m = min(max(w // 60, 0), 1439)
        j = int(np.searchsorted(self.wall_min, m, "left"))
        if j >= self.n_min:
            return w + (self.n_s - 86400)
        return j * 60 + (w - m * 60)

    def wall_mask(self, mask_wall: np.ndarray) -> np.ndarray:
        """A per-minute mask written in wall-clock minutes [1440], as elapsed minutes [n_min]."""
        return mask_wall[self.wall_min]


def local_days(start: str | dt.date, n_days: int, timezone: str) -> list[Day]:
    """The ``n_days`` local days from ``start`` (ISO date) in ``timezone`` (IANA name)."""
    if n_days < 1:
        raise ValueError(f"n_days must be at least 1, not {n_days}")
    zone = ZoneInfo(timezone)
    d0 = dt.date.fromisoformat(start) if isinstance(start, str) else start
    out = []
    for i in range(n_days):
        d = d0 + dt.timedelta(days=i)
        a = dt.datetime(d.year, d.month, d.day, tzinfo=zone)
        nxt = d + dt.timedelta(days=1)
        b = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
        t0, t1 = int(a.timestamp()), int(b.timestamp())
        out.append(Day(i, d, t0, t1 - t0, _wall_minutes(t0, t1, zone, a)))
    return out


def _wall_minutes(t0: int, t1: int, zone: ZoneInfo, midnight: dt.datetime) -> np.ndarray:
    n_min = (t1 - t0) // 60
    if t1 - t0 == 86400:
        return np.arange(n_min, dtype=np.int64)
    off0 = midnight.utcoffset().total_seconds()
    # offsets change on whole hours in every zone the simulator targets, so one lookup per
    # elapsed hour is exact
    hours = np.arange(n_min // 60 + 1)
    offs = np.array([dt.datetime.fromtimestamp(t0 + 3600 * int(h), zone).utcoffset()
                     .total_seconds() for h in hours])
    j = np.arange(n_min)
    wall = j + ((offs[j // 60] - off0) // 60).astype(np.int64)
    return np.clip(wall, 0, 1439).astype(np.int64)
