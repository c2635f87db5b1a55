"""The occupant count (a population inference) is cross-validated and bootstrapped over the
study's simulated households pooled across sources (nilm.study.plan.population_pools; at each
rung those recorded at that period or finer), so a study of several season sources gets a CI
over its households, not "too few households" from one row per source."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from nilm import report
from nilm.study import Source, StudySpec, load_house, run_study
from nilm.study.plan import plan, population_pools
from nilm.study.store import fingerprint


def _spec(**kw) -> StudySpec:
    return StudySpec(sources=[Source("a", households=6, days=2, period=300, seed=3),
                              Source("b", households=6, days=2, period=300, seed=4,
                                     start="2024-04-08"),
                              Source("c", households=2, days=2, period=60, seed=5)],
                     seed=7, resolutions=["native", "30min"], inferences=["occupants"],
                     methods={"occupants": ["ordinal_forest"]}, n_boot=20, **kw)


def test_one_pool_of_every_simulated_source_fingerprints_every_member():
    spec = _spec()
    pools = population_pools(spec)
    assert {k: [s.name for s in v] for k, v in pools.items()} == {"a+b+c": ["a", "b", "c"]}
    # a member's change invalidates the pool's cells, not another source's house cells
    other = dataclasses.replace(spec, sources=[spec.sources[0], dataclasses.replace(
        spec.sources[1], seed=40), spec.sources[2]])
    assert fingerprint(spec, "a+b+c") != fingerprint(other, "a+b+c")
    assert fingerprint(spec, "c") == fingerprint(other, "c")


@pytest.mark.slow
def test_pooled_occupant_count_gets_a_ci_over_the_households_of_all_sources(tmp_path):
    from nilm.privacy import score_occupants_population

    spec = _spec()
    res = run_study(spec, tmp_path, progress=False)
    jobs = plan(spec, tmp_path)
    assert [k for k in jobs if k[1] == "*"] == [("a+b+c", "*")]
    native, half_hour = jobs[("a+b+c", "*")]
    assert (native.resolution, half_hour.resolution) == ("native", "30min")
    # at 30 min the rows are the scorer's own on the 14 pooled households
    pairs = [load_house(s, f"sim_{i:03d}", tmp_path) for s in spec.sources
             for i in range(s.households)]
    want = pd.DataFrame(score_occupants_population(
        [h.to_grid(1800) for h, _ in pairs], [t for _, t in pairs], 1800,
        method="ordinal_forest", seed=half_hour.seed(7), n_boot=20)).sort_values("metric")
    got = res[(res.source == "a+b+c") & (res.period_s == 1800)].sort_values("metric")
    np.testing.assert_allclose(got.value.to_numpy(), want.value.to_numpy())
    assert (got.n == 14).all()
    # one population row of 14 households: a CI (was: one row per source, no CI)
    tab = report.headline_table(res[res.period_s == 1800], seed=7)
    (x,) = tab.itertuples()
    assert x.houses == 14 and x.ci_reason == "" and np.isfinite([x.ci_low, x.ci_high]).all()
    # its household records in predictions.csv re-give its value: a paired p-value
    preds = pd.read_csv(tmp_path / "predictions.csv", dtype={"truth": str, "prediction": str})
    (y,) = report.headline_table(res[res.period_s == 1800], seed=7, predictions=preds
                                 ).itertuples()
    assert y.ci_reason == "" and 0 < y.p_value <= 1 and y.value == pytest.approx(x.value)
    assert np.isnan(x.p_value)
    # "native": one pool per native period; the 2 households of "c" (60 s) are too few
    nat = res[res.resolution == "native"]
    assert set(nat.period_s) == {60, 300}
    assert (nat[nat.period_s == 300].n == 12).all() and nat[nat.period_s == 60].value.isna().all()


def test_a_population_row_of_few_households_has_no_ci():
    rows = pd.DataFrame([{"house": "*", "source": "a", "metric": "balanced_accuracy",
                          "value": 0.5, "ci_low": 0.3, "ci_high": 0.7, "prior": 0.33,
                          "skill": 0.25, "n": 8, "period_s": 1800}])
    a = report.aggregate(rows, ["period_s"]).iloc[0]
    assert a.houses == 8 and a.ci_reason == "too few households" and np.isnan(a.ci_low)
    a = report.aggregate(rows.assign(n=12), ["period_s"]).iloc[0]
    assert a.ci_reason == "" and a.ci_low == 0.3
