"""nilm.linky_report (``nilm linky EXPORT.csv``) on a realistic Enedis export written from a
simulated household: per-day estimates against the simulator's truth and an independent
reading of the CSV, the report files, the training cache, determinism and bad input."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from nilm.errors import NilmDataError
from nilm.linky import export_enedis, linky
from nilm.linky_report import CAVEAT, analyse_export
from nilm.privacy.routine import household_wake_bed
from nilm.simulate import population, simulate_household

DAYS = 7


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A household that owns an off-peak water heater, its 30-min Enedis export, and the
    analysis of that export."""
    d = tmp_path_factory.mktemp("linky")
    cfg, ss = population(11, 1, ownership={"water_heater": True})[0]
    sim = simulate_household(DAYS, seed=ss, config=cfg, period=60)
    export = d / "export.csv"
    export_enedis(linky(sim.household, step=1800), export)
    out = d / "out"
    result = analyse_export(export, out, seed=0)
    return sim, export, out, result


def _naive_daily_kwh(path) -> dict[str, float]:
    """kWh per local day straight from the CSV: each row is the mean W over the 30 min that
    end at its (local) timestamp."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = lines.index("Horodate;Valeur")
    out: dict[str, float] = {}
    for line in lines[i + 1:]:
        stamp, value = line.split(";")
        if not value:
            continue
        start = dt.datetime.fromisoformat(stamp) - dt.timedelta(minutes=30)
        key = start.date().isoformat()
        out[key] = out.get(key, 0.0) + float(value) * 0.5 / 1000.0
    return out


def test_daily_energy_matches_the_csv(case):
    _, export, _, result = case
    days = result["days"]
    naive = _naive_daily_kwh(export)
    assert list(days["date"]) == sorted(naive)
    assert len(days) == DAYS
    for date, kwh in zip(days["date"], days["energy_kwh"], strict=True):
        assert kwh == pytest.approx(naive[date], rel=1e-6)
    assert result["period_s"] == 1800.0


def test_estimates_against_the_simulators_truth(case):
    sim, _, _, result = case
    days = result["days"]
    tz = sim.household.timezone
    tdays, t_wake, _ = household_wake_bed(sim.truth)
    assert list(days["date"]) == [str(np.datetime64(int(d), "D")) for d in tdays]
    errors = []
    for wake, true in zip(days["wake"], t_wake, strict=True):
        if wake and np.isfinite(true):
            local = dt.datetime.fromtimestamp(true, ZoneInfo(tz)).replace(tzinfo=None)
            errors.append(abs((dt.datetime.fromisoformat(wake) - local).total_seconds()) / 60)
    assert len(errors) >= DAYS // 2
    # a 30-min curve: the median error is a quantisation-scale number, not hours
    assert np.median(errors) < 60
    assert result["water_heater"]["detected"] is True
    assert 1000 < result["water_heater"]["power_w"] < 3500
    est = np.nanmean(days["water_heater_kwh"])
    true = np.nanmean(sim.truth.water_heater_kwh)
    assert abs(est - true) < 0.35 * true
    assert np.allclose(days["hot_water_l"], days["water_heater_kwh"] * 860 / 45, equal_nan=True)


def test_report_files(case):
    _, _, out, result = case
    for name in ("linky_report.md", "linky_report.html", "days.csv", "figures/carpet.png"):
        assert result["files"][name].exists()
    md = (out / "linky_report.md").read_text()
    assert "unvalidated" in md and CAVEAT in md
    assert "water heater" in md
    for line in result["summary"]:
        assert line in md
    html = (out / "linky_report.html").read_text()
    assert 'src="http' not in html and "data:image/png;base64," in html
    assert re.search(r"nothing was sent anywhere", html)


def test_training_population_is_cached_and_results_deterministic(case):
    _, export, out, result = case
    manifest = out / "training_seed0" / "population.json"
    stamp = manifest.stat().st_mtime_ns
    before = (out / "days.csv").read_bytes()
    again = analyse_export(export, out, seed=0)
    assert manifest.stat().st_mtime_ns == stamp
    assert (out / "days.csv").read_bytes() == before
    assert again["absences"] == result["absences"]


def test_bad_exports(tmp_path):
    bad = tmp_path / "not_enedis.csv"
    bad.write_text("foo;bar\n1;2\n")
    with pytest.raises(NilmDataError):
        analyse_export(bad, tmp_path / "out")
    empty = tmp_path / "empty_values.csv"
    empty.write_text("Horodate;Valeur\n2024-01-08T00:30:00+01:00;\n"
                     "2024-01-08T01:00:00+01:00;\n")
    with pytest.raises(NilmDataError, match="no consumption"):
        analyse_export(empty, tmp_path / "out2")


def test_cli(case, tmp_path, capsys):
    from nilm.linky_report import cli_main

    _, export, out, result = case
    assert cli_main([str(export), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert result["summary"][0] in printed and "unvalidated" in printed
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing here\n")
    assert cli_main([str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "error" in capsys.readouterr().out
