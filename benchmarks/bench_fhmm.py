"""FHMM (exact factorised Viterbi) end-to-end throughput and peak memory, against a textbook
Viterbi on the full Kronecker transition matrix in the same run (simulated 6-s data).

``test_fhmm_end_to_end`` times ``FHMM(n_states).fit(train)`` + ``predict(test)`` for 3-6
appliances with 2-3 states on n = 10^4, 10^5, 10^6 test samples (training on the first
``min(n, 10^5)`` samples of another draw); 729 joint states only up to 10^5. ``extra_info``:
``samples_per_s`` (n / mean fit + predict time), ``peak_mb`` (tracemalloc peak of one fit +
predict: numpy buffers, incl. backpointers), ``joint_states``, and ``x_nilmtk_quoted``: the
speed-up over NILMTK FHMMExact's end to end time quoted in the Disaggregation issue for 10^6
simulated 6-s samples on this machine (12 s training + n / 0.15 M samples/s decoding; not measured
in this run, and at NILMTK's own number of states; ``benchmarks/peers/compare.py`` measures it
side by side). ``test_kronecker_reference`` decodes 10^4 samples with ``tests/naive.py``'s
``viterbi_kron`` for the same models: read ratios within the n = 10^4 group.

    .venv/bin/python -m pytest benchmarks/bench_fhmm.py --benchmark-only \
        --benchmark-group-by=param:n
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from nilm.disaggregate.fhmm import FHMM
from nilm.series import Grid

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import naive  # noqa: E402

POWERS = [90.0, 2000.0, 450.0, 2400.0, 150.0, 1200.0]
#: (appliances, states per appliance)
MODELS = [(3, 2), (4, 2), (6, 2), (4, 3), (6, 3)]
SIZES = [10_000, 100_000, 1_000_000]
NILMTK_TRAIN_S, NILMTK_DECODE_SPS = 12.0, 150_000.0


def _simulated(n: int, k: int, seed: int) -> Grid:
    """k appliances, each alternating off / on / (for the odd ones) a half-power state, with
    switching probability 0.5 % per sample; base load 60 W, noise 5 W."""
    rng = np.random.default_rng(seed)
    level = np.cumsum(rng.random((k, n)) < 0.005, axis=1) % 3
    scale = np.where(level == 2, 0.5, level.astype(float))
    apps = scale * np.asarray(POWERS[:k])[:, None]
    mains = apps.sum(axis=0) + 60.0 + rng.normal(0, 5, n)
    return Grid(0, 6.0, mains, apps, [f"a{j}" for j in range(k)])


def _end_to_end(train, test, states):
    return FHMM(n_states=states, seed=0).fit(train).predict(test)


CASES = [(k, s, n) for k, s in MODELS for n in SIZES if s ** k * n <= 729 * 100_000]


@pytest.mark.parametrize(("k", "states", "n"), CASES)
def test_fhmm_end_to_end(benchmark, k, states, n):
    train = _simulated(min(n, 100_000), k, seed=1)
    test = _simulated(n, k, seed=2)
    _end_to_end(train.slice(0, 2000), test.slice(0, 2000), states)  # load cached kernels
    tracemalloc.start()
    _end_to_end(train, test, states)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out = benchmark.pedantic(_end_to_end, args=(train, test, states), rounds=3 if n < 10**6
                             else 1, iterations=1)
    assert out.shape == (k, n)
    secs = benchmark.stats.stats.mean
    nilmtk_s = NILMTK_TRAIN_S + n / NILMTK_DECODE_SPS if n == 1_000_000 else float("nan")
    benchmark.extra_info.update(samples_per_s=n / secs, peak_mb=peak / 2**20,
                                joint_states=states ** k, x_nilmtk_quoted=nilmtk_s / secs,
                                data="simulated")


@pytest.mark.parametrize(("k", "states", "n"), [(3, 2, 10_000), (4, 2, 10_000)])
def test_kronecker_reference(benchmark, k, states, n):
    model = FHMM(n_states=states, seed=0).fit(_simulated(n, k, seed=1))
    x = _simulated(n, k, seed=2).mains.astype(np.float64)
    args = (x, model.means_, [np.exp(t) for t in model.log_trans_],
            [np.exp(i) for i in model.log_init_], model.offset_, model.sigma_)
    path, _ = benchmark.pedantic(naive.viterbi_kron, args=args, rounds=1, iterations=1)
    np.testing.assert_array_equal(path, model.decode(x)[0])
    benchmark.extra_info.update(samples_per_s=n / benchmark.stats.stats.mean, data="simulated")
