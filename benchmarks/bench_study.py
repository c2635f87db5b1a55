"""Leakage-study speed: one household-job over the whole resolution ladder, and its hot spots
against the slow computations they replaced, in the same run.

Run: ``.venv/bin/python -m pytest benchmarks/bench_study.py --benchmark-only``.

Data (simulated, :func:`nilm.simulate.simulate_to_dir`): one household, ``DAYS`` local days at
1 s (the Linky TIC port's resolution), 15 sub-meters. Compared:

* ``job``: :func:`nilm.study.run_house_job` computing every cell of the house — resolutions
  native (1 s), 2 s, 1 min, 10, 15, 30, 60 min and 1 day; the five inferences' attacks and the
  classical disaggregators (co, fhmm, hart85) for the appliance inference;
* ``resample_ladder``: :meth:`nilm.series.Household.to_grid` at the eight periods only — the
  floor any study must pay. ``extra_info["job_over_resample"]`` is the ratio of best rounds;
* ``local_clock`` (a tabulated UTC offset) against pandas' time-zone conversion of every
  timestamp, and the vectorised day-block bootstrap of ``ratio_ci`` against the per-replicate
  loop of :func:`nilm.metrics.bootstrap_ci` it replaced (``extra_info["speedup"]``).

The full-year run and the scaling table (households × workers) are in docs/study.md.
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import pandas as pd
import pytest

from nilm.study import DEFAULT_RESOLUTIONS, Source, StudySpec, plan, run_house_job

DAYS = 4


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from nilm.study import materialise

    out = tmp_path_factory.mktemp("bench_study")
    spec = StudySpec(sources=[Source("sim", households=1, days=DAYS, period=1, seed=1)], seed=0,
                     resolutions=list(DEFAULT_RESOLUTIONS))
    materialise(spec.sources[0], out)
    (src, house), cells = next((k, v) for k, v in plan(spec, out).items() if k[1] != "*")
    return spec, out, src, house, cells


_BEST: dict[str, float] = {}


def _best(benchmark) -> float:
    return float(benchmark.stats.stats.min)


def test_resample_ladder(benchmark, study):
    from nilm.study import load_house, period_of

    spec, out, src, house, _ = study
    household, _ = load_house(spec.sources[0], house, out)
    periods = [period_of(r, household) for r in DEFAULT_RESOLUTIONS]
    benchmark.pedantic(lambda: [household.to_grid(p) for p in periods], rounds=2, iterations=1)
    _BEST["resample"] = _best(benchmark)


def test_job_full_ladder(benchmark, study):
    spec, out, src, house, cells = study

    def setup():
        shutil.rmtree(out / "cells", ignore_errors=True)

    n = benchmark.pedantic(lambda: run_house_job(spec.to_dict(), str(out), src, house, cells),
                           setup=setup, rounds=2, iterations=1)
    assert n == len(cells)
    benchmark.extra_info["cells"] = len(cells)
    benchmark.extra_info["days_at_1s"] = DAYS
    if "resample" in _BEST:
        benchmark.extra_info["job_over_resample"] = _best(benchmark) / _BEST["resample"]


def _pandas_clock(t, tz):
    idx = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    wall = ((idx - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)
    return wall // 86400, (wall % 86400).astype(np.float64)


def test_local_clock_table_vs_pandas(benchmark):
    from nilm.privacy.scores import local_clock

    t = np.arange(1_704_067_200, 1_704_067_200 + 30 * 86400, dtype=np.int64)
    small = [np.sort(np.random.default_rng(i).integers(t[0], t[-1], 40)) for i in range(200)]

    def ours():
        local_clock(t, "Europe/Paris")
        for s in small:  # many small calls (event times) as in the appliance scorer
            local_clock(s, "Europe/Paris")

    def theirs():
        _pandas_clock(t, "Europe/Paris")
        for s in small:
            _pandas_clock(s, "Europe/Paris")

    benchmark.pedantic(ours, rounds=3, iterations=1)
    ref = min(_timed(theirs) for _ in range(3))
    benchmark.extra_info["pandas_s"] = ref
    benchmark.extra_info["speedup"] = ref / _best(benchmark)


def test_ratio_ci_vectorised_vs_loop(benchmark):
    from nilm import metrics
    from nilm.privacy.scores import ratio_ci

    rng = np.random.default_rng(0)
    num, den = rng.random(365), rng.integers(1, 5, 365).astype(float)

    def loop():
        def _ratio(a, b):
            s = float(np.sum(b))
            return float(np.sum(a)) / s if s > 0 else float("nan")

        return metrics.bootstrap_ci(_ratio, num, den, 86400, seed=1, block_s=86400)

    got = benchmark.pedantic(lambda: ratio_ci(num, den, seed=1), rounds=5, iterations=1)
    assert got == loop()
    ref = min(_timed(loop) for _ in range(3))
    benchmark.extra_info["loop_s"] = ref
    benchmark.extra_info["speedup"] = ref / _best(benchmark)


def _timed(func) -> float:
    t = time.perf_counter()
    func()
    return time.perf_counter() - t
