"""Numba kernels that parse the bytes of NILM text files.

Two layouts:

* :func:`parse_int_float` — ``<int timestamp><blanks><float value>`` per line (REDD ``low_freq``
  ``channel_N.dat``, UK-DALE ``channel_N.dat``; Kolter & Johnson 2011, Kelly & Knottenbelt 2015);
* :func:`parse_tracebase` — ``DD/MM/YYYY hh:mm:ss;<W 1 s>;<W 8 s>`` (tracebase, Reinhardt et al.
  2012), the date-time being **local** wall-clock time, returned as naive epoch seconds.

Both tolerate LF or CRLF line ends, blanks (space, tab, CR) around fields, and a last line
without a newline. Bad lines are not parsed; they are reported as ``(1-based line, code)`` so that
the Python wrapper (:mod:`nilm.io.text`) raises or records a repair. Blank lines after the last
non-blank line are ignored (they hold no data); other blank lines are reported as :data:`BLANK`.

Numbers follow the grammar ``[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`` or
``[+-]? nan`` (any case; NaN means missing). Timestamps are ``[+-]? digits`` (at most 18 digits).
A value whose significant digits form an integer of at most 2**53 (any 15-digit number) with a
decimal exponent within +-22 is converted exactly, i.e. correctly rounded like Python's ``float``
(Clinger 1990, "How to read floating point numbers accurately", fast path). Longer mantissas
(digits past the 19th are truncated) come out within a few ulp of float64, far below the float32
resolution power is stored at.

One parsing pass per file, after a newline count that sizes the outputs.
"""

from __future__ import annotations

import numba
import numpy as np

#: error codes reported per bad line
OK, MALFORMED, NON_NUMERIC, WRONG_FIELDS, BLANK = 0, 1, 2, 3, 4
#: code -> repair kind (used in :class:`nilm.errors.Repair`)
ERROR_KINDS = {MALFORMED: "malformed_line", NON_NUMERIC: "non_numeric",
               WRONG_FIELDS: "wrong_field_count", BLANK: "blank_line"}

_NL, _CR, _SP, _TAB = 10, 13, 32, 9
_P10 = np.array([10.0 ** k for k in range(23)], dtype=np.float64)
_MAX_MANTISSA_DIGITS = 19
_EXACT_MANTISSA = 2 ** 53


@numba.njit(cache=True, inline="always")
def _is_blank(c):
    return c == _SP or c == _TAB or c == _CR


@numba.njit(cache=True)
def _scale(mant, e10):
    """``mant * 10**e10`` in float64: exact-then-rounded once on the fast path."""
    m = np.float64(mant)
    if mant <= _EXACT_MANTISSA and -22 <= e10 <= 22:
        if e10 >= 0:
            return m * _P10[e10]
        return m / _P10[-e10]
    # slow path: several roundings, accurate to a few ulp; overflow gives inf, underflow 0
    while e10 > 22:
        m *= _P10[22]
        e10 -= 22
        if m == np.inf:
            return m
    while e10 < -22:
        m /= _P10[22]
        e10 += 22
        if m == 0.0:
            return m
    if e10 >= 0:
        return m * _P10[e10]
    return m / _P10[-e10]


