"""Combinatorial optimisation: the search kernel against its naive twin, the lookup against brute
force (also after a fresh compile, in a subprocess), the pruned search, state learning, and
recovery of known appliances on synthetic data (simulated, not real)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nilm.disaggregate.co import CO, learn_states
from nilm.kernels.co import (
    AMBIGUOUS,
    build_index,
    cell_table,
    combination_table,
    search,
    thresholds,
)
from nilm.series import Grid
from tests import co_property, naive

HERE = Path(__file__).resolve().parent


def _kernel(target, exact, rest, max_iter=10):
    """The kernel with its lookup table, after checking it equals the kernel decoding codes."""
    t = np.asarray(target, dtype=np.float64)
    out = search(t, build_index(exact, rest), max_iter=max_iter)
    decoded = search(t, build_index(exact, rest, max_lookup=0), max_iter=max_iter)
    np.testing.assert_array_equal(out, decoded)
    return out


def _naive(target, exact, rest, max_iter=10):
    return naive.co_search(target, exact, rest, max_iter).astype(np.float32)


def _random_states(rng, k, integer):
    out = []
    for _ in range(k):
        n = int(rng.integers(1, 5))
        s = rng.integers(0, 40, n) * 25.0 if integer else rng.random(n) * 1000
        out.append(np.unique(np.concatenate([[0.0], s]))[:n])
    return out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("integer", [False, True])
def test_exact_search_matches_naive(seed, integer):
    rng = np.random.default_rng(seed)
    exact = _random_states(rng, int(rng.integers(1, 5)), integer)
    n = 60
    # integer states and half-step targets make equidistant ties and equal totals common
    target = rng.integers(-2, 200, n) * 12.5 if integer else rng.normal(800, 900, n)
    target[rng.random(n) < 0.1] = np.nan
    np.testing.assert_array_equal(_kernel(target, exact, []),
                                  _naive(target, exact, [], 10))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("integer", [False, True])
def test_pruned_search_matches_naive(seed, integer):
    rng = np.random.default_rng(100 + seed)
    exact = _random_states(rng, int(rng.integers(1, 4)), integer)
    rest = _random_states(rng, int(rng.integers(1, 5)), integer)
    target = rng.integers(0, 300, 40) * 12.5 if integer else rng.normal(1500, 1000, 40)
    target[::7] = np.nan
    for max_iter in (0, 1, 10):
        np.testing.assert_array_equal(_kernel(target, exact, rest, max_iter),
                                      _naive(target, exact, rest, max_iter))


def test_search_adversarial_inputs():
    exact = [np.array([0.0, 100.0]), np.array([0.0, 100.0])]  # equal totals: codes 1 and 2
    for target in [np.array([]), np.array([50.0]), np.array([np.nan]), np.array([100.0]),
                   np.array([np.inf, -np.inf, 1e7, -5.0, 150.0]), np.full(5, 100.0)]:
        np.testing.assert_array_equal(_kernel(target, exact, []),
                                      _naive(target, exact, [], 10))
    out = _kernel(np.array([50.0, 100.0, 1e9, -1e9]), exact, [])
    # tie at 50 goes to the lower total; total 100 is reached first by code 1 = (0, 100)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 100.0, 0.0], [0.0, 100.0, 100.0, 0.0]])
    # a single state everywhere, and an appliance with only "off"
    one = [np.array([0.0])]
    np.testing.assert_array_equal(_kernel(np.array([3.0, 7.0]), one, one),
                                  _naive(np.array([3.0, 7.0]), one, one, 10))


@pytest.mark.parametrize("seed", range(3))
def test_lookup_equals_brute_force(seed):
    """Random state tables, ties, midpoints and their ulp neighbours, NaN/inf, float32/float64,
    cell budgets down to one cell (every sample bisects): see tests/co_property.py."""
    assert co_property.check(120, seed) == []


@pytest.mark.slow
@pytest.mark.parametrize("boundscheck", ["0", "1"])
def test_lookup_equals_brute_force_after_fresh_compile(tmp_path, boundscheck):
    """The same property in a new process whose Numba cache is empty, so every kernel is compiled
    from scratch; with NUMBA_BOUNDSCHECK=1 any read outside a table raises instead of returning
    garbage (the earlier vectorised pass read one element past the sums, see docs/benchmarks.md).
    """
    cache = tmp_path / "numba-cache"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_BOUNDSCHECK=boundscheck)
    proc = subprocess.run([sys.executable, str(HERE / "co_property.py"), "150", "7"], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cases 150, mismatches 0" in proc.stdout
    # it did compile into the empty cache rather than load an old one
    assert any(cache.rglob("co.*.nbi"))


def test_tables_are_never_read_past_their_end():
    """Every table handed to the kernel is a view followed by NaN (sums), garbage codes (cells)
    or NaN (after the state table): targets above and below every total, exactly on the largest,
    NaN and inf still give the brute-force answer, so nothing past an end is read (the failure
    mode of the removed pass, which accepted index u whenever the word after the sums was NaN)."""
    states = [np.array([0.0, 100.0]), np.array([0.0, 100.0, 250.0])]
    index = build_index(states, [])
    u1 = len(index.sums)
    sums = np.full(u1 + 8, np.nan)
    sums[:u1] = index.sums
    cells = np.full(len(index.cells) + 8, AMBIGUOUS + 2**29, dtype=np.int32)
    cells[:len(index.cells)] = index.cells
    lut = np.full(index.lut.size + 8, np.nan, dtype=np.float32)
    lut[:index.lut.size] = index.lut.ravel()
    planted = index._replace(sums=sums[:u1], cells=cells[:len(index.cells)],
                             lut=lut[:index.lut.size].reshape(index.lut.shape))
    target = np.array([1e7, 351.0, 350.0, 349.0, 1e9, -1e9, -3.0, 0.0, np.nan, np.inf,
                       -np.inf, 175.0, 125.0])
    want = naive.co_nearest_brute(target, states).astype(np.float32)
    np.testing.assert_array_equal(search(target, planted), want)
    np.testing.assert_array_equal(search(target.astype(np.float32), planted), want)


def test_cell_table_brackets_the_nearest_index():
    """Each cell's stored bounds bracket the nearest index of every float in the cell, and a
    cell is flagged ambiguous exactly when its bounds differ by more than one."""
    rng = np.random.default_rng(8)
    sums = np.append(np.unique(np.round(rng.random(40) * 1000, 1)), np.inf)
    cells, hi, inv_width = cell_table(sums, per_entry=2)
    lo = cells & (AMBIGUOUS - 1)
    t = np.sort(rng.uniform(sums[0] - 50, sums[-2] + 50, 20000))
    b = np.minimum(((np.clip(t, sums[0], sums[-2]) - sums[0]) * inv_width).astype(np.int64),
                   len(cells) - 1)
    nearest = np.argmin(np.abs(t[:, None] - sums[None, :-1]), axis=1)
    assert np.all((lo[b] <= nearest) & (nearest <= hi[b]))
    assert np.array_equal(cells >= AMBIGUOUS, hi - lo > 1)


def test_thresholds_are_the_exact_decision_boundaries():
    """``τ_c`` is the largest float64 where ``s_{c+1}`` is not strictly nearer than ``s_c``: the
    predicate is false there and true one ulp above, on continuous totals, totals straddling 0
    with huge magnitudes (the boundary falls among tiny floats), neighbours one ulp apart, and
    huge totals; the sentinel's threshold is +inf."""
    rng = np.random.default_rng(11)
    cases = [rng.random(50) * 3000, np.array([-1e6, 1e6]), np.array([-1e300, 3.0, 1e300]),
             np.array([5.0, np.nextafter(5.0, 6.0), 7.5]), np.array([1e-310, 2e-310, 1.0]),
             rng.normal(0, 800, 30), np.array([42.0])]
    for raw in cases:
        sums = np.append(np.unique(raw), np.inf)
        tau = thresholds(sums)
        s, nxt = sums[:-1], sums[1:]
        with np.errstate(invalid="ignore"):
            false_at = tau - s > nxt - tau
            up = np.nextafter(tau, np.inf)
            true_above = up - s > nxt - up
        assert not false_at.any()
        assert true_above[:-1].all() and tau[-1] == np.inf
        assert np.all((s[:-1] <= tau[:-1]) & (tau[:-1] < nxt[:-1]))


