"""Resampling speed: one year of 1 Hz power to 30 min, against pandas in the same run.

Run: ``.venv/bin/python -m pytest benchmarks/bench_resample.py --benchmark-only``.

Data (simulated), one year of float32 W with 0.1 % NaN and a one-hour outage every 10 days:
``1hz`` has 31,536,000 samples 1 s apart (before the outages); ``jittered`` has 1 or 2 s between
samples at random (about 21 M samples), which defeats the kernel's shortcut for runs of 1-s steps.
Compared:

* ``nilm``: :func:`nilm.resample.resample` (Numba kernel: time-weighted, gap-aware);
* ``pandas``: ``Series.resample("30min").mean()`` on a DatetimeIndex (the usual one-liner; it
  weights samples equally and ignores gaps, so it computes less).

``extra_info`` of the nilm benchmark holds ``samples_per_s`` (best round), ``pandas_s`` (best of
3 in the same process) and ``speedup_vs_pandas`` = pandas_s / nilm best, and the same from
process CPU time (``cpu_samples_per_s``, ``cpu_speedup_vs_pandas``), which a busy shared machine
distorts less. Target: at least 100 M samples/s on one core and a speedup of at least 10.
"""

from __future__ import annotations

import time
import timeit

import numpy as np
import pandas as pd
import pytest

from nilm.resample import resample
from nilm.series import PowerSeries

N = 31_536_000
T0 = 1_672_531_200  # 2023-01-01 UTC


def _cpu(func) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


@pytest.fixture(scope="module", params=["1hz", "jittered"])
def year(request):
    rng = np.random.default_rng(0)
    p = (300 + 2000 * (rng.random(N) < 0.03) + rng.normal(0, 20, N)).astype(np.float32)
    p[rng.random(N) < 0.001] = np.nan
    if request.param == "1hz":
        t = np.arange(T0, T0 + N, dtype=np.int64)
    else:  # 1 or 2 s between samples at random: no 1-s shortcut, a year in 2/3 of the samples
        t = T0 + np.cumsum(rng.integers(1, 3, N))
        keep = t < T0 + N
        t, p = t[keep], p[keep]
    for day in range(0, 365, 10):  # outages: samples simply absent
        p[(t >= T0 + day * 86400) & (t < T0 + day * 86400 + 3600)] = np.nan
    keep = ~np.isnan(p) | (rng.random(len(p)) < 0.5)
    return PowerSeries(t[keep], p[keep], "mains", period=1.0)


def test_resample_year_to_30min(benchmark, year):
    s = year
    resample(s, 1800)  # compile outside the timing
    index = pd.DatetimeIndex(s.t.astype("datetime64[s]"))
    series = pd.Series(s.p, index=index)
    pandas_s = min(timeit.repeat(lambda: series.resample("30min").mean(), number=1, repeat=3))
    benchmark.pedantic(resample, args=(s, 1800), rounds=5, iterations=1)
    best = benchmark.stats.stats.min
    # CPU time too: on a shared machine wall time also counts waiting for a core
    cpu = {name: min(_cpu(f) for _ in range(3)) for name, f in
           (("nilm", lambda: resample(s, 1800)),
            ("pandas", lambda: series.resample("30min").mean()))}
    benchmark.extra_info.update(samples=len(s), samples_per_s=len(s) / best, pandas_s=pandas_s,
                                speedup_vs_pandas=pandas_s / best, nilm_cpu_s=cpu["nilm"],
                                pandas_cpu_s=cpu["pandas"],
                                cpu_samples_per_s=len(s) / cpu["nilm"],
                                cpu_speedup_vs_pandas=cpu["pandas"] / cpu["nilm"],
                                data="simulated")
    start, values, _ = resample(s, 1800)
    assert start == T0 and len(values) == N // 1800
