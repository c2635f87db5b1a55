"""UK-DALE loader: raw folders, NILMTK HDF5 "table" nodes (fixtures written here with h5py in
PyTables' layout) and the old pandas fixed frame of shared/data."""

from __future__ import annotations

import ast
import pickle

import h5py
import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import nilmtk, ukdale


def _write_house(d, labels, channels):
    d.mkdir(parents=True, exist_ok=True)
    if labels is not None:
        (d / "labels.dat").write_text("".join(f"{n} {lab}\n" for n, lab in labels.items()))
    for n, rows in channels.items():
        (d / f"channel_{n}.dat").write_text("".join(f"{t} {p}\n" for t, p in rows))
    return d


LABELS = {1: "aggregate", 2: "boiler", 3: "kettle", 4: "kitchen_lights", 5: "lighting_circuit"}


def test_raw_house_mains_apparent_appliances_active(tmp_path):
    d = _write_house(tmp_path / "house_1", LABELS,
                     {1: [(10, 300), (16, 2500)], 3: [(11, 0), (17, 2200)],
                      4: [(12, 40), (18, 40)], 5: [(12, 60), (18, 61)]})
    assert ukdale.detect(d)
    [h] = ukdale.read(d, mode="strict")
    assert h.mains.quantity == "apparent" and h.mains.name == "mains"
    np.testing.assert_array_equal(h.mains.p, [300, 2500])
    assert list(h.appliances) == ["kettle", "lighting", "lighting_2"]
    # house 1's kitchen lights and lighting circuit are CurrentCost meters: apparent power
    assert {n: s.quantity for n, s in h.appliances.items()} == {
        "kettle": "active", "lighting": "apparent", "lighting_2": "apparent"}
    assert h.meta["absent_channels"] == [2]  # listed, no file: not an error
    assert h.meta["channels"] == {"kettle": 3, "lighting": 4, "lighting_2": 5}
    assert h.meta["timezone"] == "Europe/London" and h.meta["house"] == 1
    assert not h.report


def test_recordings_concatenate_into_one_household(tmp_path):
    root = tmp_path / "house_1_fixture"
    _write_house(root / "001", LABELS, {1: [(10, 1), (16, 2)], 3: [(11, 5)]})
    _write_house(root / "002", LABELS, {1: [(30, 3), (36, 4)], 3: [(31, 6), (37, 7)]})
    rep = LoadReport()
    [h] = ukdale.read(root, report=rep, mode="strict")
    np.testing.assert_array_equal(h.mains.t, [10, 16, 30, 36])
    np.testing.assert_array_equal(h.appliances["kettle"].p, [5, 6, 7])
    assert h.meta["recordings"] == [str(root / "001"), str(root / "002")]
    assert not rep


def test_one_recording_loaded_alone_is_still_its_house(tmp_path):
    root = tmp_path / "house_1_fixture"
    _write_house(root / "001", LABELS, {1: [(10, 1), (16, 2)], 3: [(11, 5)]})
    rec = _write_house(root / "002", LABELS, {1: [(30, 3), (36, 4)], 4: [(31, 6), (37, 7)]})
    assert ukdale.detect(rec)
    [h] = ukdale.read(rec, mode="strict")
    # house 1 (not "002"): its CurrentCost kitchen lights stay apparent, as with the house
    assert h.meta["house"] == 1 and h.appliances["lighting"].quantity == "apparent"
    assert h.meta["recordings"] == [str(rec)]
    np.testing.assert_array_equal(h.mains.t, [30, 36])  # only the recording asked for
    # a numbered folder under a folder without a house number is a house of its own
    alone = _write_house(tmp_path / "downloads" / "002", LABELS, {1: [(30, 3)]})
    [g] = ukdale.read(alone, mode="strict")
    assert g.meta["house"] == "002"


