"""What a study computes: :class:`StudySpec` (read from TOML or built in Python) and its
:class:`Source` tables, checked completely before any work; the default ladder, inferences and
disaggregators; the results table's columns (docs/study.md has the format)."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UsageError

#: the resolution ladder of DESIGN.md (``native`` = the data's own period)
DEFAULT_RESOLUTIONS = ["native", "2s", "1min", "10min", "15min", "30min", "60min", "1d"]
#: the five inferences, in report order
DEFAULT_INFERENCES = ["occupancy", "routine", "appliances", "hot_water", "occupants"]
#: disaggregators used as appliance-inference attacks by default (the classical ones)
DEFAULT_DISAGGREGATORS = ["co", "fhmm", "hart85"]
#: column order of results.csv
COLUMNS = ["dataset", "house", "period_s", "resolution", "inference", "method", "target",
           "metric", "value", "ci_low", "ci_high", "n", "prior", "skill", "floor", "seed",
           "split", "simulated", "source"]
#: column order of predictions.csv: each household-level inference (``unit`` =
#: ``"household"``: water-heater ownership, appliance presence, the occupant count) and, with
#: ``predictions = "day"``, each per-day one (``unit`` = the local date: the water heater's
#: daily energy, each appliance's day use), with the truth and the population prior's
#: prediction, so that anyone can re-score them (issue 11, item 8); ``source``: the study
#: source (two simulated sources both name their houses ``sim_000``…)
PREDICTION_COLUMNS = ["dataset", "source", "house", "inference", "target", "period_s", "method",
                      "seed", "threat_model", "unit", "truth", "prediction", "prior_prediction"]
#: what ``predictions.csv`` holds: the household-level inferences; or those and the per-day
#: ones; or those and, for the per-interval inference (occupancy), each local day's intervals
#: (one record a day: ``truth`` and ``prediction`` are strings of one character per interval,
#: "1" / "0" / "-" unknown; :func:`nilm.privacy.scores.interval_prediction`)
PREDICTION_LEVELS = ("household", "day", "interval")


def prediction_level(record: dict) -> str:
    """The :data:`PREDICTION_LEVELS` entry of a predictions record: ``"household"`` (unit
    "household"), ``"interval"`` (a day of per-interval codes, a string truth) or ``"day"``."""
    if record["unit"] == "household":
        return "household"
    return "interval" if isinstance(record["truth"], str) else "day"


def _whole(v) -> bool:
    """``v`` is a whole number (an int or a NumPy integer, not a bool)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


@dataclass
class Source:
    """One data source of a study.

    ``kind="simulated"``: ``households`` simulated households of ``days`` days at ``period`` s,
    generated once into ``OUT/data/<name>/`` from ``seed`` (labelled simulated everywhere),
    from ``start`` (ISO date) under the country ``preset`` (FR, GB, CH:
    :mod:`nilm.simulate.presets`).
    ``kind="path"``: every household :func:`nilm.load_all` finds at ``path`` (``options`` are
    loader options, ``houses`` an optional filter); ground truth as the dataset records it
    (METER diaries, ECO occupancy: :func:`nilm.truth_for`), else from real-data proxies.
    """

    name: str
    kind: str = "simulated"
    path: str | None = None
    households: int = 4
    days: int = 14
    period: int = 1
    seed: int = 0
    options: dict = field(default_factory=dict)
    houses: list | None = None
    preset: str = "FR"
    start: str = "2024-01-08"

    def __post_init__(self):
        where = f"source {self.name!r}"
        if not isinstance(self.name, str) or not self.name or "/" in self.name:
            raise UsageError(f"source name {self.name!r}: give a non-empty name without '/'")
        if self.kind not in ("simulated", "path"):
            raise UsageError(f"{where}: kind must be 'simulated' or 'path', not {self.kind!r}")
        if self.kind == "path" and not self.path:
            raise UsageError(f"{where}: kind 'path' needs a path = \"data file or folder\"")
        for key in ("households", "days"):
            v = getattr(self, key)
            if not _whole(v) or v < 1:
                raise UsageError(f"{where}: {key} must be a whole number >= 1, not {v!r}")
        if not _whole(self.seed) or self.seed < 0:
            raise UsageError(f"{where}: seed must be a whole number >= 0, not {self.seed!r}")
        if (not _whole(self.period) or self.period < 1
                or 3600 % self.period):
            raise UsageError(f"{where}: period must be whole seconds dividing 3600 (1, 2, 10, "
                             f"60, 300...), not {self.period!r}")
        if not isinstance(self.options, dict):
            raise UsageError(f"{where}: options must be a table, e.g. options = "
                             "{aggregate = \"sum_of_circuits\"}")
        if self.houses is not None and not isinstance(self.houses, list):
            raise UsageError(f"{where}: houses must be a list, e.g. houses = [\"1\", \"2\"]")
        if self.kind == "simulated":
            from ..simulate.presets import get_preset

            try:
                get_preset(self.preset)
            except ValueError as e:
                raise UsageError(f"{where}: {e}") from None


