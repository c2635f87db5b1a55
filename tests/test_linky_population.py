"""nilm.linky_population: who an accuracy was measured on (country, months, electric heating),
read from a provenance fixture in the protocol's and the real rows' layouts, nothing assumed
when the provenance is missing."""

from __future__ import annotations

import json

import pytest

from nilm.linky_accuracy import Accuracy
from nilm.linky_population import months_of, population
from nilm.simulate.presets import get_preset


def _acc(**kw):
    base = dict(finding="wake", metric="within_30min", period_s=1800.0, value=0.5, ci_low=0.4,
                ci_high=0.6, prior=0.3, skill_low=0.1, revealed=True, real=False,
                dataset="simulated", threat_model="consented_curve", method="regression",
                n_households=20, n_days=260, source="x")
    base.update(kw)
    return Accuracy(**base)


@pytest.fixture
def folder(tmp_path):
    sources = [dict(name="w", kind="simulated", households=6, days=14, period=60,
                    options={}, start="2024-01-08"),
               dict(name="s", kind="simulated", households=2, days=14, period=60,
                    options={"preset": "GB"}, start="2024-07-25"),
               dict(name="tic", kind="simulated", households=2, days=7, period=1,
                    options={}, start="2024-03-04"),
               dict(name="coarse", kind="simulated", households=9, days=7, period=3600,
                    options={}, start="2024-10-01"),
               dict(name="meter", kind="meter", path="meter/x", households=None)]
    (tmp_path / "provenance.json").write_text(json.dumps({"spec": {"sources": sources}}))
    (tmp_path / "real_provenance.json").write_text(json.dumps({
        "data": "real (METER sample)",
        "simulated_training": {"METER": dict(households=24, days=7, preset="CH",
                                             start="2018-07-09", period=600)}}))
    return tmp_path


def test_months_cross_month_ends():
    assert months_of("2024-01-25", 14) == {1, 2}
    assert months_of("2024-12-31", 1) == {12}


def test_simulated_population_from_the_sources_fine_enough_for_the_step(folder):
    pop = population(_acc(), folder)
    fr, gb = get_preset("FR"), get_preset("GB")
    # the 1-h source cannot be scored at 30 min; the 1-s one can
    assert pop.households == 10 and pop.countries == (fr.name, gb.name)
    assert pop.months == (1, 3, 7, 8)
    share = lambda p: 1 - p.heating_mix["none"]  # noqa: E731
    assert pop.electric_heating == pytest.approx((8 * share(fr) + 2 * share(gb)) / 10)
    assert population(_acc(period_s=1.0), folder).months == (3,)
    assert population(_acc(period_s=3600.0), folder).households == 19


def test_real_population_names_its_data_and_its_simulated_training(folder):
    pop = population(_acc(real=True, dataset="METER"), folder)
    assert pop.real_data == "real (METER sample)" and pop.households == 24
    assert pop.countries == (get_preset("CH").name,) and pop.months == (7,)
    assert population(_acc(real=True, dataset="ECO"), folder) is None


def test_no_provenance_no_description(tmp_path):
    assert population(_acc(), tmp_path) is None
    assert population(_acc(real=True, dataset="METER"), tmp_path) is None
