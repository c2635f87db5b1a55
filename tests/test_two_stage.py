"""The headline CIs of per-day metrics come from the two-stage bootstrap (households, then
local days; nilm.report.day_blocks, nilm.stats.two_stage_bootstrap), wired from predictions.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nilm import report
from nilm.protocol import Headline

HOT = {"hot_water": Headline("offpeak_step", "water_heater", "mae_kwh_day")}
DAY0 = np.datetime64("2024-01-08")


def _study(n_houses: int, spread: float, days: int = 14):
    """results.csv and predictions.csv rows of the hot-water headline: house h's attack errs
    by m_h = 1 + 0.02 h kWh on average, each day m_h (1 ± spread) alternately; the
    population prior errs by 2 kWh every day."""
    res, pred = [], []
    for h in range(n_houses):
        m = 1.0 + 0.02 * h
        err = m * (1 + spread * np.where(np.arange(days) % 2 == 0, 1.0, -1.0))
        for method, e in (("offpeak_step", err), ("population_prior", np.full(days, 2.0))):
            res.append(dict(dataset="simulated", source="eval", house=f"sim_{h:03d}",
                            period_s=1800.0, resolution="30min", inference="hot_water",
                            method=method, target="water_heater", metric="mae_kwh_day",
                            value=float(e.mean()), ci_low=np.nan, ci_high=np.nan, n=days,
                            prior=2.0, skill=np.nan, simulated=True))
            for d in range(days):
                pred.append(dict(dataset="simulated", source="eval", house=f"sim_{h:03d}",
                                 inference="hot_water", target="water_heater",
                                 period_s=1800.0, method=method, unit=str(DAY0 + d),
                                 truth=5.0, prediction=5.0 + e[d], prior_prediction=7.0))
    return pd.DataFrame(res), pd.DataFrame(pred)


def _row(results, predictions=None):
    tab = report.headline_table(results, headline=HOT, seed=3, predictions=predictions,
                                n_boot=400)
    assert len(tab) == 1
    return tab.iloc[0]


def test_two_stage_equals_the_household_bootstrap_without_day_variance():
    res, pred = _study(12, spread=0.0)
    households = _row(res)
    two = _row(res, pred)
    assert households["bootstrap"] == report.BOOTSTRAP_HOUSEHOLDS
    assert two["bootstrap"] == report.BOOTSTRAP_TWO_STAGE
    for k in ("value", "prior", "skill", "ci_low", "ci_high", "skill_lo", "skill_hi"):
        assert two[k] == pytest.approx(households[k], rel=1e-9), k


def test_two_stage_ci_widens_with_the_day_variance_the_household_one_ignores():
    flat, flat_pred = _study(12, spread=0.0)
    noisy, noisy_pred = _study(12, spread=0.9)
    # the household means are equal: the household bootstrap cannot tell the two apart
    assert _row(flat)["ci_high"] == pytest.approx(_row(noisy)["ci_high"])
    a, b = _row(flat, flat_pred), _row(noisy, noisy_pred)
    assert b["value"] == pytest.approx(a["value"])
    assert b["ci_high"] - b["ci_low"] > 2 * (a["ci_high"] - a["ci_low"])
    assert b["skill_hi"] - b["skill_lo"] > 2 * (a["skill_hi"] - a["skill_lo"])


def test_too_few_households_give_no_two_stage_ci():
    res, pred = _study(6, spread=0.5)
    x = _row(res, pred)
    assert x["bootstrap"] == report.BOOTSTRAP_TWO_STAGE
    assert np.isnan(x["ci_low"]) and np.isnan(x["skill_hi"])
    assert x["ci_reason"] == "too few days/households"


def test_a_household_without_day_records_keeps_the_household_bootstrap():
    res, pred = _study(12, spread=0.5)
    x = _row(res, pred[pred["house"] != "sim_004"])
    assert x["bootstrap"] == report.BOOTSTRAP_HOUSEHOLDS
    assert x["ci_high"] == pytest.approx(_row(res)["ci_high"])


def test_day_blocks_pair_the_attack_with_the_population_prior_per_source():
    res, pred = _study(10, spread=0.5)
    other = pred.assign(source="other", prediction=pred["prediction"] + 1.0)
    blocks = report.day_blocks(pd.concat([pred, other]), "hot_water", HOT["hot_water"])
    assert len(blocks) == 20  # source/house keys: two sources naming their houses alike
    b = blocks[("simulated", "eval/sim_003", 1800.0)]
    assert b.attack.shape == b.prior.shape == (14, 1, 2) and b.targets == ("water_heater",)
    a, p = b.attack[:, 0], b.prior[:, 0]
    assert a[:, 0].mean() == pytest.approx(1.06)
    assert p[:, 0] == pytest.approx(np.full(14, 2.0)) and (a[:, 1] == 1).all()
    b2 = blocks[("simulated", "other/sim_003", 1800.0)]
    a2, p2 = b2.attack[:, 0], b2.prior[:, 0]  # every prediction 1 kWh higher
    assert a2[:, 0].mean() == pytest.approx(2.06) and p2[:, 0] == pytest.approx(np.full(14, 3.0))


APP = {"appliances": Headline("direct", None, "day_use_mcc")}


def _mcc01(t: np.ndarray, p: np.ndarray) -> float:
    """The scorers' day-use MCC: NaN for a truth of one class, 0 for a constant verdict."""
    if t.min() == t.max():
        return np.nan
    tp, fp = np.sum(t & p), np.sum(~t & p)
    fn, tn = np.sum(t & ~p), np.sum(~t & ~p)
    den = np.sqrt(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    return float((tp * tn - fp * fn) / den) if den else 0.0


def _appliance_study(n_houses: int = 12, days: int = 14, seed: int = 0):
    """results.csv and predictions.csv rows of the appliance day-use headline: each household
    has 3 appliances; the attack sees a day's use with probability 0.8, the clock prior with
    0.55; household 0's "kettle" attack verdict is constant ("no decision") and household 1's
    "oven" is never used (truth of one class: NaN)."""
    rng = np.random.default_rng(seed)
    res, pred = [], []
    for h in range(n_houses):
        for name in ("kettle", "oven", "washer"):
            t = rng.random(days) < 0.5
            t[:2] = (True, False)
            if h == 1 and name == "oven":
                t[:] = False
            verdicts = {"direct": np.where(rng.random(days) < 0.8, t, ~t),
                        "clock_prior": np.where(rng.random(days) < 0.55, t, ~t)}
            if h == 0 and name == "kettle":
                verdicts["direct"] = np.ones(days, bool)
            for method, p in verdicts.items():
                v = _mcc01(t, p)
                constant = np.isfinite(v) and p.min() == p.max()
                res.append(dict(dataset="simulated", source="eval", house=f"sim_{h:03d}",
                                period_s=600.0, resolution="10min", inference="appliances",
                                method=method, target=name, metric="day_use_mcc", value=v,
                                ci_low=np.nan if constant else v - 0.1,
                                ci_high=np.nan if constant else v + 0.1, n=days, prior=0.0,
                                skill=np.nan, simulated=True))
                for d in range(days):
                    pred.append(dict(dataset="simulated", source="eval",
                                     house=f"sim_{h:03d}", inference="appliances",
                                     target=name, period_s=600.0, method=method,
                                     unit=str(DAY0 + d), truth=float(t[d]),
                                     prediction=float(p[d]), prior_prediction=np.nan))
    return pd.DataFrame(res), pd.DataFrame(pred)


def test_appliance_day_use_two_stage_reproduces_the_households_mean_over_appliances():
    res, pred = _appliance_study()
    a = report.headline_table(res, headline=APP, seed=1, n_boot=300).iloc[0]
    b = report.headline_table(res, headline=APP, seed=1, predictions=pred, n_boot=300).iloc[0]
    assert (a["bootstrap"], b["bootstrap"]) == (report.BOOTSTRAP_HOUSEHOLDS,
                                                report.BOOTSTRAP_TWO_STAGE)
    # the per-household mean over its decided appliances, from the sums of one-hot day rows
    direct = res[res.method == "direct"]
    kept = direct[np.isfinite(direct["value"]) & ~report.no_decision(direct)]
    assert len(kept) == 12 * 3 - 2
    assert b["value"] == pytest.approx(kept.groupby("house")["value"].mean().mean(), abs=1e-12)
    assert b["value"] == pytest.approx(a["value"], abs=1e-12)
    assert b["prior"] == pytest.approx(a["prior"], abs=1e-12)
    assert b["no_decision"] == a["no_decision"] == pytest.approx(1 / 36)
    assert np.isfinite(b["p_value"]) and b["ci_low"] < b["value"] < b["ci_high"]


def test_appliance_day_blocks_hold_one_hot_confusion_rows_per_day_and_appliance():
    res, pred = _appliance_study(n_houses=2)
    b = report.day_blocks(pred, "appliances", APP["appliances"])[
        ("simulated", "eval/sim_000", 600.0)]
    assert b.targets == ("kettle", "oven", "washer")
    assert b.attack.shape == b.prior.shape == (14, 3, 4)
    assert (b.attack.sum(axis=2) == 1).all() and (b.prior.sum(axis=2) == 1).all()
    # the constant kettle verdict: every day predicted "used" (tp or fp)
    assert (b.attack[:, 0, 2:] == 0).all()
