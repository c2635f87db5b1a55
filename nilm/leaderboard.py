"""``nilm leaderboard``: every disaggregator × dataset × resolution rung × seed, with CIs.

The disaggregation counterpart of the leakage study (issue 18). A TOML spec
(``studies/leaderboard.toml``) lists the models (names of :data:`nilm.disaggregate.MODELS`),
the rungs (``native`` and periods such as ``10min``), the seeds, the metrics of
:data:`nilm.metrics.METRICS` and the datasets. One *cell* is one dataset at one rung with one
seed; it is fitted and scored by :func:`nilm.evaluate.evaluate` (Mean and the no-information
Prior are always beside the models) and stored by the study's cell store (:mod:`nilm.study.store`:
one atomic JSON file per cell under ``OUT/cells/`` with its fingerprint and content SHA-256),
so a rerun with the same ``--out`` resumes and a changed spec or code recomputes only the cells
it changes. Cells run in a process pool set up as the study's (:func:`nilm.study.tune_heap`);
rows are sorted by a fixed key, so 1 and N workers write the same table.

Protocol per cell:

* a rung finer than or equal to the native period is not run (resampling to it would only
  repeat samples); ``native`` always is;
* ``split = "time"`` (default): time split within each house, the first ``train_fraction`` of
  the intervals train, the rest test (CSV ``split`` ``time_<fraction>``);
* ``split = "cross_house"``: leave one house out, each house of the dataset (``paths``, or the
  simulated households) is tested whole with models trained on all the others, joined by
  :func:`nilm.evaluate.concat_grids`; only the spec's appliances present in every house are
  scored, the rungs run from the coarsest native period of the houses (CSV ``split``
  ``cross_house:train=<houses>``). Both splits are stated per dataset in the provenance;
* block bootstrap of :func:`nilm.metrics.bootstrap_ci` with ``block_s`` one day when the test
  span holds at least 10 days, else one hour (Künsch 1989); fewer than
  :data:`nilm.stats.MIN_BLOCKS` blocks ⇒ no CI (value only);
* fewer than :data:`MIN_TEST_INTERVALS` test intervals ⇒ the rung is left out and the
  provenance says so.

Datasets whose aggregate is the sum of their sub-meters (REDD house 5 here: its mains files are
not in the excerpt) are marked ``aggregate = "sum_of_sub_meters"``: such an aggregate has no
unmetered load, which flatters every model.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .atomic import atomic_open
from .version import __version__

#: CSV columns (issue 18)
COLUMNS = ["dataset", "simulated", "house", "split", "seed", "method", "target", "metric",
           "period_s", "value", "ci_low", "ci_high", "block_s", "n"]

#: a rung with fewer test intervals than this is left out, not reported
MIN_TEST_INTERVALS = 10

#: test spans of at least this many days get one-day bootstrap blocks, shorter ones one hour
DAY_BLOCK_MIN_DAYS = 10

_DAY_S = 86400.0
_HOUR_S = 3600.0


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the leaderboard.

    ``path`` is relative to the data folder (``--data``); a cross-house dataset of real houses
    has ``paths`` (one folder per house, at least two) instead, and a simulated dataset has
    ``simulate`` (``households``, ``days``, ``period`` s, ``seed``). ``appliances`` are the
    canonical names scored (default: every sub-meter); ``models`` restricts the spec's models
    for this dataset (e.g. Seq2Point only on the largest ones); ``aggregate`` is ``"mains"`` or
    ``"sum_of_sub_meters"``; ``split`` is ``"time"`` or ``"cross_house"`` (module notes).
    """

    name: str
    path: str | None = None
    paths: tuple[str, ...] | None = None
    options: dict = field(default_factory=dict)
    simulate: dict | None = None
    appliances: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    train_fraction: float = 0.6
    aggregate: str = "mains"
    split: str = "time"

    @property
    def simulated(self) -> bool:
        return self.simulate is not None

    @property
    def folders(self) -> tuple[str, ...]:
        """The data folders (relative to ``--data``) of a real dataset; none when simulated."""
        return self.paths if self.paths is not None else \
            ((self.path,) if self.path is not None else ())


