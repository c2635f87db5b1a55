"""REFIT loader on fixtures written here in REFIT's CLEAN_House<N>.csv layout, with the
household table from shared/data/metadata/refit (copied beside the fixture when present)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import detect_format, load_all, refit

HEADER = "Time,Unix,Aggregate," + ",".join(f"Appliance{k}" for k in range(1, 10)) + ",Issues"
U0 = 1_381_323_977  # 2013-10-09 13:06:17 UTC (14:06:17 BST)


def _rows(n=6, step=8, issues=()):
    out = []
    for i in range(n):
        u = U0 + step * i
        local = np.datetime64(u + 3600, "s").astype(str).replace("T", " ")
        apps = [10 * k + i for k in range(1, 10)]
        agg = sum(apps) + 100
        out.append(f"{local},{u},{agg}," + ",".join(map(str, apps))
                   + f",{1 if i in issues else 0}")
    return out


def _write(d, house, rows, header=HEADER):
    d.mkdir(parents=True, exist_ok=True)
    f = d / f"CLEAN_House{house}.csv"
    f.write_text("\n".join([header, *rows]) + "\n")
    return f


def test_clean_house_file_loads_with_readme_names(tmp_path):
    f = _write(tmp_path, 1, _rows(issues={2, 3}))
    assert detect_format(f) == "refit" and detect_format(tmp_path) == "refit"
    rep = LoadReport()
    [h] = refit.read(f, mode="strict", report=rep, metadata=False)
    assert h.meta["dataset"] == "REFIT" and h.meta["house"] == 1
    assert h.meta["timezone"] == "Europe/London"
    assert list(h.appliances) == ["fridge", "freezer", "freezer_2", "washer_dryer",
                                  "washing_machine", "dishwasher", "computer", "tv",
                                  "electric_heat"]
    assert h.meta["labels"]["freezer_2"] == "Freezer(2)"
    np.testing.assert_array_equal(h.mains.t, U0 + 8 * np.arange(6))
    np.testing.assert_array_equal(h.appliances["tv"].p, 80 + np.arange(6))
    np.testing.assert_array_equal(h.mains.p, 550 + 9 * np.arange(6))
    assert {s.quantity for s in h.channels().values()} == {"active"}
    assert h.meta["issues_rows"] == 2 and rep.counts() == {(str(f), "issues_flagged"): 2}
    [d] = refit.read(f, issues="drop", metadata=False)
    np.testing.assert_array_equal(d.mains.t, U0 + 8 * np.arange(6))
    for s in d.channels().values():  # the flagged rows are gaps in every channel
        np.testing.assert_array_equal(np.isnan(s.p), np.isin(np.arange(6), [2, 3]))
    # not bridged by the reading before: rows 0, 1, 4 and 5, each over its own 8 s
    assert d.mains.energy_wh() == pytest.approx(8 * (550 + 559 + 586 + 595) / 3600)
    assert d.report.counts() == {(str(f), "issues_dropped"): 2}


def test_occupants_from_the_household_table(tmp_path, shared_data):
    src = shared_data / "metadata" / "refit" / "household_info.csv"
    shutil.copy(src, tmp_path / "household_info.csv")
    for house in (2, 16):
        _write(tmp_path, house, _rows())
    houses = load_all(tmp_path, cache=False)
    assert [h.meta["house"] for h in houses] == [2, 16]
    assert [h.meta["occupants"] for h in houses] == [4, 6]  # the REFIT readme's table
    assert houses[1].meta["building_type"] == "Detached" and houses[1].meta["size"] == "5 bed"
    assert "construction_year" not in houses[0].meta  # "-" in the table: unknown
    assert list(houses[0].appliances)[:3] == ["fridge_freezer", "washing_machine", "dishwasher"]


def test_house_missing_from_the_table_is_reported(tmp_path):
    (tmp_path / "household_info.csv").write_text("house,occupancy\n1,2\n")
    f = _write(tmp_path, 14, _rows())
    [h] = refit.read(f)
    assert "occupants" not in h.meta
    assert (str(tmp_path / "household_info.csv"), "house_not_in_table") in h.report.counts()
    assert list(h.appliances)[0] == "appliance1"  # house 14 is not in REFIT's readme


def test_bad_rows_strict_and_lenient(tmp_path):
    rows = _rows()
    rows[2] = rows[2].replace(f",{U0 + 16},", f",{U0 + 16}.5,")
    rows[4] = rows[4] + ",7"
    f = _write(tmp_path, 3, rows)
    with pytest.raises(NilmDataError) as e:
        refit.read(f, mode="strict")
    assert e.value.path == str(f) and e.value.line == 4
    rep = LoadReport()
    [h] = refit.read(f, report=rep)
    assert len(h.mains) == 4
    assert rep.counts()[(str(f), "malformed_line")] == 1
    assert rep.counts()[(str(f), "wrong_field_count")] == 1


def test_wrong_header_is_an_error(tmp_path):
    f = _write(tmp_path, 5, _rows(), header=HEADER.replace("Issues", "Flags"))
    assert not refit.detect(tmp_path / "nothing")
    with pytest.raises(NilmDataError, match="REFIT header"):
        refit.read(f)
