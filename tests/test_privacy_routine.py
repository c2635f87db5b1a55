"""Wake-up / bed-time change-point attack on a synthetic week with known routines (simulated)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.routine import changepoint_wake_bed, household_wake_bed, score_routine
from nilm.privacy.scores import ROW_KEYS
from tests.test_privacy_synth import TZ, synthetic_household


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
    assert all(set(r) == set(ROW_KEYS) for r in rows.values())
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
