"""The leakage study: every inference scored over data sources × houses × resolutions × methods.

A study is a :class:`StudySpec` (a TOML file or a Python object). It is cut into **cells**, one
per (source, house, period, inference, method); the occupant count is a population inference,
so its cells are per (source, period, method) with house ``"*"``. Each finished cell is stored as
one JSON file under ``OUT/cells/`` (written atomically), so a study that is interrupted, even by
SIGKILL, resumes by computing only the missing cells, with identical results: every cell's seed is
derived from the study seed and the cell's key (never from run order or process).

Work is scheduled per house (one load and one resampling per period serve all of that house's
cells) on local processes (default) or on a Dask distributed cluster (``scheduler=ADDRESS`` or
``"local"`` for a LocalCluster); a job killed with its worker is re-run by Dask and rewrites
only what is missing.

Outputs: ``OUT/results.csv`` (the tidy table of DESIGN.md plus the privacy columns ``inference``,
``prior``, ``skill``, ``floor`` and ``simulated``) and ``OUT/provenance.json``.

The spec format, the resume semantics, the executors and the measured speed and scaling are in
docs/study.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import platform
import subprocess
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_open
from .errors import UsageError

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
    loader options, ``houses`` an optional filter); ground truth from real-data proxies.
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
            from .simulate.presets import get_preset

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
    #: null control (:mod:`nilm.null`): ``"none"``, ``"permute_households"`` (each curve
    #: scored against another household's truth over the same dates) or ``"shift_days"``
    null: str = "none"

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
        from .null import check_null

        try:
            check_null(self.null, self.inferences)
        except ValueError as e:
            raise UsageError(str(e)) from None
        for key in ("seed", "n_boot", "max_train_households"):
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
        from .privacy import METHODS

        if inference in self.methods:
            return list(self.methods[inference])
        extra = DEFAULT_DISAGGREGATORS if inference == "appliances" else []
        return [*METHODS[inference], *extra]


def check_resolution(resolution) -> str:
    """``resolution`` when it is ``"native"`` or a period :func:`nilm.resample.parse_period`
    reads, else :class:`~nilm.errors.UsageError`."""
    from .resample import parse_period

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
    from .privacy import METHODS, PRIORS

    names = list(METHODS[inference])
    if inference != "occupants":  # a population inference: its prior is in its own rows
        names += [k.split(".", 1)[1] for k in PRIORS if k.startswith(f"{inference}.")]
    if inference == "appliances":
        from .disaggregate import MODELS

        names += [m for m in MODELS if m not in names]
    return names


@dataclass(frozen=True)
class Cell:
    source: str
    house: str
    resolution: str
    inference: str
    method: str

    @property
    def key(self) -> str:
        return "|".join([self.source, self.house, self.resolution, self.inference, self.method])

    def seed(self, study_seed: int) -> int:
        """Seed of this cell: a hash of the study seed and the cell key without its resolution
        (run-order free). Every rung of one (source, house, inference, method) shares it:
        common random numbers, so a difference between resolutions is not a difference of
        classifier seeds or bootstrap draws, and learned attacks that read the same features
        at several rungs can fit once."""
        key = "|".join([self.source, self.house, self.inference, self.method])
        h = hashlib.sha256(f"{study_seed}|{key}".encode()).digest()
        return int.from_bytes(h[:4], "little")

    def filename(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()[:24] + ".json"


# ----------------------------------------------------------------------------- data access


def _data_dir(out: Path, source: Source) -> Path:
    return out / "data" / source.name


def materialise(source: Source, out: Path) -> None:
    """Generate a simulated source once (idempotent: skipped when its manifest exists)."""
    if source.kind != "simulated":
        return
    d = _data_dir(out, source)
    if (d / "population.json").exists():
        return
    from .simulate import simulate_to_dir

    simulate_to_dir(d, households=source.households, days=source.days, seed=source.seed,
                    period=source.period, preset=source.preset, start=source.start)


def house_ids(source: Source, out: Path) -> list[str]:
    """The houses of a source, as strings, in a stable order."""
    if source.kind == "simulated":
        files = sorted(_data_dir(out, source).glob("*.nilm.h5"))
        ids = [f.name[: -len(".nilm.h5")] for f in files]
    else:
        from .io import load_all

        ids = [str(h.meta.get("house")) for h in load_all(source.path, cache=_cache(out),
                                                           **source.options)]
    if source.houses is not None:
        keep = {str(h) for h in source.houses}
        ids = [i for i in ids if i in keep]
    return ids


def _cache(out: Path) -> Path:
    return out / "cache"


def load_house(source: Source, house: str, out: Path):
    """(Household, GroundTruth) of one house: the simulator's truth, or real-data proxies."""
    from .io import load, load_all
    from .truth import GroundTruth

    if source.kind == "simulated":
        d = _data_dir(out, source)
        h = load(d / f"{house}.nilm.h5")
        return h, GroundTruth.load(d / f"{house}.truth.npz")
    from .privacy.truth_proxy import proxy_truth

    hh = [h for h in load_all(source.path, cache=_cache(out), **source.options)
          if str(h.meta.get("house")) == house]
    if not hh:
        raise ValueError(f"source {source.name}: no house {house!r}")
    return hh[0], proxy_truth(hh[0])


