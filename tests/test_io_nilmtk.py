"""NILMTK HDF5 files as NILMTK writes them: PyTables tables through pandas' HDFStore, compressed
with blosc, NILMTK metadata in the attributes (fixtures written here with PyTables), chunked
window reads, undecodable filters, and nilm's own NILMTK writer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import h5py
import numpy as np
import pandas as pd
import pytest

from nilm.errors import LoadReport, NilmDataError, UsageError
from nilm.io import detect_format, load_all, nilmtk, write_nilmtk
from nilm.series import Household, PowerSeries

pytest.importorskip("tables")

T0 = 1_303_100_647  # REDD-like epoch seconds


def _frame(t, cols, vals, tz="US/Eastern"):
    idx = pd.DatetimeIndex(pd.to_datetime(np.asarray(t), unit="s", utc=True)).as_unit("ns")
    mi = pd.MultiIndex.from_tuples(cols, names=["physical_quantity", "type"])
    return pd.DataFrame(np.asarray(vals, dtype=np.float32).reshape(len(t), -1),
                        index=idx.tz_convert(tz), columns=mi)


def _write(path, frames, dmeta, bmetas, complib="blosc"):
    """``frames``: {(building, meter): DataFrame}; written the way NILMTK's converters do."""
    with pd.HDFStore(path, mode="w", complevel=5, complib=complib) as store:
        for (b, m), df in frames.items():
            store.put(f"/building{b}/elec/meter{m}", df, format="table", track_times=False)
        store._handle.root._v_attrs.metadata = dmeta
        for b, meta in bmetas.items():
            store._handle.get_node(f"/building{b}")._v_attrs.metadata = meta
    return path


DEVICES = {"whole": {"max_sample_period": 30, "sample_period": 1,
                     "measurements": [{"physical_quantity": "power", "type": "apparent",
                                       "lower_limit": 0, "upper_limit": 50000}]},
           "circuit": {"max_sample_period": 50, "sample_period": 3,
                       "measurements": [{"physical_quantity": "power", "type": "active",
                                         "lower_limit": 0, "upper_limit": 5000}]}}


def _redd_like(tmp_path, *, with_mains=True, n=200):
    t = T0 + 3 * np.arange(n)
    rng = np.random.default_rng(1)
    frames = {}
    if with_mains:
        frames[(1, 1)] = _frame(t, [("power", "apparent")], rng.uniform(100, 200, n))
        frames[(1, 2)] = _frame(t, [("power", "apparent")], rng.uniform(100, 200, n))
    for m in (3, 4, 5, 6):
        frames[(1, m)] = _frame(t, [("power", "active")], rng.uniform(0, 100, n))
    elec = {1: {"site_meter": True, "device_model": "whole"},
            2: {"site_meter": True, "device_model": "whole"}}
    elec.update({m: {"submeter_of": 0, "device_model": "circuit"} for m in (3, 4, 5, 6)})
    bmeta = {"instance": 1, "n_occupants": 3, "description_of_occupants": "2 adults, 1 child",
             "elec_meters": elec,
             "appliances": [{"type": "fridge", "instance": 1, "meters": [3],
                             "original_name": "refrigerator"},
                            {"type": "washer dryer", "instance": 1, "meters": [4, 5],
                             "original_name": "washer_dryer"},
                            {"type": "electric furnace", "instance": 1, "meters": [6],
                             "original_name": "furance"}]}
    f = _write(tmp_path / "redd.h5", frames, {"name": "REDD", "timezone": "US/Eastern",
                                             "meter_devices": DEVICES}, {1: bmeta})
    return f, t, frames


