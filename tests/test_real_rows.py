"""nilm.real_rows: known answers of its scoring pieces on synthetic data, and the real rows on
the shared METER and ECO files (real data; skipped when ../shared/data is absent)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from nilm import real_rows
from nilm.privacy.occupancy import occupancy_rows
from nilm.privacy.truth_proxy import presence_on_grid
from tests.synthetic import synthetic_household


@pytest.fixture(scope="module")
def house():
    return synthetic_household(days=4, seed=3)


def test_count_rows_known_answers():
    y = np.array([1, 1, 2, 2, 3, 4, 4, 5], float)
    rows = {(r["target"], r["metric"]): r for r in
            real_rows.count_rows(y, y.copy(), y, seed=0, n_boot=50)}
    for key in [("occupants", "balanced_accuracy"), ("occupants", "accuracy"),
                ("three_or_more", "accuracy"), ("three_or_more", "mcc"),
                ("single_person", "accuracy"), ("single_person", "mcc")]:
        assert rows[key]["value"] == pytest.approx(1.0), key
    assert rows[("occupants", "balanced_accuracy")]["prior"] == pytest.approx(1 / 5)
    # the majority count of the training labels (1 and 2 and 4 tie: the smallest, 1) is right
    # for 2 of 8 households; "3+" is the majority (4 of 8 are 3+; a tie says 3+)
    assert rows[("occupants", "accuracy")]["prior"] == pytest.approx(2 / 8)
    assert rows[("three_or_more", "accuracy")]["prior"] == pytest.approx(4 / 8)
    assert rows[("single_person", "accuracy")]["prior"] == pytest.approx(6 / 8)
    # 8 households: fewer than MIN_BLOCKS, no CI on any row
    assert all(r["ci_reason"] == real_rows.TOO_FEW_HOUSEHOLDS and math.isnan(r["ci_low"])
               for r in rows.values())
    # the constant "always 2": accuracy 2/8; the binary tasks' MCC undefined, "no decision"
    const = {(r["target"], r["metric"]): r for r in
             real_rows.count_rows(y, np.full(8, 2.0), y, seed=0, n_boot=50)}
    assert const[("occupants", "accuracy")]["value"] == pytest.approx(2 / 8)
    m = const[("three_or_more", "mcc")]
    assert math.isnan(m["value"]) and math.isnan(m["skill"]) and math.isnan(m["ci_low"])
    assert m["ci_reason"] == real_rows.COUNT_CONSTANT
    assert const[("occupants", "balanced_accuracy")]["value"] == pytest.approx(1 / 5)


def test_count_rows_mcc_of_one_class_truth_and_ci_from_min_blocks_households():
    """Every household 3+: the "3+" MCC is undefined because of the truth (not the attack);
    12 households (>= MIN_BLOCKS) get bootstrap CIs."""
    y = np.array([3, 4, 3, 5, 4, 3, 6, 3, 4, 3, 5, 4], float)
    pred = np.array([3, 4, 2, 5, 4, 3, 1, 3, 4, 3, 5, 2], float)
    rows = {(r["target"], r["metric"]): r for r in
            real_rows.count_rows(y, pred, y, seed=0, n_boot=200)}
    m = rows[("three_or_more", "mcc")]
    assert math.isnan(m["value"]) and m["ci_reason"] == real_rows.ONE_CLASS
    a = rows[("three_or_more", "accuracy")]
    assert a["value"] == pytest.approx(9 / 12) and a["ci_reason"] == ""
    assert a["ci_low"] < a["value"] <= a["ci_high"]
    s = rows[("single_person", "mcc")]  # truth: nobody single; one household said single
    assert s["ci_reason"] == real_rows.ONE_CLASS


def test_count_rows_mcc_ci_counts_one_class_replicates_as_zero():
    """18 households, 6 of 3+; the count says 3+ for one household only, wrongly: a replicate
    that misses it has a constant verdict, MCC 0, so the CI's upper end reaches 0 (review12b
    #1: dropping those replicates gave an upper end of -0.19, a CI wholly below 0)."""
    y = np.array([3, 4, 3, 5, 4, 3] + [1, 2] * 6, float)
    pred = np.array([2, 2, 2, 2, 2, 2] + [1, 2] * 5 + [1, 3], float)
    rows = {(r["target"], r["metric"]): r for r in
            real_rows.count_rows(y, pred, y, seed=0, n_boot=2000)}
    m = rows[("three_or_more", "mcc")]
    assert m["value"] < 0 and m["ci_reason"] == ""
    assert m["ci_low"] < m["value"] and m["ci_high"] >= 0.0


