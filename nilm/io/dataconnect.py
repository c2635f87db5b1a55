"""Enedis Data Connect and MyElectricalData JSON: the API responses a household can save.

Two shapes are read:

* **metering data** (Data Connect v4/v5, returned as-is by the MyElectricalData gateway):
  ``{"meter_reading": {"usage_point_id", "start", "end", "quality", "reading_type":
  {"measurement_kind", "unit", "aggregate"[, "measuring_period"][, "flow_direction"]},
  "interval_reading": [{"value": "540", "date": "2019-05-06 03:00:00", "interval_length":
  "PT30M", "measure_type": "B"}, …]}}`` — a load curve (``power``, ``W``, ``average``; steps
  ``PT10M``/``PT15M``/``PT30M``/``PT60M``; ``date`` the **end** of the step, local time without
  offset) or daily energy (``measuring_period`` ``P1D``, ``Wh``, ``date`` the day). Several
  responses may be saved in one file as a list;
* **SGE detailed measures** (``ConsultationMesuresDetaillees``, also served by MyElectricalData):
  ``{"grandeur": [{"grandeurMetier": "CONS"|"PROD", "grandeurPhysique": "PA"|"EA", "unite": "W",
  "points" (or "mesure"): [{"v", "d", "p", "n"}]}]}``.

Values are strings or numbers (``"nan"`` strings are refused; a ``NaN``/``Infinity`` literal
makes the document invalid JSON, an error naming its line); times without offset are
Europe/Paris (:mod:`nilm.io.wallclock`). Production
(``grandeurMetier = PROD``, a reverse ``flow_direction``, or a file whose name says production /
injection, reported) is kept apart from consumption. Maximum-power series (``aggregate:
maximum``, VA) are not energy: skipped with a report. Errors and reports name the item
(``interval_reading[k]``) and the file line where its object starts (a minified dump is one
line: the item index then tells them apart).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ..errors import LoadReport
from ..resample import local_midnights, parse_period
from .curve import (
    LINKY_POWER_RANGE_W,
    Problems,
    Reading,
    clean,
    number,
    stamp,
    steps_from_ends,
    utc,
)
from .merge import read_files

NAME = "dataconnect"
#: the largest power of a Linky meter, for the plausibility layer of :mod:`nilm.io`
POWER_RANGE_W = LINKY_POWER_RANGE_W

_UNITS = {"w": 1.0, "kw": 1000.0, "wh": 1.0, "kwh": 1000.0}


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(65536).decode("utf-8-sig", errors="replace")
    except OSError:
        return ""


def detect(path: Path) -> bool:
    """A ``.json`` file whose start holds ``meter_reading``/``interval_reading`` or
    ``grandeur``."""
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".json"):
        return False
    head = _head(path)
    return ('"interval_reading"' in head or '"meter_reading"' in head
            or ('"grandeur"' in head and ('"points"' in head or '"mesure"' in head)))


def sources(path: Path) -> list[Path]:
    path = Path(path)
    return sorted(f for f in path.glob("*") if detect(f)) if path.is_dir() else [path]


class _Literal(ValueError):
    """A ``NaN`` / ``Infinity`` / ``-Infinity`` literal in the document (not JSON)."""

    def __init__(self, token: str):
        super().__init__(f"{token} is not a number")
        self.token = token


def _reject(token: str):
    raise _Literal(token)


#: a JSON string (skipped) or a bare non-finite literal, for locating the latter
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN')


#: key under which :func:`_loads` puts the line each JSON object starts on
_LINE = "\0line"


def _loads(text: str):
    """``json.loads`` (``NaN`` / ``Infinity`` refused) where every object also holds the
    1-based line of its ``{`` under :data:`_LINE`: the pure-Python scanner, whose object
    parser can be wrapped (the C scanner's cannot)."""
    from bisect import bisect_left
    from json import decoder, scanner

    newlines = [m.start() for m in re.finditer("\n", text)]

    def parse_object(s_and_end, *args, **kwargs):
        obj, end = decoder.JSONObject(s_and_end, *args, **kwargs)
        if isinstance(obj, dict):
            obj[_LINE] = bisect_left(newlines, s_and_end[1] - 1) + 1
        return obj, end

    dec = json.JSONDecoder(parse_constant=_reject)
    dec.parse_object = parse_object
    dec.scan_once = scanner.py_make_scanner(dec)
    return dec.decode(text)


def _error_line(text: str, exc: ValueError) -> int | None:
    """1-based line of a JSON error: the decoder's own, or where the first bare
    ``NaN``/``Infinity`` literal sits (the decoder's ``parse_constant`` is given no position)."""
    if getattr(exc, "lineno", None) is not None:
        return exc.lineno
    if isinstance(exc, _Literal):
        for m in _TOKENS.finditer(text):
            if not m.group(0).startswith('"'):
                return text.count("\n", 0, m.start()) + 1
    return None


def _blocks(doc) -> list[dict]:
    """Every metering block of a document: ``meter_reading`` objects and ``grandeur`` items,
    each normalised to {meter, kind, unit, aggregate, period, production, points, where}."""
    out = []
    docs = doc if isinstance(doc, list) else [doc]
    for d in docs:
        if not isinstance(d, dict):
            continue
        mr = d.get("meter_reading", d if "interval_reading" in d else None)
        if isinstance(mr, dict):
            rt = mr.get("reading_type") or {}
            points = [(p.get("value"), p.get("date"), p.get("interval_length"), p.get(_LINE))
                      for p in mr.get("interval_reading") or [] if isinstance(p, dict)]
            direction = str(rt.get("flow_direction", "")).lower()
            out.append({"meter": mr.get("usage_point_id"),
                        "kind": str(rt.get("measurement_kind", "")).lower(),
                        "unit": str(rt.get("unit", "W")), "aggregate":
                        str(rt.get("aggregate", "")).lower(),
                        "period": rt.get("measuring_period"),
                        "production": direction in ("reverse", "injection", "production"),
                        "points": points, "where": "interval_reading"})
        for g in d.get("grandeur") or []:
            if not isinstance(g, dict):
                continue
            pts = g.get("points", g.get("mesure")) or []
            points = [(p.get("v"), p.get("d"), p.get("p"), p.get(_LINE)) for p in pts
                      if isinstance(p, dict)]
            physical = str(g.get("grandeurPhysique", "PA")).upper()
            out.append({"meter": d.get("pointId", d.get("usage_point_id", d.get("prm"))),
                        "kind": "energy" if physical == "EA" else "power",
                        "unit": str(g.get("unite", "W")),
                        "aggregate": "maximum" if physical in ("PMA", "PMAX") else (
                            "sum" if physical == "EA" else "average"),
                        "period": "P1D" if physical == "EA" else None,
                        "production": str(g.get("grandeurMetier", "")).upper() == "PROD",
                        "points": points, "where": "points"})
    return out


def _block(block: dict, problems: Problems, tz: str, name_says_production: bool):
    """One block's Reading (None when it holds no energy)."""
    where = block["where"]
    unit = block["unit"].strip().lower()
    if block["aggregate"] == "maximum" or unit in ("va", "kva"):
        problems.note(None, "skipped_block", f"a {where} block of maximum power ({block['unit']})"
                      ": not energy, skipped", count=len(block["points"]))
        return None
    if unit not in _UNITS:
        problems.error(None, f"unit {block['unit']!r} is not W, kW, Wh or kWh")
    daily = str(block["period"] or "").upper() == "P1D" or (unit in ("wh", "kwh") and all(
        len(str(d or "")) <= 10 for _, d, _, _ in block["points"]))
    secs, aware, steps, values, lines = [], [], [], [], []
    for k, (v, d, length, no) in enumerate(block["points"], start=1):
        no = k if no is None else no
        try:
            s, a = stamp(d, dmy=False)
        except (ValueError, TypeError):
            problems.problem(no, "malformed_line", f"{where}[{k}]: bad date {d!r}")
            continue
        try:
            value = number(v)
        except ValueError:
            problems.problem(no, "non_numeric", f"{where}[{k}]: non-numeric value {v!r}")
            value = math.nan
        else:
            if math.isnan(value):
                problems.note(no, "missing_value", f"{where}[{k}]: empty value: gap")
        step = 0
        if length and not daily:
            try:
                step = parse_period(str(length))
            except ValueError:
                problems.problem(no, "malformed_line", f"{where}[{k}]: bad interval_length "
                                 f"{length!r}")
                continue
        secs.append(s)
        aware.append(a)
        steps.append(step)
        values.append(value * _UNITS[unit])
        lines.append(no)
    if not lines:
        problems.error(None, f"no {where} items")
    line = np.array(lines, dtype=np.int64)
    t = utc(secs, aware, line, problems, tz)
    value = np.array(values, dtype=np.float64)
    step = np.array(steps, dtype=np.int64)
    production = block["production"] or name_says_production
    meter = str(block["meter"]) if block["meter"] else None
    if daily:
        import pandas as pd

        local = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz)
        dates = np.array(local.strftime("%Y-%m-%d").tolist(), dtype="datetime64[D]")
        days, edges = local_midnights(int(t.min()), int(t.max()) + 1, tz)
        k = np.searchsorted(days, dates)
        start, step = edges[k], edges[k + 1] - edges[k]
        start, step, mean, line = clean(start, step, value * 3600.0 / step, line, problems)
        channel = "daily_production" if production else "daily"
        label = "Data Connect daily energy"
        return Reading(problems.path, meter, "PRM" if meter else None, channel, start, step,
                       mean, line, NAME, label=label)
    back = np.flatnonzero(np.diff(t) < 0)
    if len(back):
        problems.problem(int(line[back[0] + 1]), "unsorted", f"{len(back)} {where} items out "
                         "of time order (sorted)", count=len(back))
    order = np.argsort(t, kind="stable")
    t, value, step, line = t[order], value[order], step[order], line[order]
    if unit in ("wh", "kwh"):
        problems.note(None, "unit_converted", "energy per step to mean W")
    if (step == 0).any():
        keep = np.concatenate([[True], np.diff(t) > 0])
        t, value, step, line = t[keep], value[keep], step[keep], line[keep]
        inferred = steps_from_ends(t, line, problems)
        step = np.where(step == 0, inferred, step)
    if unit in ("wh", "kwh"):
        value = value * 3600.0 / step
    start, step, value, line = clean(t - step, step, value, line, problems)
    channel = "production" if production else "consumption"
    return Reading(problems.path, meter, "PRM" if meter else None, channel, start, step, value,
                   line, NAME, label="Data Connect load curve")


def parse(path, *, mode: str, report: LoadReport, tz: str = "Europe/Paris"):
    """The readings of one Data Connect / MyElectricalData JSON file and its Problems."""
    path = Path(path)
    problems = Problems(path, mode, report)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(raw.count(b"\n", 0, exc.start) + 1, f"not UTF-8 text ({exc.reason} at "
                       f"byte {exc.start})")
    try:
        doc = _loads(text)
    except ValueError as exc:
        problems.error(_error_line(text, exc), f"not valid JSON ({exc})")
    blocks = _blocks(doc)
    if not blocks:
        problems.error(None, "no 'meter_reading' / 'interval_reading' or 'grandeur' data")
    says = any(w in path.name.lower() for w in ("production", "injection"))
    if says and not any(b["production"] for b in blocks):
        problems.note(None, "production_from_name", "the file name says production: its "
                      "curve is kept as production, apart from consumption")
    readings = [r for b in blocks if (r := _block(b, problems, tz, says)) is not None]
    if not readings:
        problems.error(None, "no energy or load-curve data (only maximum power)")
    return readings, problems


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris") -> list:
    """Households from a Data Connect / MyElectricalData JSON file, or a folder of them.

    Parameters
    ----------
    path : a ``.json`` API response (or a list of responses), or a folder of them.
    mode, report, tz : as in :func:`nilm.io.enedis.read`.

    Returns
    -------
    One Household per meter (:func:`nilm.io.merge.households`): ``mains`` the load curve (mean
    active W, start-labelled UTC), ``extra["daily"]`` for ``P1D`` data,
    ``extra["production"]``; house = the masked ``usage_point_id``.
    """
    return read_files(parse, sources(Path(path)), mode=mode, report=report, tz=tz)
