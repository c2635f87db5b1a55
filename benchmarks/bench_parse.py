"""Text parsing speed: nilm's Numba kernels against pandas.read_csv on the same bytes.

Run: ``.venv/bin/python -m pytest benchmarks/bench_parse.py --benchmark-only``. Each nilm
benchmark stores ``speedup_vs_pandas`` (best pandas time / best nilm time, same run, same file) in
its ``extra_info``; the pandas references are benchmarked too, in the same group.

Data: REDD house 5 ``channel_18.dat`` (real, 80,417 lines) and tracebase Refrigerator D32131
2012-05-15 (real) when ``../shared/data`` is present; always a generated file of 10^6 REDD-like
lines. The nilm side of ``read_int_float``/``read_tracebase_file`` includes the post-parse checks
(sort, duplicates, negatives) and, for tracebase, the local-time to UTC conversion; the pandas
reference for tracebase includes ``to_datetime`` and ``tz_localize``.
"""

from __future__ import annotations

import os
import timeit
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nilm.errors import LoadReport
from nilm.io import text
from nilm.kernels import parse as k

SHARED = Path(os.environ.get("NILM_SHARED_DATA",
                             Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
REDD = SHARED / "redd" / "low_freq" / "house_5" / "channel_18.dat"
TRACEBASE = SHARED / "tracebase" / "complete" / "Refrigerator" / "dev_D32131_2012.05.15.csv"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """10^6 lines ``<epoch s> <W with one decimal>``, 3-4 s apart like REDD low_freq."""
    rng = np.random.default_rng(0)
    t = 1303100647 + np.cumsum(rng.integers(3, 5, 1_000_000))
    p = np.round(rng.gamma(1.0, 80.0, len(t)), 1)
    f = tmp_path_factory.mktemp("bench") / "channel_1.dat"
    with open(f, "w") as fh:
        fh.write("\n".join(f"{a} {b:.1f}" for a, b in zip(t, p, strict=True)) + "\n")
    return f


def _best(fn, repeat=5) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def _pandas_space(path):
    return pd.read_csv(path, sep=" ", header=None, names=["t", "p"],
                       dtype={"t": np.int64, "p": np.float64})


def _pandas_tracebase(path):
    df = pd.read_csv(path, sep=";", header=None, names=["when", "p1", "p8"],
                     skipinitialspace=True)
    when = pd.to_datetime(df["when"], format="%d/%m/%Y %H:%M:%S")
    utc = when.dt.tz_localize("Europe/Berlin", ambiguous="NaT", nonexistent="NaT")
    df["t"] = utc.dt.as_unit("s").astype("int64")
    return df


def _nilm_space(path):
    return text.read_int_float(path, mode="strict", report=LoadReport())


def _nilm_kernel_only(path):
    return k.parse_int_float(np.fromfile(path, dtype=np.uint8))


def _nilm_tracebase(path):
    return text.read_tracebase_file(path, mode="lenient", report=LoadReport())


def _files():
    out = [pytest.param("generated", id="generated-1e6")]
    out.append(pytest.param("redd", id="redd-h5-ch18", marks=pytest.mark.skipif(
        not REDD.is_file(), reason=f"real data not found at {REDD}")))
    return out


def _resolve(which, generated):
    return generated if which == "generated" else REDD


@pytest.mark.parametrize("which", _files())
def test_pandas_read_csv(benchmark, which, generated):
    benchmark.group = f"parse-{which}"
    path = _resolve(which, generated)
    df = benchmark(_pandas_space, path)
    assert len(df) > 0


@pytest.mark.parametrize("fn", [_nilm_space, _nilm_kernel_only], ids=["read_int_float", "kernel"])
@pytest.mark.parametrize("which", _files())
def test_nilm_parse(benchmark, which, fn, generated):
    benchmark.group = f"parse-{which}"
    path = _resolve(which, generated)
    fn(path)  # compile / load the Numba cache outside the timing
    ref = _pandas_space(path)
    out = benchmark(fn, path)
    np.testing.assert_array_equal(out[0], ref["t"].to_numpy())
    np.testing.assert_allclose(out[1], ref["p"].to_numpy(), rtol=1e-15)
    speedup = _best(lambda: _pandas_space(path)) / _best(lambda: fn(path))
    benchmark.extra_info["speedup_vs_pandas"] = round(speedup, 2)
    print(f"\n{which} {fn.__name__}: {speedup:.2f}x faster than pandas.read_csv")


@pytest.mark.skipif(not TRACEBASE.is_file(), reason=f"real data not found at {TRACEBASE}")
def test_nilm_tracebase(benchmark):
    benchmark.group = "parse-tracebase"
    _nilm_tracebase(TRACEBASE)
    benchmark(_nilm_tracebase, TRACEBASE)
    ref = _pandas_tracebase(TRACEBASE)
    local, p1 = k.parse_tracebase(np.fromfile(TRACEBASE, dtype=np.uint8))[:2]
    np.testing.assert_array_equal(p1, ref["p1"].to_numpy())
    t = text.local_to_utc(local, "Europe/Berlin")
    np.testing.assert_array_equal(t, ref["t"].to_numpy())
    speedup = (_best(lambda: _pandas_tracebase(TRACEBASE))
               / _best(lambda: _nilm_tracebase(TRACEBASE)))
    benchmark.extra_info["speedup_vs_pandas"] = round(speedup, 2)
    print(f"\ntracebase: {speedup:.2f}x faster than pandas.read_csv + to_datetime + tz_localize")