def test_pytables_blosc_file_loads_with_metadata_rules(tmp_path):
    f, t, frames = _redd_like(tmp_path)
    with h5py.File(f) as h5:
        assert (32001, "blosc") in nilmtk.filters(h5["building1/elec/meter3/table"])
    assert detect_format(f) == "nilmtk"
    rep = LoadReport()
    [h] = nilmtk.read(f, mode="strict", report=rep)
    assert h.meta["dataset"] == "REDD" and h.meta["house"] == 1
    assert h.meta["occupants"] == 3 and h.meta["occupants_description"] == "2 adults, 1 child"
    # two site meters summed; the two legs of the washer dryer summed (as NILMTK's MeterGroup)
    m1 = frames[(1, 1)].to_numpy()[:, 0].astype(np.float64)
    m2 = frames[(1, 2)].to_numpy()[:, 0].astype(np.float64)
    np.testing.assert_allclose(h.mains.p, (m1 + m2).astype(np.float32))
    assert h.mains.quantity == "apparent"
    np.testing.assert_array_equal(h.mains.t, t)
    assert list(h.appliances) == ["fridge", "washer_dryer", "furnace"]
    assert h.meta["channels"] == {"fridge": 3, "washer_dryer": [4, 5], "furnace": 6}
    assert all(s.quantity == "active" for s in h.appliances.values())
    legs = frames[(1, 4)].to_numpy()[:, 0].astype(np.float64) + frames[(1, 5)].to_numpy()[:, 0]
    np.testing.assert_allclose(h.appliances["washer_dryer"].p, legs.astype(np.float32))
    assert h.meta["appliance_types"]["furnace"] == ["electric furnace"]
    assert h.meta["devices"]["fridge"]["max_sample_period"] == 50
    assert h.meta["devices"]["mains"]["meters"] == [1, 2]  # two legs: a sum, not clipped
    assert h.meta["devices"]["mains"]["max_sample_period"] == 30
    assert rep.counts() == {(f"{f}:/building1", "site_meter"): 2}
    assert not h.extra and "parts" not in h.meta["devices"]["washer_dryer"]
    assert h.meta["devices"]["washer_dryer"]["meters"] == [4, 5]
    assert "upper_limit" not in h.meta["devices"]["washer_dryer"]  # a sum is not clipped
    # NILMTK integrates and clips each meter of a group: loaded for that, the parts are kept
    [h] = nilmtk.read(f, energy_convention="nilmtk")
    assert h.meta["devices"]["washer_dryer"]["parts"] == ["washer_dryer_meter4",
                                                          "washer_dryer_meter5"]
    e = h.energy_wh()  # the convention it was loaded with
    legs = [h.extra[k].energy_wh(50, energy_convention="nilmtk", limits=(0, 5000))
            for k in ("washer_dryer_meter4", "washer_dryer_meter5")]
    assert e["washer_dryer"] == pytest.approx(sum(legs), rel=1e-12)
    assert e["mains"] == pytest.approx(sum(
        h.extra[k].energy_wh(30, energy_convention="nilmtk", limits=(0, 50000))
        for k in ("mains_meter1", "mains_meter2")), rel=1e-12)


def test_site_meters_without_data_need_sum_of_circuits(tmp_path):
    f, t, frames = _redd_like(tmp_path, with_mains=False)
    with pytest.raises(NilmDataError, match="site meters \\[1, 2\\] hold no data.*sum_of_circuits"):
        nilmtk.read(f)
    [h] = nilmtk.read(f, aggregate="sum_of_circuits")
    total = sum(frames[(1, m)].to_numpy()[:, 0].astype(np.float64) for m in (3, 4, 5, 6))
    np.testing.assert_allclose(h.mains.p, total.astype(np.float32), rtol=1e-6)
    assert h.meta["mains_kind"] == "sum_of_circuits"
    kinds = {k for (_, k) in h.report.counts()}
    assert kinds == {"site_meter"}
    assert any("listed without data" in r.detail for r in h.report.repairs)


def test_disabled_site_meter_is_kept_aside_and_reported(tmp_path):
    t = T0 + 6 * np.arange(50)
    frames = {(1, 1): _frame(t, [("power", "apparent")], np.full(50, 300.0)),
              (1, 2): _frame(t, [("power", "active")], np.full(50, 20.0)),
              (1, 54): _frame(t, [("power", "active"), ("power", "apparent"), ("voltage", "")],
                              np.tile([280.0, 310.0, 240.0], (50, 1)))}
    bmeta = {"instance": 1, "elec_meters": {
        1: {"site_meter": True, "disabled": True, "submeter_of": 54},
        2: {"submeter_of": 0}, 54: {"site_meter": True}},
        "appliances": [{"type": "kettle", "instance": 1, "meters": [2], "original_name": "kettle"},
                       {"type": "food processor", "instance": 1, "meters": [2],
                        "original_name": "kettle"}]}
    f = _write(tmp_path / "ukdale.h5", frames, {"name": "UK-DALE", "timezone": "Europe/London"},
               {1: bmeta})
    [h] = nilmtk.read(f, mode="strict")
    np.testing.assert_array_equal(h.mains.p, 280.0)  # meter 54, active
    np.testing.assert_array_equal(h.extra["mains_meter1"].p, 300.0)
    np.testing.assert_array_equal(h.extra["mains_power_apparent"].p, 310.0)
    np.testing.assert_array_equal(h.extra["mains_voltage_"].p, 240.0)
    assert list(h.appliances) == ["kettle"]  # not kettle_food_processor
    assert h.appliances["kettle"].label == "kettle"
    assert h.meta["appliance_types"]["kettle"] == ["kettle", "food processor"]
    details = [r.detail for r in h.report.repairs]
    assert any("meter 1 is a site meter (disabled" in d for d in details)
    assert any("meter 54 is a site meter (used as mains)" in d for d in details)


