"""Hart (1992) edge detection throughput, against its naive Python twin in the same run
(simulated 6-s data: on/off appliances, base load, Gaussian noise).

``test_hart_predict`` times :meth:`Hart85.predict` (steady states, edges, pairing, cluster
assignment, painting) at 10^4, 10^5, 10^6 samples; ``test_naive_edges_reference`` times the
plain-Python twins of the kernels (``tests/naive.py``) at 10^4 only (they are O(n * run length)).
Read the ratio within the n = 10^4 group; ``extra_info["samples_per_s"]`` is n / mean time, and
``extra_info["x_nilmtk_quoted"]`` divides it by the 28 k samples/s that NILMTK Hart85 reached on
10^6 simulated 6-s samples on this machine (quoted from the Disaggregation issue, not measured in
this run; the same-run comparison is ``benchmarks/peers/compare.py``).

    .venv/bin/python -m pytest benchmarks/bench_edges.py --benchmark-only \
        --benchmark-group-by=param:n
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from nilm.disaggregate.edges import Hart85
from nilm.series import Grid

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import naive  # noqa: E402

SIZES = [10_000, 100_000, 1_000_000]
POWERS = [90.0, 2000.0, 450.0, 2400.0]  # fridge-, kettle-, washer-, water-heater-like
NILMTK_HART85_SPS = 28_000.0


def _simulated(n: int, seed: int = 0) -> Grid:
    rng = np.random.default_rng(seed)
    on = (np.cumsum(rng.random((len(POWERS), n)) < 0.005, axis=1) % 2).astype(bool)
    apps = on * np.asarray(POWERS)[:, None]
    mains = apps.sum(axis=0) + 60.0 + rng.normal(0, 5, n)
    return Grid(0, 6.0, mains, apps, [f"a{j}" for j in range(len(POWERS))])


@pytest.fixture(scope="module")
def fitted():
    return Hart85(seed=0).fit(_simulated(100_000, seed=1))


@pytest.mark.parametrize("n", SIZES)
def test_hart_predict(benchmark, fitted, n):
    mains = _simulated(n, seed=2).mains
    fitted.predict(mains[:1000])  # load the cached kernels before timing
    out = benchmark(fitted.predict, mains)
    assert out.shape == (len(POWERS), n)
    sps = n / benchmark.stats.stats.mean
    benchmark.extra_info.update(samples_per_s=sps, x_nilmtk_quoted=sps / NILMTK_HART85_SPS,
                                data="simulated")


def _naive_edges(x, min_len):
    ss = naive.steady_states(x, np.empty(0), 15.0, min_len)
    i0, _, before, after, dq = naive.edges_from_states(*ss, 30.0)
    return naive.pair_edges(i0, after - before, dq, 30.0, 0.1, 30.0, 14400)


@pytest.mark.parametrize("n", [10_000])
def test_naive_edges_reference(benchmark, n):
    mains = _simulated(n, seed=2).mains.astype(np.float64)
    on, off, _ = benchmark.pedantic(_naive_edges, args=(mains, 2), rounds=1, iterations=1)
    assert len(on) == len(off) > 0
    benchmark.extra_info.update(samples_per_s=n / benchmark.stats.stats.mean, data="simulated")
