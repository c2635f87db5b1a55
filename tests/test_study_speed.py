"""The study's speed-only changes: a cell file holds its content as before and checks its
digest on the text it holds; the cached one-thread limit limits every thread pool the
per-call ``threadpool_limits(1)`` did; the report's vectorised skill is the per-row one."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pytest
import threadpoolctl

from nilm.privacy.boosting import one_thread
from nilm.study.plan import Cell
from nilm.study.store import read_cell, write_cell


def _numpy(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    raise TypeError(type(x))


CELL = Cell("sim", "h1", "10min", "occupancy", "unsupervised")
ROWS = [{"value": np.float64(0.1 + 0.2), "ci_low": math.nan, "ci_high": math.inf,
         "n": np.int64(7), "method": "unsupervised", "ok": True, "skill": -1e-300},
        {"value": 1 / 3, "ci_low": np.float32(0.25), "ci_high": None, "n": 3,
         "note": 'a note quoting the digest\'s key: , "sha256": "00"'}]
META = {"house_meta": {"dataset": "sim", "é": "ü"}, "predictions": [
    {"truth": np.float64(2.5), "prediction": -math.inf, "unit": "kWh/day"}]}


def test_a_cell_file_holds_its_content_and_survives_a_json_round_trip(tmp_path):
    write_cell(tmp_path, CELL, ROWS, META, "fp0")
    path = tmp_path / "cells" / CELL.filename()
    text = path.read_text()
    d = json.loads(text)
    assert list(d) == ["cell", "fingerprint", "meta", "rows", "sha256"]
    assert d["cell"] == asdict(CELL) and d["fingerprint"] == "fp0"
    # the content, as JSON
    assert json.dumps(d["rows"]) == json.dumps(ROWS, default=_numpy)
    assert json.dumps(d["meta"]) == json.dumps(META, default=_numpy)
    assert json.dumps(d) == text  # a round trip writes the same bytes: still valid
    got = read_cell(tmp_path, CELL, "fp0")
    assert got is not None and got["rows"][0]["n"] == 7 and got["rows"][1] == d["rows"][1]
    assert read_cell(tmp_path, CELL, "fp1") is None  # another fingerprint: recomputed


def test_a_cell_file_edited_after_writing_fails_its_checksum(tmp_path):
    write_cell(tmp_path, CELL, ROWS, META, "fp0")
    path = tmp_path / "cells" / CELL.filename()
    d = json.loads(path.read_text())
    d["rows"][0]["value"] += 0.125
    path.write_text(json.dumps(d))
    with pytest.warns(RuntimeWarning, match="failed its checksum"):
        assert read_cell(tmp_path, CELL, "fp0") is None
    path.write_text(path.read_text().replace('"sha256": "', '"sha": "'))  # digest gone
    with pytest.warns(RuntimeWarning, match="failed its checksum"):
        assert read_cell(tmp_path, CELL, "fp0") is None
    path.write_text(path.read_text()[:-40])  # torn: unreadable, recomputed without a word
    assert read_cell(tmp_path, CELL, "fp0") is None


def _threads() -> dict:
    return {(i["user_api"], i["filepath"]): i["num_threads"]
            for i in threadpoolctl.threadpool_info()}


def test_one_thread_limits_what_threadpool_limits_limits():
    with one_thread():  # its first call loads scikit-learn's OpenMP runtime
        pass
    with threadpoolctl.threadpool_limits(1):
        expected = _threads()
    before = _threads()
    with one_thread():
        inside = _threads()
    assert inside == expected
    assert all(n == 1 for n in inside.values())
    assert any(api == "openmp" for api, _ in inside)
    assert _threads() == before  # restored on exit


def test_attach_priors_skill_is_the_per_row_skill():
    import pandas as pd

    from nilm import report, stats

    rng = np.random.default_rng(3)
    rows = []
    for house in range(40):
        for metric in ("mcc", "mae_min", "within_30min"):
            for method in ("unsupervised", "clock_prior", "household_typical"):
                v = rng.choice([rng.random(), 0.0, 1.0, math.nan])
                rows.append({"source": "s", "dataset": "d", "house": f"h{house}",
                             "period_s": 600, "inference": "x", "target": "t",
                             "metric": metric, "method": method, "value": v,
                             "prior": math.nan, "skill": 0.5})
    df = pd.DataFrame(rows)
    out = report.attach_priors(df)
    attack = df["method"] == "unsupervised"
    pv = out.loc[attack, "prior"].to_numpy(float)
    has = np.isfinite(pv)
    expect = [stats.skill(v, p, m) for v, p, m in zip(
        out.loc[attack, "value"][has], pv[has], out.loc[attack, "metric"][has], strict=True)]
    got = out.loc[attack, "skill"].to_numpy(float)[has]
    np.testing.assert_array_equal(got, np.array(expect, float))
    assert (out.loc[attack, "skill"].to_numpy(float)[~has] == 0.5).all()  # no prior: kept
    assert np.isnan(got).any() and np.isfinite(got).any()
