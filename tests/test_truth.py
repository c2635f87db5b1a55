"""GroundTruth: exact (simulated) and partial (real) truth, unknown never read as absent, save /
load round trip, and the old files without the new fields."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nilm.privacy.truth_proxy import presence_on_grid
from nilm.truth import ApplianceUse, GroundTruth

N = 6


def _truth(**kw) -> GroundTruth:
    present = np.array([[1, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 0]], dtype=bool)
    base = dict(start=1_000_020, step=60, timezone="UTC", present_person=present,
                awake_person=present.copy(), days=np.array([950_400]),
                wake=np.full((2, 1), np.nan), bed=np.full((2, 1), np.nan),
                hot_water_l=np.full(1, np.nan), water_heater_kwh=np.full(1, np.nan),
                occupants=2)
    base.update(kw)
    return GroundTruth(**base)


def test_exact_truth_unchanged():
    tr = _truth()
    assert tr.kind == "simulated" and tr.unknown_share == 0.0
    assert tr.present.dtype == bool
    np.testing.assert_array_equal(tr.present, [1, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(tr.presence, [1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    assert tr.known.all()


def test_partial_truth_is_never_absent_by_default():
    hp = np.array([1.0, np.nan, 0.0, np.nan, 1.0, 0.0])
    tr = _truth(household_present=hp, source="METER time-use diary",
                person_known=np.ones((2, N), bool), routine_level="household",
                wake=np.full((1, 1), np.nan), bed=np.full((1, 1), np.nan))
    assert tr.kind == "real" and tr.unknown_share == pytest.approx(2 / 6)
    assert tr.present.dtype == np.float64 and np.isnan(tr.present[[1, 3]]).all()
    with pytest.raises(TypeError):
        ~tr.present  # noqa: B018 -- "not present" of an unknown step has no answer
    # the occupancy labels on a grid: unknown intervals stay unknown
    lab = presence_on_grid(tr, tr.start, 120, 3)
    np.testing.assert_array_equal(np.isnan(lab), [False, False, False])
    np.testing.assert_array_equal(lab, [1.0, 0.0, 1.0])  # majority over the known minutes
    lab = presence_on_grid(tr, tr.start + 60, 60, 3)
    assert np.isnan(lab[0]) and lab[1] == 0 and np.isnan(lab[2])
    # a fully known household row gives back a bool timeline
    full = _truth(household_present=np.array([1, 0, 0, 1, 1, 0.0]))
    assert full.present.dtype == bool and full.kind == "simulated"


def test_kinds():
    assert _truth(source="proxy: kitchen-light activity").kind == "proxy"
    assert _truth(source="ECO tablet+PIR occupancy").kind == "real"


@pytest.mark.parametrize("kw,msg", [
    ({"household_present": np.zeros(N + 1)}, "shape"),
    ({"household_present": np.full(N, 2.0)}, r"\[0, 1\]"),
    ({"person_known": np.ones((1, N), bool)}, "shape of present_person"),
    ({"routine_level": "family"}, "routine_level"),
])
def test_validation(kw, msg):
    with pytest.raises(ValueError, match=msg):
        _truth(**kw)


def test_save_load_round_trip(tmp_path):
    ev = [ApplianceUse("kettle", 1_000_080, None, -1, "Kettle", "annotation"),
          ApplianceUse("tv", 1_000_100, 1_000_300, 1, "Watching TV", "diary")]
    tr = _truth(household_present=np.array([1.0, np.nan, 0, 0, 1, 0.5]),
                household_awake=np.full(N, np.nan), person_known=np.eye(2, N, dtype=bool),
                routine_level="household", wake=np.array([[1_000_000.0]]),
                bed=np.full((1, 1), np.nan), events=ev, source="METER time-use diary",
                ownership={"kettle": True})
    tr.save(tmp_path / "t.npz")
    back = GroundTruth.load(tmp_path / "t.npz")
    for k in ("household_present", "household_awake", "person_known", "wake", "present_person"):
        np.testing.assert_array_equal(getattr(back, k), getattr(tr, k))
    assert back.events == ev and back.routine_level == "household"
    assert back.source == tr.source and back.ownership == {"kettle": True}


def test_old_files_load(tmp_path):
    """A truth file written before the real-truth fields existed loads as exact truth."""
    tr = _truth()
    meta = {"start": tr.start, "step": tr.step, "timezone": tr.timezone,
            "occupants": tr.occupants, "ownership": {}, "source": "simulated"}
    np.savez_compressed(tmp_path / "old.npz",
                        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                        present_person=tr.present_person, awake_person=tr.awake_person,
                        days=tr.days, wake=tr.wake, bed=tr.bed, hot_water_l=tr.hot_water_l,
                        water_heater_kwh=tr.water_heater_kwh)
    back = GroundTruth.load(tmp_path / "old.npz")
    assert back.household_present is None and back.events == [] and back.kind == "simulated"
    np.testing.assert_array_equal(back.present, tr.present)
