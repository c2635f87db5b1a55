"""TIC logs: what a dongle or logger records from a meter's customer port (Enedis-NOI-CPT_54E).

**The link.** The meter sends frames without end: ``STX`` (0x02), groups, ``ETX`` (0x03); ``EOT``
(0x04) marks an interrupted frame. Each group is ``LF`` label, separator, [horodate, separator,]
data, separator, checksum, ``CR``. Two modes:

* *standard* (Linky only, 9600 baud): separator ``HT``; the checksum covers the label up to and
  including the last separator. Groups used: ``ADSC`` (meter serial), ``PRM``, ``DATE`` (the
  meter's clock: ``SAAMMJJhhmmss``, season flag ``E`` summer / ``H`` winter, lower case when the
  clock is degraded), ``SINSTS`` (apparent power drawn, VA), ``SINSTI`` (apparent power injected,
  VA), ``EAST`` (total active energy drawn, Wh), ``EAIT`` (injected, Wh);
* *historic* (Linky's default and the older electronic meters, 1200 baud): separator ``SP``; the
  checksum covers the label up to the data, the last separator excluded. Groups used: ``ADCO``
  (meter serial), ``PAPP`` (apparent power, VA), ``PTEC`` (tariff period) and the index
  registers ``BASE``, ``HCHC``/``HCHP``, ``EJPHN``/``EJPHPM``, ``BBRHCJB``…``BBRHPJR`` (Tempo), Wh.

The checksum is ``(sum of the covered bytes & 0x3F) + 0x20``. A group whose checksum fails is
skipped and counted (``bad_checksum``), a group that does not parse (receive errors, a frame cut
short) likewise (``corrupt_group``): noise on the link is expected, so neither is an error in
strict mode; a file where most groups fail is not read as TIC at all.

**What a file can be.** A *raw capture* (the bytes as received, STX/ETX framing; a capture taken
at 8 data bits keeps the parity in bit 7, which is stripped) or a *line log* (one group per line,
optionally prefixed by the logger's arrival time: ISO 8601 with or without offset — naive is
Europe/Paris — or epoch seconds, then a blank, ``;``, ``,`` or ``|``).

**Time.** In order of preference: the frame's ``DATE`` (standard mode), the logger's arrival time
of the group, or — a historic raw capture carries no clock — the byte offset at the nominal baud
rate (7E1 framing: 10 bits per character, 120 characters/s at 1200 baud, 960 at 9600) from the
``start`` the user gives or, without it, from an unknown origin (the first byte at epoch 0).
Byte-offset time runs slow by the pauses between frames and by any lost byte; the household's
``meta["notes"]`` says which timing was used. Samples are whole seconds; a second sampled twice
keeps its first frame (``same_second``, counted).

**What nilm keeps.** ``tic_apparent`` (``SINSTS`` / ``PAPP``): the **apparent** power in VA, not
active power in W — the household's mains when no load curve of the meter is loaded beside it.
``tic_active``: the mean active power between changes of the energy index (``EAST``, or the sum
of the historic registers) at least :data:`INDEX_MIN_S` apart, exact in energy (the index's last
minus first value).
Injection (``SINSTI``, ``EAIT``) is kept apart (``tic_injection_apparent``, ``tic_injection``).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from ..errors import LoadReport
from .curve import LINKY_POWER_RANGE_W, Problems, Reading, from_register, stamp, utc
from .merge import read_files

NAME = "tic"

#: nominal baud rate of each mode
BAUD = {"standard": 9600, "historique": 1200}
#: bits per character on the link: start, 7 data, even parity, stop
BITS_PER_CHAR = 10
#: historic energy-index registers (Wh); their sum is the total drawn
HISTORIC_INDEX = ("BASE", "HCHC", "HCHP", "EJPHN", "EJPHPM", "BBRHCJB", "BBRHPJB", "BBRHCJW",
                  "BBRHPJW", "BBRHCJR", "BBRHPJR")
#: a file is read as TIC when at least this share of its groups pass their checksum
MIN_VALID = 0.5
#: shortest interval of the active power from index changes, s (whole-second frame times)
INDEX_MIN_S = 60
#: limits for the plausibility layer of :mod:`nilm.io`: a capture without clock counts from an
#: unknown origin at epoch 0, so dates from 1970 on are plausible here
PLAUSIBLE_SPAN = ("1970-01-01", None)
POWER_RANGE_W = LINKY_POWER_RANGE_W

_MARKS = b"\x02\x03\x04"  # STX, ETX, EOT
_MARK = re.compile(rb"[\x02\x03\x04]")
_BAD = re.compile(rb"[^\x09\x20-\x7e]")
_LABEL = re.compile(rb"^[A-Z0-9+\-]{2,10}$")
_HORODATE = re.compile(r"^[EeHh ](\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$")
_PREFIX = re.compile(rb"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
                     rb"|\d{9,10}(?:\.\d+)?)[ \t;,|]+(.*)$")
#: the groups nilm reads (every group's checksum is still verified and counted)
_USED = (b"ADSC", b"ADCO", b"PRM", b"DATE", b"SINSTS", b"SINSTI", b"EAST", b"EAIT", b"PAPP",
         *(x.encode() for x in HISTORIC_INDEX))


def checksum(covered: bytes) -> int:
    """The TIC checksum character of ``covered``: ``(Σ bytes & 0x3F) + 0x20``."""
    return (sum(covered) & 0x3F) + 0x20


class _Group:
    __slots__ = ("label", "horodate", "value", "offset", "arrival", "frame")

    def __init__(self, label, horodate, value, offset, arrival, frame):
        self.label, self.horodate, self.value = label, horodate, value
        self.offset, self.arrival, self.frame = offset, arrival, frame


def _split(body: bytes):
    """(mode, label, horodate, value) of one group body (between LF and CR), or a failure
    kind: ``"corrupt"`` or ``"checksum"``."""
    if len(body) < 4 or _BAD.search(body):
        return "corrupt"
    ck = body[-1]
    if 0x09 in body:
        if body[-2] != 0x09:
            return "corrupt"
        fields = body[:-2].split(b"\t")
        if len(fields) not in (2, 3) or not _LABEL.match(fields[0]):
            return "corrupt"
        if checksum(body[:-1]) != ck:
            return "checksum"
        label = fields[0].decode("ascii")
        hd = fields[1].decode("ascii") if len(fields) == 3 else None
        return "standard", label, hd, fields[-1].decode("ascii")
    if body[-2] != 0x20:
        return "corrupt"
    label, sep, value = body[:-2].partition(b" ")
    if not sep or not _LABEL.match(label):
        return "corrupt"
    if checksum(body[:-2]) != ck:
        return "checksum"
    return "historique", label.decode("ascii"), None, value.decode("ascii")


def _season_time(text: str) -> int | None:
    """UTC epoch s of a standard-mode horodate (``E``/``H`` + ``AAMMJJhhmmss``), or None when
    the meter's clock is not set (blank flag) or the text does not parse."""
    m = _HORODATE.match(text or "")
    if not m:
        return None
    flag = text[0]
    if flag == " ":
        return None
    yy, mo, dd, hh, mi, ss = (int(x) for x in m.groups())
    try:
        local = datetime(2000 + yy, mo, dd, hh, mi, ss)
    except ValueError:
        return None
    offset = timedelta(hours=2 if flag in "Ee" else 1)
    return int((local - offset).replace(tzinfo=timezone.utc).timestamp())


