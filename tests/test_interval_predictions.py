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
