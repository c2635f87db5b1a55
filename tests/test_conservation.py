import numpy as np
import pytest

import nilm
from nilm.conservation import conservation_table
from nilm.series import Household, PowerSeries


def test_conservation_on_irregular_series_with_gaps():
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.integers(1, 9, 5000))
    t[2500:] += 4000  # one long gap, beyond the default hold
    p = rng.uniform(0, 3000, 5000)
    p[rng.random(5000) < 0.01] = np.nan
    h = Household(PowerSeries(t, p, "mains", period=4), {}, {"dataset": "t", "house": 1})
    rows = conservation_table(h, periods=(60, 600, 1800))
    assert len(rows) == 3
    for r in rows:
        assert r["rel_error"] < 1e-9
        assert 0 <= r["dropped_share"] < 1


@pytest.mark.realdata
@pytest.mark.parametrize("sub,opts", [
    ("uci_household_power_consumption/sceaux_2006-12-16_to_2007-01-19", {}),
    ("redd/low_freq/house_5", {"aggregate": "sum_of_circuits"}),
    ("ukdale/house_1_2013-04-12_pda_fixture", {}),
])
def test_real_subsets_conserve_energy(shared_data, sub, opts):
    h = nilm.load(shared_data / sub, **opts)
    rows = conservation_table(h)
    assert {r["period_s"] for r in rows} == {60, 600, 1800, 3600}
    assert max(r["rel_error"] for r in rows) < 1e-3