def test_overlapping_recordings_strict_and_lenient(tmp_path):
    root = tmp_path / "house_2_fixture"
    _write_house(root / "001", LABELS, {1: [(10, 1), (16, 2)]})
    _write_house(root / "002", LABELS, {1: [(16, 9), (22, 3)]})
    later = root / "002" / "channel_1.dat"
    with pytest.raises(NilmDataError, match="duplicate") as e:
        ukdale.read(root, mode="strict")
    assert e.value.path == str(later) and e.value.line == 1
    rep = LoadReport()
    [h] = ukdale.read(root, report=rep)
    np.testing.assert_array_equal(h.mains.p, [1, 2, 3])  # first in time order kept at t=16
    assert rep.counts() == {(str(later), "duplicate_timestamp"): 1}


def test_missing_aggregate_and_labels(tmp_path):
    d = _write_house(tmp_path / "house_3", LABELS, {3: [(1, 1), (2, 2)]})
    with pytest.raises(NilmDataError, match="aggregate"):
        ukdale.read(d, mode="strict")
    rep = LoadReport()
    [h] = ukdale.read(d, report=rep)
    assert h.mains is None and rep.counts() == {(str(d), "missing_mains"): 1}
    e = _write_house(tmp_path / "house_4", None, {1: [(1, 1)], 2: [(1, 5)]})
    with pytest.raises(NilmDataError) as err:
        ukdale.read(e, mode="strict")
    assert err.value.path == str(e / "labels.dat")
    rep = LoadReport()
    [h] = ukdale.read(e, report=rep)
    assert list(h.appliances) == ["channel_2"] and h.mains is not None
    assert rep.counts() == {(str(e / "labels.dat"), "missing_labels"): 1}


def test_bad_line_in_channel(tmp_path):
    d = _write_house(tmp_path / "house_1", LABELS, {1: [(1, 1), (2, 2)]})
    (d / "channel_3.dat").write_bytes(b"1 0\r\n2 0\r\n3 1e3\r\n4\r\n")
    with pytest.raises(NilmDataError) as e:
        ukdale.read(d, mode="strict")
    assert e.value.path == str(d / "channel_3.dat") and e.value.line == 4
    rep = LoadReport()
    [h] = ukdale.read(d, report=rep)
    np.testing.assert_array_equal(h.appliances["kettle"].p, [0, 0, 1000])
    assert rep.counts() == {(str(d / "channel_3.dat"), "wrong_field_count"): 1}


# --- NILMTK HDF5 "table" layout (PyTables, as pandas HDFStore format="table" writes it) -------

def _pk(obj, protocol):
    raw = pickle.dumps(obj, protocol)
    # PyTables keeps pickled attributes as HDF5 strings; binary pickles hold NULs: opaque bytes
    return np.bytes_(raw) if protocol == 0 else np.void(raw)


