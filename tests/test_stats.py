"""nilm.stats: known-answer cases for the metric registry, skill, the paired and two-stage
bootstraps, the false discovery rate and the detectable skill."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nilm import stats


def _confusion(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-day (tp, fp, fn, tn) of (days, slots) boolean arrays."""
    t, p = truth.astype(bool), pred.astype(bool)
    return np.stack([(t & p).sum(1), (~t & p).sum(1), (t & ~p).sum(1), (~t & ~p).sum(1)],
                    axis=1).astype(float)


def test_registry_knows_directions_and_refuses_to_guess():
    assert stats.is_error("mae_min") and stats.is_error("mae_kwh_day")
    assert not stats.is_error("mcc") and not stats.is_error("within_30min")
    assert not stats.is_error("within_7.5min")
    with pytest.raises(KeyError, match="mae_surprise"):
        stats.metric_info("mae_surprise")  # a name prefix is no declaration


def test_skill_known_values_and_undefined_cases():
    assert stats.skill(10.0, 40.0, "mae_min") == pytest.approx(0.75)
    assert stats.skill(0.5, 0.2, "mcc") == pytest.approx(0.375)
    assert stats.skill(0.2, 0.2, "balanced_accuracy") == 0.0
    assert math.isnan(stats.skill(1.0, 0.0, "mae_min"))     # a perfect prior
    assert math.isnan(stats.skill(0.9, 1.0, "f1_absent"))   # a perfect prior
    assert math.isnan(stats.skill(math.nan, 0.2, "mcc"))
    np.testing.assert_allclose(stats.skill([1.0, 3.0], [2.0, 2.0], "mae_min"), [0.5, -0.5])


def test_mcc_of_a_constant_prediction_is_nan_not_zero():
    m = stats.metric_info("mcc")
    assert math.isnan(float(m.from_sums(np.array([5.0, 5.0, 0.0, 0.0]))))   # always "yes"
    assert float(m.from_sums(np.array([5.0, 0.0, 0.0, 5.0]))) == pytest.approx(1.0)


def test_accuracy_known_answers_and_majority_class_floor():
    m = stats.metric_info("accuracy")
    assert not stats.is_error("accuracy")
    # 6 right of 10 (tp 4, fp 1, fn 3, tn 2)
    assert float(m.from_sums(np.array([4.0, 1.0, 3.0, 2.0]))) == pytest.approx(0.6)
    # always "occupied" on a 2/3-occupied truth: the majority-class accuracy, skill 0 against it
    always = float(m.from_sums(np.array([20.0, 10.0, 0.0, 0.0])))
    assert always == pytest.approx(2 / 3)
    assert stats.skill(always, 2 / 3, "accuracy") == pytest.approx(0.0)
    assert math.isnan(float(m.from_sums(np.zeros(4))))


def test_paired_bootstrap_of_a_constant_has_a_zero_width_ci():
    days = 20
    attack = np.tile([2.0, 1.0], (days, 1))   # MAE 2 every day
    prior = np.tile([4.0, 1.0], (days, 1))    # MAE 4 every day
    e = stats.paired_bootstrap(attack, prior, "mae_min", seed=1, n_boot=300)
    assert (e.value, e.prior, e.skill) == (2.0, 4.0, 0.5)
    assert e.ci == (2.0, 2.0) and e.skill_ci == (0.5, 0.5)
    assert e.reason == "" and e.n_blocks == days


def test_paired_bootstrap_of_an_unrelated_predictor_contains_zero():
    # attack and prior are two independent predictors that ignore the truth: exchangeable, so
    # the skill's CI must hold 0 about 95 % of the time (a real check, 60 populations)
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(60):
        truth = rng.random((25, 48)) < 0.4
        a = _confusion(truth, rng.random((25, 48)) < 0.4)
        p = _confusion(truth, rng.random((25, 48)) < 0.4)
        e = stats.paired_bootstrap(a, p, "mcc", seed=int(rng.integers(1 << 30)), n_boot=400)
        hits += e.skill_ci[0] <= 0 <= e.skill_ci[1]
    assert hits >= 51  # ≥ 85 % of 60 (expected 57)


def test_paired_bootstrap_finds_a_real_signal():
    rng = np.random.default_rng(3)
    truth = rng.random((30, 48)) < 0.4
    noisy = truth ^ (rng.random(truth.shape) < 0.1)
    e = stats.paired_bootstrap(_confusion(truth, noisy),
                               _confusion(truth, rng.random(truth.shape) < 0.4), "mcc",
                               seed=0, n_boot=500)
    assert e.skill_ci[0] > 0.5 and e.p_value < 0.01