def test_window_and_selection_read_only_what_is_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(nilmtk, "BLOCK_ROWS", 7)  # several blocks even on a small file
    f, t, _ = _redd_like(tmp_path, n=500)
    [full] = nilmtk.read(f)
    t0, t1 = int(t[123]), int(t[321])
    [part] = nilmtk.read(f, start=t0, end=t1)
    for name, s in full.channels().items():
        ref = s.slice(t0, t1)
        np.testing.assert_array_equal(part.channels()[name].t, ref.t)
        np.testing.assert_array_equal(part.channels()[name].p, ref.p)
    iso = np.datetime64(t0, "s").astype(str)
    [same] = nilmtk.read(f, start=iso, end=t1)
    np.testing.assert_array_equal(same.mains.t, part.mains.t)
    # a bound with a UTC offset (text or datetime) is that instant; garbage is a usage error
    local = datetime.fromtimestamp(t0, timezone(timedelta(hours=2)))
    for bound in (local.isoformat(), local, np.datetime64(t0, "s")):
        [same] = nilmtk.read(f, start=bound, end=t1)
        np.testing.assert_array_equal(same.mains.t, part.mains.t)
    with pytest.raises(UsageError, match="not a time"):
        nilmtk.read(f, start="last tuesday")
    [one] = nilmtk.read(f, meters=[3], buildings=[1])
    assert one.mains is None and list(one.appliances) == ["fridge"]
    with pytest.raises(NilmDataError, match="no building \\[2\\]"):
        nilmtk.read(f, buildings=[2])
    [empty] = nilmtk.read(f, start=int(t[-1]) + 10)
    assert len(empty.mains) == 0


def test_window_on_an_unsorted_index_scans(tmp_path):
    t = T0 + 3 * np.arange(40)
    order = np.r_[np.arange(20, 40), np.arange(20)]  # two sorted runs, out of order
    frames = {(1, 1): _frame(t[order], [("power", "active")], t[order] - T0)}
    f = _write(tmp_path / "u.h5", frames, {"name": "X"}, {1: {
        "instance": 1, "elec_meters": {1: {"site_meter": True}}, "appliances": []}})
    [h] = nilmtk.read(f, start=int(t[5]), end=int(t[30]))
    np.testing.assert_array_equal(h.mains.t, t[5:30])
    np.testing.assert_array_equal(h.mains.p, (t[5:30] - T0).astype(np.float32))
    assert any(k == "unsorted" for (_, k) in h.report.counts())


def _patch_filter_id(path, old=32001, new=32099):
    """Rewrite the blosc filter id in the (v1, checksum-free) filter pipeline messages: id (2
    bytes), name length, flags, number of values (2 bytes each), then the name."""
    raw = bytearray(path.read_bytes())
    n, i = 0, raw.find(b"blosc\x00")
    while i >= 0:
        if raw[i - 8:i - 6] == old.to_bytes(2, "little"):
            raw[i - 8:i - 6] = new.to_bytes(2, "little")
            n += 1
        i = raw.find(b"blosc\x00", i + 1)
    path.write_bytes(bytes(raw))
    return n


def test_undecodable_filter_is_a_nilm_data_error(tmp_path):
    f, _, _ = _redd_like(tmp_path)
    assert _patch_filter_id(f) > 0
    with pytest.raises(NilmDataError) as e:
        nilmtk.read(f)
    assert e.value.path == f"{f}:/building1/elec/meter1"
    assert "HDF5 filter 32099" in e.value.message and "repack" in e.value.message