def _write_nilmtk(path, meters, *, metadata=True, protocol=0):
    """``meters``: {M: (index ns, [(quantity, type)...], values [n, k])}."""
    with h5py.File(path, "w") as h5:
        h5.attrs["CLASS"] = np.bytes_(b"GROUP")
        if metadata:
            h5.attrs["metadata"] = _pk({"name": "UK-DALE", "timezone": "Europe/London"},
                                       protocol)
        b = h5.create_group("building1")
        if metadata:
            b.attrs["metadata"] = _pk({
                "instance": 1,
                "elec_meters": {1: {"site_meter": True, "device_model": "EcoManagerWholeHouseTx"},
                                2: {"submeter_of": 0}, 3: {"submeter_of": 0},
                                4: {"submeter_of": 0}},
                "appliances": [{"type": "kettle", "instance": 1, "meters": [2]},
                               {"type": "light", "instance": 1, "meters": [3]},
                               {"type": "light", "instance": 2, "meters": [4]}]}, protocol)
        elec = b.create_group("elec")
        for m, (ns, cols, vals) in meters.items():
            g = elec.create_group(f"meter{m}")
            for k, v in {"CLASS": b"GROUP", "pandas_type": b"frame_table",
                         "pandas_version": b"0.15.2", "table_type": b"appendable_frame",
                         "encoding": b"UTF-8", "nan_rep": b"nan"}.items():
                g.attrs[k] = np.bytes_(v)
            g.attrs["levels"] = np.int64(2)
            g.attrs["index_cols"] = _pk([(0, "index")], protocol)
            g.attrs["values_cols"] = _pk(["values_block_0"], protocol)
            g.attrs["non_index_axes"] = _pk([(1, cols)], protocol)
            g.attrs["data_columns"] = _pk([], protocol)
            g.attrs["info"] = _pk({1: {"names": ["physical_quantity", "type"]},
                                   "index": {"tz": "Europe/London"}}, protocol)
            dt = np.dtype([("index", "<i8"), ("values_block_0", "<f4", (len(cols),))])
            rows = np.empty(len(ns), dtype=dt)
            rows["index"] = ns
            rows["values_block_0"] = np.asarray(vals, dtype=np.float32).reshape(len(ns), -1)
            ds = g.create_dataset("table", data=rows, maxshape=(None,), chunks=True)
            for k, v in {"CLASS": b"TABLE", "VERSION": b"2.7", "TITLE": b"",
                         "FIELD_0_NAME": b"index", "FIELD_1_NAME": b"values_block_0",
                         "index_kind": b"datetime64", "values_block_0_dtype": b"float32"}.items():
                ds.attrs[k] = np.bytes_(v)
            ds.attrs["NROWS"] = np.int64(len(ns))
            ds.attrs["values_block_0_kind"] = _pk(cols, protocol)
    return path


NS = np.array([1_365_794_125, 1_365_794_131, 1_365_794_137], dtype=np.int64) * 1_000_000_000


def _meters():
    return {1: (NS, [("power", "apparent")], [[300.0], [310.0], [2500.0]]),
            2: (NS, [("power", "active"), ("power", "reactive")],
                [[0.0, 0.0], [0.0, 1.0], [2200.0, 5.0]]),
            3: (NS, [("power", "active")], [[40.0], [40.0], [41.0]]),
            4: (NS, [("power", "active")], [[0.0], [60.0], [60.0]])}


