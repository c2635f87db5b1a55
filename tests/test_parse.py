"""Parser kernels against their naive twins, and the strict/lenient rules of nilm.io.text."""

from __future__ import annotations

from datetime import datetime, timezone

import naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nilm.errors import LoadReport, NilmDataError
from nilm.io import text
from nilm.kernels import parse as k


def _buf(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


def _same(got, want):
    """Exact equality of the integer outputs; floats equal to a few ulp (exact on the fast path
    is checked separately), NaN matching NaN."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        if g.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=4e-16, atol=1e-300, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, w)


def _random_int_float_file(rng, n):
    fmts = ["{:.1f}", "{:g}", "{:e}", "{:.3E}", "{}", "{:.0f}", "{:+.2f}"]
    lines = []
    for _ in range(n):
        t = int(rng.integers(-10**12, 10**12))
        x = float(rng.normal(0, 10 ** rng.integers(0, 6)))
        val = fmts[rng.integers(len(fmts))].format(x)
        sep = [" ", "  ", "\t", " \t "][rng.integers(4)]
        tail = ["", " ", "\r", " \r", "\t"][rng.integers(5)]
        lines.append(f"{t}{sep}{val}{tail}")
    data = "\n".join(lines)
    if rng.random() < 0.5:
        data += "\n"
    return data.encode()


@pytest.mark.parametrize("seed", range(5))
def test_int_float_matches_naive_on_random_files(seed):
    rng = np.random.default_rng(seed)
    data = _random_int_float_file(rng, 500)
    got = k.parse_int_float(_buf(data))
    want = naive.parse_int_float(data)
    _same(got, want)
    assert len(got[0]) == 500 and len(got[3]) == 0


def test_short_decimals_are_correctly_rounded():
    # up to 15 significant digits and a small exponent is the exact path: bit-identical to float()
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1000, 5000)
    vals = [f"{v:.{int(rng.integers(0, 8))}f}" for v in x] + [f"{v:.12e}" for v in x]
    data = "".join(f"{i} {s}\n" for i, s in enumerate(vals)).encode()
    got = k.parse_int_float(_buf(data))[1]
    np.testing.assert_array_equal(got, [float(s) for s in vals])


ADVERSARIAL_INT_FLOAT = [
    b"",
    b"\n",
    b"\n\n\r\n  \n",
    b"1303100647 4.0",
    b"1303100647 4.0\r\n1303100651 5.5\r\n",
    b"1 nan\n2 NaN\n3 -nan\n4 inf\n",
    b"1 1e400\n2 1e-400\n3 -0\n4 0.000\n5 .5\n6 5.\n7 .\n8 1e\n9 e5\n10 1.2.3\n",
    b"1 12345678901234567890123\n2 0.1234567890123456789012\n3 9007199254740993\n",
    b"x 1\n1 x\n1\n1 2 3\n 1 2\n1  2  \n\n3 4\n\n",
    b"1234567890123456789 1\n123456789012345678 1\n+5 1\n-5 -1\n",
    b"1 2\n\n\n",
    b"1\t2\r3\n",
    b"1303100647 5.0\n" * 50,
    b"-0 -0.0\n0 0\n",
]


@pytest.mark.parametrize("data", ADVERSARIAL_INT_FLOAT)
def test_int_float_matches_naive_on_adversarial_input(data):
    _same(k.parse_int_float(_buf(data)), naive.parse_int_float(data))


def test_int_float_error_codes_and_lines():
    data = b"1 2\nx 5\n7\n8 a\n9 1 2\n\n10 3\n\n"
    t, v, line, err_line, err_code = k.parse_int_float(_buf(data))
    np.testing.assert_array_equal(t, [1, 10])
    np.testing.assert_array_equal(line, [1, 7])
    np.testing.assert_array_equal(err_line, [2, 3, 4, 5, 6])
    np.testing.assert_array_equal(err_code, [k.MALFORMED, k.WRONG_FIELDS, k.NON_NUMERIC,
                                             k.WRONG_FIELDS, k.BLANK])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789 .-+eEnaN\t\r\nx", max_size=80))
def test_int_float_fuzz_against_naive(s):
    data = s.encode()
    _same(k.parse_int_float(_buf(data)), naive.parse_int_float(data))


def _random_tracebase_file(rng, n):
    lines = []
    for _ in range(n):
        y = int(rng.integers(1990, 2030))
        mo = int(rng.integers(1, 13))
        d = int(rng.integers(1, 32))  # 29-31 may be invalid for the month: a MALFORMED line
        h, mi, s = (int(rng.integers(0, m)) for m in (24, 60, 60))
        sp = ["", " "][rng.integers(2)]
        p1 = int(rng.integers(0, 4000))
        p8 = float(rng.uniform(0, 4000))
        lines.append(f"{d:02d}/{mo:02d}/{y} {h:02d}:{mi:02d}:{s:02d};{sp}{p1};{sp}{p8:.2f}")
    eol = ["\n", "\r\n"][rng.integers(2)]
    return eol.join(lines).encode()


@pytest.mark.parametrize("seed", range(5))
def test_tracebase_matches_naive_on_random_files(seed):
    rng = np.random.default_rng(100 + seed)
    data = _random_tracebase_file(rng, 400)
    got = k.parse_tracebase(_buf(data))
    _same(got, naive.parse_tracebase(data))
    assert len(got[0]) > 300  # most random dates are valid


ADVERSARIAL_TRACEBASE = [
    b"",
    b"08/08/2011 00:00:01;0;0",
    b"08/08/2011 00:00:01;0;0\r\n08/08/2011 00:00:02;1;1\r\n",
    b"14/01/2012 10:48:47; 151; 156\n 1/2/2012  1:02:03 ;1;2\n",
    b"29/02/2012 00:00:00;1;1\n29/02/2011 00:00:00;1;1\n31/04/2012 00:00:00;1;1\n",
    b"08/08/2011 24:00:00;1;1\n08/08/2011 23:60:00;1;1\n13/13/2011 00:00:00;1;1\n",
    b"08/08/2011 00:00:01;0\n08/08/2011 00:00:01;0;0;0\n08/08/2011 00:00:01\n",
    b"08/08/2011 00:00:01;x;0\n08/08/2011 00:00:01;0;\n08-08-2011 00:00:01;0;0\n",
    b"08/08/2011 00:00:01;nan;-1e3\n\n\n",
    b"\n08/08/2011 00:00:01;1;1\n\n08/08/2011 00:00:02;1;1\n",
    b"08/08/11 00:00:01;1;1\n008/08/2011 00:00:01;1;1\n08/08/2011T00:00:01;1;1\n",
]


@pytest.mark.parametrize("data", ADVERSARIAL_TRACEBASE)
def test_tracebase_matches_naive_on_adversarial_input(data):
    _same(k.parse_tracebase(_buf(data)), naive.parse_tracebase(data))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789/:; .-\t\r\nx", max_size=60))
def test_tracebase_fuzz_against_naive(s):
    data = s.encode()
    _same(k.parse_tracebase(_buf(data)), naive.parse_tracebase(data))


def test_days_from_civil_matches_datetime():
    rng = np.random.default_rng(7)
    epoch = datetime(1970, 1, 1).toordinal()
    for ordinal in rng.integers(1, 800_000, 2000):
        d = datetime.fromordinal(int(ordinal))
        assert k.days_from_civil(d.year, d.month, d.day) == int(ordinal) - epoch


# --- local time -> UTC ------------------------------------------------------------------------

def _naive_epoch(*args) -> int:
    return int((datetime(*args) - datetime(1970, 1, 1)).total_seconds())


def test_local_to_utc_autumn_repeated_hour_uses_step_back():
    # Europe/Berlin 2011-10-30: 03:00 CEST -> 02:00 CET, so 02:00-02:59 local happens twice
    first = [_naive_epoch(2011, 10, 30, 1, 59, 50)] + \
        [_naive_epoch(2011, 10, 30, 2, m, 0) for m in range(0, 60, 10)]
    second = [_naive_epoch(2011, 10, 30, 2, m, 0) for m in range(0, 60, 10)] + \
        [_naive_epoch(2011, 10, 30, 3, 0, 5)]
    local = np.array(first + second, dtype=np.int64)
    rep = LoadReport()
    got = text.local_to_utc(local, "Europe/Berlin", report=rep, mode="strict")
    np.testing.assert_array_equal(got, naive.local_to_utc(local, "Europe/Berlin"))
    assert np.all(np.diff(got) > 0)
    utc_0200_first = int(datetime(2011, 10, 30, 0, 0, tzinfo=timezone.utc).timestamp())
    assert got[1] == utc_0200_first and got[7] == utc_0200_first + 3600
    assert not rep


def test_local_to_utc_regular_days_match_naive():
    rng = np.random.default_rng(3)
    local = np.sort(rng.integers(_naive_epoch(2011, 1, 1), _naive_epoch(2013, 1, 1), 3000))
    # keep clear of the spring gaps, which the naive twin does not model
    gaps = [_naive_epoch(2011, 3, 27, 2), _naive_epoch(2012, 3, 25, 2)]
    local = local[~np.any([(local >= g) & (local < g + 3600) for g in gaps], axis=0)]
    got = text.local_to_utc(local, "Europe/Berlin", mode="lenient", report=LoadReport())
    np.testing.assert_array_equal(got, naive.local_to_utc(local, "Europe/Berlin"))


def test_local_to_utc_spring_gap_strict_and_lenient():
    local = np.array([_naive_epoch(2012, 3, 25, 1, 59, 59), _naive_epoch(2012, 3, 25, 2, 30),
                      _naive_epoch(2012, 3, 25, 3, 0, 1)])
    with pytest.raises(NilmDataError) as e:
        text.local_to_utc(local, "Europe/Berlin", path="f.csv", line=np.array([5, 6, 7]),
                          mode="strict")
    assert e.value.line == 6 and e.value.path == "f.csv"
    rep = LoadReport()
    got = text.local_to_utc(local, "Europe/Berlin", path="f.csv", line=np.array([5, 6, 7]),
                            mode="lenient", report=rep)
    assert rep.counts() == {("f.csv", "nonexistent_local_time"): 1}
    # 02:30 read with the winter offset (+1 h) is 01:30 UTC, i.e. 03:30 CEST
    assert got[1] == int(datetime(2012, 3, 25, 1, 30, tzinfo=timezone.utc).timestamp())


def test_local_to_utc_ambiguous_without_step_back():
    local = np.array([_naive_epoch(2011, 10, 30, 2, 10), _naive_epoch(2011, 10, 30, 2, 20)])
    with pytest.raises(NilmDataError, match="ambiguous"):
        text.local_to_utc(local, "Europe/Berlin", path="g.csv", mode="strict")
    rep = LoadReport()
    text.local_to_utc(local, "Europe/Berlin", path="g.csv", mode="lenient", report=rep)
    assert rep.counts() == {("g.csv", "ambiguous_local_time"): 2}


# --- nilm.io.text: strict errors name file and line, lenient counts are exact ----------------

BAD_CASES = [
    # (content, strict line, lenient counts by kind)
    (b"1 1\n2 2\nfoo 3\n4 4\n", 3, {"malformed_line": 1}),
    (b"1 1\n2 x\n3 3\n4 y\n", 2, {"non_numeric": 2}),
    (b"1 1\n2\n3 3 3\n4 4\n", 2, {"wrong_field_count": 2}),
    (b"1 1\n3 3\n2 2\n4 4\n", 3, {"unsorted": 1}),
    (b"1 1\n2 2\n2 5\n3 3\n3 3\n", 3, {"duplicate_timestamp": 2}),
    (b"1 1\n\n2 2\n", 2, {"blank_line": 1}),
]


@pytest.mark.parametrize("content,line,counts", BAD_CASES)
def test_read_int_float_strict_and_lenient(tmp_path, content, line, counts):
    f = tmp_path / "channel_3.dat"
    f.write_bytes(content)
    with pytest.raises(NilmDataError) as e:
        text.read_int_float(f, mode="strict")
    assert e.value.line == line and e.value.path == str(f)
    assert f"{f}:{line}" in str(e.value)
    rep = LoadReport()
    t, p, lines = text.read_int_float(f, mode="lenient", report=rep)
    assert rep.counts() == {(str(f), kind): n for kind, n in counts.items()}
    assert np.all(np.diff(t) > 0)


def test_lenient_sort_and_dedup_keep_first_in_file_order(tmp_path):
    f = tmp_path / "c.dat"
    f.write_bytes(b"5 50\n1 10\n5 99\n3 30\n1 10\n")
    rep = LoadReport()
    t, p, lines = text.read_int_float(f, mode="lenient", report=rep)
    np.testing.assert_array_equal(t, [1, 3, 5])
    np.testing.assert_array_equal(p, [10, 30, 50])
    np.testing.assert_array_equal(lines, [2, 4, 1])
    # backward steps: 5->1, 5->3, 3->1
    assert rep.counts() == {(str(f), "unsorted"): 3, (str(f), "duplicate_timestamp"): 2}
    dup = [r for r in rep.repairs if r.kind == "duplicate_timestamp"][0]
    assert "1 of them had a different value" in dup.detail


def test_empty_file_strict_and_lenient(tmp_path):
    f = tmp_path / "empty.dat"
    f.write_bytes(b"")
    with pytest.raises(NilmDataError, match="empty") as e:
        text.read_int_float(f, mode="strict")
    assert e.value.line is None
    rep = LoadReport()
    t, p, _ = text.read_int_float(f, mode="lenient", report=rep)
    assert len(t) == 0 and rep.counts() == {(str(f), "empty_file"): 1}


def test_negative_power_recorded_not_changed(tmp_path):
    f = tmp_path / "n.dat"
    f.write_bytes(b"1 -5\n2 3\n3 -1.5e1\n")
    for mode in ("strict", "lenient"):
        rep = LoadReport()
        t, p, _ = text.read_int_float(f, mode=mode, report=rep)
        np.testing.assert_array_equal(p, [-5, 3, -15])
        assert rep.counts() == {(str(f), "negative_power"): 2}


def test_crlf_and_missing_final_newline_are_clean(tmp_path):
    f = tmp_path / "crlf.dat"
    f.write_bytes(b"1 1.5\r\n2 2.5 \r\n3 3e0")
    rep = LoadReport()
    t, p, _ = text.read_int_float(f, mode="strict", report=rep)
    np.testing.assert_array_equal(t, [1, 2, 3])
    np.testing.assert_array_equal(p, [1.5, 2.5, 3.0])
    assert not rep


def test_lenient_report_caps_entries_but_counts_exactly(tmp_path):
    f = tmp_path / "many.dat"
    f.write_bytes(b"".join(b"x\n" for _ in range(30)) + b"1 1\n")
    rep = LoadReport(max_entries=10)
    t, _, _ = text.read_int_float(f, mode="lenient", report=rep)
    assert len(t) == 1
    assert rep.counts() == {(str(f), "malformed_line"): 30}
    assert len(rep.repairs) == 10


def test_tracebase_file_local_time_to_utc(tmp_path):
    f = tmp_path / "dev_ABC123_2011.10.30.csv"
    rows = ["30/10/2011 01:59:59;1;1", "30/10/2011 02:30:00;2;2", "30/10/2011 02:00:00;3;3",
            "30/10/2011 03:00:00; 4; 4"]
    f.write_bytes("\r\n".join(rows).encode())
    t, p1, p8, line = text.read_tracebase_file(f, mode="strict")
    want = [datetime(2011, 10, 29, 23, 59, 59), datetime(2011, 10, 30, 0, 30),
            datetime(2011, 10, 30, 1, 0), datetime(2011, 10, 30, 2, 0)]
    np.testing.assert_array_equal(
        t, [int(w.replace(tzinfo=timezone.utc).timestamp()) for w in want])
    np.testing.assert_array_equal(p1, [1, 2, 3, 4])
    np.testing.assert_array_equal(line, [1, 2, 3, 4])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(-5, 5)), max_size=40),
       st.sampled_from(["first", "mean"]))
def test_check_samples_lenient_against_dict_reference(rows, how):
    t = np.array([r[0] for r in rows], dtype=np.int64)
    v = np.array([r[1] for r in rows], dtype=np.float64)
    line = np.arange(1, len(rows) + 1)
    rep = LoadReport()
    if not rows:
        with pytest.raises(NilmDataError):
            text.check_samples("f", t, v, line, mode="strict", report=rep)
        return
    got_t, got_v, got_line = text.check_samples("f", t, v, line, mode="lenient", report=rep,
                                                duplicates=how)
    groups: dict[int, list[tuple[int, float]]] = {}
    for no, (ti, vi) in enumerate(rows, start=1):
        groups.setdefault(ti, []).append((no, float(vi)))
    want_t = sorted(groups)
    np.testing.assert_array_equal(got_t, want_t)
    if how == "first":
        np.testing.assert_array_equal(got_v, [groups[k][0][1] for k in want_t])
    else:
        np.testing.assert_allclose(got_v, [np.mean([x[1] for x in groups[k]]) for k in want_t])
    np.testing.assert_array_equal(got_line, [groups[k][0][0] for k in want_t])
    counts = rep.counts()
    assert counts.get(("f", "duplicate_timestamp"), 0) == len(rows) - len(want_t)
    assert counts.get(("f", "unsorted"), 0) == int(np.sum(t[1:] < t[:-1]))
    assert counts.get(("f", "negative_power"), 0) == int(np.sum(got_v < 0))
