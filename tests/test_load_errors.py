"""Every bad input to nilm.load_all ends in NilmDataError naming the file (and line where there
is one), never another exception: each case builds its damaged input."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from nilm.errors import NilmDataError
from nilm.io import load_all

HEADER = ("Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;"
          "Sub_metering_1;Sub_metering_2;Sub_metering_3")


def _uci(d, n=300):
    d.mkdir(parents=True, exist_ok=True)
    t = datetime(2007, 2, 1, 0, 0)
    rows = [f"{(t + timedelta(minutes=k)).day}/2/2007;{(t + timedelta(minutes=k)):%H:%M:%S};"
            f"{1 + k % 7 / 10:.3f};0.100;240.000;5.000;0.000;1.000;17.000" for k in range(n)]
    f = d / "household_power_consumption.txt"
    f.write_text("\n".join([HEADER, *rows]) + "\n")
    return f


def test_bad_byte_after_the_first_4_kb_names_file_and_line(tmp_path):
    f = _uci(tmp_path / "uci")
    raw = bytearray(f.read_bytes())
    pos = raw.index(b"\n", 6000) + 3  # inside the line after byte 6000
    raw[pos] = 0xFF
    f.write_bytes(bytes(raw))
    line = raw[:pos].count(b"\n") + 1
    assert pos > 4096
    with pytest.raises(NilmDataError, match="not UTF-8") as e:
        load_all(f.parent, mode="strict", cache=False)
    assert e.value.path == str(f) and e.value.line == line
    [h] = load_all(f.parent, mode="lenient", cache=False)
    assert len(h.mains) == 299
    assert h.report.counts()[(str(f), "encoding")] == 1
    assert [r.line for r in h.report.repairs if r.kind == "encoding"] == [line]


def test_dev_null_is_a_nilm_data_error(tmp_path):
    with pytest.raises(NilmDataError, match="not a data file or folder") as e:
        load_all("/dev/null", cache=False)
    assert e.value.path == "/dev/null"


def test_a_folder_where_a_file_is_expected_is_a_nilm_data_error(tmp_path):
    d = tmp_path / "house_1"
    d.mkdir()
    (d / "labels.dat").write_text("1 mains\n2 mains\n")
    (d / "channel_1.dat").write_text("1303132929 100\n1303132930 101\n")
    (d / "channel_2.dat").mkdir()  # a folder named like a channel file
    with pytest.raises(NilmDataError) as e:
        load_all(d, format="redd", cache=False)
    assert e.value.path.endswith("channel_2.dat")


def test_bit_flipped_nilmh5_is_a_nilm_data_error_not_key_error(tmp_path):
    from nilm.io import nilmh5
    from nilm.series import Household, PowerSeries

    f = tmp_path / "x.nilm.h5"
    t = 1_303_132_929 + np.arange(100)
    nilmh5.write(f, [Household(PowerSeries(t, np.ones(100), "mains"), {}, {"house": "a"})])
    raw = bytearray(f.read_bytes())
    k = raw.index(b"households")  # a name in HDF5's own structures
    raw[k:k + 10] = b"xxxxxxxxxx"
    f.write_bytes(bytes(raw))
    with pytest.raises(NilmDataError) as e:
        load_all(f, cache=False)
    assert e.value.path == str(f)


def test_labels_dat_bad_byte_is_refused_or_reported_never_silent(tmp_path):
    d = tmp_path / "house_1"
    d.mkdir()
    (d / "labels.dat").write_bytes(b"1 mains\n2 mains\n3 refriger\xffator\n")
    for n in (1, 2, 3):
        (d / f"channel_{n}.dat").write_text("1303132929 100\n1303132930 101\n")
    with pytest.raises(NilmDataError, match="not UTF-8") as e:
        load_all(d, format="redd", mode="strict", cache=False)
    assert e.value.line == 3 and e.value.path.endswith("labels.dat")
    [h] = load_all(d, format="redd", mode="lenient", cache=False)
    assert h.report.counts()[(str(d / "labels.dat"), "encoding")] == 1
    assert h.meta["labels"]["3"] == "refriger\ufffdator"


def test_damaged_nilmtk_hdf5_is_a_nilm_data_error(tmp_path):
    """A third-party HDF5 file has no checksum: a flip may go unseen, but whatever h5py raises
    on a damaged structure (KeyError 'message not aligned'...) is a NilmDataError."""
    from nilm.io.nilmtk import write_nilmtk
    from nilm.series import Household, PowerSeries

    t = 1_303_132_929 + 6 * np.arange(500)
    h = Household(PowerSeries(t, 100 + np.arange(500) % 50, "mains"),
                  {"fridge": PowerSeries(t, np.full(500, 80.0), "fridge")},
                  {"dataset": "X", "house": 1})
    f = write_nilmtk([h], tmp_path / "x.h5")
    raw = f.read_bytes()
    errors = 0
    for offset in range(0, len(raw) - 64, max(64, len(raw) // 80)):
        b = bytearray(raw)
        b[offset:offset + 64] = bytes(x ^ 0xFF for x in b[offset:offset + 64])
        f.write_bytes(bytes(b))
        try:
            load_all(f, format="nilmtk", cache=False)
        except NilmDataError as exc:
            assert str(f) in exc.path or exc.path == str(f.parent)
            errors += 1
    assert errors > 0
