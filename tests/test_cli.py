"""The ``nilm`` command line on small files the tests write, and on the real data."""

import csv
import json

import numpy as np
import pytest

from nilm.cli import main


def _redd_house(folder, n=600, step=3):
    folder.mkdir(parents=True)
    t = 1303100000 + step * np.arange(n)
    (folder / "labels.dat").write_text("1 mains\n2 mains\n3 refrigerator\n4 microwave\n")
    for ch, p in {1: 100.0, 2: 50.0, 3: 80.0, 4: 0.0}.items():
        (folder / f"channel_{ch}.dat").write_text(
            "".join(f"{ti} {p}\n" for ti in t))
    return folder


def test_inspect_json(tmp_path, capsys):
    house = _redd_house(tmp_path / "house_1")
    assert main(["inspect", str(house), "--json", "--no-cache"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [c["name"] for c in out["channels"]]
    assert names == ["mains", "fridge", "microwave"]
    mains = out["channels"][0]
    assert mains["n_samples"] == 600 and mains["median_period_s"] == 3
    # 150 W for 600 samples x 3 s (the last one held one period)
    assert mains["energy_wh"] == pytest.approx(150 * 1800 / 3600)


def test_resample_csv(tmp_path, capsys):
    house = _redd_house(tmp_path / "house_1")
    out = tmp_path / "r.csv"
    assert main(["resample", str(house), "--period", "10min", "--out", str(out),
                 "--no-cache"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["timestamp", "mains", "fridge", "microwave"]
    assert rows[0]["timestamp"].endswith("Z")
    full = [r for r in rows if r["mains"]]
    assert all(float(r["mains"]) == pytest.approx(150.0) for r in full)


def test_bad_input_exit_code(tmp_path, capsys):
    house = _redd_house(tmp_path / "house_1", n=10)
    with open(house / "channel_3.dat", "a") as f:
        f.write("1303100030 not-a-number\n")
    assert main(["inspect", str(house), "--strict", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "channel_3.dat:11" in err


@pytest.mark.realdata
def test_inspect_every_shared_subset(shared_data, capsys):
    subsets = {
        "uci_household_power_consumption/sceaux_2007-02-01_to_2007-02-02": [],
        "redd/low_freq/house_5": ["-o", "aggregate=sum_of_circuits"],
        "ukdale/house_1_2013-04-12_pda_fixture": [],
        "ukdale/house_2_2013-06-08_nilmtk_2min_hdf5": [],
        "ampds/ampds_2012-04-01_to_2014-04-01_hourly_Wh": [],
        "tracebase/complete/WaterKettle": [],
    }
    for sub, opts in subsets.items():
        assert main(["inspect", str(shared_data / sub), "--json", *opts]) == 0, sub
        out = json.loads(capsys.readouterr().out)
        first = out[0] if isinstance(out, list) else out
        assert first["channels"] and first["channels"][0]["n_samples"] > 0, sub
