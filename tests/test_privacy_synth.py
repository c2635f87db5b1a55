"""The hand-made synthetic household of :mod:`tests.synthetic` is what it says (simulated data:
every number is by construction)."""

from __future__ import annotations

from tests.synthetic import epoch, synthetic_household


def test_synthetic_household_is_what_it_says():
    h, truth = synthetic_household(days=2)
    wh = h.appliances["water_heater"]
    assert abs(wh.energy_wh() / 1000 - 2 * 4.0) < 0.05
    # nobody is away on a weekday at 03:00, everybody is at 12:00
    i3 = (epoch("2024-01-08 03:00") - truth.start) // 60
    i12 = (epoch("2024-01-08 12:00") - truth.start) // 60
    assert truth.present[i3] and not truth.present[i12]