def _arrival(text: bytes) -> tuple[int, bool, float]:
    """(whole seconds, aware, fraction) of a logger's arrival time: epoch s, or ISO 8601 with
    or without offset (naive: wall-clock seconds, converted in bulk later)."""
    t = text.decode("ascii").replace(",", ".")
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        whole = math.floor(float(t))
        return whole, True, float(t) - whole
    dt = datetime.fromisoformat(t)
    frac = dt.microsecond / 1e6
    sec, aware = stamp(dt.replace(microsecond=0), dmy=False)
    return sec, aware, frac


def _groups(data: bytes, problems: Problems, tz: str):
    """Parsed groups of a capture or log, with counts of failures and whether the log has
    arrival times. Only the groups nilm uses (:data:`_USED`) are kept; every group is
    checked."""
    head = np.frombuffer(data[:65536], dtype=np.uint8)
    if np.count_nonzero(head & 0x80) > 0.05 * len(head):
        data = (np.frombuffer(data, dtype=np.uint8) & 0x7F).tobytes()
        problems.note(None, "parity_stripped", "bytes carry the parity bit (captured at 8 data "
                      "bits): bit 7 stripped")
    lines = [x for x in data[:8192].split(b"\n")[:-1] if x.strip(b"\r \x02\x03\x04")][:50]
    if b"\r" in data[:8192] and not any(_PREFIX.match(x.translate(None, _MARKS))
                                         for x in lines):
        return _groups_framed(data)
    return _groups_lines(data, problems, tz)


