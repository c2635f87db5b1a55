"""nilm-h5: exact round trip, streaming Writer, compact regular storage, atomic writes."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import nilmh5
from nilm.series import Household, PowerSeries


def _household(seed: int, house="h/1", n=500) -> Household:
    rng = np.random.default_rng(seed)
    t_reg = 1_300_000_000 + 60 * np.arange(n, dtype=np.int64)
    t_irr = 1_300_000_000 + np.cumsum(rng.integers(1, 9, n)).astype(np.int64)
    p = rng.gamma(2.0, 300.0, n).astype(np.float32)
    p[rng.random(n) < 0.05] = np.nan
    p[3] = np.inf
    rep = LoadReport()
    rep.add("/data/x.csv", 7, "missing_value", "'?' in 6 fields")
    rep.add("/data/x.csv", None, "unsorted", "sorted", count=41)
    meta = {"dataset": "TEST", "house": house, "timezone": "Europe/Paris",
            "source_files": {"/data/x.csv": "ab" * 32}, "occupants": np.int64(2),
            "nested": {"a": [1, 2.5, None], "b": "é"}}
    return Household(
        mains=PowerSeries(t_reg, p, "mains", "Global_active_power", period=60),
        appliances={
            "kettle": PowerSeries(t_irr, rng.random(n).astype(np.float32), "kettle", "k"),
            "fridge": PowerSeries(t_irr[:1], np.array([5.0], np.float32), "fridge", "f"),
            "empty": PowerSeries(np.array([], np.int64), np.array([], np.float32), "empty",
                                 "", period=6.0),
        },
        meta=meta,
        extra={"reactive": PowerSeries(t_reg, p * 0.1, "reactive", "Q", "reactive", 60)},
        report=rep,
    )


def _same_series(a: PowerSeries, b: PowerSeries):
    assert a.t.dtype == b.t.dtype == np.int64
    assert a.p.dtype == b.p.dtype == np.float32
    np.testing.assert_array_equal(a.t, b.t)
    assert a.p.tobytes() == b.p.tobytes()  # bit-identical, NaN payloads and inf included
    assert (a.name, a.label, a.quantity) == (b.name, b.label, b.quantity)
    assert a.period == b.period or (np.isnan(a.period) and np.isnan(b.period))


def _same_household(a: Household, b: Household):
    assert (a.mains is None) == (b.mains is None)
    if a.mains is not None:
        _same_series(a.mains, b.mains)
    assert list(a.appliances) == list(b.appliances)
    for k in a.appliances:
        _same_series(a.appliances[k], b.appliances[k])
    assert list(a.extra) == list(b.extra)
    for k in a.extra:
        _same_series(a.extra[k], b.extra[k])
    assert json.loads(json.dumps(a.meta, default=lambda o: o.item())) == b.meta
    if a.report is None:
        assert b.report is None
    else:
        assert b.report.repairs == a.report.repairs
        assert b.report.counts() == a.report.counts()


def test_round_trip_exact(tmp_path):
    houses = [_household(0, "h/1"), _household(1, "h/1"), _household(2, ".hidden")]
    houses[1].report = None
    houses[2].mains = None
    f = tmp_path / "x.nilm.h5"
    nilmh5.write(f, houses)
    assert nilmh5.detect(f) and nilmh5.detect(tmp_path)
    rep = LoadReport()
    back = nilmh5.read(f, mode="strict", report=rep)
    assert len(back) == 3
    for a, b in zip(houses, back, strict=True):
        _same_household(a, b)
    # the caller's report receives every stored repair
    assert rep.counts()[("/data/x.csv", "unsorted")] == 2 * 41


@pytest.mark.parametrize("compression", ["blosc-lz4", "lzf", None])
def test_round_trip_exact_with_each_filter(tmp_path, compression):
    """Every filter the Writer offers reads back bit-identical through the digest check."""
    houses = [_household(0, "h/1"), _household(1, "h/2")]
    f = tmp_path / "x.nilm.h5"
    nilmh5.write(f, houses, compression=compression)
    with h5py.File(f, "r") as g:
        filters = g["households/h_1/channels/mains/p"]._filters
    # HDF5 filter 32001 is Blosc; its options carry the LZ4 codec (1) and byte-shuffle (1)
    assert ("32001" in filters) == (compression == "blosc-lz4")
    if compression == "blosc-lz4":
        assert tuple(filters["32001"][4:7]) == (5, 1, 1)
    for a, b in zip(houses, nilmh5.read(f, mode="strict"), strict=True):
        _same_household(a, b)


def test_unknown_filter_is_refused(tmp_path):
    with pytest.raises(ValueError, match="blosc-lz4"):
        nilmh5.Writer(tmp_path / "x.nilm.h5", compression="zip")


def test_layout_matches_spec(tmp_path):
    h = _household(3, "a b/c")
    f = tmp_path / "y.nilm.h5"
    nilmh5.write(f, [h])
    with h5py.File(f, "r") as g:
        assert g.attrs["format"] == "nilm-h5" and g.attrs["version"] == 1
        hg = g["households/a_b_c"]
        assert json.loads(hg.attrs["meta_json"])["house"] == "a b/c"
        assert json.loads(hg.attrs["report_json"])["counts"]
        m = hg["channels/mains"]
        assert m.attrs["role"] == "mains" and m.attrs["quantity"] == "active"
        assert m.attrs["period"] == 60.0 and m.attrs["label"] == "Global_active_power"
        # regular: compact t0/step, no t dataset
        assert "t" not in m and m.attrs["t0"] == h.mains.t[0] and m.attrs["step"] == 60
        assert m["p"].dtype == np.float32 and m["p"].maxshape == (None,)
        assert m["p"].chunks is not None and m["p"].compression in ("lzf", "gzip")
        k = hg["channels/kettle"]
        assert k["t"].dtype == np.int64 and "t0" not in k.attrs
        assert hg["channels/reactive"].attrs["role"] == "extra"


def test_folder_reads_files_in_sorted_order(tmp_path):
    nilmh5.write(tmp_path / "b.nilm.h5", [_household(1, "second")])
    nilmh5.write(tmp_path / "a.nilm.h5", [_household(0, "first")])
    (tmp_path / "notes.txt").write_text("ignored")
    assert [p.name for p in nilmh5.sources(tmp_path)] == ["a.nilm.h5", "b.nilm.h5"]
    houses = nilmh5.read(tmp_path, mode="lenient", report=LoadReport())
    assert [h.meta["house"] for h in houses] == ["first", "second"]


def test_streaming_writer_equals_in_memory(tmp_path):
    rng = np.random.default_rng(5)
    n = 10_000
    p = rng.normal(500, 100, n).astype(np.float32)
    t = np.cumsum(rng.integers(1, 5, n)).astype(np.int64) + 1_000_000
    f = tmp_path / "s.nilm.h5"
    with nilmh5.Writer(f) as w:
        w.add_household("k1", {"dataset": "sim", "house": "k1"})
        for lo in range(0, n, 3_333):
            w.append("k1", "mains", p[lo:lo + 3_333], label="agg", period=60, role="mains",
                     **({"t0": 1_000_000, "step": 60} if lo == 0 else {}))
            w.append("k1", "kettle", p[lo:lo + 3_333] / 2, t_chunk=t[lo:lo + 3_333])
        assert not f.exists()  # nothing visible before the block ends
    (h,) = nilmh5.read(f, mode="strict", report=LoadReport())
    np.testing.assert_array_equal(h.mains.t, 1_000_000 + 60 * np.arange(n))
    assert h.mains.p.tobytes() == p.tobytes()
    np.testing.assert_array_equal(h.appliances["kettle"].t, t)
    assert h.appliances["kettle"].p.tobytes() == (p / 2).astype(np.float32).tobytes()
    assert h.appliances["kettle"].period == float(np.median(np.diff(t)))


def test_writer_rejects_time_going_back_and_cleans_up(tmp_path):
    f = tmp_path / "bad.nilm.h5"
    with pytest.raises(ValueError, match="strictly increasing"):
        with nilmh5.Writer(f) as w:
            w.add_household("k", {"house": "k"})
            w.append("k", "x", [1.0, 2.0], t_chunk=[10, 20])
            w.append("k", "x", [3.0], t_chunk=[20])
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    f = tmp_path / "z.nilm.h5"
    nilmh5.write(f, [_household(0, "old")])
    before = f.read_bytes()

    def boom(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(nilmh5.Writer, "append", boom)
    with pytest.raises(OSError, match="disk full"):
        nilmh5.write(f, [_household(1, "new")])
    assert f.read_bytes() == before  # old file untouched
    assert [p.name for p in tmp_path.iterdir()] == ["z.nilm.h5"]  # no temp file left


def test_bad_files_raise_nilm_data_error(tmp_path):
    junk = tmp_path / "junk.nilm.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(NilmDataError, match="junk.nilm.h5"):
        nilmh5.read(junk, mode="lenient", report=LoadReport())
    other = tmp_path / "other.nilm.h5"
    with h5py.File(other, "w") as g:
        g.attrs["format"] = "something-else"
    with pytest.raises(NilmDataError, match="not a nilm-h5"):
        nilmh5.read(other, mode="lenient", report=LoadReport())
    newer = tmp_path / "newer.nilm.h5"
    nilmh5.write(newer, [_household(0)])
    with h5py.File(newer, "a") as g:
        g.attrs["version"] = 99
    with pytest.raises(NilmDataError, match="version"):
        nilmh5.read(newer, mode="lenient", report=LoadReport())


def test_duplicate_house_names_kept_apart(tmp_path):
    f = tmp_path / "d.nilm.h5"
    hs = [_household(0, "x"), _household(1, "x"), _household(2, "x~2")]
    nilmh5.write(f, hs)
    back = nilmh5.read(f, mode="strict", report=LoadReport())
    for a, b in zip(hs, back, strict=True):
        _same_household(a, b)


def test_cached_read_passes_nilmh5_through_uncached(tmp_path):
    from nilm.io import cache

    f = tmp_path / "one.nilm.h5"
    nilmh5.write(f, [_household(4, "solo")])
    (h,) = cache.cached_read(nilmh5, f, mode="strict", cache=tmp_path / "c")
    _same_household(_household(4, "solo"), h)
    assert not (tmp_path / "c").exists()  # nilm-h5 sources are never copied into the cache


def test_reads_files_without_the_channel_index(tmp_path):
    """A writer other than ours may store only the per-channel attrs of the spec."""
    f = tmp_path / "plain.nilm.h5"
    h = _household(7, "p")
    nilmh5.write(f, [h])
    with h5py.File(f, "a") as g:
        for hg in g["households"].values():
            del hg.attrs["channels_json"]
    (back,) = nilmh5.read(f, mode="strict", report=LoadReport())
    _same_household(h, back)


def test_identical_times_are_stored_once(tmp_path):
    rng = np.random.default_rng(8)
    t = np.cumsum(rng.integers(1, 7, 1000)).astype(np.int64)
    h = Household(PowerSeries(t.copy(), rng.random(1000), "mains"),
                  {"a": PowerSeries(t.copy(), rng.random(1000), "a"),
                   "b": PowerSeries(t[:-1].copy(), rng.random(999), "b"),
                   "c": PowerSeries(t.copy(), rng.random(1000), "c")}, {"house": "x"})
    f = tmp_path / "l.nilm.h5"
    nilmh5.write(f, [h])
    with h5py.File(f, "r") as g:
        ch = g["households/x/channels"]
        assert ch["mains/t"] == ch["a/t"] == ch["c/t"]  # one object, hard-linked
        assert ch["b/t"] != ch["a/t"]
    (back,) = nilmh5.read(f, mode="strict", report=LoadReport())
    _same_household(h, back)
    assert back.appliances["a"].t is back.mains.t


def test_regular_chunks_must_continue_the_grid(tmp_path):
    f = tmp_path / "g.nilm.h5"
    with nilmh5.Writer(f) as w:
        w.add_household("k", {"house": "k"})
        w.append("k", "mains", np.ones(10), role="mains", t0=1000, step=6)
        w.append("k", "mains", np.ones(5), role="mains", t0=1060, step=6)  # continues: ok
        w.append("k", "mains", np.ones(5), role="mains")
    (h,) = nilmh5.read(f, mode="strict", report=LoadReport())
    np.testing.assert_array_equal(h.mains.t, 1000 + 6 * np.arange(20))
    with pytest.raises(ValueError, match="continues at t0=1060"):
        with nilmh5.Writer(tmp_path / "h.nilm.h5") as w:
            w.add_household("k", {"house": "k"})
            w.append("k", "mains", np.ones(10), role="mains", t0=1000, step=6)
            w.append("k", "mains", np.ones(5), role="mains", t0=1066, step=6)  # a gap
    assert not (tmp_path / "h.nilm.h5").exists()


def test_regular_channels_share_one_time_array(tmp_path):
    import nilm

    t = 1_700_000_000 + np.arange(1000, dtype=np.int64)
    h = Household(PowerSeries(t, np.ones(1000), "mains"),
                  {"kettle": PowerSeries(t, np.zeros(1000), "kettle")},
                  {"dataset": "x", "house": "h1"})
    path = tmp_path / "one.nilm.h5"
    nilmh5.write(path, [h])
    back = nilm.load(path)
    assert back.mains.t is back.appliances["kettle"].t
    assert np.array_equal(back.mains.t, t)
