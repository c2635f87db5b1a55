"""benchmarks/peers/leaderboard_peers.py's ``--algos``: a rerun of some pairs rewrites only
their rows, keeps every other row of the full run byte for byte and in the full run's order,
and refuses what it cannot do (no full CSV, an unknown name, a rerun that would lose rows).

NILMTK is not needed: the module's ``inputs`` and ``run_one`` are replaced by fakes that write
small inputs and return predictions that depend on the pair, the side and a version counter.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "peers"))
import leaderboard_peers as lp  # noqa: E402

#: (dataset, period s, appliance names) of the fake inputs, in the order ``inputs`` gives them
DATASETS = [("uci_sceaux", 60.0, ["kitchen", "water_heater"]),
            ("uci_sceaux", 900.0, ["kitchen", "water_heater"]),
            ("redd_house5", 60.0, ["fridge", "microwave", "dishwasher"])]


def _fake_inputs(datasets):
    def inputs(spec_path, data, work):
        out = []
        for k, (name, period, names) in enumerate(datasets):
            rng = np.random.default_rng(k)
            y = rng.uniform(0.0, 3000.0, (len(names), 50)).astype(np.float32)
            p = work / f"{name}_{int(period)}.npz"
            np.savez(p, test_apps=y)
            out.append((p, {"dataset": name, "period_s": period, "names": names,
                            "n_test": y.shape[1]}))
        return out
    return inputs


def _fake_run_one(version, fail=()):
    """Predictions seeded by (pair, side, version); ``fail``: NILMTK-side algos that error."""
    def run_one(side, algo, inp, stem, timeout):
        if side == "nilmtk" and algo in fail:
            return {"error": "exit 1: boom"}
        with np.load(inp) as z:
            shape = z["test_apps"].shape
        seed = zlib.crc32(f"{algo} {side} {inp.stem} {version[algo]}".encode())
        return {"pred": np.random.default_rng(seed).uniform(0.0, 2500.0, shape)}
    return run_one


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Fakes installed; returns the per-algo version counter (bump one to change its output)."""
    python = tmp_path / "python"
    python.write_text("")
    monkeypatch.setattr(lp, "NILMTK_PY", python)
    monkeypatch.setattr(lp, "inputs", _fake_inputs(DATASETS))
    version = {algo: 0 for pair in lp.PAIRS for algo in pair}
    monkeypatch.setattr(lp, "run_one", _fake_run_one(version, fail=("FHMMExact",)))
    return version


def _method(line):
    return line.split(",")[3]


def test_rerun_rewrites_only_the_named_pairs_rows(fake, tmp_path):
    out = tmp_path / "peers.csv"
    lp.main(["--out", str(out)])
    full = out.read_text().splitlines()
    methods = {_method(line) for line in full[1:]}
    assert methods == {o.lower() for o, _ in lp.PAIRS}
    # the failed NILMTK FHMMExact runs are error rows with an empty value
    assert sum(",fhmm,all,error,," in line for line in full) == len(DATASETS)

    fake["Hart85"] += 1
    lp.main(["--out", str(out), "--algos", "Hart85"])
    again = out.read_text().splitlines()
    assert len(again) == len(full)
    # same rows in the same places: every non-hart85 line byte for byte, hart85 lines at the
    # same positions with the same keys and new values
    changed = 0
    for before, after in zip(full, again, strict=True):
        if _method(before) != "hart85":
            assert after == before
            continue
        assert _method(after) == "hart85"
        assert after.split(",")[:6] == before.split(",")[:6]
        changed += after != before and before.split(",")[5] == "mae"
    # every MAE of the new predictions differs (an F1 may coincide)
    assert changed == sum(_method(line) == "hart85" and ",mae," in line for line in full)

    # a rerun of two pairs with nothing changed gives back the file of the full run's values
    lp.main(["--out", str(out), "--algos", "CO", "Mean"])
    assert out.read_text().splitlines() == again


def test_rerun_without_a_full_csv_exits(fake, tmp_path):
    out = tmp_path / "missing.csv"
    with pytest.raises(SystemExit, match="needs the CSV of a full run"):
        lp.main(["--out", str(out), "--algos", "Hart85"])
    assert not out.exists()


@pytest.mark.parametrize("algos", [["Nope"], ["Hart85", "Nope"], ["hart85"], []])
def test_unknown_algo_name_exits(fake, tmp_path, algos):
    out = tmp_path / "peers.csv"
    lp.main(["--out", str(out)])
    full = out.read_text()
    with pytest.raises(SystemExit, match="--algos"):
        lp.main(["--out", str(out), "--algos", *algos])
    assert out.read_text() == full


def test_rerun_that_would_lose_rows_exits(fake, monkeypatch, tmp_path):
    out = tmp_path / "peers.csv"
    lp.main(["--out", str(out)])
    full = out.read_text()
    # a dataset of the full run is not found this time: its Hart85 rows would vanish
    monkeypatch.setattr(lp, "inputs", _fake_inputs(DATASETS[:2]))
    with pytest.raises(SystemExit, match="redd_house5"):
        lp.main(["--out", str(out), "--algos", "Hart85"])
    assert out.read_text() == full
