"""Running a study: each job's missing cells computed (a house job: one load and one resampling
per rung serve all of that house's cells; a population job for the occupant count), on this
process, local worker processes or a Dask cluster; then every cell collected into
``OUT/results.csv`` and ``OUT/provenance.json``."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import multiprocessing
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from ..atomic import atomic_open
from .data import cache_dir, data_dir, house_ids, household_meta, load_house, materialise
from .heap import trim_heap, tune_heap
from .plan import (
    Cell,
    block_training_houses,
    null_skip,
    period_of,
    plan,
    population_pools,
    schedule_order,
    split_jobs,
    training_blocks,
    trains_on_others,
)
from .score import prediction_records, score_cell, tidy
from .spec import (
    COLUMNS,
    PREDICTION_COLUMNS,
    PREDICTION_LEVELS,
    Source,
    StudySpec,
    prediction_level,
)
from .store import code_digest, fingerprint, read_cell, write_cell


def run_house_job(spec_dict: dict, out: str, source_name: str, house: str,
                  cells: list[Cell]) -> int:
    """Compute the missing cells of one job; returns how many it computed. Top-level function
    so that process pools and Dask can pickle it."""
    try:
        return _run_job(spec_dict, out, source_name, house, cells)
    finally:
        trim_heap()


def _run_job(spec_dict: dict, out: str, source_name: str, house: str,
             cells: list[Cell]) -> int:
    spec = StudySpec.from_dict(spec_dict)
    out = Path(out)
    fp = fingerprint(spec, source_name)
    todo = [c for c in cells if read_cell(out, c, fp) is None]
    if not todo:
        return 0
    if house == "*":
        return _run_population_job(spec, out, population_pools(spec)[source_name], todo, fp)
    source = next(s for s in spec.sources if s.name == source_name)
    houses = house_ids(source, out)
    block = next((b for b in training_blocks(spec, source, houses) if house in b), [house])
    others = []
    if trains_on_others(spec, source, houses):
        others = [load_house(source, h, out)
                  for h in block_training_houses(houses, block, spec.max_train_households)]
    by_house: dict[str, list[Cell]] = {}
    for c in todo:
        by_house.setdefault(c.house, []).append(c)
    # a block of several houses shares one fit of each learned attack (plan.training_blocks)
    # and the training grids of the coarser rungs
    shared = _Block(others, block[0], {}, {}) if len(block) > 1 else None
    for h, group in by_house.items():
        _run_house(spec, out, source, h, group, others, shared, fp)
    return len(todo)


@dataclasses.dataclass
class _Block:
    """What the houses of one training block share: the training households, the block's
    first house (whose cell seeds seed the shared fits), the fitted learned attacks
    (:func:`~nilm.study.score.score_cell`) and the training grids by period."""

    others: list
    first: str
    fitted: dict
    train_grids: dict


def _run_house(spec: StudySpec, out: Path, source: Source, house: str, todo: list[Cell],
               others: list, shared: _Block | None, fp: str) -> None:
    from ..privacy import INFERENCES
    from ..privacy.scores import FEATURE_PERIOD_S

    household, truth = load_house(source, house, out)
    truth_house, truth = null_pairing(spec, source, house, out, household, truth)
    if truth_house is not household:
        # under a null the attacked grid's sub-meters are truth too (the household-typical
        # appliance prior is fitted on them): the truth side's; the mains stays the attacked one
        household = dataclasses.replace(household, appliances=truth_house.appliances)
    by_res: dict[str, list[Cell]] = {}
    for c in todo:
        by_res.setdefault(c.resolution, []).append(c)
    house_meta = {k: v for k, v in household.meta.items() if k != "source_files"}
    native = household.native_period
    rungs: dict[int, tuple] = {}
    per_house: dict[str, dict] = {}  # each inference's household inputs, built once
    fits: dict = {}  # attacks fitted on the feature rung, shared by the rungs that read it

    def training(period: int) -> list:
        """The training pairs at ``period``; a block keeps those of the feature rung and
        coarser (small) for its next houses, finer ones are made again (a 1-s year is
        gigabytes)."""
        if shared is None or period < FEATURE_PERIOD_S:
            return [(h.to_grid(period), t) for h, t in others]
        if period not in shared.train_grids:
            shared.train_grids[period] = [(h.to_grid(period), t) for h, t in others]
        return shared.train_grids[period]

    def rung(period: int):
        """(grid, training pairs) of this house and the others at ``period``, made once."""
        if period not in rungs:
            rungs[period] = (household.to_grid(period), training(period))
        return rungs[period]

    for res, group in by_res.items():
        period = period_of(res, household)
        if period < native:
            # a resolution finer than the data has nothing to attack: recorded, not computed
            for c in group:
                write_cell(out, c, [], {"house_meta": house_meta, "skipped":
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
                if inf.intervals and spec.predictions == "interval":
                    per_grid[c.inference]["intervals"] = True
            seed = c.seed(spec.seed)
            block = None if shared is None else (
                shared.fitted, dataclasses.replace(c, house=shared.first).seed(spec.seed))
            rows = score_cell(c, grid, truth, seed, train, features,
                              {**per_house[c.inference], **per_grid[c.inference]}, fits,
                              block=block)
            write_cell(out, c, tidy(rows, c, household.meta, period, seed),
                       {"house_meta": house_meta, "predictions": prediction_records(
                           rows, c, household.meta, period, seed)}, fp)
        if period != FEATURE_PERIOD_S:
            del rungs[period]  # a year of 1-s grids is gigabytes; the feature rung is kept
        del grid, train, per_grid


def null_pairing(spec: StudySpec, source: Source, house: str, out: Path, household, truth):
    """(household whose sub-meters are the appliance truth, GroundTruth) that ``house``'s curve
    is scored against under the spec's null control (:mod:`nilm.null`): its own under
    ``"none"``; another household's, over the same dates, under ``"permute_households"``; its
    own truth and sub-meters rolled by :data:`nilm.null.SHIFT_DAYS` days under
    ``"shift_days"``."""
    from .. import null

    if spec.null == "none":
        return household, truth
    if spec.null == "shift_days":
        return null.shift_submeters(household, truth), null.shift_truth(truth)
    houses = house_ids(source, out)
    other = null.partner(houses, house, null_skip(spec, source, houses))
    other_house, other_truth = load_house(source, other, out)
    null.check_same_dates(truth, other_truth, house, other)
    return other_house, other_truth


def null_truths(spec: StudySpec, houses: list[str], truths: list, source: Source) -> list:
    """The truths a population job scores its houses' curves against under the spec's null
    control (see :func:`null_pairing`; occupants are household-level, so ``shift_days`` keeps
    them)."""
    from .. import null

    if spec.null != "permute_households":
        return truths
    skip = null_skip(spec, source, houses)
    return [truths[houses.index(null.partner(houses, h, skip))] for h in houses]


#: fewest labelled households :func:`nilm.privacy.score_occupants_population` scores (it
#: abstains below, without reading any grid); should it read one anyway, it gets None and fails
_MIN_POPULATION = 3


def _run_population_job(spec: StudySpec, out: Path, sources: list[Source], todo: list[Cell],
                        fp: str) -> int:
    """The occupant-count cells of the study's population
    (:func:`~nilm.study.plan.population_pools`): at each rung, every household of ``sources``
    recorded at that period or finer, pooled (at ``"native"``: one pool per native period, each
    with its rows); each source's truths permuted within it under the null
    (:func:`null_truths`: the same dates)."""
    from ..privacy import score_occupants_population
    from ..privacy.occupants import population_features
    from ..resample import parse_period
    from ..truth import GroundTruth

    pairs, truths = [], []  # (source, house) of each truth
    for source in sources:
        hs = house_ids(source, out)
        ts = [GroundTruth.load(data_dir(out, source) / f"{h}.truth.npz") for h in hs]
        pairs += [(source, h) for h in hs]
        truths += null_truths(spec, hs, ts, source)
    # the ids predictions.csv names: a house id is unique only within its source
    houses = [h if len(sources) == 1 else f"{s.name}/{h}" for s, h in pairs]
    # only labelled households are read by the scorer, and none when too few are labelled:
    # loading and resampling a population of 1-s years for nothing dominated small studies
    labelled = [i for i, t in enumerate(truths) if t.occupants > 0]
    if len(labelled) < _MIN_POPULATION:
        labelled = []
    # the occupant features read the mains only: the sub-meters (about 12x the mains of a
    # simulated household) are dropped, or a pooled 208-household population holds GBs
    loaded = {i: dataclasses.replace(load_house(*pairs[i], out)[0], appliances={})
              for i in labelled}
    meta = {"dataset": (loaded[labelled[0]].meta if labelled else
                        household_meta(*pairs[0], out)).get("dataset", sources[0].name),
            "simulated": True}
    # a simulated source is written at its own period
    native = [int(s.period) for s, _ in pairs]
    by_res: dict[str, list[Cell]] = {}
    for c in todo:
        by_res.setdefault(c.resolution, []).append(c)
    for res, group in by_res.items():
        if res == "native":
            pools = [(p, [i for i, q in enumerate(native) if q == p])
                     for p in sorted(set(native))]
        else:
            period = int(parse_period(res))
            members = [i for i, q in enumerate(native) if q <= period]
            pools = [(period, members)] if members else []
        if not pools:
            for c in group:
                write_cell(out, c, [], {"houses": houses, "skipped": f"{res} is finer than "
                                        "every native period"}, fp)
            continue
        rows: dict[Cell, list] = {c: [] for c in group}
        preds: dict[Cell, list] = {c: [] for c in group}
        for period, members in pools:
            grids = [loaded[i].to_grid(period) if i in loaded else None for i in members]
            sub = [truths[i] for i in members]
            # the household features of this rung, shared by every method
            x = (population_features(grids, sub, period)
                 if sum(t.occupants > 0 for t in sub) >= _MIN_POPULATION else None)
            for c in group:
                seed = c.seed(spec.seed)
                r = score_occupants_population(grids, sub, period, method=c.method,
                                               seed=seed, n_boot=spec.n_boot, features=x)
                rows[c] += tidy(r, c, meta, period, seed)
                preds[c] += prediction_records(r, c, meta, period, seed,
                                               [houses[i] for i in members])
            del grids
        for c in group:
            write_cell(out, c, rows[c], {"houses": houses, "predictions": preds[c]}, fp)
    return len(todo)


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout nilm runs from, or None outside git (provenance)."""
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


