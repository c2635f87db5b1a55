"""AMPds loader: the real hourly file, an AMPds2 1-minute fixture, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import ampds

HOURLY = ("TimeStamp,M_E,RSE,WHE,B1E,B2E,BME,CDE,CWE,DNE,DWE,EBE,EQE,FGE,FRE,GRE,HPE,HTE,OFE,"
          "OUE,TVE,UTE,WOE")
MINUTE = "unix_ts,V,I,f,DPF,APF,P,Pt,Q,Qt,S,St"
T0 = 1_333_263_600  # 2012-04-01 07:00 UTC = local midnight in Burnaby


@pytest.mark.realdata
def test_real_hourly(shared_data):
    root = shared_data / "ampds"
    f = root / "ampds_2012-04-01_to_2014-04-01_hourly_Wh" / "AMPdsR1_1hr_Wh.csv"
    assert ampds.detect(root) and ampds.sources(root) == [f]
    (h,) = ampds.read(root, mode="lenient", report=LoadReport())
    assert len(h.mains) == 17_519 and h.mains.t[0] == T0
    assert h.mains.period == 3600 and h.mains.label == "WHE"
    assert h.meta["timezone"] == "America/Vancouver" and h.meta["dataset"] == "AMPds"
    # M_E = RSE + WHE on every row, checked on the loaded channels
    me = h.extra["main_meter"].p.astype(np.float64)
    np.testing.assert_array_equal(me, h.extra["rental_suite"].p + h.mains.p.astype(np.float64))
    # an independent parse of the file: Wh per hour equals the stored mean W
    raw = np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.int64)
    assert raw.shape == (17_519, 23)
    np.testing.assert_array_equal(h.mains.t, raw[:, 0])
    np.testing.assert_array_equal(h.mains.p, raw[:, 3].astype(np.float32))
    assert h.appliances["heat_pump"].label == "HPE"
    np.testing.assert_array_equal(h.appliances["heat_pump"].p, raw[:, 16].astype(np.float32))
    # two hours are missing (7200 s steps): hold each hourly mean for exactly its hour
    assert int((np.diff(h.mains.t) == 7200).sum()) == 2
    assert h.mains.energy_wh(max_gap=3600) == float(raw[:, 3].sum())
    # 19 sub-meters, none of them outside WHE
    assert len(h.appliances) == 19 and "rental_suite" not in h.appliances
    assert {s.label for s in h.appliances.values()} == set(HOURLY.split(",")[4:])
    # negative Wh exist in this file; they are kept as measured and counted
    neg = int((raw[:, 1:] < 0).any(axis=1).sum())
    assert h.report.counts() == ({(str(f), "negative_power"): neg} if neg else {})


def _minute_fixture(folder, n=5, start=T0):
    """Files shaped like the AMPds2 Dataverse CSVs (values in the published ranges)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    truth = {}
    for code in ("WHE", "FGE", "B1E", "RSE", "UTE"):
        p = rng.integers(0, 3000, n)
        lines = [MINUTE]
        for k in range(n):
            v = 240.0 + k / 10 if code == "WHE" else 120.1
            q, s = int(p[k] // 5), int(p[k] * 1.05 + 3)
            lines.append(f"{start + 60 * k},{v:.1f},{s / v:.1f},60.0,0.99,0.95,{p[k]},"
                         f"{20016 + k},{q},2078,{s},{187872 + k}")
        (folder / f"Electricity_{code}.csv").write_text("\n".join(lines) + "\n")
        truth[code] = p
    return truth


def test_minute_fixture(tmp_path):
    truth = _minute_fixture(tmp_path / "ampds2")
    (tmp_path / "ampds2" / "Water_WHW.csv").write_text("unix_ts,counter,avg_rate,inst_rate\n")
    assert ampds.detect(tmp_path / "ampds2") and ampds.detect(tmp_path)
    assert len(ampds.sources(tmp_path)) == 5
    (h,) = ampds.read(tmp_path, mode="strict", report=LoadReport())
    assert h.meta["house"] == "ampds2" and h.meta["resolution"] == "1min"
    np.testing.assert_array_equal(h.mains.t, T0 + 60 * np.arange(5))
    np.testing.assert_array_equal(h.mains.p, truth["WHE"].astype(np.float32))
    assert h.mains.period == 60
    assert list(h.appliances) == ["sockets", "fridge", "sockets_2"]  # B1E, FGE, UTE
    assert h.appliances["fridge"].label == "FGE:P"
    np.testing.assert_array_equal(h.appliances["sockets_2"].p, truth["UTE"].astype(np.float32))
    assert set(h.extra) == {"reactive", "apparent", "voltage", "current", "rental_suite"}
    np.testing.assert_array_equal(h.extra["reactive"].p, (truth["WHE"] // 5).astype(np.float32))
    assert h.extra["reactive"].quantity == "reactive"
    assert h.extra["apparent"].quantity == "apparent"
    np.testing.assert_array_equal(h.extra["voltage"].p, np.float32([240.0, 240.1, 240.2,
                                                                    240.3, 240.4]))
    assert len(h.meta["source_files"]) == 5
    # a single Electricity file names its whole folder
    (h2,) = ampds.read(tmp_path / "ampds2" / "Electricity_FGE.csv", mode="strict")
    assert list(h2.appliances) == list(h.appliances)


def _hourly_file(tmp_path, rows):
    f = tmp_path / "h" / "AMPdsR1_1hr_Wh.csv"
    f.parent.mkdir(exist_ok=True)
    f.write_text("\n".join([HOURLY, *rows]) + "\n")
    return f


def _hourly_row(k, whe=100):
    vals = [whe + 5, 5, whe] + [1] * 19
    return ",".join(str(x) for x in [T0 + 3600 * k, *vals])


def test_hourly_bad_rows_lenient(tmp_path):
    rows = [_hourly_row(k) for k in range(8)]
    rows[1] = rows[1].replace(",100,", ",1x0,", 1)   # line 3: non-numeric WHE
    rows[2] = rows[2] + ",7"                          # line 4: 24 fields
    rows[3] = rows[3].replace(str(T0 + 3 * 3600), "1333274400.5")  # line 5: not an integer
    rows[4] = rows[4].replace(",5,100,", ",,100,")    # line 6: empty RSE -> missing
    rows[6] = rows[5]                                 # line 8: repeats line 7
    f = _hourly_file(tmp_path, rows)
    (h,) = ampds.read(f, mode="lenient", report=LoadReport())
    c = {k: n for (_, k), n in h.report.counts().items()}
    assert c == {"non_numeric": 1, "wrong_field_count": 1, "malformed_line": 1,
                 "missing_value": 1, "duplicate_timestamp": 1}
    # kept: lines 2, 3, 6, 7, 9
    assert len(h.mains) == 5
    assert np.isnan(h.mains.p[1]) and np.isnan(h.extra["rental_suite"].p[2])


@pytest.mark.parametrize("line,edit", [
    (3, lambda r: r.replace(",100,", ",1x0,", 1)),
    (4, lambda r: r + ",7"),
    (5, lambda r: r.split(",", 1)[0] + "x," + r.split(",", 1)[1]),
    (6, lambda r: ""),
])
def test_hourly_bad_rows_strict(tmp_path, line, edit):
    rows = [_hourly_row(k) for k in range(8)]
    rows[line - 2] = edit(rows[line - 2])
    rows[7] = rows[7] + ",,"
    f = _hourly_file(tmp_path, rows)
    with pytest.raises(NilmDataError) as e:
        ampds.read(f, mode="strict")
    assert e.value.line == line


def test_wrong_header(tmp_path):
    f = tmp_path / "AMPdsR1_1hr_Wh.csv"
    f.write_text(HOURLY.replace("WHE", "WHE,WHE") + "\n")
    with pytest.raises(NilmDataError) as e:
        ampds.read_hourly(f, mode="lenient")
    assert e.value.line == 1
    d = tmp_path / "m"
    d.mkdir()
    (d / "Electricity_WHE.csv").write_text("unix_ts,V,I,f\n1,2,3,4\n")
    for mode in ("strict", "lenient"):
        with pytest.raises(NilmDataError, match="Electricity_WHE.csv:1"):
            ampds.read(d, mode=mode)
