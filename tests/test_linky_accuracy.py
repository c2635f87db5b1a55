"""nilm.linky_accuracy: each finding's measured accuracy from a headline results file (a small
fixture written here, in the protocol's columns), real households preferred, the skill CI
deciding what is revealed, and nothing invented when the file or the row is missing."""

from __future__ import annotations

import pandas as pd
import pytest

from nilm.linky_accuracy import lookup, read_results, threat_model

COLUMNS = ["dataset", "simulated", "truth_kind", "threat_model", "stratum", "inference",
           "target", "metric", "period_s", "method", "value", "ci_low", "ci_high",
           "n_households", "n_days", "prior_population", "skill_population"]


def _row(**kw):
    base = dict(dataset="simulated", simulated=True, truth_kind="simulated",
                threat_model="consented_curve", stratum="all", inference="routine",
                target="wake", metric="within_30min", period_s=1800, method="regression",
                value=0.54, ci_low=0.42, ci_high=0.66, n_households=20, n_days=260,
                prior_population=0.34, skill_population=0.30)
    base.update(kw)
    return base


@pytest.fixture
def results(tmp_path):
    rows = [_row(),
            _row(dataset="meter", simulated=False, truth_kind="diary", value=0.61,
                 ci_low=0.50, ci_high=0.70, n_households=31),
            _row(stratum="heating=electric", value=0.9),
            _row(period_s=3600, value=0.40, ci_low=0.30, ci_high=0.50),  # CI covers the prior
            _row(inference="hot_water", target="water_heater", metric="mae_kwh_day",
                 method="offpeak_step", value=1.68, ci_low=0.78, ci_high=2.79,
                 prior_population=2.99),
            _row(inference="hot_water", target="water_heater", metric="mae_kwh_day",
                 period_s=3600, value=1.5, ci_low=0.8, ci_high=3.2, prior_population=2.99),
            _row(threat_model="daily_index", period_s=86400, inference="occupancy",
                 target="absence", metric="mcc", value=float("nan"), ci_low=float("nan"),
                 ci_high=float("nan"), n_households=0)]
    path = tmp_path / "headline.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return read_results(path)


def test_real_households_first_at_the_households_own_step(results):
    acc = lookup(results, "wake", 1800)
    assert acc.real and acc.dataset == "meter" and acc.value == 0.61
    assert acc.n_households == 31 and acc.revealed
    assert acc.skill_low == pytest.approx((0.50 - 0.34) / (1 - 0.34))
    assert "dataset=meter" in acc.source and "period_s=1800" in acc.source


def test_simulated_when_no_real_row_and_a_ci_over_the_prior_is_not_revealed(results):
    acc = lookup(results, "wake", 3600)
    assert not acc.real and acc.value == 0.40
    assert acc.skill_low < 0 and not acc.revealed


def test_errors_use_the_high_end_of_their_ci(results):
    acc = lookup(results, "water_heater", 1800)
    assert acc.skill_low == pytest.approx(1 - 2.79 / 2.99) and acc.revealed
    assert not lookup(results, "water_heater", 3600).revealed  # 3.2 kWh > the prior's 2.99


def test_nothing_invented(results, tmp_path):
    assert lookup(results, "bed", 1800) is None            # no row for the finding
    assert lookup(results, "wake", 600) is None            # no row at that step
    assert lookup(results, "absence", 86400) is None       # a row without a value
    assert lookup(None, "wake", 1800) is None              # no results file
    assert read_results(tmp_path / "absent.csv") is None


def test_threat_model_of_a_step():
    assert threat_model(2) == "tic_dongle" and threat_model(1800) == "consented_curve"
    assert threat_model(86400) == "daily_index"


def test_the_results_file_named_by_the_environment(results, tmp_path, monkeypatch):
    from nilm.linky_accuracy import results_path

    path = tmp_path / "headline.csv"
    monkeypatch.setenv("NILM_HEADLINE", str(path))
    assert results_path() == path
    monkeypatch.setenv("NILM_HEADLINE", str(tmp_path / "nowhere.csv"))
    monkeypatch.setenv("NILM_REAL", str(tmp_path / "nowhere_real.csv"))
    assert results_path() is None and read_results() is None


def test_the_package_ships_the_repositorys_headline_results(monkeypatch):
    """nilm/results/headline.csv is the protocol's docs/results/headline.csv (a link, so a
    wheel carries the committed file and the two cannot drift)."""
    from pathlib import Path

    from nilm.linky_accuracy import results_path

    monkeypatch.delenv("NILM_HEADLINE", raising=False)
    repo = Path(__file__).resolve().parents[1] / "docs" / "results" / "headline.csv"
    found = results_path()
    assert found is not None and found.parent.name == "results"
    assert found.read_bytes() == repo.read_bytes()