@dataclass
class StudySpec:
    """What to compute. ``methods`` maps an inference to its attack names (default: every
    attack that inference implements); ``resolutions`` accepts ``"native"`` and anything
    :func:`nilm.resample.parse_period` reads."""

    sources: list[Source]
    name: str = "study"
    seed: int = 0
    resolutions: list = field(default_factory=lambda: list(DEFAULT_RESOLUTIONS))
    inferences: list = field(default_factory=lambda: list(DEFAULT_INFERENCES))
    methods: dict = field(default_factory=dict)
    n_boot: int = 200
    #: per-house attacks on a simulated source of 3+ households train on, and take their priors
    #: from, the *other* households (leave one household out), as an attacker holding a
    #: reference population would; otherwise on the household's own first days
    train_on_others: bool = True
    #: at most this many other households train each house's attacks: the ones after it in
    #: the source's house order (cyclically), so every job loads a bounded number of houses and
    #: a population of thousands scales linearly (5 = every other house of the demo's six)
    max_train_households: int = 5
    #: houses that share one fit of each learned attack (:func:`nilm.study.plan.training_blocks`):
    #: 1 = every house trained on its own ``max_train_households`` followers; B > 1 = the
    #: source's houses cut into consecutive blocks of B (at most ``(n - k) // 2``), each block
    #: attacked by models fitted once on the k houses after it (seeded by the block's first
    #: house), B times fewer fits; the scorers' bootstraps keep each house's own seed
    train_block: int = 1
    #: null control (:mod:`nilm.null`): ``"none"``, ``"permute_households"`` (each curve
    #: scored against another household's truth over the same dates) or ``"shift_days"``
    null: str = "none"
    #: rows of ``OUT/predictions.csv`` (:data:`PREDICTION_COLUMNS`): ``"household"`` (the
    #: household-level inferences), ``"day"`` (those and the per-day ones) or ``"interval"``
    #: (those and occupancy's per-interval verdicts, :data:`PREDICTION_LEVELS`)
    predictions: str = "household"

    def __post_init__(self):
        self.check()

    def check(self) -> None:
        """Raise :class:`~nilm.errors.UsageError` (what is wrong, what to write) for a spec that
        could fail once work has started: no sources, duplicate source names, an unknown
        resolution, inference or method, a bad count. Runs on construction; see also
        :meth:`check_paths`."""
        if not isinstance(self.sources, list) or not self.sources:
            raise UsageError("the spec has no sources: add a [[sources]] table with a name "
                             "(see docs/study.md)")
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise UsageError(f"source names must be unique, got {names}")
        if not isinstance(self.resolutions, list) or not self.resolutions:
            raise UsageError("resolutions must be a non-empty list, e.g. "
                             "[\"native\", \"1min\", \"30min\"]")
        for res in self.resolutions:
            check_resolution(res)
        if (not isinstance(self.inferences, list) or not self.inferences
                or any(i not in DEFAULT_INFERENCES for i in self.inferences)):
            raise UsageError(f"inferences {self.inferences!r}: give a list of "
                             f"{DEFAULT_INFERENCES}")
        if not isinstance(self.methods, dict):
            raise UsageError("methods must be a table, e.g. [methods] occupancy = [\"night\"]")
        for inference, methods in self.methods.items():
            if inference not in DEFAULT_INFERENCES:
                raise UsageError(f"methods.{inference}: no such inference (choose among "
                                 f"{DEFAULT_INFERENCES})")
            known = known_methods(inference)
            if isinstance(methods, str) or not isinstance(methods, list) or not methods:
                raise UsageError(f"methods.{inference} must be a non-empty list of names, "
                                 f"e.g. [\"{known[0]}\"]")
            bad = [m for m in methods if m not in known]
            if bad:
                raise UsageError(f"methods.{inference}: unknown {bad}; known: {known}")
        from ..null import check_null

        try:
            check_null(self.null)
        except ValueError as e:
            raise UsageError(str(e)) from None
        if self.predictions not in PREDICTION_LEVELS:
            raise UsageError(f"predictions must be one of {list(PREDICTION_LEVELS)}, not "
                             f"{self.predictions!r}")
        for key in ("seed", "n_boot", "max_train_households", "train_block"):
            v = getattr(self, key)
            if not _whole(v) or v < (0 if key == "seed" else 1):
                raise UsageError(f"{key} must be a whole number >= "
                                 f"{0 if key == 'seed' else 1}, not {v!r}")

    def check_paths(self) -> None:
        """Raise :class:`~nilm.errors.UsageError` when a ``path`` source's data is missing."""
        for s in self.sources:
            if s.kind == "path" and not Path(s.path).exists():
                raise UsageError(f"source {s.name!r}: path {s.path} does not exist (paths are "
                                 "relative to the folder nilm runs in)")

    @classmethod
    def from_dict(cls, d: dict) -> StudySpec:
        """A spec from the dict of a TOML file, checked completely (:meth:`check`,
        :meth:`check_paths`) before any work."""
        d = dict(d)
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise UsageError(f"unknown study keys {sorted(unknown)}; known: "
                             f"{sorted(cls.__dataclass_fields__)}")
        sources = d.get("sources")
        if not isinstance(sources, list) or not sources:
            raise UsageError("the spec has no sources: add a [[sources]] table with a name "
                             "(see docs/study.md)")
        fields = set(Source.__dataclass_fields__)
        parsed = []
        for i, s in enumerate(sources, 1):
            if isinstance(s, Source):
                parsed.append(s)
                continue
            if not isinstance(s, dict) or "name" not in s:
                raise UsageError(f"source {i}: a [[sources]] table needs a name")
            bad = set(s) - fields
            if bad:
                raise UsageError(f"source {s['name']!r}: unknown keys {sorted(bad)}; known: "
                                 f"{sorted(fields)}")
            parsed.append(Source(**s))
        d["sources"] = parsed
        spec = cls(**d)
        spec.check_paths()
        return spec

    @classmethod
    def from_toml(cls, path) -> StudySpec:
        """Read a spec: top-level keys of :class:`StudySpec` and ``[[sources]]`` tables. Any
        problem (missing file, bad TOML, a bad key or value) is a
        :class:`~nilm.errors.UsageError` naming the file, raised before any work."""
        import tomllib

        try:
            with open(path, "rb") as f:
                d = tomllib.load(f)
        except FileNotFoundError:
            raise UsageError(f"{path}: no such study spec") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read the spec ({exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path}: not valid TOML: {exc}") from None
        try:
            return cls.from_dict(d)
        except UsageError as exc:
            raise UsageError(f"{path}: {exc}") from None

    def to_dict(self) -> dict:
        return asdict(self)

    def methods_for(self, inference: str) -> list[str]:
        """Attack names for ``inference``: the spec's, else every attack the inference
        implements (for appliances also :data:`DEFAULT_DISAGGREGATORS`)."""
        from ..privacy import METHODS

        if inference in self.methods:
            return list(self.methods[inference])
        extra = DEFAULT_DISAGGREGATORS if inference == "appliances" else []
        return [*METHODS[inference], *extra]


def scaled(spec: StudySpec, households: int | None) -> StudySpec:
    """``spec`` with its simulated sources scaled to about ``households`` in total (each at
    least 2, in proportion to its size); ``None``: ``spec`` itself. A smaller stated population
    of the same study (``make results HOUSEHOLDS=N``, the growth curve of
    scripts/study_speed.py)."""
    if households is None:
        return spec
    sim = [s for s in spec.sources if s.kind == "simulated"]
    total = sum(s.households for s in sim)
    sources = [dataclasses.replace(s, households=max(2, round(households * s.households /
                                                               total)))
               if s.kind == "simulated" else s for s in spec.sources]
    return dataclasses.replace(spec, sources=sources)


def check_resolution(resolution) -> str:
    """``resolution`` when it is ``"native"`` or a period :func:`nilm.resample.parse_period`
    reads, else :class:`~nilm.errors.UsageError`."""
    from ..resample import parse_period

    if resolution != "native":
        try:
            parse_period(resolution)
        except ValueError:
            raise UsageError(f"resolution {resolution!r}: write \"native\" or a period such "
                             "as \"2s\", \"1min\", \"30min\", \"1h\", \"1d\"") from None
    return resolution


def known_methods(inference: str) -> list[str]:
    """Attack names a spec may give for ``inference`` (appliances: also every disaggregator
    of :data:`nilm.disaggregate.MODELS`), and its priors (:data:`nilm.privacy.PRIORS`, not for
    the occupant count), which a study scores like attacks so that the report can pair each
    attack with them."""
    from ..privacy import METHODS, PRIORS

    names = list(METHODS[inference])
    if inference != "occupants":  # a population inference: its prior is in its own rows
        names += [k.split(".", 1)[1] for k in PRIORS if k.startswith(f"{inference}.")]
    if inference == "appliances":
        from ..disaggregate import MODELS

        names += [m for m in MODELS if m not in names]
    return names

