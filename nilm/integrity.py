"""Integrity of the files nilm writes and reads back: one SHA-256 per array, verified on read.

Every array nilm stores for itself — the datasets of nilm-h5 files (the cache, the simulator's
households, exports; see :mod:`nilm.io.nilmh5`) and the arrays of ``.truth.npz`` ground-truth
files (:meth:`nilm.truth.GroundTruth.save`) and Seq2Point weight files
(:meth:`nilm.disaggregate.seq2point.Seq2Point.save`) — is written with the SHA-256 of its
bytes (C order, as stored) beside it, and checked when read (a study's cell files carry the
SHA-256 of their JSON content the same way, :mod:`nilm.study`). A mismatch is a
:class:`~nilm.errors.NilmDataError` naming the file: a damaged file is never served as data.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .errors import NilmDataError


def digest(arr) -> str:
    """Hex SHA-256 of an array's bytes in C order (the bytes a writer stores)."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def verify(path, where: str, arr, expected: str | None) -> None:
    """Raise :class:`NilmDataError` (``path``, no line) when ``arr``'s digest is not
    ``expected``; nothing to check when ``expected`` is None (a file written without digests)."""
    if expected is not None and digest(arr) != expected:
        raise NilmDataError(path, None, f"{where}: checksum mismatch (SHA-256 of the data "
                            "differs from the one written): the file was damaged or edited")
