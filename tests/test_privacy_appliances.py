"""Appliance-use detection: native truth extraction against a naive loop, direct detector and a
disaggregator on a synthetic week (simulated data)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm import metrics
from nilm.privacy.appliances import (
    detectability_table,
    grid_events,
    score_appliances,
    true_activity,
)
from nilm.privacy.scores import OPTIONAL_ROW_KEYS, ROW_KEYS
from nilm.series import PowerSeries
from tests.synthetic import synthetic_household


def _naive_uses(t, p, period, on_power, min_on):
    gap = max(3.0 * period, 60.0)
    out, run_start, dur = [], None, 0.0
    for i in range(len(t)):
        hold = min(t[i + 1] - t[i], gap) if i + 1 < len(t) else min(period, gap)
        broken = i > 0 and t[i] - t[i - 1] > gap
        on = np.isfinite(p[i]) and p[i] >= on_power
        if run_start is not None and (not on or broken):
            if dur >= min_on:
                out.append(run_start)
            run_start, dur = None, 0.0
        if on:
            if run_start is None:
                run_start = t[i]
            dur += hold
    if run_start is not None and dur >= min_on:
        out.append(run_start)
    return np.array(out, dtype=float)


@pytest.mark.parametrize("seed", range(6))
def test_true_activity_matches_naive(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    t = np.cumsum(rng.choice([6, 6, 6, 7, 200], n)).astype(np.int64)
    p = np.where(rng.random(n) < 0.4, 2500.0, 0.0)
    p[100:140] = 2500.0  # a long constant run
    p = p[:n]
    p[rng.random(n) < 0.05] = np.nan
    s = PowerSeries(t, p, "kettle", period=6)
    on_power, min_on = metrics.ON_THRESHOLDS["kettle"]
    np.testing.assert_array_equal(true_activity(s), _naive_uses(t, p, 6.0, on_power, min_on))


def test_true_activity_single_sample_and_empty():
    s = PowerSeries(np.array([0]), np.array([3000.0]), "kettle", period=20)
    np.testing.assert_array_equal(true_activity(s), [0.0])  # held 20 s >= 12 s
    assert true_activity(PowerSeries(np.zeros(0), np.zeros(0), "kettle", period=6)).size == 0


def test_grid_events_are_onsets_at_midpoints():
    from nilm.series import Grid

    g = Grid(1000, 60, np.array([0, 1, 1, 0, np.nan, 1, 0, 1.0]), np.zeros((1, 8)), ["x"])
    act = np.array([True, True, False, False, False, True, False, True])
    # run at 0 counts (already on), 5 follows a gap (unknown onset), 7 is a real onset
    np.testing.assert_array_equal(grid_events(act, g), [1030.0, 1450.0])


@pytest.fixture(scope="module")
def week():
    return synthetic_household(days=6, seed=3)


def _rows(rows):
    return {(r["target"], r["metric"]): r for r in rows}


def test_direct_detector_at_60s(week):
    h, truth = week
    rows = _rows(score_appliances(h.to_grid(60), truth, 60, native=h, seed=0,
                                  names=["kettle", "cooker"]))
    assert all(set(r) - set(OPTIONAL_ROW_KEYS) == set(ROW_KEYS) for r in rows.values())
    assert rows[("kettle", "event_f1")]["value"] > 0.7
    assert rows[("kettle", "event_f1")]["skill"] > 0.6
    assert rows[("cooker", "day_use_f1")]["value"] == 1.0
    assert rows[("kettle", "ownership_correct")]["value"] == 1.0


def test_disaggregator_path(week):
    h, truth = week
    rows = _rows(score_appliances(h.to_grid(600), truth, 600, method="co", native=h,
                                  names=["water_heater", "cooker"], seed=0))
    assert rows[("water_heater", "day_use_f1")]["value"] > 0.8
    with pytest.raises(ValueError):
        score_appliances(h.to_grid(600), truth, 600, method="nope", native=h)


def test_detectability_table_is_tidy(week):
    h, truth = week
    df = detectability_table(h, truth, [600, 86400], seed=0, names=["kettle", "cooker"])
    assert set(df["period_s"]) == {600.0, 86400.0}
    assert set(df["appliance"]) == {"kettle", "cooker"}
    assert df.groupby(["appliance", "period_s"]).size().max() == 1


def test_direct_reads_the_features_grid_it_is_given(week):
    """At 10 s with ``features=`` (the household at 60 s) the direct detector fits and predicts
    on that grid; one fit serves both rungs (``fit=False``), and the rows equal those of the
    10-s grid's own block means (equal to the 60-s grid on this household)."""
    from nilm.privacy.appliances import DirectDetector, appliance_rows, appliances_design
    from nilm.privacy.base import evaluate

    h, truth = week
    names = ["kettle", "cooker"]
    g10, g60 = h.to_grid(10), h.to_grid(60)
    plain10 = score_appliances(g10, truth, 10, native=h, seed=0, names=names)
    plain60 = score_appliances(g60, truth, 60, native=h, seed=0, names=names)
    given10 = score_appliances(g10, truth, 10, native=h, seed=0, names=names,
                               features=(g60, None))
    np.testing.assert_equal(given10, plain10)  # NaN == NaN, floats exactly
    attack = DirectDetector(names=names, seed=0)
    kw = {"design": appliances_design, "score": appliance_rows, "seed": 0, "native": h,
          "names": names}
    np.testing.assert_equal(evaluate(attack, g60, truth, **kw), plain60)
    np.testing.assert_equal(evaluate(attack, g10, truth, features=(g60, None), fit=False, **kw),
                            plain10)