@dataclass(frozen=True)
class LeaderboardSpec:
    """The whole leaderboard: models × datasets × rungs × seeds (see the module notes)."""

    models: tuple[str, ...]
    rungs: tuple[str, ...]
    seeds: tuple[int, ...]
    metrics: tuple[str, ...]
    datasets: tuple[DatasetSpec, ...]
    params: dict = field(default_factory=dict)
    n_boot: int = 200

    @classmethod
    def from_toml(cls, path) -> LeaderboardSpec:
        """Read and check a spec; a ValueError names the file and the bad key."""
        import tomllib

        path = Path(path)
        try:
            with open(path, "rb") as f:
                raw = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML: {e}") from None
        try:
            return cls.from_dict(raw)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}: {e}") from None

    @classmethod
    def from_dict(cls, raw: dict) -> LeaderboardSpec:
        from .disaggregate import MODELS
        from .metrics import METRICS
        from .resample import parse_period

        top = raw["leaderboard"]
        datasets = []
        for d in raw.get("dataset", []):
            ds = DatasetSpec(
                name=d["name"], path=d.get("path"),
                paths=tuple(d["paths"]) if "paths" in d else None,
                options=dict(d.get("options", {})),
                simulate=dict(d["simulate"]) if "simulate" in d else None,
                appliances=tuple(d["appliances"]) if "appliances" in d else None,
                models=tuple(d["models"]) if "models" in d else None,
                train_fraction=float(d.get("train_fraction", 0.6)),
                aggregate=d.get("aggregate", "mains"), split=d.get("split", "time"))
            if sum(x is not None for x in (ds.path, ds.paths, ds.simulate)) != 1:
                raise ValueError(f"dataset {ds.name!r}: give exactly one of path, paths and "
                                 f"simulate")
            if ds.split not in ("time", "cross_house"):
                raise ValueError(f"dataset {ds.name!r}: split must be 'time' or "
                                 f"'cross_house', got {ds.split!r}")
            if ds.paths is not None and (ds.split != "cross_house" or len(ds.paths) < 2):
                raise ValueError(f"dataset {ds.name!r}: paths (one folder per house) is for "
                                 f"split = 'cross_house' with at least two houses")
            if ds.split == "cross_house" and ds.simulated and \
                    int(ds.simulate.get("households", 1)) < 2:
                raise ValueError(f"dataset {ds.name!r}: a cross-house split needs at least "
                                 f"two simulated households")
            if ds.split == "cross_house" and ds.path is not None:
                raise ValueError(f"dataset {ds.name!r}: a cross-house split takes paths "
                                 f"(one folder per house), not path")
            if ds.aggregate not in ("mains", "sum_of_sub_meters"):
                raise ValueError(f"dataset {ds.name!r}: aggregate must be 'mains' or "
                                 f"'sum_of_sub_meters', got {ds.aggregate!r}")
            if not 0 < ds.train_fraction < 1:
                raise ValueError(f"dataset {ds.name!r}: train_fraction must be in (0, 1)")
            datasets.append(ds)
        if not datasets:
            raise ValueError("no [[dataset]]")
        if len({d.name for d in datasets}) != len(datasets):
            raise ValueError("dataset names must be unique")
        spec = cls(models=tuple(top["models"]), rungs=tuple(top["rungs"]),
                   seeds=tuple(int(s) for s in top["seeds"]), metrics=tuple(top["metrics"]),
                   datasets=tuple(datasets), params=dict(raw.get("params", {})),
                   n_boot=int(top.get("n_boot", 200)))
        models = set(spec.models) | {m for d in datasets for m in (d.models or ())}
        unknown = sorted(m for m in models if m not in MODELS)
        if unknown:
            raise ValueError(f"unknown models {unknown}; known: {sorted(MODELS)}")
        unknown = sorted(m for m in spec.metrics if m not in METRICS)
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; known: {sorted(METRICS)}")
        for r in spec.rungs:
            if r != "native":
                parse_period(r)
        return spec


@dataclass(frozen=True)
class StoredCell:
    """A cell's name in the study's cell store (:func:`nilm.study.write_cell` and
    :func:`nilm.study.read_cell` keep it beside the rows and check it on reading)."""

    dataset: str
    rung: str
    seed: int

    def filename(self) -> str:
        return f"{self.dataset}__{self.rung}__s{self.seed}.json"


@dataclass(frozen=True)
class Cell:
    """One job: ``dataset`` at rung ``rung`` with model seed ``seed``."""

    dataset: DatasetSpec
    rung: str
    seed: int

    @property
    def stored(self) -> StoredCell:
        return StoredCell(self.dataset.name, self.rung, self.seed)

    @property
    def name(self) -> str:
        return self.stored.filename()[: -len(".json")]