def test_too_few_days_gives_no_ci_and_nan_days_are_left_out():
    a = np.tile([1.0, 1.0], (9, 1))
    e = stats.paired_bootstrap(a, a * 2, "mae_min", seed=0)
    assert e.reason == "too few days" and all(math.isnan(x) for x in e.ci + e.skill_ci)
    assert e.value == 1.0  # the point estimate stays
    a = np.array([[1.0, 1.0]] * 12 + [[np.nan, 1.0]])
    p = np.array([[3.0, 1.0]] * 13)
    e = stats.paired_bootstrap(a, p, "mae_min", seed=0, n_boot=100)
    assert e.value == 1.0 and e.prior == 3.0 and e.n_left_out == 1 and e.n_blocks == 12


def test_two_stage_bootstrap_known_answers():
    same = [(np.tile([1.0, 1.0], (12, 1)), np.tile([2.0, 1.0], (12, 1)))] * 10
    e = stats.two_stage_bootstrap(same, "mae_min", seed=0, n_boot=200)
    assert (e.value, e.skill) == (1.0, 0.5) and e.ci == (1.0, 1.0)
    # households differing only between them: the CI is the households' spread
    hs = [(np.tile([float(v), 1.0], (12, 1)), np.tile([10.0, 1.0], (12, 1)))
          for v in range(1, 11)]
    e = stats.two_stage_bootstrap(hs, "mae_min", seed=0, n_boot=2000)
    hb = stats.household_bootstrap(np.arange(1.0, 11), np.full(10, 10.0), "mae_min", seed=0,
                                   n_boot=2000)
    assert e.value == hb.value == 5.5
    assert e.ci[0] < 5.5 < e.ci[1]
    assert abs((e.ci[1] - e.ci[0]) - (hb.ci[1] - hb.ci[0])) < 0.6
    few = stats.two_stage_bootstrap(hs[:9], "mae_min", seed=0)
    assert few.reason == "too few households" and math.isnan(few.ci[0])


def test_two_stage_adds_within_household_noise():
    rng = np.random.default_rng(0)
    quiet = [(np.stack([np.full(15, 2.0), np.ones(15)], 1),
              np.stack([np.full(15, 4.0), np.ones(15)], 1)) for _ in range(12)]
    noisy = [(np.stack([rng.exponential(2.0, 15), np.ones(15)], 1),
              np.stack([np.full(15, 4.0), np.ones(15)], 1)) for _ in range(12)]
    wq = np.diff(stats.two_stage_bootstrap(quiet, "mae_min", seed=0, n_boot=500).ci)[0]
    wn = np.diff(stats.two_stage_bootstrap(noisy, "mae_min", seed=0, n_boot=500).ci)[0]
    assert wq == 0.0 and wn > 0.3


def test_household_bootstrap_leaves_nan_out_never_zero():
    v = np.array([0.5] * 10 + [np.nan])
    e = stats.household_bootstrap(v, np.zeros(11), "mcc", seed=0, n_boot=200)
    assert e.value == 0.5 and e.n_left_out == 1 and e.ci == (0.5, 0.5)
    assert stats.household_bootstrap(v[:5], np.zeros(5), "mcc", seed=0).reason == \
        "too few households"


def test_benjamini_hochberg_hand_computed():
    q, rej = stats.benjamini_hochberg([0.04, 0.001, 0.03, 0.2, np.nan], q=0.05)
    # sorted 0.001, 0.03, 0.04, 0.2 (m = 4): p·m/i = 0.004, 0.06, 0.0533, 0.2, then the
    # running minimum from the largest
    np.testing.assert_allclose(q[:4], [0.16 / 3, 0.004, 0.16 / 3, 0.2])
    assert math.isnan(q[4])
    assert rej.tolist() == [False, True, False, False, False]
    _, rej = stats.benjamini_hochberg([0.01, 0.02, 0.03, 0.04], q=0.05)
    assert rej.all()  # the largest passes at 0.04 ≤ 0.05·4/4, so all do


def test_detectable_skill():
    assert stats.detectable_skill(0.1) == pytest.approx((1.959964 + 0.841621) * 0.1, rel=1e-5)
    assert math.isnan(stats.detectable_skill(math.nan))


def _one_yes(correct: bool, n: int = 18, owners: int = 6):
    """Per-household (tp, fp, fn, tn) rows: a detector saying "yes" to one household only
    (an owner if ``correct``), and the majority prior ("no" to all)."""
    truth = np.zeros(n, bool)
    truth[:owners] = True
    pred = np.zeros(n, bool)
    pred[0 if correct else n - 1] = True
    return _confusion(truth[:, None], pred[:, None]), _confusion(truth[:, None],
                                                                  np.zeros((n, 1), bool))