REAL = COLUMNS + ["training", "null"]


@pytest.fixture
def with_real(tmp_path):
    """A headline file and a real.csv in its schema: METER and ECO at 30 min, trained on
    simulations or on the other real households."""
    headline = tmp_path / "headline.csv"
    pd.DataFrame([_row(), _row(inference="occupancy", target="absence", metric="mcc",
                           value=0.6, ci_low=0.5, ci_high=0.7, prior_population=0.2)],
                 columns=COLUMNS).to_csv(headline, index=False)
    real = tmp_path / "real.csv"
    pd.DataFrame([
        # the same attack as nilm linky's: preferred, the one with more households first
        dict(_row(dataset="meter", simulated=False, truth_kind="diary", value=0.58,
                  ci_low=0.47, ci_high=0.69, n_households=40), training="sim_to_real"),
        # the permutation null of the same attack: never quoted to a household
        dict(_row(dataset="meter", simulated=False, truth_kind="diary", value=0.1,
                  ci_low=0.0, ci_high=0.2, n_households=99), training="sim_to_real",
             null="permutation"),
        dict(_row(dataset="eco", simulated=False, truth_kind="occupancy", value=0.7,
                  ci_low=0.6, ci_high=0.8, n_households=5), training="sim_to_real"),
        # trained on other real households: not the attack nilm linky runs
        dict(_row(dataset="meter", simulated=False, truth_kind="diary", inference="occupancy",
                  target="absence", metric="mcc", value=0.9, ci_low=0.85, ci_high=0.95,
                  prior_population=0.2, n_households=40), training="real_others"),
        # real households where the attack does not beat the population prior
        dict(_row(dataset="meter", simulated=False, truth_kind="diary", period_s=3600,
                  value=0.36, ci_low=0.25, ci_high=0.47, n_households=40),
             training="sim_to_real"),
    ], columns=REAL).to_csv(real, index=False)
    return headline, real


def test_real_rows_trained_on_simulations_come_first(with_real):
    headline, real = with_real
    table = read_results(headline, real)
    acc = lookup(table, "wake", 1800)
    assert acc.real and acc.dataset == "meter" and acc.n_households == 40
    assert acc.value == 0.58 and acc.training == "sim_to_real" and acc.revealed
    assert acc.source.startswith("real.csv: dataset=meter") and "training=sim_to_real" \
        in acc.source


def test_real_rows_trained_on_real_households_are_not_quoted(with_real):
    headline, real = with_real
    acc = lookup(read_results(headline, real), "absence", 1800)
    assert not acc.real and acc.value == 0.6 and acc.training == ""
    assert acc.source.startswith("headline.csv: dataset=simulated")


def test_real_rows_that_do_not_beat_the_prior_are_not_revealed(with_real):
    headline, real = with_real
    acc = lookup(read_results(headline, real), "wake", 3600)
    assert acc.real and not acc.revealed and acc.skill_low < 0


def test_a_named_headline_file_comes_alone(with_real, monkeypatch):
    headline, real = with_real
    monkeypatch.setenv("NILM_REAL", str(real))
    assert set(read_results(headline)["source_file"]) == {"headline.csv"}
    monkeypatch.setenv("NILM_HEADLINE", str(headline))
    assert set(read_results()["source_file"]) == {"headline.csv", "real.csv"}


def test_the_protocols_skill_ci_beside_the_headline_decides(results, tmp_path):
    """With headline_tests.csv beside the headline file, its skill CI (over households) is the
    one a finding is judged by, for the stratum-'all' row it names only."""
    hot = dict(dataset="simulated", inference="hot_water", target="water_heater",
               metric="mae_kwh_day", method="offpeak_step", threat_model="consented_curve")
    pd.DataFrame([dict(hot, period_s=3600, method="regression", skill_lo=0.12, skill_hi=0.8),
                  dict(hot, period_s=1800, skill_lo=-0.2, skill_hi=0.6)]).to_csv(
        tmp_path / "headline_tests.csv", index=False)
    with_tests = read_results(tmp_path / "headline.csv")
    assert lookup(with_tests, "water_heater", 3600).skill_low == pytest.approx(0.12)
    assert lookup(with_tests, "water_heater", 3600).revealed      # the value's CI said no
    assert not lookup(with_tests, "water_heater", 1800).revealed  # the value's CI said yes
    assert len(with_tests) == len(results)                        # no row added or lost
    assert lookup(with_tests, "wake", 3600).skill_low == lookup(results, "wake", 3600).skill_low