#: Dask settings of the LocalCluster (scheduler and workers). Each worker runs its task in a
#: thread beside an event loop whose default timers (the 20-ms tick check, the 10-ms
#: statistical profiler, the 100-ms memory and 500-ms system monitors) take the GIL from the
#: task tens of times a second; on a loaded 2-core machine every such hand-over waits for the
#: OS to schedule the other thread, and a one-house job took 1.3x the wall time and 1.2x the
#: CPU of the same job in a plain process. A job is one long task, so the profile is of no use
#: and the monitors can be slow (the memory limit is still enforced, every 2 s).
#:
#: ``MALLOC_ARENA_MAX=1`` (set in the worker's environment before it starts, when glibc reads
#: it): a Dask task runs in a thread of the worker's pool, and glibc gives every thread but the
#: main one its own arena of at most 64-MB heaps, so each array larger than that (a day of 1-s
#: samples is 0.7 MB, a week of them 5 MB, their float64 temporaries a year 250 MB) was mapped
#: fresh from the kernel and unmapped on free whatever :func:`~nilm.study.heap.tune_heap` set:
#: 3x the CPU of the same allocations in the main thread, measured. With one arena the task
#: thread allocates from the main heap, as a pool worker's main thread does.
#:
#: ``worker-saturation`` 1.0: the scheduler hands a worker its next job only when its one
#: thread is free, as the process pool does (by default, 1.1, each single-thread worker holds
#: a second job in its own queue, and a long house job can then keep a job waiting behind it
#: while another worker idles at the end of the run).
QUIET_WORKER = {"distributed.scheduler.worker-saturation": 1.0,
                "distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "2s",
                "distributed.worker.profile.enabled": False,
                "distributed.worker.memory.monitor-interval": "2s",
                "distributed.nanny.pre-spawn-environ.MALLOC_ARENA_MAX": "1"}


