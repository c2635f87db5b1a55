"""nilm.published: the published figures as data, and the side-by-side against real rows
(a synthetic real.csv here: the pairing logic, not the committed numbers)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from nilm import published, real_rows
from nilm import real_appliances as ra


def _real(**over):
    row = {c: math.nan for c in real_rows.COLUMNS}
    row.update(dataset="METER", simulated=False, truth_kind="real", training="sim_to_real",
               null="none", stratum="all", inference="occupants", target="three_or_more",
               metric="accuracy", period_s=1800, value=0.6, ci_low=0.4, ci_high=0.8,
               n_households=36, prior_population=0.55, skill_population=0.11)
    row.update(over)
    return row


def test_every_figure_is_cited_and_in_range():
    keys = [f.key for f in published.FIGURES]
    assert len(keys) == len(set(keys))
    for f in published.FIGURES:
        assert f.citation and ("20" in f.citation)
        assert math.isnan(f.value) or -1 <= f.value <= 1
        assert f.nilm is not None or f.difference.startswith("not available")
    assert {f.value for f in published.FIGURES if f.key.startswith("petralia_kettle")} == \
        {0.583, 0.475}


def test_side_by_side_pairs_the_nearest_row_and_says_not_available():
    real = pd.DataFrame([_real(), _real(training="real_others", value=0.7),
                         _real(null="permute_households", value=0.5),
                         _real(stratum="held_out", value=0.9, n_households=18)])
    t = published.side_by_side(real, stratum="all")
    assert list(t.columns) == published.COLUMNS
    week = t[t["key"] == "beckel_3plus_week"]
    assert sorted(week["nilm_training"]) == ["real_others", "sim_to_real"]
    assert sorted(week["nilm_value"]) == [0.6, 0.7]      # no null row, no held-out row
    assert (week["nilm_majority"] == 0.55).all()          # the majority beside an accuracy
    assert (week["published"] == 0.72).all()
    assert week["published_majority"].isna().all()
    assert week["published_majority_note"].str.startswith("not stated").all()
    petralia = t[t["key"].str.startswith("petralia")]
    assert (petralia["nilm_dataset"] == "not available").all()
    # the default is the README's stratum: METER held out
    held = published.side_by_side(real)
    assert held.loc[held["key"] == "beckel_3plus_week", "nilm_value"].tolist() == [0.9]
    assert (held.loc[held["key"] == "beckel_3plus_week", "nilm_stratum"] == "held_out").all()
    md = published.markdown(t)
    assert "not available" in md and "0.72" in md and "Beckel" in md
    assert "Published *majority*, per study" in md and "not filled in from memory" in md
    # the design constants and the ECO clock fix are stated, with the commits that fixed them
    assert "## How the real rows were designed" in md
    for word in ("COVERAGE", "WAKING", "LAST_ENTRY_HOLD_S", "DIARY_APPLIANCES", "300 trees",
                 "1f11d1c", "convert_eco", "2 h"):
        assert word in md, word


def test_eco_rows_pair_stratum_all_under_the_held_out_default():
    """ECO has one house (stratum "all"): the METER held-out default keeps its rows, and
    Kleiminger's figures carry house 2's majority."""
    real = pd.DataFrame([_real(dataset="ECO", inference="occupancy", target="absence",
                               period_s=900, value=0.87, n_households=1)])
    t = published.side_by_side(real)
    k = t[t["key"] == "kleiminger_low"]
    assert k["nilm_value"].tolist() == [0.87] and k["nilm_stratum"].tolist() == ["all"]
    assert k["published_majority"].tolist() == [published.ECO_HOUSE2_OCCUPIED]
    assert "| 0.69 |" in published.markdown(t)


def test_eco_house2_majority_is_its_labels_occupied_share(shared_data):
    occ = pd.read_csv(shared_data / "eco/house_2_2012-06_15min_derived/occupancy_15min.csv",
                      index_col=0)["occupancy"]
    assert occ.notna().sum() == 1536
    assert published.ECO_HOUSE2_OCCUPIED == pytest.approx(occ.mean(), abs=5e-4)
    assert occ.mean() >= 0.5   # occupied is the majority class


def test_one_petralia_author_list():
    assert "Boniol" in published.PETRALIA
    assert "Kaddah" not in (ra.__doc__ or "") and "Boniol" in (ra.__doc__ or "")


def test_petralia_washing_machine_pairs_the_meter_presence_row():
    real = pd.DataFrame([_real(inference="appliances", target="washing_machine",
                               metric="presence_f1_macro", value=0.5, prior_population=0.41),
                         _real(inference="appliances", target="washing_machine",
                               metric="presence_f1_macro", period_s=600, value=0.9),
                         _real(inference="appliances", target="washing_machine",
                               metric="ownership_mcc", value=-0.11, ci_low=-0.57,
                               ci_high=0.35),
                         _real(inference="appliances", target="washing_machine",
                               metric="ownership_mcc", training="real_others", value=0.3)])
    t = published.side_by_side(real, stratum="all")
    wm = t[t["key"].str.startswith("petralia_washing_machine")]
    assert len(wm) == 2 and (wm["nilm_value"] == 0.5).all()   # the 30-min row only
    assert (wm["nilm_majority"] == 0.41).all()   # the F1-macro's prior beside it
    # the same regime's ownership MCC beside the F1-macro (not the other regime's 0.3)
    assert (wm["nilm_mcc"] == -0.11).all() and (wm["nilm_mcc_ci_high"] == 0.35).all()
    assert wm["difference"].str.contains("REFIT").all()
    rest = t[t["key"].str.startswith("petralia") & ~t["key"].isin(wm["key"])]
    assert (rest["nilm_dataset"] == "not available").all()
    assert rest["difference"].str.contains("survey").all()
    md = published.markdown(t)
    assert "0.50 [0.40, 0.80]; MCC -0.11 [-0.57, 0.35]" in md and "| 0.41 |" in md
    assert "random guess at the training prevalence" in md
    const = published.side_by_side(real.assign(ci_low=math.nan, ci_reason=ra.CONSTANT),
                                   stratum="all")
    assert "0.50 (no decision)" in published.markdown(const)
    beckel = t[t["key"] == "beckel_3plus_week"]
    assert beckel["nilm_mcc"].isna().all()   # only beside a presence F1-macro


def test_design_notes_state_the_switch_and_the_all_stratum_and_no_fit_wording():
    md = published.markdown(published.side_by_side(pd.DataFrame([_real()]), stratum="all"))
    for words in ("0.66 [0.47, 0.79]", "45721ad", "6b695b4", "supervised",
                  "not out of sample for sim_to_real", "no fit was made"):
        assert words in md, words
    assert "no design choice looked at" not in md
    # nilm's occupancy attack is unsupervised: the Becker row no longer calls it supervised
    becker = next(f for f in published.FIGURES if f.key == "becker_30min")
    assert "unsupervised" in becker.difference and "is supervised" not in becker.difference


def test_an_out_of_fold_majority_below_one_half_is_marked_not_a_floor():
    real = pd.DataFrame([_real(), _real(training="real_others", value=0.72,
                                        prior_population=0.22)])
    md = published.markdown(published.side_by_side(real, stratum="all"))
    assert "| 0.22 (out-of-fold prior, not a floor: see below) |" in md
    assert "*nilm majority* below 0.5" in md and "| 0.55 |" in md
