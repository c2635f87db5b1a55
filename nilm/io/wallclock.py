"""Local wall-clock times without a UTC offset, as Linky exports write them, turned into UTC.

The R63 detailed-measures export, the Data Connect / MyElectricalData JSON, the Enedis XLSX and
the supplier exports write French local time (Europe/Paris) with no offset. Two hours a year
need a rule:

* **autumn** (last Sunday of October): the hour 02:00–03:00 happens twice. It is resolved by
  file order: rows are read as the first (summer-time, UTC+2) pass until the file repeats a time
  of that hour or steps back inside it; from then on they are the second (winter-time, UTC+1)
  pass. A file that holds the hour only once has it read as summer time and reported
  (``ambiguous_local_time``), since nothing in the file says which pass it is;
* **spring** (last Sunday of March): 02:00–03:00 does not exist. Such a time is an error naming
  its line in strict mode; in lenient mode it is read with the offset in force before the change
  (02:30 → 01:30 UTC, i.e. 03:30 summer time) and reported (``nonexistent_local_time``).

Times are given as naive epoch seconds (the wall-clock time read as if it were UTC) in the order
the file holds them, oldest first; a file written newest first is reversed by its reader first.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from ..errors import NilmDataError


def _offsets(naive: int, zone: ZoneInfo) -> tuple[int, int, bool]:
    """(offset of the first pass, offset of the second pass, exists) of one wall-clock time, s."""
    dt = datetime(1970, 1, 1) + timedelta(seconds=int(naive))
    first = dt.replace(tzinfo=zone, fold=0)
    second = dt.replace(tzinfo=zone, fold=1)
    o0 = int(first.utcoffset().total_seconds())
    o1 = int(second.utcoffset().total_seconds())
    # a time in the spring gap comes back as another wall-clock time after a round trip
    exists = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == dt
    return o0, o1, exists


def to_utc(naive, tz: str, *, lines, path, shown=None, mode: str = "lenient",
           report=None) -> np.ndarray:
    """UTC epoch seconds of naive local times, DST resolved by file order (module notes).

    Parameters
    ----------
    naive : int64 [n], wall-clock times as naive epoch seconds, in file order (oldest first).
    tz : IANA zone of the wall clock (Linky: ``"Europe/Paris"``).
    lines : int64 [n], 1-based source line (or row) of each time, for errors and reports.
    path : the file, named in errors.
    shown : the file as written in reports (PRM masked); defaults to ``path``.
    mode : ``"strict"`` raises :class:`~nilm.errors.NilmDataError` on a time that does not
        exist; ``"lenient"`` shifts it and reports it.
    report : :class:`~nilm.errors.LoadReport` receiving the reports (both modes).

    Returns
    -------
    int64 [n] epoch seconds UTC.
    """
    shown = path if shown is None else shown
    naive = np.asarray(naive, dtype=np.int64)
    lines = np.asarray(lines, dtype=np.int64)
    zone = ZoneInfo(tz)
    out = np.empty(len(naive), dtype=np.int64)
    hours, inverse = np.unique(naive // 3600, return_inverse=True)
    regular = np.zeros(len(hours), dtype=bool)
    offset = np.zeros(len(hours), dtype=np.int64)
    # one zoneinfo look-up per distinct local hour: an hour whose two ends and both passes share
    # one offset is plain; only the two DST hours of a year go through the row-by-row rules
    for k, h in enumerate(hours):
        a = _offsets(int(h) * 3600, zone)
        b = _offsets(int(h) * 3600 + 3599, zone)
        if a[0] == a[1] == b[0] == b[1] and a[2] and b[2]:
            regular[k], offset[k] = True, a[0]
    out[:] = naive - offset[inverse]
    special = np.flatnonzero(~regular[inverse])
    gaps, single = [], []
    window, seen, second, window_rows = None, None, False, []
    for i in special:
        o0, o1, exists = _offsets(int(naive[i]), zone)
        if not exists:
            gaps.append(i)
            out[i] = naive[i] - o0
            continue
        if o0 == o1:
            out[i] = naive[i] - o0
            continue
        day = int(naive[i]) // 86400
        if day != window:
            if window is not None and not second:
                single.extend(window_rows)
            window, seen, second, window_rows = day, None, False, []
        window_rows.append(i)
        if not second and seen is not None and naive[i] <= seen:
            second = True
        if not second:
            seen = int(naive[i])
        out[i] = naive[i] - (o1 if second else o0)
    if window is not None and not second:
        single.extend(window_rows)
    if gaps:
        first = int(lines[gaps[0]])
        if mode == "strict":
            raise NilmDataError(path, first, f"local time does not exist in {tz} (the hour "
                                "skipped when clocks go forward in spring)")
        if report is not None:
            report.add(shown, first, "nonexistent_local_time",
                       f"{len(gaps)} times in the hour skipped in spring read with the offset "
                       "before the change", count=len(gaps))
    if single and report is not None:
        report.add(shown, int(lines[single[0]]), "ambiguous_local_time",
                   f"{len(single)} times in the repeated autumn hour, held once in the file, "
                   "read as summer time (first pass)", count=len(single))
    return out


__all__ = ["to_utc"]