def _groups_framed(data: bytes):
    """:func:`_groups` of a capture whose groups end with CR (raw captures, CRLF logs without
    arrival times): every group located and checked by array operations, the used ones
    decoded."""
    arr = np.frombuffer(b"\n" + data, dtype=np.uint8)
    all_lf = np.flatnonzero(arr == 0x0A)
    cr = np.flatnonzero(arr == 0x0D)
    nxt = np.searchsorted(cr, all_lf)
    has = nxt < len(cr)
    lf, end = all_lf[has], cr[nxt[has]]
    following = np.append(all_lf[1:], len(arr))[has]
    inside = end < following  # no LF between the group's LF and its CR
    # a stretch from one LF to the next without CR is a group that lost its end (a receive
    # error, or the capture cut short): counted as corrupt, if it holds more than markers
    nxt_lf = np.append(all_lf[1:], len(arr))
    open_end = np.ones(len(all_lf), dtype=bool)
    open_end[np.flatnonzero(has)[inside]] = False
    content = (arr > 0x20) & (arr != 0x7F)
    ncontent = np.concatenate([[0], np.cumsum(content)])
    lost = open_end & (ncontent[nxt_lf] - ncontent[all_lf + 1] > 0)
    lf, end = lf[inside], end[inside]
    start = lf + 1
    line = np.searchsorted(all_lf, lf) + 1
    bad = ~((arr == 0x09) | ((arr >= 0x20) & (arr <= 0x7E)))
    nbad = np.concatenate([[0], np.cumsum(bad)])
    total = np.concatenate([[0], np.cumsum(arr, dtype=np.int64)])
    blank = (end - start) == 0
    short = (end - start) < 4
    ck = arr[np.maximum(end - 1, 0)]
    sep = arr[np.maximum(end - 2, 0)]
    std = sep == 0x09
    covered = np.where(std, end - 1, end - 2)
    good = ((total[covered] - total[start]) & 0x3F) + 0x20 == ck
    corrupt = ~blank & (short | (nbad[end] - nbad[start] > 0) | ((sep != 0x09) & (sep != 0x20)))
    checksum = ~blank & ~corrupt & ~good
    fails = {"corrupt": int(corrupt.sum() + lost.sum()), "checksum": int(checksum.sum())}
    first = {"corrupt": [int(x) for x in (line[corrupt][:1].tolist()
                                          + (np.flatnonzero(lost)[:1] + 1).tolist())],
             "checksum": line[checksum][:1].tolist()}
    first_fail = {k: min(v) for k, v in first.items() if v}
    valid = ~blank & ~corrupt & ~checksum
    marks = np.flatnonzero((arr == 0x02) | (arr == 0x03) | (arr == 0x04))
    frame = np.searchsorted(marks, lf)
    used = valid & _used(arr, start, end)
    groups = []
    for k in np.flatnonzero(used):
        parsed = _split(data[start[k] - 1:end[k] - 1])
        if isinstance(parsed, str):
            continue  # a label with characters no group name has
        mode, label, hd, value = parsed
        groups.append((mode, _Group(label, hd, value, int(max(lf[k] - 1, 0)), None,
                                    int(frame[k])), int(line[k])))
    n_valid = int(valid.sum())
    return groups, fails, first_fail, False, n_valid


