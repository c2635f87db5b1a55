"""Process memory readings shared by run_nilm.py and run_nilmtk.py (standard library only:
the NILMTK side runs in its own virtualenv without nilm)."""

import os


def rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak() -> None:
    """Reset the kernel's resident high-water mark (VmHWM), so that the peak read afterwards
    belongs to the algorithm, not to imports or data loading (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_mb() -> float:
    """Resident high-water mark since the last :func:`reset_peak`, MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