@numba.njit(cache=True)
def _float_token(buf, a, b):
    """Parse ``buf[a:b]`` as a whole float token. Returns (ok, value)."""
    if a >= b:
        return False, 0.0
    neg = False
    c = buf[a]
    if c == 43 or c == 45:  # + -
        neg = c == 45
        a += 1
        if a >= b:
            return False, 0.0
    if b - a == 3:
        c0, c1, c2 = buf[a] | 32, buf[a + 1] | 32, buf[a + 2] | 32
        if c0 == 110 and c1 == 97 and c2 == 110:  # "nan", any case
            return True, np.nan
    mant = np.int64(0)
    ndig = 0
    e10 = 0
    seen_digit = False
    i = a
    while i < b and 48 <= buf[i] <= 57:
        seen_digit = True
        if ndig < _MAX_MANTISSA_DIGITS:
            if mant != 0 or buf[i] != 48:
                mant = mant * 10 + (buf[i] - 48)
                ndig += 1
        else:
            e10 += 1  # digits past 19 significant ones are truncated
        i += 1
    if i < b and buf[i] == 46:  # "."
        i += 1
        while i < b and 48 <= buf[i] <= 57:
            seen_digit = True
            if ndig < _MAX_MANTISSA_DIGITS:
                if mant != 0 or buf[i] != 48:
                    mant = mant * 10 + (buf[i] - 48)
                    ndig += 1
                e10 -= 1
            i += 1
    if not seen_digit:
        return False, 0.0
    if i < b and (buf[i] == 101 or buf[i] == 69):  # e E
        i += 1
        eneg = False
        if i < b and (buf[i] == 43 or buf[i] == 45):
            eneg = buf[i] == 45
            i += 1
        if i >= b:
            return False, 0.0
        ex = 0
        while i < b and 48 <= buf[i] <= 57:
            if ex < 100000:  # saturate: anything larger is inf or 0 anyway
                ex = ex * 10 + (buf[i] - 48)
            i += 1
        if i < b:
            return False, 0.0
        e10 += -ex if eneg else ex
    if i != b:
        return False, 0.0
    if mant == 0:
        val = 0.0
    else:
        val = _scale(mant, e10)
    return True, -val if neg else val


@numba.njit(cache=True)
def _int_token(buf, a, b):
    """Parse ``buf[a:b]`` as a whole integer token (at most 18 digits). Returns (ok, value)."""
    if a >= b:
        return False, np.int64(0)
    neg = False
    c = buf[a]
    if c == 43 or c == 45:
        neg = c == 45
        a += 1
    if a >= b or b - a > 18:
        return False, np.int64(0)
    v = np.int64(0)
    for i in range(a, b):
        d = buf[i] - 48
        if d < 0 or d > 9:
            return False, np.int64(0)
        v = v * 10 + d
    return True, -v if neg else v


@numba.njit(cache=True)
def _count_lines(buf):
    n = 1
    for c in buf:
        if c == _NL:
            n += 1
    return n


@numba.njit(cache=True)
def _trim_trailing_blank(err_line, err_code, nerr, last_content_line):
    while nerr > 0 and err_code[nerr - 1] == BLANK and err_line[nerr - 1] > last_content_line:
        nerr -= 1
    return nerr