@pytest.mark.parametrize("period", [1, 70, 900, 86400])
def test_calendar_index_ranges_match_local_clock(period):
    """Calendar's per-day index arithmetic against converting every interval (and every
    midpoint) to the local clock, across both DST changes of Europe/Paris."""
    from nilm.privacy.appliances import Calendar, _day_index
    from nilm.privacy.scores import local_clock
    from nilm.series import Grid

    tz = "Europe/Paris"
    rng = np.random.default_rng(period)
    start, stop = (1711_700_000, 1711_950_000) if period < 3600 else (1700_000_013, 1735_000_000)
    n = (stop - start) // period
    mains = rng.random(n).astype(np.float32)
    mains[rng.random(n) < 0.3] = np.nan
    g = Grid(start, period, mains, np.zeros((0, n)), [])
    ok = np.isfinite(mains)
    cal = Calendar(g, ok, tz)
    day, _ = local_clock(g.t, tz)
    np.testing.assert_array_equal(cal.days, np.unique(day))
    mask = rng.random(n) < 0.001
    for m in (ok, mask & ok, np.zeros(n, bool)):
        expected = np.zeros(len(cal.days), bool)
        expected[np.searchsorted(cal.days, day[m])] = True
        np.testing.assert_array_equal(cal.any(m), expected)
    mid = _day_index(g.t[ok].astype(np.float64) + period / 2, cal.days, tz)
    np.testing.assert_array_equal(cal.ok_midpoints(),
                                  np.bincount(mid[mid >= 0], minlength=len(cal.days)))


def _naive_f1_threshold(score, label):
    """Every candidate cut tried by brute force: (best F1, the scores kept at that cut)."""
    ok = np.isfinite(score)
    s, y = score[ok], label[ok].astype(bool)
    best, kept = -1.0, None
    for c in sorted(set(s.tolist()), reverse=True):  # highest threshold first wins ties
        p = s >= c
        f = 2 * np.sum(p & y) / (p.sum() + y.sum())
        if f > best:
            best, kept = f, p
    return best, kept


@pytest.mark.parametrize("seed", range(8))
def test_f1_threshold_matches_brute_force(seed):
    from nilm.privacy.appliances import f1_threshold

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    # coarse scores so that ties are common, some NaN, a rare positive class
    score = np.round(rng.random(n), 1)
    label = rng.random(n) < rng.uniform(0.05, 0.6)
    label |= rng.random(n) < 0.5 * score  # informative
    score[rng.random(n) < 0.1] = np.nan
    ok = np.isfinite(score)
    if not label[ok].any():
        label[np.flatnonzero(ok)[:1]] = True
    tau = f1_threshold(score, label)
    best, kept = _naive_f1_threshold(score, label)
    if kept is None:  # every score NaN
        assert tau == 0.5
        return
    np.testing.assert_array_equal(score[ok] >= tau, kept)
    pred = score[ok] >= tau
    y = label[ok]
    assert 2 * np.sum(pred & y) / (pred.sum() + y.sum()) == pytest.approx(best)


def test_f1_threshold_edge_cases():
    from nilm.privacy.appliances import f1_threshold

    assert f1_threshold(np.array([0.3, 0.9]), np.array([False, False])) == 0.5  # no positive
    assert f1_threshold(np.zeros(0), np.zeros(0, bool)) == 0.5  # empty
    assert f1_threshold(np.array([0.2]), np.array([True])) == 0.0  # single sample: keep it
    assert f1_threshold(np.full(5, 0.4), np.array([1, 0, 0, 0, 0], bool)) == 0.0  # constant
    # perfectly separated: the cut falls midway between the classes
    assert f1_threshold(np.array([0.1, 0.2, 0.6, 0.8]), np.array([0, 0, 1, 1], bool)) == \
        pytest.approx(0.4)


