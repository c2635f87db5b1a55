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


def _occupant_row(truth, pred, period=600.0):
    """The occupant count's pooled population row (house "*") scored like the scorer does,
    and its household records of predictions.csv."""
    from nilm.privacy.occupants import balanced_accuracy, chance_balanced_accuracy

    ba, prior = balanced_accuracy(truth, pred), chance_balanced_accuracy(truth)
    row = _rows().iloc[:1].assign(house="*", source="pool", method="ordinal_forest",
                                  inference="occupants", target="occupants",
                                  metric="balanced_accuracy", value=ba, ci_low=ba - 0.05,
                                  ci_high=ba + 0.05, prior=prior, n=len(truth),
                                  skill=(ba - prior) / (1 - prior), period_s=period)
    pred_rows = pd.DataFrame(dict(dataset="simulated", source="pool",
                                  house=[f"sim_{i:03d}" for i in range(len(truth))],
                                  inference="occupants", target="occupants", period_s=period,
                                  method="ordinal_forest", unit="household",
                                  truth=np.asarray(truth, float).astype(str),
                                  prediction=np.asarray(pred, float).astype(str),
                                  prior_prediction=2.0))
    return row, pred_rows


def test_the_occupant_count_row_gets_a_paired_household_bootstrap_p_value():
    """Re-scored from its household records, the population row has a p-value and enters the
    Benjamini–Hochberg control: a planted count (70 % right) is a discovery, a count that
    ignores the curve (a shuffle of the truth) has a large p-value and is not."""
    script = _results_script()
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 5, 200).astype(float)
    planted = np.where(rng.random(200) < 0.7, truth, rng.integers(1, 5, 200))
    row, pred = _occupant_row(truth, planted)
    (x,) = [r for _, r in script.tests_table(row, seed=0, predictions=pred).iterrows()]
    assert x["p_value"] < 0.01 and x["discovery"] and x["finding"] == "leak"
    assert x["skill_lo"] > 0.4
    blind, pred_b = _occupant_row(truth, rng.permutation(truth))
    (y,) = [r for _, r in script.tests_table(blind, seed=0, predictions=pred_b).iterrows()]
    assert y["p_value"] > 0.2 and not y["discovery"]
    assert y["skill_lo"] < 0 < y["skill_hi"] and y["finding"].startswith("no leak found")


def test_a_row_without_p_value_is_never_called_no_leak():
    """Without its household records the occupant count's row keeps its scorer's CI but has no
    p-value: "not tested", on which side of 0 its skill CI lies, never "no leak found"."""
    script = _results_script()
    rows = _rows().assign(house="*", method="ordinal_forest", inference="occupants",
                          target="occupants", metric="balanced_accuracy", value=0.32,
                          ci_low=0.27, ci_high=0.38, prior=0.2, skill=0.15).iloc[:1]
    (finding,) = script.tests_table(rows, seed=0)["finding"]
    assert finding == "not tested (no bootstrap p-value); skill CI above 0"


def test_occupant_records_that_do_not_rescore_the_row_leave_it_untested():
    script = _results_script()
    rng = np.random.default_rng(6)
    truth = rng.integers(1, 5, 50).astype(float)
    row, pred = _occupant_row(truth, truth)
    (x,) = [r for _, r in script.tests_table(row.assign(value=0.5), seed=0,
                                              predictions=pred).iterrows()]
    assert pd.isna(x["p_value"]) and x["ci_reason"] == \
        "household records do not re-score the row"


def test_the_null_sentence_names_each_discovery():
    script = _results_script()
    nulls = pd.DataFrame([
        dict(inference="occupancy", period_s=86400, skill=0.14, skill_lo=0.10, skill_hi=0.17,
             houses=10, discovery=True),
        dict(inference="routine", period_s=600, skill=-0.27, skill_lo=-0.52, skill_hi=-0.08,
             houses=50, discovery=False)])
    s = script.null_sentence(nulls)
    assert "1 discovery in 2 rows" in s and "1 day: skill 0.14 [0.10, 0.17], 10 households" in s
    assert "0 discoveries in 1 rows" in script.null_sentence(nulls.iloc[1:])


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


def test_a_re_report_does_not_pass_its_own_load_off_as_the_runs():
    script = _results_script()
    prov = dict(households=208, command="python scripts/results.py x", workers=2,
                timing={"study_s": 1271.6}, load_average=[2.96], peak_rss_gb=None,
                notes=["measured: 25 min wall"])
    assert "load afterwards 2.96" in script.population_sentence(prov)
    s = script.population_sentence({**prov, "reused": True})
    assert "2.96" not in s and "re-reported" in s and "measured: 25 min wall" in s