def test_co_output_needs_no_clipping():
    """CO declares its output non-negative (predict skips the clipping pass): every state it
    learns is 0 or above 10 W, even from negative, noisy sub-meter readings."""
    rng = np.random.default_rng(12)
    grid = _synthetic(rng, [100.0, 450.0], 5000, noise=30.0, base=-200.0)
    grid.appliances[:] += rng.normal(0, 40.0, grid.appliances.shape)
    for n_states in (2, 3, 4, "auto"):
        model = CO(n_states=n_states).fit(grid)
        assert CO.nonnegative_output and all(np.all(s >= 0) for s in model.states_)
        assert np.nanmin(model.predict(grid.mains - 500.0)) >= 0


def test_combination_table_is_sorted_distinct_with_lowest_code():
    rng = np.random.default_rng(1)
    states = [rng.integers(0, 5, 3) * 10.0 for _ in range(4)]
    sums, codes = combination_table(states)
    assert np.all(np.diff(sums) > 0)
    combos = list(itertools.product(*states))
    totals = [sum(c) for c in combos]
    assert sorted(set(totals)) == pytest.approx(list(sums))
    for s, c in zip(sums, codes, strict=True):
        assert totals[c] == pytest.approx(s)
        assert c == min(i for i, t in enumerate(totals) if abs(t - s) < 1e-9)


