"""The committed headline: docs/results/headline.csv has the columns of issue 11, holds
population aggregates only, and the README's headline table is generated from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nilm import report
from nilm.protocol import HEADLINE

ROOT = Path(__file__).resolve().parent.parent
HEADLINE_CSV = ROOT / "docs" / "results" / "headline.csv"


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- headline:start -->", "<!-- headline:end -->"
    assert start in text and end in text, "README.md lacks the headline markers"
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def test_readme_headline_table_equals_headline_csv():
    head = pd.read_csv(HEADLINE_CSV)
    assert list(head.columns) == report.HEADLINE_CSV_COLUMNS
    assert _readme_block() == report.readme_table(head)


def test_committed_headline_is_declared_and_aggregate():
    head = pd.read_csv(HEADLINE_CSV)
    assert {"house"}.isdisjoint(head.columns)  # population aggregates only
    for _, x in head.iterrows():
        h = HEADLINE[x.inference]
        assert (x.method, x.metric) == (h.method, h.metric)
    assert (head.stratum == "all").any()
    assert head.truth_kind.isin(["simulated", "proxy", "real"]).all()


def _rows(n=12):
    rng = np.random.default_rng(1)
    rows = []
    for k in range(n):
        for src in ("a", "b"):  # two sources naming their houses alike
            v = 0.3 + rng.normal(0, 0.05)
            rows.append(dict(dataset="simulated", source=src, house=f"sim_{k:03d}",
                             period_s=1800.0, resolution="30min", inference="occupancy",
                             method="unsupervised", target="absence", metric="mcc", value=v,
                             ci_low=v - 0.1, ci_high=v + 0.1, n=672, prior=0.0, skill=v,
                             simulated=True))
    return pd.DataFrame(rows)


def test_headline_csv_strata_and_house_identity():
    res = _rows()
    strata = pd.DataFrame({"source": ["a"] * 12 + ["b"] * 12,
                           "house": [f"sim_{k:03d}" for k in range(12)] * 2,
                           "season": ["winter"] * 12 + ["summer"] * 12})
    head = report.headline_csv(res, strata)
    assert list(head.columns) == report.HEADLINE_CSV_COLUMNS
    by = head.set_index("stratum")
    assert by.loc["all", "n_households"] == 24  # source/house, not house alone
    assert by.loc["season=winter", "n_households"] == 12
    assert by.loc["season=winter", "value"] == pytest.approx(res[res.source == "a"].value.mean())
    # 672 half-hours per household = 14 days each
    assert by.loc["all", "n_days"] == pytest.approx(24 * 14)
    assert by.loc["all", "threat_model"] == "consented_curve"
    assert np.isnan(by.loc["all", "skill_household"])  # no household prior in these rows
    assert report.readme_table(head).count("\n") == 2  # header, rule, one "all" row


def _results_script():
    from tests.scripts import load_script

    return load_script("results")


def test_headline_tests_say_leak_or_no_leak_with_ci_upper_end_and_power():
    script = _results_script()
    leak = _rows()  # MCC ≈ 0.3 against a prior of 0 on 24 households: a discovery
    none = _rows().assign(method="unsupervised", period_s=600.0, resolution="10min")
    none["value"] = np.random.default_rng(2).normal(0, 0.05, len(none))  # skill ≈ 0
    tab = script.tests_table(pd.concat([leak, none], ignore_index=True), seed=0)
    assert list(tab.columns) == script.TEST_COLUMNS
    by = tab.set_index("period_s")
    assert by.loc[1800.0, "finding"] == "leak" and by.loc[1800.0, "discovery"]
    x = by.loc[600.0]
    assert not x["discovery"]
    assert x["finding"] == (f"no leak found (skill CI upper end {x['skill_hi']:.2f}; "
                            f"detectable skill {x['detectable_skill']:.2f})")
    assert 0 < x["detectable_skill"] < 0.2 and x["skill_lo"] < 0 < x["skill_hi"]
    # Benjamini-Hochberg over the two rows: q = p * 2 / rank
    assert x["q_value"] == pytest.approx(min(1.0, x["p_value"] * 2 / 2))
    # an attack whose every estimate is the prior's: skill 0 on every replicate, no test
    same = _rows().assign(value=0.0)
    (finding,) = script.tests_table(same, seed=0)["finding"]
    assert finding.startswith("no decision")


def test_readme_prose_is_generated_from_the_committed_tables():
    script = _results_script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = script.PROSE_START, script.PROSE_END
    assert start in text and end in text, "README.md lacks the headline-prose markers"
    block = text.split(start, 1)[1].split(end, 1)[0].strip("\n")
    assert block == script.readme_prose(ROOT / "docs" / "results")
    tests = pd.read_csv(ROOT / "docs" / "results" / "headline_tests.csv")
    shown = tests[tests["period_s"].isin([float(p) for p in report.HEADLINE_PERIODS])]
    assert block.count("\n- ") + block.startswith("- ") == len(shown) > 0


def test_a_no_leak_sentence_names_the_attacks_tried_and_the_power():
    script = _results_script()
    none = _rows().assign(method="unsupervised", period_s=600.0, resolution="10min")
    none["value"] = np.random.default_rng(2).normal(0, 0.05, len(none))
    prior = none.assign(method="clock_prior", value=0.0)
    other = none.assign(method="hmm")
    (x,) = [r for _, r in script.tests_table(pd.concat([none, prior, other]),
                                              seed=0).iterrows()]
    assert x["attacks_tried"] == "hmm, unsupervised"  # the priors are not attacks
    s = script.prose_sentence(x)
    assert "at 10 min" in s and "attack unsupervised" in s and "24 simulated households" in s
    assert (f"no leak found by these attacks (tried: hmm, unsupervised; CI upper end "
            f"{x['skill_hi']:.2f}; detectable skill {x['detectable_skill']:.2f})".replace(
                "-", "−") in s)


def test_the_null_with_headline_attacks_only_gives_the_full_nulls_rows(tmp_path):
    """The null study runs each inference's headline attack and the priors only; its headline
    rows are those of the null with every attack of the spec."""
    from nilm.study import Source, StudySpec, run_study

    script = _results_script()
    spec = StudySpec(sources=[Source("sim", households=4, days=2, period=60, seed=4)], seed=3,
                     resolutions=["30min"], inferences=["occupancy", "routine"],
                     methods={"occupancy": ["supervised", "unsupervised", "hmm", "clock_prior"],
                              "routine": ["segmentation", "regression", "population_prior"]},
                     n_boot=10, max_train_households=2, train_block=2)
    narrow = script.null_spec(spec)
    assert narrow.null == "permute_households"
    assert narrow.methods == {"occupancy": ["unsupervised", "clock_prior"],
                              "routine": ["regression", "population_prior"]}
    import dataclasses

    full = run_study(dataclasses.replace(spec, null="permute_households"), tmp_path / "full",
                     progress=False)
    part = run_study(narrow, tmp_path / "part", progress=False)
    keep = full["method"].isin(["unsupervised", "clock_prior", "regression", "population_prior"])
    cols = [c for c in full.columns if c != "source"]
    pd.testing.assert_frame_equal(full[keep][cols].reset_index(drop=True),
                                  part[cols].reset_index(drop=True))


def test_a_row_with_a_ci_but_no_p_value_is_not_tested():
    """A population row (the occupant count) keeps its scorer's CI with no replicates here:
    it is "not tested", never "no leak found", even when its CI excludes 0."""
    script = _results_script()
    row = pd.DataFrame([dict(dataset="simulated", source="a+b", house="*", period_s=600.0,
                             resolution="10min", inference="occupants", method="ordinal_forest",
                             target="occupants", metric="balanced_accuracy", value=0.4,
                             ci_low=0.35, ci_high=0.45, n=208, prior=0.25, skill=0.2,
                             simulated=True)])
    (x,) = [r for _, r in script.tests_table(row, seed=0).iterrows()]
    assert x["skill_lo"] > 0 and pd.isna(x["p_value"])
    assert x["finding"].startswith("not tested")
    s = script.prose_sentence(x)
    assert "no q-value" in s and "not tested (attacks tried: ordinal_forest)" in s
    assert "no leak found" not in s
