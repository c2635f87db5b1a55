"""REDD loader: real house 5 (facts from shared/data/README.md) and small files in tmp_path."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import redd, text


def _write_house(d, labels, channels, eol="\n"):
    d.mkdir(parents=True, exist_ok=True)
    if labels is not None:
        (d / "labels.dat").write_text("".join(f"{n} {lab}\n" for n, lab in labels.items()))
    for n, rows in channels.items():
        body = eol.join(f"{t} {p}" for t, p in rows) + eol
        (d / f"channel_{n}.dat").write_bytes(body.encode())
    return d


T = [100, 104, 107, 111]


def _basic(tmp_path, eol="\n"):
    labels = {1: "mains", 2: "mains", 3: "washer_dryer", 4: "washer_dryer", 5: "lighting",
              6: "lighting", 7: "refrigerator"}
    chans = {1: [(t, 100 + i) for i, t in enumerate(T)], 2: [(t, 50) for t in T],
             3: [(t, 10) for t in T], 4: [(t, 5) for t in T], 5: [(t, 1) for t in T],
             6: [(t, 2) for t in T], 7: [(t, 70.5) for t in T]}
    return _write_house(tmp_path / "house_3", labels, chans, eol)


def test_small_house_mains_legs_and_names(tmp_path):
    d = _basic(tmp_path)
    assert redd.detect(d)
    [h] = redd.read(d, mode="strict")
    np.testing.assert_array_equal(h.mains.t, T)
    np.testing.assert_array_equal(h.mains.p, [150, 151, 152, 153])
    assert h.mains.quantity == "apparent" and h.meta["mains_kind"] == "measured"
    assert list(h.appliances) == ["washer_dryer", "lighting", "lighting_2", "fridge"]
    np.testing.assert_array_equal(h.appliances["washer_dryer"].p, [15] * 4)
    assert h.meta["channels"] == {"washer_dryer": [3, 4], "lighting": [5], "lighting_2": [6],
                                  "fridge": [7]}
    assert h.meta["house"] == 3 and h.meta["timezone"] == "America/New_York"
    assert h.meta["dataset"] == "REDD" and h.meta["labels"]["7"] == "refrigerator"
    assert set(h.meta["source_files"]) == {str(d / "labels.dat")} | {
        str(d / f"channel_{n}.dat") for n in range(1, 8)}
    assert not h.report


def test_merge_legs_off_keeps_two_channels(tmp_path):
    [h] = redd.read(_basic(tmp_path), merge_legs=False)
    assert h.meta["channels"]["washer_dryer"] == [3]
    assert h.meta["channels"]["washer_dryer_2"] == [4]


def test_non_adjacent_two_leg_labels_are_not_merged(tmp_path):
    labels = {1: "mains", 2: "mains", 3: "electric_heat", 5: "electric_heat"}
    chans = {n: [(t, n) for t in T] for n in (1, 2, 3, 5)}
    [h] = redd.read(_write_house(tmp_path / "house_1", labels, chans))
    assert h.meta["channels"] == {"electric_heat": [3], "electric_heat_2": [5]}


def test_oven_legs_are_merged(tmp_path):
    # REDD house 1 labels its 240 V oven as channels 3 and 4
    labels = {1: "mains", 2: "mains", 3: "oven", 4: "oven", 5: "refrigerator"}
    chans = {n: [(t, n) for t in T] for n in (1, 2, 3, 4, 5)}
    [h] = redd.read(_write_house(tmp_path / "house_1", labels, chans))
    assert h.meta["channels"] == {"oven": [3, 4], "fridge": [5]}
    np.testing.assert_array_equal(h.appliances["oven"].p, [7] * 4)


def test_crlf_house_equals_lf_house(tmp_path):
    [a] = redd.read(_basic(tmp_path / "lf"))
    [b] = redd.read(_basic(tmp_path / "crlf", eol="\r\n"), mode="strict")
    np.testing.assert_array_equal(a.mains.p, b.mains.p)
    assert list(a.appliances) == list(b.appliances)


def test_mains_legs_with_different_timestamps_are_aligned(tmp_path):
    labels = {1: "mains", 2: "mains", 3: "microwave"}
    chans = {1: [(0, 100), (10, 200)], 2: [(5, 1), (10, 2)], 3: [(0, 0), (10, 0)]}
    rep = LoadReport()
    [h] = redd.read(_write_house(tmp_path / "house_2", labels, chans), report=rep)
    np.testing.assert_array_equal(h.mains.t, [0, 5, 10])
    # t=0: leg 2 has no sample yet -> NaN; t=5: 100 held + 1; t=10: 200 + 2
    np.testing.assert_array_equal(h.mains.p, [np.nan, 101, 202])
    assert rep.counts() == {(str(tmp_path / "house_2"), "mains_aligned"): 1}


def test_no_mains_needs_sum_of_circuits(tmp_path):
    labels = {1: "mains", 2: "mains", 3: "subpanel", 4: "subpanel", 5: "lighting"}
    chans = {3: [(t, 7) for t in T], 4: [(t, 3) for t in T], 5: [(t, 1) for t in T]}
    d = _write_house(tmp_path / "house_5", labels, chans)
    with pytest.raises(NilmDataError, match="sum_of_circuits") as e:
        redd.read(d, mode="lenient")
    assert e.value.path == str(d)
    [h] = redd.read(d, aggregate="sum_of_circuits")
    np.testing.assert_array_equal(h.mains.p, [11] * 4)  # the subpanel is in the sum
    assert h.meta["mains_kind"] == "sum_of_circuits" and h.meta["absent_channels"] == [1, 2]
    # NILMTK keeps REDD's two subpanel meters apart: so does nilm
    assert h.meta["channels"]["subpanel"] == [3] and h.meta["channels"]["subpanel_2"] == [4]
    assert h.mains.quantity == "active" and h.meta["mains_incomplete"] == []


def test_missing_labels_strict_and_lenient(tmp_path):
    d = _write_house(tmp_path / "house_4", None, {3: [(t, 1) for t in T], 4: [(t, 2) for t in T]})
    with pytest.raises(NilmDataError, match="labels.dat") as e:
        redd.read(d, mode="strict")
    assert e.value.path == str(d / "labels.dat")
    rep = LoadReport()
    [h] = redd.read(d, mode="lenient", report=rep, aggregate="sum_of_circuits")
    assert list(h.appliances) == ["channel_3", "channel_4"]
    assert rep.counts() == {(str(d / "labels.dat"), "missing_labels"): 1}


def test_unlabelled_channel_strict_and_lenient(tmp_path):
    d = _write_house(tmp_path / "house_6", {1: "mains", 2: "mains"},
                     {1: [(t, 1) for t in T], 2: [(t, 1) for t in T], 9: [(t, 5) for t in T]})
    with pytest.raises(NilmDataError, match="channel 9") as e:
        redd.read(d, mode="strict")
    assert e.value.path == str(d / "channel_9.dat")
    rep = LoadReport()
    [h] = redd.read(d, report=rep)
    assert "channel_9" in h.appliances
    assert rep.counts() == {(str(d / "channel_9.dat"), "unlabelled_channel"): 1}


def test_bad_lines_strict_names_line_lenient_counts(tmp_path):
    d = _basic(tmp_path)
    f = d / "channel_7.dat"
    f.write_bytes(b"100 1\n104 x\n107 2\n107 3\n111 oops extra\n")
    with pytest.raises(NilmDataError) as e:
        redd.read(d, mode="strict")
    assert e.value.path == str(f) and e.value.line == 2
    rep = LoadReport()
    [h] = redd.read(d, report=rep)
    assert rep.counts() == {(str(f), "non_numeric"): 1, (str(f), "wrong_field_count"): 1,
                            (str(f), "duplicate_timestamp"): 1}
    assert h.report.counts() == rep.counts()
    np.testing.assert_array_equal(h.appliances["fridge"].t, [100, 107])


def test_empty_channel_strict_and_lenient(tmp_path):
    d = _basic(tmp_path)
    (d / "channel_7.dat").write_bytes(b"")
    with pytest.raises(NilmDataError, match="empty"):
        redd.read(d, mode="strict")
    rep = LoadReport()
    [h] = redd.read(d, report=rep)
    assert len(h.appliances["fridge"]) == 0
    assert rep.counts() == {(str(d / "channel_7.dat"), "empty_file"): 1}


def test_labels_only_folders_are_reported(tmp_path):
    _basic(tmp_path / "low_freq")
    _write_house(tmp_path / "labels_only" / "house_1", {1: "mains", 2: "mains"}, {})
    rep = LoadReport()
    [h] = redd.read(tmp_path, report=rep)
    only = str(tmp_path / "labels_only" / "house_1")
    assert h.meta["houses_without_data"] == [only]
    assert rep.counts() == {(only, "labels_only"): 1}
    with pytest.raises(NilmDataError, match="labels.dat only"):
        redd.read(tmp_path / "labels_only")


# --- real data ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def house5(request):
    shared = request.getfixturevalue("shared_data")
    return shared / "redd" / "low_freq" / "house_5"


def test_real_house5_without_mains_is_an_error(house5):
    with pytest.raises(NilmDataError, match="no mains channel files") as e:
        redd.read(house5)
    assert e.value.path == str(house5)


def test_real_house5_sum_of_circuits(house5, shared_data):
    rep = LoadReport()
    [h] = redd.read(house5, aggregate="sum_of_circuits", mode="strict", report=rep)
    assert not rep
    chans = text.channel_files(house5)
    assert sorted(chans) == list(range(3, 27))  # 24 circuit files
    assert len(h.meta["source_files"]) == 25  # + labels.dat
    for s in h.appliances.values():
        assert len(s) == 80_417
    assert h.appliances["fridge"].p.astype(np.float64).mean() == pytest.approx(69.5, abs=0.05)
    assert 3100 <= h.appliances["dishwasher"].p.max() <= 3300
    assert h.appliances["lighting_5"].p.astype(np.float64).mean() == pytest.approx(114, abs=1)
    assert h.meta["channels"]["lighting_5"] == [23]
    for legs in ([8, 9], [10], [11], [12, 13]):  # NILMTK's REDD metadata groups
        assert legs in h.meta["channels"].values()
    assert {s.quantity for s in h.appliances.values()} == {"active"}
    # the aggregate is the plain sum of the 24 files, re-read independently here
    total = sum(text.read_int_float(f)[1] for f in chans.values())
    np.testing.assert_allclose(h.mains.p, total.astype(np.float32), rtol=1e-6)
    assert h.meta["mains_kind"] == "sum_of_circuits" and h.meta["absent_channels"] == [1, 2]
    # source hashes agree with the data set's own SHA256SUMS
    sums = dict(reversed(line.split(maxsplit=1)) for line in
                (shared_data / "SHA256SUMS").read_text().splitlines() if line.strip())
    sums = {k.strip().lstrip("*").removeprefix("./"): v for k, v in sums.items()}
    key = "redd/low_freq/house_5/channel_18.dat"
    assert h.meta["source_files"][str(house5 / "channel_18.dat")] == sums[key]


def test_real_redd_root_reports_labels_only_houses(shared_data):
    root = shared_data / "redd"
    assert redd.detect(root)
    rep = LoadReport()
    [h] = redd.read(root, aggregate="sum_of_circuits", report=rep)
    assert h.meta["house"] == 5
    only = {k[0] for k in rep.counts() if k[1] == "labels_only"}
    assert only == {str(root / "labels_only" / f"house_{n}") for n in (1, 2, 3, 4, 6)}


def test_real_house5_through_nilm_load_and_cache(house5, tmp_path):
    import nilm

    first = nilm.load(house5, aggregate="sum_of_circuits", cache=tmp_path)
    again = nilm.load(house5, aggregate="sum_of_circuits", cache=tmp_path)  # from the cache
    np.testing.assert_array_equal(first.mains.p, again.mains.p)
    assert list(again.appliances) == list(first.appliances)
    assert again.meta["house"] == 5 and again.meta["mains_kind"] == "sum_of_circuits"
    assert again.mains.quantity == "active"  # a sum of eMonitor circuits


def test_power_types_follow_nilmtk(tmp_path):
    [h] = redd.read(_basic(tmp_path))
    assert h.mains.quantity == "apparent"  # channels 1-2: REDD's whole-house meter
    assert {s.quantity for s in h.appliances.values()} == {"active"}  # eMonitor circuits


def test_house1_legs_as_nilmtk_groups_them(tmp_path):
    labels = {1: "mains", 2: "mains", 3: "oven", 4: "oven", 10: "washer_dryer",
              19: "washer_dryer", 20: "washer_dryer"}
    chans = {n: [(t, n) for t in T] for n in labels}
    [h] = redd.read(_write_house(tmp_path / "house_1", labels, chans))
    assert h.meta["channels"] == {"oven": [3, 4], "washer_dryer": [10, 20],
                                  "washer_dryer_2": [19]}
    np.testing.assert_array_equal(h.appliances["washer_dryer"].p, [30] * 4)


def test_empty_circuit_is_left_out_of_the_sum_and_reported(tmp_path):
    labels = {1: "mains", 2: "mains", 3: "lighting", 4: "fridge", 5: "microwave", 6: "kettle"}
    chans = {3: [(t, 7) for t in T], 4: [(t + 1, 3) for t in T], 5: []}
    d = _write_house(tmp_path / "house_9", labels, chans)
    rep = LoadReport()
    [h] = redd.read(d, aggregate="sum_of_circuits", report=rep)
    # not NaN throughout: only the first second, before the fridge's first sample, is missing
    assert len(h.mains) == 8 and np.isnan(h.mains.p).sum() == 1
    assert h.meta["mains_incomplete"] == [5, 6] and h.meta["mains_channels"] == [3, 4]
    counts = rep.counts()
    assert counts[(str(d / "channel_5.dat"), "circuit_left_out")] == 1
    assert counts[(str(d / "channel_6.dat"), "circuit_left_out")] == 1
    assert any("microwave" in r.detail and "no samples" in r.detail for r in rep.repairs)


@pytest.mark.parametrize("fmt", ["redd", "ukdale"])
def test_labels_with_a_byte_order_mark(tmp_path, fmt):
    from nilm.io import detect_format, ukdale

    if fmt == "redd":
        d = _basic(tmp_path)
    else:
        d = _write_house(tmp_path / "house_1", {1: "aggregate", 2: "kettle"},
                         {1: [(t, 300) for t in T], 2: [(t, 5) for t in T]})
    (d / "labels.dat").write_bytes(b"\xef\xbb\xbf" + (d / "labels.dat").read_bytes())
    assert detect_format(d) == fmt
    rep = LoadReport()
    [h] = (redd if fmt == "redd" else ukdale).read(d, mode="strict", report=rep)
    assert not rep
    if fmt == "redd":  # both mains legs, not one
        np.testing.assert_array_equal(h.mains.p, [150, 151, 152, 153])
    else:
        np.testing.assert_array_equal(h.mains.p, [300] * 4)


def test_missing_labels_hint_names_the_fallback(tmp_path):
    from nilm.io import detect_format

    d = _write_house(tmp_path / "house_2", None, {1: [(t, 1) for t in T]})
    with pytest.raises(NilmDataError, match="unrecognised format.*-o format=redd"):
        detect_format(d)


def test_devices_for_the_nilmtk_energy_convention(tmp_path):
    [h] = redd.read(_basic(tmp_path))
    assert h.meta["devices"]["mains"]["max_sample_period"] == 30  # REDD_whole_house
    assert h.meta["devices"]["fridge"] == {"device_model": "eMonitor", "sample_period": 3,
                                           "max_sample_period": 50, "lower_limit": 0,
                                           "upper_limit": 5000}
    e = h.energy_wh(energy_convention="nilmtk")
    s = h.appliances["fridge"]  # 70.5 W at 100, 104, 107, 111: last sample dropped
    assert e["fridge"] == pytest.approx(70.5 * 11 / 3600)
    assert h.energy_wh()["fridge"] == pytest.approx(s.energy_wh())


def test_loaded_for_the_nilmtk_convention_the_legs_are_kept(tmp_path):
    d = _basic(tmp_path)
    [plain] = redd.read(d)
    assert not plain.extra and plain.meta["energy_convention"] == "nilm"
    [h] = redd.read(d, energy_convention="nilmtk")
    assert sorted(h.extra) == ["mains_meter1", "mains_meter2", "washer_dryer_meter3",
                               "washer_dryer_meter4"]
    assert h.meta["devices"]["washer_dryer"]["parts"] == ["washer_dryer_meter3",
                                                          "washer_dryer_meter4"]
    e = h.energy_wh()  # nilmtk, as loaded: each leg clipped and integrated
    legs = [h.extra[k].energy_wh(50, energy_convention="nilmtk", limits=(0, 5000))
            for k in ("washer_dryer_meter3", "washer_dryer_meter4")]
    assert e["washer_dryer"] == pytest.approx(sum(legs)) and e["washer_dryer"] > 0
    assert plain.energy_wh(energy_convention="nilmtk")["washer_dryer"] == pytest.approx(sum(legs))
    with pytest.raises(ValueError, match="energy_convention"):
        redd.read(d, energy_convention="kwh")