def cells(spec: LeaderboardSpec) -> list[Cell]:
    """Every (dataset, rung, seed) of ``spec``, in the table's order."""
    return [Cell(d, r, s) for d in spec.datasets for r in spec.rungs for s in spec.seeds]


def _households(ds: DatasetSpec, data: str | None):
    """The households of ``ds`` (loaded from ``data``/path, or simulated)."""
    if ds.simulated:
        from .simulate.household import simulate_household

        sim = ds.simulate
        n = int(sim.get("households", 1))
        return [simulate_household(int(sim.get("days", 14)), [int(sim.get("seed", 0)), k],
                                   period=int(sim.get("period", 10)),
                                   house=f"sim_{k:03d}").household for k in range(n)]
    from .io import load_all

    return [h for f in ds.folders for h in load_all(Path(data or ".") / f, **ds.options)]


_LOADED: dict = {}


def load_dataset(ds: DatasetSpec, data: str | None):
    """:func:`_households`, memoised per process (one load per worker and dataset)."""
    key = (ds.name, json.dumps(asdict(ds), sort_keys=True, default=list), str(data))
    if key not in _LOADED:
        _LOADED[key] = _households(ds, data)
    return _LOADED[key]


def rung_period(rung: str, native_s: float) -> float | None:
    """Grid period of ``rung`` for data of native period ``native_s`` s, or None when the rung
    is finer than or equal to the native period (not run)."""
    from .resample import parse_period

    if rung == "native":
        return float(native_s)
    p = float(parse_period(rung))
    return p if p > native_s else None


def block_for(test_intervals: int, period: float) -> float:
    """Bootstrap block, s: one day when the ``test_intervals`` measured intervals of
    ``period`` s hold ≥ 10 days, else one hour."""
    return _DAY_S if test_intervals * period >= DAY_BLOCK_MIN_DAYS * _DAY_S else _HOUR_S


def _model(name: str, params: dict):
    from .disaggregate import MODELS

    return MODELS[name](**params.get(name, {}))


def run_cell(spec: LeaderboardSpec, cell: Cell, data: str | None) -> dict:
    """Rows and notes of one cell: ``{"rows": [...], "notes": [...], "seconds": float}``."""
    t0 = time.perf_counter()
    ds = cell.dataset
    missing = [Path(data or ".") / f for f in ds.folders if not (Path(data or ".") / f).exists()]
    if missing:
        return {"rows": [], "notes": [f"{ds.name}: real data not found at "
                                      f"{', '.join(map(str, missing))}, skipped"],
                "seconds": time.perf_counter() - t0}
    households = load_dataset(ds, data)
    run = _cross_house if ds.split == "cross_house" else _time_split
    rows, notes = run(spec, cell, households)
    return {"rows": rows, "notes": notes, "seconds": time.perf_counter() - t0}


def _house(h) -> str:
    return str(h.meta.get("house", h.name))


def _time_split(spec: LeaderboardSpec, cell: Cell, households) -> tuple[list, list]:
    """Rows and notes of a time-split cell: each house trains on its first part."""
    from .evaluate import split_time

    ds, rows, notes = cell.dataset, [], []
    for h in households:
        house = _house(h)
        period = rung_period(cell.rung, float(h.native_period))
        if period is None:
            notes.append(f"{ds.name}/{house} {cell.rung}: finer than or equal to the native "
                         f"{h.native_period} s, not run")
            continue
        grid = h.to_grid(period)
        targets = [a for a in (ds.appliances or grid.names) if a in grid.names]
        missing = sorted(set(ds.appliances or ()) - set(grid.names))
        if missing:
            notes.append(f"{ds.name}/{house}: appliances {missing} not in the data")
        n_test = len(grid) - int(round(ds.train_fraction * len(grid)))
        if n_test < MIN_TEST_INTERVALS:   # before the split, which refuses an empty part
            notes.append(f"{ds.name}/{house} {cell.rung}: {max(n_test, 0)} test intervals "
                         f"(< {MIN_TEST_INTERVALS}), left out")
            continue
        train, test = split_time(grid, fraction=ds.train_fraction)
        rows += _score(spec, cell, train, test, targets, house, f"time_{ds.train_fraction:g}",
                       notes)
    return rows, notes


