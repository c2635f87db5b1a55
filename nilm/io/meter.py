"""METER, the UK Household Electricity and Activity Survey (Grünewald & Diakonova 2020): whole-house
10-min electricity, time-use diaries of every member aged 8+ over the same 28 hours, and a
household survey.

Layout (one folder, CSV with a header line, ``,``-separated, double-quoted strings; the sample in
``PhilGrunewald/MeterData/SampleData`` and the UK Data Service deposit SN 8475 share it):

* ``electricity_10min.csv``: ``dt,Meta_idMeta,Watt,idElectricity`` — ``dt`` the start of a
  10-min interval in **UK local time without offset**, ``Watt`` the mean power over it;
* ``meta.csv``: ``idMeta,…,DataType,Household_idHousehold,…`` — one row per recording,
  ``DataType`` ``E`` (electricity) or ``A`` (one member's activity diary);
* ``household.csv``: the survey — ``idHousehold``, ``people``, ``age_group1`` … ``age_group6``
  (number of members in each age group, ``age_group1`` = under 8), ``p6pm``, appliance
  ownership ``appliance_b1`` … (yes/no) and ``appliance1`` … (counts);
* ``legend.csv``: ``idLegend,tab,col,value,meaning`` — the text of each survey question
  (``value`` = ``q``) and of each coded answer;
* ``activities.csv``: ``idActivities,Meta_idMeta,dt_activity,…,tuc,activity,location,…`` — one
  diary entry each (UK local time, time-use code, label, location code). Entries whose recording
  is an electricity recording (location 0) are the household's own annotations of its
  electricity graph, not diary entries.

What :func:`read` gives: one Household per electricity recording, ``mains`` = the 10-min means
(``period=600`` s, interval means, start-labelled), times converted from Europe/London to UTC
by :func:`nilm.io.text.local_to_utc` (DST-safe: a repeated autumn hour is resolved by the
recording stepping back in wall-clock time). ``meta["house"]`` is ``idHousehold`` as a string
(``"<idHousehold>_<k>"`` for the k-th recording when a household has several), and meta holds
``household_id``, ``recording`` (``idMeta``), ``people`` and ``occupants`` (the survey's
``people``; 0 = not answered), ``age_groups`` ({question text: members}), ``under_8``,
``people_at_6pm`` (decoded), ``appliances_survey`` ({question text: True/False or a count},
decoded through ``legend.csv``) and ``ownership`` ({canonical name: bool} for the survey answers
:func:`nilm.names.canonical` recognises). An electricity recording of ``meta.csv`` with no reading
is recorded as ``empty_recording`` in the load report.

The ground truth (:func:`read_truth`, or :func:`nilm.truth_for` on a loaded household) follows
these rules, each a documented choice:

* **a diary entry holds** until the same person's next entry (the survey's own convention: entries
  are points in time); the last entry holds for :data:`LAST_ENTRY_HOLD_S` only, and before a
  person's first entry nothing is known — a diary that stopped says nothing about later hours;
* **at home** per 60-s step: a person is at home when their latest entry's location is in
  :data:`HOME_LOCATIONS` (1 home, 6 garden: on the premises), away for the other known codes,
  unknown for any other code. The household is **present** when any diary keeper's latest entry
  is at home; **absent** only when no member is under 8 (survey ``age_group1``), the diary
  keepers whose state is known are at least ``people``, and none of them is at home; otherwise
  **unknown** (NaN). Awake (at home and not asleep) follows the same rule, asleep being a latest
  entry in :data:`SLEEP_TUC` (Sleep, In bed, Sick in bed);
* **wake / bed**: a person's night is a run of consecutive Sleep / In-bed entries that overlaps
  01:00–05:00 local, with every such run starting 18:00–06:00 of the same night merged into it;
  bed = the run's first entry, wake = the first later entry of another kind (a "… (end)"
  marker, "Wake up" or any activity). A diary that ends in such a run gives a bed time only.
  The household's wake (first up) and bed (last to bed) are stored on one row
  (``routine_level="household"``) and are known only when the diary keepers number at least the
  members aged 8+ and every keeper's time is known that day (a keeper whose night is not in the
  diary makes the household's first-up unknowable). Members under 8 keep no diary and are not
  counted. Times outside the electricity recording are dropped;
* **occupants** = the survey's ``people``;
* **appliance use**: entries whose time-use code implies an appliance (:data:`DIARY_APPLIANCES`:
  cooking on the hob, oven, microwave, kettle, toaster, washing machine, tumble dryer,
  ironing, dishwasher, TV, computer, music, vacuum cleaner, hair dryer, shower, bath …), or whose
  label :func:`nilm.names.canonical` recognises as a user-driven or automatic appliance
  (entries the diarist named, e.g. "Coffee machine"; the household's annotations), become
  :class:`nilm.truth.ApplianceUse` events. Generic "Laundry" (sorting, hanging), "Wash dishes"
  (by hand) and screen time on an unspecified device imply no particular appliance and are not
  events. Hot-water litres and water-heater energy are not recorded (NaN).

Bad input (see :mod:`nilm.errors`): a file without its required columns raises
:class:`NilmDataError` (line 1) in both modes; a row with the wrong number of fields, a time that
does not parse, an id or code that is not an integer, a power that is not a finite number
(``nan``/``inf`` included) or a recording missing from ``meta.csv`` raises in strict mode and is
skipped and recorded in lenient mode (``wrong_field_count``, ``malformed_line``,
``non_numeric``, ``unknown_recording``); an empty ``Watt`` (or ``NULL``) is a NaN reading
(``missing_value``); sorting and duplicates follow :func:`nilm.io.text.check_samples`.

METER's terms (UK Data Service) allow research use: never commit per-household truth or
predictions of real households, only aggregates.

References: P. Grünewald and M. Diakonova, "The specific contributions of activities to
household electricity demand", Energy and Buildings (2020); "UK Household Electricity and
Activity Survey, 2016-2019", UK Data Service SN 8475, doi:10.5255/UKDA-SN-8475-1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ..errors import LoadReport, NilmDataError
from ..names import canonical, load_kind
from ..resample import local_midnights
from ..series import Household, PowerSeries
from ..truth import ApplianceUse, GroundTruth
from . import text

NAME = "meter"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a UK single-phase
#: domestic supply, cut-out fuse of at most 100 A at 230 V + 10 % (BS 7671 supply tolerance)
POWER_RANGE_W = (-25_300.0, 25_300.0)
TIMEZONE = "Europe/London"
#: interval of the electricity readings, s
PERIOD = 600
#: step of the ground-truth timelines, s
STEP = 60
ELECTRICITY = "electricity_10min.csv"
FILES = {"electricity": ELECTRICITY, "meta": "meta.csv", "household": "household.csv",
         "legend": "legend.csv", "activities": "activities.csv"}
REQUIRED = {
    "electricity": ("dt", "Meta_idMeta", "Watt"),
    "meta": ("idMeta", "DataType", "Household_idHousehold"),
    "household": ("idHousehold", "people", "age_group1"),
    "legend": ("tab", "col", "value", "meaning"),
    "activities": ("Meta_idMeta", "dt_activity", "tuc", "activity", "location"),
}
#: diary location codes (legend.csv) on the household's premises: home, garden
HOME_LOCATIONS = frozenset({1, 6})
#: diary location codes away from home: travelling, work, public, outdoors, other, walking,
#: cycling, driving, public transport
AWAY_LOCATIONS = frozenset({2, 3, 4, 5, 7, 21, 22, 23, 24})
#: time-use codes of sleep: Sleep, In bed (not asleep), Sick in bed
SLEEP_TUC = frozenset({110, 111, 120})
#: the last diary entry of a person holds this long, s (one electricity interval)
LAST_ENTRY_HOLD_S = PERIOD
#: local wall-clock window a night's sleep must overlap, s after midnight
NIGHT_CORE = (3600, 5 * 3600)
#: time-use code -> canonical appliance the activity implies (METER's codes, legend.csv;
#: 8507 is not in legend.csv, but activities.csv labels its 4 entries "Computer"; 3112 "Prepare
#: hot meal" is a generic "cooker" event here, which no appliance row of
#: :mod:`nilm.real_appliances` scores). The map was written in the commit that first scored
#: it, not fixed on the even (development) households beforehand (docs/published.md)
DIARY_APPLIANCES = {
    8531: "oven", 3120: "oven", 8532: "hob", 3112: "cooker", 8533: "microwave",
    8534: "toaster", 3124: "toaster", 8535: "kettle", 8537: "bread_maker",
    3311: "washing_machine", 8541: "washing_machine", 8543: "washer_dryer",
    3314: "tumble_dryer", 8542: "tumble_dryer",
    3320: "iron", 8545: "iron",
    3133: "dishwasher", 8536: "dishwasher", 8503: "dishwasher",
    8211: "tv", 8212: "tv", 8215: "tv", 8219: "tv", 8222: "tv", 8229: "tv", 8553: "tv",
    8214: "projector", 8216: "computer", 8507: "computer", 8551: "computer", 8552: "computer",
    7330: "computer", 8310: "audio", 8311: "audio", 8320: "audio", 8523: "audio", 8556: "audio",
    3212: "vacuum_cleaner", 8511: "vacuum_cleaner", 8571: "hair_dryer", 8514: "electric_heat",
    8518: "lighting", 311: "shower", 320: "bath", 312: "bath", 321: "bath", 323: "bath",
    322: "bath",
}
#: labels that name an appliance but never mean its use
_NOT_A_USE = re.compile(r"\b(turning off|unstacking)\b", re.I)
_END = " (end)"


def _root(path: Path) -> Path | None:
    """The METER folder of ``path`` (the folder, or the folder of one of its files)."""
    folder = path if path.is_dir() else path.parent
    if (folder / ELECTRICITY).is_file() and (folder / FILES["meta"]).is_file():
        return folder
    return None


def detect(path: Path) -> bool:
    """True for a folder holding METER's ``electricity_10min.csv`` and ``meta.csv`` (or one of
    its files)."""
    root = _root(Path(path))
    if root is None:
        return False
    try:
        with open(root / ELECTRICITY, "rb") as f:
            head = f.readline(4096)
    except OSError:
        return False
    cols = [c.strip().strip('"') for c in head.lstrip(b"\xef\xbb\xbf").decode(
        errors="replace").rstrip("\r\n").split(",")]
    return all(c in cols for c in REQUIRED["electricity"])


def sources(path: Path) -> list[Path]:
    """The files a load reads (those of :data:`FILES` present), sorted."""
    root = _root(Path(path))
    if root is None:
        return []
    return sorted(root / f for f in FILES.values() if (root / f).is_file())


def truth_sources(path: Path) -> list[Path]:
    """The files :func:`read_truth` reads: all of them (the timelines follow the electricity)."""
    return sources(path)


# ----------------------------------------------------------------------------- tables


@dataclass
class _Table:
    path: Path
    rows: list[tuple[int, dict[str, str]]]  # (1-based file line, {column: text})


def _decode(path: Path, raw: bytes, mode: str, report: LoadReport) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        if mode == "strict":
            raise NilmDataError(path, line, "not UTF-8 text") from exc
        report.add(path, line, "encoding", "not UTF-8; read as Latin-1")
        return raw.decode("latin-1")


def _table(path: Path, required, *, mode: str, report: LoadReport) -> _Table:
    """A CSV file as rows of {column: text}; the header must hold ``required``."""
    if not path.is_file():
        raise NilmDataError(path, None, "missing (a METER folder needs "
                            + ", ".join(FILES.values()) + ")")
    body = _decode(path, path.read_bytes(), mode, report)
    reader = csv.reader(io.StringIO(body, newline=""))
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration:
        raise NilmDataError(path, 1, "empty file: no header line") from None
    missing = [c for c in required if c not in header]
    if missing or len(set(header)) != len(header):
        raise NilmDataError(path, 1, f"unexpected header {header[:12]}: needs columns "
                            f"{list(required)}, each once")
    rows, bad, blank = [], [], []
    line = reader.line_num
    for fields in reader:
        first, line = line + 1, reader.line_num
        if not fields:
            blank.append(first)
            continue
        if blank and mode == "strict":
            raise NilmDataError(path, blank[0], "blank line inside the data")
        if len(fields) != len(header):
            bad.append(first)
            if mode == "strict":
                raise NilmDataError(path, first, f"wrong number of fields ({len(fields)}, "
                                    f"expected {len(header)})")
            continue
        rows.append((first, dict(zip(header, fields, strict=True))))
    last = rows[-1][0] if rows else 0
    for ln in blank:
        if ln < last:  # blank lines at the end hold nothing
            report.add(path, ln, "blank_line", "blank line inside the data; skipped")
    for ln in bad:
        report.add(path, ln, "wrong_field_count",
                   f"wrong number of fields (expected {len(header)}); row skipped")
    return _Table(path, rows)


def _missing(s: str) -> bool:
    return s.strip() in ("", "NULL")


def _int(s: str) -> int | None:
    """An integer field (``12``, ``12.0``); None when missing; ValueError when not an integer."""
    s = s.strip()
    if _missing(s):
        return None
    v = float(s)
    if not np.isfinite(v) or v != int(v):
        raise ValueError(s)
    return int(v)


def _local_s(s: str) -> int:
    """``YYYY-MM-DD hh:mm:ss`` wall clock as naive epoch s (read as if UTC)."""
    dt = datetime.strptime(s.strip(), "%Y-%m-%d %H:%M:%S")
    return int(dt.replace(tzinfo=timezone.utc).timestamp())


class _Rows:
    """Per-row problems of one file: strict raises at once, lenient skips and records."""

    def __init__(self, path: Path, mode: str, report: LoadReport):
        self.path, self.mode, self.report = path, mode, report

    def bad(self, line: int, kind: str, msg: str) -> None:
        if self.mode == "strict":
            raise NilmDataError(self.path, line, msg)
        self.report.add(self.path, line, kind, msg + "; row skipped")

    def ident(self, line: int, r: dict[str, str], col: str) -> int | None:
        """The integer id in column ``col``, or None once a missing or bad one is handled."""
        try:
            v = _int(r[col])
        except ValueError:
            v = None
        if v is None:
            self.bad(line, "non_numeric", f"{col} {r[col]!r} is not an integer")
        return v


# ----------------------------------------------------------------------------- survey


@dataclass
class _Survey:
    """What the survey and legend say about one household."""

    people: int
    under_8: int | None
    meta: dict


def _legend(root: Path, mode: str, report: LoadReport) -> dict[tuple[str, str], dict[str, str]]:
    tab = _table(root / FILES["legend"], REQUIRED["legend"], mode=mode, report=report)
    out: dict[tuple[str, str], dict[str, str]] = {}
    for _, r in tab.rows:
        out.setdefault((r["tab"].strip(), r["col"].strip()), {})[r["value"].strip()] = \
            r["meaning"].strip()
    return out


def _surveys(root: Path, mode: str, report: LoadReport) -> dict[str, _Survey]:
    legend = _legend(root, mode, report)
    tab = _table(root / FILES["household"], REQUIRED["household"], mode=mode, report=report)
    rows = _Rows(tab.path, mode, report)
    out = {}
    for line, r in tab.rows:
        hid = r["idHousehold"].strip()
        try:
            people = _int(r["people"]) or 0
            ages = {c: _int(r[c]) for c in r if re.fullmatch(r"age_group\d+", c)}
        except ValueError:
            rows.bad(line, "non_numeric", "people / age_group is not an integer")
            continue
        if hid in out:
            rows.bad(line, "duplicate_household", f"household {hid} listed twice")
            continue
        out[hid] = _Survey(people, ages.get("age_group1"), _survey_meta(r, ages, people, legend))
    return out


def _question(legend, col: str) -> str:
    return legend.get(("Household", col), {}).get("q", col).strip()


def _survey_meta(r: dict[str, str], ages: dict[str, int | None], people: int, legend) -> dict:
    """The survey answers carried in ``Household.meta`` (see the module docstring)."""
    age_groups = {_question(legend, c): v for c, v in sorted(ages.items())}
    answers: dict[str, bool | int | None] = {}
    for col in sorted(r, key=lambda c: (len(c), c)):
        if not re.fullmatch(r"appliance(_b)?\d+", col):
            continue
        label = _question(legend, col)
        if label == "Not asked":
            continue
        value = r[col].strip()
        if _missing(value):
            answers[label] = None
        elif col.startswith("appliance_b"):
            meaning = legend.get(("Household", col), {}).get(value, value)
            answers[label] = {"Yes": True, "No": False}.get(meaning, meaning)
        else:
            try:
                answers[label] = _int(value)
            except ValueError:
                answers[label] = value
    ownership: dict[str, bool] = {}
    for label, v in answers.items():
        name, known = canonical(re.sub(r"\s*\(number of\)\s*$", "", label))
        if known and name != "mains" and isinstance(v, bool | int) and v is not None:
            ownership[name] = ownership.get(name, False) or bool(v)
    p6 = r.get("p6pm", "").strip()
    return {"people": people, "occupants": people, "age_groups": age_groups,
            "under_8": ages.get("age_group1"),
            "people_at_6pm": None if _missing(p6) else
            legend.get(("Household", "p6pm"), {}).get(p6, p6),
            "appliances_survey": answers, "ownership": ownership}


# ----------------------------------------------------------------------------- recordings


def _recordings(root: Path, mode: str, report: LoadReport) -> dict[int, tuple[str, str, int]]:
    """{idMeta: (DataType, idHousehold, line)} from meta.csv."""
    tab = _table(root / FILES["meta"], REQUIRED["meta"], mode=mode, report=report)
    rows = _Rows(tab.path, mode, report)
    out = {}
    for line, r in tab.rows:
        mid = rows.ident(line, r, "idMeta")
        if mid is None:
            continue
        if mid in out:
            rows.bad(line, "duplicate_recording", f"idMeta {mid} listed twice")
            continue
        out[mid] = (r["DataType"].strip(), r["Household_idHousehold"].strip(), line)
    return out


def _readings(root: Path, recs, mode: str, report: LoadReport):
    """{idMeta: (t UTC int64, W float64)} of the electricity recordings, sorted and vetted."""
    tab = _table(root / ELECTRICITY, REQUIRED["electricity"], mode=mode, report=report)
    rows = _Rows(tab.path, mode, report)
    groups: dict[int, list[tuple[int, int, float]]] = {}
    missing_lines = []
    for line, r in tab.rows:
        try:
            local = _local_s(r["dt"])
        except ValueError:
            rows.bad(line, "malformed_line", f"dt {r['dt']!r} is not 'YYYY-MM-DD hh:mm:ss'")
            continue
        mid = rows.ident(line, r, "Meta_idMeta")
        if mid is None:
            continue
        if mid not in recs or recs[mid][0] != "E":
            rows.bad(line, "unknown_recording",
                     f"Meta_idMeta {mid} is not an electricity recording of meta.csv")
            continue
        w = r["Watt"].strip()
        if _missing(w):
            watt = float("nan")
            missing_lines.append(line)
        else:
            try:
                watt = float(w)
            except ValueError:
                watt = float("nan")
            if not np.isfinite(watt):
                rows.bad(line, "non_numeric", f"Watt {w!r} is not a finite number")
                continue
        groups.setdefault(mid, []).append((local, line, watt))
    if missing_lines:
        report.add(tab.path, missing_lines[0], "missing_value",
                   f"{len(missing_lines)} empty or NULL Watt read as NaN",
                   count=len(missing_lines))
    out = {}
    for mid, g in groups.items():
        local = np.array([x[0] for x in g], dtype=np.int64)
        line = np.array([x[1] for x in g], dtype=np.int64)
        w = np.array([x[2] for x in g], dtype=np.float64)
        t = text.local_to_utc(local, TIMEZONE, path=tab.path, line=line, mode=mode,
                              report=report)
        t, w, _ = text.check_samples(tab.path, t, w, line, mode=mode, report=report)
        out[mid] = (t, w)
    return out


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         **options) -> list[Household]:
    """One Household per METER electricity recording (see the module docstring).

    Parameters
    ----------
    path : the METER folder (or one of its files).
    mode : ``"strict"`` or ``"lenient"``.
    report : load-wide report (every household of the load shares it: the files are shared).
    options : none are accepted.
    """
    if options:
        raise TypeError(f"meter.read takes no options, got {sorted(options)}")
    root = _root(Path(path))
    if root is None:
        raise NilmDataError(path, None, f"no METER folder ({ELECTRICITY} and meta.csv) found")
    report = LoadReport() if report is None else report
    recs = _recordings(root, mode, report)
    surveys = _surveys(root, mode, report)
    readings = _readings(root, recs, mode, report)
    out = []
    for hid, listed in _electricity_by_household(recs).items():
        for mid in listed:
            if mid not in readings:
                report.add(root / FILES["meta"], recs[mid][2], "empty_recording",
                           f"electricity recording {mid} of household {hid} has no reading")
        mids = [m for m in listed if m in readings]
        for k, mid in enumerate(mids):
            survey = surveys.get(hid)
            if survey is None:
                if mode == "strict":
                    raise NilmDataError(root / FILES["household"], None,
                                        f"household {hid} (recording {mid}) is not in the survey")
                report.add(root / FILES["household"], None, "unknown_household",
                           f"household {hid} is not in the survey; its survey facts are unknown")
            t, w = readings[mid]
            mains = PowerSeries(t, w, "mains", "Watt", "active", PERIOD, True)
            house = hid if len(mids) == 1 else f"{hid}_{k + 1}"
            meta = {"dataset": "METER", "format": NAME, "house": house, "household_id": hid,
                    "recording": mid, "timezone": TIMEZONE, "mains_kind": "measured",
                    "resolution": "10min", "labelling": "start",
                    "citation": "Grünewald & Diakonova 2020; UK Data Service SN 8475",
                    **(survey.meta if survey else {"people": 0, "occupants": 0})}
            out.append(Household(mains, {}, meta, {}, report))
    return out


def _electricity_by_household(recs) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for mid in sorted(recs):
        kind, hid, _ = recs[mid]
        if kind == "E":
            out.setdefault(hid, []).append(mid)
    return out


# ----------------------------------------------------------------------------- diaries


@dataclass
class _Entry:
    local: int        # naive local epoch s
    t: int            # epoch s UTC
    tuc: int | None
    label: str
    location: int | None
    line: int

    @property
    def is_end(self) -> bool:
        return self.label.endswith(_END)

    @property
    def asleep(self) -> bool:
        return self.tuc in SLEEP_TUC and not self.is_end


def _entries(root: Path, recs, mode: str, report: LoadReport) -> dict[int, list[_Entry]]:
    """{idMeta: entries sorted by time} of every diary and annotation recording."""
    tab = _table(root / FILES["activities"], REQUIRED["activities"], mode=mode, report=report)
    rows = _Rows(tab.path, mode, report)
    raw: dict[int, list[tuple[int, int | None, str, int | None, int]]] = {}
    for line, r in tab.rows:
        try:
            local = _local_s(r["dt_activity"])
        except ValueError:
            rows.bad(line, "malformed_line",
                     f"dt_activity {r['dt_activity']!r} is not 'YYYY-MM-DD hh:mm:ss'")
            continue
        try:
            mid, tuc, loc = _int(r["Meta_idMeta"]), _int(r["tuc"]), _int(r["location"])
        except ValueError:
            rows.bad(line, "non_numeric", "Meta_idMeta / tuc / location is not an integer")
            continue
        if mid not in recs:
            rows.bad(line, "unknown_recording", f"Meta_idMeta {mid} is not in meta.csv")
            continue
        raw.setdefault(mid, []).append((local, tuc, r["activity"].strip(), loc, line))
    out = {}
    for mid, g in raw.items():
        g.sort(key=lambda x: (x[0], x[4]))
        local = np.array([x[0] for x in g], dtype=np.int64)
        lines = np.array([x[4] for x in g], dtype=np.int64)
        # sorted by wall clock: a repeated autumn hour cannot be resolved and is reported
        t = text.local_to_utc(local, TIMEZONE, path=tab.path, line=lines, mode=mode,
                              report=report)
        out[mid] = [_Entry(int(lc), int(tt), tuc, lab, loc, ln)
                    for (lc, tuc, lab, loc, ln), tt in zip(g, t, strict=True)]
    return out


def _states(entries: list[_Entry], t: np.ndarray):
    """(known, home, awake_home) bool [n] of one diary keeper at the step starts ``t``."""
    te = np.array([e.t for e in entries], dtype=np.int64)
    idx = np.searchsorted(te, t, side="right") - 1
    running = (idx >= 0) & (t < te[-1] + LAST_ENTRY_HOLD_S)
    j = np.maximum(idx, 0)
    loc = np.array([-1 if e.location is None else e.location for e in entries])[j]
    asleep = np.array([e.asleep for e in entries])[j]
    home = running & np.isin(loc, list(HOME_LOCATIONS))
    known = home | (running & np.isin(loc, list(AWAY_LOCATIONS)))
    return known, home, home & ~asleep


def _nights(entries: list[_Entry]) -> dict[int, tuple[int, int | None]]:
    """{local date number of the morning: (bed epoch s, wake epoch s or None)} of one person."""
    runs = []  # (start entry, end entry or None)
    i = 0
    while i < len(entries):
        if not entries[i].asleep:
            i += 1
            continue
        j = i
        while j + 1 < len(entries) and entries[j + 1].asleep:
            j += 1
        runs.append((entries[i], entries[j + 1] if j + 1 < len(entries) else None))
        i = j + 1
    by_night: dict[int, list] = {}
    for a, b in runs:
        night = (a.local + 12 * 3600) // 86400
        sod = a.local - night * 86400  # seconds from the morning's midnight (negative: evening)
        if -6 * 3600 <= sod < 6 * 3600:
            by_night.setdefault(night, []).append((a, b))
    out = {}
    for night, rs in by_night.items():
        core = (night * 86400 + NIGHT_CORE[0], night * 86400 + NIGHT_CORE[1])
        closed = [(a, b) for a, b in rs if b is not None]
        overlaps = any(a.local < core[1] and b.local > core[0] for a, b in closed)
        open_end = rs[-1][1] is None
        if not (overlaps or open_end):
            continue
        bed = min(a.t for a, _ in rs)
        wake = None if open_end else max(b.t for _, b in closed)
        out[night] = (bed, wake)
    return out


def _events(entries: list[_Entry], person: int, source: str) -> list[ApplianceUse]:
    out = []
    for k, e in enumerate(entries):
        if e.is_end or _NOT_A_USE.search(e.label):
            continue
        name = DIARY_APPLIANCES.get(e.tuc)
        if name is None:
            guess, known = canonical(e.label)
            name = guess if known and load_kind(guess) in ("user", "auto") else None
        if name is None:
            continue
        end = entries[k + 1].t if source == "diary" and k + 1 < len(entries) else None
        out.append(ApplianceUse(name, e.t, end, person, e.label, source))
    return out


def read_truth(path, *, mode: str = "lenient", report: LoadReport | None = None
               ) -> dict[str, GroundTruth]:
    """The diary ground truth of every household :func:`read` loads, by ``meta["house"]``.

    Rules in the module docstring; the timelines cover each electricity recording
    (``[first reading, last reading + 600 s)``, 60-s steps).

    Parameters
    ----------
    path : the METER folder (or one of its files).
    mode : ``"strict"`` or ``"lenient"`` (as :func:`read`; diary problems are recorded in
        ``report``).
    report : where lenient repairs of the diary files are recorded.
    """
    report = LoadReport() if report is None else report
    houses = read(path, mode=mode, report=report)
    if not houses:
        return {}
    root = _root(Path(path))
    recs = _recordings(root, mode, LoadReport())
    entries = _entries(root, recs, mode, report)
    diaries: dict[str, list[int]] = {}
    for mid, (kind, hid, _) in sorted(recs.items()):
        if kind == "A" and entries.get(mid):
            diaries.setdefault(hid, []).append(mid)
    out = {}
    for h in houses:
        keepers = [entries[m] for m in diaries.get(h.meta["household_id"], [])]
        notes = entries.get(h.meta["recording"], [])
        out[h.meta["house"]] = _truth(h, keepers, notes)
    return out


def _truth(h: Household, keepers: list[list[_Entry]], notes: list[_Entry]) -> GroundTruth:
    t_first, t_last = int(h.mains.t[0]), int(h.mains.t[-1]) + PERIOD
    start = t_first // STEP * STEP
    n = -(-(t_last - start) // STEP)
    t = start + STEP * np.arange(n, dtype=np.int64)
    people = int(h.meta.get("people") or 0)
    under_8 = h.meta.get("under_8")
    k = len(keepers)
    known = np.zeros((k, n), bool)
    home = np.zeros((k, n), bool)
    awake = np.zeros((k, n), bool)
    for i, e in enumerate(keepers):
        known[i], home[i], awake[i] = _states(e, t)
    # absence needs every member's whereabouts: nobody under 8, and enough known diaries
    complete = people > 0 and under_8 == 0
    covered = complete & (known.sum(axis=0) >= people)
    present = np.where(home.any(axis=0), 1.0, np.where(covered, 0.0, np.nan))
    awake_hh = np.where(awake.any(axis=0), 1.0, np.where(covered, 0.0, np.nan))

    _, edges = local_midnights(start, start + STEP * n, TIMEZONE)
    days = edges[:-1]
    wake = np.full((1, len(days)), np.nan)
    bed = np.full((1, len(days)), np.nan)
    members_8 = people - (under_8 or 0)
    if people > 0 and k and k >= members_8:
        nights = [_nights(e) for e in keepers]
        for d, day in enumerate(_local_dates(days)):
            w = [nt.get(day, (None, None))[1] for nt in nights]
            b = [nt.get(day + 1, (None, None))[0] for nt in nights]
            if all(x is not None and t_first <= x < t_last for x in w):
                wake[0, d] = min(w)
            if all(x is not None and t_first <= x < t_last for x in b):
                bed[0, d] = max(b)
    events = [ev for i, e in enumerate(keepers) for ev in _events(e, i, "diary")]
    events += _events(notes, -1, "annotation")
    events = sorted((ev for ev in events if t_first <= ev.start < t_last),
                    key=lambda ev: (ev.start, ev.person, ev.appliance))
    return GroundTruth(
        start=start, step=STEP, timezone=TIMEZONE, present_person=home, awake_person=awake,
        days=days, wake=wake, bed=bed, hot_water_l=np.full(len(days), np.nan),
        water_heater_kwh=np.full(len(days), np.nan), occupants=people,
        ownership=dict(h.meta.get("ownership", {})), source="METER time-use diary",
        household_present=present, household_awake=awake_hh, person_known=known,
        routine_level="household", events=events)


def _local_dates(midnights: np.ndarray) -> list[int]:
    """Local date (days since 1970-01-01) of each local midnight, epoch s UTC."""
    zone = ZoneInfo(TIMEZONE)
    return [int((m + datetime.fromtimestamp(int(m), zone).utcoffset().total_seconds()) // 86400)
            for m in midnights]
