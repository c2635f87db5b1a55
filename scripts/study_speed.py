"""Wall time, CPU and memory of the leakage study on simulated households at 1 s.

The issue's speed bar: one household-year at 1 s, the whole ladder, every classical attack
(Seq2Point excluded), in at most 2 minutes on the project's 2-core machine; and how the study
scales with households on 1 and 2 workers. Each configuration runs the default
:class:`nilm.study.StudySpec` (every inference, every classical method, the eight rungs of the
ladder) from an empty cell store on the same simulated data (simulated once, not timed), and
checks that every configuration's results.csv equals the first one's.

Usage::

    .venv/bin/python scripts/study_speed.py --households 1 --days 365 --workers 1,2
    .venv/bin/python scripts/study_speed.py --households 1,2,4 --days 30 --workers 1,2 --dask
    .venv/bin/python scripts/study_speed.py --households 4,8 --days 7 --workers 1,2 \
        --dask-workers 2,4
    .venv/bin/python scripts/study_speed.py --spec studies/headline.toml \
        --households 25,50,100,200 --workers 2 --dask-workers 2   # the growth curve

Prints one JSON line per run (households, days, executor, workers, wall_s, cpu_s: user + system
of this process and its workers, peak_rss_gb: the largest of this process and of any one
worker, identical: results.csv byte-equal to the first run's of that population, load: the
1-min load average before and after) and, with ``--out``,
writes them all to that file (atomically, at the end). All data are simulated.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path


def _usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS GB) of this process and its children so far (Linux units: KiB)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, max(me.ru_maxrss, kids.ru_maxrss) / 1e6


def run(households: int, days: int, workers: list[int], dask: list[int], root: Path,
        seed: int, spec_path: Path | None = None):
    from nilm.study import Source, StudySpec, materialise, run_study, scaled, tune_heap

    tune_heap()  # as the `nilm study` command does in its own process
    if spec_path is None:
        spec = StudySpec(sources=[Source("sim", households=households, days=days, period=1,
                                         seed=seed)], name=f"speed_{households}x{days}d",
                         seed=0)
        data = root / f"{households}x{days}d"
    else:
        # a study spec (e.g. the headline's) with its simulated sources scaled to about
        # ``households`` in all, as `make results HOUSEHOLDS=N` scales it
        spec = scaled(StudySpec.from_toml(spec_path), households)
        households = int(sum(s.households for s in spec.sources))
        days = max(s.days for s in spec.sources)
        data = root / f"{spec.name}_{households}"
    t = time.time()
    for source in spec.sources:
        materialise(source, data)
    sim_s = time.time() - t
    configs = [("local", w, None) for w in workers]
    configs += [("dask", w, "local") for w in dask]
    ref = None
    for label, w, scheduler in configs:
        out = data / f"{label}{w}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        (out / "data").symlink_to((data / "data").resolve(), target_is_directory=True)
        cpu0, _ = _usage()
        load0 = os.getloadavg()[0]
        t = time.time()
        df = run_study(spec, out, workers=w, scheduler=scheduler, progress=False)
        wall = time.time() - t
        cpu, rss = _usage()
        csv = (out / "results.csv").read_bytes()
        same = None if ref is None else csv == ref
        ref = csv if ref is None else ref
        yield {"households": households, "days": days, "executor": label, "workers": w,
               "wall_s": round(wall, 1), "cpu_s": round(cpu - cpu0, 1),
               "peak_rss_gb": round(rss, 2), "simulate_s": round(sim_s, 1), "rows": len(df),
               "load": [round(load0, 2), round(os.getloadavg()[0], 2)],
               "identical": same, "simulated": True}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", default="1", help="comma-separated population sizes")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--dask", action="store_true",
                    help="also a Dask LocalCluster of each worker count above 1")
    ap.add_argument("--dask-workers", default=None,
                    help="comma-separated worker counts of the Dask LocalClusters (implies "
                         "--dask; default: those of --workers above 1)")
    ap.add_argument("--root", default="/tmp/nilm_study_speed", help="scratch folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spec", type=Path, default=None,
                    help="time this study spec scaled to each --households size instead "
                         "(e.g. studies/headline.toml: the growth curve; --days ignored)")
    ap.add_argument("--out", help="write the JSON lines to this file")
    a = ap.parse_args(argv)
    from nilm.atomic import write_text

    workers = [int(w) for w in a.workers.split(",")]
    dask = ([int(w) for w in a.dask_workers.split(",")] if a.dask_workers else
            [w for w in workers if w > 1] if a.dask else [])
    lines = []
    for n in (int(h) for h in a.households.split(",")):
        for rec in run(n, a.days, workers, dask, Path(a.root), a.seed, a.spec):
            lines.append(json.dumps(rec))
            print(lines[-1], flush=True)
    if a.out:
        write_text(a.out, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
