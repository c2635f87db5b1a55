"""Errors and repair reports shared by every loader, and the error of a bad argument.

Loaders never drop data silently. In ``strict`` mode the first problem raises
:class:`NilmDataError`, which names the file and the 1-based line. In ``lenient`` mode the loader
repairs what it can and records every repair in a :class:`LoadReport` attached to the Household.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class NilmDataError(ValueError):
    """Bad input data, located by ``path`` and ``line`` (1-based; None for whole-file problems)."""

    def __init__(self, path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class UsageError(ValueError):
    """A bad argument, spec or folder: its message says what is wrong and what to do."""


@dataclass(frozen=True)
class Repair:
    """One repair made by a lenient load. ``kind`` is a short code, e.g. ``malformed_line``,
    ``non_numeric``, ``duplicate_timestamp``, ``unsorted``, ``unit_converted``,
    ``missing_value``."""

    path: str
    line: int | None
    kind: str
    detail: str


@dataclass
class LoadReport:
    """Everything a lenient load skipped or fixed. Empty means the input was clean."""

    repairs: list[Repair] = field(default_factory=list)
    #: cap on individual entries kept per (path, kind); counts stay exact beyond it
    max_entries: int = 1000
    _counts: Counter = field(default_factory=Counter)

    def add(self, path, line: int | None, kind: str, detail: str, count: int = 1) -> None:
        key = (str(path), kind)
        if self._counts[key] < self.max_entries:
            self.repairs.append(Repair(str(path), line, kind, detail))
        self._counts[key] += count

    def extend(self, other: LoadReport) -> None:
        for r in other.repairs:
            self.repairs.append(r)
        self._counts.update(other._counts)

    def counts(self) -> dict[tuple[str, str], int]:
        """Exact number of repaired items per (file, kind)."""
        return dict(self._counts)

    def __bool__(self) -> bool:
        return bool(self._counts)

    def summary(self) -> list[str]:
        """One human-readable line per (file, kind)."""
        return [f"{path}: {n} x {kind}" for (path, kind), n in sorted(self._counts.items())]


def check_mode(mode: str) -> str:
    if mode not in ("strict", "lenient"):
        raise ValueError(f"mode must be 'strict' or 'lenient', not {mode!r}")
    return mode