def period_of(resolution: str, household) -> int:
    from .resample import parse_period

    return household.native_period if resolution == "native" else int(parse_period(resolution))


# ----------------------------------------------------------------------------- cells


def plan(spec: StudySpec, out: Path) -> dict[tuple[str, str], list[Cell]]:
    """Cells grouped by job: (source, house) for per-house inferences, (source, "*") for the
    occupant count."""
    jobs: dict[tuple[str, str], list[Cell]] = {}
    for source in spec.sources:
        houses = house_ids(source, out)
        for res in spec.resolutions:
            for inf in spec.inferences:
                for m in spec.methods_for(inf):
                    if inf == "occupants":
                        if source.kind == "simulated":
                            jobs.setdefault((source.name, "*"), []).append(
                                Cell(source.name, "*", res, inf, m))
                        continue
                    for h in houses:
                        jobs.setdefault((source.name, h), []).append(
                            Cell(source.name, h, res, inf, m))
    return jobs


def split_jobs(jobs: dict[tuple[str, str], list[Cell]], workers: int
               ) -> list[tuple[tuple[str, str], list[Cell]]]:
    """The jobs to schedule on ``workers`` workers: the house jobs of :func:`plan`, each cut
    into parts by resolution when there are fewer house jobs than workers.

    A house's cost falls by orders of magnitude along the ladder (a 1-s year has 31.5 M
    intervals, its 2-s grid half as many, its 1-min grid 0.5 M), so with ``p`` parts the first
    ``p − 1`` resolutions of the spec run alone and the rest together. Every part loads the
    house again and learned attacks that share features across rungs fit again, so a part is
    made only for a worker that would otherwise idle. Results are those of the uncut job: a
    cell's rows depend only on its house, its resolution and its seed.
    """
    out = list(jobs.items())
    houses = [k for k in jobs if k[1] != "*"]
    if not houses or len(houses) >= workers:
        return out
    per_house = max(1, workers // len(houses))
    result = []
    for key, cells in out:
        res = list(dict.fromkeys(c.resolution for c in cells))
        p = min(per_house, len(res)) if key[1] != "*" else 1
        if p <= 1:
            result.append((key, cells))
            continue
        groups = [res[i:i + 1] for i in range(p - 1)] + [res[p - 1:]]
        result += [(key, [c for c in cells if c.resolution in g]) for g in groups]
    return result


def training_houses(houses: list[str], house: str, k: int) -> list[str]:
    """The at most ``k`` houses that train ``house``'s attacks: those following it in
    ``houses``, cyclically (deterministic, and each house trains as many others)."""
    if house not in houses:
        return houses[:k]
    i = houses.index(house)
    chosen = {houses[(i + j) % len(houses)] for j in range(1, min(k, len(houses) - 1) + 1)}
    return [h for h in houses if h in chosen]  # in house order, as the training data stack


def fingerprint(spec: StudySpec, source_name: str) -> str:
    """What a stored cell of ``source_name`` must have been computed with to be reused: the
    nilm version and git commit, and every spec setting that changes a cell's numbers (the
    study seed, ``n_boot``, the training design and the source's definition) — not the lists
    of resolutions, inferences and methods, which only choose cells."""
    from .version import __version__

    d = spec.to_dict()
    keep = {k: v for k, v in d.items() if k not in ("name", "resolutions", "inferences",
                                                    "methods", "sources")}
    keep["source"] = next(s for s in d["sources"] if s["name"] == source_name)
    keep["nilm"] = [__version__, _git_commit()]
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def _write_cell(out: Path, cell: Cell, rows: list[dict], meta: dict, fp: str) -> None:
    path = out / "cells" / cell.filename()
    with atomic_open(path, "w") as f:
        json.dump({"cell": asdict(cell), "fingerprint": fp, "meta": meta, "rows": rows,
                   "sha256": _cell_digest(meta, rows)}, f, default=_json_default)


def _cell_digest(meta: dict, rows: list[dict]) -> str:
    """SHA-256 of a cell's content as JSON (read back exactly: floats round-trip), so a cell
    file changed after writing is recomputed, not served (nilm.integrity)."""
    text = json.dumps({"meta": meta, "rows": rows}, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()


def _json_default(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    raise TypeError(type(x))


def _read_cell(out: Path, cell: Cell, fp: str) -> dict | None:
    """A stored cell, or None when absent, unreadable (a torn file), computed with another
    :func:`fingerprint` (another nilm version or commit, other settings) or failing its
    SHA-256 (a file changed after writing; also warned): it is recomputed."""
    path = out / "cells" / cell.filename()
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    if d.get("cell") != asdict(cell) or d.get("fingerprint") != fp:
        return None
    if d.get("sha256") != _cell_digest(d.get("meta"), d.get("rows")):
        warnings.warn(f"nilm: cell file {path} failed its checksum (changed after it was "
                      "written); recomputed", RuntimeWarning, stacklevel=2)
        return None
    return d


def _tidy(rows: list[dict], cell: Cell, household_meta: dict, period: int, seed: int) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        r.update(dataset=household_meta.get("dataset", cell.source), source=cell.source,
                 house=cell.house,
                 period_s=period, resolution=cell.resolution, seed=seed,
                 simulated=bool(household_meta.get("simulated", False)))
        out.append({k: r.get(k, math.nan) for k in COLUMNS})
    return out


def _score_cell(cell: Cell, grid, truth, seed: int, train, features, inputs: dict,
                fits: dict) -> list[dict]:
    """Attack ``grid`` with the registered attack of ``cell`` and score it
    (:func:`nilm.privacy.base.evaluate`), the same for every inference.

    ``features``: ``(feature grid, feature-period training pairs or None)`` when this rung is
    read through the house's grid at the feature period (1 s, 2 s … and 1 min itself), else
    None. An attack that reads those features fits and predicts once for all such rungs:
    ``fits`` holds, by (inference, method, seed), its parameters, the fitted attack and its
    verdict on the feature grid (:func:`nilm.privacy.base.predict_on_features`), each rung
    reading it at its own intervals. ``inputs``: the inference's method-independent inputs of
    its scorer (:class:`nilm.privacy.base.Inference`), built once by the caller.
    """
    from .privacy import ATTACKS, INFERENCES, METHODS, PRIORS
    from .privacy.base import evaluate, predict_on_features

    name = f"{cell.inference}.{cell.method}"
    inf = INFERENCES[cell.inference]
    if name in PRIORS:
        return score_prior(PRIORS[name], inf, grid, truth, seed, train,
                           inf.params(grid, METHODS[cell.inference][0]), inputs)
    if name not in ATTACKS:
        raise ValueError(f"unknown attack {cell.method!r} of inference {cell.inference!r}")
    params = inf.params(grid, cell.method)
    if not (features is not None and getattr(ATTACKS[name], "reads_features", False)):
        return evaluate(ATTACKS[name](**params, seed=seed), grid, truth, design=inf.design,
                        score=inf.score, seed=seed, train=train, **inputs)
    key = (cell.inference, cell.method, seed)
    if key not in fits or fits[key][0] != params:
        attack = ATTACKS[name](**params, seed=seed)
        fits[key] = (params, attack, predict_on_features(attack, features, truth,
                                                         design=inf.design))
    _, attack, verdict = fits[key]
    return evaluate(attack, grid, truth, design=inf.design, score=inf.score, seed=seed,
                    train=train, feature_verdict=verdict, **inputs)


def score_prior(cls, inf, grid, truth, seed: int, train, params: dict, inputs: dict
                ) -> list[dict]:
    """Score a prior of :data:`nilm.privacy.PRIORS` like an attack (rows with ``method`` = its
    name): a population prior learns from the training households of the inference's design;
    the household-typical prior from the attacked household's own ``(grid, truth)``, predicting
    each day from its other days. ``params``: those of the inference's first attack (the
    appliance names), so prior and attacks score the same targets."""
    from .privacy.base import evaluate

    own = cls.method == "household_typical"
    prior = cls(**params, seed=seed)
    if own:
        prior.fit([(grid, truth)])
    return evaluate(prior, grid, truth, design=inf.design, score=inf.score, seed=seed,
                    train=train, fit=not own, **inputs)


def _libc():
    """The process's C library if it is glibc (has ``mallopt`` and ``malloc_trim``), else None."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, AttributeError):
        return None


#: glibc's ``mallopt`` parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3

#: whether :func:`tune_heap` ran in this process
_heap_tuned = False


def tune_heap() -> bool:
    """Let glibc keep freed large arrays for reuse in this process, for the rest of its life.

    By default glibc maps every allocation above a threshold (at most 32 MB) fresh from the
    kernel and unmaps it on free, so each temporary of a year of 1-s samples (250 MB) is
    zero-filled page by page again: a household-year study spends most of its system time
    there. Raising the mmap and trim thresholds serves them from the heap instead; after each
    job :func:`run_house_job` returns the free heap to the kernel (``malloc_trim``).
    Allocation strategy only: results are unchanged.

    glibc cannot report the values it replaces (and setting the mmap threshold switches its
    dynamic adjustment off for good), so this is for processes that exist to run a study: the
    study's pool workers and Dask LocalCluster workers call it at start-up, and the
    ``nilm study`` command in its own process. :func:`run_study` never calls it in the caller's
    process (a Jupyter kernel with ``workers=1`` keeps its allocator as it was).

    Returns
    -------
    True when the C library is glibc and the settings were made, else False (nothing done).
    """
    global _heap_tuned
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt(_M_MMAP_THRESHOLD, 2**31 - 1)
    libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    libc.mallopt(_M_TOP_PAD, 2**26)
    _heap_tuned = True
    return True


def run_house_job(spec_dict: dict, out: str, source_name: str, house: str,
                  cells: list[Cell]) -> int:
    """Compute the missing cells of one job; returns how many it computed. Top-level function
    so that process pools and Dask can pickle it."""
    try:
        return _run_job(spec_dict, out, source_name, house, cells)
    finally:
        if _heap_tuned:
            _libc().malloc_trim(0)


def _run_job(spec_dict: dict, out: str, source_name: str, house: str,
             cells: list[Cell]) -> int:
    from .privacy import INFERENCES
    from .privacy.scores import FEATURE_PERIOD_S

    spec = StudySpec.from_dict(spec_dict)
    out = Path(out)
    fp = fingerprint(spec, source_name)
    todo = [c for c in cells if _read_cell(out, c, fp) is None]
    if not todo:
        return 0
    source = next(s for s in spec.sources if s.name == source_name)
    if house == "*":
        return _run_population_job(spec, out, source, todo, fp)
    household, truth = load_house(source, house, out)
    truth_house, truth = null_pairing(spec, source, house, out, household, truth)
    others = []
    if spec.train_on_others and source.kind == "simulated":
        ids = training_houses(house_ids(source, out), house, spec.max_train_households)
        if len(ids) >= 2:
            others = [load_house(source, h, out) for h in ids]
    by_res: dict[str, list[Cell]] = {}
    for c in todo:
        by_res.setdefault(c.resolution, []).append(c)
    house_meta = {k: v for k, v in household.meta.items() if k != "source_files"}
    native = household.native_period
    rungs: dict[int, tuple] = {}
    per_house: dict[str, dict] = {}  # each inference's household inputs, built once
    fits: dict = {}  # attacks fitted on the feature rung, shared by the rungs that read it

    def rung(period: int):
        """(grid, training pairs) of this house and the others at ``period``, made once."""
        if period not in rungs:
            rungs[period] = (household.to_grid(period),
                             [(h.to_grid(period), t) for h, t in others])
        return rungs[period]

    for res, group in by_res.items():
        period = period_of(res, household)
        if period < native:
            # a resolution finer than the data has nothing to attack: recorded, not computed
            for c in group:
                _write_cell(out, c, [], {"house_meta": house_meta, "skipped":
                                         f"{res} is finer than the native {native} s"}, fp)
            continue
        grid, train = rung(period)
        train = train or None  # no other households: the design splits the house itself
        features = None
        if period == FEATURE_PERIOD_S or (period < FEATURE_PERIOD_S
                                          and FEATURE_PERIOD_S % period == 0):
            # learned attacks read this rung through the house's own grid at the feature
            # period, the very objects the 1-min rung attacks, so their fit is shared
            fgrid, ftrain = rung(FEATURE_PERIOD_S)
            features = (fgrid, ftrain if train else None)
        per_grid: dict[str, dict] = {}
        for c in group:
            inf = INFERENCES[c.inference]
            if c.inference not in per_house:
                # under a null control the truth side (truth, sub-meters) is another's
                per_house[c.inference] = inf.household_inputs(truth_house, truth)
            if c.inference not in per_grid:
                per_grid[c.inference] = inf.grid_inputs(grid, truth, train,
                                                        **per_house[c.inference])
            seed = c.seed(spec.seed)
            rows = _score_cell(c, grid, truth, seed, train, features,
                               {**per_house[c.inference], **per_grid[c.inference]}, fits)
            _write_cell(out, c, _tidy(rows, c, household.meta, period, seed),
                        {"house_meta": house_meta}, fp)
        if period != FEATURE_PERIOD_S:
            del rungs[period]  # a year of 1-s grids is gigabytes; the feature rung is kept
        del grid, train, per_grid
    return len(todo)


def null_pairing(spec: StudySpec, source: Source, house: str, out: Path, household, truth):
    """(household whose sub-meters are the appliance truth, GroundTruth) that ``house``'s curve
    is scored against under the spec's null control (:mod:`nilm.null`): its own under
    ``"none"``; another household's, over the same dates, under ``"permute_households"``; its
    own truth rolled by :data:`nilm.null.SHIFT_DAYS` days under ``"shift_days"``."""
    from . import null

    if spec.null == "none":
        return household, truth
    if spec.null == "shift_days":
        return household, null.shift_truth(truth)
    houses = house_ids(source, out)
    skip = spec.max_train_households if spec.train_on_others else 0
    other = null.partner(houses, house, skip)
    other_house, other_truth = load_house(source, other, out)
    null.check_same_dates(truth, other_truth, house, other)
    return other_house, other_truth


def null_truths(spec: StudySpec, houses: list[str], truths: list) -> list:
    """The truths a population job scores its houses' curves against under the spec's null
    control (see :func:`null_pairing`; occupants are household-level, so ``shift_days`` keeps
    them)."""
    from . import null

    if spec.null != "permute_households":
        return truths
    skip = spec.max_train_households if spec.train_on_others else 0
    return [truths[houses.index(null.partner(houses, h, skip))] for h in houses]


#: fewest labelled households :func:`nilm.privacy.score_occupants_population` scores (it
#: abstains below, without reading any grid); should it read one anyway, it gets None and fails
_MIN_POPULATION = 3


def _household_meta(source: Source, house: str, out: Path) -> dict:
    """Metadata of a simulated house from its file's header (no power data read)."""
    import h5py

    path = _data_dir(out, source) / f"{house}.nilm.h5"
    try:
        with h5py.File(path, "r") as f:
            return json.loads(f["households"][house].attrs["meta_json"])
    except (OSError, KeyError, ValueError):
        return load_house(source, house, out)[0].meta


def _run_population_job(spec: StudySpec, out: Path, source: Source, todo: list[Cell],
                        fp: str) -> int:
    from .privacy import score_occupants_population
    from .privacy.occupants import population_features
    from .truth import GroundTruth

    houses = house_ids(source, out)
    truths = [GroundTruth.load(_data_dir(out, source) / f"{h}.truth.npz") for h in houses]
    truths = null_truths(spec, houses, truths)
    # only labelled households are read by the scorer, and none when too few are labelled:
    # loading and resampling a population of 1-s years for nothing dominated small studies
    labelled = [i for i, t in enumerate(truths) if t.occupants > 0]
    if len(labelled) < _MIN_POPULATION:
        labelled = []
    loaded = {i: load_house(source, houses[i], out)[0] for i in labelled}
    meta = {"dataset": (loaded[labelled[0]].meta if labelled else
                        _household_meta(source, houses[0], out)).get("dataset", source.name),
            "simulated": source.kind == "simulated"}
    # a simulated source is written at its own period (population jobs are simulated only)
    native = int(source.period)
    by_res: dict[str, list[Cell]] = {}
    for c in todo:
        by_res.setdefault(c.resolution, []).append(c)
    for res, group in by_res.items():
        from .resample import parse_period

        period = native if res == "native" else int(parse_period(res))
        if period < native:
            for c in group:
                _write_cell(out, c, [], {"houses": houses, "skipped": f"{res} is finer than "
                                         "the native period"}, fp)
            continue
        grids = [loaded[i].to_grid(period) if i in loaded else None for i in range(len(houses))]
        # the household features of this rung, shared by every method
        x = population_features(grids, truths, period) if labelled else None
        for c in group:
            seed = c.seed(spec.seed)
            rows = score_occupants_population(grids, truths, period, method=c.method,
                                              seed=seed, n_boot=spec.n_boot, features=x)
            _write_cell(out, c, _tidy(rows, c, meta, period, seed), {"houses": houses}, fp)
    return len(todo)


# ----------------------------------------------------------------------------- running


@functools.lru_cache(maxsize=1)
def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_study(spec: StudySpec, out, *, workers: int = 1, scheduler: str | None = None,
              progress: bool = True):
    """Run (or resume) a study; returns the results table (pandas DataFrame).

    Parameters
    ----------
    spec : the study.
    out : output folder (created); holds ``data/``, ``cache/``, ``cells/``, ``results.csv`` and
        ``provenance.json``.
    workers : local worker processes (1 = in this process).
    scheduler : ``None`` for local processes, ``"local"`` for a Dask LocalCluster of ``workers``
        workers, or the address of a running Dask scheduler (``tcp://host:8786``).
    progress : show a tqdm progress bar over jobs.
    """
    from tqdm.auto import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    for source in spec.sources:
        materialise(source, out)
    jobs = plan(spec, out)
    spec_dict = spec.to_dict()
    parallel = workers if (scheduler is not None or workers > 1) else 1
    # a job carries the spec and its cells only (a few kB): each worker reads its houses from
    # ``out`` itself, so no power data is pickled or shipped by either executor
    args = [(spec_dict, str(out), s, h, cells)
            for (s, h), cells in schedule_order(split_jobs(jobs, parallel))]
    bar = tqdm(total=len(args), desc=f"study {spec.name}", unit="job", disable=not progress)
    if scheduler is not None:
        _run_dask(args, scheduler, workers, bar)
    elif workers <= 1:
        for a in args:
            run_house_job(*a)
            bar.update()
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, initializer=tune_heap) as pool:
            for fut in as_completed([pool.submit(run_house_job, *a) for a in args]):
                fut.result()
                bar.update()
    bar.close()
    return collect(spec, out, jobs, elapsed_s=time.time() - t0)


def schedule_order(jobs: list[tuple[tuple[str, str], list[Cell]]]
                   ) -> list[tuple[tuple[str, str], list[Cell]]]:
    """The jobs in the order they are handed to workers: population jobs (house ``"*"``, which
    read every house of their source and are the longest) first, then the house jobs in plan
    order. Longest first shortens the run on a few workers (a population job started last
    runs alone at the end); the order changes no result, each cell depending only on its own
    inputs and seed."""
    return sorted(jobs, key=lambda job: job[0][1] != "*")


#: Dask settings of the LocalCluster's workers. Each worker runs its task in a thread beside
#: an event loop whose default timers (the 20-ms tick check, the 10-ms statistical profiler,
#: the 100-ms memory and 500-ms system monitors) take the GIL from the task tens of times a
#: second; on a loaded 2-core machine every such hand-over waits for the OS to schedule the
#: other thread, and a one-house job took 1.3x the wall time and 1.2x the CPU of the same job
#: in a plain process. A job is one long task, so the profile is of no use and the monitors
#: can be slow (the memory limit is still enforced, every 2 s).
QUIET_WORKER = {"distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "2s",
                "distributed.worker.profile.enabled": False,
                "distributed.worker.memory.monitor-interval": "2s"}


def _run_dask(args, scheduler: str, workers: int, bar) -> None:
    """Run the jobs on Dask: a LocalCluster of ``workers`` single-threaded worker processes
    with :data:`QUIET_WORKER` settings (``scheduler="local"``), or a running scheduler (its
    workers keep their own settings). One task per job, submitted in :func:`schedule_order`."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        # each nanny copies the configuration current when it is made into its worker
        with dask.config.set(QUIET_WORKER):
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
        client = Client(cluster)
        client.run(tune_heap)  # workers of our own cluster: see tune_heap
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(run_house_job, *a, key=f"nilm-job-{i}-{a[2]}-{a[3]}",
                                 pure=False) for i, a in enumerate(args)]
        for fut in as_completed(futures):
            fut.result()
            bar.update()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def collect(spec: StudySpec, out, jobs=None, *, elapsed_s: float | None = None):
    """Assemble the stored cells of ``spec`` into results.csv and provenance.json (atomic);
    raises if a cell is missing."""
    import pandas as pd

    from .version import __version__

    out = Path(out)
    jobs = plan(spec, out) if jobs is None else jobs
    rows, missing, files = [], [], {}
    fps = {s.name: fingerprint(spec, s.name) for s in spec.sources}
    for cells in jobs.values():
        for c in cells:
            d = _read_cell(out, c, fps[c.source])
            if d is None:
                missing.append(c.key)
                continue
            rows.extend(d["rows"])
    if missing:
        raise RuntimeError(f"{len(missing)} cells missing, e.g. {missing[:3]}")
    for source in spec.sources:
        if source.kind == "path":
            from .io import load_all

            for h in load_all(source.path, cache=_cache(out), **source.options):
                files.update(h.meta.get("source_files", {}))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df.sort_values(["dataset", "house", "period_s", "inference", "method", "target",
                         "metric"], kind="mergesort").reset_index(drop=True)
    with atomic_open(out / "results.csv", "w", newline="") as f:
        df.to_csv(f, index=False, float_format="%.6g")
    prov = {"nilm_version": __version__, "git_commit": _git_commit(), "spec": spec.to_dict(),
            "source_files_sha256": files, "n_cells": sum(len(c) for c in jobs.values()),
            "python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "elapsed_s": elapsed_s,
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with atomic_open(out / "provenance.json", "w") as f:
        json.dump(prov, f, indent=2, default=str)
    return df