def _run_dask(args, scheduler: str, workers: int, bar) -> None:
    """Run the jobs on Dask: a LocalCluster of ``workers`` single-threaded worker processes
    with :data:`QUIET_WORKER` settings (``scheduler="local"``), or a running scheduler (its
    workers keep their own settings). One task per job, in
    :func:`~nilm.study.plan.schedule_order`, at most one per worker thread in flight (the
    threads the scheduler has when the run starts)."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        # each nanny copies the configuration current when it is made into its worker. Its
        # worker starts as the process pool's do (fork on Linux): a spawned one imports nilm,
        # scikit-learn and Numba's caches afresh, seconds of CPU per worker, which made a
        # 2-worker LocalCluster 2.2x the pool's wall time on short studies (docs/study.md)
        start = {"distributed.worker.multiprocessing-method": multiprocessing.get_start_method()}
        with dask.config.set({**QUIET_WORKER, **start}):
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
        client = Client(cluster)
        client.run(tune_heap)  # workers of our own cluster: see tune_heap
    else:
        client = Client(scheduler)
    try:
        # at most one job per worker thread in flight, the next submitted when one finishes,
        # as the process pool hands them out; submitted all at once, a 2-worker cluster took
        # 1.52x the pool's wall time at 1.10x its CPU (docs/benchmarks.md): workers idled
        slots = max(1, sum(client.nthreads().values()))
        todo = iter(enumerate(args))

        def submit(i, a):
            return client.submit(run_house_job, *a, key=f"nilm-job-{i}-{a[2]}-{a[3]}",
                                 pure=False)

        running = as_completed([submit(i, a) for i, a in itertools.islice(todo, slots)])
        for fut in running:
            fut.result()
            bar.update()
            nxt = next(todo, None)
            if nxt is not None:
                running.add(submit(*nxt))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def collect(spec: StudySpec, out, jobs=None, *, elapsed_s: float | None = None):
    """Assemble the stored cells of ``spec`` into results.csv, predictions.csv (the records
    the scorers attached, :data:`~nilm.study.spec.PREDICTION_COLUMNS`, filtered by
    ``spec.predictions``) and provenance.json (atomic); raises if a cell is missing."""
    import pandas as pd

    from ..version import __version__

    out = Path(out)
    jobs = plan(spec, out) if jobs is None else jobs
    rows, preds, missing, files = [], [], [], {}
    level = PREDICTION_LEVELS.index(spec.predictions)
    fps = {s.name: fingerprint(spec, s.name) for s in spec.sources}
    fps.update({p: fingerprint(spec, p) for p in population_pools(spec)})
    for cells in jobs.values():
        for c in cells:
            d = read_cell(out, c, fps[c.source])
            if d is None:
                missing.append(c.key)
                continue
            rows.extend(d["rows"])
            preds.extend(p for p in d["meta"].get("predictions", ())
                         if PREDICTION_LEVELS.index(prediction_level(p)) <= level)
    if missing:
        raise RuntimeError(f"{len(missing)} cells missing, e.g. {missing[:3]}")
    for source in spec.sources:
        if source.kind == "path":
            from ..io import load_all

            for h in load_all(source.path, cache=cache_dir(out), **source.options):
                files.update(h.meta.get("source_files", {}))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df.sort_values(["dataset", "house", "period_s", "inference", "method", "target",
                         "metric"], kind="mergesort").reset_index(drop=True)
    with atomic_open(out / "results.csv", "w", newline="") as f:
        df.to_csv(f, index=False, float_format="%.6g")
    pred = pd.DataFrame(preds, columns=PREDICTION_COLUMNS)
    pred = pred.sort_values(["dataset", "source", "house", "period_s", "inference", "method",
                             "target", "unit"], kind="mergesort")
    with atomic_open(out / "predictions.csv", "w", newline="") as f:
        # full precision: a metric re-scored from this file must equal results.csv's
        pred.to_csv(f, index=False, float_format="%.17g")
    prov = {"nilm_version": __version__, "nilm_code_sha256": code_digest(),
            "git_commit": git_commit(), "spec": spec.to_dict(),
            "source_files_sha256": files, "n_cells": sum(len(c) for c in jobs.values()),
            "python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "elapsed_s": elapsed_s,
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with atomic_open(out / "provenance.json", "w") as f:
        json.dump(prov, f, indent=2, default=str)
    return df
