"""A study source ``kind = "path"`` on a METER or ECO folder scores against the dataset's own
ground truth (diaries, occupancy labels), not a proxy (real data; skipped when ../shared/data
is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.study.data import house_ids, load_house
from nilm.study.spec import Source


@pytest.mark.parametrize("folder, source", [
    ("meter/sample_2018-07_visible", "METER time-use diary"),
    ("eco/house_2_2012-06_15min_derived", "ECO"),
])
def test_path_source_uses_the_recorded_truth(shared_data, tmp_path, folder, source):
    src = Source(name="real", kind="path", path=str(shared_data / folder))
    ids = house_ids(src, tmp_path)
    assert ids
    h, truth = load_house(src, ids[0], tmp_path)
    assert truth.kind == "real"
    assert source in truth.source
    assert str(h.meta["house"]) == ids[0]
    assert np.isfinite(truth.presence).any()


def test_path_source_without_recorded_truth_falls_back_to_a_proxy(shared_data, tmp_path):
    folder = shared_data / "ukdale/house_1_2013-04-12_pda_fixture"
    src = Source(name="ukdale", kind="path", path=str(folder))
    h, truth = load_house(src, house_ids(src, tmp_path)[0], tmp_path)
    assert truth.kind == "proxy"
