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
                             method="supervised", target="absence", metric="mcc", value=v,
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
