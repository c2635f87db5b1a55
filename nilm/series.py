"""The data model: :class:`PowerSeries`, :class:`Household` and :class:`~nilm.grid.Grid`
(defined in :mod:`nilm.grid`, importable from here).

Conventions (see docs/design.md):

* time is int64 epoch seconds UTC; the local time zone is Household metadata;
* power is float32 W in storage (float64 when accumulated); NaN means missing, never 0;
* a sample at ``t[i]`` holds (zero-order hold) until ``t[i+1]``, at most ``max_gap`` seconds.
  Interval-mean data (UCI minutes, AMPds hours, Enedis steps) is stored **start-labelled**, so the
  same rule gives back the interval mean exactly;
* a Grid is regular and start-labelled: value ``k`` is the mean power over
  ``[start + k*period, start + (k+1)*period)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Grid is part of the data model this module presents (nilm.series.Grid)
from .grid import Grid

#: what a series measures
QUANTITIES = ("active", "apparent", "reactive", "voltage", "current")
#: how :meth:`PowerSeries.energy_wh` integrates: nilm's bounded hold, or NILMTK's total_energy
ENERGY_CONVENTIONS = ("nilm", "nilmtk")
#: power units :meth:`Household.from_pandas` converts to W
UNITS = {"W": 1.0, "kW": 1000.0, "MW": 1e6}


def _times_digest(t: np.ndarray) -> str:
    """Hex digest of a channel's sample times (int64 epoch s), to recognise them."""
    import hashlib

    return hashlib.blake2b(np.ascontiguousarray(t, dtype=np.int64).tobytes(),
                           digest_size=16).hexdigest()


@dataclass
class PowerSeries:
    """One meter channel: irregular samples allowed.

    Parameters
    ----------
    t : int64 array, epoch seconds UTC, strictly increasing.
    p : float32 array, watts (VA for apparent, var for reactive, V, A), NaN = missing.
    name : canonical appliance name (``"mains"`` for the aggregate), see :mod:`nilm.names`.
    label : the dataset's original label.
    quantity : one of :data:`QUANTITIES`.
    period : nominal sampling period in seconds (hold length of the last sample, and the default
        maximum hold gap is a multiple of it). ``None`` means: use the median step.
    interval : True when each value is the mean over ``[t, t + period)`` (UCI minutes, AMPds
        hours, Enedis steps): such a value is never held beyond its own interval. False for
        point samples of a meter (REDD, UK-DALE), held up to :func:`default_max_gap`.
    """

    t: np.ndarray
    p: np.ndarray
    name: str
    label: str = ""
    quantity: str = "active"
    period: float | None = None
    interval: bool = False

    def __post_init__(self):
        self.t = np.ascontiguousarray(self.t, dtype=np.int64)
        self.p = np.ascontiguousarray(self.p, dtype=np.float32)
        if self.t.shape != self.p.shape or self.t.ndim != 1:
            raise ValueError("t and p must be 1-D of equal length, got "
                             f"{self.t.shape}, {self.p.shape}")
        if self.quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}, not {self.quantity!r}")
        if len(self.t) > 1 and not np.all(np.diff(self.t) > 0):
            raise ValueError(f"{self.name}: timestamps must be strictly increasing")
        if self.period is None:
            self.period = self.median_step()

    def __len__(self) -> int:
        return len(self.t)

    def median_step(self) -> float:
        """Median time between samples in seconds (NaN for fewer than 2 samples)."""
        return float(np.median(np.diff(self.t))) if len(self.t) > 1 else float("nan")

    def max_hold(self) -> float:
        """Default longest zero-order hold of a sample, s: one period for interval means,
        :func:`default_max_gap` for point samples."""
        if self.interval and np.isfinite(self.period):
            return float(self.period)
        return default_max_gap(self.period)

    def holds(self, max_gap: float | None = None) -> np.ndarray:
        """Seconds each sample is held (float64 [n]): until the next sample, the last one for
        one period, never more than ``max_gap`` (default: :meth:`max_hold`)."""
        gap = self.max_hold() if max_gap is None else max_gap
        dt = np.empty(len(self.t), dtype=np.float64)
        if len(self.t):
            dt[:-1] = np.diff(self.t)
            dt[-1] = self.period if np.isfinite(self.period) else 0.0
        return np.minimum(dt, gap)

    def energy_wh(self, max_gap: float | None = None, *, energy_convention: str = "nilm",
                  limits: tuple[float | None, float | None] | None = None) -> float:
        """Energy in Wh by zero-order hold.

        ``energy_convention="nilm"`` (default): each sample held until the next, at most
        ``max_gap`` s (default :meth:`max_hold`), the last one for one period
        (:meth:`holds`); NaN samples count nothing and are not bridged.

        ``energy_convention="nilmtk"``: NILMTK's ``ElecMeter.total_energy()`` (Batra et al.
        2014; ``nilmtk.stats.totalenergy``): NaN samples are dropped first (the sample before
        a NaN is held across it), values are clipped to the device's ``limits`` (lower, upper;
        NILMTK's ``Clip`` node), each sample is held until the next for at most ``max_gap`` s
        (the device's ``max_sample_period``; default :meth:`max_hold`) and the last sample
        counts nothing.
        """
        check_convention(energy_convention)
        if len(self.t) == 0:
            return 0.0
        p = self.p.astype(np.float64)
        if energy_convention == "nilm":
            dt = self.holds(max_gap)
            ok = np.isfinite(p)
            return float(np.sum(p[ok] * dt[ok]) / 3600.0)
        ok = np.isfinite(p)
        t, p = self.t[ok], p[ok]
        if limits is not None:
            lo, hi = limits
            p = np.clip(p, -np.inf if lo is None else lo, np.inf if hi is None else hi)
        gap = self.max_hold() if max_gap is None else max_gap
        dt = np.minimum(np.diff(t).astype(np.float64), gap)
        return float(np.sum(dt * p[:-1]) / 3600.0)

    def slice(self, t0: int | None = None, t1: int | None = None) -> PowerSeries:
        """Samples with ``t0 <= t < t1`` (epoch s)."""
        lo = 0 if t0 is None else int(np.searchsorted(self.t, t0, "left"))
        hi = len(self.t) if t1 is None else int(np.searchsorted(self.t, t1, "left"))
        return PowerSeries(self.t[lo:hi], self.p[lo:hi], self.name, self.label, self.quantity,
                           self.period, self.interval)


