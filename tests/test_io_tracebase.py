"""tracebase loader: real traces (facts from shared/data/README.md) and small files in tmp_path."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import tracebase

BERLIN = ZoneInfo("Europe/Berlin")


def _utc(*args) -> int:
    return int(datetime(*args, tzinfo=BERLIN).timestamp())


def _write(path, rows, eol="\r\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(eol.join(rows).encode() + eol.encode())
    return path


@pytest.mark.parametrize("name,want", [
    ("dev_B82F81_2011.08.09.csv", ("B82F81", "2011-08-09")),
    ("device_72882E_2012.01.20.csv", ("72882E", "2012-01-20")),
    ("_D3237E_2012.01.10.csv", ("D3237E", "2012-01-10")),
    ("dev_98ABAA_2012.01.04_CRT-TV.csv", ("98ABAA", "2012-01-04")),
    ("Refrigerator_2011.08.09.csv", None),
    ("dev_senseo_2011.08.09.csv", None),
])
def test_file_name_variants(name, want):
    assert tracebase.parse_file_name(name) == want


def test_device_days_concatenated_in_utc(tmp_path):
    a = _write(tmp_path / "complete" / "WaterKettle" / "dev_ABC123_2012.01.15.csv",
               ["15/01/2012 00:00:01;0;0", "15/01/2012 12:00:00; 2000; 1800"])
    _write(tmp_path / "complete" / "WaterKettle" / "dev_ABC123_2012.01.16.csv",
           ["16/01/2012 00:00:05;3;1"], eol="\n")
    _write(tmp_path / "complete" / "Lamp" / "_ABC123_2012.01.15.csv", ["15/01/2012 08:00:00;40;40"])
    assert tracebase.detect(tmp_path) and tracebase.detect(a)
    houses = tracebase.read(tmp_path, mode="strict")
    assert [h.meta["house"] for h in houses] == ["Lamp/ABC123", "WaterKettle/ABC123"]
    h = houses[1]
    assert h.mains is None and list(h.appliances) == ["kettle"]
    k = h.appliances["kettle"]
    np.testing.assert_array_equal(k.t, [_utc(2012, 1, 15, 0, 0, 1), _utc(2012, 1, 15, 12),
                                        _utc(2012, 1, 16, 0, 0, 5)])
    np.testing.assert_array_equal(k.p, [0, 2000, 3])
    np.testing.assert_array_equal(h.extra["kettle_8s"].p, [0, 1800, 1])
    assert h.meta["days"] == ["2012-01-15", "2012-01-16"] and h.meta["plug_id"] == "ABC123"
    assert h.meta["timezone"] == "Europe/Berlin" and len(h.meta["source_files"]) == 2
    assert houses[0].appliances["lighting"].p.tolist() == [40]


def test_bad_lines_strict_and_lenient(tmp_path):
    f = _write(tmp_path / "Toaster" / "dev_AAAAAA_2012.01.08.csv",
               ["08/01/2012 00:00:01;0;0", "08/01/2012 00:00:02;x;0", "32/01/2012 00:00:03;1;1",
                "08/01/2012 00:00:04;1", "08/01/2012 00:00:05;5;5"])
    with pytest.raises(NilmDataError) as e:
        tracebase.read(f, mode="strict")
    assert e.value.path == str(f) and e.value.line == 2
    rep = LoadReport()
    [h] = tracebase.read(f, report=rep)
    assert rep.counts() == {(str(f), "non_numeric"): 1, (str(f), "malformed_line"): 1,
                            (str(f), "wrong_field_count"): 1}
    np.testing.assert_array_equal(h.appliances["toaster"].p, [0, 5])


def test_same_second_readings_are_averaged_in_both_modes(tmp_path):
    f = _write(tmp_path / "Dishwasher" / "dev_BBBBBB_2012.01.08.csv",
               ["08/01/2012 00:00:01;10;0", "08/01/2012 00:00:01;20;2", "08/01/2012 00:00:02;7;7"])
    for mode in ("strict", "lenient"):
        rep = LoadReport()
        [h] = tracebase.read(f, mode=mode, report=rep)
        np.testing.assert_array_equal(h.appliances["dishwasher"].p, [15, 7])
        np.testing.assert_array_equal(h.extra["dishwasher_8s"].p, [1, 7])
        assert rep.counts() == {(str(f), "duplicate_timestamp"): 1}


def test_unrecognised_file_name(tmp_path):
    f = _write(tmp_path / "Kettle" / "Kettle_2012.01.08.csv", ["08/01/2012 00:00:01;1;1"])
    with pytest.raises(NilmDataError, match="file name"):
        tracebase.read(f, mode="strict")
    rep = LoadReport()
    [h] = tracebase.read(f, report=rep)
    assert h.meta["house"] == "Kettle/Kettle_2012.01.08"
    assert rep.counts() == {(str(f), "unrecognised_file_name"): 1}


def test_empty_day_file(tmp_path):
    f = _write(tmp_path / "Iron" / "dev_CCCCCC_2012.01.08.csv", [], eol="")
    with pytest.raises(NilmDataError, match="empty"):
        tracebase.read(f, mode="strict")
    rep = LoadReport()
    [h] = tracebase.read(f, report=rep)
    assert len(h.appliances["iron"]) == 0 and rep.counts() == {(str(f), "empty_file"): 1}


# --- real data ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(request):
    shared = request.getfixturevalue("shared_data")
    root = shared / "tracebase"
    rep = LoadReport()
    return root, tracebase.read(root, report=rep), rep


def test_real_counts(real):
    root, houses, _ = real
    assert tracebase.detect(root)
    assert len(houses) == 71
    assert sum(len(h.meta["source_files"]) for h in houses) == 121
    assert len({h.meta["appliance_folder"] for h in houses}) == 37
    assert len({h.meta["house"] for h in houses}) == 71
    # plug B7BE29 is three devices (Monitor-CRT, Refrigerator, Toaster)
    assert {h.meta["house"] for h in houses if h.meta["plug_id"] == "B7BE29"} == {
        "Monitor-CRT/B7BE29", "Refrigerator/B7BE29", "Toaster/B7BE29"}


@pytest.mark.parametrize("house,peak", [("WaterKettle/D33E1F", 2685), ("Dishwasher/B7E6FA", 2821),
                                        ("LaundryDryer/D36122", 3890),
                                        ("Washingmachine/B82E27", 3058), ("Alarmclock/59AC89", 34)])
def test_real_peaks_match_readme(real, house, peak):
    [h] = [h for h in real[1] if h.meta["house"] == house]
    assert float(next(iter(h.appliances.values())).p.max()) == peak


def test_real_local_time_and_days(real):
    [h] = [h for h in real[1] if h.meta["house"] == "Alarmclock/59AC89"]
    f = next(iter(h.meta["source_files"]))
    first = open(f, encoding="ascii").readline().split(";")[0]
    local = datetime.strptime(first, "%d/%m/%Y %H:%M:%S").replace(tzinfo=BERLIN)
    s = h.appliances["alarm_clock"]
    assert s.t[0] == int(local.timestamp())  # CEST: 2 h ahead of UTC on 2011-09-01
    assert s.t[0] == _utc(2011, 9, 1, local.hour, local.minute, local.second)
    assert datetime.fromtimestamp(int(s.t[-1]), BERLIN).date().isoformat() == "2011-09-01"


def test_real_repairs_are_counted(real):
    root, _, rep = real
    wm = root / "complete" / "Washingmachine" / "dev_D338C9_2012.05.21.csv"
    assert rep.counts()[(str(wm), "unsorted")] == 1
    kinds = {k for _, k in rep.counts()}
    assert kinds == {"duplicate_timestamp", "unsorted"}
    with pytest.raises(NilmDataError) as e:
        tracebase.read(wm, mode="strict")
    assert e.value.path == str(wm) and e.value.line == 8750


def test_real_signatures(shared_data):
    sig = tracebase.signatures(shared_data / "tracebase", "WaterKettle")
    assert list(sig) == ["kettle"] and len(sig["kettle"]) == 8
    by_name = tracebase.signatures(shared_data / "tracebase" / "complete" / "WaterKettle",
                                   appliance="kettle")
    assert [s.label for s in by_name["kettle"]] == [s.label for s in sig["kettle"]]
    assert max(float(s.p.max()) for s in sig["kettle"]) == 2685


def test_real_through_nilm_load_all(shared_data, tmp_path):
    import nilm

    folder = shared_data / "tracebase" / "complete" / "WaterKettle"
    houses = nilm.load_all(folder, cache=tmp_path)
    again = nilm.load_all(folder, cache=tmp_path)
    assert [h.meta["house"] for h in again] == [h.meta["house"] for h in houses]
    assert len(houses) == 4 and all(h.mains is None for h in again)
    np.testing.assert_array_equal(houses[0].appliances["kettle"].p,
                                  again[0].appliances["kettle"].p)