def test_exact_search_is_optimal():
    rng = np.random.default_rng(2)
    states = [np.array([0.0, v]) for v in rng.uniform(10, 2000, 10)]
    target = rng.uniform(0, 8000, 200)
    out = _kernel(target, states, [])
    best = np.abs(target - out.sum(axis=0))
    all_totals = np.array([sum(c) for c in itertools.product(*states)])
    brute = np.abs(target[:, None] - all_totals[None, :]).min(axis=1)
    np.testing.assert_allclose(best, brute, atol=5e-3)  # float32 output


def _synthetic(rng, powers, n, period=6.0, noise=2.0, base=40.0):
    """Appliances switching between 0 and their power, mains = their sum + base + noise.
    Simulated data."""
    on = np.zeros((len(powers), n), dtype=bool)
    for j in range(len(powers)):
        # runs of random length so states persist like real cycles
        flips = np.cumsum(rng.random(n) < 0.01) % 2 == 1
        on[j] = flips if rng.random() < 0.5 else ~flips
    apps = on * np.asarray(powers, dtype=np.float64)[:, None]
    mains = apps.sum(axis=0) + base + rng.normal(0, noise, n)
    names = [f"a{j}" for j in range(len(powers))]
    return Grid(0, period, mains, apps, names)


def test_co_recovers_distinct_appliances():
    rng = np.random.default_rng(3)
    grid = _synthetic(rng, [100.0, 450.0, 2000.0], 20_000)
    model = CO().fit(grid)
    assert model.base_load_ == pytest.approx(40.0, abs=5)
    for s, power in zip(model.states_, [100.0, 450.0, 2000.0], strict=True):
        assert s[0] == 0 and np.abs(s - power).min() < 5
    pred = model.predict(grid)
    assert np.abs(pred - grid.appliances).mean() < 5
    assert len(model.rest_) == 0


def test_co_twenty_appliances_pruned():
    """20 appliances x 3 states = 3.5e9 combinations: over the cap, so coordinate descent."""
    rng = np.random.default_rng(4)
    powers = np.round(rng.uniform(20, 3000, 20))
    grid = _synthetic(rng, powers, 4000, noise=0.0, base=0.0)
    model = CO(max_combinations=2**16).fit(grid)
    assert len(model.rest_) > 0 and np.prod([len(model.states_[j]) for j in model.exact_]) <= 2**16
    # the exact group holds the largest appliances
    biggest = max(float(model.states_[j].max()) for j in model.rest_)
    assert all(float(model.states_[j].max()) >= biggest for j in model.exact_)
    pred = model.predict(grid)
    assert pred.shape == (20, 4000) and np.all(pred >= 0)
    err = np.abs(grid.mains - pred.sum(axis=0))
    # never worse than the start of the descent (rest off, exact group searched)
    start = CO(max_combinations=2**16, max_iter=0).fit(grid).predict(grid)
    assert np.all(err <= np.abs(grid.mains - start.sum(axis=0)) + 1e-3)
    assert np.median(err) < 0.02 * np.median(grid.mains)


def test_co_exact_beats_or_equals_pruned():
    rng = np.random.default_rng(5)
    grid = _synthetic(rng, rng.uniform(50, 1500, 9), 3000)
    exact = CO(n_states=2).fit(grid).predict(grid)
    pruned = CO(n_states=2, max_combinations=8).fit(grid).predict(grid)
    target = grid.mains - CO(n_states=2).fit(grid).base_load_
    assert np.all(np.abs(target - exact.sum(axis=0))
                  <= np.abs(target - pruned.sum(axis=0)) + 1e-3)


def test_learn_states():
    rng = np.random.default_rng(6)
    v = np.concatenate([np.zeros(500), rng.normal(150, 3, 300), rng.normal(1800, 10, 200)])
    s = learn_states(v, 3, seed=0)
    assert s[0] == 0 and len(s) == 3
    assert abs(s[1] - 150) < 2 and abs(s[2] - 1800) < 5
    np.testing.assert_array_equal(s, learn_states(v, 3, seed=0))
    auto = learn_states(v, "auto", seed=0)
    assert len(auto) == 3 and abs(auto[2] - 1800) < 5
    assert list(learn_states(np.zeros(10), 3)) == [0.0]
    assert list(learn_states(np.full(10, 70.0), 3)) == [0.0, 70.0]
    assert list(learn_states(v, 1)) == [0.0]


def test_search_clustered_totals():
    """Totals crowded into few cells (one huge state) take the bisection path."""
    rng = np.random.default_rng(7)
    exact = [np.array([0.0, 1e6]), rng.random(4) * 10, rng.random(4) * 10, rng.random(3)]
    target = np.concatenate([rng.random(50) * 25, 1e6 + rng.random(50) * 25,
                             rng.uniform(-10, 2e6, 20)])
    np.testing.assert_array_equal(_kernel(target, exact, []), _naive(target, exact, []))