def check_convention(energy_convention: str) -> str:
    """``energy_convention`` if it is one of :data:`ENERGY_CONVENTIONS`, else ValueError."""
    if energy_convention not in ENERGY_CONVENTIONS:
        raise ValueError(f"energy_convention must be one of {ENERGY_CONVENTIONS}, not "
                         f"{energy_convention!r}")
    return energy_convention


def default_max_gap(period: float | None) -> float:
    """Longest zero-order hold in seconds: 3 nominal periods, at least 60 s."""
    if period is None or not np.isfinite(period):
        return 60.0
    return float(max(3.0 * period, 60.0))


@dataclass
class Household:
    """One house: its aggregate, its sub-meters by canonical name, and metadata.

    ``meta`` keys used across nilm: ``dataset``, ``house``, ``timezone`` (IANA name),
    ``source_files`` ({path: sha256}), ``mains_kind`` (``"measured"`` or ``"sum_of_circuits"``),
    ``occupants`` (when the dataset says), ``simulated`` (bool), and anything dataset-specific.
    ``extra`` holds other channels of the aggregate (e.g. UCI reactive power, voltage).
    ``report`` lists what a lenient load repaired.
    """

    mains: PowerSeries | None
    appliances: dict[str, PowerSeries] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, PowerSeries] = field(default_factory=dict)
    report: Any = None

    @property
    def name(self) -> str:
        return f"{self.meta.get('dataset', '?')}/{self.meta.get('house', '?')}"

    @property
    def timezone(self) -> str:
        return self.meta.get("timezone", "UTC")

    @property
    def native_period(self) -> int:
        """The native period of the aggregate, s: the median step of the mains (of the first
        appliance when there is no mains), rounded to a whole second, at least 1."""
        s = self.mains if self.mains is not None else next(iter(self.appliances.values()))
        return max(1, int(round(s.median_step())))

    def channels(self) -> dict[str, PowerSeries]:
        """Mains (if any) then appliances, by name."""
        out = {} if self.mains is None else {"mains": self.mains}
        out.update(self.appliances)
        return out

    def span(self) -> tuple[int, int]:
        """(first, last) timestamp over all channels, epoch s."""
        chans = [s for s in self.channels().values() if len(s)]
        if not chans:
            raise ValueError(f"{self.name}: no samples")
        return min(int(s.t[0]) for s in chans), max(int(s.t[-1]) for s in chans)

    def energy_wh(self, *, energy_convention: str | None = None) -> dict[str, float]:
        """{channel: energy in Wh} of the mains and appliances (see
        :meth:`PowerSeries.energy_wh`); the convention defaults to the one the household was
        loaded with (``meta["energy_convention"]``, else ``"nilm"``).

        With ``"nilmtk"`` each channel is integrated with its device's ``max_sample_period``
        and clipped to its device limits when the load recorded them (``meta["devices"]``:
        REDD, UK-DALE with its metadata, NILMTK HDF5 files, REFIT), as NILMTK's
        ``total_energy()`` does (kWh x 1000). A channel summed from several meters (REDD legs,
        two mains legs, a sum of circuits) is the sum of its ``parts``, each clipped and
        integrated so, when the load kept them (loaded with ``energy_convention="nilmtk"``);
        otherwise the sum is integrated unclipped, which differs from NILMTK only where one
        meter exceeded its limit or was missing while another was not."""
        energy_convention = check_convention(
            energy_convention or self.meta.get("energy_convention", "nilm"))
        devices = self.meta.get("devices") or {}
        pool = {**self.extra, **self.channels()}

        def one(name: str) -> float:
            dev = devices.get(name) or {}
            if energy_convention == "nilmtk" and dev.get("parts"):
                return float(sum(one(p) for p in dev["parts"]))
            gap = dev.get("max_sample_period") if energy_convention == "nilmtk" else None
            lim = (dev.get("lower_limit"), dev.get("upper_limit"))
            lim = lim if energy_convention == "nilmtk" and lim != (None, None) else None
            return pool[name].energy_wh(gap, energy_convention=energy_convention, limits=lim)

        return {name: one(name) for name in self.channels()}

    @classmethod
    def from_pandas(cls, df, *, tz: str | None = None, mains: str | None = "mains",
                    units: str = "W", quantity: str = "active",
                    meta: dict | None = None) -> Household:
        """A Household from a DataFrame of readings, one column per channel.

        Parameters
        ----------
        df : pandas DataFrame with a DatetimeIndex of whole seconds, strictly increasing;
            tz-aware, or naive local times localised with ``tz`` (DST-ambiguous or
            non-existent local times are an error: give a tz-aware index). NaN cells are "no
            reading" for that channel (dropped: the channel's previous reading is held across
            them, up to its :meth:`PowerSeries.max_hold`).
        tz : IANA time zone of a naive index, and the household's ``meta["timezone"]``
            (default: the index's zone, else UTC).
        mains : the column that is the aggregate (None: a Household without mains).
        units : ``"W"``, ``"kW"`` or ``"MW"`` (converted to W).
        quantity : what every column measures (see :data:`QUANTITIES`).
        meta : extra metadata (``dataset`` defaults to ``"pandas"``, ``house`` to 1).

        Returns
        -------
        Household whose channels are named after the columns (kept as given), so that
        :meth:`to_pandas` gives the same frame back (index in UTC, float32 W). A frame from
        :meth:`to_pandas` carries each channel's hold rule and NaN samples in
        ``df.attrs["nilm"]``; they are used for its columns (over ``quantity``), so the round
        trip gives the same series, gaps included.
        """
        import pandas as pd

        from .errors import UsageError

        if not isinstance(df, pd.DataFrame) or not isinstance(df.index, pd.DatetimeIndex):
            raise UsageError("from_pandas needs a DataFrame with a DatetimeIndex")
        if units not in UNITS:
            raise UsageError(f"units must be one of {sorted(UNITS)}, not {units!r}")
        idx = df.index
        if idx.tz is None:
            if tz is None:
                raise UsageError("the index has no time zone: pass tz='Europe/Paris' (the "
                                 "zone of its local times) or a tz-aware index")
            try:
                idx = idx.tz_localize(tz, ambiguous="raise", nonexistent="raise")
            except Exception as exc:  # noqa: BLE001 - pandas raises several types here
                raise UsageError(f"cannot localise the index to {tz}: {exc}; give a tz-aware "
                                 "index") from exc
        zone = tz or str(idx.tz)
        ns = idx.tz_convert("UTC").as_unit("ns").asi8
        if len(ns) and np.any(ns % 1_000_000_000):
            raise UsageError("the index has fractions of a second; nilm stores whole seconds "
                             "(round or resample the frame first)")
        t = ns // 1_000_000_000
        if len(t) > 1 and not np.all(np.diff(t) > 0):
            i = int(np.flatnonzero(np.diff(t) <= 0)[0]) + 1
            raise UsageError(f"the index must be strictly increasing (row {i}: {idx[i]}); "
                             "sort it and drop duplicates first")
        cols = [str(c) for c in df.columns]
        if len(set(cols)) != len(cols):
            raise UsageError(f"column names must be unique, got {cols}")
        if mains is not None and mains not in cols:
            raise UsageError(f"no mains column {mains!r} (columns: {cols}); pass mains=... or "
                             "mains=None")
        scale = UNITS[units]
        saved = df.attrs.get("nilm")
        saved = saved if isinstance(saved, dict) else {}
        chans = {}
        for c, col in zip(cols, df.columns, strict=True):
            v = df[col].to_numpy(dtype=np.float64) * scale
            keep = ~np.isnan(v)
            info = saved.get(c) if isinstance(saved.get(c), dict) else {}
            if info:
                # NaN samples of a to_pandas frame (a gap starts there), not "no reading"
                held = keep | np.isin(t, np.asarray(info.get("nan_t", []), dtype=np.int64))
                # pandas carries attrs through resample, concat…: the saved rule holds only
                # for the very sample times it was saved with
                if _times_digest(t[held]) == info.get("times"):
                    keep = held
                else:
                    info = {}
            chans[c] = PowerSeries(t[keep], v[keep], "mains" if c == mains else c,
                                   info.get("label", c), info.get("quantity", quantity),
                                   period=info.get("period"),
                                   interval=bool(info.get("interval", False)))
        m = chans.pop(mains) if mains is not None else None
        info = {"dataset": "pandas", "house": 1, "timezone": zone, "source_files": {}}
        info.update(meta or {})
        return cls(m, chans, info, {}, None)

    def to_pandas(self):
        """A DataFrame: UTC DatetimeIndex of the union of the channels' sample times, one
        float32 column per channel (``mains`` first), NaN where a channel has no sample.
        ``df.attrs["nilm"]`` keeps, per channel, what the values alone do not say: ``quantity``,
        ``label``, ``period``, ``interval`` and ``nan_t`` (the times of its NaN samples, where a
        gap starts), so ``Household.from_pandas(h.to_pandas())`` gives back every channel
        exactly, its energy included. They apply only while the channel's sample times are
        those written (``times``, a digest): a resampled or cut frame is read as any other."""
        import pandas as pd

        chans = self.channels()
        t = (np.unique(np.concatenate([s.t for s in chans.values()])) if chans
             else np.empty(0, np.int64))
        data = {}
        for name, s in chans.items():
            col = np.full(len(t), np.nan, dtype=np.float32)
            col[np.searchsorted(t, s.t)] = s.p
            data[name] = col
        idx = pd.DatetimeIndex(pd.to_datetime(t, unit="s", utc=True), name="time").as_unit("ns")
        df = pd.DataFrame(data, index=idx)
        df.attrs["nilm"] = {name: {"quantity": s.quantity, "label": s.label,
                                   "period": float(s.period), "interval": bool(s.interval),
                                   "nan_t": s.t[np.isnan(s.p)].tolist(),
                                   "times": _times_digest(s.t)}
                            for name, s in chans.items()}
        return df

    def to_grid(self, period: float, **kw) -> Grid:
        """Resample every channel onto one regular grid; see :func:`nilm.resample.to_grid`."""
        from .resample import to_grid

        return to_grid(self, period, **kw)

    def __repr__(self) -> str:
        n = len(self.mains) if self.mains is not None else 0
        return (f"Household({self.name}, mains={n} samples, "
                f"appliances={list(self.appliances)})")
