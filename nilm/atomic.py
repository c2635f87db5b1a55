"""Atomic file writes: write to a temporary file in the target folder, then ``os.replace``.

The temporary file is hidden (``.<name>.<random>.tmp``). A write killed before its rename
(SIGKILL, power loss) leaves it behind; the next process that writes into the same folder
removes such files once nobody has touched them for :data:`STALE_TMP_S` seconds (a live
writer keeps its file's modification time recent) and says so with a warning. A committed file
gets the permissions ``open()`` would give it (``0666`` less the umask), whatever wrote it,
unless the writer asks for others (the cache keeps its copies of load curves private).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

#: a temporary file untouched this long (s) belongs to a killed write
STALE_TMP_S = 86_400

#: names of the temporary files :func:`temporary_beside` creates
_TMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
#: folders already swept by this process (a study writes thousands of cells into one folder:
#: one sweep each, not one per write)
_SWEPT: set[str] = set()


def remove_stale_temporaries(folder, max_age_s: float = STALE_TMP_S) -> list[Path]:
    """Remove the temporary files of killed atomic writes in ``folder`` (untouched for
    ``max_age_s`` seconds); return them, with a warning naming how many and where."""
    now = time.time()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        if not _TMP_NAME.match(e.name):
            continue
        try:
            if e.is_file(follow_symlinks=False) and now - e.stat().st_mtime > max_age_s:
                os.unlink(e.path)
                removed.append(Path(e.path))
        except OSError:
            continue
    if removed:
        warnings.warn(f"nilm: removed {len(removed)} temporary file(s) left by interrupted "
                      f"writes in {folder} ({', '.join(p.name for p in removed[:3])}"
                      f"{', ...' if len(removed) > 3 else ''})", RuntimeWarning, stacklevel=3)
    return removed


def temporary_beside(path) -> Path:
    """Create an empty hidden temporary file in the folder of ``path`` (created when missing)
    and return its path; stale temporaries there are removed first. An ``OSError`` names
    ``path``, not the temporary file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.path.abspath(path.parent)
        if folder not in _SWEPT:
            remove_stale_temporaries(folder)
            _SWEPT.add(folder)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    os.close(fd)
    return Path(tmp)


def commit(tmp, path, mode: int | None = None) -> None:
    """Give ``tmp`` the permissions ``mode``, by default those ``open()`` would give (mkstemp
    creates 0600), and rename it onto ``path``."""
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically, on
    an exception it is removed and ``path`` is left untouched."""
    tmp = temporary_beside(path)
    try:
        yield tmp
        commit(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", **kw):
    """``open`` that commits atomically on close (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, mode, **kw) as f:
        yield f


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w") as f:
        f.write(text)