def test_count_rows_priors_from_each_households_training_fold():
    """Cross-validation: each household's prior is its own fold's training majority / median,
    not the scored households' (two folds of 4; the other fold's labels train each)."""
    y = np.array([1, 1, 1, 2, 4, 4, 5, 3], float)
    fold = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    per = [y[fold != fold[i]] for i in range(8)]
    rows = {(r["target"], r["metric"]): r for r in
            real_rows.count_rows(y, y.copy(), per, seed=0, n_boot=50)}
    # fold 0 is trained on {4, 4, 5, 3}: majority 4, "3+", "not single"; fold 1 on
    # {1, 1, 1, 2}: 1, "1-2", "single" -- every one wrong but fold 0's 2-person household
    assert rows[("occupants", "accuracy")]["prior"] == pytest.approx(0 / 8)
    assert rows[("three_or_more", "accuracy")]["prior"] == pytest.approx(0 / 8)
    assert rows[("single_person", "accuracy")]["prior"] == pytest.approx(1 / 8)
    # medians 4 (fold 0) and 1 (fold 1): |4-1|*3 + |4-2| + |1-4|*2 + |1-5| + |1-3| = 23
    assert rows[("occupants", "mae_persons")]["prior"] == pytest.approx(23 / 8)
    pooled = {(r["target"], r["metric"]): r for r in
              real_rows.count_rows(y, y.copy(), y, seed=0, n_boot=50)}
    assert pooled[("occupants", "accuracy")]["prior"] == pytest.approx(3 / 8)
    with pytest.raises(ValueError, match="training sets"):
        real_rows.count_rows(y, y.copy(), per[:3], seed=0, n_boot=50)


def test_occupancy_accuracy_of_always_occupied_is_the_majority_class(house):
    h, truth = house
    grid = h.to_grid(600)
    verdict = np.ones(len(grid))
    r = real_rows.occupancy_accuracy(verdict, grid, truth, majority_label=1.0)
    assert r["value"] == pytest.approx(r["prior"])
    assert 0.5 < r["value"] < 1.0  # weekday absences
    assert r["skill"] == pytest.approx(0.0)
    wrong = real_rows.occupancy_accuracy(1 - verdict, grid, truth, majority_label=1.0)
    assert wrong["value"] == pytest.approx(1 - r["value"])


def test_occupancy_accuracy_ci_is_a_local_day_block_bootstrap():
    """14 local days (ECO sim -> real's span): a CI from resampling whole days' (correct,
    labelled) counts; a verdict wrong on exactly one day's intervals has a CI that reaches
    below the other days' accuracy of 1 but not to 0, and every replicate is a mix of days."""
    h, truth = synthetic_household(days=14, seed=4)
    grid = h.to_grid(900)
    y = presence_on_grid(truth, grid.start, 900.0, len(grid))
    verdict = np.where(np.isfinite(y), y, 1.0)
    perfect = real_rows.occupancy_accuracy(verdict, grid, truth, majority_label=1.0, seed=0)
    assert perfect["value"] == pytest.approx(1.0)
    assert perfect["ci_low"] == pytest.approx(1.0) and perfect["ci_high"] == pytest.approx(1.0)
    per_day = 86400 // 900
    bad = verdict.copy()
    bad[3 * per_day:4 * per_day] = 1.0 - bad[3 * per_day:4 * per_day]  # one day all wrong
    r = real_rows.occupancy_accuracy(bad, grid, truth, majority_label=1.0, seed=0)
    assert r["value"] == pytest.approx(13 / 14, abs=0.01)
    assert 0.7 < r["ci_low"] < r["value"] and r["ci_high"] == pytest.approx(1.0)
    # same seed, same CI
    again = real_rows.occupancy_accuracy(bad, grid, truth, majority_label=1.0, seed=0)
    assert (again["ci_low"], again["ci_high"]) == (r["ci_low"], r["ci_high"])