@pytest.mark.parametrize("protocol", [0, 2])
def test_nilmtk_table_layout_with_metadata(tmp_path, protocol):
    f = _write_nilmtk(tmp_path / "ukdale.h5", _meters(), protocol=protocol)
    assert ukdale.detect(f)
    [h] = ukdale.read(f, mode="strict")
    np.testing.assert_array_equal(h.mains.t, NS // 1_000_000_000)
    np.testing.assert_array_equal(h.mains.p, [300, 310, 2500])
    assert h.mains.quantity == "apparent"
    assert list(h.appliances) == ["kettle", "lighting", "lighting_2"]
    np.testing.assert_array_equal(h.appliances["kettle"].p, [0, 0, 2200])
    assert h.appliances["kettle"].quantity == "active"
    np.testing.assert_array_equal(h.extra["kettle_power_reactive"].p, [0, 1, 5])
    assert h.meta["channels"] == {"kettle": 2, "lighting": 3, "lighting_2": 4}
    assert h.meta["house"] == 1 and h.meta["dataset"] == "UK-DALE"


def test_nilmtk_table_layout_without_metadata(tmp_path):
    f = _write_nilmtk(tmp_path / "x.h5", _meters(), metadata=False)
    rep = LoadReport()
    [h] = ukdale.read(f, report=rep)
    assert h.mains is None
    assert list(h.appliances) == ["meter1", "meter2", "meter3", "meter4"]
    assert rep.counts() == {(f"{f}:/building1", "missing_metadata"): 1}


def test_nilmtk_table_unsorted_rows(tmp_path):
    m = _meters()
    m[3] = (NS[[0, 2, 1]], [("power", "active")], [[1.0], [3.0], [2.0]])
    f = _write_nilmtk(tmp_path / "u.h5", m)
    with pytest.raises(NilmDataError) as e:
        ukdale.read(f, mode="strict")
    assert e.value.path == f"{f}:/building1/elec/meter3" and e.value.line == 3
    [h] = ukdale.read(f)
    np.testing.assert_array_equal(h.appliances["lighting"].p, [1, 2, 3])


def test_pickled_globals_are_refused(tmp_path):
    f = tmp_path / "evil.h5"
    with h5py.File(f, "w") as h5:
        h5.attrs["metadata"] = np.bytes_(pickle.dumps(ast.literal_eval, 0))
        value = nilmtk.attr(h5.attrs, "metadata")
    assert isinstance(value, str)  # left as text, never resolved to the function


# --- real data ---------------------------------------------------------------------------------

def test_real_pda_fixture(shared_data):
    d = shared_data / "ukdale" / "house_1_2013-04-12_pda_fixture"
    rep = LoadReport()
    [h] = ukdale.read(d, mode="strict", report=rep)
    # the metadata found beside the data (shared/data/metadata/ukdale/building1.yaml)
    meta_file = shared_data / "metadata" / "ukdale" / "building1.yaml"
    assert h.meta["metadata_file"] == str(meta_file)
    assert h.meta["occupants"] == 4 and "2 adults" in h.meta["occupants_description"]
    assert rep.counts() == {(str(meta_file), "site_meter"): 2}
    details = sorted(r.detail for r in rep.repairs)
    assert "disabled" in details[0] and "used as mains" in details[0]
    assert "meter 54 (house_1/mains.dat)" in details[1] and "not read here" in details[1]
    assert h.appliances["lighting"].quantity == "apparent"  # CurrentCostTx
    assert h.meta["appliance_types"]["lighting"] == ["light", "light"]
    [bare] = ukdale.read(d, mode="strict", metadata=False)
    assert "occupants" not in bare.meta and not bare.report
    assert list(bare.appliances) == list(h.appliances)
    assert {n: s.quantity for n, s in bare.channels().items()} == {
        n: s.quantity for n, s in h.channels().items()}
    m = h.mains
    assert len(m) == 63_497 and m.quantity == "apparent"
    assert m.p.min() == 139 and m.p.max() == 5375
    assert m.p.astype(np.float64).mean() == pytest.approx(392, abs=0.5)
    assert m.t[0] == 1365794125  # 2013-04-12 19:15:25 UTC
    assert m.median_step() == 6
    lights = h.appliances["lighting"]
    assert len(lights) == 63_144 and lights.p.min() == 0 and lights.p.max() == 437
    assert len(h.meta["labels"]) == 51 and len(h.meta["absent_channels"]) == 49


def test_real_rfm_fixture_is_one_household(shared_data):
    d = shared_data / "ukdale" / "house_1_2013-02-09_rfm_logger_fixture"
    [h] = ukdale.read(d, mode="strict")
    assert len(h.mains) == 87 + 3790 and len(h.meta["recordings"]) == 2
    later = h.mains.slice(int(h.mains.t[87]))
    assert later.p.min() == 191 and later.p.max() == 2771
    assert len(h.appliances) == 18 and {"kettle", "toaster", "fridge"} <= set(h.appliances)


def test_real_nilmtk_fixed_frame(shared_data):
    f = shared_data / "ukdale" / "house_2_2013-06-08_nilmtk_2min_hdf5" / "meterdata_ukdale.h5"
    assert ukdale.detect(f)
    [h] = ukdale.read(f, mode="strict")
    assert h.meta["house"] == 2 and h.meta["timezone"] == "Europe/London"
    assert len(h.mains) == 720 and h.mains.t[0] == 1370646000  # 2013-06-07 23:00 UTC
    assert set(np.diff(h.mains.t)) == {120}
    assert "synthetic_mains" in h.extra and len(h.appliances) == 18
    assert {"laptop", "laptop_2", "router", "router_2", "dishwasher", "treadmill"} <= set(
        h.appliances)
    # values agree with the raw HDF5 block, column by column
    with h5py.File(f, "r") as h5:
        names = [c.decode() for c in h5["meterdata/block0_items"][:]]
        vals = h5["meterdata/block0_values"][:]
    np.testing.assert_array_equal(h.mains.p, vals[:, names.index("mains")].astype(np.float32))
    np.testing.assert_array_equal(h.appliances["laptop_2"].p,
                                  vals[:, names.index("('laptop computer', 2)")]
                                  .astype(np.float32))


def test_real_ukdale_root_loads_all_and_reports_labels_only(shared_data):
    root = shared_data / "ukdale"
    rep = LoadReport()
    houses = ukdale.read(root, report=rep)
    assert [h.meta["house"] for h in houses] == [1, 1, 2]
    only = {k[0] for k in rep.counts() if k[1] == "labels_only"}
    assert only == {str(root / "labels_only" / f"house_{n}") for n in range(1, 6)}


def test_real_through_nilm_load_and_cache(shared_data, tmp_path):
    import nilm

    d = shared_data / "ukdale" / "house_1_2013-04-12_pda_fixture"
    first = nilm.load(d, cache=tmp_path)
    again = nilm.load(d, cache=tmp_path)
    np.testing.assert_array_equal(first.mains.p, again.mains.p)
    assert again.mains.quantity == "apparent" and again.meta["dataset"] == "UK-DALE"
    f = shared_data / "ukdale" / "house_2_2013-06-08_nilmtk_2min_hdf5" / "meterdata_ukdale.h5"
    assert nilm.load(f, cache=False).meta["house"] == 2


def test_metadata_folder_with_meter_devices(tmp_path):
    import yaml

    d = _write_house(tmp_path / "house_2", {1: "aggregate", 2: "kettle", 3: "laptop"},
                     {1: [(10, 300), (16, 2500)], 2: [(11, 0), (17, 2200)], 3: [(12, 5), (18, 5)]})
    md = tmp_path / "metadata"
    md.mkdir()
    (md / "building2.yaml").write_text(yaml.safe_dump({
        "instance": 2, "n_occupants": 2, "description_of_occupants": "2 adults",
        "elec_meters": {1: {"site_meter": True, "device_model": "EcoManagerWholeHouseTx"},
                        2: {"submeter_of": 1, "device_model": "EcoManagerTxPlug"},
                        3: {"submeter_of": 1, "device_model": "CurrentCostTx", "disabled": True}},
        "appliances": [{"type": "kettle", "instance": 1, "meters": [2], "original_name": "kettle"},
                       {"type": "laptop computer", "instance": 1, "meters": [3],
                        "original_name": "laptop"}]}))
    (md / "meter_devices.yaml").write_text(yaml.safe_dump({"EcoManagerTxPlug": {
        "max_sample_period": 120, "measurements": [
            {"physical_quantity": "power", "type": "active", "lower_limit": 0,
             "upper_limit": 4000}]}}))
    rep = LoadReport()
    [h] = ukdale.read(d, report=rep)
    assert h.meta["occupants"] == 2 and h.meta["metadata_file"] == str(md / "building2.yaml")
    assert h.appliances["laptop"].quantity == "apparent"  # its device model says so
    assert h.meta["devices"]["kettle"]["max_sample_period"] == 120
    assert h.meta["devices"]["kettle"]["upper_limit"] == 4000
    assert h.meta["devices"]["mains"]["max_sample_period"] is None  # device not described
    kinds = {k for (_, k) in rep.counts()}
    assert kinds == {"site_meter", "disabled_meter"}
    with pytest.raises(NilmDataError, match="no such UK-DALE metadata"):
        ukdale.read(d, metadata=tmp_path / "nowhere.yaml")
