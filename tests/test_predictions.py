"""predictions.csv: the household-level (and, with ``predictions = "day"``, per-day) inferences
of a study, written beside results.csv so that anyone can re-score them (issue 11, item 8).
Simulated households; each test re-scores a metric from the file and must find results.csv's
value."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from nilm.errors import UsageError
from nilm.privacy.occupants import balanced_accuracy
from nilm.study import PREDICTION_COLUMNS, Source, StudySpec, collect, run_study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("predictions")
    spec = StudySpec(sources=[Source("sim", households=4, days=3, period=300, seed=3)],
                     resolutions=["30min"],
                     inferences=["hot_water", "appliances", "occupants", "routine"],
                     methods={"hot_water": ["offpeak_step", "population_prior"],
                              "routine": ["changepoint"],
                              "appliances": ["direct"], "occupants": ["ordinal_forest"]},
                     n_boot=20, max_train_households=3, predictions="day")
    res = run_study(spec, out, progress=False)
    return spec, out, res, pd.read_csv(out / "predictions.csv")


def test_columns_and_units(study):
    _, _, _, pred = study
    assert list(pred.columns) == PREDICTION_COLUMNS
    assert {"household"} < set(pred["unit"])  # per-day records too (predictions = "day")
    assert set(pred["threat_model"]) == {"consented_curve"}
    assert set(pred["inference"]) == {"hot_water", "appliances", "occupants", "routine"}


def test_daily_energy_mae_rescored_from_predictions(study):
    _, _, res, pred = study
    r = res[(res["metric"] == "mae_kwh_day")]
    assert len(r) >= 2  # some owners, both the attack and the prior
    for _, x in r.iterrows():
        p = pred[(pred["inference"] == "hot_water") & (pred["unit"] != "household")
                 & (pred["house"].astype(str) == str(x["house"]))
                 & (pred["method"] == x["method"])]
        assert len(p) == x["n"]
        assert np.mean(np.abs(p["prediction"] - p["truth"])) == pytest.approx(x["value"],
                                                                              rel=1e-5)
        assert np.mean(np.abs(p["prior_prediction"] - p["truth"])) == pytest.approx(
            x["prior"], rel=1e-5)


def test_wake_and_bed_times_rescored_from_predictions(study):
    """Per-day wake / bed records (epoch s): mae_min and within_30min of the attack and its
    prior re-scored from the file equal results.csv's."""
    _, _, res, pred = study
    r = res[(res["inference"] == "routine") & res["metric"].isin(["mae_min", "within_30min"])
            & res["value"].notna()]
    assert set(r["target"]) == {"wake", "bed"} and len(r) >= 8
    for _, x in r.iterrows():
        p = pred[(pred["inference"] == "routine") & (pred["target"] == x["target"])
                 & (pred["house"].astype(str) == str(x["house"]))
                 & (pred["method"] == x["method"])]
        p = p[np.isfinite(p["prediction"]) & np.isfinite(p["prior_prediction"])]
        assert len(p) == x["n"] and (p["unit"] != "household").all()
        err = np.abs(p["prediction"] - p["truth"]) / 60
        err_p = np.abs(p["prior_prediction"] - p["truth"]) / 60
        got = (err.mean(), err_p.mean()) if x["metric"] == "mae_min" else (
            (err <= 30).mean(), (err_p <= 30).mean())
        assert got == pytest.approx((x["value"], x["prior"]), rel=1e-6)


def test_ownership_and_occupant_count_rescored_from_predictions(study):
    _, _, res, pred = study
    hh = pred[pred["unit"] == "household"]
    own = res[res["metric"] == "ownership_correct"].dropna(subset=["value"])
    assert len(own)
    for _, x in own.iterrows():
        (p,) = hh[(hh["house"].astype(str) == str(x["house"])) & (hh["target"] == x["target"])
                  & (hh["method"] == x["method"])].itertuples()
        assert float(p.prediction == p.truth) == x["value"]
    occ = hh[hh["inference"] == "occupants"]
    ba = res[(res["metric"] == "balanced_accuracy") & (res["method"] == "ordinal_forest")]
    assert len(occ) == 4 and len(ba) == 1
    assert balanced_accuracy(occ["truth"].to_numpy(), occ["prediction"].to_numpy()) == \
        pytest.approx(float(ba["value"].iloc[0]), rel=1e-5)


def test_household_level_is_the_default_and_keeps_the_cells(study):
    spec, out, _, pred = study
    collect(dataclasses.replace(spec, predictions="household"), out)
    hh = pd.read_csv(out / "predictions.csv")
    pd.testing.assert_frame_equal(hh.reset_index(drop=True),
                                  pred[pred["unit"] == "household"].reset_index(drop=True),
                                  check_dtype=False)
    with pytest.raises(UsageError, match="predictions must be one of"):
        dataclasses.replace(spec, predictions="minute")


def test_two_stage_headline_reads_the_studys_day_records(study):
    """The per-day records re-give each household's value and prior: the two-stage headline
    row (nilm.report.day_blocks) has the household aggregate's value and prior."""
    from nilm import report
    from nilm.protocol import Headline

    _, _, res, pred = study
    hot = {"hot_water": Headline("offpeak_step", "water_heater", "mae_kwh_day")}
    a = report.headline_table(res, headline=hot, seed=0).iloc[0]
    b = report.headline_table(res, headline=hot, seed=0, predictions=pred).iloc[0]
    assert (a["bootstrap"], b["bootstrap"]) == (report.BOOTSTRAP_HOUSEHOLDS,
                                                report.BOOTSTRAP_TWO_STAGE)
    assert b["value"] == pytest.approx(a["value"], rel=1e-5)
    assert b["prior"] == pytest.approx(a["prior"], rel=1e-5)
    assert b["houses"] == a["houses"] > 0