def test_unknown_truth_steps_are_no_absence_episode(house):
    h, truth = house
    grid = h.to_grid(600)
    presence = truth.presence.copy()
    presence[: len(presence) // 2] = np.nan
    half = dataclasses.replace(truth, household_present=presence,
                               household_awake=presence.copy(), source="test")
    rows = {r["metric"]: r for r in occupancy_rows(np.ones(len(grid)), grid, half, seed=0,
                                                   method="x", split="y")}
    full = {r["metric"]: r for r in occupancy_rows(np.ones(len(grid)), grid, truth, seed=0,
                                                   method="x", split="y")}
    # the unknown half holds no labelled interval and no true absence episode
    assert rows["mcc"]["n"] < 0.6 * full["mcc"]["n"]
    assert rows["episode_f1"]["n"] < full["episode_f1"]["n"]


def test_occupancy_mcc_separates_truth_one_class_from_a_constant_attack(house):
    """A household never absent: its MCC is undefined (NaN) whatever the attack says; a
    constant attack against a truth with both classes made no decision (0, no CI)."""
    h, truth = house
    grid = h.to_grid(600)
    home = dataclasses.replace(truth, household_present=np.ones_like(truth.presence),
                               household_awake=np.ones_like(truth.presence), source="test")
    rng = np.random.default_rng(0)
    for verdict in (np.ones(len(grid)), rng.integers(0, 2, len(grid)).astype(float)):
        r = {x["metric"]: x for x in occupancy_rows(verdict, grid, home, seed=0, method="x",
                                                    split="y")}
        assert math.isnan(r["mcc"]["value"]) and r["mcc"]["n"] > 0
    r = {x["metric"]: x for x in occupancy_rows(np.ones(len(grid)), grid, truth, seed=0,
                                                method="x", split="y")}
    assert r["mcc"]["value"] == 0.0 and math.isnan(r["mcc"]["ci_low"])


def test_shift_to_moves_whole_days(house):
    _, truth = house
    onto = dataclasses.replace(truth, days=np.asarray(truth.days) + 3 * 86400)
    moved = real_rows.shift_to(truth, onto)
    assert moved.start == truth.start + 3 * 86400
    np.testing.assert_array_equal(moved.days, onto.days)
    np.testing.assert_allclose(moved.wake - truth.wake, 3 * 86400)


def test_summarise_single_household_with_few_days_has_no_ci():
    import pandas as pd

    rows = pd.DataFrame([dict(house="2", period_s=900, inference="occupancy", target="absence",
                              metric="mcc", method="supervised", value=0.4, ci_low=0.1,
                              ci_high=0.6, prior=0.0, n=7 * 96, skill=0.4)])
    out = real_rows.summarise(rows, dataset="ECO", training="real_others", null="none",
                              seed=0, n_boot=50)
    assert out["ci_reason"].iloc[0] == real_rows.TOO_FEW_DAYS
    assert math.isnan(out["ci_low"].iloc[0]) and out["value"].iloc[0] == pytest.approx(0.4)
    # an event metric's row has no day count of its own: the rung's days decide
    events = pd.concat([rows, rows.assign(metric="episode_f1", n=5)], ignore_index=True)
    out = real_rows.summarise(events, dataset="ECO", training="real_others", null="none",
                              seed=0, n_boot=50)
    assert (out["ci_reason"] == real_rows.TOO_FEW_DAYS).all()
    # the 1-day rung's episode F1 is not measurable (a whole-day verdict has no episodes of
    # hours), whatever the per-household rows say; the 15-min rung's is kept
    daily = pd.concat([events, events.assign(period_s=86400)], ignore_index=True)
    out = real_rows.summarise(daily, dataset="ECO", training="sim_to_real", null="none",
                              seed=0, n_boot=50).set_index(["period_s", "metric"])
    assert math.isnan(out.loc[(86400, "episode_f1"), "value"])
    assert out.loc[(86400, "episode_f1"), "ci_reason"] == real_rows.EPISODE_NOT_MEASURABLE
    assert out.loc[(900, "episode_f1"), "value"] == pytest.approx(0.4)
    assert out.loc[(86400, "mcc"), "value"] == pytest.approx(0.4)
    many = rows.assign(n=14 * 96)
    out = real_rows.summarise(many, dataset="ECO", training="sim_to_real", null="none",
                              seed=0, n_boot=50)
    assert out["ci_low"].iloc[0] == pytest.approx(0.1)



def test_summarise_keeps_the_no_decision_share():
    """A household whose detector made no decision (MCC 0, no CI) is left out of the mean,
    and the row says which share of the households that was."""
    import pandas as pd

    base = dict(period_s=1800, inference="occupancy", target="absence", metric="mcc",
                method="supervised", prior=0.0, n=48)
    rows = pd.DataFrame([base | dict(house="1", value=0.4, ci_low=0.1, ci_high=0.6),
                         base | dict(house="2", value=0.6, ci_low=0.3, ci_high=0.8),
                         base | dict(house="3", value=0.0, ci_low=math.nan,
                                     ci_high=math.nan),
                         base | dict(house="4", value=0.0, ci_low=math.nan,
                                     ci_high=math.nan)])
    out = real_rows.summarise(rows, dataset="METER", training="sim_to_real", null="none",
                              seed=0, n_boot=50)
    assert list(out.columns) == real_rows.COLUMNS
    r = out.iloc[0]
    assert r["no_decision"] == pytest.approx(0.5) and r["n_households"] == 2
    assert r["value"] == pytest.approx(0.5)
    assert r["n_no_decision"] == 2 and r["n_one_class"] == 0
    # a household whose truth is one class (MCC NaN over scored intervals) is counted apart
    one_class = base | dict(house="5", value=math.nan, ci_low=math.nan, ci_high=math.nan)
    out = real_rows.summarise(pd.concat([rows, pd.DataFrame([one_class])]), dataset="METER",
                              training="sim_to_real", null="none", seed=0, n_boot=50)
    r = out.iloc[0]
    assert (r["n_households"], r["n_no_decision"], r["n_one_class"]) == (2, 2, 1)
    assert real_rows.households_cell(r) == "2 (+ 2 no decision, 1 truth one class)"
    assert "left out: 2 no decision, 1 truth one class" in real_rows.left_out(out, stratum="all")[0]
    one = real_rows.redact_single_households(out.assign(n_households=1))
    assert one["no_decision"].isna().all()


def test_real_rows_on_meter_and_eco(shared_data):
    meter = real_rows.load_real(shared_data / "meter/sample_2018-07_visible")
    eco = real_rows.load_real(shared_data / "eco/house_2_2012-06_15min_derived")
    assert len(meter) == 36 and len(eco) == 1
    assert all(t.kind == "real" for _, t in meter + eco)
    sim = real_rows.simulated_training("METER")[:4]
    first = meter[:6]
    rows = real_rows.per_household_rows(first, (1800,), lambda _i, _p: [
        (h.to_grid(1800), t) for h, t in sim], seed=0, typical=False, shared=True)
    occ = rows[(rows["inference"] == "occupancy") & (rows["metric"] == "accuracy")]
    assert len(occ) == 6 and occ["value"].between(0, 1).all()
    assert set(rows["house"]) == {str(h.meta["house"]) for h, _ in first}
    out = real_rows.summarise(rows, dataset="METER", training="sim_to_real", null="none",
                              seed=0, n_boot=100)
    acc = out[(out["inference"] == "occupancy") & (out["metric"] == "accuracy")].iloc[0]
    assert acc["n_households"] == 6 and acc["truth_kind"] == "real"
    assert np.isfinite(acc["prior_population"])


def test_held_out_is_odd_household_ids_and_folds_cover_every_household():
    assert real_rows.held_out("10551") and not real_rows.held_out("10550")
    assert real_rows.held_out(7) and not real_rows.held_out(0)
    fold = real_rows.household_folds(36, seed=0)
    assert set(fold) == set(range(real_rows.N_FOLDS))
    assert np.bincount(fold).tolist() == [6] * 6
    np.testing.assert_array_equal(fold, real_rows.household_folds(36, seed=0))
    assert not np.array_equal(fold, real_rows.household_folds(36, seed=1))


def test_cv_counts_never_trains_on_the_scored_fold():
    # a count that equals the household's own index is unlearnable out of fold: a model that
    # saw the scored household would recover it, one that did not cannot
    x = np.arange(12, dtype=float)[:, None]
    y = np.array([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2], float)
    fold = np.arange(12) % 6
    pred = real_rows.cv_counts(x, y, "forest", fold, seed=0)
    assert pred.shape == (12,)
    assert np.mean(pred == y) < 0.75


def test_occupants_rows_carry_both_strata(shared_data):
    meter = real_rows.load_real(shared_data / "meter/sample_2018-07_visible")
    rows = real_rows.occupants_rows(meter, (3600,), train=None, seed=0, n_boot=50)
    assert set(rows["stratum"]) == set(real_rows.STRATA)
    odd = sum(real_rows.held_out(h.meta["household_id"]) for h, _ in meter)
    assert set(rows.loc[rows["stratum"] == "held_out", "houses"]) == {odd}
    assert set(rows.loc[rows["stratum"] == "all", "houses"]) == {len(meter)}
    assert {"mae_persons", "balanced_accuracy", "accuracy", "mcc"} <= set(rows["metric"])


def test_shift_to_keeps_an_endless_use_endless(house):
    from nilm.truth import ApplianceUse

    _, truth = house
    ev = [ApplianceUse("kettle", int(truth.start) + 60, None, -1, "Kettle", "annotation"),
          ApplianceUse("tv", int(truth.start) + 60, int(truth.start) + 600, 0, "TV", "diary")]
    moved = real_rows.shift_to(dataclasses.replace(truth, events=ev), dataclasses.replace(
        truth, days=np.asarray(truth.days) + 86400))
    assert moved.events[0].end is None and moved.events[0].start == ev[0].start + 86400
    assert moved.events[1].end == ev[1].end + 86400


def test_committed_real_csv_is_aggregates_only():
    from pathlib import Path

    import pandas as pd

    path = Path(__file__).resolve().parents[1] / "docs" / "results" / "real.csv"
    assert path.exists(), "docs/results/real.csv is committed (make real-results)"
    df = pd.read_csv(path, dtype={"stratum": str})
    assert list(df.columns) == real_rows.COLUMNS
    assert not {"house", "household", "household_id", "prediction"} & set(df.columns)
    meter = df[df["dataset"] == "METER"]
    # aggregates: every METER value averages several households (none is one household's)
    assert (meter.loc[meter["value"].notna(), "n_households"] > 1).all()
    assert set(meter["stratum"]) == set(real_rows.STRATA)
    assert set(df.loc[df["dataset"] == "ECO", "stratum"]) == {"all"}
    assert not df["simulated"].any() and set(df["truth_kind"]) == {"real"}
    held = meter[meter["stratum"] == "held_out"]["n_households"]
    assert (held <= meter[meter["stratum"] == "all"]["n_households"].max() // 2 + 1).all()
    # the too-few-days rows are ECO's real_others rows that have a value
    eco = df[(df["dataset"] == "ECO") & df["value"].notna()]
    few = eco[eco["ci_reason"] == real_rows.TOO_FEW_DAYS]
    assert set(few["training"]) <= {"real_others"}


def test_readme_real_rows_are_the_committed_csv():
    from pathlib import Path

    import pandas as pd

    root = Path(__file__).resolve().parents[1]
    real = pd.read_csv(root / "docs" / "results" / "real.csv", dtype={"stratum": str})
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert real_rows.readme_block(real) in readme
    assert readme.count(real_rows.README_START) == 1
    # the block follows the headline table
    assert readme.index("<!-- headline:end -->") < readme.index(real_rows.README_START)


def test_below_null_names_an_mcc_not_above_its_permutation_null():
    import pandas as pd

    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", metric="mcc",
        period_s=1800, stratum="held_out", training="sim_to_real", n_households=5)
    real = pd.DataFrame([base | dict(null="none", value=0.38),
                         base | dict(null="permute_households", value=0.61),
                         base | dict(null="none", value=0.7, period_s=600),
                         base | dict(null="permute_households", value=0.1, period_s=600),
                         base | dict(null="none", value=0.2, stratum="all"),
                         base | dict(null="permute_households", value=0.9, stratum="all")])
    notes = real_rows.below_null(real)
    assert len(notes) == 1 and "0.38" in notes[0] and "0.61" in notes[0]
    assert "30 min" in notes[0]
    assert len(real_rows.below_null(real, stratum="all")) == 1
    assert real_rows.below_null(real, rows=()) == []
    assert "* " + notes[0] in real_rows.readme_block(real.assign(
        ci_low=math.nan, prior_population=0.0, skill_population=0.0))
    assert notes[0] in real_rows.report_section(real)
    # the null beside the row it exceeds (the README's permutation-null column)
    block = real_rows.readme_block(real.assign(ci_low=math.nan, prior_population=0.0,
                                               skill_population=0.0))
    assert "| 0.61 (value not above it: no skill) | 5 |" in block


def test_prior_notes_flag_an_out_of_fold_prior_below_one_half():
    import pandas as pd

    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupants", target="three_or_more", metric="accuracy",
        period_s=1800, stratum="held_out", training="real_others", null="none", value=0.72,
        prior_population=0.22, skill_population=0.64, n_households=18)
    real = pd.DataFrame([base, base | dict(training="sim_to_real", prior_population=0.39),
                         base | dict(target="single_person", prior_population=0.61)])
    notes = real_rows.prior_notes(real)
    assert len(notes) == 1 and "prior 0.22" in notes[0] and "out of fold" in notes[0]
    assert notes[0] in real_rows.readme_block(real.assign(ci_low=math.nan))
    assert notes[0] in real_rows.report_section(real)


