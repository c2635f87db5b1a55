"""Off-peak water-heater attack on synthetic nights with a known 2 kW step (simulated data)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.hot_water import (
    daily_energy,
    heater_profile,
    litres_from_kwh,
    offpeak_mask,
    score_hot_water,
)
from nilm.privacy.scores import local_clock
from tests.test_privacy_synth import TZ, synthetic_household

HOURS = [2, 1.5, 2.5, 2, 1, 3, 2]


@pytest.fixture(scope="module")
def week():
    return synthetic_household(days=7, seed=1, heater_hours=HOURS)


def _rows(rows):
    return {r["metric"]: r for r in rows}


def test_litres_formula_is_the_heat_capacity_of_water():
    # 1 kWh = 3.6 MJ; water 4186 J/(kg K) and 1 kg/L: 860 kcal/kWh is the same constant
    assert litres_from_kwh(4.0, 45.0) == pytest.approx(4 * 3.6e6 / (4186 * 45), rel=1e-3)


@pytest.mark.parametrize("period", [60, 600, 1800, 3600])
def test_recovers_the_nightly_2kw_step(week, period):
    h, truth = week
    g = h.to_grid(period)
    prof = heater_profile(g, TZ)
    assert prof["owns"]
    assert 1800 < prof["heater_w"] < 2300
    _, kwh = daily_energy(g, TZ, prof)
    np.testing.assert_allclose(kwh, 2.0 * np.array(HOURS), atol=0.35)
    rows = _rows(score_hot_water(g, truth, period))
    assert rows["mae_kwh_day"]["value"] < 0.25
    assert rows["mae_kwh_day"]["skill"] > 0.7
    assert rows["ownership_correct"]["value"] == 1.0
    assert rows["coverage"]["value"] == 1.0


def test_no_heater_means_no_energy():
    h, truth = synthetic_household(days=3, seed=3, heater=False)
    g = h.to_grid(600)
    prof = heater_profile(g, TZ)
    assert not prof["owns"]
    _, kwh = daily_energy(g, TZ, prof)
    np.testing.assert_array_equal(kwh, 0.0)
    assert _rows(score_hot_water(g, truth, 600))["ownership_correct"]["value"] == 1.0


def test_one_day_period_abstains_with_zero_skill(week):
    h, truth = week
    rows = _rows(score_hot_water(h.to_grid(86400), truth, 86400))
    assert rows["coverage"]["value"] == 0.0
    assert rows["mae_kwh_day"]["skill"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(rows["ownership_correct"]["value"])


@pytest.mark.parametrize("period", [1800, 3600, 7200])
def test_offpeak_mask_is_wholly_inside_window(week, period):
    h, _ = week
    g = h.to_grid(period)
    mask, _ = offpeak_mask(g, TZ, (22.0, 6.0))
    _, sod = local_clock(g.t, TZ)
    end = sod + period
    inside = ((sod >= 22 * 3600) & (end <= 30 * 3600)) | (end <= 6 * 3600)
    np.testing.assert_array_equal(mask, inside)


def test_population_prior(week):
    h, truth = week
    other = synthetic_household(days=2, seed=5, heater_hours=4.0)
    rows = _rows(score_hot_water(h.to_grid(600), truth, 600,
                                 train=[(other[0].to_grid(600), other[1])]))
    # the population mean is 8 kWh/day against a true mean of 4
    assert rows["mae_kwh_day"]["prior"] == pytest.approx(np.mean(np.abs(8.0 - 2.0 * np.array(
        HOURS))))