def _cross_house(spec: LeaderboardSpec, cell: Cell, households) -> tuple[list, list]:
    """Rows and notes of a cross-house cell: each house is tested whole with models trained on
    all the other houses, on the appliances every house has."""
    ds, rows, notes = cell.dataset, [], []
    native = max(float(h.native_period) for h in households)
    period = rung_period(cell.rung, native)
    if period is None:
        notes.append(f"{ds.name} {cell.rung}: finer than or equal to the coarsest native "
                     f"{native:g} s of its houses, not run")
        return rows, notes
    grids = [h.to_grid(period) for h in households]
    names = [_house(h) for h in households]
    wanted = list(ds.appliances or grids[0].names)
    targets = [a for a in wanted if all(a in g.names for g in grids)]
    if set(wanted) - set(targets):
        notes.append(f"{ds.name}: appliances {sorted(set(wanted) - set(targets))} not in "
                     f"every house, not scored")
    if not targets:
        notes.append(f"{ds.name}: no appliance in every house, left out")
        return rows, notes
    for i, test in enumerate(grids):
        trains = [g for j, g in enumerate(grids) if j != i]
        split = "cross_house:train=" + "+".join(n for j, n in enumerate(names) if j != i)
        rows += _score(spec, cell, trains, test, targets, names[i], split, notes)
    return rows, notes


def _score(spec: LeaderboardSpec, cell: Cell, train, test, targets: list[str], house: str,
           split: str, notes: list[str]) -> list[dict]:
    """Tidy rows of every model on one (train, test) pair, or none (and a note) when the test
    part has fewer than :data:`MIN_TEST_INTERVALS` measured intervals."""
    import numpy as np

    from .evaluate import evaluate
    from .metrics import block_length
    from .stats import MIN_BLOCKS

    ds = cell.dataset
    # gaps (REDD's 754-h hole) count for nothing: only intervals with a mains reading
    measured = int(np.isfinite(test.mains).sum())
    if measured < MIN_TEST_INTERVALS:
        notes.append(f"{ds.name}/{house} {cell.rung}: {measured} test intervals "
                     f"(< {MIN_TEST_INTERVALS}), left out")
        return []
    period = float(test.period)
    block_s = block_for(measured, period)
    n_blocks = -(-len(test) // block_length(period, block_s))
    names = ds.models if ds.models is not None else spec.models
    models = {m: _model(m, spec.params) for m in names}
    df = evaluate(models, train, test, names=targets, metrics=spec.metrics, seed=cell.seed,
                  n_boot=spec.n_boot, block_s=block_s, split=split, dataset=ds.name,
                  house=house)
    rows = []
    for r in df.to_dict("records"):
        if n_blocks < MIN_BLOCKS:   # too few blocks for a bootstrap CI to mean anything
            r["ci_low"] = r["ci_high"] = math.nan
        r.update(simulated=ds.simulated, block_s=block_s)
        rows.append({c: r[c] for c in COLUMNS})
    return rows


def code_version() -> list[str]:
    """What computed a cell: the nilm version, the study's :func:`nilm.study.code_digest` of
    the modules that compute (not of tables and figures) and the SHA-256 of this module, which
    that digest leaves out as presentation but which computes every leaderboard cell."""
    from .study import code_digest

    return [__version__, code_digest(), hashlib.sha256(Path(__file__).read_bytes()).hexdigest()]


def cell_key(spec: LeaderboardSpec, cell: Cell, data: str | None, code: list[str]) -> str:
    """Fingerprint of everything a cell's result depends on: its dataset, rung and seed, the
    models it runs and their parameters, the metrics, ``n_boot``, the data folder and the
    :func:`code_version` ``code`` (so a changed spec or code recomputes only what it changes)."""
    models = cell.dataset.models if cell.dataset.models is not None else spec.models
    payload = {"dataset": asdict(cell.dataset), "rung": cell.rung, "seed": cell.seed,
               "models": models, "metrics": spec.metrics,
               "params": {m: spec.params[m] for m in models if m in spec.params},
               "n_boot": spec.n_boot, "data": str(data), "code": code}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=list).encode()).hexdigest()


def _cell_job(spec: LeaderboardSpec, cell: Cell, data: str | None) -> tuple[str, dict]:
    from .study import trim_heap

    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    result = run_cell(spec, cell, data)
    trim_heap()   # a pool worker keeps freed arrays (tune_heap): hand them back between cells
    return cell.name, result


