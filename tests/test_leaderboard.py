"""The disaggregation leaderboard (nilm.leaderboard) on a tiny simulated spec."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nilm.cli import main
from nilm.leaderboard import (
    COLUMNS,
    LeaderboardSpec,
    block_for,
    cells,
    run_leaderboard,
    rung_period,
)


def tiny(**top) -> dict:
    raw = {"leaderboard": {"models": ["co", "hart85"], "rungs": ["native", "10min", "1d"],
                           "seeds": [0, 1], "metrics": ["mae", "f1"], "n_boot": 20},
           "dataset": [{"name": "sim",
                        "simulate": {"households": 1, "days": 4, "period": 60, "seed": 0},
                        "appliances": ["fridge", "kettle", "water_heater"]}]}
    raw["leaderboard"].update(top)
    return raw


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    out = tmp_path_factory.mktemp("board1")
    df = run_leaderboard(LeaderboardSpec.from_dict(tiny()), out, workers=1)
    return out, df


def test_table_columns_baselines_and_left_out_rung(board):
    out, df = board
    assert list(df.columns) == COLUMNS
    assert set(df.method) == {"co", "hart85", "mean", "prior"}
    assert set(df.target) == {"fridge", "kettle", "water_heater", "all"}
    # 4 days, 40 % test: 1.6 days is 1-2 day intervals (< 10): the 1-day rung is left out
    assert sorted(df.period_s.unique()) == [60.0, 600.0]
    notes = json.loads((out / "provenance.json").read_text())["notes"]
    assert any("1d" in n and "left out" in n for n in notes)
    # 1.6 test days < 10 days: one-hour blocks; 38 blocks >= 10, so CIs exist
    assert set(df.block_s) == {3600.0}
    mae = df[df.metric == "mae"]
    assert (mae.ci_low <= mae.value + 1e-9).all() and (mae.value <= mae.ci_high + 1e-9).all()
    assert df.simulated.all()
    assert df.split.unique().tolist() == ["time_0.6"]


def test_models_beat_mean_on_the_simulated_fridge(board):
    _, df = board
    f = df[(df.target == "all") & (df.metric == "mae") & (df.period_s == 60.0) & (df.seed == 0)]
    v = f.set_index("method").value
    assert v["co"] < v["mean"]   # a model that learnt nothing would not pass


def test_identical_on_one_and_two_workers_and_resumes(board, tmp_path):
    out1, _ = board
    spec = LeaderboardSpec.from_dict(tiny())
    run_leaderboard(spec, tmp_path, workers=2)
    assert (tmp_path / "leaderboard.csv").read_bytes() == (out1 / "leaderboard.csv").read_bytes()
    first = json.loads((tmp_path / "provenance.json").read_text())
    again = run_leaderboard(spec, tmp_path, workers=2)
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["cells_computed"] == 0 and prov["cells"] == len(cells(spec))
    # the whole table's compute seconds: every cell's, the resumed ones' from their store
    assert prov["cell_seconds_total"] > 0
    assert prov["cell_seconds_total"] == pytest.approx(sum(prov["seconds_per_cell"].values()),
                                                       abs=0.01 * len(cells(spec)))
    assert prov["cell_seconds_total"] == first["cell_seconds_total"]
    assert (tmp_path / "leaderboard.csv").read_bytes() == (out1 / "leaderboard.csv").read_bytes()
    assert len(again) > 0
    # a changed spec recomputes its cells
    run_leaderboard(LeaderboardSpec.from_dict(tiny(n_boot=21)), tmp_path, workers=1)
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["cells_computed"] == len(cells(spec))


def test_seeds_reach_the_bootstrap(board):
    _, df = board
    k = ["target", "metric", "period_s"]
    m = df[df.method == "mean"]
    a = m[m.seed == 0].set_index(k).sort_index()
    b = m[m.seed == 1].set_index(k).sort_index()
    np.testing.assert_allclose(a.value, b.value)        # Mean ignores the seed: same value
    assert not np.allclose(a.ci_low, b.ci_low, equal_nan=True)   # other bootstrap draws


def test_rungs_and_blocks():
    assert rung_period("native", 6.0) == 6.0
    assert rung_period("1min", 60.0) is None      # equal to native: native already is it
    assert rung_period("10min", 60.0) == 600.0
    assert block_for(10 * 144, 600.0) == 86400.0
    assert block_for(10 * 144 - 1, 600.0) == 3600.0


def test_missing_real_data_is_a_note(tmp_path):
    raw = tiny()
    raw["dataset"].append({"name": "uci", "path": "uci_nowhere", "appliances": ["kitchen"]})
    raw["leaderboard"]["rungs"] = ["10min"]
    raw["leaderboard"]["seeds"] = [0]
    df = run_leaderboard(LeaderboardSpec.from_dict(raw), tmp_path, data=tmp_path)
    assert set(df.dataset) == {"sim"}
    notes = json.loads((tmp_path / "provenance.json").read_text())["notes"]
    assert any(n.startswith("uci: real data not found at") for n in notes)


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["leaderboard"].update(models=["nope"]), "unknown models"),
    (lambda r: r["leaderboard"].update(metrics=["nope"]), "unknown metrics"),
    (lambda r: r["dataset"][0].update(path="x"), "exactly one of path, paths and simulate"),
    (lambda r: r["dataset"][0].update(split="sideways"), "split must be"),
    (lambda r: r["dataset"][0].update(split="cross_house"), "at least two simulated"),
    (lambda r: r["dataset"][0].pop("simulate") and r["dataset"][0].update(paths=["a", "b"]),
     "paths .one folder per house. is for split = 'cross_house'"),
    (lambda r: r["dataset"][0].pop("simulate") and r["dataset"][0].update(
        paths=["a"], split="cross_house"), "at least two houses"),
    (lambda r: r["dataset"][0].update(train_fraction=1.5), "train_fraction"),
    (lambda r: r["dataset"][0].update(aggregate="guess"), "aggregate must be"),
    (lambda r: r["leaderboard"].update(rungs=["7 parsecs"]), "cannot parse period"),
])
def test_bad_spec(edit, message):
    raw = tiny()
    edit(raw)
    with pytest.raises(ValueError, match=message):
        LeaderboardSpec.from_dict(raw)


def test_cli_bad_spec_is_one_line_exit_2(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('[leaderboard]\nmodels = ["nope"]\nrungs = ["10min"]\nseeds = [0]\n'
                    'metrics = ["mae"]\n[[dataset]]\nname = "s"\nsimulate = { days = 2 }\n')
    assert main(["leaderboard", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml" in err[0] and "unknown models" in err[0]


def test_csv_reads_back(board):
    out, df = board
    back = pd.read_csv(out / "leaderboard.csv")
    assert len(back) == len(df) and list(back.columns) == COLUMNS


def test_publish_writes_table_report_and_figure(board, tmp_path):
    from nilm.leaderboard_report import publish

    out, df = board
    paths = publish(out, tmp_path)
    assert [p.name for p in paths] == ["leaderboard.csv", "leaderboard_provenance.json",
                                      "leaderboard.md", "leaderboard.png"]
    pub = pd.read_csv(tmp_path / "results" / "leaderboard.csv", dtype={"seed": str})
    kept = (df.metric == "mae") | (df.target == "all")
    assert list(pub.columns) == COLUMNS and len(pub) == kept.sum() // 2   # two seeds pooled
    assert set(pub.seed) == {"0 1"}
    md = (tmp_path / "leaderboard.md").read_text()
    assert "sim" in md and "SIMULATED" in md and "left out" in md
    assert "| sim | sim_000 | simulated, time split |" in md
    assert (tmp_path / "leaderboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _two_methods(lo_b, hi_b, lo_c, hi_c):
    base = {"dataset": "d", "simulated": False, "house": "1", "split": "time_0.6", "seed": 0,
            "target": "fridge", "metric": "mae", "period_s": 600.0, "block_s": 3600.0, "n": 50}
    return pd.DataFrame([
        {**base, "method": "mean", "value": 50.0, "ci_low": 45.0, "ci_high": 55.0},
        {**base, "method": "b", "value": 10.0, "ci_low": lo_b, "ci_high": hi_b},
        {**base, "method": "c", "value": 20.0, "ci_low": lo_c, "ci_high": hi_c},
    ])


@pytest.mark.parametrize("cis, separated", [((8, 12, 18, 22), True), ((8, 19, 18, 22), False),
                                             ((np.nan, np.nan, 18, 22), False)])
def test_best_is_marked_only_where_its_ci_excludes_the_runner_up(cis, separated):
    from nilm.leaderboard_report import best_table

    b = best_table(_two_methods(*cis))
    assert b.best.tolist() == ["b"] and b.runner_up.tolist() == ["c"]
    assert b.separated.tolist() == [separated]
    assert b.skill.iloc[0] == pytest.approx(1 - 10 / 50)


def test_published_table_pools_seeds_like_the_report(board):
    from nilm.leaderboard_report import over_seeds, pooled

    _, df = board
    pub = over_seeds(df)
    k = ["dataset", "house", "period_s", "target", "method"]
    for metric in ("mae", "f1"):
        a = pooled(df, metric).set_index(k).sort_index()
        b = pub[pub.metric == metric].set_index(k).sort_index()
        np.testing.assert_allclose(b.value, a.value, rtol=1e-12)
        np.testing.assert_allclose(b.ci_low, a.lo, rtol=1e-12)
        np.testing.assert_allclose(b.ci_high, a.hi, rtol=1e-12)
    one = df[(df.method == "co") & (df.target == "fridge") & (df.metric == "mae")
             & (df.period_s == 600.0)]
    row = pub[(pub.method == "co") & (pub.target == "fridge") & (pub.metric == "mae")
              & (pub.period_s == 600.0)].iloc[0]
    assert len(one) == 2 and row.value == pytest.approx(one.value.mean())
    assert row.ci_low == one.ci_low.min() and row.ci_high == one.ci_high.max()


def test_cross_house_trains_on_the_other_house(tmp_path):
    """Leave one house out: house A's Mean predicts house B's training means, so its MAE is
    recomputed here from the two simulated households, independently of evaluate()."""
    from nilm.simulate.household import simulate_household

    raw = tiny(rungs=["10min"], seeds=[0], metrics=["mae"], models=["co"])
    sim = {"households": 2, "days": 3, "period": 60, "seed": 4}
    raw["dataset"] = [{"name": "x", "simulate": sim, "split": "cross_house",
                       "appliances": ["fridge", "kettle", "dishwasher", "nope"]}]
    df = run_leaderboard(LeaderboardSpec.from_dict(raw), tmp_path)
    grids = [simulate_household(3, [4, k], period=60, house=f"sim_{k:03d}").household
             .to_grid(600) for k in range(2)]
    common = [a for a in ["fridge", "kettle", "dishwasher"] if all(a in g.names for g in grids)]
    assert set(df.target) == set(common) | {"all"}
    assert set(zip(df.house, df.split, strict=True)) == {
        ("sim_000", "cross_house:train=sim_001"), ("sim_001", "cross_house:train=sim_000")}
    notes = json.loads((tmp_path / "provenance.json").read_text())["notes"]
    assert any("'nope'" in n and "not in every house" in n for n in notes)
    for test, train in ((0, 1), (1, 0)):
        y = grids[test].select(["fridge"]).appliances[0]
        expect = np.nanmean(np.abs(y - np.nanmean(grids[train].select(["fridge"]).appliances[0])))
        got = df[(df.house == f"sim_{test:03d}") & (df.method == "mean")
                 & (df.target == "fridge")].value
        assert got.tolist() == pytest.approx([expect], rel=1e-5)


def test_published_keeps_mae_per_appliance_and_the_rest_pooled_only(board):
    from nilm.leaderboard_report import published

    _, df = board
    extra = df[df.metric == "mae"].assign(metric="nde")
    pub = published(pd.concat([df, extra]))
    assert set(pub[pub.metric == "nde"].target) == {"all"}
    assert set(pub[pub.metric == "f1"].target) == {"all"}
    assert set(pub[pub.metric == "mae"].target) == {"fridge", "kettle", "water_heater", "all"}
    n_mae = (df.metric == "mae").sum()
    assert len(pub) == (n_mae + 2 * (df[df.metric == "mae"].target == "all").sum()) // 2


def test_peers_table_puts_both_sides_of_a_pair_on_one_row():
    from nilm.leaderboard_report import peers_table

    rows = [dict(dataset="d", period_s=60.0, side=side, method="co", target=t, metric=m,
                 value=v, n_test=99)
            for side, base in (("nilm", 10.0), ("nilmtk", 20.0))
            for t, m, v in (("all", "mae", base), ("all", "f1", base / 100),
                            ("fridge", "mae", -1.0))]
    t = peers_table(pd.DataFrame(rows))
    assert t.to_dict("records") == [{"dataset": "d", "period": "1 min", "method": "co",
                                     "MAE nilm": "10", "MAE nilmtk": "20", "F1 nilm": "0.1",
                                     "F1 nilmtk": "0.2", "test intervals": 99}]


def test_cells_live_in_the_study_store_and_a_changed_file_is_recomputed(board, tmp_path):
    import shutil
    from dataclasses import asdict

    out1, _ = board
    spec = LeaderboardSpec.from_dict(tiny())
    shutil.copytree(out1, tmp_path / "o")
    c = cells(spec)[0]
    path = tmp_path / "o" / "cells" / c.stored.filename()
    stored = json.loads(path.read_text())
    assert stored["cell"] == asdict(c.stored) and set(stored["meta"]) == {"notes", "seconds"}
    stored["rows"][0]["value"] += 1.0          # edited after writing: the checksum fails
    path.write_text(json.dumps(stored))
    with pytest.warns(RuntimeWarning, match="failed its checksum"):
        run_leaderboard(spec, tmp_path / "o")
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["cells_computed"] == 1
    assert (tmp_path / "o" / "leaderboard.csv").read_bytes() == \
        (out1 / "leaderboard.csv").read_bytes()


def test_changing_one_datasets_models_recomputes_only_its_cells(tmp_path):
    raw = tiny(rungs=["10min"], seeds=[0])
    raw["dataset"].append({**raw["dataset"][0], "name": "sim2"})
    run_leaderboard(LeaderboardSpec.from_dict(raw), tmp_path)
    raw["dataset"][1]["models"] = ["co"]
    df = run_leaderboard(LeaderboardSpec.from_dict(raw), tmp_path)
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["cells_computed"] == 1
    assert set(df[df.dataset == "sim2"].method) == {"co", "mean", "prior"}
    assert "hart85" in set(df[df.dataset == "sim"].method)
