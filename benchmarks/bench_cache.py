"""HDF5 cache speed: a second (cached) load against the first (parse + cache write), same run.

Run: ``.venv/bin/python -m pytest benchmarks/bench_cache.py --benchmark-only``. Each benchmark
times the cached load with pytest-benchmark and stores in ``extra_info``:
``first_load_s`` (best of 5 cold loads: parse the text, write the cache), ``second_load_s`` (best
cached load) and ``speedup`` = first / second, which must be at least 10.

Data: the UCI Sceaux 48,424-row subset and REDD house 5 low_freq (24 channels x 80,417 lines) when
``../shared/data`` is present (real, measured); otherwise generated files of the same shape and
format (simulated values), marked ``data="generated"`` in ``extra_info``.
"""

from __future__ import annotations

import os
import shutil
import timeit
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from nilm.io import cache, uci

SHARED = Path(os.environ.get("NILM_SHARED_DATA",
                             Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
UCI_REAL = SHARED / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
REDD_REAL = SHARED / "redd" / "low_freq" / "house_5"


def _generated_uci(folder: Path, n=48_424) -> Path:
    rng = np.random.default_rng(0)
    d0 = datetime(2006, 12, 16, 17, 24)
    lines = [";".join(uci.COLUMNS)]
    for k in range(n):
        d = d0 + timedelta(minutes=k)
        lines.append(f"{d.day}/{d.month}/{d.year};{d:%H:%M:%S};{rng.gamma(1.5, 0.7):.3f};"
                     f"{rng.random() / 3:.3f};{rng.normal(240, 3):.3f};{rng.gamma(1.5, 3):.3f};"
                     f"0.000;{rng.integers(0, 3)}.000;{rng.integers(0, 19)}.000")
    folder.mkdir(parents=True)
    (folder / "household_power_consumption.txt").write_bytes(("\r\n".join(lines) + "\r\n")
                                                             .encode())
    return folder


def _generated_redd(folder: Path, n=80_417) -> Path:
    rng = np.random.default_rng(1)
    t = 1303100647 + np.cumsum(rng.integers(3, 5, n))
    folder.mkdir(parents=True)
    labels = []
    for ch in range(3, 27):
        p = np.round(rng.gamma(1.0, 80.0, n), 2)
        with open(folder / f"channel_{ch}.dat", "w") as fh:
            fh.write("\n".join(f"{a} {b:.2f}" for a, b in zip(t, p, strict=True)) + "\n")
        labels.append(f"{ch} lighting")
    (folder / "labels.dat").write_text("\n".join(labels) + "\n")
    return folder


@pytest.fixture(scope="module", params=["uci", "redd"])
def source(request, tmp_path_factory):
    if request.param == "uci":
        if UCI_REAL.is_dir():
            return uci, UCI_REAL, "real", {}
        return uci, _generated_uci(tmp_path_factory.mktemp("b") / "sceaux_gen"), "generated", {}
    redd = pytest.importorskip("nilm.io.redd", reason="REDD loader not available")
    # house 5 has no mains files: its aggregate is the sum of its circuits
    opts = {"aggregate": "sum_of_circuits"}
    if REDD_REAL.is_dir():
        return redd, REDD_REAL, "real", opts
    return redd, _generated_redd(tmp_path_factory.mktemp("b") / "house_5"), "generated", opts


def test_second_load_speedup(benchmark, source, tmp_path):
    mod, path, kind, opts = source
    folder = tmp_path / "cache"

    def first():
        shutil.rmtree(folder, ignore_errors=True)
        return cache.cached_read(mod, path, mode="lenient", cache=folder, **opts)

    def second():
        return cache.cached_read(mod, path, mode="lenient", cache=folder, **opts)

    cold = min(timeit.repeat(first, number=1, repeat=5))
    houses = benchmark.pedantic(second, rounds=20, warmup_rounds=1)
    warm = benchmark.stats.stats.min
    ref = first()
    for a, b in zip(ref, houses, strict=True):  # the cache gives back the same data
        for name, s in a.channels().items():
            assert s.p.tobytes() == b.channels()[name].p.tobytes()
    benchmark.group = "cache"
    benchmark.extra_info.update({"dataset": mod.NAME, "data": kind, "first_load_s": cold,
                                 "second_load_s": warm, "speedup": cold / warm})
    assert cold / warm >= 10, f"second load only {cold / warm:.1f}x faster"
