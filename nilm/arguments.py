"""Command-line values, parsed and checked in one place before any work starts.

Every function takes the text a user typed and returns the value the library wants, or raises
:class:`~nilm.errors.UsageError` whose message says what is wrong and what to type instead.
:mod:`nilm.cli` uses them as ``argparse`` types and for the loader options (``-o KEY=VALUE``), so
every ``nilm`` sub-command reads periods, counts, dates, options and paths the same way.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from .errors import UsageError

#: loader keywords the CLI sets itself: an ``-o`` option may not set them
RESERVED_OPTIONS = {"mode": "--strict", "cache": "--no-cache", "path": "the PATH argument",
                    "report": "nothing (the load report is printed)"}


def period(text) -> int:
    """A period in whole seconds: a bare number is seconds (``60``); otherwise anything
    :func:`nilm.resample.parse_period` reads (``30min``, ``1h``, ``PT30M``)."""
    from .resample import parse_period

    s = str(text).strip()
    try:
        value = int(s) if s.lstrip("+-").isdigit() else parse_period(s)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise UsageError(f"period {text!r} is not a positive whole number of seconds: write "
                         "seconds (60) or a unit (10min, 1h, 1d, PT30M)")
    return value


def simulation_period(text) -> int:
    """A simulator output period, s: a :func:`period` that divides 3600 (every hour, hence every
    23- or 25-hour day, tiles the grid)."""
    value = period(text)
    if 3600 % value:
        divisors = ", ".join(str(d) for d in (1, 2, 5, 10, 30, 60, 300, 600, 900, 1800, 3600))
        raise UsageError(f"period {text!r} does not divide an hour: use one of {divisors} s "
                         "(and nilm resample the output for other periods)")
    return value


def count(text) -> int:
    """A whole number >= 1 (households, days, workers)."""
    try:
        value = int(str(text).strip())
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(f"{text!r} is not a whole number >= 1")
    return value


def seed(text) -> int:
    """A random seed: a whole number >= 0."""
    try:
        value = int(str(text).strip())
    except ValueError:
        value = -1
    if value < 0:
        raise UsageError(f"seed {text!r} is not a whole number >= 0")
    return value


def fraction(text) -> float:
    """A number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise UsageError(f"{text!r} is not a fraction between 0 and 1 (e.g. 0.5)")
    return value


def date(text) -> str:
    """An ISO date (``2024-01-08``), returned as given once checked."""
    try:
        datetime.date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(f"date {text!r} is not a valid ISO date YYYY-MM-DD "
                         "(e.g. 2024-01-08)") from None
    return str(text).strip()


def local_time(text) -> str:
    """An ISO 8601 date and time without offset (``2024-03-01T00:00``)."""
    try:
        stamp = datetime.datetime.fromisoformat(str(text).strip())
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is not None:
        raise UsageError(f"time {text!r} is not an ISO local time without offset "
                         "(e.g. 2024-03-01T00:00)")
    return str(text).strip()


def options(pairs) -> dict:
    """Loader options: ``["aggregate=sum_of_circuits", "merge_legs=false"]`` -> dict, values
    read as bool (``true``/``false``), int, float, else text."""
    out = {}
    for pair in pairs or []:
        key, sep, value = str(pair).partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise UsageError(f"option {pair!r} is not KEY=VALUE "
                             "(e.g. -o aggregate=sum_of_circuits)")
        if key in RESERVED_OPTIONS:
            raise UsageError(f"option {key!r} is not a loader option: use "
                             f"{RESERVED_OPTIONS[key]}")
        out[key] = _value(value)
    return out


def _value(text: str):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            continue
    return text


def input_path(text) -> Path:
    """An existing file or folder to read."""
    path = Path(text)
    if not path.exists():
        raise UsageError(f"{text}: no such file or folder")
    if not (path.is_file() or path.is_dir()):
        raise UsageError(f"{text}: not a data file or folder (a device or a pipe?)")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{text}: not readable (check its permissions)")
    return path


def output_file(text) -> str:
    """A file to write (its folder is created): not a folder, in a folder this user may write.
    Returned as text, since it may hold a ``{house}`` placeholder."""
    s = str(text)
    path = Path(s)
    if s.endswith(("/", os.sep)) or path.is_dir():
        raise UsageError(f"{s} is a folder: give a file name, e.g. {path / 'out.csv'}")
    _check_writable(path.parent, s)
    return s


def output_folder(text) -> Path:
    """A folder to write into (created when missing): not a file, writable by this user."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{text} is a file: give a folder")
    _check_writable(path, str(text))
    return path


def _check_writable(folder: Path, given: str) -> None:
    """``folder`` exists and is writable, or its nearest existing ancestor is (it will be
    created)."""
    probe = Path(os.path.abspath(folder))
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{given}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{given}: the folder {probe} is not writable; choose another "
                         "--out or change its permissions")


__all__ = ["RESERVED_OPTIONS", "count", "date", "fraction", "input_path", "local_time",
           "options", "output_file", "output_folder", "period", "seed", "simulation_period"]
