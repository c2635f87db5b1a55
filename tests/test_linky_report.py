"""nilm.linky_report (``nilm linky EXPORT.csv``) on a realistic Enedis export written from a
simulated household: per-day estimates against the simulator's truth and an independent
reading of the CSV, the report files, the training cache, determinism and bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
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
    # no electric heating: convectors on a constant set point cycle all night, and the
    # wake/bed change-point attack then abstains by design (privacy/routine.py)
    cfg, ss = population(11, 1, ownership={"water_heater": True, "electric_heat": False})[0]
    # the tank on the off-peak contactor (75 % of FR tanks)
    cfg.water_heater = dataclasses.replace(cfg.water_heater, offpeak=True)
    sim = simulate_household(DAYS, seed=ss, config=cfg, period=60)
    export = d / "export.csv"
    export_enedis(linky(sim.household, step=1800), export)
    out = d / "out"
    result = analyse_export(export, out, seed=0, lang="en")
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


@pytest.mark.slow
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
    again = analyse_export(export, out, seed=0, lang="en")
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
    from nilm.cli import main

    _, export, out, result = case
    assert main(["linky", str(export), "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert result["summary"][0] in printed and "unvalidated" in printed
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing here\n")
    assert main(["linky", str(bad), "--out", str(tmp_path / "o")]) == 2
    printed = capsys.readouterr()
    assert printed.err.startswith("nilm linky: error: ") and printed.err.count("\n") == 1
    assert not printed.out  # user errors: one line on stderr


@pytest.mark.parametrize("arg", [".", "..", "./"])
def test_cli_default_output_folder_of_the_current_folder(tmp_path, monkeypatch, arg):
    import nilm.linky_report as lr
    from nilm.cli import main
    from tests import linky_files as lf

    here = tmp_path / f"linky_{lf.PRM}" / "week"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    seen = {}

    def analysed(src, out, **kw):
        seen["out"] = out
        return {"findings": [], "summary": [], "notes": [], "repairs": [],
                "files": {"linky_report.html": out}}

    monkeypatch.setattr(lr, "analyse_export", analysed)
    assert main(["linky", arg]) == 0
    folder = here if arg != ".." else here.parent
    # beside the analysed folder, named after it (its digits masked)
    assert seen["out"].resolve() == folder.parent / (lr.mask_text(folder.name) + "_nilm")
    assert lf.PRM not in seen["out"].name


# ------------------------------------------------------------------ every Linky input form

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """An output folder holding the simulated training population, built once and copied
    into each analysis below (the same seed gives the same households)."""
    from nilm.linky_report import training_population

    out = tmp_path_factory.mktemp("trained")
    training_population(out, seed=0)
    return out / "training_seed0"


def _analyse(src, out, trained, **kw):
    import shutil

    shutil.copytree(trained, out / "training_seed0")
    return analyse_export(src, out, **kw)


def _no_prm_in(folder):
    from tests import linky_files as lf

    for f in folder.rglob("*"):
        assert lf.PRM not in f.name
        if f.is_file() and "training_seed" not in str(f):
            assert lf.PRM.encode() not in f.read_bytes(), f


@pytest.mark.slow
def test_a_days_verdict_does_not_depend_on_the_rest_of_the_file(tmp_path, trained):
    """Two months, hourly in January then half-hourly in February, against February alone:
    every February day gets the same estimates (each month at its step is its own block)."""
    from tests import linky_files as lf

    rows = lf.intervals("2024-01-01", [(60, 24 * 31), (30, 48 * 29)], seed=3)
    long = lf.horodate(tmp_path / "long.csv", rows)
    short = lf.horodate(tmp_path / "short.csv", rows[24 * 31:])
    a = _analyse(long, tmp_path / "a", trained, lang="en")
    b = _analyse(short, tmp_path / "b", trained, lang="en")
    feb_a = a["days"][a["days"]["date"] >= "2024-02-01"].reset_index(drop=True)
    assert len(feb_a) == len(b["days"]) == 29
    pd.testing.assert_frame_equal(feb_a, b["days"])
    assert (b["days"]["wake"] != "").sum() >= 20  # the morning rise is found
    md = (tmp_path / "a" / "linky_report.md").read_text()
    assert "month by month" in md and "a step of 30 min, 1 h" in md


def test_nilm_linky_on_a_data_connect_json(tmp_path, trained):
    from tests import linky_files as lf

    rows = lf.intervals("2024-03-04", [(30, 48 * 14)], seed=5, empty={100})
    src = lf.dataconnect(tmp_path / "consumption_load_curve.json", rows)
    out = tmp_path / "out"
    result = _analyse(src, out, trained)
    assert len(result["days"]) == 14 and result["period_s"] == 1800
    assert sum(result["days"]["energy_kwh"].fillna(0)) == pytest.approx(
        sum(v * s / 3.6e6 for t, s, v in rows if v is not None
            and t.astimezone(lf.PARIS).day != 4), rel=0.2)
    assert result["household"] == "Linky/xxxxxxxxxx1234"
    _no_prm_in(out)


@pytest.mark.slow
def test_nilm_linky_on_a_tic_log(tmp_path, trained):
    from datetime import timedelta

    from tests import linky_files as lf

    t0 = lf.local_midnight("2024-02-10") + timedelta(hours=5)
    data, east = b"", 10_000_000.0
    for k in range(3 * 1800):
        hour = 5 + 2 * k / 3600
        va = 250 + (1800 if 7 <= hour < 7.5 else 0)
        east += va * 2 / 3600
        data += lf.std_frame(t0 + timedelta(seconds=2 * k), va, int(east),
                             corrupt="SINSTS" if k % 97 == 0 else None)
    src = tmp_path / "teleinfo.bin"
    src.write_bytes(data)
    out = tmp_path / "out"
    result = _analyse(src, out, trained)
    assert result["period_s"] == 2
    assert any("apparent power in VA" in n for n in result["notes"])
    md = (out / "linky_report.md").read_text()
    assert "apparent power in VA" in md and "bad_checksum" in md
    _no_prm_in(out)


def test_nilm_linky_on_daily_data_only(tmp_path, trained, monkeypatch):
    from nilm.linky_accuracy import lookup, read_results
    from tests import linky_files as lf

    readings, total = [], 1_000_000
    for d in range(1, 29):
        readings.append((lf.local_midnight(f"2024-02-{d:02d}"), {"EAS T": total}))
        total += 3000 if 10 <= d <= 16 else 12000  # a week away
    src = lf.index(tmp_path / "index.csv", readings)
    out = tmp_path / "out"
    # with the committed results: the low days are shown only if the daily absence attack
    # beats its prior there
    acc = lookup(read_results(), "absence", 86400.0)
    result = analyse_export(src, out, lang="en")
    assert result["period_s"] == 86400 and len(result["days"]) == 27
    assert result["summary"][0].startswith("Daily energy only")
    shown = "7 days below half the median" in " ".join(result["summary"])
    hidden = "Days away: not revealed by the methods we tested." in " ".join(result["summary"])
    assert (shown, hidden) == ((False, True) if acc is not None and not acc.revealed
                               else (True, False))
    assert "figures/carpet.png" not in result["files"]
    np.testing.assert_allclose(result["days"]["energy_kwh"][:3], [12, 12, 12])
    # without any results file the week away is shown, with its accuracy not yet measured
    monkeypatch.setenv("NILM_HEADLINE", str(tmp_path / "no_headline.csv"))
    monkeypatch.setenv("NILM_REAL", str(tmp_path / "no_real.csv"))
    result = analyse_export(src, tmp_path / "out2", lang="en")
    assert "7 days below half the median" in " ".join(result["summary"])


def test_nilm_linky_on_a_folder_of_downloads_and_masked_outputs(tmp_path, trained, capsys):
    """A CSV export, a weekly XLSX (hourly, overlapping) and an API dump of one meter, in a
    folder whose name carries the PRM: one household, and the PRM in none of the outputs."""
    import shutil

    from nilm.cli import main
    from tests import linky_files as lf

    folder = tmp_path / f"linky_{lf.PRM}"
    folder.mkdir()
    rows = lf.intervals("2024-01-08", [(30, 48 * 10)], seed=2)
    lf.horodate(folder / f"Enedis_Conso_Heure_20240108-20240114_{lf.PRM}.csv", rows[:48 * 7])
    hourly = [(rows[k][0], 3600, (rows[k][2] + rows[k + 1][2]) / 2)
              for k in range(48 * 6, 48 * 8, 2)]
    lf.xlsx(folder / "Enedis_export.xlsx", hourly)
    lf.dataconnect(folder / "api.json", rows[48 * 8:])
    out = tmp_path / "linky_xxxxxxxxxx1234_nilm"  # the default output folder, PRM masked
    shutil.copytree(trained, out / "training_seed0")
    assert main(["linky", str(folder), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert lf.PRM not in printed and f"report: {out}" in printed
    _no_prm_in(out)
    assert (out / "days.csv").read_text().count("\n") == 11  # 10 days and the header
    md = (out / "linky_report.md").read_text()
    assert "overlap_coarser" in md and "overlap_disagrees" not in md


def test_nilm_linky_refuses_a_folder_of_two_meters(tmp_path, capsys):
    from nilm.cli import main
    from tests import linky_files as lf

    folder = tmp_path / "two"
    folder.mkdir()
    lf.horodate(folder / "a.csv", lf.intervals("2024-01-08", [(30, 48)]))
    lf.horodate(folder / "b.csv", lf.intervals("2024-01-08", [(30, 48)]), prm="98765432109876")
    assert main(["linky", str(folder), "--out", str(tmp_path / "o")]) == 2
    printed = capsys.readouterr().err
    assert "2 meters found" in printed and "xxxxxxxxxx9876" in printed
    assert "98765432109876" not in printed


@pytest.mark.slow
def test_nilm_linky_historic_capture_with_start(tmp_path, trained):
    from tests import linky_files as lf

    data = b"".join(lf.hist_frame(300 + 10 * (k % 30), 1_000_000 + k // 3, 2_000_000)
                    for k in range(3000))
    src = tmp_path / "historic.raw"
    src.write_bytes(data)
    result = _analyse(src, tmp_path / "out", trained, start="2024-02-10T06:00:00")
    notes = " ".join(result["notes"])
    assert "from the given start 2024-02-10T06:00:00" in notes and "1200 baud" in notes
    assert result["days"]["date"].tolist() == ["2024-02-10"]
