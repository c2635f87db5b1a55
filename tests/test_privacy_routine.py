"""Wake-up / bed-time change-point attack on a synthetic week with known routines (simulated)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.routine import (
    changepoint_wake_bed,
    day_profiles,
    heater_step_free,
    household_wake_bed,
    regression_wake_bed,
    score_routine,
)
from nilm.privacy.scores import OPTIONAL_ROW_KEYS, ROW_KEYS, local_clock
from tests.synthetic import TZ, spiked_night, synthetic_household


@pytest.fixture(scope="module")
def week():
    return synthetic_household(days=7, seed=2, jitter_min=45)


def _rows(rows):
    return {(r["target"], r["metric"]): r for r in rows}


def test_household_wake_is_earliest_and_bed_latest(week):
    _, truth = week
    days, wake, bed = household_wake_bed(truth)
    np.testing.assert_array_equal(wake, np.min(truth.wake, axis=0))
    np.testing.assert_array_equal(bed, np.max(truth.bed, axis=0))
    assert len(days) == 7


def test_household_wake_ignores_absent_persons(week):
    _, truth = week
    w = truth.wake.copy()
    w[0, 2] = np.nan
    truth2 = type(truth)(**{**truth.__dict__, "wake": w})
    _, wake, _ = household_wake_bed(truth2)
    assert wake[2] == truth.wake[1, 2]


def test_changepoint_at_60s_is_close(week):
    h, truth = week
    rows = _rows(score_routine(h.to_grid(60), truth, 60))
    assert all(set(r) - set(OPTIONAL_ROW_KEYS) == set(ROW_KEYS) for r in rows.values())
    # the first load at wake-up is lighting (120 W), well above the night reference
    assert rows[("wake", "mae_min")]["value"] < 10
    assert rows[("wake", "mae_min")]["skill"] > 0.5
    assert rows[("bed", "mae_min")]["value"] < 10
    assert rows[("wake", "mae_min")]["floor"] == pytest.approx(0.25)
    assert rows[("wake", "coverage")]["value"] == 1.0


def test_changepoint_error_grows_with_period_and_respects_floor(week):
    h, truth = week
    r30 = _rows(score_routine(h.to_grid(1800), truth, 1800))
    assert r30[("wake", "mae_min")]["floor"] == pytest.approx(7.5)
    assert r30[("wake", "mae_min")]["value"] < 30


def test_one_day_period_abstains_with_zero_skill(week):
    h, truth = week
    rows = _rows(score_routine(h.to_grid(86400), truth, 86400))
    for target in ("wake", "bed"):
        assert rows[(target, "coverage")]["value"] == 0.0
        assert rows[(target, "mae_min")]["skill"] == pytest.approx(0.0, abs=1e-12)
        assert rows[(target, "mae_min")]["value"] == pytest.approx(
            rows[(target, "mae_min")]["prior"])


def test_heater_at_night_is_not_taken_for_someone_awake():
    h, truth = synthetic_household(days=3, seed=4, heater=True)
    days, wake, bed = changepoint_wake_bed(h.to_grid(60), TZ)
    _, t_wake, _ = household_wake_bed(truth)
    assert np.isfinite(wake).all()
    assert np.nanmax(np.abs(wake - t_wake)) < 20 * 60
    # left in, the 01:00-03:00 heater run sets the night reference at 2 kW and hides mornings
    _, wake_raw, _ = changepoint_wake_bed(h.to_grid(60), TZ, remove_heater=False)
    assert np.isfinite(wake_raw).sum() < len(wake)


def test_train_households_set_the_prior(week):
    h, truth = week
    other = synthetic_household(days=3, seed=9, wake_h=9.0)
    rows = _rows(score_routine(h.to_grid(600), truth, 600, train=[(other[0].to_grid(600),
                                                                    other[1])]))
    # a population whose wake-up is at 09:00 is a poorer prior for a 07:00 household than the
    # household's own other days
    own = _rows(score_routine(h.to_grid(600), truth, 600))
    assert rows[("wake", "mae_min")]["prior"] > 60 > own[("wake", "mae_min")]["prior"]
    assert rows[("wake", "mae_min")]["split"] == "households"


@pytest.mark.parametrize("period", [10, 60, 600])
def test_tuned_attack_beats_the_prior_on_another_household(week, period):
    # trained on a different synthetic household (simulated) with later wake-ups: what it
    # learns is the detector setting, not this household's schedule
    h, truth = week
    other = synthetic_household(days=7, seed=11, wake_h=7.5, bed_h=22.5, jitter_min=45)
    train = [(other[0].to_grid(period), other[1])]
    rows = _rows(score_routine(h.to_grid(period), truth, period, method="tuned", train=train))
    for target in ("wake", "bed"):
        r = rows[(target, "mae_min")]
        assert r["method"] == "tuned"
        assert r["skill"] > 0.3, (target, r)
        assert rows[(target, "coverage")]["value"] == 1.0


def test_tuning_picks_a_setting_from_the_grid(week):
    from nilm.privacy.routine import MAX_SPREAD_W, POSITIONS, TUNING_GRID, tune_wake_bed

    h, truth = week
    kw_w, kw_b = tune_wake_bed([(h.to_grid(600), truth)])
    for kw in (kw_w, kw_b):
        assert kw["position"] in POSITIONS
        assert all(kw[k] in v for k, v in TUNING_GRID.items())
    # without training households the defaults of changepoint_wake_bed are used
    kw_w, _ = tune_wake_bed([])
    assert kw_w["margin_w"] == 50.0 and kw_w["position"] == 0.5
    assert kw_w["max_spread_w"] == MAX_SPREAD_W


def test_sustained_rise_ignores_a_lone_night_spike():
    # a 2-minute 1 kW spike at 04:30 every morning (a fridge defrost, a pump)
    g, t_wake = spiked_night()
    # a 100 W margin over the night median: the 100 W fridge cycle alone stays below it
    _, naive, _ = changepoint_wake_bed(g, TZ, q=0.5, margin_w=100.0)
    _, sustained, _ = changepoint_wake_bed(g, TZ, q=0.5, margin_w=100.0, sustain_s=900)
    assert np.nanmax(np.abs(naive - t_wake)) > 3600
    assert np.nanmax(np.abs(sustained - t_wake)) < 20 * 60


@pytest.mark.parametrize("period", [60, 600])
def test_regression_attack_reads_the_day_profile(week, period):
    # simulated: trained on three other synthetic households (42 days, wake-ups around
    # 06:30-07:30 ± 45 min), the regressor beats the population prior by a clear margin
    h, truth = week
    train = []
    for seed, wake_h in ((12, 6.5), (13, 7.0), (14, 7.5)):
        o, t = synthetic_household(days=14, seed=seed, wake_h=wake_h, jitter_min=45)
        train.append((o.to_grid(period), t))
    rows = _rows(score_routine(h.to_grid(period), truth, period, method="regression",
                               train=train, seed=0))
    assert rows[("wake", "mae_min")]["skill"] > 0.3, rows[("wake", "mae_min")]
    assert rows[("bed", "mae_min")]["skill"] > 0.3, rows[("bed", "mae_min")]
    assert rows[("wake", "coverage")]["value"] == 1.0


def test_regression_abstains_without_training_days(week):
    h, truth = week
    days, wake, bed = regression_wake_bed([], h.to_grid(600), TZ, seed=0)
    assert len(days) == 7 and np.isnan(wake).all() and np.isnan(bed).all()


def test_day_profiles_ignore_the_base_load(week):
    # a bigger always-on load (+300 W) moves neither the normalised profile nor its shares
    h, _ = week
    g = h.to_grid(600)
    d1, x1 = day_profiles(g, TZ, 4.0, 8.0)
    g.mains = g.mains + np.float32(300.0)
    d2, x2 = day_profiles(g, TZ, 4.0, 8.0)
    np.testing.assert_array_equal(d1, d2)
    assert x1.shape == (7, 2 * 32)
    # equal up to the float32 rounding of the shifted power
    np.testing.assert_allclose(x1, x2, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("period", [1, 60, 1800])
def test_changepoint_equals_its_naive_twin(period):
    """Testing only the candidate intervals changes no estimate (naive twin: day by day, every
    interval), across a DST change and data gaps, for several detector settings."""
    from nilm.privacy.routine import _detect, _prepare
    from tests import old_versions
    from tests.synthetic import holed_grids

    grids, _ = holed_grids((period,))
    g = grids[period]
    prep = _prepare(g, TZ)
    found = 0
    for kw in ({}, {"q": 0.5, "margin_w": 25.0, "sustain_s": 900.0, "evening": (17.0, 25.0)},
               {"q": 0.95, "margin_w": 400.0, "sustain_s": 1800.0, "max_spread_w": 300.0}):
        days, wake, bed = old_versions.wake_bed_step(g, TZ, **kw)
        full = {"q": 0.95, "margin_w": 50.0, "sustain_s": 0.0, "evening": (17.0, 27.0), **kw}
        w, b = _detect(prep, night=(1.0, 5.0), morning=(4.0, 12.0), **full)
        np.testing.assert_array_equal(prep["days"], days)
        np.testing.assert_array_equal(w, wake)
        np.testing.assert_array_equal(b, bed)
        found += np.isfinite(w).sum() + np.isfinite(b).sum()
    assert found > 0  # the detection path ran


@pytest.mark.parametrize("period", [1, 60, 1800])
def test_day_profiles_equal_their_first_version(period):
    """Shared normalisation and window kernel change no bin (naive twin: the first version)."""
    from nilm.privacy.routine import PROFILE_WINDOWS, _day_profiles, _prepare
    from tests import old_versions
    from tests.synthetic import holed_grids

    grids, _ = holed_grids((period,))
    prep = _prepare(grids[period], TZ)
    for h0, length in PROFILE_WINDOWS.values():
        days, x = _day_profiles(prep, h0, length)
        want_days, want_x = old_versions.day_profiles(prep["p"], prep["day"], prep["sod"],
                                               prep["period"], h0, length)
        np.testing.assert_array_equal(days, want_days)
        np.testing.assert_array_equal(x, want_x)
        assert len(days) >= 7


def _evening_heater(g, start_h=22.0, hours=3.0, power=2000.0):
    """Add a constant off-peak heater run from local ``start_h`` for ``hours`` every night."""
    _, sod = local_clock(g.t, TZ)
    u = (sod - start_h * 3600) % 86400
    g.mains = (g.mains + np.where(u < hours * 3600, power, 0.0)).astype(np.float32)
    return g


@pytest.mark.parametrize("period", [60, 600])
def test_evening_heater_run_does_not_hide_bed_time(period):
    # simulated: bed at 23:00 ± 30 min while a 2 kW tank heater runs 22:00–01:00; the TV
    # (150 W) and lamps (120 W) on top of the element end at bed time and must survive its
    # removal (a removal that flattens the run reads bed time at 22:00, an hour early)
    h, truth = synthetic_household(days=8, seed=3, heater=False, bed_h=23.0)
    g = _evening_heater(h.to_grid(period))
    days, _, bed = changepoint_wake_bed(g, TZ)
    _, _, t_bed = household_wake_bed(truth)
    # scored: evenings whose heater run ends inside the data (the last one is cut by the end of
    # the data, so its element power cannot be measured) and whose bed time is before midnight
    # (the synthetic TV stops at midnight, and a 120 W lamp alone is within the fridge's range)
    scored = (np.arange(8) < 7) & (t_bed - truth.days < 86400)
    assert scored.sum() >= 4
    err = np.abs(bed - t_bed)[scored] / 60
    assert np.isfinite(err).all()
    assert np.max(err) < period / 60 + 10, err
    # the heater itself is gone: 00:00–01:00 of the nights after a whole run is the night floor
    p, day, sod = heater_step_free(g, TZ)
    late = (sod + period <= 3600) & (day > day[0]) & np.isfinite(p)
    assert np.nanmax(p[late]) < 400


def test_convectors_cycling_all_night_make_the_attack_abstain(week):
    # simulated: 1.5 kW convectors at 60 % duty (20-min cycle) day and night; an exceedance of
    # the night reference then says nothing about people (the reject option), and the attack
    # is scored as its prior
    h, truth = week
    g = h.to_grid(60)
    on = ((g.t - g.t[0]) % 1200) < 720
    g.mains = (g.mains + np.where(on, 1500.0, 0.0)).astype(np.float32)
    _, wake, bed = changepoint_wake_bed(g, TZ)
    assert np.isnan(wake).all() and np.isnan(bed).all()
    rows = _rows(score_routine(g, truth, 60))
    assert rows[("bed", "coverage")]["value"] == 0.0
    assert rows[("bed", "mae_min")]["skill"] == pytest.approx(0.0, abs=1e-12)
    # without it the detector answers every day (with this constant duty its answers are even
    # good: the option is a household-level rule and also discards such houses)
    _, wake_all, bed_all = changepoint_wake_bed(g, TZ, max_spread_w=np.inf)
    assert np.isfinite(wake_all).all() and np.isfinite(bed_all).all()


@pytest.mark.parametrize("period", [1, 60, 1800])
def test_heater_step_free_equals_its_naive_twin(period):
    """Across a DST change and data gaps (heater runs of 0–3 h, one night without)."""
    from tests import old_versions
    from tests.synthetic import holed_grids

    grids, _ = holed_grids((period,))
    g = grids[period]
    p, _, _ = heater_step_free(g, TZ)
    want = old_versions.heater_step_free(g, TZ)
    np.testing.assert_array_equal(p, want)
    # the runs were found and changed
    assert np.nansum(np.abs(p - g.mains.astype(np.float64))) > 0


@pytest.mark.parametrize("case", ["empty", "single", "constant", "all_nan", "nan_in_run"])
def test_heater_step_free_adversarial(case):
    from nilm.series import Grid
    from tests import old_versions

    h, _ = synthetic_household(days=3, seed=4)
    g = h.to_grid(60)
    mains = g.mains.copy()
    if case == "empty":
        mains = mains[:0]
    elif case == "single":
        mains = mains[:1]
    elif case == "constant":
        mains[:] = 300.0
    elif case == "all_nan":
        mains[:] = np.nan
    else:
        _, sod = local_clock(g.t, TZ)
        mains[(sod >= 1.5 * 3600) & (sod < 1.6 * 3600)] = np.nan
    g = Grid(g.start, g.period, mains, np.zeros((0, len(mains)), np.float32), [], {}, {})
    p, _, _ = heater_step_free(g, TZ)
    want = old_versions.heater_step_free(g, TZ)
    np.testing.assert_array_equal(p, want)
    assert np.array_equal(np.isnan(p), np.isnan(mains))
    if case in ("constant", "empty", "single", "all_nan"):
        np.testing.assert_array_equal(p, mains.astype(np.float64))


def test_tuning_equals_a_brute_force_search(week):
    """Detecting once per setting and blanking rejected households afterwards picks what a
    search running the detector on every setting of the grid picks (simulated: one quiet and one
    convector-heated synthetic household, so the reject option matters)."""
    import itertools

    from nilm.privacy.routine import (
        MAX_SPREAD_W,
        POSITIONS,
        TUNING_GRID,
        _night_spread,
        _prepare,
        tune_wake_bed,
    )

    h, truth = week
    quiet = (h.to_grid(600), truth)
    o, t = synthetic_household(days=7, seed=11, wake_h=7.5, jitter_min=45)
    g = o.to_grid(600)
    # a 750 W load cycling all night, slow enough to show at 10 min (70 min on, 50 min off)
    g.mains = (g.mains + np.where(((g.t - g.t[0]) % 7200) < 4200, 750.0, 0.0)).astype(np.float32)
    train = [quiet, (g, t)]
    got = tune_wake_bed(train)
    keys = list(TUNING_GRID)
    best = [(np.inf, None), (np.inf, None)]
    meds = []
    for j in (1, 2):
        tod = np.concatenate([household_wake_bed(tt)[j] - tt.days for _, tt in train])
        meds.append(np.nanmedian(tod))
    for combo in itertools.product(*(TUNING_GRID[k] for k in keys)):
        kw = dict(zip(keys, combo, strict=True))
        for pos in POSITIONS:
            errs = [[], []]
            for gg, tt in train:
                days, w, b = changepoint_wake_bed(gg, TZ, position=(pos, pos), **kw)
                tdays, tw, tb = household_wake_bed(tt)
                k = np.searchsorted(days, tdays)
                for j, (est, y) in enumerate(((w[k], tw), (b[k], tb))):
                    e = np.where(np.isfinite(est), est, tt.days + meds[j])
                    errs[j].append(np.abs(e - y)[np.isfinite(y)])
            for j in (0, 1):
                mae = float(np.mean(np.concatenate(errs[j])))
                if mae < best[j][0]:
                    best[j] = (mae, {**kw, "position": pos})
    assert got[0] == best[0][1] and got[1] == best[1][1]
    # the heated household is one the reject option blanks
    assert _night_spread(_prepare(g, TZ)) > MAX_SPREAD_W
