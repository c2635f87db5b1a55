"""Ground truth of the private facts a load curve may leak (the five inferences of DESIGN.md).

One :class:`GroundTruth` per household, from one of three kinds of source
(:attr:`GroundTruth.kind`):

* ``"simulated"`` — the simulator's exact truth: every person known at every step;
* ``"real"`` — what a dataset recorded about its people (METER time-use diaries, ECO's tablet and
  PIR occupancy, see :mod:`nilm.io.meter` and :mod:`nilm.io.eco`). Real truth is partial: a step
  where nobody's whereabouts are known is **unknown** (NaN in :attr:`GroundTruth.presence`), never
  "absent"; wake/bed times may exist only for the household as a whole; appliance use comes as
  dated events (:class:`ApplianceUse`);
* ``"proxy"`` — truth inferred from real sub-meters when a dataset records none
  (:func:`nilm.privacy.truth_proxy.proxy_truth`), labelled as what it measures.

It is always computed at native resolution, independently of the period being attacked.
Timelines are on a regular start-labelled grid of ``step`` seconds (60 s by default).

How a caller gets a real source's truth: :func:`nilm.truth_for` (a Household loaded from a
METER or ECO folder) or :func:`nilm.load_truth` (a folder), see :mod:`nilm.io.ground_truth`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from .atomic import atomic_open
from .errors import NilmDataError
from .integrity import digest, verify

#: values of :attr:`GroundTruth.routine_level`
ROUTINE_LEVELS = ("person", "household")


@dataclass(frozen=True)
class ApplianceUse:
    """One recorded use of an appliance (a real source's appliance-use truth).

    Attributes
    ----------
    appliance : canonical name (:mod:`nilm.names`), e.g. ``"washing_machine"``.
    start : epoch s UTC when the use was recorded as starting.
    end : epoch s UTC when the recorded activity ended (METER: the same person's next diary
        entry — the person's activity, not the appliance's run), or None when not recorded.
    person : row of ``present_person`` of the person who reported it, or -1 for the household
        (e.g. METER's annotations of the household's electricity graph).
    label : the dataset's own wording (e.g. the diary's activity label).
    source : how it was recorded, e.g. ``"diary"`` or ``"annotation"``.
    """

    appliance: str
    start: int
    end: int | None
    person: int
    label: str
    source: str


@dataclass
class GroundTruth:
    """What really happened in one household — as far as the source knows.

    Attributes
    ----------
    start : int, epoch s UTC of the first timeline step.
    step : int, timeline step in s.
    timezone : IANA name; days below are local calendar days.
    present_person : bool [persons, n] — person at home (False also where unknown: see
        ``person_known``).
    awake_person : bool [persons, n] — person at home and awake (same caveat).
    days : int64 [d] — epoch s of each local midnight covered.
    wake : float64 [rows, d] — epoch s of the wake-up that day (NaN: none/away/unknown). Rows are
        persons, or one row for the household (``routine_level``).
    bed : float64 [rows, d] — epoch s of going to bed in the evening of that day (may be after
        midnight; NaN: none/away/unknown).
    hot_water_l : float64 [d] — hot water drawn, litres per day (NaN when unknown).
    water_heater_kwh : float64 [d] — water-heater electricity, kWh per day (NaN when unknown).
    occupants : int — number of people living there (0 when unknown).
    ownership : {canonical appliance name: bool}.
    source : ``"simulated"``, ``"proxy: <what it measures>"``, or the name of the real ground
        truth (e.g. ``"METER time-use diary"``); :attr:`kind` is read from it.
    household_present : float64 [n] or None — someone at home: 1, nobody: 0, unknown: NaN.
        None means "as ``present_person`` says" (every person known at every step). Real sources
        set it, because a household's absence needs every member's whereabouts.
    household_awake : float64 [n] or None — someone at home and awake, same convention.
    person_known : bool [persons, n] or None — where each person's row is known (None: everywhere).
    routine_level : ``"person"`` (the rows of ``wake``/``bed`` are people; the household's wake
        is the earliest, its bed time the latest) or ``"household"`` (one row: the household's
        first-up and last-to-bed, known only where the source knows them).
    events : list of :class:`ApplianceUse` — recorded appliance uses (empty when the source
        records none; a simulator's appliance truth is its sub-meters).
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
    household_present: np.ndarray | None = None
    household_awake: np.ndarray | None = None
    person_known: np.ndarray | None = None
    routine_level: str = "person"
    events: list[ApplianceUse] = field(default_factory=list)

    def __post_init__(self):
        n = np.shape(self.present_person)[-1]
        for name in ("household_present", "household_awake"):
            v = getattr(self, name)
            if v is not None:
                v = np.asarray(v, dtype=np.float64)
                if v.shape != (n,):
                    raise ValueError(f"{name} must have shape ({n},), got {v.shape}")
                if np.any((v < 0) | (v > 1)):
                    raise ValueError(f"{name} must lie in [0, 1] (or NaN)")
                setattr(self, name, v)
        if self.person_known is not None:
            self.person_known = np.asarray(self.person_known, dtype=bool)
            if self.person_known.shape != np.shape(self.present_person):
                raise ValueError("person_known must have the shape of present_person")
        if self.routine_level not in ROUTINE_LEVELS:
            raise ValueError(f"routine_level must be one of {ROUTINE_LEVELS}, "
                             f"not {self.routine_level!r}")

    @property
    def kind(self) -> str:
        """``"simulated"``, ``"proxy"`` or ``"real"`` (from :attr:`source`)."""
        if self.source == "simulated":
            return "simulated"
        return "proxy" if self.source.startswith("proxy") else "real"

    @property
    def presence(self) -> np.ndarray:
        """Someone at home, float64 [n]: 1, 0, or NaN where unknown."""
        if self.household_present is not None:
            return self.household_present
        return self.present_person.any(axis=0).astype(np.float64)

    @property
    def known(self) -> np.ndarray:
        """bool [n]: steps where the household's presence is known."""
        return np.isfinite(self.presence)

    @property
    def unknown_share(self) -> float:
        """Share of timeline steps whose presence is unknown (0 for simulated truth)."""
        n = self.presence.size
        return float(np.count_nonzero(~self.known)) / n if n else 0.0

    @property
    def present(self) -> np.ndarray:
        """Anyone at home: bool [n] where every step is known; otherwise float64 [n] with NaN
        at the unknown steps (so that no unknown step can be read as "absent")."""
        return _exact_or_float(self.household_present, self.present_person)

    @property
    def awake(self) -> np.ndarray:
        """Anyone at home and awake: bool [n] or float64 [n] with NaN, as :attr:`present`."""
        return _exact_or_float(self.household_awake, self.awake_person)

    @property
    def t(self) -> np.ndarray:
        return self.start + self.step * np.arange(self.present_person.shape[1], dtype=np.int64)

    def save(self, path) -> None:
        """Write to ``path`` (``.npz``) atomically: arrays in the npz, scalars and events as JSON
        inside."""
        meta = {"start": int(self.start), "step": int(self.step), "timezone": self.timezone,
                "occupants": int(self.occupants), "ownership": self.ownership,
                "source": self.source, "routine_level": self.routine_level,
                "events": [asdict(e) for e in self.events]}
        optional = {k: v for k in _OPTIONAL_ARRAYS if (v := getattr(self, k)) is not None}
        arrays = {k: np.asarray(getattr(self, k)) for k in _ARRAYS} | optional
        # one SHA-256 per array, checked by load (nilm.integrity)
        meta["sha256"] = {k: digest(v) for k, v in arrays.items()}
        with atomic_open(path, "wb") as f:
            np.savez_compressed(
                f, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)

    @classmethod
    def load(cls, path) -> GroundTruth:
        """Read a file written by :meth:`save`; every array's SHA-256 is verified (files
        written before digests were stored are read as they are). A damaged or unreadable
        file raises :class:`~nilm.errors.NilmDataError` naming it."""
        try:
            with np.load(path) as z:
                meta = json.loads(bytes(z["meta"]).decode())
                arrays = {k: z[k] for k in _ARRAYS}
                optional = {k: z[k] for k in _OPTIONAL_ARRAYS if k in z.files}
        except Exception as exc:  # noqa: BLE001 -- zip, zlib, npy and JSON errors alike
            raise NilmDataError(path, None, f"unreadable ground-truth file "
                                f"({type(exc).__name__}: {exc})") from exc
        sums = meta.get("sha256", {})
        for k, v in (arrays | optional).items():
            verify(path, k, v, sums.get(k))
        return cls(start=meta["start"], step=meta["step"], timezone=meta["timezone"],
                   occupants=meta["occupants"], ownership=meta["ownership"],
                   source=meta["source"], routine_level=meta.get("routine_level", "person"),
                   events=[ApplianceUse(**e) for e in meta.get("events", [])],
                   **arrays, **optional)


_ARRAYS = ("present_person", "awake_person", "days", "wake", "bed", "hot_water_l",
           "water_heater_kwh")
_OPTIONAL_ARRAYS = ("household_present", "household_awake", "person_known")


def _exact_or_float(household: np.ndarray | None, person: np.ndarray) -> np.ndarray:
    if household is None:
        return person.any(axis=0)
    if np.isfinite(household).all():
        return household >= 0.5
    return household
