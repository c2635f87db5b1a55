"""Several downloads of one Linky meter merged into one household, by meter id (PRM).

A household downloads its data many times: weekly XLSX files, overlapping CSV exports, an API
dump, a daily index file beside load curves, a TIC log. :func:`households` groups the
:class:`~nilm.io.curve.Reading` objects of all of them by meter id and merges each channel:

* the same step of the same interval in several files: kept once; identical values are counted
  (``overlap_identical``), an empty value is filled from another file (``overlap_filled``), and
  values that disagree are reported with both values (``overlap_disagrees``; strict mode
  raises) — the one from the file read first (path order) is kept, never an average;
* a coarser step covered by finer steps of another file (an hourly download beside a
  half-hourly one): the finer rows are kept; the coarse value is checked against their mean
  (``overlap_coarser``, and ``overlap_disagrees`` when they differ by more than
  :data:`AGREE_W`). Where the finer file leaves part of the coarse step empty (missing rows,
  empty values), that part gets the coarse step's energy minus the finer rows' energy, over its
  duration — the exact mean power there (``overlap_remainder``; ``overlap_disagrees`` when
  the finer rows already hold more than the coarse step, ``overlap_partial`` when a finer row
  straddles the step's edge: the rest is then left empty);
* point samples (TIC) of the same second: the first is kept, the others counted.

Readings without a meter id (a headerless ``Horodate;Valeur`` file) join the one identified
meter when the files name exactly one; otherwise they form their own household, named by the
file. Daily data stays in the same household as ``extra["daily"]``, production as
``extra["production"]`` — never added to consumption. Every identifier is masked
(:mod:`nilm.io.prm`) in the household's metadata and the report.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from ..series import Household, PowerSeries
from .checksum import sha256_file
from .curve import Problems, Reading, interval_series, vet
from .prm import mask, mask_text

#: two values of one interval agree when their means differ by at most this, W (Enedis values
#: are whole W; an hourly value is the mean of its two half-hours up to their rounding)
AGREE_W = 1.0

#: how each channel is named in the household, and its label
CHANNELS = {
    "consumption": ("mains", "Linky load curve (mean active power per step)"),
    "production": ("production", "Linky production curve (mean active power injected)"),
    "daily": ("daily", "Linky daily energy (mean active power over each day)"),
    "daily_production": ("daily_production", "Linky daily energy produced"),
    "tic_apparent": ("tic_apparent", "TIC apparent power drawn (SINSTS / PAPP), VA"),
    "tic_active": ("tic_active", "TIC active power from energy-index differences"),
    "tic_injection_apparent": ("tic_injection_apparent", "TIC apparent power injected "
                               "(SINSTI), VA"),
    "tic_injection": ("tic_injection", "TIC injected active power from EAIT differences"),
}


def _merge_intervals(parts: list[tuple[Reading, Problems]]):
    """Rows of one channel from several files, merged (module notes)."""
    if len(parts) == 1:
        r = parts[0][0]
        return r.start, r.step, r.value
    start = np.concatenate([r.start for r, _ in parts])
    step = np.concatenate([r.step for r, _ in parts])
    value = np.concatenate([r.value for r, _ in parts])
    line = np.concatenate([r.line for r, _ in parts])
    rank = np.concatenate([np.full(len(r.start), k) for k, (r, _) in enumerate(parts)])
    acc_s = np.empty(0, dtype=np.int64)
    acc_e = np.empty(0, dtype=np.int64)
    acc_v = np.empty(0, dtype=np.float64)
    acc_r = np.empty(0, dtype=np.int64)
    counts: dict = defaultdict(int)
    firsts: dict = {}

    def tally(k, kind, detail):
        key = (int(rank[k]), kind)
        counts[key] += 1
        firsts.setdefault(key, (int(line[k]), detail))
        if kind == "overlap_disagrees":
            parts[int(rank[k])][1].problem(int(line[k]), kind, detail)

    for s in np.unique(step):
        idx = np.flatnonzero(step == s)
        idx = idx[np.lexsort((rank[idx], np.isnan(value[idx]), start[idx]))]
        keep = []
        for k in idx:
            if keep and start[k] < start[keep[-1]] + s:
                kept = keep[-1]
                other = mask_text(parts[int(rank[kept])][0].path.name)
                if start[k] != start[kept]:
                    tally(k, "overlap_disagrees", f"step overlaps a step of {other} shifted "
                          "in time (that one kept)")
                elif (np.isnan(value[k]) and np.isnan(value[kept])) or value[k] == value[kept]:
                    tally(k, "overlap_identical", "the same value is in " + other)
                elif np.isnan(value[k]):
                    # finite values sort first: an empty value meets a filled one
                    tally(k, "overlap_filled", f"empty here, filled from {other}")
                else:
                    tally(k, "overlap_disagrees", f"{value[k]:g} W here but {value[kept]:g} W "
                          f"in {other} (the first file's value kept)")
                continue
            keep.append(k)
        keep = np.array(keep, dtype=np.int64)
        rest_s, rest_e, rest_v, rest_r = [], [], [], []
        if len(acc_s) and len(keep):
            lo = np.searchsorted(acc_e, start[keep], "right")
            hi = np.searchsorted(acc_s, start[keep] + s, "left")
            hit = lo < hi
            for k, a, b in zip(keep[hit], lo[hit], hi[hit], strict=True):
                e0, e1 = start[k], start[k] + s
                cover = np.minimum(acc_e[a:b], e1) - np.maximum(acc_s[a:b], e0)
                finer = mask_text(parts[int(acc_r[a])][0].path.name)
                known = np.isfinite(acc_v[a:b])
                if cover.sum() == s and np.isfinite(value[k]) and known.all():
                    mean = float(np.sum(acc_v[a:b] * cover) / s)
                    if abs(mean - value[k]) > AGREE_W:
                        tally(k, "overlap_disagrees", f"{value[k]:g} W here but {mean:.1f} W "
                              f"on average over the finer steps of {finer} (those kept)")
                        continue
                    tally(k, "overlap_coarser", f"covered by finer steps of {finer} (those "
                          "kept)")
                    continue
                inside = bool(np.all((acc_s[a:b] >= e0) & (acc_e[a:b] <= e1)))
                if not np.isfinite(value[k]) or not inside:
                    tally(k, "overlap_partial", f"partly covered by finer steps of {finer} "
                          "(those kept; the rest of this step is left empty)")
                    continue
                # the finer download leaves part of this step empty (missing rows, empty
                # values): the mean power over that part is exactly this step's energy minus
                # theirs, over its duration
                empty = s - int(cover[known].sum())
                rest = (value[k] * s - float(np.sum(acc_v[a:b][known] * cover[known]))) / empty
                if rest < -AGREE_W:
                    tally(k, "overlap_disagrees", f"{value[k]:g} W here but the finer steps "
                          f"of {finer} already hold more energy (those kept; the rest of this "
                          "step is left empty)")
                    continue
                rest = max(rest, 0.0)
                acc_v[a + np.flatnonzero(~known)] = rest
                edges = np.concatenate([[e0], np.ravel(np.column_stack(
                    [acc_s[a:b], acc_e[a:b]])), [e1]])
                for g0, g1 in zip(edges[0::2], edges[1::2], strict=True):
                    if g1 > g0:
                        rest_s.append(g0)
                        rest_e.append(g1)
                        rest_v.append(rest)
                        rest_r.append(rank[k])
                tally(k, "overlap_remainder", f"partly covered by finer steps of {finer}: "
                      f"the {empty // 60} min they leave empty get this step's remaining "
                      f"energy ({rest:.1f} W)")
            keep = keep[~hit]
        acc_s = np.concatenate([acc_s, start[keep], np.array(rest_s, dtype=np.int64)])
        acc_e = np.concatenate([acc_e, start[keep] + s, np.array(rest_e, dtype=np.int64)])
        acc_v = np.concatenate([acc_v, value[keep], np.array(rest_v, dtype=np.float64)])
        acc_r = np.concatenate([acc_r, rank[keep], np.array(rest_r, dtype=np.int64)])
        order = np.argsort(acc_s, kind="stable")
        acc_s, acc_e, acc_v, acc_r = acc_s[order], acc_e[order], acc_v[order], acc_r[order]
    for (k, kind), n in counts.items():
        if kind == "overlap_disagrees":
            continue  # each was reported where found
        ln, detail = firsts[(k, kind)]
        parts[k][1].note(ln, kind, f"{n} steps also in another download: {detail}", count=n)
    return acc_s, acc_e - acc_s, acc_v


def _merge_points(parts: list[tuple[Reading, Problems]]):
    """Point samples of one channel from several files: time order, first of each second."""
    t = np.concatenate([r.start for r, _ in parts])
    v = np.concatenate([r.value for r, _ in parts])
    line = np.concatenate([r.line for r, _ in parts])
    rank = np.concatenate([np.full(len(r.start), k) for k, (r, _) in enumerate(parts)])
    order = np.lexsort((rank, t))
    t, v, line, rank = t[order], v[order], line[order], rank[order]
    dup = np.flatnonzero(t[1:] == t[:-1]) + 1
    if len(dup):
        keep = np.ones(len(t), dtype=bool)
        keep[dup] = False
        first = {}
        for k in dup:
            first.setdefault(int(rank[k]), int(line[k]))
        for k, ln in first.items():
            n = int(np.sum(rank[dup] == k))
            parts[k][1].note(ln, "duplicate_timestamp", f"{n} samples in a second already "
                             "sampled (the first kept)", count=n)
        t, v = t[keep], v[keep]
    return t, v


def _group(readings: list[Reading], problems: dict) -> dict[str, list[Reading]]:
    """Readings by household key: the meter id, or the file for unidentified ones."""
    groups: dict[str, list[Reading]] = defaultdict(list)
    anonymous = []
    for r in readings:
        if r.meter:
            groups[r.meter].append(r)
        else:
            anonymous.append(r)
    if anonymous and len(groups) == 1:
        (meter,) = groups
        for path in dict.fromkeys(r.path for r in anonymous):
            problems[path].note(None, "meter_assumed", f"no meter id in this file: read as "
                                f"meter {mask(meter)}, the only one the files name")
        groups[meter] += anonymous
    elif anonymous and not groups and len({r.path for r in anonymous}) > 1:
        groups["\0" + anonymous[0].path.parent.name] = anonymous
    else:
        for r in anonymous:
            groups["\0" + r.path.stem].append(r)
    return groups


def households(readings: list[Reading], problems: dict, *, tz: str, report) -> list[Household]:
    """One Household per meter from the readings of any number of Linky files.

    Parameters
    ----------
    readings : what each file holds, in file order (the first file's value wins a disagreement).
    problems : {path: :class:`~nilm.io.curve.Problems`} of every file read.
    tz : the meter's zone, ``meta["timezone"]``.
    report : the LoadReport every household carries.

    Returns
    -------
    Households in the order their meters first appear: ``mains`` the consumption load curve
    (else the TIC apparent power, else None for daily data only), ``extra`` the other channels
    of :data:`CHANNELS`; ``meta`` with dataset ``"Linky"``, house (masked meter id),
    ``meter_id`` (its kind: PRM, ADSC, ADCO or None), ``linky_formats``, ``steps_s`` per channel,
    ``intervals`` ({channel: [rows, empty rows]}: what the files hold, without the series'
    end-of-interval markers), ``notes`` (facts a report must state) and ``source_files``
    ({masked path: sha256}).
    """
    out = []
    for key, group in _group(readings, problems).items():
        channels: dict[str, list[Reading]] = defaultdict(list)
        for r in group:
            channels[r.channel].append(r)
        series: dict[str, PowerSeries] = {}
        steps, rows = {}, {}
        for ch, parts in channels.items():
            name, label = CHANNELS.get(ch, (ch, ch))
            own = {r.label for r in parts}
            label = own.pop() if len(own) == 1 and parts[0].label else label
            pairs = [(r, problems[r.path]) for r in parts]
            if parts[0].interval:
                s, st, v = _merge_intervals(pairs)
                series[name] = interval_series(s, st, v, name, label, parts[0].quantity)
                steps[name] = sorted(int(x) for x in np.unique(st))
            else:
                t, v = _merge_points(pairs)
                period = min(r.period for r in parts if r.period)
                series[name] = PowerSeries(t, v, name, label=label, quantity=parts[0].quantity,
                                           period=float(period), interval=False)
                s, v = t, v
            rows[name] = [int(len(s)), int(np.count_nonzero(np.isnan(v)))]
        if "mains" not in series and "tic_apparent" in series:
            series["mains"] = series.pop("tic_apparent")
            series["mains"].name = "mains"
            rows["mains"] = rows.pop("tic_apparent")
        mains = series.pop("mains", None)
        meter = None if key.startswith("\0") else key
        kinds = sorted({r.meter_kind for r in group if r.meter_kind})
        paths = list(dict.fromkeys(r.path for r in group))
        notes = list(dict.fromkeys(n for r in group for n in r.notes))
        meta = {"dataset": "Linky",
                "house": mask(meter) if meter else mask_text(key[1:]),
                "meter_id": "/".join(kinds) or None, "timezone": tz,
                "mains_kind": "measured" if mains is not None else "absent",
                "linky_formats": sorted({r.fmt for r in group}), "steps_s": steps,
                "intervals": rows, "notes": notes,
                "source_files": {mask_text(p): sha256_file(p) for p in paths}}
        out.append(Household(mains, {}, meta, series, report))
    return out


def read_files(parse, files, *, mode: str, report=None, tz: str = "Europe/Paris",
               **options) -> list[Household]:
    """Households from Linky files: ``parse(file, mode=, report=, tz=, **options)`` gives each
    file's readings and problems; each reading passes :func:`nilm.io.curve.vet` (dates,
    non-finite values), then all are merged by :func:`households`."""
    from ..errors import LoadReport, check_mode

    check_mode(mode)
    report = LoadReport() if report is None else report
    readings, problems = [], {}
    for f in files:
        r, p = parse(Path(f), mode=mode, report=report, tz=tz, **options)
        for reading in r:
            vet(reading, p)
        readings += r
        problems[Path(f)] = p
    return households(readings, problems, tz=tz, report=report)


__all__ = ["AGREE_W", "CHANNELS", "households", "read_files"]
