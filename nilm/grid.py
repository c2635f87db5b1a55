"""The regular grid of the data model: :class:`Grid`, a start-labelled view of a household at
one period (what :meth:`nilm.series.Household.to_grid` and :func:`nilm.resample.to_grid` return).

A Grid is regular and start-labelled: value ``k`` is the mean power (W) over
``[start + k*period, start + (k+1)*period)``, times int64 epoch seconds UTC, NaN = missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Grid:
    """A regular, start-labelled view of a Household at one period.

    ``mains[n]`` and ``appliances[k, n]`` are mean power in W over
    ``[start + i*period, start + (i+1)*period)``; NaN where coverage was too low.
    ``valid[n]`` is True where the mains value is finite (and, for training, all sub-meters too:
    see :meth:`fully_valid`). ``extra`` holds resampled auxiliary channels (e.g. reactive power).
    """

    start: int
    period: float
    mains: np.ndarray
    appliances: np.ndarray
    names: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        self.mains = np.asarray(self.mains, dtype=np.float32)
        self.appliances = np.asarray(self.appliances, dtype=np.float32).reshape(
            len(self.names), len(self.mains))
        if self.appliances.shape[1] != len(self.mains):
            raise ValueError("appliances must have shape (len(names), len(mains))")

    def __len__(self) -> int:
        return len(self.mains)

    @property
    def t(self) -> np.ndarray:
        """Interval start times, int64 epoch s."""
        return self.start + (np.arange(len(self.mains)) * self.period).astype(np.int64)

    @property
    def valid(self) -> np.ndarray:
        return np.isfinite(self.mains)

    def fully_valid(self) -> np.ndarray:
        """True where mains and every sub-meter are finite."""
        ok = np.isfinite(self.mains)
        if len(self.names):
            ok &= np.all(np.isfinite(self.appliances), axis=0)
        return ok

    def appliance(self, name: str) -> np.ndarray:
        return self.appliances[self.names.index(name)]

    def select(self, names: list[str]) -> Grid:
        """A Grid with only the given appliances, in that order."""
        idx = [self.names.index(n) for n in names]
        return Grid(self.start, self.period, self.mains, self.appliances[idx], list(names),
                    dict(self.meta), dict(self.extra))

    def slice(self, i0: int, i1: int) -> Grid:
        """Intervals ``i0 <= i < i1``."""
        return Grid(int(self.start + i0 * self.period), self.period, self.mains[i0:i1],
                    self.appliances[:, i0:i1], list(self.names), dict(self.meta),
                    {k: v[i0:i1] for k, v in self.extra.items()})

    def to_pandas(self):
        """A DataFrame: UTC DatetimeIndex of interval starts, ``mains`` then one column per
        appliance, mean power in W (float32, NaN where coverage was too low)."""
        import pandas as pd

        data = {"mains": self.mains}
        data.update({n: self.appliances[i] for i, n in enumerate(self.names)})
        idx = pd.DatetimeIndex(pd.to_datetime(self.t, unit="s", utc=True), name="start")
        return pd.DataFrame(data, index=idx.as_unit("ns"))

    def split_time(self, t_split: int) -> tuple[Grid, Grid]:
        """(before, after) at epoch second ``t_split``, rounded down to an interval start."""
        i = int(np.clip((t_split - self.start) // self.period, 0, len(self)))
        return self.slice(0, i), self.slice(i, len(self))
