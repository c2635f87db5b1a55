"""predictions = "interval": occupancy's per-interval verdicts in predictions.csv, one record
per household-day, from which the MCC of results.csv re-scores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nilm.study import Source, StudySpec, run_study


def _mcc(truth: str, pred: str) -> float:
    t, p = np.frombuffer(truth.encode(), "S1"), np.frombuffer(pred.encode(), "S1")
    ok = (t != b"-") & (p != b"-")
    yt, yp = t[ok] == b"1", p[ok] == b"1"
    tp, fp = float(np.sum(yt & yp)), float(np.sum(~yt & yp))
    fn, tn = float(np.sum(yt & ~yp)), float(np.sum(~yt & ~yp))
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / den if den else 0.0


@pytest.mark.slow
def test_interval_predictions_rescore_the_mcc(tmp_path):
    spec = StudySpec(sources=[Source("sim", households=4, days=3, period=60, seed=2)],
                     resolutions=["10min", "30min"], inferences=["occupancy"],
                     methods={"occupancy": ["unsupervised", "clock_prior"]},
                     predictions="interval", n_boot=20)
    res = run_study(spec, tmp_path, progress=False)
    pred = pd.read_csv(tmp_path / "predictions.csv", keep_default_na=False,
                       dtype={"truth": str, "prediction": str})
    occ = pred[pred.inference == "occupancy"]
    mcc = res[res.metric == "mcc"].set_index(["house", "period_s", "method"])["value"]
    assert len(mcc) == 4 * 2 * 2
    for key, g in occ.groupby(["house", "period_s", "method"]):
        assert len(g) == 3 and (g.unit.str.len() == 10).all()  # one record per local day
        per_day = 86400 // key[1]
        assert g.truth.str.len().max() <= per_day and g.prediction.str.len().equals(
            g.truth.str.len())
        assert _mcc("".join(g.truth), "".join(g.prediction)) == pytest.approx(mcc[key],
                                                                              abs=1e-5)
    assert set(occ.groupby(["house", "period_s", "method"]).groups) == set(mcc.index)
    # the file stays small: bytes per household-day and method at 10 min
    lines = (tmp_path / "predictions.csv").read_text().splitlines()[1:]
    ten = [ln for ln in lines if ",occupancy," in ln and ",600," in ln]
    assert np.mean([len(ln) + 1 for ln in ten]) < 3 * 144 + 120


def test_other_levels_leave_the_interval_records_out(tmp_path):
    spec = StudySpec(sources=[Source("sim", households=2, days=2, period=60, seed=2)],
                     resolutions=["30min"], inferences=["occupancy"],
                     methods={"occupancy": ["unsupervised"]}, predictions="day", n_boot=20)
    run_study(spec, tmp_path, progress=False)
    pred = pd.read_csv(tmp_path / "predictions.csv")
    assert (pred.inference != "occupancy").all()


@pytest.fixture(scope="module")
def occupancy_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("interval_headline")
    spec = StudySpec(sources=[Source("sim", households=12, days=4, period=60, seed=4)],
                     resolutions=["30min"], inferences=["occupancy"],
                     methods={"occupancy": ["unsupervised", "kleiminger", "clock_prior"]},
                     predictions="interval", n_boot=20, max_train_households=3)
    res = run_study(spec, out, progress=False)
    pred = pd.read_csv(out / "predictions.csv", dtype={"truth": str, "prediction": str})
    return res, pred


@pytest.mark.slow
def test_only_the_headline_attack_and_the_priors_keep_interval_records(occupancy_study):
    res, pred = occupancy_study
    assert set(res["method"]) >= {"unsupervised", "kleiminger", "clock_prior"}
    assert set(pred.loc[pred.inference == "occupancy", "method"]) == {"unsupervised",
                                                                      "clock_prior"}


@pytest.mark.slow
def test_absence_headline_is_two_stage_from_the_interval_records(occupancy_study):
    """Each household's summed per-day confusion counts give its results.csv MCC (the attack's
    and the clock prior's), so the two-stage headline row has the household aggregate's value
    and prior; its CI comes from resampling days too."""
    from nilm import report, stats
    from nilm.protocol import Headline

    res, pred = occupancy_study
    head = {"occupancy": Headline("unsupervised", "absence", "mcc")}
    blocks = report.day_blocks(pred, "occupancy", head["occupancy"])
    mcc = res[res.metric == "mcc"]
    stats_mcc = stats.metric_info("mcc")
    checked = 0
    for _, x in mcc[mcc.method == "unsupervised"].iterrows():
        if not np.isfinite(x["value"]):
            continue
        b = blocks[("simulated", f"sim/{x['house']}", 1800.0)]
        assert b.attack.shape[:2] == (4, 1)
        assert float(stats_mcc.replicate(b.attack[:, 0].sum(axis=0))) == pytest.approx(
            x["value"], abs=1e-9)
        prior = mcc[(mcc.method == "clock_prior") & (mcc.house == x["house"])]["value"]
        assert float(stats_mcc.replicate(b.prior[:, 0].sum(axis=0))) == pytest.approx(
            float(prior.iloc[0]), abs=1e-9)
        checked += 1
    assert checked >= 10
    a = report.headline_table(res, headline=head, seed=0, n_boot=200).iloc[0]
    b = report.headline_table(res, headline=head, seed=0, predictions=pred, n_boot=200).iloc[0]
    assert (a["bootstrap"], b["bootstrap"]) == (report.BOOTSTRAP_HOUSEHOLDS,
                                                report.BOOTSTRAP_TWO_STAGE)
    assert b["value"] == pytest.approx(a["value"], abs=1e-9)
    assert b["prior"] == pytest.approx(a["prior"], abs=1e-9)
    assert np.isfinite(b["ci_low"]) and b["ci_low"] != pytest.approx(a["ci_low"])
