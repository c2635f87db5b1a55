"""The growth curve of scripts/study_speed.py (``--spec``): a study spec scaled to each
population size, timed on each executor, its results.csv compared byte for byte."""

from __future__ import annotations

import json

import pytest

from tests.scripts import load_script

SPEC = """
name = "growth"
seed = 7
resolutions = ["30min"]
inferences = ["occupancy", "hot_water"]
n_boot = 20
train_block = 2

[methods]
occupancy = ["unsupervised", "clock_prior"]
hot_water = ["offpeak_step", "population_prior"]

[[sources]]
name = "a"
households = 4
days = 2
period = 300
seed = 3

[[sources]]
name = "b"
households = 4
days = 2
period = 300
seed = 4
"""


def _growth(tmp_path, *extra):
    spec = tmp_path / "growth.toml"
    spec.write_text(SPEC)
    out = tmp_path / "growth.jsonl"
    rc = load_script("study_speed").main(["--spec", str(spec), "--households", "4,8",
                                          "--root", str(tmp_path / "root"), "--out", str(out),
                                          *extra])
    assert rc == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_growth_points_time_each_scaled_population_and_compare_results(tmp_path):
    recs = _growth(tmp_path, "--workers", "1,2")
    assert [(r["households"], r["executor"], r["workers"]) for r in recs] == [
        (4, "local", 1), (4, "local", 2), (8, "local", 1), (8, "local", 2)]
    for r in recs:
        assert r["wall_s"] > 0 and r["cpu_s"] > 0 and r["peak_rss_gb"] > 0
        assert r["rows"] > 0 and r["simulated"] is True
    # the first run of each population is the reference; the second equals it byte for byte
    assert [r["identical"] for r in recs] == [None, True, None, True]
    assert recs[2]["rows"] > recs[0]["rows"]  # twice the households, more rows


@pytest.mark.slow
def test_growth_point_on_dask_equals_the_pool(tmp_path):
    pytest.importorskip("distributed")
    recs = _growth(tmp_path, "--workers", "2", "--dask-workers", "2")
    assert [(r["executor"], r["identical"]) for r in recs] == [
        ("local", None), ("dask", True), ("local", None), ("dask", True)]
