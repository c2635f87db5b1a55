"""glibc heap settings for processes that exist to run a study (pool and Dask workers, the
``nilm study`` command): large freed arrays kept for reuse instead of unmapped. Allocation
strategy only; results are unchanged."""

from __future__ import annotations


def _libc():
    """The process's C library if it is glibc (has ``mallopt`` and ``malloc_trim``), else None."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, AttributeError):
        return None


#: glibc's ``mallopt`` parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3

#: whether :func:`tune_heap` ran in this process
_heap_tuned = False


def tune_heap() -> bool:
    """Let glibc keep freed large arrays for reuse in this process, for the rest of its life.

    By default glibc maps every allocation above a threshold (at most 32 MB) fresh from the
    kernel and unmaps it on free, so each temporary of a year of 1-s samples (250 MB) is
    zero-filled page by page again: a household-year study spends most of its system time
    there. Raising the mmap and trim thresholds serves them from the heap instead; after each
    job :func:`nilm.study.run_house_job` returns the free heap to the kernel (:func:`trim_heap`).
    Allocation strategy only: results are unchanged.

    glibc cannot report the values it replaces (and setting the mmap threshold switches its
    dynamic adjustment off for good), so this is for processes that exist to run a study: the
    study's pool workers and Dask LocalCluster workers call it at start-up, and the
    ``nilm study`` command in its own process. :func:`nilm.study.run_study` never calls it in
    the caller's process (a Jupyter kernel with ``workers=1`` keeps its allocator as it was).

    Returns
    -------
    True when the C library is glibc and the settings were made, else False (nothing done).
    """
    global _heap_tuned
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt(_M_MMAP_THRESHOLD, 2**31 - 1)
    libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    libc.mallopt(_M_TOP_PAD, 2**26)
    _heap_tuned = True
    return True


def trim_heap() -> None:
    """Return the free heap to the kernel (``malloc_trim``) in a process where
    :func:`tune_heap` ran (it keeps freed arrays otherwise); nothing elsewhere."""
    if _heap_tuned:
        _libc().malloc_trim(0)