def test_with_readme_block_replaces_the_old_block():
    import pandas as pd

    real = pd.DataFrame([{c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="ECO", inference="occupancy", target="absence", metric="mcc", period_s=900,
        null="none", stratum="all", training="sim_to_real", value=0.123, ci_low=0.05,
        ci_high=0.2, prior_population=0.0, skill_population=0.123, n_households=1,
        ci_reason="")])
    once = real_rows.with_readme_block("a\n<!-- headline:end -->\nb\n", real)
    assert "| 0.12 [0.05, 0.20] |" in once
    twice = real_rows.with_readme_block(once, real.assign(value=0.5))
    assert twice.count(real_rows.README_START) == 1 and "| 0.50 [" in twice
    assert twice.endswith("b\n")


def test_report_section_lists_every_non_null_row_of_the_stratum():
    import pandas as pd

    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", metric="mcc", period_s=1800,
        null="none", training="sim_to_real", value=0.3, ci_low=0.1, ci_high=0.5,
        prior_population=0.0, skill_population=0.3, n_households=18, n_days=18, ci_reason="")
    real = pd.DataFrame([base | dict(stratum="held_out"), base | dict(stratum="all", value=0.9),
                         base | dict(stratum="held_out", null="permute_households"),
                         base | dict(dataset="ECO", stratum="all", value=0.4, ci_low=math.nan,
                                     ci_reason=real_rows.TOO_FEW_DAYS, n_households=1)])
    md = real_rows.report_section(real)
    table = [ln for ln in md.splitlines() if ln.startswith("| METER") or ln.startswith("| ECO")]
    assert len(table) == 2
    assert "0.30 [0.10, 0.50]" in md and "0.90" not in md
    assert f"0.40 ({real_rows.TOO_FEW_DAYS})" in md


