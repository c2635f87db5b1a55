import numpy as np
import pytest

from nilm.atomic import atomic_open
from nilm.inspect import channel_summary, household_summary
from nilm.names import base_name, canonical, load_kind, unique_names
from nilm.series import Grid, Household, PowerSeries, default_max_gap


def test_powerseries_rejects_unsorted_and_bad_shapes():
    with pytest.raises(ValueError, match="strictly increasing"):
        PowerSeries([0, 2, 1], [1, 2, 3], "x")
    with pytest.raises(ValueError, match="equal length"):
        PowerSeries([0, 1], [1.0], "x")
    with pytest.raises(ValueError, match="quantity"):
        PowerSeries([0], [1.0], "x", quantity="watts")


def test_energy_by_zero_order_hold_with_gap_cap():
    # 100 W for 3 samples 10 s apart, then a 1000 s gap, then one more sample
    s = PowerSeries([0, 10, 20, 1020], [100, 100, 100, 100], "x", period=10)
    # holds: 10, 10, min(1000, 60)=60, last held one period = 10 -> 90 s at 100 W
    assert s.energy_wh() == pytest.approx(100 * 90 / 3600)
    assert default_max_gap(10) == 60.0
    assert default_max_gap(600) == 1800.0


def test_energy_ignores_nan():
    s = PowerSeries([0, 60, 120], [np.nan, 60.0, 60.0], "x", period=60)
    assert s.energy_wh() == pytest.approx(60 * 120 / 3600)


def test_grid_slicing_and_select():
    g = Grid(0, 60, np.arange(10, dtype=float), np.vstack([np.ones(10), 2 * np.ones(10)]),
             ["a", "b"])
    before, after = g.split_time(240)
    assert len(before) == 4 and len(after) == 6 and after.start == 240
    assert np.array_equal(g.select(["b"]).appliances[0], 2 * np.ones(10, dtype=np.float32))
    assert g.t[3] == 180
    g.appliances[0, 5] = np.nan
    assert g.fully_valid().sum() == 9


def test_names_canonical_and_unique():
    assert canonical("refrigerator") == ("fridge", True)
    assert canonical("furance") == ("furnace", True)
    assert canonical("Sub_metering_3") == ("water_heater", True)
    assert canonical("Wonder Machine") == ("wonder_machine", False)
    assert unique_names(["lighting", "fridge", "lighting", "lighting"]) == [
        "lighting", "fridge", "lighting_2", "lighting_3"]
    assert base_name("lighting_3") == "lighting"
    assert load_kind("kettle") == "user" and load_kind("fridge_2") == "auto"


def test_household_summary_counts_gaps_and_missing():
    t = np.array([0, 6, 12, 1000, 1006])
    h = Household(PowerSeries(t, [1, np.nan, 3, 4, 5], "mains"),
                  {"kettle": PowerSeries(t, [0, 0, 2000, 0, 0], "kettle", "kettle")},
                  {"dataset": "test", "house": 1, "timezone": "UTC"})
    s = household_summary(h)
    mains = s["channels"][0]
    assert mains["gaps_over_5min"] == 1 and mains["missing"] == 1
    assert mains["first"] == "1970-01-01T00:00:00Z"
    assert channel_summary(h.appliances["kettle"])["n_samples"] == 5


def test_atomic_open_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as f:
        f.write("new")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with atomic_open(target) as f:
        f.write("new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o044, "readable by others like any file open() writes"
