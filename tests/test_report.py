"""nilm.report: aggregation over households, the headline sentences, and the written report
(self-contained HTML, structurally valid LaTeX, real/simulated labels, provenance)."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

from nilm import report
from nilm.cli import main
from nilm.protocol import HEADLINE
from tests.synthetic import tidy_results

PROV = {"nilm_version": "9.8.7", "created_utc": "2031-02-03T04:05:06Z", "git_commit": "abc123",
        "spec": {"seed": 4}}


def _rows(values, lo, hi, prior, metric="mcc", skill=0.1):
    n = len(values)
    return pd.DataFrame({"house": [f"h{i}" for i in range(n)], "period_s": 600.0,
                         "metric": metric, "value": values, "ci_low": lo, "ci_high": hi,
                         "prior": prior, "skill": skill, "n": 10})


def test_aggregate_single_household_keeps_its_own_ci():
    rows = _rows([0.5], [0.4], [0.62], 0.2, metric="f1_absent").assign(n=144 * 14)  # 14 days
    a = report.aggregate(rows, ["period_s"])
    x = a.iloc[0]
    assert (x.value, x.ci_low, x.ci_high) == (0.5, 0.4, 0.62)
    assert x.skill == pytest.approx((0.5 - 0.2) / 0.8)
    assert x.skill_lo == pytest.approx((0.4 - 0.2) / 0.8)
    assert x.skill_hi == pytest.approx((0.62 - 0.2) / 0.8)
    assert x.houses == 1 and x.ci_reason == ""


def test_aggregate_single_household_below_ten_days_has_no_ci():
    rows = _rows([0.5], [0.4], [0.62], 0.2, metric="f1_absent").assign(n=144 * 7)  # 7 days
    x = report.aggregate(rows, ["period_s"]).iloc[0]
    assert x.value == 0.5 and x.skill == pytest.approx((0.5 - 0.2) / 0.8)
    assert np.isnan([x.ci_low, x.ci_high, x.skill_lo, x.skill_hi]).all()
    assert x.ci_reason == "too few days" and x.n_days == pytest.approx(7.0)


def test_aggregate_error_metric_skill_and_ci():
    v = np.arange(10.0, 130.0, 10.0)  # 12 households
    prior = np.where(np.arange(12) % 2, 60.0, 40.0)
    a = report.aggregate(_rows(v, v - 1, v + 1, prior, metric="mae_min"), ["period_s"], seed=3)
    x = a.iloc[0]
    assert x.value == pytest.approx(65.0)
    assert x.prior == pytest.approx(50.0)
    assert x.skill == pytest.approx(1 - 65.0 / 50.0)
    assert x.ci_reason == "" and x.ci_low < 65.0 < x.ci_high
    # the households' spread makes the CI, far wider than any household's own (±1)
    assert x.ci_high - x.ci_low > 30.0
    # paired replicates: the skill CI holds the skill, and errors flip the direction
    assert x.skill_lo < x.skill < x.skill_hi
    assert 0.0 < x.p_value <= 1.0 and x.skill_se > 0
    again = report.aggregate(_rows(v, v - 1, v + 1, prior, metric="mae_min"), ["period_s"],
                             seed=3)
    pd.testing.assert_frame_equal(a, again)


def test_aggregate_gives_no_ci_below_ten_households():
    v = np.array([10.0, 20.0, 30.0, 40.0])
    x = report.aggregate(_rows(v, v - 1, v + 1, 50.0, metric="mae_min"), ["period_s"]).iloc[0]
    assert x.value == pytest.approx(25.0) and x.skill == pytest.approx(0.5)
    assert x.ci_reason == "too few households"
    assert np.isnan([x.ci_low, x.ci_high, x.skill_lo, x.skill_hi]).all()


def test_aggregate_reads_no_normal_approximation_from_household_widths():
    # the old aggregation redrew each household from a normal of its own CI width and turned a
    # NaN width into 0; the households' own widths no longer enter, NaN or not
    v = np.linspace(0.3, 0.7, 12)
    narrow = report.aggregate(_rows(v, v - 0.01, v + 0.01, 0.0), ["period_s"]).iloc[0]
    wide = report.aggregate(_rows(v, v - 0.3, v + 0.3, 0.0), ["period_s"]).iloc[0]
    nan = report.aggregate(_rows(v, np.nan, np.nan, 0.0), ["period_s"]).iloc[0]
    assert (narrow.ci_low, narrow.ci_high) == (wide.ci_low, wide.ci_high) \
        == (nan.ci_low, nan.ci_high)
    assert nan.ci_high - nan.ci_low > 0.1


def test_constant_predictions_are_no_decision_not_mcc_zero():
    v = np.r_[np.linspace(0.2, 0.6, 10), [0.0, 0.0]]
    lo, hi = v - 0.1, v + 0.1
    lo[10:] = hi[10:] = np.nan  # the scorers' "constant prediction": MCC 0, no CI
    x = report.aggregate(_rows(v, lo, hi, 0.0, metric="day_use_mcc"), ["period_s"]).iloc[0]
    assert x.no_decision == pytest.approx(2 / 12)
    assert x.value == pytest.approx(0.4) and x.units == 10 and x.houses == 10
    # a measured MCC of 0 (with a CI) is a decision, and stays in
    lo[10:], hi[10:] = -0.1, 0.1
    y = report.aggregate(_rows(v, lo, hi, 0.0, metric="day_use_mcc"), ["period_s"]).iloc[0]
    assert y.no_decision == 0 and y.value == pytest.approx(v.mean())


def test_aggregate_skips_nan_and_keeps_skill_nan_when_undefined():
    rows = _rows([0.6, np.nan], [0.5, np.nan], [0.7, np.nan], 0.0, metric="coverage",
                 skill=np.nan)
    x = report.aggregate(rows, ["period_s"]).iloc[0]
    assert x.value == 0.6 and x.units == 1
    assert np.isnan(x.skill)
    with pytest.raises(ValueError, match="mixes"):
        report.aggregate(pd.concat([_rows([1.0], [1.0], [1.0], 0.0),
                                    _rows([1.0], [1.0], [1.0], 0.0, metric="f1_absent")]),
                         ["period_s"])


def test_headline_uses_the_declared_attack_never_the_best_one():
    res = tidy_results()
    # make the other attack far better on the rows shown: the headline must not follow it
    better = (res.inference == "occupancy") & (res.method == "supervised")
    res.loc[better, "value"] = 0.99
    tab = report.headline_table(res)
    occ = tab[tab.inference == "occupancy"]
    assert set(occ.method) == {HEADLINE["occupancy"].method} == {"unsupervised"}
    sup = res[(res.dataset == "UCI") & (res.metric == "mcc") & (res.method == "unsupervised")
              & (res.period_s == 600)]
    assert occ[(occ.dataset == "UCI") & (occ.period_s == 600)].value.iloc[0] == \
        pytest.approx(sup.value.iloc[0])
    assert set(tab.threat_model[tab.period_s == 1800]) == {"consented_curve"}
    assert tab.q_value.isna().all()  # no CI below 10 households: no p-value to control


def test_headline_fdr_and_detectable_skill_over_a_population():
    rng = np.random.default_rng(0)
    rows = []
    for p, mean in ((600, 0.4), (1800, 0.0)):
        v = mean + rng.normal(0, 0.1, 20)
        rows.append(_rows(v, v - 0.1, v + 0.1, 0.0).assign(
            period_s=float(p), dataset="sim", simulated=True, inference="occupancy",
            method="unsupervised", target="absence", resolution="x"))
    tab = report.headline_table(pd.concat(rows, ignore_index=True))
    strong, none = tab.iloc[0], tab.iloc[1]
    assert strong.discovery and strong.q_value < 0.01
    assert not none.discovery and none.skill_lo < 0 < none.skill_hi
    # 20 households with a spread of 0.1: SE ≈ 0.1/√20, detectable ≈ 2.8 SE
    assert none.detectable_skill == pytest.approx(2.8 * 0.1 / np.sqrt(20), rel=0.35)


def test_dedupe_native():
    res = tidy_results()
    uci = res[res.dataset == "UCI"]
    kept = report.dedupe_native(uci)
    assert not ((kept.resolution == "native") & (kept.period_s == 60)).any()
    assert (kept.period_s == 60).any()
    sim = report.dedupe_native(res[res.dataset == "simulated"])
    assert (sim.resolution == "native").any()  # 10 s is no named rung: kept


def test_fmt():
    assert report.fmt_number(0.617, "within_30min") == "62 %"
    assert report.fmt_ci(0.617, 0.55, 0.69, "within_30min") == "62 % [55, 69]"
    assert report.fmt_ci(0.4123, 0.3, 0.5, "mcc") == "0.41 [0.30, 0.50]"
    assert report.fmt_number(45.26, "mae_min") == "45.3"
    assert report.fmt_number(float("nan")) == "–"


def test_headline_sentences_carry_the_numbers():
    res = tidy_results()
    sents = report.headline_sentences(res)
    labels = {s["label"] for s in sents}
    assert labels == {"simulated (nilm.simulate)", "real (UCI)"}
    uci = {s["inference"]: s["sentence"] for s in sents if s["dataset"] == "UCI"}
    r = res[(res.dataset == "UCI") & (res.metric == "within_30min")]
    for p in (600, 1800):
        x = r[r.period_s == p].iloc[0]
        expect = (f"{100 * x.value:.0f} % [{100 * x.ci_low:.0f}, {100 * x.ci_high:.0f}]")
        assert expect in uci["routine"]
        assert f"skill {x.skill:.2f}" in uci["routine"]
    assert uci["routine"].startswith("wake-up time: within ±30 min on ")
    assert "at 10 min" in uci["routine"] and "at 30 min" in uci["routine"]
    # the simulated value is the mean over its three households
    sim = {s["inference"]: s["sentence"] for s in sents if s["simulated"]}
    m = res[(res.dataset == "simulated") & (res.metric == "mcc") & (res.period_s == 600)
            & (res.method == "unsupervised")].value.mean()
    assert f"MCC {m:.2f} [" in sim["occupancy"]


def test_headline_says_when_a_period_was_not_measured():
    res = tidy_results()
    res = res[~((res.dataset == "UCI") & (res.period_s == 600))]
    sents = {s["inference"]: s["sentence"] for s in report.headline_sentences(res)
             if s["dataset"] == "UCI"}
    assert "not measured at 10 min" in sents["routine"]


def _check_latex(tex: str):
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"unbalanced \\end{{{env}}}"
    assert not stack
    for block in re.findall(r"\\begin\{tabular\}\{(\w+)\}(.*?)\\end\{tabular\}", tex, re.S):
        ncol = len(block[0])
        body = block[1]
        assert "\\toprule" in body and "\\midrule" in body and "\\bottomrule" in body
        for line in body.splitlines():
            if line.endswith("\\\\") and "multicolumn" not in line:
                assert line.count("&") == ncol - 1 - line.count("\\&"), line
    # every special character is escaped
    assert not re.search(r"(?<!\\)[_%#]", tex.replace("% ", "").split("\n", 2)[2])


def test_write_report(tmp_path):
    res = tidy_results()
    written = report.write_report(tmp_path, results=res, provenance=PROV)
    for name in ("report.md", "report.html", "tables.tex", "figures/leakage_vs_resolution.png",
                 "figures/detectability_uci.png", "figures/detectability_simulated.png"):
        assert written[name].exists(), name
    html = (tmp_path / "report.html").read_text()
    assert 'src="http' not in html and "<link" not in html and "<script" not in html
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(imgs) == 3
    for b in imgs:
        assert base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n"
    assert base64.b64decode(imgs[0]) == written["figures/leakage_vs_resolution.png"].read_bytes()
    md = (tmp_path / "report.md").read_text()
    tex = (tmp_path / "tables.tex").read_text()
    for text in (md, html, tex):
        assert "simulated" in text and "real (UCI)" in text
        assert "9.8.7" in text and "2031-02-03" in text
    _check_latex(tex)
    assert tex.count("\\begin{table}") == 4  # one per inference present
    for s in report.headline_sentences(res):
        assert s["sentence"] in md
        assert s["sentence"].replace("'", "&#x27;") in html
    assert "How to read" in md and "skill 0" in md.lower()
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_write_report_reads_the_study_files(tmp_path):
    res = tidy_results()
    res.to_csv(tmp_path / "results.csv", index=False)
    (tmp_path / "provenance.json").write_text(json.dumps({**PROV, "notes": ["REDD skipped"]}))
    written = report.write_report(tmp_path, figures=False)
    md = written["report.md"].read_text()
    assert "real (UCI)" in md and "Note: REDD skipped" in md
    assert "figures/leakage_vs_resolution.png" not in written


def test_write_report_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="results.csv"):
        report.write_report(tmp_path)
    with pytest.raises(ValueError, match="lack"):
        report.write_report(tmp_path, results=tidy_results().drop(columns=["simulated"]),
                            provenance=PROV)
    with pytest.raises(ValueError, match="empty"):
        report.write_report(tmp_path, results=tidy_results().iloc[:0], provenance=PROV)
    assert not (tmp_path / "report.md").exists()


def test_cli_rewrites_the_report(tmp_path, capsys):
    tidy_results().to_csv(tmp_path / "results.csv", index=False)
    (tmp_path / "provenance.json").write_text(json.dumps(PROV))
    assert main(["report", str(tmp_path), "--no-figures"]) == 0
    assert str(tmp_path / "report.html") in capsys.readouterr().out
    assert "real (UCI)" in (tmp_path / "report.md").read_text()


def test_headline_says_when_nothing_could_be_scored():
    res = tidy_results()
    hit = (res.dataset == "UCI") & (res.metric == "within_30min") & (res.period_s == 1800)
    res.loc[hit, ["value", "ci_low", "ci_high", "skill"]] = np.nan
    sents = {s["inference"]: s["sentence"] for s in report.headline_sentences(res)
             if s["dataset"] == "UCI"}
    assert "no score at 30 min" in sents["routine"]
    assert "at 10 min (skill" in sents["routine"]


def test_ownership_scores_hand_computed():
    # 12 households, 8 own a heater; the attack is right on 10: two owners called non-owners
    owns = np.array([True] * 8 + [False] * 4)
    correct = np.array([1.0] * 6 + [0.0] * 2 + [1.0] * 4)
    res = pd.DataFrame({"dataset": "sim", "simulated": True, "source": "a",
                        "house": [f"h{i}" for i in range(12)], "inference": "hot_water",
                        "target": "water_heater", "metric": "ownership_correct",
                        "period_s": 1800.0, "method": "offpeak_step", "value": correct})
    truth = pd.DataFrame({"source": "a", "house": [f"h{i}" for i in range(12)],
                          "target": "water_heater", "owns": owns})
    tab = report.ownership_scores(res, truth).set_index("metric")
    # tp 6, fn 2, tn 4, fp 0: balanced accuracy (6/8 + 4/4)/2, MCC 24/sqrt(6·8·4·6)
    assert tab.loc["ownership_balanced_accuracy", "value"] == pytest.approx(0.875)
    assert tab.loc["ownership_mcc", "value"] == pytest.approx(24 / np.sqrt(6 * 8 * 4 * 6))
    assert tab.loc["presence_f1_macro", "value"] == pytest.approx(0.5 * (12 / 14 + 8 / 10))
    # prior: "owns" for all (the majority): balanced accuracy 0.5, MCC undefined
    assert tab.loc["ownership_balanced_accuracy", "prior"] == 0.5
    assert np.isnan(tab.loc["ownership_mcc", "prior"])
    assert (tab.n_households == 12).all() and (tab.owners == 8).all()
    assert (tab.ci_reason == "").all()


def test_priors_scored_like_attacks_replace_the_scorer_prior():
    base = dict(dataset="sim", source="a", period_s=1800.0, inference="occupancy",
                target="absence", metric="mcc", ci_low=np.nan, ci_high=np.nan, n=10,
                simulated=True, resolution="30min")
    rows = []
    for k, (attack, clock, own) in enumerate([(0.5, 0.2, 0.6), (0.4, 0.1, 0.3)]):
        for method, v in (("unsupervised", attack), ("clock_prior", clock),
                          ("household_typical", own)):
            rows.append({**base, "house": f"h{k}", "method": method, "value": v, "prior": 0.0,
                         "skill": v})
    out = report.attach_priors(pd.DataFrame(rows))
    sup = out[out.method == "unsupervised"].set_index("house")
    assert sup.loc["h0", "prior"] == 0.2 and sup.loc["h1", "prior"] == 0.1
    assert sup.loc["h0", "skill"] == pytest.approx((0.5 - 0.2) / 0.8)
    assert sup.loc["h0", "prior_household"] == 0.6
    tab = report.headline_table(pd.DataFrame(rows)).iloc[0]
    assert tab.prior == pytest.approx(0.15) and tab.prior_household == pytest.approx(0.45)
    assert tab.skill_household == pytest.approx((0.45 - 0.45) / 0.55)


def test_write_report_real_section_only_when_real_rows_exist(tmp_path):
    import math

    from nilm import real_rows

    res = tidy_results()
    report.write_report(tmp_path / "none", results=res, provenance=PROV, figures=False)
    assert "Real households" not in (tmp_path / "none" / "report.md").read_text()
    base = {c: math.nan for c in real_rows.COLUMNS} | dict(
        dataset="METER", inference="occupancy", target="absence", metric="mcc", period_s=600,
        null="none", training="real_others", value=0.31, ci_low=0.12, ci_high=0.47,
        prior_population=0.2, skill_population=0.14, n_households=16, n_days=16, ci_reason="")
    real = pd.DataFrame([base | dict(stratum="held_out"),
                         base | dict(stratum="all", value=0.4321, ci_low=0.1357)])
    report.write_report(tmp_path / "real", results=res, provenance=PROV, figures=False,
                        real=real, real_source="docs/results/real.csv")
    md = (tmp_path / "real" / "report.md").read_text()
    assert "read from `docs/results/real.csv`" in md
    html = (tmp_path / "real" / "report.html").read_text()
    for text in (md, html):
        assert "Real households (real ground truth)" in text
        assert "0.31 [0.12, 0.47]" in text and "[0.14, " not in text
    # the study report and docs/results/real.md show the same table
    for row in real_rows.report_section(real).splitlines()[6:]:
        assert row in md