def test_same_in_both_regimes_needs_every_row_equal():
    import pandas as pd

    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", stratum="held_out",
        null="none", ci_low=0.1, ci_high=0.6)
    rows = [base | dict(training=t, metric=m, period_s=p, value=v)
            for t in ("sim_to_real", "real_others")
            for m, v in (("mcc", 0.4), ("accuracy", 0.8)) for p in (600, 1800)]
    real = pd.DataFrame(rows)
    key = (("METER", "occupancy", "absence", "mcc", 1800),)
    notes = real_rows.same_in_both_regimes(real, key)
    assert len(notes) == 1 and "all 4 rows" in notes[0]
    # one differing figure (a trained attack that happens to tie elsewhere): no note
    real.loc[(real["training"] == "real_others") & (real["period_s"] == 600)
             & (real["metric"] == "accuracy"), "value"] = 0.7
    assert real_rows.same_in_both_regimes(real, key) == []


def test_with_reasons_says_why_an_mcc_has_no_household_and_a_ci_has_no_width():
    import pandas as pd

    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", metric="mcc",
        period_s=86400, stratum="held_out", training="sim_to_real", null="none",
        n_households=0, n_no_decision=0, n_one_class=0, ci_reason="")
    real = pd.DataFrame([base | dict(n_one_class=15), base | dict(n_no_decision=1),
                         base | dict(n_no_decision=1, n_one_class=2),
                         base | dict(ci_reason=real_rows.TOO_FEW_DAYS, n_one_class=3),
                         base | dict(metric="day_use_f1", value=0.0, ci_low=0.0, ci_high=0.0,
                                     n_households=17, n_no_decision=math.nan),
                         base | dict(value=0.3, ci_low=0.1, ci_high=0.5, n_households=9)])
    got = real_rows.with_reasons(real)["ci_reason"].tolist()
    assert got == [real_rows.ONE_CLASS, real_rows.ALL_NO_DECISION, real_rows.ALL_UNDEFINED,
                   real_rows.TOO_FEW_DAYS, real_rows.ZERO_WIDTH, ""]
    assert real["ci_reason"].tolist()[0] == ""                # a copy: the input is kept