def _rare_problem(rng, n, share=0.02, sd=0.6):
    """Rare positives (as an appliance's active intervals at 10 min) that a feature reveals
    only partly (as the aggregate does, ROC AUC about 0.7-0.8 on the simulator): x0 = label +
    noise of ``sd``, x1 = noise."""
    y = rng.random(n) < share
    x = np.stack([y + rng.normal(0, sd, n), rng.normal(0, 1, n)], axis=1)
    return x, y


def test_cross_fit_threshold_recovers_rare_positives():
    """The 0.5 rule of a classifier fitted on a rare, weakly revealed class under-detects it;
    the F1 threshold tuned on held-out training households detects more of it with a better
    F1 on unseen data (with a well-separated class 0.5 is already near the optimum, and the
    tuned threshold only adds estimation noise)."""
    from nilm.privacy.appliances import cross_fit, detector_trees

    rng = np.random.default_rng(1)
    x, y = _rare_problem(rng, 12_000)
    grid_id = np.repeat(np.arange(4), 3000)
    x_te, y_te = _rare_problem(rng, 20_000)
    model, tau, _ = cross_fit(x, y, grid_id, seed=0)
    p = model.predict_proba(x_te)
    assert p.shape == (20_000,) and np.all((p >= 0) & (p <= 1))
    assert 0 < tau < 0.5

    def f1(pred):
        return 2 * np.sum(pred & y_te) / (pred.sum() + y_te.sum())

    p_full = detector_trees(0, 50_000).fit(x, y).predict_proba(x_te)
    np.testing.assert_array_equal(p, p_full)  # the scoring model is the one fitted on all rows
    assert f1(p >= tau) > f1(p >= 0.5) + 0.05 and f1(p >= tau) > 0.15
    assert (p >= tau).sum() > (p >= 0.5).sum()


def test_cross_fit_split_and_fallbacks(monkeypatch):
    """One model on every row scores the test rows; a second, fitted on alternate training
    households (or the first half of one household's rows) with a quarter of the row budget,
    scores at most as many rows of the others; the 0.5 rule without two parts; one class only:
    the training share everywhere."""
    import nilm.privacy.appliances as ap
    from nilm.privacy.boosting import BoostedTrees

    rng = np.random.default_rng(1)
    x, y = _rare_problem(rng, 900, share=0.2)
    seen = []
    real_fit, real_proba = BoostedTrees.fit, BoostedTrees.predict_proba

    def spy_fit(self, x_tr, y_tr):
        seen.append([x_tr[:, 0].tolist(), None, self.max_rows])
        return real_fit(self, x_tr, y_tr)

    def spy_proba(self, x_eval):
        seen[-1][1] = len(x_eval)
        return real_proba(self, x_eval)

    monkeypatch.setattr(BoostedTrees, "fit", spy_fit)
    monkeypatch.setattr(BoostedTrees, "predict_proba", spy_proba)
    grid_id = np.repeat([3, 5, 8], 300)  # grids 3 and 8 fit, 5 is held out
    ap.cross_fit(x, y, grid_id, seed=0, max_rows=2000)
    assert [s[1:] for s in seen] == [[None, 2000], [300, 500]]
    assert seen[0][0] == x[:, 0].tolist()
    assert seen[1][0] == np.concatenate([x[:300, 0], x[600:, 0]]).tolist()
    seen.clear()
    ap.cross_fit(x, y, grid_id, seed=0, max_rows=800)  # held-out rows drawn to 200
    assert [s[1:] for s in seen] == [[None, 800], [200, 200]]
    seen.clear()
    # one household: the first half of its rows fits, the second is held out
    ap.cross_fit(x[:300], y[:300], np.zeros(300, int), seed=0, max_rows=800)
    assert [s[1:] for s in seen] == [[None, 800], [150, 200]]
    assert seen[1][0] == x[:150, 0].tolist()
    seen.clear()
    model, tau, tau_day = ap.cross_fit(x[:1], y[:1], np.zeros(1, int), seed=0)
    assert tau == 0.5 and len(seen) == 1 and model.predict_proba(x[:7]).shape == (7,)
    assert np.isnan(tau_day)  # no held-out day: the interval rule decides the day
    # the fitting household never used it: its model knows nothing, the threshold stays 0.5
    y2 = y.copy()
    y2[:300] = False
    assert ap.cross_fit(x[:600], y2[:600], np.repeat([0, 1], 300), seed=0)[1] == 0.5
    assert ap.cross_fit(x[:600], y[:600], np.repeat([0, 1], 300), seed=0)[1] != 0.5
    c = ap.detector_trees(0, 1000).fit(x[:50], np.arange(50) < 5).predict_proba(x[:4])
    assert c.shape == (4,) and np.all((c >= 0) & (c <= 1))
    c = ap.detector_trees(0, 1000).fit(x[:50], np.zeros(50, bool)).predict_proba(x[:4])
    np.testing.assert_array_equal(c, np.zeros(4))
    # no informative column
    c = ap.detector_trees(0, 1000).fit(np.ones((10, 2)), np.arange(10) < 3).predict_proba(x[:2])
    np.testing.assert_allclose(c, [0.3, 0.3])


