"""scripts/null_oracle.py: under the permutation null a perfect attacker (the attacked
household's own truth) scores below the population prior, and the study scores its prior rows
against the same partner's truth as its attack rows."""

from __future__ import annotations

import pytest

from nilm.study import Source, StudySpec, run_study
from tests.scripts import load_script


@pytest.mark.slow
def test_oracle_under_the_null_scores_below_the_prior_and_the_pairing_is_the_studys(tmp_path):
    oracle = load_script("null_oracle")
    spec = StudySpec(sources=[Source("sim", households=12, days=7, period=60, seed=11)],
                     resolutions=["60min"], inferences=["occupancy", "routine", "hot_water"],
                     methods={"occupancy": ["clock_prior"], "routine": ["population_prior"],
                              "hot_water": ["population_prior"]},
                     null="permute_households")
    res = run_study(spec, tmp_path, progress=False)
    rows = oracle.oracle_rows(spec, tmp_path, 3600)
    tab = oracle.null_skills(rows, res).set_index("inference")
    # the clock prior refitted on the attacked house's training households and scored against
    # its partner's truth is the study's clock_prior row (CSV rounding only)
    assert tab.loc["occupancy", "pairing_diff"] < 1e-5
    # a perfect attacker of the wrong household is worse than the input-blind prior
    assert set(tab.index) == {"occupancy", "routine", "hot_water"}
    assert (tab["skill"] < 0).all(), tab[["oracle", "prior", "skill"]]
    # scored against its own truth the oracle is perfect: the negative skill is the pairing's
    own = StudySpec.from_dict({**spec.to_dict(), "null": "none"})
    assert oracle.oracle_rows(own, tmp_path, 3600).query(
        "method == 'oracle' and inference == 'occupancy'")["value"].min() > 0.99
