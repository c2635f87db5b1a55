"""Seq2Point inference: fully convolutional against window by window, in the same run, on the
UCI test length at 1 min (18,183 samples, one network of the harness's width, one CPU thread).

``test_windowed`` is the inference path before the fully convolutional one (every window through
the whole network, batches of 4096 windows); ``test_convolutional`` is
:func:`nilm.disaggregate.seq2point.convolutional_output`. Read the ratio within the group;
``extra_info["samples_per_s"]`` is n / mean time. The network is randomly initialised with a
fixed seed and the input is simulated noise: the cost of inference does not depend on either.

    .venv/bin/python -m pytest benchmarks/bench_seq2point.py --benchmark-only \
        --benchmark-group-by=param:case
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is an optional extra (pip install nilm[torch])")

from nilm.disaggregate.seq2point import (  # noqa: E402
    PAPER_KERNELS,
    Seq2Point,
    convolutional_output,
    windowed_output,
)
from nilm.series import Grid  # noqa: E402

N = 18_183
WINDOW = 61
#: the peers harness's network (benchmarks/peers/run_nilm.py) and the module's default
NETS = {"harness": ((16, 16, 24, 32, 32), 128), "default": ((30, 30, 40, 50, 50), 256)}


@pytest.fixture(scope="module", params=sorted(NETS))
def case(request):
    filters, hidden = NETS[request.param]
    rng = np.random.default_rng(0)
    n_fit = 300
    mains = rng.normal(500, 200, n_fit)
    grid = Grid(0, 60.0, mains, (mains * 0.3)[None], ["water_heater"])
    model = Seq2Point(window=WINDOW, filters=filters, kernels=PAPER_KERNELS, hidden=hidden,
                      epochs=1, device="cpu", threads=1, seed=0).fit(grid)
    z = rng.normal(0, 1, N).astype(np.float32)
    zp = np.concatenate([np.zeros(WINDOW // 2, np.float32), z, np.zeros(WINDOW // 2, np.float32)])
    torch.set_num_threads(1)
    return request.param, model.nets_[0], z, torch.from_numpy(zp).unfold(0, WINDOW, 1)


def test_windowed(benchmark, case):
    name, net, _, windows = case
    out = benchmark.pedantic(windowed_output, args=(net, windows, np.arange(N), "cpu"),
                             rounds=3, iterations=1)
    benchmark.extra_info.update(samples_per_s=N / benchmark.stats.stats.mean, net=name,
                                data="simulated")
    assert out.shape == (N,)


def test_convolutional(benchmark, case):
    name, net, z, windows = case
    out = benchmark.pedantic(convolutional_output, args=(net, z, WINDOW), rounds=3, iterations=1)
    benchmark.extra_info.update(samples_per_s=N / benchmark.stats.stats.mean, net=name,
                                data="simulated")
    want = windowed_output(net, windows[:500], np.arange(500), "cpu")
    np.testing.assert_allclose(out[:500], want, rtol=1e-5, atol=1e-5)