def _kettle_grid(used_days, n_days=20, period=600):
    """A grid whose kettle (sub-meter and 2 kW bump in the mains) runs at 08:00 local on
    ``used_days``, January (no DST)."""
    from nilm.series import Grid
    from tests.synthetic import epoch

    per_day = 86400 // period
    n = n_days * per_day
    kettle = np.zeros(n)
    for d in used_days:
        kettle[d * per_day + 8 * 3600 // period] = 400.0  # 2 kW for 2 min in 10 min
    mains = 300.0 + kettle
    return Grid(epoch("2024-01-08"), period, mains, kettle[None, :], ["kettle"])


def _truth():
    """Ground truth without timelines: the appliance scores read its time zone only."""
    from nilm.truth import GroundTruth
    from tests.synthetic import TZ

    e = np.zeros((1, 0), bool)
    return GroundTruth(start=0, step=60, timezone=TZ, present_person=e, awake_person=e,
                       days=np.zeros(0, np.int64), wake=np.zeros((1, 0)), bed=np.zeros((1, 0)),
                       hot_water_l=np.zeros(0), water_heater_kwh=np.zeros(0), occupants=0)


def _scored(grid, active_days):
    """The rows of a fixed verdict on ``grid``'s test half: active at 08:00 local on the given
    day numbers (days since the grid's first day), scored by appliance_rows directly."""
    from nilm.privacy.appliances import appliance_rows, appliances_design
    from tests.synthetic import epoch

    truth = _truth()
    _, test, split = appliances_design(grid, truth, None)
    day = (test.t - epoch("2024-01-08")) // 86400
    at8 = (test.t - epoch("2024-01-08")) % 86400 == 8 * 3600
    verdict = {n: at8 & np.isin(day, active_days) for n in grid.names}
    return _rows(appliance_rows(verdict, test, truth, seed=0, method="direct", split=split,
                                names=list(grid.names)))


def _mcc(t, p):
    tp, tn = np.sum(t & p), np.sum(~t & ~p)
    fp, fn = np.sum(~t & p), np.sum(t & ~p)
    return (tp * tn - fp * fn) / np.sqrt(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))


def test_day_use_mcc_row():
    """day_use_mcc is Matthews' correlation of the used days (test half: days 10..19)."""
    used = [1, 2, 4, 10, 11, 12, 15, 16, 19]
    marked = [3, 10, 11, 13, 15, 17, 19]
    rows = _scored(_kettle_grid(used), marked)
    t = np.isin(np.arange(10, 20), used)
    p = np.isin(np.arange(10, 20), marked)
    r = rows[("kettle", "day_use_mcc")]
    assert set(r) - set(OPTIONAL_ROW_KEYS) == set(ROW_KEYS)
    assert r["value"] == pytest.approx(_mcc(t, p))
    assert r["prior"] == 0.0 and r["skill"] == pytest.approx(r["value"]) and r["n"] == 10
    assert r["ci_low"] <= r["value"] <= r["ci_high"]
    f1 = 2 * np.sum(t & p) / (t.sum() + p.sum())
    assert rows[("kettle", "day_use_f1")]["value"] == pytest.approx(f1)


def test_day_use_mcc_constant_prediction_and_one_class():
    r = _scored(_kettle_grid([2, 12, 14]), list(range(20)))
    assert r[("kettle", "day_use_mcc")]["value"] == 0.0  # "used every day": no information
    r = _scored(_kettle_grid(range(20)), list(range(20)))
    assert np.isnan(r[("kettle", "day_use_mcc")]["value"])  # truth: used every day
    assert np.isnan(r[("kettle", "day_use_mcc")]["skill"])
    assert r[("kettle", "day_use_f1")]["value"] == 1.0


