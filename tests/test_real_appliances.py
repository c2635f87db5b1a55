"""nilm.real_appliances: the diary day-use truth and labels on a METER fixture written from
the layout (tests/test_io_meter.py), known answers of the pooled scoring, and the appliance
rows on the shared METER sample (real data; skipped when ../shared/data is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm import real_appliances as ra
from nilm import real_rows, stats
from nilm.clock import local_clock
from nilm.io import meter
from nilm.metrics import on_threshold
from nilm.privacy.appliances import Calendar
from tests.test_io_meter import _utc, write_meter


@pytest.fixture(scope="module")
def household_100(tmp_path_factory):
    """Household 100 of the fixture: 2 members, both keep a diary, 28 h of 10-min curve."""
    folder = write_meter(tmp_path_factory.mktemp("meter"))
    houses = {h.meta["house"]: h for h in meter.read(folder)}
    return houses["100"], meter.read_truth(folder)["100"]


def _days(h, truth, period=600):
    g = h.to_grid(period)
    return g, Calendar(g, np.isfinite(g.mains), truth.timezone)


def test_diary_days_covers_the_second_day_only(household_100):
    h, truth = household_100
    g, cal = _days(h, truth)
    d2, _ = local_clock(np.array([_utc("2018-07-09 12:00:00")]), truth.timezone)
    assert list(cal.days) == [int(d2[0]) - 1, int(d2[0])]
    covered, scored, used = ra.diary_days(h.meta, truth, cal.days)
    # 17:00-24:00 of the first day is 7 of the 18 waking hours; the second day's diaries run
    # to 20:10 / 20:40 (the last entry holds one interval): 79 % and 81 % of 06:00-24:00
    assert covered.tolist() == [False, True]
    assert used["washing_machine"].tolist() == [False, True]  # 16:00 "Washing machine"
    assert used["tv"].tolist() == [False, True]  # 20:30 (and 16:50 before the curve)
    assert used["kettle"].tolist() == [False, True]  # the household's annotation
    assert not used["oven"].any() and not used["dishwasher"].any()  # "Wash dishes": by hand
    # the hob and the shower were used, but the survey asks neither "Electric hob" nor
    # "Power shower": those uses are not electrical events here, and no day is scored
    assert used["hob"].tolist() == [False, True] and used["shower"].tolist() == [False, True]
    assert not scored["hob"].any() and not scored["shower"].any()
    assert scored["tv"].tolist() == [False, True]
    meta = {**h.meta, "appliances_survey": {**h.meta["appliances_survey"],
                                            "Electric hob": True,
                                            "Power shower (number of)": 0}}
    _, scored, _ = ra.diary_days(meta, truth, cal.days)
    assert scored["hob"].tolist() == [False, True] and not scored["shower"].any()


def test_diary_days_needs_every_member_aged_8_plus(household_100):
    h, truth = household_100
    _, cal = _days(h, truth)
    covered, scored, _ = ra.diary_days({**h.meta, "people": 3}, truth, cal.days)
    assert not covered.any() and not any(s.any() for s in scored.values())
    # a third member under 8 keeps no diary and is not required
    covered, _, _ = ra.diary_days({**h.meta, "people": 3, "under_8": 1}, truth, cal.days)
    assert covered.tolist() == [False, True]


def test_diary_labels_mark_the_diary_uses(household_100):
    h, truth = household_100
    g, cal = _days(h, truth)
    _, scored, _ = ra.diary_days(h.meta, truth, cal.days)
    lab = ra.diary_labels(g, truth, scored, cal.days)
    assert lab.names == list(ra.DAY_USE)
    wm = lab.appliance("washing_machine")
    # the first day is not scored: unlabelled
    first = g.t < _utc("2018-07-09 00:00:00")
    assert np.isnan(wm[first]).all()
    # "Washing machine" at 16:00 lasts until the same person's next entry, 20:30
    on = (g.t >= _utc("2018-07-09 16:00:00")) & (g.t < _utc("2018-07-09 20:30:00"))
    assert (wm[on] == on_threshold("washing_machine", 600.0)).all()
    assert (wm[~on & ~first] == 0).all()
    # the kettle annotation has no end: one interval
    assert np.nansum(lab.appliance("kettle") > 0) == 1
    assert np.isnan(lab.appliance("hob")).all()  # never scored in this household


def test_pooled_row_known_answers():
    perfect = np.array([[1, 0, 0, 0], [0, 0, 0, 1]] * 6, float)
    always = np.array([[1, 0, 0, 0], [0, 1, 0, 0]] * 6, float)
    never = np.array([[0, 0, 1, 0], [0, 0, 0, 1]] * 6, float)
    r = ra.pooled_row(perfect, always, never, "day_use_mcc", seed=0, n_boot=50)
    assert r["value"] == pytest.approx(1.0) and r["prior"] == 0.0 and r["ci_reason"] == ""
    r = ra.pooled_row(perfect, always, never, "day_use_f1", seed=0, n_boot=50)
    assert r["value"] == pytest.approx(1.0) and r["prior"] == pytest.approx(2 * .5 / 1.5)
    r = ra.pooled_row(perfect, always, never, "accuracy", seed=0, n_boot=50)
    assert r["prior"] == pytest.approx(0.5) and r["skill"] == pytest.approx(1.0)
    # a detector that says "used" on every day made no decision: MCC 0, not a high score,
    # and none of its metrics has a CI or a skill
    for metric in ("day_use_mcc", "day_use_f1", "accuracy"):
        r = ra.pooled_row(always, always, never, metric, seed=0, n_boot=50)
        assert r["ci_reason"] == ra.CONSTANT, metric
        assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"]) and np.isnan(r["skill"])
    r = ra.pooled_row(always, always, never, "day_use_mcc", seed=0, n_boot=50)
    assert r["value"] == 0.0
    assert ra.pooled_row(perfect, always, never, "day_use_f1", seed=0,
                         n_boot=50)["ci_reason"] != ra.CONSTANT
    # truth of one class: the MCC is undefined
    r = ra.pooled_row(np.array([[1, 0, 0, 0]] * 12, float), always, never, "day_use_mcc",
                      seed=0, n_boot=50)
    assert np.isnan(r["value"])
    r = ra.pooled_row(perfect[:4], always[:4], never[:4], "day_use_mcc", seed=0, n_boot=50)
    assert r["ci_reason"] == ra.TOO_FEW_HOUSEHOLDS and np.isnan(r["ci_low"])
    # F1-macro of the majority constant on a 2:1 population: (0.8 + 0) / 2
    y = np.array([1, 1, 0] * 4, bool)
    maj = np.stack([y, ~y, np.zeros(12, bool), np.zeros(12, bool)], axis=1).astype(float)
    r = ra.pooled_row(maj, maj, maj, "presence_f1_macro", seed=0, n_boot=50)
    assert r["value"] == pytest.approx(0.4) and r["ci_reason"] == ra.CONSTANT
    # the random guess at the training prevalence 2/3 beats the constant: its expected
    # F1-macro (2/3 and 1/3 per class) is 0.5, and that is the prior
    attack = np.stack([y, np.zeros(12, bool), np.zeros(12, bool), ~y], axis=1).astype(float)
    guess = ra.guess_stats(y, np.full(12, 2 / 3))
    assert guess.sum() == pytest.approx(12)
    r = ra.pooled_row(attack, maj, maj, "presence_f1_macro", seed=0, n_boot=50, guess=guess)
    assert r["value"] == pytest.approx(1.0) and r["prior"] == pytest.approx(0.5)
    assert r["skill"] == pytest.approx(1.0)
    # a guess at a training prevalence of 1 is the "owns" constant: the majority's 0.4 stays
    r = ra.pooled_row(attack, maj, maj, "presence_f1_macro", seed=0, n_boot=50,
                      guess=ra.guess_stats(y, np.ones(12)))
    assert r["prior"] == pytest.approx(0.4)


def test_random_guess_prior_matches_a_simulated_shuffle():
    """The guess prior is the mean F1-macro of shuffled answers at the same prevalence
    (36 households, 25 yes: the METER washing-machine answer), within Monte-Carlo error."""
    y = np.zeros(36, bool)
    y[:25] = True
    m = stats.metric_info("presence_f1_macro")
    rng = np.random.default_rng(0)
    sims = []
    for _ in range(2000):
        p = rng.permutation(y)
        sims.append(m.from_sums(np.array([np.sum(p & y), np.sum(p & ~y), np.sum(~p & y),
                                          np.sum(~p & ~y)], float)))
    expected = m.from_sums(ra.guess_stats(y, np.full(36, 25 / 36)).sum(axis=0))
    assert expected == pytest.approx(np.mean(sims), abs=0.02)
    assert expected > 25 / 61 + 0.05   # above the "owns" constant's 0.41


def test_survey_yes():
    meta = {"appliances_survey": {"Electric hob": False, "Power shower (number of)": 2,
                                  "Odd": "yes"}}
    assert ra.survey_yes(meta, "Electric hob") is False
    assert ra.survey_yes(meta, "Power shower (number of)") is True
    assert ra.survey_yes(meta, "Odd") is None and ra.survey_yes(meta, "Missing") is None


@pytest.fixture(scope="module")
def meter_sample(shared_data):
    pairs = real_rows.load_real(shared_data / "meter/sample_2018-07_visible")
    return pairs, real_rows.simulated_training("METER")[:6]


def test_day_use_rows_on_the_meter_sample(meter_sample):
    pairs, sim = meter_sample
    rows = ra.day_use_rows(pairs, sim, seed=0, n_boot=50, periods=(1800,))
    assert list(rows.columns) == real_rows.COLUMNS
    assert set(rows["training"]) == {"sim_to_real", "real_others"}
    assert set(rows["null"]) == {"none", "permute_households"}
    assert set(rows["stratum"]) == set(real_rows.STRATA)
    assert set(rows["target"]) == set(ra.DAY_USE)
    assert (rows["inference"] == "appliances").all() and (rows["truth_kind"] == "real").all()
    # n_days: the household-days the diary rule scores, counted here without the module
    covered = 0
    for h, t in pairs:
        g = h.to_grid(1800)
        cal = Calendar(g, np.isfinite(g.mains), t.timezone)
        covered += int((ra.diary_days(h.meta, t, cal.days)[0] & cal.known).sum())
    tv = rows[(rows["target"] == "tv") & (rows["stratum"] == "all")
              & (rows["null"] == "none")]
    assert (tv["n_days"] == covered).all() and 10 <= covered <= 36
    assert (tv["n_households"] == covered).all()  # one scored day per household here
    ok = rows["value"].notna()
    mcc = rows["metric"] == "day_use_mcc"
    assert rows.loc[ok & mcc, "value"].between(-1, 1).all()
    assert rows.loc[ok & ~mcc, "value"].between(0, 1).all()
    assert (rows.loc[mcc, "prior_population"] == 0).all()


def test_presence_rows_on_the_meter_sample(meter_sample):
    pairs, sim = meter_sample
    rows = ra.presence_rows(pairs, sim, seed=0, n_boot=50, periods=(3600,))
    assert list(rows.columns) == real_rows.COLUMNS
    assert set(rows["target"]) == set(ra.PRESENCE)
    f1 = rows[(rows["metric"] == "presence_f1_macro") & (rows["stratum"] == "all")
              & (rows["null"] == "none")]
    assert len(f1) == 2 * len(ra.PRESENCE) and (f1["n_households"] == 36).all()
    assert f1["value"].between(0, 1).all() and f1["prior_population"].between(0, 0.5).all()
    held = rows[rows["stratum"] == "held_out"]["n_households"]
    assert (held == sum(real_rows.held_out(h.meta["household_id"]) for h, _ in pairs)).all()