def _used(arr: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Groups whose label is one of :data:`_USED` (the label and its separator compared)."""
    out = np.zeros(len(start), dtype=bool)
    for label in _USED:
        n = len(label)
        m = (end - start) > n + 1
        for j in range(n):
            m &= arr[np.minimum(start + j, len(arr) - 1)] == label[j]
        after = arr[np.minimum(start + n, len(arr) - 1)]
        out |= m & ((after == 0x09) | (after == 0x20))
    return out


def _groups_lines(data: bytes, problems: Problems, tz: str):
    """:func:`_groups` of a line log (a group per line, arrival times optional), line by
    line."""
    groups, fails = [], {"corrupt": 0, "checksum": 0}
    first_fail = {}
    stamps = []  # (index in groups, seconds, aware, fraction, line)
    frame, offset, n_valid = 0, 0, 0
    for line, chunk in enumerate(data.split(b"\n"), start=1):
        start = offset
        offset += len(chunk) + 1
        body, _, tail = chunk.partition(b"\r")
        # STX / ETX / EOT: alone before a frame's first LF, or after a group's CR
        if _MARK.search(body):
            frame += 1
            body = body.translate(None, _MARKS)
        after = _MARK.search(tail) is not None
        if body.strip(b" "):
            m = _PREFIX.match(body)
            arrival = None
            if m:
                try:
                    arrival = _arrival(m.group(1))
                except ValueError:
                    arrival = None
                else:
                    body = m.group(2)
            parsed = _split(body)
            if isinstance(parsed, str):
                fails[parsed] += 1
                first_fail.setdefault(parsed, line)
            else:
                mode, label, hd, value = parsed
                n_valid += 1
                if label.encode() not in _USED:
                    continue
                if arrival is not None:
                    stamps.append((len(groups), *arrival, line))
                groups.append((mode, _Group(label, hd, value, start, None, frame), line))
        if after:
            frame += 1
    if stamps:
        sec = utc([x[1] for x in stamps], [x[2] for x in stamps], [x[4] for x in stamps],
                  problems, tz)
        for (k, _, _, frac, _), whole in zip(stamps, sec, strict=True):
            groups[k][1].arrival = float(whole) + frac
    return groups, fails, first_fail, bool(stamps), n_valid


def _frames(groups):
    """Split groups into frames: at STX/ETX markers, else where a label repeats."""
    frames, current, seen, marker = [], [], set(), None
    for g, line in groups:
        if current and (g.frame != marker or g.label in seen):
            frames.append(current)
            current, seen = [], set()
        current.append((g, line))
        seen.add(g.label)
        marker = g.frame
    if current:
        frames.append(current)
    return frames


def parse(path, *, mode: str, report: LoadReport, tz: str = "Europe/Paris", start=None):
    """The readings of one TIC capture or log and its :class:`~nilm.io.curve.Problems`.

    ``start``: time of the capture's first byte (ISO 8601 — naive is ``tz`` — or epoch s), used
    only when the frames carry no clock and the log no arrival times."""
    path = Path(path)
    problems = Problems(path, mode, report)
    parsed, fails, first_fail, arrivals, n_valid = _groups(path.read_bytes(), problems, tz)
    total = n_valid + fails["corrupt"] + fails["checksum"]
    if not parsed or n_valid < MIN_VALID * total:
        problems.error(None, f"not a TIC log: {n_valid} of {total} groups pass their "
                       "checksum")
    modes = [m for m, _, _ in parsed]
    tic_mode = max(set(modes), key=modes.count)
    for kind, n in fails.items():
        if n:
            problems.note(first_fail[kind], "bad_checksum" if kind == "checksum"
                          else "corrupt_group", f"{n} groups skipped ("
                          f"{'checksum fails' if kind == 'checksum' else 'unreadable'})",
                          count=n)
    groups = [(g, line) for m, g, line in parsed if m == tic_mode]
    frames = _frames(groups)
    notes = []
    baud = BAUD[tic_mode]
    rate = baud / BITS_PER_CHAR
    # one time per frame: DATE, else the first arrival time, else byte offset
    ftime = np.full(len(frames), np.nan)
    how = np.zeros(len(frames), dtype=np.int8)  # 1 DATE, 2 arrival, 3 byte offset
    for k, fr in enumerate(frames):
        date = next((g for g, _ in fr if g.label == "DATE"), None)
        t = _season_time(date.horodate) if date is not None else None
        if t is not None:
            ftime[k], how[k] = t, 1
        elif fr[0][0].arrival is not None:
            ftime[k], how[k] = fr[0][0].arrival, 2
    offsets = np.array([fr[0][0].offset for fr in frames], dtype=np.float64)
    timed = np.flatnonzero(how > 0)
    untimed = np.flatnonzero(how == 0)
    if len(untimed):
        if len(timed):
            # between clocked frames, by byte offset from the last clocked one before (or the
            # first one after)
            ref = np.searchsorted(timed, untimed) - 1
            ref = np.where(ref < 0, 0, ref)
            r = timed[ref]
            ftime[untimed] = ftime[r] + (offsets[untimed] - offsets[r]) / rate
            notes.append(f"{len(untimed)} TIC frames without a clock timed by byte offset "
                         f"from the nearest clocked frame ({baud} baud)")
        else:
            origin, said = _origin(start, problems, tz)
            ftime[untimed] = origin + offsets[untimed] / rate
            notes.append(f"TIC times from byte offsets at the nominal {baud} baud "
                         f"({rate:g} characters/s) {said}; pauses between frames and lost bytes "
                         "are not counted, so this clock runs slow")
        how[untimed] = 3
    if (how == 1).any():
        notes.append("TIC times from the meter's DATE group (its own clock)")
    if (how == 2).any() and arrivals:
        notes.append("TIC times from the logger's arrival times")
    notes.append("TIC power (SINSTS / PAPP) is apparent power in VA, not active power in W; "
                 "active energy comes from the index differences")
    meter, kind = _meter(frames, tic_mode)
    readings = []
    power_label = "SINSTS" if tic_mode == "standard" else "PAPP"
    clock = _Clock(ftime, how, offsets, rate)
    for label, channel in ((power_label, "tic_apparent"), ("SINSTI", "tic_injection_apparent")):
        r = _points(frames, clock, label, channel, problems, path, meter, kind, notes)
        if r is not None:
            readings.append(r)
    if tic_mode == "standard":
        index = [("EAST", "tic_active", ("EAST",)), ("EAIT", "tic_injection", ("EAIT",))]
    else:
        present = [lab for lab in HISTORIC_INDEX if any(g.label == lab for fr in frames
                                                        for g, _ in fr)]
        index = [("+".join(present), "tic_active", tuple(present))] if present else []
    for what, channel, labels in index:
        r = _index(frames, clock, what, labels, channel, problems, path, meter, kind, notes)
        if r is not None:
            readings.append(r)
    if not readings:
        problems.error(None, f"no {power_label} or energy-index groups in the log")
    return readings, problems


def _origin(start, problems: Problems, tz: str) -> tuple[int, str]:
    """Epoch s of the first byte and the words saying where it came from."""
    if start is None or start == "":
        problems.note(None, "time_origin_unknown", "no clock in the capture and no start "
                      "given: times count from an unknown origin (shown from 1970-01-01 00:00 "
                      "UTC)")
        return 0, "from an unknown origin (the first byte at 1970-01-01 00:00 UTC; pass a start"\
                  " to place it)"
    if isinstance(start, (int, float)) and not isinstance(start, bool):
        if not math.isfinite(start):
            problems.error(None, f"start {start!r} is not a time")
        return int(start), f"from the given start {int(start)} (epoch s)"
    try:
        sec, aware = stamp(str(start), dmy=False)
    except ValueError:
        problems.error(None, f"start {start!r} is not an ISO 8601 time")
    if not aware:
        sec = int(utc([sec], [False], [0], problems, tz)[0])
    return sec, f"from the given start {start}"


def _meter(frames, tic_mode: str) -> tuple[str | None, str | None]:
    """The meter id: the PRM group if the log has one, else ADSC (standard) / ADCO."""
    found = {}
    for fr in frames:
        for g, _ in fr:
            if g.label in ("PRM", "ADSC", "ADCO") and g.value.strip():
                found.setdefault(g.label, g.value.strip())
    for label in ("PRM", "ADSC" if tic_mode == "standard" else "ADCO"):
        if label in found:
            return found[label], label
    return None, None


class _Clock:
    """Time of a group: its frame's DATE, else its own arrival time, else its byte offset."""

    def __init__(self, ftime, how, offsets, rate):
        self.ftime, self.how, self.offsets, self.rate = ftime, how, offsets, rate

    def __call__(self, k: int, g: _Group) -> float:
        if self.how[k] == 1:
            return float(self.ftime[k])
        if g.arrival is not None:
            return g.arrival
        return float(self.ftime[k] + (g.offset - self.offsets[k]) / self.rate)


def _points(frames, clock, label, channel, problems, path, meter, kind, notes):
    t, v, line = [], [], []
    for k, fr in enumerate(frames):
        for g, ln in fr:
            if g.label != label:
                continue
            if not g.value.isdigit():
                problems.note(ln, "corrupt_group", f"{label} value {g.value!r} is not a number")
                continue
            t.append(math.floor(clock(k, g)))
            v.append(float(int(g.value)))
            line.append(ln)
    if not t:
        return None
    t = np.array(t, dtype=np.int64)
    v = np.array(v, dtype=np.float64)
    line = np.array(line, dtype=np.int64)
    order = np.argsort(t, kind="stable")
    if np.any(np.diff(t) < 0):
        first = int(line[np.flatnonzero(np.diff(t) < 0)[0] + 1])
        problems.problem(first, "unsorted", f"{label} samples out of time order (sorted)")
    t, v, line = t[order], v[order], line[order]
    dup = np.flatnonzero(np.diff(t) == 0) + 1
    if len(dup):
        problems.note(int(line[dup[0]]), "same_second", f"{len(dup)} {label} samples in a "
                      "second already sampled (whole-second times; the first kept)",
                      count=len(dup))
        keep = np.ones(len(t), dtype=bool)
        keep[dup] = False
        t, v, line = t[keep], v[keep], line[keep]
    period = max(1.0, float(np.median(np.diff(t)))) if len(t) > 1 else 1.0
    return Reading(path, meter, kind, channel, t, np.zeros(len(t)), v, line, NAME,
                   label=f"TIC {label} (apparent power, VA)", quantity="apparent",
                   interval=False, period=period, notes=list(notes))


def _index(frames, clock, what, labels, channel, problems, path, meter, kind, notes):
    t, wh, line = [], [], []
    for k, fr in enumerate(frames):
        values = {g.label: g.value for g, _ in fr if g.label in labels}
        if len(values) != len(labels) or not all(x.isdigit() for x in values.values()):
            continue
        t.append(math.floor(clock(k, next(g for g, _ in fr if g.label in labels))))
        wh.append(float(sum(int(x) for x in values.values())))
        line.append(next(ln for g, ln in fr if g.label in labels))
    if len(t) < 2:
        return None
    t = np.array(t, dtype=np.int64)
    order = np.argsort(t, kind="stable")
    start, step, mean, ln = from_register(t[order], np.array(wh)[order],
                                          np.array(line)[order], problems, what,
                                          changes_only=True, min_step=INDEX_MIN_S)
    if not len(start):
        return None
    return Reading(path, meter, kind, channel, start, step, mean, ln, NAME,
                   label=f"TIC active power from {what} index changes", notes=list(notes))


def _head_ok(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            data = f.read(16384)
    except OSError:
        return False
    if b"\n" not in data:
        return False
    ok = bad = 0
    data = (np.frombuffer(data, dtype=np.uint8) & 0x7F).tobytes()
    for chunk in data.split(b"\n")[1:-1]:
        chunk = chunk.translate(None, _MARKS).split(b"\r")[0]
        m = _PREFIX.match(chunk)
        if m:
            chunk = m.group(2)
        if not chunk.strip():
            continue
        if isinstance(_split(chunk), str):
            bad += 1
        else:
            ok += 1
    return ok >= 3 and ok >= MIN_VALID * (ok + bad)


def detect(path: Path) -> bool:
    """A file (not CSV, JSON or XLSX) whose first groups mostly pass the TIC checksum."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() in (".csv", ".json", ".xlsx", ".h5", ".zip"):
        return False
    return _head_ok(path)


def sources(path: Path) -> list[Path]:
    path = Path(path)
    return sorted(f for f in path.glob("*") if detect(f)) if path.is_dir() else [path]


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         tz: str = "Europe/Paris", start=None) -> list:
    """Households from a TIC capture or log (or a folder of them, merged by meter id).

    Parameters
    ----------
    path : a raw capture or a line log of the meter's customer port, or a folder of them.
    mode, report, tz : as in :func:`nilm.io.enedis.read`.
    start : time of the first byte of a capture whose frames carry no clock (historic mode)
        and that has no arrival times: ISO 8601 (naive = ``tz``) or epoch s. Without it such a
        capture counts from an unknown origin, and ``meta["notes"]`` says so.

    Returns
    -------
    One Household per meter (:func:`nilm.io.merge.households`): ``mains`` the apparent power
    (VA, quantity ``"apparent"``, point samples), ``extra["tic_active"]`` the active power from
    the energy index, injection channels apart; house = the masked PRM / ADSC / ADCO.
    """
    return read_files(parse, sources(Path(path)), mode=mode, report=report, tz=tz, start=start)