@numba.njit(cache=True)
def parse_int_float(buf):
    """Parse ``<int><blanks><float>`` lines.

    Parameters
    ----------
    buf : uint8 array, the file's bytes (any size; empty gives empty outputs).

    Returns
    -------
    t : int64 [n], first field (epoch s for REDD/UK-DALE).
    v : float64 [n], second field (W).
    line : int64 [n], 1-based line of each parsed sample.
    err_line : int64 [m], 1-based line of each bad line, increasing.
    err_code : int8 [m], :data:`MALFORMED` (first field not an integer), :data:`WRONG_FIELDS`
        (not exactly two fields), :data:`NON_NUMERIC` (second field not a number) or
        :data:`BLANK`, checked in that order.
    """
    nmax = _count_lines(buf)
    t = np.empty(nmax, dtype=np.int64)
    v = np.empty(nmax, dtype=np.float64)
    line = np.empty(nmax, dtype=np.int64)
    err_line = np.empty(nmax, dtype=np.int64)
    err_code = np.empty(nmax, dtype=np.int8)
    n = 0
    nerr = 0
    lineno = 0
    last_content = 0
    pos = 0
    size = len(buf)
    while pos < size:
        lineno += 1
        # Fast path for the common line "digits blanks [-]digits[.digits] blanks* (LF|end)"
        # with at most 15 mantissa digits (exact, as in _float_token). Anything else (signs,
        # exponent, NaN, long numbers, errors) falls through to the general path below, which
        # decides; so this accepts only lines the general path accepts, with the same value.
        i = pos
        c = buf[i]
        tv = np.int64(0)
        nd = 0
        while 48 <= c <= 57:
            tv = tv * 10 + (np.int64(c) - 48)
            nd += 1
            i += 1
            c = buf[i] if i < size else _NL
        if 0 < nd <= 18 and (c == _SP or c == _TAB):
            while c == _SP or c == _TAB:
                i += 1
                c = buf[i] if i < size else _NL
            neg = c == 45
            if neg:
                i += 1
                c = buf[i] if i < size else _NL
            mant = np.int64(0)
            nd = 0
            while 48 <= c <= 57:
                mant = mant * 10 + (np.int64(c) - 48)
                nd += 1
                i += 1
                c = buf[i] if i < size else _NL
            frac = 0
            if c == 46:
                i += 1
                c = buf[i] if i < size else _NL
                while 48 <= c <= 57:
                    mant = mant * 10 + (np.int64(c) - 48)
                    nd += 1
                    frac += 1
                    i += 1
                    c = buf[i] if i < size else _NL
            while c == _SP or c == _TAB or c == _CR:
                i += 1
                c = buf[i] if i < size else _NL
            if c == _NL and 0 < nd <= 15:
                val = np.float64(mant) / _P10[frac]
                t[n] = tv
                v[n] = -val if neg else val
                line[n] = lineno
                n += 1
                last_content = lineno
                pos = i + 1
                continue
        end = pos
        while end < size and buf[end] != _NL:
            end += 1
        # up to three token bounds; the third only tells "too many fields"
        a0 = b0 = a1 = b1 = -1
        ntok = 0
        i = pos
        while i < end:
            while i < end and _is_blank(buf[i]):
                i += 1
            if i >= end:
                break
            j = i
            while j < end and not _is_blank(buf[j]):
                j += 1
            if ntok == 0:
                a0, b0 = i, j
            elif ntok == 1:
                a1, b1 = i, j
            ntok += 1
            if ntok > 2:
                break
            i = j
        code = OK
        if ntok == 0:
            code = BLANK
        else:
            last_content = lineno
            ok_t, tv = _int_token(buf, a0, b0)
            if not ok_t:
                code = MALFORMED
            elif ntok != 2:
                code = WRONG_FIELDS
            else:
                ok_v, vv = _float_token(buf, a1, b1)
                if not ok_v:
                    code = NON_NUMERIC
                else:
                    t[n] = tv
                    v[n] = vv
                    line[n] = lineno
                    n += 1
        if code != OK:
            err_line[nerr] = lineno
            err_code[nerr] = code
            nerr += 1
        pos = end + 1
    nerr = _trim_trailing_blank(err_line, err_code, nerr, last_content)
    return t[:n], v[:n], line[:n], err_line[:nerr], err_code[:nerr]


