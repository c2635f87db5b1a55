"""nilm.demo: the per-dataset resolution ladder, probing real datasets (a broken one is reported,
not fatal) and a tiny end-to-end demo (study, report, README picture)."""

from __future__ import annotations

import pandas as pd
import pytest

from nilm import demo


def test_ladder_skips_resolutions_not_coarser_than_the_data():
    full = ["native", "2s", "1min", "10min", "15min", "30min", "60min", "1d"]
    assert demo.ladder_for(2, full) == (["native", "1min", "10min", "15min", "30min",
                                         "60min", "1d"], ["2s"])
    assert demo.ladder_for(1, full) == (full, [])
    assert demo.ladder_for(60, full)[1] == ["2s", "1min"]
    keep, skip = demo.ladder_for(3600, full)
    assert keep == ["native", "1d"] and "60min" in skip and "10min" in skip


def test_probe_reports_broken_and_missing_datasets(tmp_path):
    data = tmp_path / "data"
    broken = data / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
    broken.mkdir(parents=True)
    (broken / "household_power_consumption.txt").write_text("this is not a UCI file\n")
    sources, natives, notes = demo.probe_real(data, tmp_path / "out")
    assert sources == [] and natives == {}
    assert len(notes) == len(demo.REAL_CANDIDATES)
    assert notes[0].startswith("uci_sceaux") and "skipped" in notes[0]
    assert "Error" in notes[0]  # the exception type is named
    assert all("not found" in n for n in notes[1:])


def test_probe_finds_real_uci(shared_data, tmp_path):
    cands = [c for c in demo.REAL_CANDIDATES if c[0] == "uci_sceaux"]
    sources, natives, notes = demo.probe_real(shared_data, tmp_path, cands)
    assert notes == []
    assert [s.name for s in sources] == ["uci_sceaux"] and sources[0].kind == "path"
    assert natives["uci_sceaux"] == 60.0


@pytest.mark.slow
def test_tiny_demo_end_to_end(tmp_path, capsys, monkeypatch):
    import math

    from nilm import real_rows

    row = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", metric="mcc", period_s=600,
        null="none", training="real_others", value=0.2468, ci_low=0.1, ci_high=0.4,
        stratum="held_out", n_households=16, n_days=16, ci_reason="")
    pd.DataFrame([row]).to_csv(tmp_path / "my_real.csv", index=False)
    monkeypatch.setenv("NILM_REAL", str(tmp_path / "my_real.csv"))
    data = tmp_path / "data"
    (data / "redd" / "low_freq" / "house_5").mkdir(parents=True)
    (data / "redd" / "low_freq" / "house_5" / "channel_3.dat").write_text("garbage\n")
    out = tmp_path / "demo"
    html = demo.run_demo(out, data, workers=1, households=2, days=2, seed=1, progress=False,
                         n_boot=20, resolutions=["native", "2s", "30min"])
    assert html == out / "report.html" and html.exists()
    assert str(html) in capsys.readouterr().out
    for name in ("report.md", "tables.tex", "results.csv", "provenance.json",
                 "figures/leakage_vs_resolution.png", "figures/carpet_simulated.png",
                 "figures/disaggregation_simulated.png"):
        assert (out / name).exists(), name
    assert ((out / "leakage_vs_resolution.png").read_bytes()
            == (out / "figures" / "leakage_vs_resolution.png").read_bytes())
    res = pd.read_csv(out / "results.csv")
    assert set(res["simulated"]) == {True}
    assert set(res["period_s"]) == {2, 1800}
    md = (out / "report.md").read_text()
    assert "redd_house5" in md and "skipped" in md
    assert "resolutions 2s not run" in md
    assert "simulated (nilm.simulate)" in md
    # the committed real rows are shown, with the file they come from
    assert "Real households (real ground truth)" in md and "0.25 [0.10, 0.40]" in md
    assert "read from `my_real.csv`" in md