def test_no_decision_as_zero_reads_left_out_households_as_mcc_0():
    import pandas as pd

    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", metric="mcc",
        period_s=1800, stratum="held_out", training="sim_to_real")
    real = pd.DataFrame([
        base | dict(null="none", value=0.43, n_households=5, n_no_decision=2),
        base | dict(null="permute_households", value=0.39, n_households=4, n_no_decision=0),
        base | dict(null="none", value=0.5, n_households=6, n_no_decision=0, period_s=600)])
    notes = real_rows.no_decision_as_zero(real)
    # 0.43 * 5 / 7 = 0.307 against the null's 0.39 (no no-decision household to add)
    assert len(notes) == 1 and "7 households is 0.31, not 0.43" in notes[0]
    assert "null read the same way is 0.39 (not above it" in notes[0]
    assert notes[0] in real_rows.readme_block(real.assign(ci_low=math.nan, ci_reason="",
                                                          prior_population=0.0))
    assert notes[0] in real_rows.report_section(real.assign(n_days=1, ci_reason=""))
    assert real_rows.no_decision_as_zero(real, rows=()) == []


def test_report_section_prints_no_decision_not_a_value():
    import pandas as pd

    from nilm import real_appliances

    real = pd.DataFrame([{c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="appliances", target="washing_machine",
        metric="presence_f1_macro", period_s=1800, null="none", stratum="held_out",
        training="sim_to_real", value=0.38, prior_population=0.38, skill_population=0.0,
        n_households=18, n_days=18, ci_reason=real_appliances.CONSTANT)])
    md = real_rows.report_section(real)
    row = next(ln for ln in md.splitlines() if ln.startswith("| METER"))
    assert f"no decision ({real_appliances.CONSTANT})" in row and "0.38 (" not in row