def run_leaderboard(spec: LeaderboardSpec, out, *, data=None, workers: int = 1,
                    progress: bool = False):
    """Run (or resume) every cell of ``spec`` into ``out``; returns the table (DataFrame).

    Cells are stored by the study's cell store (:func:`nilm.study.write_cell`: one atomic JSON
    per cell under ``out/cells/`` with its fingerprint :func:`cell_key` and a SHA-256 of its
    content; :func:`nilm.study.read_cell` serves it again only when both match) and run, when
    ``workers`` > 1, in a process pool whose workers tune their heap as the study's do
    (:func:`nilm.study.tune_heap`). Then writes ``out/leaderboard.csv`` (rows sorted by
    dataset, house, period, target, metric, method, seed) and ``out/provenance.json``.
    """
    import pandas as pd

    from .study import read_cell, tune_heap, write_cell

    out = Path(out)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    code = code_version()
    done, todo = {}, {}
    for c in cells(spec):
        key = cell_key(spec, c, data, code)
        stored = read_cell(out, c.stored, key)
        if stored is not None:
            done[c.name] = {"rows": stored["rows"], **stored["meta"]}
        else:
            todo[c.name] = (c, key)

    def store(name: str, result: dict) -> None:
        c, key = todo[name]
        write_cell(out, c.stored, result["rows"],
                   {"notes": result["notes"], "seconds": result["seconds"]}, key)
        done[name] = result
        if progress:
            print(f"{name}: {len(result['rows'])} rows, {result['seconds']:.1f} s", flush=True)

    if workers > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, initializer=tune_heap) as pool:
            futures = [pool.submit(_cell_job, spec, c, data) for c, _ in todo.values()]
            for fut in as_completed(futures):
                store(*fut.result())
    else:   # in this process, whose allocator stays as it was (as run_study's does)
        for c, _ in todo.values():
            store(*_cell_job(spec, c, data))

    rows = [r for c in cells(spec) for r in done[c.name]["rows"]]
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df.sort_values(["dataset", "house", "period_s", "target", "metric", "method", "seed"],
                        kind="stable").reset_index(drop=True)
    with atomic_open(out / "leaderboard.csv") as f:
        df.to_csv(f, index=False, float_format="%.6g", lineterminator="\n")
    notes = sorted({n for c in cells(spec) for n in done[c.name]["notes"]})
    provenance = {
        "command": "nilm leaderboard", "nilm_version": __version__, "data": str(data),
        "spec": _spec_dict(spec),
        "splits": {d.name: _split_text(d)
                   + ("; aggregate is the SUM OF SUB-METERS (no unmetered load: flatters "
                      "every model)" if d.aggregate == "sum_of_sub_meters" else "")
                   + ("; SIMULATED" if d.simulated else "; real data")
                   for d in spec.datasets},
        "notes": notes,
        "code": code,
        "cells": len(cells(spec)), "cells_computed": len(todo), "workers": workers,
        "seconds_this_run": round(time.perf_counter() - t0, 1),
        # compute time of the whole table, resumed cells included (each cell's stored seconds):
        # about the wall time of a one-worker run from scratch, whatever this run resumed
        "cell_seconds_total": round(sum(done[c.name]["seconds"] for c in cells(spec)), 1),
        "seconds_per_cell": {c.name: round(done[c.name]["seconds"], 2) for c in cells(spec)},
        "load_average": _load_average(),
    }
    with atomic_open(out / "provenance.json") as f:
        json.dump(provenance, f, indent=1, sort_keys=True, default=_json_default)
        f.write("\n")
    return df


def _split_text(d: DatasetSpec) -> str:
    if d.split == "cross_house":
        return ("cross-house, leave one house out: each house is tested whole with models "
                "trained on all the other houses, on the appliances every house has")
    return (f"time split within each house: first {d.train_fraction:g} of the intervals train, "
            f"the rest test")


def _spec_dict(spec: LeaderboardSpec) -> dict:
    d = asdict(spec)
    d["datasets"] = [asdict(x) for x in spec.datasets]
    return d


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, tuple | set):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


__all__ = ["COLUMNS", "Cell", "DatasetSpec", "LeaderboardSpec", "MIN_TEST_INTERVALS",
           "StoredCell", "block_for", "cell_key", "cells", "code_version", "load_dataset",
           "run_cell", "run_leaderboard", "rung_period"]
