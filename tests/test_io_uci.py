"""UCI household power loader: real subsets, units, DST, line ends, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import uci

HEADER = ";".join(uci.COLUMNS)
PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def _row(local: datetime, gap=1.234, grp=0.1, v=240.0, i=5.2, s1=0.0, s2=1.0, s3=17.0) -> str:
    return (f"{local.day}/{local.month}/{local.year};{local:%H:%M:%S};{gap:.3f};{grp:.3f};"
            f"{v:.3f};{i:.3f};{s1:.3f};{s2:.3f};{s3:.3f}")


def _write(tmp_path, rows, *, eol="\r\n", name="household_power_consumption.txt", folder=None):
    d = tmp_path / folder if folder else tmp_path
    d.mkdir(parents=True, exist_ok=True)
    f = d / name
    f.write_bytes((eol.join([HEADER, *rows]) + eol).encode())
    return f


def _wall_clock_minutes(start_utc: datetime, n: int) -> list[datetime]:
    """The local wall-clock time of n consecutive UTC minutes: what a French logger writes."""
    return [(start_utc + timedelta(minutes=k)).astimezone(PARIS).replace(tzinfo=None)
            for k in range(n)]


# ---------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_subsets(shared_data):
    root = shared_data / "uci_household_power_consumption"
    houses = uci.read(root, mode="lenient", report=LoadReport())
    assert [h.meta["house"] for h in houses] == [
        "sceaux_2006-12-16_to_2007-01-19", "sceaux_2007-02-01_to_2007-02-02",
        "sceaux_2010-11-25_to_2010-11-26"]
    assert [len(h.mains) for h in houses] == [48_424, 2_880, 1_441]
    big = houses[0]
    f = root / "sceaux_2006-12-16_to_2007-01-19" / "household_power_consumption.txt"
    # the five '?' rows are counted, and kept as NaN (not dropped)
    assert big.report.counts() == {(str(f), "missing_value"): 5}
    assert [r.line for r in big.report.repairs] == [6841, 6842, 19726, 19727, 41834]
    assert int(np.isnan(big.mains.p).sum()) == 5
    assert big.meta["timezone"] == "Europe/Paris" and big.meta["dataset"] == "UCI"
    assert big.meta["source_files"] == {str(f): uci_sha(f)}
    # 16/12/2006 17:24 local (CET, UTC+1) is 16:24 UTC; steps exactly 60 s
    assert big.mains.t[0] == int(datetime(2006, 12, 16, 17, 24, tzinfo=PARIS).timestamp())
    assert big.mains.t[0] == int(datetime(2006, 12, 16, 16, 24, tzinfo=UTC).timestamp())
    assert set(np.diff(big.mains.t)) == {60}
    assert big.mains.p[0] == np.float32(4216.0)  # 4.216 kW
    assert big.extra["reactive"].p[0] == np.float32(418.0)
    assert big.extra["reactive"].quantity == "reactive"
    assert big.extra["voltage"].p[0] == np.float32(234.84)
    assert big.extra["current"].p[0] == np.float32(18.4)
    assert big.appliances["water_heater"].p[0] == np.float32(17 * 60)
    assert big.appliances["water_heater"].label == "Sub_metering_3"
    assert list(big.appliances) == ["kitchen", "laundry", "water_heater"]
    # Sub_metering_3 energy (Wh) equals the sum of the column, from an independent parse
    col = _column_sum(f, 8)
    assert big.appliances["water_heater"].energy_wh() == pytest.approx(col, abs=1e-6)
    # the 2010 file is LF, the others CRLF: same parse
    assert b"\r\n" not in (root / "sceaux_2010-11-25_to_2010-11-26" /
                           "household_power_consumption.txt").read_bytes()
    assert houses[2].report.counts() == {}


def uci_sha(f) -> str:
    import hashlib

    return hashlib.sha256(f.read_bytes()).hexdigest()


def _column_sum(f, k: int) -> float:
    total = 0.0
    for line in f.read_text().splitlines()[1:]:
        v = line.split(";")[k]
        if v not in ("?", ""):
            total += float(v)
    return total


@pytest.mark.realdata
def test_real_subset_strict_accepts_missing_marker(shared_data):
    f = (shared_data / "uci_household_power_consumption" / "sceaux_2007-02-01_to_2007-02-02"
         / "household_power_consumption.txt")
    (h,) = uci.read(f, mode="strict", report=LoadReport())
    assert len(h.mains) == 2_880 and h.meta["house"] == "sceaux_2007-02-01_to_2007-02-02"


# ---------------------------------------------------------------- DST


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_dst_autumn_and_spring(tmp_path, eol):
    # 2007-10-28 (last Sunday of October) 01:00 UTC = 03:00 CEST -> 02:00 CET: 02:xx repeats
    autumn = _wall_clock_minutes(datetime(2007, 10, 27, 23, 30, tzinfo=UTC), 240)
    # 2008-03-30 (last Sunday of March) 01:00 UTC: 02:00 CET -> 03:00 CEST, no 02:xx rows
    spring = _wall_clock_minutes(datetime(2008, 3, 29, 23, 30, tzinfo=UTC), 240)
    assert len({d for d in autumn}) == 180  # the repeated hour really is in the fixture
    assert not any(d.hour == 2 and d.day == 30 for d in spring)
    rows = [_row(d, gap=k / 1000) for k, d in enumerate(autumn + spring)]
    f = _write(tmp_path, rows, eol=eol)
    (h,) = uci.read(f, mode="strict", report=LoadReport())
    t = h.mains.t
    assert len(t) == 480  # none lost
    assert np.all(np.diff(t[:240]) == 60) and np.all(np.diff(t[240:]) == 60)
    assert t[0] == int(datetime(2007, 10, 27, 23, 30, tzinfo=UTC).timestamp())
    assert t[240] == int(datetime(2008, 3, 29, 23, 30, tzinfo=UTC).timestamp())
    assert np.all(np.diff(t) > 0)
    # values stay with their rows (row k holds k/1000 kW = k W)
    np.testing.assert_array_equal(h.mains.p, np.arange(480, dtype=np.float32))


def test_dst_two_autumns_in_one_file(tmp_path):
    rows = []
    for y, d in ((2007, 28), (2008, 26)):
        start = datetime(y, 10, d, 0, 0, tzinfo=UTC)
        rows += [_row(x) for x in _wall_clock_minutes(start, 120)]
    f = _write(tmp_path, rows)
    (h,) = uci.read(f, mode="strict", report=LoadReport())
    t = h.mains.t
    assert len(t) == 240 and np.all(np.diff(t[:120]) == 60) and np.all(np.diff(t[120:]) == 60)
    assert t[120] == int(datetime(2008, 10, 26, 0, 0, tzinfo=UTC).timestamp())


def test_spring_gap_row_strict_raises(tmp_path):
    rows = [_row(datetime(2008, 3, 30, 1, 59)), _row(datetime(2008, 3, 30, 2, 30)),
            _row(datetime(2008, 3, 30, 3, 1))]
    f = _write(tmp_path, rows)
    with pytest.raises(NilmDataError) as e:
        uci.read(f, mode="strict")
    assert e.value.line == 3


# ---------------------------------------------------------------- conversions


def test_units_and_unmetered(tmp_path):
    d0 = datetime(2007, 1, 10, 12, 0)
    rows = [_row(d0, gap=2.5, grp=0.25, v=231.5, i=10.8, s1=3, s2=4, s3=5),
            _row(d0 + timedelta(minutes=1), gap=1.0, s1=1, s2=0, s3=0),
            f"{d0.day}/{d0.month}/{d0.year};12:02:00;?;?;?;?;?;?;"]
    f = _write(tmp_path, rows, folder="some_folder")
    (h,) = uci.read(f, mode="strict", report=LoadReport())
    assert h.meta["house"] == "sceaux"
    assert h.mains.period == 60 and h.mains.quantity == "active"
    np.testing.assert_array_equal(h.mains.p[:2], [2500.0, 1000.0])
    np.testing.assert_array_equal(h.extra["reactive"].p[:1], [250.0])
    np.testing.assert_array_equal(h.appliances["kitchen"].p[:2], [180.0, 60.0])
    u = uci.unmetered(h)
    # 2500 W - (3 + 4 + 5) Wh/min * 60
    np.testing.assert_array_equal(u.p[:2], [2500.0 - 720.0, 1000.0 - 60.0])
    assert np.isnan(u.p[2])
    assert "unmetered" not in h.appliances  # derived on demand, not invented as a channel


def test_folder_of_subsets_gives_separate_households(tmp_path):
    for k, name in enumerate(["sceaux_b", "sceaux_a"]):
        rows = [_row(datetime(2007, 1, 1 + k, 0, m)) for m in range(3)]
        _write(tmp_path, rows, folder=name, eol="\n" if k else "\r\n")
    assert uci.detect(tmp_path)
    hs = uci.read(tmp_path, mode="strict", report=LoadReport())
    assert [h.meta["house"] for h in hs] == ["sceaux_a", "sceaux_b"]
    assert all(len(h.mains) == 3 for h in hs)


def test_detect(tmp_path):
    f = _write(tmp_path, [_row(datetime(2007, 1, 1))])
    assert uci.detect(f) and uci.detect(tmp_path)
    other = tmp_path / "x" / "other.txt"
    other.parent.mkdir()
    other.write_text("a;b;c\n1;2;3\n")
    assert not uci.detect(other) and not uci.detect(other.parent)


# ---------------------------------------------------------------- bad input


def _bad_file(tmp_path):
    d = datetime(2007, 1, 10, 12, 0)
    good = [_row(d + timedelta(minutes=k)) for k in range(10)]
    rows = list(good)
    rows[1] = rows[1].replace("1.234", "abc")               # line 3: non-numeric
    rows[3] = rows[3] + ";9.9"                              # line 5: 10 fields
    rows[4] = ""                                            # line 6: blank inside data
    rows[5] = rows[5].replace("10/1/2007", "32/1/2007")     # line 7: bad date
    rows[6] = ";".join(rows[6].split(";")[:5])              # line 8: 5 fields
    rows[7] = rows[7].replace("0.100", "1,5")               # line 9: decimal comma
    rows[8] = rows[7]                                       # line 10: repeats line 9
    return _write(tmp_path, rows)


def test_bad_rows_lenient_counts(tmp_path):
    f = _bad_file(tmp_path)
    rep = LoadReport()
    (h,) = uci.read(f, mode="lenient", report=rep)
    c = {k: n for (_, k), n in h.report.counts().items()}
    assert c == {"non_numeric": 3, "wrong_field_count": 2, "blank_line": 1,
                 "malformed_line": 1, "duplicate_timestamp": 1}
    lines = {}
    for r in h.report.repairs:
        lines.setdefault(r.kind, []).append(r.line)
    assert lines == {"non_numeric": [3, 9, 10], "wrong_field_count": [5, 8], "blank_line": [6],
                     "malformed_line": [7], "duplicate_timestamp": [10]}
    # 10 rows - 2 wrong counts - 1 blank - 1 bad date - 1 duplicate
    assert len(h.mains) == 5
    # kept: lines 2, 3, 4, 9, 11; NaN only in the field that did not parse
    assert np.isnan(h.mains.p[1]) and np.isnan(h.extra["reactive"].p[3])
    assert np.isfinite(h.mains.p[[0, 2, 3, 4]]).all()
    assert rep.counts() == h.report.counts()


@pytest.mark.parametrize("line,edit", [
    (3, lambda r: r.replace("1.234", "abc")),
    (4, lambda r: r + ";1"),
    (5, lambda r: ""),
    (6, lambda r: r.replace("/1/2007", "/13/2007")),
    (7, lambda r: r.replace("12:05:00", "12:65:00")),
    (8, lambda r: r.replace("240.000", "2x0")),
])
def test_bad_rows_strict_name_the_line(tmp_path, line, edit):
    d = datetime(2007, 1, 10, 12, 0)
    rows = [_row(d + timedelta(minutes=k)) for k in range(10)]
    rows[line - 2] = edit(rows[line - 2])
    # a second, later problem must not be the one reported
    rows[9] = rows[9] + ";;"
    f = _write(tmp_path, rows)
    with pytest.raises(NilmDataError) as e:
        uci.read(f, mode="strict")
    assert e.value.line == line and str(f) in str(e.value)


def test_wrong_header_raises_in_both_modes(tmp_path):
    f = tmp_path / "household_power_consumption.txt"
    f.write_text(HEADER.replace("Voltage", "Volts") + "\n" + _row(datetime(2007, 1, 1)) + "\n")
    for mode in ("strict", "lenient"):
        with pytest.raises(NilmDataError) as e:
            uci.read_file(f, mode=mode)
        assert e.value.line == 1


def test_unsorted_rows(tmp_path):
    d = datetime(2007, 1, 10, 12, 0)
    rows = [_row(d + timedelta(minutes=k), gap=k) for k in (0, 2, 1, 3)]
    f = _write(tmp_path, rows)
    with pytest.raises(NilmDataError) as e:
        uci.read(f, mode="strict")
    assert e.value.line == 4
    (h,) = uci.read(f, mode="lenient", report=LoadReport())
    np.testing.assert_array_equal(h.mains.p, [0, 1000, 2000, 3000])
    assert {k for (_, k) in h.report.counts()} == {"unsorted"}


def test_empty_file(tmp_path):
    f = _write(tmp_path, [])
    with pytest.raises(NilmDataError):
        uci.read(f, mode="strict")
    (h,) = uci.read(f, mode="lenient", report=LoadReport())
    assert len(h.mains) == 0 and {k for (_, k) in h.report.counts()} == {"empty_file"}