@numba.njit(cache=True)
def days_from_civil(y, m, d):
    """Days since 1970-01-01 of the proleptic Gregorian date (Hinnant 2013, ``days_from_civil``)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@numba.njit(cache=True)
def _days_in_month(y, m):
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        return 29 if leap else 28
    if m == 4 or m == 6 or m == 9 or m == 11:
        return 30
    return 31


@numba.njit(cache=True)
def _digits(buf, a, b, lo, hi):
    """Value of the digits ``buf[a:b]`` if there are ``lo``..``hi`` of them, else -1."""
    if b - a < lo or b - a > hi:
        return -1
    v = 0
    for i in range(a, b):
        d = buf[i] - 48
        if d < 0 or d > 9:
            return -1
        v = v * 10 + d
    return v


@numba.njit(cache=True)
def _run(buf, i, end):
    """End of the run of digits starting at ``i``."""
    while i < end and 48 <= buf[i] <= 57:
        i += 1
    return i


@numba.njit(cache=True)
def _datetime_token(buf, a, b):
    """Parse ``D/M/YYYY<blanks>h:mm:ss`` (day, month and hour 1-2 digits) in ``buf[a:b]``.

    Returns (ok, naive epoch seconds of that wall-clock time)."""
    i = a
    j = _run(buf, i, b)
    day = _digits(buf, i, j, 1, 2)
    if day < 0 or j >= b or buf[j] != 47:  # "/"
        return False, np.int64(0)
    i = j + 1
    j = _run(buf, i, b)
    mon = _digits(buf, i, j, 1, 2)
    if mon < 0 or j >= b or buf[j] != 47:
        return False, np.int64(0)
    i = j + 1
    j = _run(buf, i, b)
    year = _digits(buf, i, j, 4, 4)
    if year < 0 or j >= b or not (buf[j] == _SP or buf[j] == _TAB):
        return False, np.int64(0)
    i = j
    while i < b and (buf[i] == _SP or buf[i] == _TAB):
        i += 1
    j = _run(buf, i, b)
    hh = _digits(buf, i, j, 1, 2)
    if hh < 0 or j >= b or buf[j] != 58:  # ":"
        return False, np.int64(0)
    i = j + 1
    j = _run(buf, i, b)
    mi = _digits(buf, i, j, 2, 2)
    if mi < 0 or j >= b or buf[j] != 58:
        return False, np.int64(0)
    i = j + 1
    j = _run(buf, i, b)
    ss = _digits(buf, i, j, 2, 2)
    if ss < 0 or j != b:
        return False, np.int64(0)
    if mon < 1 or mon > 12 or day < 1 or day > _days_in_month(year, mon):
        return False, np.int64(0)
    if hh > 23 or mi > 59 or ss > 59:
        return False, np.int64(0)
    days = np.int64(days_from_civil(year, mon, day))
    return True, days * 86400 + hh * 3600 + mi * 60 + ss


@numba.njit(cache=True)
def _strip(buf, a, b):
    while a < b and _is_blank(buf[a]):
        a += 1
    while b > a and _is_blank(buf[b - 1]):
        b -= 1
    return a, b


@numba.njit(cache=True)
def parse_tracebase(buf):
    """Parse tracebase ``DD/MM/YYYY hh:mm:ss;<W 1 s>;<W 8 s>`` lines (``;`` separated, blanks
    allowed around each field).

    Parameters
    ----------
    buf : uint8 array, the file's bytes.

    Returns
    -------
    local : int64 [n], wall-clock time as naive epoch seconds (seconds since 1970-01-01 00:00 of
        the same calendar), **not** UTC: convert with :func:`nilm.io.text.local_to_utc`.
    p1, p8 : float64 [n], power averaged over 1 s and over 8 s (W).
    line : int64 [n], 1-based line of each sample.
    err_line, err_code : as in :func:`parse_int_float`; :data:`MALFORMED` means the first field
        is not a valid date-time, :data:`WRONG_FIELDS` not exactly three ``;`` fields,
        :data:`NON_NUMERIC` a power that is not a number (checked in that order).
    """
    nmax = _count_lines(buf)
    local = np.empty(nmax, dtype=np.int64)
    p1 = np.empty(nmax, dtype=np.float64)
    p8 = np.empty(nmax, dtype=np.float64)
    line = np.empty(nmax, dtype=np.int64)
    err_line = np.empty(nmax, dtype=np.int64)
    err_code = np.empty(nmax, dtype=np.int8)
    n = 0
    nerr = 0
    lineno = 0
    last_content = 0
    pos = 0
    size = len(buf)
    while pos < size:
        lineno += 1
        end = pos
        s1 = s2 = -1
        nsemi = 0
        while end < size and buf[end] != _NL:
            if buf[end] == 59:  # ";"
                nsemi += 1
                if nsemi == 1:
                    s1 = end
                elif nsemi == 2:
                    s2 = end
            end += 1
        a, b = _strip(buf, pos, end)
        code = OK
        if a == b:
            code = BLANK
        else:
            last_content = lineno
            fa, fb = _strip(buf, pos, s1 if nsemi > 0 else end)
            ok_t, tl = _datetime_token(buf, fa, fb)
            if not ok_t:
                code = MALFORMED
            elif nsemi != 2:
                code = WRONG_FIELDS
            else:
                xa, xb = _strip(buf, s1 + 1, s2)
                ok1, x1 = _float_token(buf, xa, xb)
                ya, yb = _strip(buf, s2 + 1, end)
                ok8, x8 = _float_token(buf, ya, yb)
                if not (ok1 and ok8):
                    code = NON_NUMERIC
                else:
                    local[n] = tl
                    p1[n] = x1
                    p8[n] = x8
                    line[n] = lineno
                    n += 1
        if code != OK:
            err_line[nerr] = lineno
            err_code[nerr] = code
            nerr += 1
        pos = end + 1
    nerr = _trim_trailing_blank(err_line, err_code, nerr, last_content)
    return local[:n], p1[:n], p8[:n], line[:n], err_line[:nerr], err_code[:nerr]