def _naive_mcc(pred, y):
    tp, fp = np.sum(pred & y), np.sum(pred & ~y)
    fn, tn = np.sum(~pred & y), np.sum(~pred & ~y)
    den = np.sqrt(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    return (tp * tn - fp * fn) / den if den > 0 else 0.0


@pytest.mark.parametrize("seed", range(40))
def test_mcc_threshold_matches_brute_force(seed):
    from nilm.privacy.appliances import mcc_threshold

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 50))
    score = np.round(rng.random(n), 1)  # ties common
    label = rng.random(n) < 0.3 + 0.5 * score * rng.random()
    label[0], label[-1] = True, False  # both classes
    tau = mcc_threshold(score, label)
    best = max(_naive_mcc(score >= c, label) for c in [*np.unique(score), np.inf])
    got = _naive_mcc(score >= tau, label)
    assert got == pytest.approx(max(best, 0.0))
    if best <= 0:
        assert tau == np.inf


def test_mcc_threshold_edge_cases():
    from nilm.privacy.appliances import mcc_threshold

    assert np.isnan(mcc_threshold(np.array([0.2, 0.9]), np.array([True, True])))  # one class
    assert mcc_threshold(np.array([0.1, 0.2, 0.6, 0.8]), np.array([0, 0, 1, 1], bool)) == \
        pytest.approx(0.4)
    # anti-informative: no cut beats a constant, every day "not used"
    assert mcc_threshold(np.array([0.9, 0.8, 0.1]), np.array([0, 0, 1], bool)) == np.inf


def test_day_decision_is_not_saturated_by_many_intervals():
    """A weak interval signal over 144 intervals a day: "some interval above the interval-F1
    threshold" says used on every day (a constant verdict, no decision); the day decision on
    the day's largest probability, tuned for day-use MCC on held-out days, decides."""
    from nilm.privacy.appliances import cross_fit, day_max, mcc_threshold

    rng = np.random.default_rng(3)

    def days(n_days):
        used = rng.random(n_days) < 0.7
        y = np.zeros((n_days, 144), bool)
        y[np.ix_(used, 30 + 5 * np.arange(12))] = True  # 12 active intervals on a used day
        x = np.stack([y.ravel() + rng.normal(0, 1, y.size), rng.normal(0, 1, y.size)], axis=1)
        return x, y.ravel(), np.repeat(np.arange(n_days), 144), used

    x, y, d, _ = days(160)
    model, tau, tau_day = cross_fit(x, y, d // 40, seed=0, day_id=d)
    assert tau_day > tau
    x_te, _, d_te, used_te = days(300)
    _, top = day_max(model.predict_proba(x_te), d_te)
    assert (top >= tau).mean() > 0.98  # the interval rule: used on (nearly) every day
    said = top >= tau_day
    assert 0.1 < said.mean() < 0.95  # the day rule decides
    assert _naive_mcc(said, used_te) > _naive_mcc(top >= tau, used_te) + 0.05
    assert np.isnan(mcc_threshold(top, np.ones(300, bool)))


def test_direct_detector_applies_its_day_decision():
    """predict_features: a day whose largest probability is under the day threshold has no
    active interval; a day over it keeps its active intervals, or gets its most likely one."""
    from nilm.privacy.appliances import DirectDetector
    from nilm.privacy.occupancy import interval_features
    from tests.synthetic import TZ

    grid = _kettle_grid([], n_days=3)
    per_day = 144
    p = np.full(3 * per_day, 0.05)
    p[10], p[20] = 0.3, 0.35  # day 0: over the interval threshold, under the day's 0.4
    p[per_day + 5] = 0.2  # day 1: under both (over a day threshold of 0.18 only)
    p[2 * per_day + 7], p[2 * per_day + 9] = 0.6, 0.3  # day 2: over both

    class Fixed:
        def predict_proba(self, x):
            assert len(x) == len(p)
            return p

    det = DirectDetector(names=["kettle"])
    det.models_ = {"kettle": (Fixed(), 0.25, 0.4)}
    got = det.predict_features(grid, TZ)["kettle"]
    assert not got[:per_day].any() and not got[per_day:2 * per_day].any()
    np.testing.assert_array_equal(np.flatnonzero(got), [2 * per_day + 7, 2 * per_day + 9])
    det.models_["kettle"] = (Fixed(), 0.25, 0.18)
    got = det.predict_features(grid, TZ)["kettle"]
    np.testing.assert_array_equal(np.flatnonzero(got), [10, 20, per_day + 5, 2 * per_day + 7,
                                                        2 * per_day + 9])
    det.models_["kettle"] = (Fixed(), 0.25, np.nan)  # no day decision: the interval rule
    np.testing.assert_array_equal(det.predict_features(grid, TZ)["kettle"], p >= 0.25)
    assert len(interval_features(grid, TZ)) == len(p)
