"""Reading NILM text files: parse errors, post-parse checks and local-time conversion.

Shared by every text loader. The parsing itself is done by the Numba kernels of
:mod:`nilm.kernels.parse`; this module turns their per-line error codes into a
:class:`~nilm.errors.NilmDataError` (strict mode) or :class:`~nilm.errors.Repair` entries (lenient
mode), then checks the parsed samples (:func:`check_samples`):

* **unsorted** timestamps: strict raises at the first line whose timestamp is earlier than the
  line before; lenient stable-sorts and records ``unsorted`` with the number of backward steps;
* **duplicate** timestamps (after sorting): strict raises at the line of the second occurrence;
  lenient keeps the sample that comes **first in the file** (for a logger that re-sends or
  overlaps a reading, the first value is the one that was live at that second; an average would
  be a value that was never measured) and records ``duplicate_timestamp`` with the number
  dropped and how many of them disagreed in value. Formats whose clocks stamp several distinct
  readings with the same whole second (tracebase) use ``duplicates="mean"`` instead, in both
  modes (see :func:`read_tracebase_file`);
* **empty** file (no sample at all): strict raises; lenient records ``empty_file`` and returns
  empty arrays, so the loader keeps an empty channel;
* **negative** power: never changed; recorded as ``negative_power`` (count) in both modes, since
  it can be genuine (generation, a reversed clamp) or a fault only the user can judge.

Before these, every file's rows pass the row stage of :mod:`nilm.io.plausible` (epoch unit,
plausible dates, non-finite values).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ..errors import LoadReport, NilmDataError
from ..kernels import parse as _k
from .plausible import check_rows

_MESSAGES = {
    _k.MALFORMED: "malformed line (first field is not {what})",
    _k.NON_NUMERIC: "non-numeric power value",
    _k.WRONG_FIELDS: "wrong number of fields (expected {nfields})",
    _k.BLANK: "blank line inside the data",
}


def _read_bytes(path) -> np.ndarray:
    return np.fromfile(path, dtype=np.uint8)


def _handle_errors(path, err_line, err_code, *, mode: str, report: LoadReport, what: str,
                   nfields: int) -> None:
    if len(err_line) == 0:
        return
    if mode == "strict":
        code = int(err_code[0])
        raise NilmDataError(path, int(err_line[0]),
                            _MESSAGES[code].format(what=what, nfields=nfields))
    for code in np.unique(err_code):
        lines = err_line[err_code == code]
        kind = _k.ERROR_KINDS[int(code)]
        msg = _MESSAGES[int(code)].format(what=what, nfields=nfields) + "; line skipped"
        keep = min(len(lines), report.max_entries)
        for ln in lines[:keep]:
            report.add(path, int(ln), kind, msg)
        if len(lines) > keep:
            report.add(path, None, kind, f"{len(lines) - keep} more such lines skipped",
                       count=len(lines) - keep)


def read_int_float(path, *, mode: str = "lenient", report: LoadReport | None = None,
                   allow_negative: bool = False):
    """Read a ``<epoch s> <W>`` file (REDD ``low_freq``, UK-DALE ``.dat``).

    Parameters
    ----------
    path : file path.
    mode : ``"strict"`` raises :class:`NilmDataError` (file, 1-based line) on the first bad line
        or check; ``"lenient"`` skips and records in ``report``.
    report : where lenient repairs are recorded (a new one when None).
    allow_negative : do not record negative values (for channels where they are expected).

    Returns
    -------
    t : int64 epoch s, strictly increasing.
    p : float64 W.
    line : int64 1-based source line of each sample.
    """
    report = LoadReport() if report is None else report
    t, v, line, err_line, err_code = _k.parse_int_float(_read_bytes(path))
    _handle_errors(path, err_line, err_code, mode=mode, report=report,
                   what="an integer timestamp", nfields=2)
    return check_samples(path, t, v, line, mode=mode, report=report,
                         allow_negative=allow_negative, nan_is_number=True)


def read_tracebase_file(path, *, tz: str = "Europe/Berlin", mode: str = "lenient",
                        report: LoadReport | None = None):
    """Read a tracebase day-file (``DD/MM/YYYY hh:mm:ss;<W 1 s>;<W 8 s>``, local time ``tz``).

    Repeated timestamps are expected in this format: plugs report up to about twice a second
    but stamp whole seconds (120 of the 121 real files in ``shared/data`` repeat some; Dishwasher
    B82F81 repeats ~68,000 of ~153,000). The readings of one second are averaged, since each
    measures that second and keeping one would discard half of a 2-Hz plug's data; the count is
    recorded as ``duplicate_timestamp`` in both modes.

    Parameters
    ----------
    path : file path.
    tz : IANA time zone of the wall-clock times (tracebase: Darmstadt, ``"Europe/Berlin"``).
    mode, report : as in :func:`read_int_float`; DST rules in :func:`local_to_utc`.

    Returns
    -------
    t : int64 epoch s UTC, strictly increasing (after :func:`local_to_utc` and the checks).
    p1, p8 : float64 W averaged over 1 s and over 8 s.
    line : int64 1-based source line of each sample.
    """
    report = LoadReport() if report is None else report
    local, p1, p8, line, err_line, err_code = _k.parse_tracebase(_read_bytes(path))
    _handle_errors(path, err_line, err_code, mode=mode, report=report,
                   what="a DD/MM/YYYY hh:mm:ss date-time", nfields=3)
    t = local_to_utc(local, tz, path=path, line=line, mode=mode, report=report)
    both = np.stack([p1, p8], axis=1)
    t, both, line = check_samples(path, t, both, line, mode=mode, report=report,
                                  duplicates="mean", strict_duplicates=False, nan_is_number=True)
    return t, both[:, 0].copy(), both[:, 1].copy(), line


def check_samples(path, t, v, line, *, mode: str, report: LoadReport,
                  allow_negative: bool = False, duplicates: str = "first",
                  strict_duplicates: bool = True, nan_is_number: bool = False):
    """Vet (:func:`nilm.io.plausible.check_rows`), sort and de-duplicate parsed samples (rules
    in the module docstring).

    Parameters
    ----------
    path : file the samples came from (named in errors and repairs).
    t : int64 [n] epoch s.
    v : float64 [n] or [n, k] values (W); rows follow ``t``.
    line : int64 [n] 1-based source lines.
    mode, report : as in :func:`read_int_float`.
    allow_negative : skip the negative-value record.
    duplicates : how a lenient load resolves a run of equal timestamps: ``"first"`` (default,
        the first in file order) or ``"mean"`` (their mean, for formats that stamp several
        readings of one second with the same whole second, like tracebase).
    strict_duplicates : False when the format is known to repeat timestamps: they are then
        resolved and recorded in strict mode too, instead of raising.
    nan_is_number : the format has no missing-value marker, so a NaN value was written as a
        number (``nan``) and is refused like ``inf`` (see :func:`~nilm.io.plausible.check_rows`).

    Returns
    -------
    (t, v, line) strictly increasing in ``t``.
    """
    t = np.asarray(t, dtype=np.int64)
    v = np.asarray(v)
    line = np.asarray(line, dtype=np.int64)
    t, v, line = check_rows(path, t, v, line, mode=mode, report=report,
                            nan_is_number=nan_is_number)
    if len(t) == 0:
        if mode == "strict":
            raise NilmDataError(path, None, "empty file: no samples")
        report.add(path, None, "empty_file", "no samples; channel kept empty")
        return t, v, line
    back = np.flatnonzero(t[1:] < t[:-1]) + 1
    if len(back):
        if mode == "strict":
            i = int(back[0])
            raise NilmDataError(path, int(line[i]), f"timestamp {int(t[i])} is earlier than "
                                f"the previous one ({int(t[i - 1])}, line {int(line[i - 1])})")
        report.add(path, int(line[back[0]]), "unsorted",
                   f"{len(back)} backward steps; samples stable-sorted by time", count=len(back))
        order = np.argsort(t, kind="stable")
        t, v, line = t[order], v[order], line[order]
    dup = np.flatnonzero(t[1:] == t[:-1]) + 1
    if len(dup):
        if mode == "strict" and strict_duplicates:
            i = int(dup[0])
            raise NilmDataError(path, int(line[i]), f"duplicate timestamp {int(t[i])} (first at "
                                f"line {int(line[i - 1])})")
        # after a stable sort, each run of equal times is in file order
        first = np.ones(len(t), dtype=bool)
        first[dup] = False
        starts = np.flatnonzero(first)
        run_start = np.maximum.accumulate(np.where(first, np.arange(len(t)), 0))
        vv = v.reshape(len(t), -1)
        differs = ~np.all((vv[dup] == vv[run_start[dup]])
                          | (np.isnan(vv[dup]) & np.isnan(vv[run_start[dup]])), axis=1)
        if duplicates == "mean":
            sizes = np.diff(np.append(starts, len(t))).reshape((-1,) + (1,) * (v.ndim - 1))
            kept = np.add.reduceat(v.astype(np.float64), starts, axis=0) / sizes
            how = "replaced by their mean"
        elif duplicates == "first":
            kept = v[first]
            how = "dropped, keeping the first in file order"
        else:
            raise ValueError(f"duplicates must be 'first' or 'mean', not {duplicates!r}")
        report.add(path, int(line[dup[0]]), "duplicate_timestamp",
                   f"{len(dup)} repeated timestamps {how} ({int(differs.sum())} of them had a "
                   "different value)", count=len(dup))
        t, v, line = t[first], kept, line[first]
    if not allow_negative:
        neg = np.flatnonzero(np.any(v.reshape(len(t), -1) < 0, axis=1))
        if len(neg):
            report.add(path, int(line[neg[0]]), "negative_power",
                       f"{len(neg)} samples below 0 W, kept as measured", count=len(neg))
    return t, v, line


def _hour_offsets(hour: int, tz: ZoneInfo) -> tuple[int, int] | None:
    """(offset fold=0, fold=1) in s if constant over the whole local hour, else None."""
    base = datetime(1970, 1, 1) + timedelta(hours=hour)
    offs = set()
    for dt in (base, base + timedelta(seconds=3599)):
        for fold in (0, 1):
            offs.add((fold, int(dt.replace(tzinfo=tz, fold=fold).utcoffset().total_seconds())))
    f0 = {o for f, o in offs if f == 0}
    f1 = {o for f, o in offs if f == 1}
    if len(f0) == 1 and len(f1) == 1:
        return f0.pop(), f1.pop()
    return None


def local_to_utc(local, tz: str, *, path=None, line=None, mode: str = "lenient",
                 report: LoadReport | None = None) -> np.ndarray:
    """Convert naive local wall-clock epoch seconds to UTC epoch seconds (IANA ``tz``, zoneinfo).

    DST (e.g. Europe/Berlin):

    * a time in the spring-forward gap (02:00–03:00 on the last Sunday of March) does not exist:
      strict raises; lenient shifts it by the offset in force before the gap (02:30 becomes
      01:30 UTC, i.e. 03:30 summer time) and records ``nonexistent_local_time``;
    * a time in the repeated autumn hour is read as the first (summer-time) pass until the
      recording steps back in wall-clock time, and as the second pass from then on. If the
      file never steps back inside that hour the choice cannot be checked: strict raises;
      lenient takes the first pass and records ``ambiguous_local_time``.

    Parameters
    ----------
    local : int64 [n] naive epoch seconds (wall-clock time read as if it were UTC), in file order.
    tz : IANA time-zone name.
    path, line : file and 1-based lines, for errors and repairs.
    mode, report : as in :func:`read_int_float`.

    Returns
    -------
    int64 [n] epoch seconds UTC.
    """
    report = LoadReport() if report is None else report
    local = np.asarray(local, dtype=np.int64)
    zone = ZoneInfo(tz)
    n = len(local)
    line = np.arange(1, n + 1) if line is None else np.asarray(line)
    out = np.empty(n, dtype=np.int64)
    hours = local // 3600
    uniq, inv = np.unique(hours, return_inverse=True)
    # one zoneinfo look-up per distinct local hour, then vectorised: linear in n
    off = np.zeros(len(uniq), dtype=np.int64)
    regular = np.zeros(len(uniq), dtype=bool)
    for k, h in enumerate(uniq):
        offs = _hour_offsets(int(h), zone)
        if offs is not None and offs[0] == offs[1]:
            off[k], regular[k] = offs[0], True
    out = local - off[inv]
    irregular = ~regular[inv]
    if not irregular.any():
        return out
    gap_lines, amb_unresolved = [], []
    # the repeated autumn hour is resolved per occurrence (one per year): the state resets when
    # a new repeated hour starts, so multi-year files are read correctly
    window, after_step_back, window_amb = None, False, []
    for i in np.flatnonzero(irregular):
        dt = datetime(1970, 1, 1) + timedelta(seconds=int(local[i]))
        o0 = int(dt.replace(tzinfo=zone, fold=0).utcoffset().total_seconds())
        o1 = int(dt.replace(tzinfo=zone, fold=1).utcoffset().total_seconds())
        if o0 == o1:
            out[i] = local[i] - o0
            continue
        back = (dt.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
                .astimezone(zone).replace(tzinfo=None))
        if back != dt:  # spring-forward gap: this wall-clock time never happened
            gap_lines.append(int(line[i]))
            out[i] = local[i] - o0
            continue
        this_window = int(local[i]) // 86400
        if this_window != window:
            if not after_step_back:
                amb_unresolved.extend(window_amb)
            window, after_step_back, window_amb = this_window, False, []
        if i > 0 and local[i] < local[i - 1]:
            after_step_back = True
        if not after_step_back:
            window_amb.append(i)
        out[i] = local[i] - (o1 if after_step_back else o0)
    if not after_step_back:
        amb_unresolved.extend(window_amb)
    if gap_lines:
        if mode == "strict":
            raise NilmDataError(path, gap_lines[0], f"local time does not exist in {tz} "
                                "(daylight-saving gap)")
        report.add(path, gap_lines[0], "nonexistent_local_time",
                   f"{len(gap_lines)} times in the DST gap shifted forward by the offset before "
                   "the gap", count=len(gap_lines))
    if amb_unresolved:
        if mode == "strict":
            raise NilmDataError(path, int(line[amb_unresolved[0]]),
                                f"ambiguous local time in {tz} (repeated DST hour) and the file "
                                "never steps back to tell which pass it is")
        report.add(path, int(line[amb_unresolved[0]]), "ambiguous_local_time",
                   f"{len(amb_unresolved)} times in the repeated DST hour read as the first "
                   "(summer-time) pass", count=len(amb_unresolved))
    return out



def read_labels(path, *, mode: str, report: LoadReport) -> dict[int, str]:
    """Read a REDD/UK-DALE ``labels.dat``: ``<channel number> <label>`` per line.

    Returns {channel: label} in file order. A line that is not ``<int> <label>``, or a channel
    listed twice, raises in strict mode and is skipped (first kept) and recorded in lenient mode;
    a line that is not UTF-8 raises in strict mode and is read with U+FFFD for the bad bytes and
    recorded (``encoding``) in lenient mode.
    """
    out: dict[int, str] = {}
    raw_bytes = Path(path).read_bytes()
    # a byte-order mark (Windows editors add one) is not part of channel 1's number
    raw_bytes = raw_bytes[3:] if raw_bytes.startswith(b"\xef\xbb\xbf") else raw_bytes
    for no, line in enumerate(raw_bytes.splitlines(), start=1):
        try:
            raw = line.decode("utf-8")
        except UnicodeDecodeError:
            if mode == "strict":
                raise NilmDataError(path, no, "not UTF-8 text") from None
            raw = line.decode("utf-8", errors="replace")
            report.add(path, no, "encoding", "not UTF-8 text; undecodable bytes of the label "
                       "shown as U+FFFD")
        s = raw.strip()
        if not s:
            continue
        parts = s.split(None, 1)
        problem = None
        if len(parts) != 2 or not parts[0].isdigit():
            problem = ("malformed_line", "expected '<channel number> <label>'")
        elif int(parts[0]) in out:
            problem = ("duplicate_channel", f"channel {parts[0]} listed twice")
        if problem:
            if mode == "strict":
                raise NilmDataError(path, no, problem[1])
            report.add(path, no, problem[0], problem[1] + "; line skipped")
            continue
        out[int(parts[0])] = parts[1].strip()
    return out


def channel_files(folder) -> dict[int, Path]:
    """{N: path} of the ``channel_N.dat`` files in ``folder`` (REDD/UK-DALE naming)."""
    out = {}
    for f in Path(folder).glob("channel_*.dat"):
        num = f.stem[len("channel_"):]
        if num.isdigit():
            out[int(num)] = f
    return dict(sorted(out.items()))
