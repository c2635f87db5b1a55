"""Factorial HMM with exact factorised Viterbi: the kernel against a full-Kronecker Viterbi,
state decoding and MAE on simulated on/off appliances, every period, and real REDD/UCI data."""

from __future__ import annotations

import os
import subprocess
import sys

import naive
import numpy as np
import pytest

from nilm.disaggregate.fhmm import (
    FHMM,
    backpointer_dtype,
    joint_path,
    kmeans_1d,
    kmeans_states,
    nearest_state,
    viterbi_factorial,
)
from nilm.disaggregate.mean import Mean
from nilm.kernels import viterbi
from nilm.kernels.kmeans import pairwise_sum, state_counts
from nilm.kernels.viterbi import paint
from nilm.series import Grid

LADDER = [6.0, 60.0, 600.0, 1800.0, 3600.0]


def random_model(rng, max_chains=3, max_states=3):
    ks = rng.integers(1, max_states + 1, int(rng.integers(1, max_chains + 1)))
    means = [np.sort(rng.uniform(0, 1000, k)) for k in ks]
    trans = [rng.dirichlet(np.ones(k), size=k) for k in ks]
    init = [rng.dirichlet(np.ones(k)) for k in ks]
    return means, trans, init


def decode(x, means, trans, init, offset, sigma, **kw):
    return viterbi_factorial(x, means, [np.log(t) for t in trans], [np.log(i) for i in init],
                             offset, sigma, **kw)


