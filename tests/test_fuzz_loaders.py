"""Fuzz / property suite over the text loaders (hypothesis, derandomized).

A clean small file of each format (REDD/UK-DALE channel files, UCI, tracebase, and the Enedis
``Horodate;Valeur`` curve with a weaker check, see its test) is damaged by
random truncation, byte flips, line shuffles, duplicated lines, unit scaling (values or
timestamps x 1000 or / 1000), absurd or non-finite numbers and re-stamped rows. Every run must
end in one of:

* a :class:`NilmDataError` naming the file and a line (strict mode; whole-file problems such as
  an empty file name no line);
* a load whose report accounts for every line read: ``kept + dropped = lines read``, where
  ``dropped`` is the sum of the report's counts of the kinds that drop a line; and each kept row
  is the first valid row of its timestamp, holding the value written on its own line (or NaN
  with a ``non_finite`` / ``missing_value`` / ``non_numeric`` record), so the energy of the kept
  data is unchanged.

Each row is checked against an independent reading of the damaged file (Python ``re`` and
``float``, not the loaders' kernels). Size: ``MAX_EXAMPLES`` damaged files per loader (mode drawn
too: strict or lenient), 4 loaders, 400 files in all; 16 s of test time (22 s with collection)
on the shared 2-core machine at load average 18. Deterministic: ``derandomize=True`` draws the
same examples every run. Mutations of the loaders checked to fail it: keeping the wrong
duplicate, leaving inf unrepaired, not converting ms timestamps, a repair kind the accounting
does not know, no range check (Enedis).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nilm.errors import LoadReport, NilmDataError
from nilm.io import load_all, plausible, text, uci
from tests import linky_files as lf

MAX_EXAMPLES = 100
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
T0 = 1_303_132_929

#: kinds whose count is a number of input lines left out of the result
DROPPING = {"malformed_line", "wrong_field_count", "non_numeric", "blank_line", "encoding",
            "duplicate_timestamp", "implausible_date"}
_FLOAT = re.compile(rb"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?i:nan)")
_INT = re.compile(rb"[+-]?\d{1,18}")


# ---------------------------------------------------------------- damage


@st.composite
def damaged(draw, lines: list[bytes], *, header: int = 0, scalable=None, field: int = 1,
            sep: bytes = b" ", always: tuple[str, ...] = ()):  # noqa: C901 -- one branch per damage
    """The bytes of ``lines`` (LF-joined) after a random mix of damage; ``header`` leading lines
    are kept out of shuffles and duplication; ``scalable(line, factor)`` rescales one line;
    "poison" writes an absurd or non-finite number in field ``field`` (``sep``-separated);
    "restamp" gives a line the time fields (those before ``field``) of another, so two rows of
    different values share a timestamp. ``always``: damage applied first in every example."""
    head, body = lines[:header], list(lines[header:])
    ops = draw(st.lists(st.sampled_from(["shuffle", "duplicate", "scale", "flip", "truncate",
                                         "poison", "restamp"]), min_size=1, max_size=3))
    ops = list(always) + ops
    for op in ops:
        if op == "restamp" and len(body) > 1:
            j, k = draw(st.integers(0, len(body) - 1)), draw(st.integers(0, len(body) - 1))
            src, dst = body[j].split(sep), body[k].split(sep)
            if len(src) > field and len(dst) > field:
                body[k] = sep.join(src[:field] + dst[field:])
        if op == "poison" and body:
            k = draw(st.integers(0, len(body) - 1))
            parts = body[k].split(sep)
            if len(parts) > field:
                parts[field] = draw(st.sampled_from([b"nan", b"inf", b"-inf", b"1e400",
                                                     b"Infinity", b"-1e400", b"1e12"]))
                body[k] = sep.join(parts)
        if op == "shuffle" and len(body) > 1:
            k = draw(st.integers(0, len(body) - 2))
            m = draw(st.integers(2, min(8, len(body) - k)))
            part = body[k:k + m]
            body[k:k + m] = draw(st.permutations(part))
        elif op == "duplicate" and body:
            for _ in range(draw(st.integers(1, 4))):
                k = draw(st.integers(0, len(body) - 1))
                body.insert(draw(st.integers(0, len(body))), body[k])
        elif op == "scale" and scalable is not None:
            factor = draw(st.sampled_from(["values*1000", "values/1000", "times*1000"]))
            body = [scalable(ln, factor) for ln in body]
    raw = b"\n".join(head + body) + b"\n"
    if "flip" in ops:
        raw = bytearray(raw)
        for _ in range(draw(st.integers(1, 6))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        raw = bytes(raw)
    if "truncate" in ops:
        raw = raw[:draw(st.integers(0, len(raw)))]
    return raw


def _lines(raw: bytes) -> list[bytes]:
    """The lines a loader reads: up to the last non-blank one (trailing blank lines hold
    nothing), LF-separated."""
    out = raw.split(b"\n")
    while out and not out[-1].strip(b" \t\r"):
        out.pop()
    return out


def _counts(report: LoadReport) -> dict[str, int]:
    out: dict[str, int] = {}
    for (_, kind), n in report.counts().items():
        out[kind] = out.get(kind, 0) + n
    return out


def _check_strict_error(exc: NilmDataError, f, nlines: int) -> None:
    assert exc.path == str(f)
    if exc.line is None:
        assert "empty" in exc.message or "no samples" in exc.message, exc.message
    else:
        assert 1 <= exc.line <= max(nlines, 1), (exc.line, nlines)


def _check_rows(t, p, line, report, nlines, oracle, *, div_times=True):
    """The accounting and per-row checks of the module docstring. ``oracle[L]`` is
    ``(t, value)`` of a valid line L, absent for lines a loader must drop; a NaN or inf value
    in it must come out as NaN, recorded as ``non_finite`` (the format has no missing marker)."""
    counts = _counts(report)
    dropped = sum(n for k, n in counts.items() if k in DROPPING)
    assert len(t) + dropped == nlines, (len(t), counts, nlines)
    assert set(counts) <= DROPPING | {"negative_power", "unsorted", "non_finite",
                                      "time_unit_converted", "missing_value",
                                      "nonexistent_local_time", "ambiguous_local_time",
                                      "empty_file"}, counts
    div = 1
    if "time_unit_converted" in counts and div_times:
        div = int(round(np.median([ot for ot, _ in oracle.values()]) / max(np.median(t), 1)))
        div = 10 ** int(round(np.log10(div))) if div > 0 else 1
    first_of = {}
    for ln in sorted(oracle):
        first_of.setdefault(oracle[ln][0] // div, ln)
    n_non_finite = 0
    for ti, pi, li in zip(t, p, line, strict=True):
        assert li in oracle, f"line {li} kept but not a valid line"
        ot, ov = oracle[int(li)]
        assert ti == ot // div
        assert first_of[ot // div] == li, "a later duplicate was kept instead of the first"
        ov = np.atleast_1d(np.asarray(ov, dtype=np.float64))
        pi = np.atleast_1d(pi)
        finite = np.isfinite(ov)
        np.testing.assert_allclose(pi[finite], ov[finite], rtol=1e-12)
        if (~finite).any():  # nan written as a number (no missing marker here), inf, 1e400
            assert np.isnan(pi[~finite]).all()
            n_non_finite += 1
    assert counts.get("non_finite", 0) == n_non_finite
    kept_energy = np.nansum(np.asarray(p, dtype=np.float64))
    source_energy = sum(np.nansum(np.where(np.isinf(v := np.asarray(oracle[int(li)][1],
                                                                     dtype=np.float64)), np.nan,
                                           v)) for li in line)
    assert kept_energy == pytest.approx(source_energy, rel=1e-9, abs=1e-6)


# ---------------------------------------------------------------- REDD / UK-DALE channel files


def _redd_lines(values) -> list[bytes]:
    return [f"{T0 + 3 * i} {v}".encode() for i, v in enumerate(values)]


def _redd_scale(line: bytes, factor: str) -> bytes:
    parts = line.split(b" ")
    if len(parts) != 2:
        return line
    if factor == "times*1000":
        return parts[0] + b"000 " + parts[1]
    v = float(parts[1])
    return parts[0] + b" " + repr(v * 1000 if factor == "values*1000" else v / 1000).encode()


def _redd_oracle(raw: bytes) -> tuple[dict[int, tuple[int, float]], int]:
    lines = _lines(raw)
    out = {}
    for k, ln in enumerate(lines, start=1):
        fields = [x for x in re.split(rb"[ \t\r]+", ln) if x]
        if len(fields) == 2 and _INT.fullmatch(fields[0]) and _FLOAT.fullmatch(fields[1]):
            out[k] = (int(fields[0]), float(fields[1]))
    return out, len(lines)


values_w = st.lists(st.floats(0, 5000, allow_nan=False).map(lambda v: round(v, 2)),
                    min_size=1, max_size=40, unique=True)  # distinct: a swapped row shows


@FUZZ
@given(data=st.data(), values=values_w, mode=st.sampled_from(["strict", "lenient"]))
def test_fuzz_redd_channel(tmp_path_factory, data, values, mode):
    raw = data.draw(damaged(_redd_lines(values), scalable=_redd_scale))
    f = tmp_path_factory.mktemp("redd") / "channel_1.dat"
    f.write_bytes(raw)
    oracle, nlines = _redd_oracle(raw)
    report = LoadReport()
    try:
        t, p, line = text.read_int_float(f, mode=mode, report=report)
    except NilmDataError as exc:
        assert mode == "strict"
        _check_strict_error(exc, f, nlines)
        return
    _check_rows(t, p, line, report, nlines, _dated(oracle, report))


def _dated(oracle, report):
    """The oracle without the rows the date rules drop (their count is checked by the
    accounting; which rows they are follows :mod:`nilm.io.plausible`'s documented rules)."""
    if "implausible_date" not in _counts(report):
        return oracle
    keys = sorted(oracle)
    t = np.array([oracle[k][0] for k in keys], dtype=np.int64)
    t = t // plausible.epoch_unit(t)[1]
    bad = (t < 0) | (t > plausible.span_end_s())
    if not bad.any():
        bad = plausible.isolated(t)
    return {k: oracle[k] for k, b in zip(keys, bad, strict=True) if not b}


# ---------------------------------------------------------------- UCI


PARIS = ZoneInfo("Europe/Paris")
_UCI_NUM = re.compile(rb"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _uci_lines(values) -> list[bytes]:
    rows = [";".join(uci.COLUMNS).encode()]
    for i, v in enumerate(values):
        hh, mm = divmod(600 + i, 60)
        rows.append(f"1/2/2007;{hh:02d}:{mm:02d}:00;{v / 1000:.3f};0.100;240.000;5.000;0.000;"
                    "1.000;17.000".encode())
    return rows


def _uci_scale(line: bytes, factor: str) -> bytes:
    parts = line.split(b";")
    if len(parts) != 9 or factor == "times*1000" or not _UCI_NUM.fullmatch(parts[2]):
        return line
    v = float(parts[2])
    parts[2] = f"{v * 1000 if factor == 'values*1000' else v / 1000:.6g}".encode()
    return b";".join(parts)


def _uci_oracle(raw: bytes):
    """{line: (t UTC, 7 values in file units)} for rows a UCI reader must keep; None values
    where a field is missing or not a plain decimal (the reader's NaN)."""
    lines = _lines(raw.replace(b"\r\n", b"\n"))
    out = {}
    for k, ln in enumerate(lines[1:], start=2):
        parts = ln.split(b";")
        if len(parts) != 9:
            continue
        try:
            ln.decode("utf-8")
            d, m, y = (int(x) for x in parts[0].decode().split("/"))
            hh, mi, ss = (int(x) for x in parts[1].decode().split(":"))
            local = datetime(y, m, d, hh, mi, ss)
        except (ValueError, UnicodeDecodeError):
            continue
        if not (re.fullmatch(rb"\d{1,2}/\d{1,2}/\d{4}", parts[0])
                and re.fullmatch(rb"\d{1,2}:\d{2}:\d{2}", parts[1])):
            continue
        t = int(local.replace(tzinfo=PARIS).timestamp())
        vals = [float(x) if _UCI_NUM.fullmatch(x) else (np.inf if x.lower() in (b"inf",
                b"+inf", b"-inf") else np.nan) for x in parts[2:]]
        out[k] = (t, vals)
    return out, len(lines)


@FUZZ
@given(data=st.data(), values=values_w, mode=st.sampled_from(["strict", "lenient"]))
def test_fuzz_uci(tmp_path_factory, data, values, mode):
    raw = data.draw(damaged(_uci_lines(values), header=1, scalable=_uci_scale, field=2,
                                 sep=b";"))
    f = tmp_path_factory.mktemp("uci") / "household_power_consumption.txt"
    f.write_bytes(raw)
    oracle, nlines = _uci_oracle(raw)
    report = LoadReport()
    try:
        t, values_out, line = uci.parse(f, raw, mode=mode, report=report)
    except NilmDataError as exc:
        if exc.line == 1:  # a damaged header: refused in both modes, the columns are unknown
            assert "header" in exc.message
            return
        assert mode == "strict"
        _check_strict_error(exc, f, nlines)
        return
    counts = _counts(report)
    data_lines = max(nlines - 1, 0)
    # a UCI field that is not a number is read as NaN: the row is kept
    dropped = sum(n for k, n in counts.items() if k in DROPPING - {"non_numeric"})
    assert len(t) + dropped == data_lines, (len(t), counts, data_lines)
    dst = {"nonexistent_local_time", "ambiguous_local_time"} & set(counts)
    kept = set()
    for ti, row, li in zip(t, values_out, line, strict=True):
        assert int(li) in oracle, f"line {li} kept but not a valid row"
        ot, ov = oracle[int(li)]
        if not dst:
            assert ti == ot
        ov = np.asarray(ov)
        fin = np.isfinite(ov)
        np.testing.assert_allclose(row[fin], ov[fin], rtol=1e-12)
        assert np.isnan(row[~fin]).all()  # missing, non-numeric or non-finite: NaN, recorded
        kept.add(int(li))
    if (~np.isfinite(values_out)).any():
        assert counts.keys() & {"missing_value", "non_numeric", "non_finite"}
    # the energy of the kept rows is what their lines hold
    want = sum(np.nansum(np.where(np.isfinite(np.asarray(oracle[k][1])),
                                  np.asarray(oracle[k][1]), np.nan)) for k in kept)
    assert np.nansum(values_out) == pytest.approx(want, rel=1e-9, abs=1e-6)


# ---------------------------------------------------------------- tracebase


def _tb_lines(values) -> list[bytes]:
    return [f"01/09/2011 10:{i // 60:02d}:{i % 60:02d};{v:.0f};{v:.0f}".encode()
            for i, v in enumerate(values)]


def _tb_scale(line: bytes, factor: str) -> bytes:
    parts = line.split(b";")
    if len(parts) != 3 or factor == "times*1000" or not _UCI_NUM.fullmatch(parts[1]):
        return line
    v = float(parts[1])
    s = f"{v * 1000 if factor == 'values*1000' else v / 1000:.6g}".encode()
    return b";".join([parts[0], s, s])


@FUZZ
@given(data=st.data(), values=values_w, mode=st.sampled_from(["strict", "lenient"]))
def test_fuzz_tracebase(tmp_path_factory, data, values, mode):
    raw = data.draw(damaged(_tb_lines(values), scalable=_tb_scale, sep=b";"))
    f = tmp_path_factory.mktemp("tb") / "dev_ABCDEF_2011.09.01.csv"
    f.write_bytes(raw)
    nlines = len(_lines(raw))
    report = LoadReport()
    try:
        t, p1, p8, line = text.read_tracebase_file(f, mode=mode, report=report)
    except NilmDataError as exc:
        assert mode == "strict"
        _check_strict_error(exc, f, nlines)
        return
    counts = _counts(report)
    dropped = sum(n for k, n in counts.items() if k in DROPPING)
    assert len(t) + dropped == nlines, (len(t), counts, nlines)
    assert np.all(np.diff(t) > 0)
    lines = _lines(raw)
    for a, li in zip(p1, line, strict=True):
        fields = lines[int(li) - 1].split(b";")
        assert len(fields) == 3
        if "duplicate_timestamp" not in counts and _UCI_NUM.fullmatch(fields[1].strip()):
            want = float(fields[1])
            if np.isfinite(want):
                assert a == pytest.approx(want, rel=1e-12)
            else:  # inf / 1e400: missing, and recorded
                assert np.isnan(a) and counts.get("non_finite", 0) >= 1


# ---------------------------------------------------------------- Enedis (Linky) curve


def _enedis_lines(folder, values) -> list[bytes]:
    """The lines of a clean Enedis ``Horodate;Valeur`` curve (half-hours from 2023-03-01)."""
    rows = [(t, step, int(1000 + v) // 2 * 2) for (t, step, _), v in
            zip(lf.intervals("2023-03-01", [(30, len(values))]), values, strict=True)]
    f = lf.horodate(folder / "clean.csv", rows, meta=False, bom=False, crlf=False)
    return f.read_bytes().rstrip(b"\n").split(b"\n")


@FUZZ
@given(data=st.data(), values=values_w, mode=st.sampled_from(["strict", "lenient"]))
def test_fuzz_enedis_curve(tmp_path_factory, data, values, mode):
    """Weaker than the others (a Linky load keeps no source line per sample): every run is a
    NilmDataError naming the file, or a load whose values are finite or missing and inside the
    Linky range, with a report whenever a line was damaged."""
    folder = tmp_path_factory.mktemp("enedis")
    raw = data.draw(damaged(_enedis_lines(folder, values), header=1, sep=b";",
                            always=("poison",)))
    f = folder / "conso.csv"
    f.write_bytes(raw)
    try:
        houses = load_all(f, format="enedis", mode=mode, cache=False)
    except NilmDataError as exc:
        assert exc.path == str(f)
        return
    for h in houses:
        for s in [h.mains, *h.appliances.values(), *h.extra.values()]:
            if s is None:
                continue
            p = s.p[np.isfinite(s.p)]
            assert not np.isinf(s.p).any()
            assert ((p >= 0) & (p <= 36_000)).all()
