"""Delimited text tables (UCI, AMPds CSV files): header and row splitting with field counts,
numeric columns with missing markers, and strict/lenient error handling that always names the
first bad line (see :mod:`nilm.errors`)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from ..errors import LoadReport, NilmDataError


def add_lines(report: LoadReport, path, lines, kind: str, msg: str) -> None:
    """One entry per line up to the report's cap, then one entry counting the rest."""
    keep = min(len(lines), report.max_entries)
    for ln in lines[:keep]:
        report.add(path, int(ln), kind, msg)
    if len(lines) > keep:
        report.add(path, None, kind, f"{len(lines) - keep} more such rows", len(lines) - keep)


def split_rows(path, raw: bytes, *, sep: bytes, ncols: int, mode: str, report: LoadReport):
    """Split a delimited text file into its header and the rows that have ``ncols`` fields.

    LF or CRLF, an optional UTF-8 BOM and trailing blank lines are accepted. Rows with another
    number of fields, blank lines inside the data and rows that are not UTF-8 are skipped and
    recorded (``wrong_field_count``, ``blank_line``, ``encoding``) in lenient mode. In strict
    mode the rows are cut at the first such line and the error is returned as ``pending``, to
    be raised only if no earlier line is bad (see :func:`raise_first`), so the error names the
    first bad line.

    Returns
    -------
    header : bytes, the first line.
    body : bytes, the kept rows joined by LF.
    line_no : int64 [n], 1-based file line of each kept row.
    pending : NilmDataError or None.
    """
    raw = raw.replace(b"\r\n", b"\n")
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    nl = raw.find(b"\n")
    header = raw if nl < 0 else raw[:nl]
    body = b"" if nl < 0 else raw[nl + 1:]
    body = body.rstrip(b"\n")  # trailing blank lines hold nothing
    if not body:
        return header, body, np.empty(0, np.int64), None
    buf = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.r_[0, ends + 1]
    ends = np.r_[ends, len(buf)]
    blank = ends == starts
    # separators per line in one pass (reduceat sums each [start, next start) segment; the
    # value it gives a blank line is meaningless and overridden by ``blank``)
    nfields = np.add.reduceat(buf == ord(sep), starts, dtype=np.int64) + 1
    line_no = np.arange(2, len(starts) + 2, dtype=np.int64)
    undecodable = _undecodable(body, starts, ends)
    bad = blank | (nfields != ncols) | undecodable
    if not bad.any():
        return header, body, line_no, None
    first = int(np.flatnonzero(bad)[0])
    if mode == "strict":
        what = ("blank line inside the data" if blank[first] else
                "not UTF-8 text" if undecodable[first] else
                f"wrong number of fields ({nfields[first]}, expected {ncols})")
        pending = NilmDataError(path, int(line_no[first]), what)
        return header, body[:max(int(starts[first]) - 1, 0)], line_no[:first], pending
    add_lines(report, path, line_no[blank], "blank_line", "blank line inside the data; skipped")
    add_lines(report, path, line_no[undecodable & ~blank], "encoding",
              "not UTF-8 text; row skipped")
    add_lines(report, path, line_no[bad & ~blank & ~undecodable], "wrong_field_count",
              f"wrong number of fields (expected {ncols}); row skipped")
    lines = body.split(b"\n")
    body = b"\n".join(ln for ln, b in zip(lines, bad, strict=True) if not b)
    return header, body, line_no[~bad], None


def _undecodable(body: bytes, starts, ends) -> np.ndarray:
    """Bool per line: its bytes are not UTF-8 (checked line by line only when the whole body
    fails to decode, which is rare)."""
    bad = np.zeros(len(starts), dtype=bool)
    try:
        body.decode("utf-8")
        return bad
    except UnicodeDecodeError:
        pass
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        try:
            body[a:b].decode("utf-8")
        except UnicodeDecodeError:
            bad[k] = True
    return bad


def read_fields(path, body: bytes, line_no, columns, ntext: int, *, sep: str, mode: str,
                report: LoadReport):
    """Read rows split by :func:`split_rows`: the first ``ntext`` columns as text, the others as
    float64.

    ``?`` and empty fields are NaN, recorded as ``missing_value`` (one per row). A field that
    is not a number is NaN and recorded as ``non_numeric`` (one per field) in lenient mode.

    Returns
    -------
    df : DataFrame of the text columns (others as read).
    values : float64 [n, len(columns) - ntext].
    errors : list of (line, message) for strict mode (see :func:`raise_first`).
    """
    errors: list[tuple[int, str]] = []
    if not body:
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return df, np.empty((0, len(columns) - ntext)), errors
    df, values, nonnum = _read_table(body, columns, ntext, sep)
    if nonnum.any():
        r, c = np.nonzero(nonnum)
        order = np.argsort(r, kind="stable")
        r, c = r[order], c[order]
        errors.append((int(line_no[r[0]]), f"non-numeric {columns[ntext + c[0]]} value "
                       f"{df.iat[r[0], ntext + c[0]]!r}"))
        if mode == "lenient":
            add_lines(report, path, line_no[r], "non_numeric",
                      "non-numeric value read as missing (NaN)")
    missing_rows = np.flatnonzero(np.isnan(values).any(axis=1) & ~nonnum.any(axis=1))
    if len(missing_rows):
        add_lines(report, path, line_no[missing_rows], "missing_value",
                  "'?' or empty field(s) read as NaN")
    return df, values, errors


def raise_first(path, errors: list[tuple[int, str]], pending: NilmDataError | None,
                mode: str) -> None:
    """In strict mode, raise the error of the earliest bad line (``pending`` comes from
    :func:`split_rows` and is, by construction, later than every other error)."""
    if mode != "strict":
        return
    if errors:
        line, msg = min(errors)
        raise NilmDataError(path, line, msg)
    if pending is not None:
        raise pending


def _read_table(body: bytes, columns, ntext: int, sep: str):
    """(table, float64 values, bool non-numeric). The fast path lets the C parser convert the
    numbers; only when some field is not a number is everything read as text to find which."""
    num = list(columns[ntext:])
    kw = {"sep": sep, "header": None, "names": list(columns), "engine": "c",
          "keep_default_na": False}
    try:
        df = pd.read_csv(io.BytesIO(body), dtype=dict.fromkeys(columns[:ntext], str)
                         | dict.fromkeys(num, np.float64),
                         na_values=dict.fromkeys(num, ["?", ""]), **kw)
        values = df[num].to_numpy(dtype=np.float64)
        return df, values, np.zeros(values.shape, dtype=bool)
    except ValueError:
        df = pd.read_csv(io.BytesIO(body), dtype=str, na_filter=False, **kw)
        values, nonnum = _to_float(df[num])
        return df, values, nonnum


def _to_float(num: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(float64 [n, k] with NaN for ``?``/empty/garbage, bool [n, k] True where garbage)."""
    vals = np.empty(num.shape, dtype=np.float64)
    nonnum = np.zeros(num.shape, dtype=bool)
    for j in range(num.shape[1]):
        col = num.iloc[:, j]
        v = np.array(pd.to_numeric(col, errors="coerce"), dtype=np.float64)
        marker = col.str.strip().isin(("?", "")).to_numpy()
        nonnum[:, j] = np.isnan(v) & ~marker
        v[marker] = np.nan
        vals[:, j] = v
    return vals, nonnum
