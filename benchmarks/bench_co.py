"""CO disaggregation throughput against NILMTK's algorithm in the same run (simulated 6-s data).

The reference ``nilmtk_numpy`` is NILMTK's ``CombinatorialOptimisation.disaggregate_chunk`` core
(``find_nearest``: argsort of the full combination table, ``searchsorted``, neighbour compare,
then one fancy-index per appliance) in plain numpy, without NILMTK's pandas bookkeeping, so it is
faster than NILMTK itself and the ratio CO / reference is a lower bound of the speed-up over
NILMTK. Read ratios within one group (``--benchmark-group-by=param:n``); samples/s = n × ops.

    pytest benchmarks/bench_co.py --benchmark-only --benchmark-group-by=param:n
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nilm.disaggregate.co import CO
from nilm.series import Grid

SIZES = [10_000, 100_000, 1_000_000]
POWERS = [90.0, 150.0, 450.0, 1200.0, 2200.0]  # fridge-, TV-, washer-, microwave-, kettle-like


def _simulated(n: int, powers, seed: int = 0) -> Grid:
    rng = np.random.default_rng(seed)
    on = (np.cumsum(rng.random((len(powers), n)) < 0.005, axis=1) % 2).astype(bool)
    apps = on * np.asarray(powers)[:, None] * rng.uniform(0.97, 1.03, (len(powers), n))
    mains = apps.sum(axis=0) + 80 + rng.normal(0, 5, n)
    return Grid(0, 6.0, mains, apps, [f"a{j}" for j in range(len(powers))])


def nilmtk_numpy(states, base_load, mains):
    """NILMTK CO disaggregation (find_nearest over the cartesian state table), in numpy."""
    table = np.array(list(itertools.product(*states)), dtype=np.float64)
    known = table.sum(axis=1) + base_load
    order = np.argsort(known)
    srt = known[order]
    idx1 = np.searchsorted(srt, mains)
    idx1[idx1 == len(known)] = len(known) - 1
    idx2 = np.clip(idx1 - 1, 0, len(known) - 1)
    pick = order[np.where(srt[idx1] - mains <= mains - srt[idx2], idx1, idx2)]
    return np.stack([table[pick, j] for j in range(table.shape[1])])


@pytest.fixture(scope="module")
def fitted():
    train = _simulated(200_000, POWERS, seed=1)
    return CO(seed=0).fit(train)


@pytest.mark.parametrize("n", SIZES)
def test_co_predict(benchmark, fitted, n):
    mains = _simulated(n, POWERS, seed=2).mains
    out = benchmark(fitted.predict, mains)
    assert out.shape == (len(POWERS), n)


@pytest.mark.parametrize("n", SIZES)
def test_nilmtk_numpy_reference(benchmark, fitted, n):
    mains = _simulated(n, POWERS, seed=2).mains.astype(np.float64)
    out = benchmark(nilmtk_numpy, fitted.states_, fitted.base_load_, mains)
    # same algorithm, same answer up to ties between equal totals
    ours = fitted.predict(mains)
    assert np.allclose(out.sum(axis=0), ours.sum(axis=0), atol=1e-3)


@pytest.mark.parametrize("n", [100_000])
def test_co_predict_20_appliances_pruned(benchmark, n):
    """20 appliances (3.5e9 combinations): exact table for the largest, coordinate descent."""
    powers = list(np.random.default_rng(3).uniform(20, 3000, 20).round())
    model = CO(seed=0).fit(_simulated(50_000, powers, seed=4))
    mains = _simulated(n, powers, seed=5).mains
    out = benchmark(model.predict, mains)
    assert out.shape == (20, n)