@pytest.mark.parametrize("seed", range(12))
def test_viterbi_equals_kronecker_viterbi(seed):
    """Random models and observations: the same path as Viterbi on the full S x S matrix, also
    when decoding in checkpointed chunks of a few steps."""
    rng = np.random.default_rng(seed)
    means, trans, init = random_model(rng, max_chains=4)
    x = rng.uniform(0, 2500, int(rng.integers(1, 80)))
    sigma = rng.uniform(20, 300)
    want, lp_want = naive.viterbi_kron(x, means, trans, init, 15.0, sigma)
    got, lp = decode(x, means, trans, init, 15.0, sigma)
    np.testing.assert_array_equal(got, want)
    assert lp == pytest.approx(lp_want, rel=1e-10)
    S = int(np.prod([len(m) for m in means]))
    chunked, lp_c = decode(x, means, trans, init, 15.0, sigma, max_backpointer_bytes=3 * S)
    np.testing.assert_array_equal(chunked, want)
    assert lp_c == pytest.approx(lp_want, rel=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_viterbi_with_nan_runs_is_optimal(seed):
    """With NaN observations, paths that only reorder transitions inside a NaN run tie exactly,
    so the check is optimality: our path's score (recomputed term by term) equals the
    Kronecker Viterbi's maximum."""
    rng = np.random.default_rng(100 + seed)
    means, trans, init = random_model(rng)
    n = int(rng.integers(2, 60))
    x = rng.uniform(0, 2000, n)
    x[rng.random(n) < 0.2] = np.nan
    x[n // 3:n // 3 + 4] = np.nan
    _, lp_want = naive.viterbi_kron(x, means, trans, init, 0.0, 80.0)
    got, lp = decode(x, means, trans, init, 0.0, 80.0, max_backpointer_bytes=50)
    score = naive.fhmm_path_log_prob(x, got, means, trans, init, 0.0, 80.0)
    assert score == pytest.approx(lp_want, rel=1e-10)
    assert lp == pytest.approx(lp_want, rel=1e-10)


ADVERSARIAL = {
    "single": np.array([700.0]),
    "single_nan": np.array([np.nan]),
    "all_nan": np.full(7, np.nan),
    "constant": np.full(40, 500.0),
    "step_at_start": np.r_[2000.0, np.zeros(15)],
    "step_at_end": np.r_[np.zeros(15), 2000.0],
    "nan_edges": np.r_[np.nan, np.nan, np.full(6, 300.0), np.nan],
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_viterbi_adversarial(name):
    x = ADVERSARIAL[name]
    means = [np.array([0.0, 200.0]), np.array([0.0, 300.0, 1800.0])]
    trans = [np.array([[0.9, 0.1], [0.2, 0.8]]),
             np.array([[0.8, 0.15, 0.05], [0.3, 0.6, 0.1], [0.3, 0.2, 0.5]])]
    init = [np.array([0.7, 0.3]), np.array([0.5, 0.3, 0.2])]
    _, lp_want = naive.viterbi_kron(x, means, trans, init, 5.0, 30.0)
    got, lp = decode(x, means, trans, init, 5.0, 30.0)
    assert got.shape == (2, len(x))
    assert lp == pytest.approx(lp_want, rel=1e-10)
    assert naive.fhmm_path_log_prob(x, got, means, trans, init, 5.0, 30.0) == pytest.approx(
        lp_want, rel=1e-10)


def test_viterbi_empty_and_one_state():
    got, lp = decode(np.array([]), [np.array([0.0, 1.0])], [np.eye(2) * 0.5 + 0.25],
                     [np.array([0.5, 0.5])], 0.0, 1.0)
    assert got.shape == (1, 0) and lp == 0.0
    got, _ = decode(np.array([3.0, np.nan, 5.0]), [np.array([4.0])], [np.ones((1, 1))],
                    [np.ones(1)], 0.0, 1.0)
    assert got.tolist() == [[0, 0, 0]]


def test_backpointer_dtype_is_smallest():
    assert [backpointer_dtype(s) for s in (2, 256, 257, 65536, 65537)] == [
        np.uint8, np.uint8, np.uint16, np.uint16, np.int32]


@pytest.mark.slow
def test_more_than_256_joint_states():
    """uint16 backpointers (S = 324), chunked, still the Kronecker path on a short sequence."""
    rng = np.random.default_rng(5)
    means = [np.sort(rng.uniform(0, 800, k)) for k in (3, 3, 4, 3, 3)]
    trans = [rng.dirichlet(np.ones(len(m)) * 3, size=len(m)) for m in means]
    init = [rng.dirichlet(np.ones(len(m))) for m in means]
    x = rng.uniform(0, 3000, 25)
    want, _ = naive.viterbi_kron(x, means, trans, init, 0.0, 100.0)
    got, _ = decode(x, means, trans, init, 0.0, 100.0, max_backpointer_bytes=324 * 2 * 7)
    np.testing.assert_array_equal(got, want)


def binary_model(rng, C):
    means = [np.array([0.0, w]) for w in rng.uniform(50, 2500, C)]
    trans = [rng.dirichlet(np.ones(2) * 2, size=2) for _ in range(C)]
    init = [rng.dirichlet(np.ones(2)) for _ in range(C)]
    return means, trans, init


@pytest.mark.parametrize("C", [1, 2, 3, 4])
def test_unrolled_binary_equals_kronecker_viterbi(C):
    """The unrolled kernel (every chain with 2 states, up to 4 chains) gives the Kronecker
    path; NaN runs included, single pass and checkpointed chunks."""
    rng = np.random.default_rng(40 + C)
    means, trans, init = binary_model(rng, C)
    x = rng.uniform(0, 2500 * C, 60)
    x[[5, 6, 7, 30]] = np.nan
    want, lp_want = naive.viterbi_kron(x, means, trans, init, 20.0, 80.0)
    got, lp = decode(x, means, trans, init, 20.0, 80.0)
    np.testing.assert_array_equal(got, want)
    assert lp == pytest.approx(lp_want, rel=1e-10)
    chunked, _ = decode(x, means, trans, init, 20.0, 80.0, max_backpointer_bytes=7 * 2 ** C)
    np.testing.assert_array_equal(chunked, want)


def looped_and_unrolled(C, n, seed):
    """Scores, shift and backpointers of the looped and of the unrolled forward pass."""
    rng = np.random.default_rng(seed)
    means, trans, init = binary_model(rng, C)
    S = 2 ** C
    comp = np.stack(np.unravel_index(np.arange(S), (2,) * C))
    mu = 15.0 + sum(means[c][comp[c]] for c in range(C))
    linit = sum(np.log(init[c])[comp[c]] for c in range(C))
    lt = np.stack([np.log(t) for t in trans])
    strides = np.array([2 ** (C - 1 - c) for c in range(C)])
    x = rng.uniform(0, 2500 * C, n).astype(np.float32)
    x[rng.random(n) < 0.05] = np.nan
    out = []
    for unroll in (0, viterbi.UNROLL_MAX_CHAINS):
        viterbi.UNROLL_MAX_CHAINS, saved = unroll, viterbi.UNROLL_MAX_CHAINS
        try:
            delta, bp = np.empty(S), np.empty((n, S), np.uint8)
            shift = viterbi.viterbi_forward(x, mu, 1 / 90.0 ** 2, lt, np.full(C, 2), strides,
                                            linit, delta, bp, True, True)
            delta2 = delta.copy()  # a second call continues from the scores (first=False)
            shift2 = viterbi.viterbi_forward(x[:50], mu, 1 / 90.0 ** 2, lt, np.full(C, 2),
                                             strides, linit, delta2, bp[:50], False, True)
        finally:
            viterbi.UNROLL_MAX_CHAINS = saved
        out.append((shift, delta, bp[1:], shift2, delta2))
    return out


@pytest.mark.parametrize("C", [1, 2, 3, 4])
def test_unrolled_bit_identical_to_loops(C):
    """Same float operations in the same order: scores, shifts and backpointers equal bit for
    bit (not approximately), continuing a sequence (``first`` false) included."""
    looped, unrolled = looped_and_unrolled(C, 3000, C)
    for a, b in zip(looped, unrolled, strict=True):
        np.testing.assert_array_equal(a, b)


FRESH = """
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import test_fhmm
from nilm.kernels import viterbi
looped, unrolled = test_fhmm.looped_and_unrolled(2, 500, 3)
stats = viterbi.unrolled_forward(2).stats
print(all(np.array_equal(a, b) for a, b in zip(looped, unrolled)),
      sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
"""


def test_unrolled_after_fresh_compile_and_from_cache(tmp_path):
    """In a fresh process with empty nilm and Numba caches the generated source is written,
    compiled and bit-identical to the loops; a second process loads it from the cache."""
    env = dict(os.environ, NILM_CACHE=str(tmp_path / "nilm"),
               NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    here = os.path.dirname(__file__)
    for hits_misses in (["0", "1"], ["1", "0"]):
        proc = subprocess.run([sys.executable, "-c", FRESH, here], env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["True", *hits_misses]
    src = tmp_path / "nilm" / "kernels" / "viterbi_binary_2.py"
    assert src.read_text() == viterbi.unrolled_source(2)
    assert list((tmp_path / "numba").rglob("viterbi_binary_2.forward-*.nbi"))


# ---------------------------------------------------------------- learning pieces

@pytest.mark.parametrize("seed", range(4))
def test_kmeans_1d_reaches_optimum(seed):
    """Separated 1-D clusters: the inertia equals the exact optimum (in 1-D optimal clusters are
    contiguous in sorted order, so enumerating every set of cut points is exhaustive)."""
    import itertools

    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.normal(m, 10.0, int(rng.integers(1, 12)))
                        for m in (0.0, 150.0, 2000.0)])
    ys = np.sort(y)
    for n_clusters in (1, 2, 3):
        c, inertia = kmeans_1d(y, n_clusters, seed=seed)
        assert np.all(np.diff(c) > 0)
        direct = float(((y[:, None] - c[None]) ** 2).min(axis=1).sum())
        assert inertia == pytest.approx(direct, rel=1e-8, abs=1e-6)
        opt = min(sum(((seg - seg.mean()) ** 2).sum() for seg in np.split(ys, cuts))
                  for cuts in itertools.combinations(range(1, len(ys)), n_clusters - 1))
        assert inertia == pytest.approx(opt, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_kmeans_1d_equals_numpy_formulation(seed):
    """The kernel reproduces the NumPy k-means (Generator.choice draws, searchsorted Lloyd
    steps) bit for bit: same centres, same inertia, for 1-4 clusters, ties and repeated values,
    small and large samples."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([1, 2, 5, 37, 600, 20_000]))
    kind = seed % 3
    if kind == 0:
        y = rng.normal(0, 1, n) * rng.choice([1.0, 100.0, 2000.0], n)
    elif kind == 1:  # few distinct values, many repeats
        y = rng.integers(0, 4, n) * 150.0
    else:  # an on/off appliance: zeros and a noisy on level
        y = np.where(rng.random(n) < 0.3, rng.normal(1800, 20, n), 0.0)
    for k in (1, 2, 3, 4):
        got = kmeans_1d(y, k, seed=seed)
        want = naive.kmeans_1d_numpy(y, k, seed=seed)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1] == want[1]


def test_pairwise_sum_is_numpy_sum():
    rng = np.random.default_rng(0)
    for n in [0, 1, 7, 8, 9, 127, 128, 129, 1000, 4097, 65_537, 200_003]:
        a = rng.random(n) ** 3 * 1e4 - 50
        assert pairwise_sum(a) == a.sum()


@pytest.mark.parametrize("seed", range(4))
def test_state_counts_equal_bincount(seed):
    rng = np.random.default_rng(seed)
    n = 500
    y = np.where(rng.random(n) < 0.4, rng.normal(900, 300, n), rng.random(n)).astype(np.float32)
    ok = rng.random(n) < 0.85
    means = np.sort(rng.uniform(0, 1500, int(rng.integers(1, 5))))
    fitted = np.full(int(ok.sum()), 3.0)
    pairs, init = state_counts(y, ok, means, fitted)
    want_pairs, want_init, want_fitted = naive.fhmm_state_counts(y, ok, means)
    np.testing.assert_array_equal(pairs, want_pairs)
    np.testing.assert_array_equal(init, want_init)
    np.testing.assert_array_equal(fitted, 3.0 + want_fitted)


def test_paint_and_predict_follow_the_joint_path():
    rng = np.random.default_rng(3)
    table = rng.random((3, 12)).astype(np.float32)
    path = rng.integers(0, 12, 50).astype(np.uint8)
    np.testing.assert_array_equal(paint(path, table), table[:, path])
    g, _ = on_off_grid(hours=6.0, seed=4)
    m = FHMM(n_states=[2, 3, 2], seed=0).fit(g)
    states, lp = m.decode(g)
    pred = m.predict(g)
    for c, means in enumerate(m.means_):
        np.testing.assert_array_equal(pred[c], means[states[c]].astype(np.float32))
    # float32 mains are decoded as they are, with the same path as their float64 copy
    path32, lp32, _ = joint_path(g.mains.astype(np.float32), m.means_, m.log_trans_, m.log_init_,
                                 m.offset_, m.sigma_)
    path64, lp64, _ = joint_path(g.mains.astype(np.float32).astype(np.float64), m.means_,
                                 m.log_trans_, m.log_init_, m.offset_, m.sigma_)
    np.testing.assert_array_equal(path32, path64)
    assert lp32 == lp64


def test_kmeans_states_few_distinct_values():
    assert kmeans_states(np.array([5.0, 5.0, 5.0]), 3, 0).tolist() == [5.0]
    np.testing.assert_allclose(kmeans_states(np.r_[np.zeros(50), np.full(20, 150.0)], 3, 0),
                               [0.0, 150.0])
    assert nearest_state(np.array([0.0, 74.0, 76.0, 1e4]), np.array([0.0, 150.0])).tolist() == [
        0, 0, 1, 1]


# ---------------------------------------------------------------- the estimator

def on_off_grid(period=6.0, hours=24.0, seed=0, noise=2.0):
    """Simulated data: three on/off appliances (150, 600, 1800 W) with geometric on/off times,
    a 40 W base load and Gaussian noise; returns the Grid and the true on/off states."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 / period)
    powers = np.array([150.0, 600.0, 1800.0])
    p_switch = np.array([[0.01, 0.02], [0.002, 0.01], [0.001, 0.03]])  # off->on, on->off
    on = np.zeros((3, n), dtype=bool)
    for a in range(3):
        u = rng.random(n)
        for t in range(1, n):
            on[a, t] = (u[t] >= p_switch[a, 1]) if on[a, t - 1] else (u[t] < p_switch[a, 0])
    apps = on * powers[:, None]
    mains = apps.sum(axis=0) + 40.0 + rng.normal(0, noise, n)
    return Grid(0, period, mains, apps, ["fridge", "microwave", "kettle"]), on


def test_fhmm_learns_and_decodes_true_states():
    g, on = on_off_grid(hours=24.0, seed=1)
    train, test = g.split_time(12 * 3600)
    m = FHMM(n_states=2, seed=0).fit(train)
    np.testing.assert_allclose([mm[1] for mm in m.means_], [150, 600, 1800], rtol=1e-3)
    assert m.offset_ == pytest.approx(40.0, abs=1.0)
    assert m.sigma_ == pytest.approx(2.0, rel=0.2)
    states, _ = m.decode(test)
    assert (states.astype(bool) == on[:, len(train):]).mean() > 0.999
    pred = m.predict(test)
    mae = np.abs(pred - test.appliances).mean(axis=1)
    base = np.abs(Mean().fit(train).predict(test) - test.appliances).mean(axis=1)
    assert np.all(mae < 0.1 * base)


def test_transition_counts():
    """Simulated: the learned switching probabilities match the generating ones."""
    g, _ = on_off_grid(hours=48.0, seed=2)
    m = FHMM(transition_prior=0.0).fit(g)
    trans = np.exp(m.log_trans_[0])
    assert trans[0, 1] == pytest.approx(0.01, rel=0.2)
    assert trans[1, 0] == pytest.approx(0.02, rel=0.2)
    np.testing.assert_allclose(trans.sum(axis=1), 1.0)


def test_guards():
    g, _ = on_off_grid(hours=1.0)
    with pytest.raises(ValueError, match="max_joint_states"):
        FHMM(n_states=3, max_joint_states=8).fit(g)
    with pytest.raises(ValueError, match="entries"):
        FHMM(n_states=[2, 2]).fit(g)


@pytest.mark.parametrize("period", LADDER)
def test_every_period_runs(period):
    g, _ = on_off_grid(period=6.0, hours=72.0, seed=3)
    f = max(1, int(period // 6.0))
    n = len(g) // f * f
    mains = g.mains[:n].reshape(-1, f).mean(axis=1)
    apps = g.appliances[:, :n].reshape(3, -1, f).mean(axis=2)
    mains[3:5] = np.nan
    gg = Grid(0, 6.0 * f, mains, apps, g.names)
    train, test = gg.split_time(48 * 3600)
    for n_states in (2, [3, 2, 3]):
        m = FHMM(n_states=n_states, seed=1).fit(train)
        out = m.predict(gg)
        assert out.shape == (3, len(gg)) and out.dtype == np.float32
        assert np.all(out[:, gg.valid] >= 0) and np.all(np.isnan(out[:, ~gg.valid]))
    a = FHMM(n_states=3, seed=4).fit(train).predict(test)
    b = FHMM(n_states=3, seed=4).fit(train).predict(test)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- real data

@pytest.mark.realdata
@pytest.mark.slow
def test_uci_water_heater_real(shared_data):
    """Real data (UCI Sceaux, 1 min, first 3 weeks train): the water heater's FHMM learns an
    off state near 0 W and an on state in the kW range, and its MAE is below the Mean
    baseline's."""
    import nilm

    path = shared_data / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
    if not path.is_dir():
        pytest.skip(f"{path} absent")
    g = nilm.load(path).to_grid(60).select(["water_heater"])
    train, test = g.split_time(g.start + 21 * 86400)
    model = FHMM(n_states=2, seed=0).fit(train)
    assert model.means_[0][0] < 50.0 and model.means_[0][1] > 500.0
    ok = test.fully_valid()
    mae = np.abs(model.predict(test)[0, ok] - test.appliances[0, ok]).mean()
    base = np.abs(Mean().fit(train).predict(test)[0, ok] - test.appliances[0, ok]).mean()
    assert mae < base
