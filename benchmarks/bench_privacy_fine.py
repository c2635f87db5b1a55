"""Occupancy, routine and hot-water attacks on a 1-s grid, against their first versions.

Run: ``.venv/bin/python -m pytest benchmarks/bench_privacy_fine.py --benchmark-only``.

Data (simulated): the synthetic household of ``tests/test_privacy_synth.py`` (2 occupants, a
2 kW off-peak water heater), 10 days resampled to 1 s (864,000 intervals), with one-hour gaps.
Compared, in the same process and on the same grid:

* ``nilm``: the attack as shipped (Numba grid kernels, pandas' window kernels called directly,
  work on candidate intervals only);
* ``first``: its first whole-array numpy/pandas version, kept as the naive twin in
  ``tests/naive.py``.

Each benchmark checks that both give the same values, and its ``extra_info`` holds ``first_s``
(best of 2 in the same process, process CPU time, which a busy shared machine distorts less than
wall time) and ``cpu_speedup`` = first_s / nilm's best CPU time.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from nilm.privacy.hot_water import heater_profile
from nilm.privacy.occupancy import occupancy_unsupervised
from nilm.privacy.routine import MAX_SPREAD_W, changepoint_wake_bed
from tests import naive
from tests.test_privacy_synth import TZ, synthetic_household


def _cpu(func) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


@pytest.fixture(scope="module")
def grid():
    h, _ = synthetic_household(days=10, seed=3, heater_hours=2.0)
    g = h.to_grid(1)
    for a in np.random.default_rng(0).integers(0, len(g), 30):
        g.mains[a:a + 3600] = np.nan
    return g


def _wake_bed(g):
    days, wake, bed = changepoint_wake_bed(g, TZ)
    return days, wake - 0.5, bed - 0.5  # the twin returns interval starts


CASES = {
    "heater_profile": (lambda g: heater_profile(g, TZ)["power"],
                       lambda g: naive.heater_profile(g, TZ)["power"]),
    "occupancy_unsupervised": (lambda g: occupancy_unsupervised(g, TZ),
                               lambda g: naive.occupancy_unsupervised(g, TZ)),
    "changepoint_wake_bed": (_wake_bed,
                             lambda g: naive.wake_bed_step(g, TZ, max_spread_w=MAX_SPREAD_W)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fine_attack_vs_first_version(benchmark, grid, name):
    new, first = CASES[name]
    got = benchmark.pedantic(new, args=(grid,), rounds=3, iterations=1)
    want = first(grid)
    for a, b in zip(np.atleast_1d(got) if name != "changepoint_wake_bed" else got,
                    np.atleast_1d(want) if name != "changepoint_wake_bed" else want,
                    strict=True):
        np.testing.assert_array_equal(a, b)
    first_s = min(_cpu(lambda: first(grid)) for _ in range(2))
    nilm_s = min(_cpu(lambda: new(grid)) for _ in range(2))
    benchmark.extra_info.update(first_s=first_s, nilm_cpu_s=nilm_s,
                                cpu_speedup=first_s / max(nilm_s, 1e-9))
