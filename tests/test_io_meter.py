"""METER loader and diary ground truth: the real sample (aggregates only: METER's terms forbid
committing per-household truth), fixtures written from its layout, bad input."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

import nilm
from nilm.errors import LoadReport, NilmDataError
from nilm.io import detect_format, meter
from nilm.names import CANONICAL

LONDON_BST = timedelta(hours=1)
SAMPLE = "meter/sample_2018-07_visible"


def _utc(local: str, offset: timedelta = LONDON_BST) -> int:
    """Epoch s of a UK local wall-clock time with a known UTC offset."""
    dt = datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return int((dt - offset).timestamp())


# ---------------------------------------------------------------- fixture

LEGEND = [
    ("Household", "people", "q", "How many people live at this address?"),
    ("Household", "age_group1", "q", "Under 8"),
    ("Household", "age_group2", "q", "Age 8 - 18"),
    ("Household", "age_group3", "q", "Age 19 - 34"),
    ("Household", "p6pm", "q", "Who's at home?"),
    ("Household", "p6pm", "0", "Nobody"),
    ("Household", "p6pm", "2", "2 people"),
    ("Household", "appliance_b1", "q", "Washing machine"),
    ("Household", "appliance_b1", "1", "Yes"),
    ("Household", "appliance_b1", "0", "No"),
    ("Household", "appliance_b2", "q", "Tumble dryer"),
    ("Household", "appliance_b2", "1", "Yes"),
    ("Household", "appliance_b2", "0", "No"),
    ("Household", "appliance4", "q", "Night storage heaters (number of)"),
    ("Household", "appliance7", "q", "Not asked"),
]
HOUSEHOLDS = [  # idHousehold, people, age groups 1-3, p6pm, b1, b2, appliance4, appliance7
    ("100", "2", "0", "0", "2", "2", "1", "0", "0", "0"),
    ("200", "3", "1", "0", "2", "0", "0", "1", "2", "0"),
    ("300", "1", "0", "0", "1", "0", "NULL", "0", "0", "0"),
]
META = [  # idMeta, DataType, Household_idHousehold
    (10, "E", "100"), (11, "A", "100"), (12, "A", "100"),
    (20, "E", "200"), (21, "A", "200"), (50, "E", "200"),
    (30, "E", "300"), (32, "E", "300"), (31, "A", "300"),
]
#: (Meta_idMeta, dt_activity, tuc, activity, location)
DIARIES = [
    (11, "2018-07-08 16:50:00", 8215, "Watching TV", 1),
    (11, "2018-07-08 18:00:00", 9110, "Travel (work)", 23),
    (11, "2018-07-08 19:00:00", 304, "Got home", 1),
    (11, "2018-07-08 22:30:00", 110, "Sleep", 1),
    (11, "2018-07-09 06:30:00", 110, "Sleep (end)", 1),
    (11, "2018-07-09 06:40:00", 311, "Shower", 1),
    (11, "2018-07-09 08:00:00", 9110, "Travel (work)", 23),
    (11, "2018-07-09 17:30:00", 304, "Got home", 1),
    (11, "2018-07-09 20:00:00", 8532, "Cook on hob", 1),
    (12, "2018-07-08 17:30:00", 8120, "Reading", 1),
    (12, "2018-07-08 18:30:00", 3600, "Shopping", 4),
    (12, "2018-07-08 19:30:00", 211, "Eating", 1),
    (12, "2018-07-08 20:00:00", 3132, "Wash dishes", 1),
    (12, "2018-07-08 23:15:00", 111, "In bed", 1),
    (12, "2018-07-08 23:45:00", 110, "Sleep", 1),
    (12, "2018-07-09 07:10:00", 9990, "Wake up", 1),
    (12, "2018-07-09 07:30:00", 9600, "Travel (leisure)", 21),
    (12, "2018-07-09 16:00:00", 3311, "Washing machine", 1),
    (12, "2018-07-09 20:30:00", 8215, "Watching TV", 1),
    (10, "2018-07-09 07:00:00", 0, "Kettle", 0),  # the household's annotation of its graph
    (21, "2018-07-08 17:00:00", 9000, "Travel", 23),
    (21, "2018-07-08 18:00:00", 304, "Got home", 1),
]


def _q(s) -> str:
    return f'"{s}"'


def _readings(mid: int, first: str, n: int) -> list[str]:
    t0 = datetime.strptime(first, "%Y-%m-%d %H:%M:%S")
    return [f'{_q(f"{t0 + timedelta(minutes=10 * k):%Y-%m-%d %H:%M:%S}")},{mid},'
            f"{300 + k % 7}.5,{1000 * mid + k}" for k in range(n)]


def _dst_readings(mid: int) -> list[str]:
    """Wall clock across the end of BST (2018-10-28 02:00 BST -> 01:00 GMT): 01:00-01:50
    written twice."""
    clock = ["00:40", "00:50"] + [f"01:{m}0" for m in range(6)] * 2 + ["02:00"]
    return [f'"2018-10-28 {c}:00",{mid},250.0,{k}' for k, c in enumerate(clock)]


def write_meter(folder: Path, *, electricity=None, activities=None, households=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = electricity if electricity is not None else (
        _readings(10, "2018-07-08 17:00:00", 169) + _readings(20, "2018-07-08 17:00:00", 12)
        + _dst_readings(30) + _readings(32, "2018-07-22 17:00:00", 3))
    (folder / "electricity_10min.csv").write_text(
        "dt,Meta_idMeta,Watt,idElectricity\n" + "\n".join(rows) + "\n")
    (folder / "meta.csv").write_text(
        "idMeta,SerialNumber,CollectionDate,DataType,Household_idHousehold,Quality,uploaded\n"
        + "".join(f'{m},1.0,2018-07-08,{k},{h},1,"2018-07-11 16:10:59"\n' for m, k, h in META))
    hh = households if households is not None else HOUSEHOLDS
    (folder / "household.csv").write_text(
        "idHousehold,people,age_group1,age_group2,age_group3,p6pm,appliance_b1,appliance_b2,"
        "appliance4,appliance7\n" + "".join(",".join(r) + "\n" for r in hh))
    (folder / "legend.csv").write_text(
        "idLegend,tab,col,value,meaning\n"
        + "".join(f"{i},{t},{c},{v},{_q(m)}\n" for i, (t, c, v, m) in enumerate(LEGEND)))
    acts = activities if activities is not None else [
        f'{i},{m},"{dt}","{dt}",{tuc},"{lab}",{loc},0,cat,0,"",""'
        for i, (m, dt, tuc, lab, loc) in enumerate(DIARIES)]
    (folder / "activities.csv").write_text(
        "idActivities,Meta_idMeta,dt_activity,dt_recorded,tuc,activity,location,enjoyment,"
        "category,people,path,key\n" + "\n".join(acts) + "\n")
    return folder


@pytest.fixture()
def fixture_dir(tmp_path):
    return write_meter(tmp_path / "meter")


# ---------------------------------------------------------------- loader on the fixture


def test_fixture_households(fixture_dir):
    assert detect_format(fixture_dir) == "meter"
    assert detect_format(fixture_dir / "meta.csv") == "meter"
    rep = LoadReport()
    houses = meter.read(fixture_dir, mode="lenient", report=rep)
    by = {h.meta["house"]: h for h in houses}
    assert sorted(by) == ["100", "200", "300_1", "300_2"]
    h = by["100"]
    assert h.meta["household_id"] == "100" and h.meta["recording"] == 10
    assert h.meta["timezone"] == "Europe/London" and h.meta["format"] == "meter"
    assert len(h.mains) == 169 and h.mains.period == 600 and h.mains.interval
    # BST: UTC = wall clock - 1 h, start-labelled 10-min means
    assert h.mains.t[0] == _utc("2018-07-08 17:00:00")
    assert np.all(np.diff(h.mains.t) == 600)
    np.testing.assert_array_equal(h.mains.p, [300 + k % 7 + 0.5 for k in range(169)])
    # the survey, decoded through legend.csv
    assert h.meta["people"] == h.meta["occupants"] == 2 and h.meta["under_8"] == 0
    assert h.meta["age_groups"] == {"Under 8": 0, "Age 8 - 18": 0, "Age 19 - 34": 2}
    assert h.meta["people_at_6pm"] == "2 people"
    assert h.meta["appliances_survey"] == {"Washing machine": True, "Tumble dryer": False,
                                           "Night storage heaters (number of)": 0}
    assert h.meta["ownership"] == {"washing_machine": True, "tumble_dryer": False,
                                   "electric_heat": False}
    assert by["300_1"].meta["appliances_survey"]["Washing machine"] is None
    # recording 50 is listed but has no reading: reported, not silently dropped
    assert rep.counts() == {(str(fixture_dir / "meta.csv"), "empty_recording"): 1}


def test_fixture_dst_autumn(fixture_dir):
    """The repeated hour 01:00-01:59 is read as BST then GMT: 10-min steps throughout."""
    h = {h.meta["house"]: h for h in meter.read(fixture_dir)}["300_1"]
    assert len(h.mains) == 15
    assert h.mains.t[0] == _utc("2018-10-28 00:40:00")
    assert np.all(np.diff(h.mains.t) == 600)
    assert h.mains.t[-1] == _utc("2018-10-28 02:00:00", timedelta(0))


# ---------------------------------------------------------------- ground truth on the fixture


def _at(truth, local: str) -> int:
    return (_utc(local) - truth.start) // truth.step


def test_fixture_presence_rules(fixture_dir):
    truths = meter.read_truth(fixture_dir)
    tr = truths["100"]
    assert tr.kind == "real" and tr.source == "METER time-use diary"
    assert tr.step == 60 and tr.start == _utc("2018-07-08 17:00:00")
    assert tr.t[-1] + 60 == _utc("2018-07-09 21:10:00")
    p = tr.presence

    def at(local):
        return p[_at(tr, local)]

    assert at("2018-07-08 17:10:00") == 1      # keeper 11 home, keeper 12 not started
    assert at("2018-07-08 18:10:00") == 1      # 11 away, 12 reading at home
    assert at("2018-07-08 18:45:00") == 0      # both keepers away, nobody under 8: absent
    assert at("2018-07-08 19:10:00") == 1
    assert at("2018-07-09 03:00:00") == 1      # asleep at home is at home
    assert at("2018-07-09 12:00:00") == 0      # at work / walking
    assert at("2018-07-09 16:30:00") == 1
    assert at("2018-07-09 20:05:00") == 1      # 11's last entry holds 10 min
    assert at("2018-07-09 20:20:00") == 1      # 12 still home (washing machine at 16:00)
    assert np.isnan(at("2018-07-09 20:45:00"))  # both diaries over: unknown, not absent
    # awake at home: 22:30-23:15 only keeper 11 asleep; from 23:15 both in bed
    aw = tr.household_awake
    assert aw[_at(tr, "2018-07-08 23:00:00")] == 1
    assert aw[_at(tr, "2018-07-09 02:00:00")] == 0
    assert aw[_at(tr, "2018-07-09 06:35:00")] == 1
    # per-person rows and their mask
    assert tr.present_person.shape == tr.person_known.shape == (2, len(p))
    assert not tr.person_known[1, _at(tr, "2018-07-08 17:10:00")]
    assert 0 < tr.unknown_share < 0.05
    # a household with a child under 8 is never known to be absent
    tb = truths["200"].presence
    assert np.isnan(tb[5]) and np.nanmin(tb) == 1 and np.nansum(tb == 1) > 0
    # no diary at all: everything unknown
    assert np.isnan(truths["300_1"].presence).all() and truths["300_1"].occupants == 1


def test_fixture_wake_bed_events(fixture_dir):
    tr = meter.read_truth(fixture_dir)["100"]
    assert tr.routine_level == "household" and tr.wake.shape == (1, 2)
    day = {str(np.datetime64(int(d), "s").astype("datetime64[D]")): i
           for i, d in enumerate(tr.days + 3600)}
    assert list(day) == ["2018-07-08", "2018-07-09"]
    # last to bed: keeper 12's "In bed" at 23:15; first up: keeper 11's "Sleep (end)" 06:30
    assert tr.bed[0, day["2018-07-08"]] == _utc("2018-07-08 23:15:00")
    assert tr.wake[0, day["2018-07-09"]] == _utc("2018-07-09 06:30:00")
    assert np.isnan(tr.wake[0, day["2018-07-08"]]) and np.isnan(tr.bed[0, day["2018-07-09"]])
    ev = [(e.appliance, e.start, e.end, e.person, e.source) for e in tr.events]
    assert ev == [
        ("shower", _utc("2018-07-09 06:40:00"), _utc("2018-07-09 08:00:00"), 0, "diary"),
        ("kettle", _utc("2018-07-09 07:00:00"), None, -1, "annotation"),
        ("washing_machine", _utc("2018-07-09 16:00:00"), _utc("2018-07-09 20:30:00"), 1,
         "diary"),
        ("hob", _utc("2018-07-09 20:00:00"), None, 0, "diary"),
        ("tv", _utc("2018-07-09 20:30:00"), None, 1, "diary"),
    ]  # the TV at 16:50 is before the recording; washing dishes by hand is no appliance
    assert tr.occupants == 2 and tr.ownership["washing_machine"] is True


def test_truth_for_cached_household(fixture_dir):
    houses = nilm.load_all(fixture_dir)           # writes the cache
    again = nilm.load_all(fixture_dir)            # reads it back
    h = {h.meta["house"]: h for h in again}["100"]
    tr = nilm.truth_for(h)
    ref = nilm.load_truth(fixture_dir)["100"]
    np.testing.assert_array_equal(tr.presence, ref.presence)
    assert tr.events == ref.events
    assert nilm.truth_for(houses[0]) is not nilm.truth_for(houses[0])  # callers get copies
    # a diary edited after the load is refused, not silently mixed with the old electricity
    act = fixture_dir / "activities.csv"
    act.write_text(act.read_text().replace("Watching TV", "Watching tv"))
    with pytest.raises(NilmDataError, match="changed since the household was loaded"):
        nilm.truth_for(h)


def test_formats_without_truth(tmp_path):
    f = tmp_path / "channel_1.dat"
    (tmp_path / "labels.dat").write_text("1 mains\n")
    f.write_text("1303100647 4.0\n1303100650 5.0\n")
    (h,) = nilm.load_all(tmp_path, cache=False)
    assert nilm.truth_for(h) is None
    with pytest.raises(NilmDataError, match="records no ground truth"):
        nilm.load_truth(tmp_path)


# ---------------------------------------------------------------- bad input


def _bad_electricity(row: str) -> list[str]:
    rows = _readings(10, "2018-07-08 17:00:00", 5)
    return rows[:2] + [row] + rows[2:]


@pytest.mark.parametrize("row,kind,msg", [
    ('"2018-07-08 17:20:00",10,nan,1', "non_numeric", "not a finite number"),
    ('"2018-07-08 17:20:00",10,inf,1', "non_numeric", "not a finite number"),
    ('"2018-07-08 17:20:00",10,12W,1', "non_numeric", "not a finite number"),
    ('"2018-07-08 17:20:00",10,12', "wrong_field_count", "wrong number of fields"),
    ('"08/07/2018 17:20",10,12,1', "malformed_line", "is not 'YYYY-MM-DD hh:mm:ss'"),
    ('"2018-07-08 17:20:00",99,12,1', "unknown_recording", "not an electricity recording"),
    ('"2018-07-08 17:20:00",11,12,1', "unknown_recording", "not an electricity recording"),
    ("", "blank_line", "blank line inside the data"),
])
def test_bad_electricity_rows(tmp_path, row, kind, msg):
    d = write_meter(tmp_path / "m", electricity=_bad_electricity(row))
    f = d / "electricity_10min.csv"
    with pytest.raises(NilmDataError, match=msg) as exc:
        meter.read(d, mode="strict")
    assert exc.value.path == str(f) and exc.value.line == 4
    rep = LoadReport()
    (h,) = [h for h in meter.read(d, mode="lenient", report=rep) if h.meta["house"] == "100"]
    assert len(h.mains) == 5 and np.isfinite(h.mains.p).all()
    assert rep.counts()[(str(f), kind)] == 1
    assert [r.line for r in rep.repairs if r.kind == kind] == [4]


def test_empty_watt_is_missing(tmp_path):
    d = write_meter(tmp_path / "m", electricity=_bad_electricity('"2018-07-08 17:15:00",10,,1'))
    rep = LoadReport()
    (h,) = [h for h in meter.read(d, mode="strict", report=rep) if h.meta["house"] == "100"]
    assert len(h.mains) == 6 and int(np.isnan(h.mains.p).sum()) == 1
    assert rep.counts()[(str(d / "electricity_10min.csv"), "missing_value")] == 1


def test_bad_header_both_modes(tmp_path):
    d = write_meter(tmp_path / "m")
    (d / "household.csv").write_text("idHousehold,persons\n100,2\n")
    for mode in ("strict", "lenient"):
        with pytest.raises(NilmDataError, match="needs columns") as exc:
            meter.read(d, mode=mode)
        assert exc.value.line == 1 and exc.value.path.endswith("household.csv")


def test_bad_diary_row(tmp_path):
    acts = [f'{i},{m},"{dt}","{dt}",{tuc},"{lab}",{loc},0,cat,0,"",""'
            for i, (m, dt, tuc, lab, loc) in enumerate(DIARIES)]
    acts[3] = acts[3].replace(",110,", ",sleep,")
    d = write_meter(tmp_path / "m", activities=acts)
    with pytest.raises(NilmDataError, match="not an integer") as exc:
        meter.read_truth(d, mode="strict")
    assert exc.value.line == 5 and exc.value.path.endswith("activities.csv")
    rep = LoadReport()
    tr = meter.read_truth(d, mode="lenient", report=rep)["100"]
    assert rep.counts()[(str(d / "activities.csv"), "non_numeric")] == 1
    # the skipped row was keeper 11's "Sleep": that night is no longer in the diary, so the
    # household's last-to-bed is unknown (not keeper 12's bed time)
    assert np.isnan(tr.bed).all()


def test_reads_nothing_else(tmp_path):
    d = write_meter(tmp_path / "m")
    with pytest.raises(TypeError, match="takes no options"):
        meter.read(d, aggregate="x")
    assert not meter.detect(tmp_path)


# ---------------------------------------------------------------- the real sample


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.realdata
def test_real_sample_households(shared_data):
    root = shared_data / SAMPLE
    assert detect_format(root) == "meter"
    rep = LoadReport()
    houses = meter.read(root, mode="strict", report=rep)
    # an independent reading of the files
    elec = _csv(root / "electricity_10min.csv")
    meta = {r["idMeta"]: r for r in _csv(root / "meta.csv")}
    survey = {r["idHousehold"]: r for r in _csv(root / "household.csv")}
    per_rec = Counter(r["Meta_idMeta"] for r in elec)
    e_recs = [m for m, r in meta.items() if r["DataType"] == "E"]
    assert len(houses) == len(per_rec) == len(e_recs) - 1
    assert rep.counts() == {(str(root / "meta.csv"), "empty_recording"): 1}
    assert sum(len(h.mains) for h in houses) == len(elec)
    assert len({h.meta["house"] for h in houses}) == len(houses)
    for h in houses:
        assert h.meta["house"] == meta[str(h.meta["recording"])]["Household_idHousehold"]
        assert len(h.mains) == per_rec[str(h.meta["recording"])]
    # July: every UK local time is BST (UTC+1)
    naive = sorted(_utc(r["dt"], timedelta(0)) for r in elec)
    assert sorted(int(t) for h in houses for t in h.mains.t) == [t - 3600 for t in naive]
    # the distribution of household size, survey against loader (an aggregate)
    assert Counter(h.meta["people"] for h in houses) == Counter(
        int(survey[h.meta["house"]]["people"]) for h in houses)
    assert sum(h.meta["people"] for h in houses) == sum(
        int(survey[h.meta["house"]]["people"]) for h in houses)


@pytest.mark.realdata
def test_real_sample_truth_invariants(shared_data):
    root = shared_data / SAMPLE
    houses = {h.meta["house"]: h for h in meter.read(root)}
    truths = meter.read_truth(root, mode="strict")
    assert set(truths) == set(houses)
    unknown = []
    for house, tr in truths.items():
        h = houses[house]
        p = tr.presence
        assert set(np.unique(p[np.isfinite(p)])) <= {0.0, 1.0}
        # the absence rule: never absent with a member under 8 or unknown household size
        if (h.meta["under_8"] or 0) > 0 or not h.meta["people"]:
            assert not (p == 0).any()
        # present exactly where some diary keeper is known to be at home
        np.testing.assert_array_equal(p == 1, tr.present_person.any(axis=0))
        assert not (tr.present_person & ~tr.person_known).any()
        assert tr.occupants == h.meta["people"] and tr.kind == "real"
        assert tr.t[0] <= h.mains.t[0] and tr.t[-1] < h.mains.t[-1] + 600
        for x in (tr.wake[0], tr.bed[0]):  # inside the electricity recording
            ok = np.isfinite(x)
            assert ((x[ok] >= h.mains.t[0]) & (x[ok] < h.mains.t[-1] + 600)).all()
        # first up is before last to bed... of the previous evening: wake(d) > bed(d - 1)
        assert not (tr.wake[0, 1:] <= tr.bed[0, :-1]).any()
        assert all(e.appliance in CANONICAL for e in tr.events)
        unknown.append(np.isnan(p))
    share = float(np.concatenate(unknown).mean())
    assert 0.0 < share < 0.5  # most of the time someone's whereabouts are known
    assert sum(np.isfinite(t.wake).any() for t in truths.values()) > 0
    assert sum(len(t.events) for t in truths.values()) > 100