def _household(n=300, tz="Europe/London"):
    t = 1_365_794_125 + 6 * np.arange(n) + np.r_[np.zeros(n // 2, int), 600 * np.ones(n - n // 2,
                                                                                     int)]
    rng = np.random.default_rng(3)
    return Household(
        PowerSeries(t, rng.uniform(100, 3000, n).astype(np.float32), "mains", "", "apparent"),
        {"kettle": PowerSeries(t, rng.choice([0.0, 2000.0], n), "kettle"),
         "lighting": PowerSeries(t, rng.uniform(0, 60, n), "lighting"),
         "lighting_2": PowerSeries(t, rng.uniform(0, 60, n), "lighting_2"),
         "washing_machine": PowerSeries(t, np.where(rng.random(n) < .1, np.nan, 5.0),
                                        "washing_machine")},
        {"dataset": "mine", "house": 7, "timezone": tz, "occupants": 2})


def test_write_nilmtk_round_trip_is_exact(tmp_path):
    h = _household()
    out = write_nilmtk([h, h], tmp_path / "mine.h5")  # nilm.io.write_nilmtk, as datasets.md
    assert not list(tmp_path.glob(".*.tmp"))
    houses = load_all(out, cache=False, mode="strict")
    assert [g.meta["house"] for g in houses] == [1, 2]
    g = houses[0]
    assert g.meta["occupants"] == 2 and g.meta["timezone"] == "Europe/London"
    assert list(g.appliances) == list(h.appliances)
    for name, s in h.channels().items():
        np.testing.assert_array_equal(g.channels()[name].t, s.t)
        np.testing.assert_array_equal(g.channels()[name].p, s.p)
        assert g.channels()[name].quantity == s.quantity
    with h5py.File(out) as h5:
        assert nilmtk.attr(h5["building1"].attrs, "metadata")["appliances"][1]["type"] == "light"
        assert (32001, "blosc") in nilmtk.filters(h5["building1/elec/meter2/table"])
        # the version attribute by which NILMTK's pandas (< 3) finds the column names
        assert nilmtk.attr_text(h5["building1/elec/meter2"].attrs["pandas_version"]) == "0.15.2"
    df = pd.read_hdf(out, "/building1/elec/meter3")  # pandas reads it as NILMTK does
    assert list(df.columns) == [("power", "active")]
    np.testing.assert_array_equal(df.to_numpy()[:, 0], h.appliances["lighting"].p)


def test_search_finds_window_rows_in_many_chunks(tmp_path):
    rng = np.random.default_rng(5)
    steps = rng.integers(1, 12, 60_000)
    steps[20_000] = 90 * 86_400  # a three-month gap: interpolation alone would crawl
    ns = (T0 + np.cumsum(steps)) * 1_000_000_000
    rows = np.empty(len(ns), dtype=[("index", "<i8"), ("values_block_0", "<f4", (1,))])
    rows["index"] = ns
    rows["values_block_0"][:, 0] = np.arange(len(ns))
    with h5py.File(tmp_path / "s.h5", "w") as h5:
        ds = h5.create_dataset("table", data=rows, chunks=(512,))
        probe = nilmtk._Probe(ds, "s")
        for target in (ns[0] - 1, ns[0], ns[123], ns[19_999] + 1, ns[20_000], ns[20_000] + 1,
                       ns[45_678] - 1, ns[-1], ns[-1] + 1):
            assert nilmtk._search(probe, int(target), len(ns)) == np.searchsorted(ns, target)
        probe.seen.clear()
        nilmtk._search(probe, int(ns[45_678]), len(ns))
        assert len(probe.seen) < 40  # single-row probes, not a scan


def test_fixed_frame_with_an_undecodable_filter(tmp_path):
    from nilm.io import ukdale

    idx = pd.date_range("2013-06-07 23:00", periods=50, freq="2min", tz="UTC")
    df = pd.DataFrame({"mains": np.arange(50.0), "('kettle', 1)": np.ones(50)}, index=idx)
    f = tmp_path / "meterdata_ukdale.h5"
    df.to_hdf(f, key="meterdata", format="fixed", complib="blosc", complevel=5)
    [h] = ukdale.read(f, mode="strict")  # blosc decoded through hdf5plugin
    np.testing.assert_array_equal(h.mains.p, np.arange(50.0))
    assert list(h.appliances) == ["kettle"]
    assert _patch_filter_id(f) > 0
    with pytest.raises(NilmDataError) as e:
        ukdale.read(f)
    assert e.value.path.startswith(f"{f}:/meterdata/") and "HDF5 filter 32099" in e.value.message