@pytest.mark.parametrize("correct", [True, False])
def test_mcc_replicates_of_one_class_count_zero_not_dropped(correct):
    # the review's probes (review12b #1): a replicate that draws none of the households the
    # detector said "yes" to has a constant verdict, MCC 0 by the project's rule; dropping it
    # put the CI wholly off 0 ([0.19, 0.57] and [-0.65, -0.19])
    attack, prior = _one_yes(correct)
    e = stats.paired_bootstrap(attack, prior, "ownership_mcc", seed=0, n_boot=2000)
    assert (e.value > 0) == correct
    if correct:
        assert e.ci[0] == pytest.approx(0.0, abs=0.005) and e.ci[1] > 0.3
    else:
        assert e.ci[0] < -0.3 and e.ci[1] >= 0.0
    # the constant prior's MCC is NaN, so is the skill: no skill CI although its replicates
    # score 0 (the replicate rule never defines what the point value leaves undefined)
    assert math.isnan(e.skill) and np.isnan(e.skill_ci).all() and math.isnan(e.p_value)
    # the point value keeps the rule "one class is no decision" (NaN), only replicates are 0
    m = stats.metric_info("ownership_mcc")
    assert math.isnan(float(m.from_sums(prior.sum(axis=0))))
    assert float(m.replicate(prior.sum(axis=0))) == 0.0
    assert float(m.replicate(np.array([0.0, 0.0, 3.0, 5.0]))) == 0.0   # verdict of one class
    assert math.isnan(float(m.replicate(np.array([0.0, 0.0, 0.0, 5.0]))))  # truth of one class
    assert math.isnan(float(m.replicate(np.zeros(4))))                  # nothing scored


def test_mcc_replicate_rule_leaves_other_metrics_unchanged():
    for name, m in stats.METRICS.items():
        assert (m.from_reps is not None) == name.endswith("mcc"), name
    attack, prior = _one_yes(True)
    e = stats.paired_bootstrap(attack, prior, "balanced_accuracy", seed=0, n_boot=500)
    draw = np.random.default_rng(0).integers(0, 18, size=(500, 18))
    reps = stats.metric_info("balanced_accuracy").from_sums(attack[draw].sum(axis=1))
    reps = reps[np.isfinite(reps)]
    assert e.ci == pytest.approx(tuple(np.quantile(reps, [0.025, 0.975])))


def test_two_stage_mcc_copies_of_one_class_count_zero():
    # 10 households, each "yes" on one day of 20 (correct); the prior "yes" on two days (one
    # right): a day draw that misses the attack's day is a constant verdict, MCC 0 in it
    t = np.zeros((20, 1), bool)
    t[:5] = True
    p = np.zeros((20, 1), bool)
    p[0] = True
    q = np.zeros((20, 1), bool)
    q[[1, 10]] = True
    hs = [(_confusion(t, p), _confusion(t, q))] * 10
    e = stats.two_stage_bootstrap(hs, "mcc", seed=0, n_boot=500)
    value = float(stats.metric_info("mcc").from_sums(_confusion(t, p).sum(axis=0)))
    assert e.value == pytest.approx(value) and e.reason == ""
    # each copy misses its one "yes" day with probability (19/20)^20 = 0.36: the lower end
    # lies well below the value (dropping those copies kept it near the value)
    assert e.ci[0] < 0.7 * value < value < e.ci[1]


def test_two_stage_mcc_copies_whose_truth_has_one_class_are_left_out():
    # 30 households, each with a rarely used appliance (used on 2 days of 14) that the
    # detector finds every time, and a daily one it finds on 12 of 14 days: a day draw that
    # misses both used days has no MCC (truth of one class) for that appliance. Counting such
    # copies as 0 put the point value at the CI's upper end; left out, the CI holds it.
    days = 14
    rare = np.zeros((days, 1), bool)
    rare[[3, 9]] = True
    often = np.ones((days, 1), bool)
    often[[0, 7, 11]] = False
    seen = often.copy()
    seen[[2, 5]] = False
    never = np.zeros((days, 1), bool)
    attack = np.stack([_confusion(rare, rare), _confusion(often, seen)], axis=1)
    prior = np.stack([_confusion(rare, never), _confusion(often, never)], axis=1)
    hs = [(attack, prior)] * 30
    e = stats.two_stage_bootstrap(hs, "day_use_mcc", seed=0, n_boot=400)
    m = stats.metric_info("day_use_mcc")
    value = float(np.mean([m.from_sums(attack[:, j].sum(axis=0)) for j in range(2)]))
    assert e.value == pytest.approx(value) and e.reason == ""
    assert e.ci[0] < value < e.ci[1]
    # the draws themselves: a copy missing the rare appliance's used days keeps the daily
    # appliance's MCC only, never a 0 for the rare one
    draw = np.random.default_rng(1).integers(0, days, size=(2000, days))
    sums = attack[draw].sum(axis=1)
    rare_reps = m.replicate(sums[:, 0])
    missed = ~rare[draw, 0].any(axis=1)
    assert missed.any() and np.isnan(rare_reps[missed]).all()
    assert (rare_reps[~missed] == 1.0).all()
