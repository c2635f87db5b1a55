"""REDD ``low_freq`` house folders (Kolter & Johnson 2011, "REDD: A Public Data Set for Energy
Disaggregation Research", SustKDD).

A house folder holds ``channel_N.dat`` (``<epoch s UTC> <W>`` per line, parsed by
:func:`nilm.io.text.read_int_float`) and ``labels.dat`` (``<N> <label>``). Channels 1-2 are the
two mains legs (about 1 Hz), the others circuits (about every 3 s). Power types follow NILMTK's
REDD converter and metadata (the reference, so raw and HDF5 loads agree): channels 1-2 are
``quantity="apparent"`` (REDD's whole-house meter), the circuits ``"active"`` (the eMonitor;
REDD's own readme only says "power"). Houses are in Massachusetts:
``meta["timezone"] = "America/New_York"``.

Choices made here (all visible in ``meta`` or the report):

* **mains** = sum of the channels labelled ``mains``. They share one timestamp column in REDD;
  when they do not, they are summed on the union of their timestamps, each leg held (zero-order
  hold) for at most its :meth:`~nilm.series.PowerSeries.max_hold` and NaN beyond, and a
  ``mains_aligned`` repair is recorded.
* **no mains files** (house 5 as shipped in ``shared/data``): :class:`NilmDataError` unless
  ``aggregate="sum_of_circuits"``, which sums every circuit, sets
  ``meta["mains_kind"] = "sum_of_circuits"`` and keeps any measured mains in
  ``extra["mains_measured"]``. A circuit that is labelled but has no file, or whose file holds
  no sample, is left out of the sum and reported (``circuit_left_out``); the sum is then marked
  incomplete (``meta["mains_incomplete"]`` lists those channels) instead of being NaN
  throughout. The **subpanel** channels are included in that sum: a REDD
  subpanel meter sits on the feeder of a sub-board whose circuits are not metered separately,
  so leaving it out would lose their load, and counting it does not double-count anything.
  The sum is still not the true mains: REDD circuits do not cover every load.
* **240 V loads** (``merge_legs=True``, default): the two legs of one appliance are summed into
  one, as NILMTK's metadata groups them (:data:`NILMTK_LEGS`: house 1 oven 3+4 and washer dryer
  10+20, house 3 washer dryer 13+14, house 4 air conditioning 9+10, house 5 washer dryer 8+9 and
  electric heat 12+13, house 6 air conditioning 16+17) when the house number and the labels
  match REDD's; in other folders two adjacent channels with the same label from
  :data:`TWO_LEG_LABELS` are the two legs. Subpanels are not merged (NILMTK keeps REDD house 5's
  two subpanel meters apart).
* ``meta["devices"]`` holds NILMTK's REDD meter devices (for ``energy_convention="nilmtk"``);
  with ``energy_convention="nilmtk"`` the meters of each sum (legs, mains legs) are also kept in
  ``extra`` as ``<name>_meter<N>`` and listed as its ``parts``, so that each is clipped and
  integrated as NILMTK does;
* other repeated labels become ``lighting``, ``lighting_2``, ... in channel order
  (:func:`nilm.names.unique_names`); ``meta["channels"]`` maps each name to its channel numbers.
* a folder of house folders loads every house with data; house folders with ``labels.dat`` only
  are recorded (``labels_only``) and listed in ``meta["houses_without_data"]``.
* missing ``labels.dat``: strict raises; lenient names channels ``channel_N`` and records
  ``missing_labels``. Labels without a file are listed in ``meta["absent_channels"]``; a file
  without a label is an error in strict mode, ``channel_N`` + ``unlabelled_channel`` in lenient.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import LoadReport, NilmDataError, check_mode
from ..names import canonical, normalise, unique_names
from ..series import Household, PowerSeries, check_convention
from .checksum import sha256_file
from .text import channel_files, read_int_float, read_labels

NAME = "redd"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a US split-phase
#: residential service of 200 A at 240 V (REDD's houses are in Massachusetts; each mains leg and
#: circuit is below it)
POWER_RANGE_W = (-48_000.0, 48_000.0)
TIMEZONE = "America/New_York"
#: REDD labels of loads wired across both 120 V legs (one channel per leg)
TWO_LEG_LABELS = frozenset({"washer_dryer", "electric_heat", "stove", "air_conditioning",
                            "dryer", "oven"})
#: the two-leg appliances of the six REDD houses in NILMTK's REDD metadata (house: [channels])
NILMTK_LEGS = {1: [(3, 4), (10, 20)], 3: [(13, 14)], 4: [(9, 10)], 5: [(8, 9), (12, 13)],
               6: [(16, 17)]}
AGGREGATES = ("mains", "sum_of_circuits")
#: REDD's meters as NILMTK's REDD metadata describes them (``meter_devices.yaml``): used by
#: ``energy_convention="nilmtk"`` (:meth:`nilm.series.Household.energy_wh`)
DEVICES = {"mains": {"device_model": "REDD_whole_house", "sample_period": 1,
                     "max_sample_period": 30, "lower_limit": 0, "upper_limit": 50000},
           "circuit": {"device_model": "eMonitor", "sample_period": 3, "max_sample_period": 50,
                       "lower_limit": 0, "upper_limit": 5000}}


def _is_house(d: Path) -> bool:
    return (d / "labels.dat").is_file() or bool(channel_files(d))


def house_dirs(path) -> list[Path]:
    """The house folders at ``path``: itself, or the folders below it (any depth) that hold
    ``labels.dat`` or ``channel_N.dat``, ordered by path."""
    path = Path(path)
    if not path.is_dir():
        return []
    if _is_house(path):
        return [path]
    return sorted(d for d in path.rglob("*") if d.is_dir() and _is_house(d))


def _first_labels(path) -> dict[int, str]:
    for d in house_dirs(path):
        f = d / "labels.dat"
        if f.is_file():
            try:
                return read_labels(f, mode="lenient", report=LoadReport())
            except OSError:
                return {}
    return {}


def detect(path) -> bool:
    """A folder (of folders) of ``channel_N.dat`` whose ``labels.dat`` has a ``mains`` label."""
    labels = _first_labels(path)
    return any(normalise(v) == "mains" for v in labels.values())


def hint(path) -> str | None:
    """Why a folder of ``channel_N.dat`` files was not recognised, and what to do."""
    dirs = house_dirs(path)
    if dirs and all(channel_files(d) and not (d / "labels.dat").is_file() for d in dirs):
        return ("channel_N.dat files without labels.dat (REDD / UK-DALE layout): add labels.dat, "
                "or force the format: -o format=redd (channels named channel_N; with "
                "-o aggregate=sum_of_circuits when no mains is labelled) or -o format=ukdale "
                "(channel 1 taken as the aggregate)")
    return None


def sources(path) -> list[Path]:
    out = []
    for d in house_dirs(path):
        if (d / "labels.dat").is_file():
            out.append(d / "labels.dat")
        out.extend(channel_files(d).values())
    return out


def house_id(folder: Path):
    """``house_5`` -> 5; a folder name without a number is returned as is."""
    m = re.search(r"(\d+)$", folder.name)
    return int(m.group(1)) if m else folder.name


def sum_series(series: list[PowerSeries], name: str, label: str, report: LoadReport,
               where) -> PowerSeries:
    """Sum of several channels (W). Same timestamps: a plain sum. Otherwise on the union of
    timestamps, each channel zero-order held for at most its ``max_hold()`` s (NaN
    beyond, and before its first sample), recorded as ``mains_aligned`` at ``where``. A NaN in
    any channel makes the sum NaN: a missing leg is not zero."""
    first = series[0]
    if all(np.array_equal(s.t, first.t) for s in series[1:]):
        total = np.sum([s.p.astype(np.float64) for s in series], axis=0)
        return PowerSeries(first.t, total, name, label, first.quantity, first.period)
    tu = np.unique(np.concatenate([s.t for s in series]))
    total = np.zeros(len(tu), dtype=np.float64)
    for s in series:
        idx = np.searchsorted(s.t, tu, side="right") - 1
        held = np.full(len(tu), np.nan)
        ok = idx >= 0
        age = tu[ok] - s.t[idx[ok]]
        vals = s.p[idx[ok]].astype(np.float64)
        vals[age > s.max_hold()] = np.nan
        held[ok] = vals
        total += held
    report.add(where, None, "mains_aligned", f"{name}: {len(series)} channels with different "
               f"timestamps summed on their union ({len(tu)} samples) with a bounded hold",
               count=1)
    return PowerSeries(tu, total, name, label, first.quantity)


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         aggregate: str = "mains", merge_legs: bool = True,
         energy_convention: str = "nilm") -> list[Household]:
    """Every REDD house with data at ``path`` (a house folder or a folder of house folders).

    Parameters
    ----------
    path : folder.
    mode : ``"strict"`` or ``"lenient"`` (see :mod:`nilm.io`).
    report : load-wide report; each Household also gets its own in ``household.report``.
    aggregate : ``"mains"`` (the measured mains legs, required) or ``"sum_of_circuits"``.
    merge_legs : sum the two legs of 240 V loads into one appliance.
    energy_convention : ``"nilm"`` or ``"nilmtk"``: the default of
        :meth:`~nilm.series.Household.energy_wh` for these households; ``"nilmtk"`` also keeps
        the meters of each sum in ``extra`` (``<name>_meter<N>``) so that energies are
        NILMTK's exactly (NILMTK clips and integrates each meter).

    Returns
    -------
    list of Household, ordered by folder path; power in VA (mains, apparent) and W (circuits,
    active), time epoch s UTC.
    """
    check_mode(mode)
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, not {aggregate!r}")
    check_convention(energy_convention)
    report = LoadReport() if report is None else report
    path = Path(path)
    dirs = house_dirs(path)
    with_data = [d for d in dirs if channel_files(d)]
    empty = [d for d in dirs if not channel_files(d)]
    if not with_data:
        raise NilmDataError(path, None, "no REDD house folder with channel_N.dat files"
                            + (f" ({len(empty)} with labels.dat only)" if empty else ""))
    note = "house folder has labels.dat but no channel_N.dat files; not loaded"
    for e in empty:
        report.add(e, None, "labels_only", note)
    houses = []
    for d in with_data:
        rep = LoadReport()
        h = _read_house(d, mode=mode, report=rep, aggregate=aggregate, merge_legs=merge_legs,
                        keep=energy_convention == "nilmtk")
        h.meta["energy_convention"] = energy_convention
        report.extend(rep)
        for e in empty:  # each household's report also says what else was not loaded
            rep.add(e, None, "labels_only", note)
        h.meta["houses_without_data"] = [str(e) for e in empty]
        houses.append(h)
    return houses


def _labels(d: Path, chans: dict[int, Path], mode: str, report: LoadReport) -> dict[int, str]:
    f = d / "labels.dat"
    if not f.is_file():
        if mode == "strict":
            raise NilmDataError(f, None, "missing labels.dat (needed to tell mains from circuits)")
        report.add(f, None, "missing_labels", "no labels.dat: channels named channel_N, "
                   "none can be identified as mains")
        return {}
    labels = read_labels(f, mode=mode, report=report)
    for n, p in chans.items():
        if n not in labels:
            if mode == "strict":
                raise NilmDataError(p, None, f"channel {n} is not listed in {f}")
            report.add(p, None, "unlabelled_channel", f"channel {n} not in labels.dat; named "
                       f"channel_{n}")
    return labels


def _pair_legs(numbers: list[int], labels: dict[int, str], house=None) -> list[list[int]]:
    """Group channel numbers into appliances: NILMTK's leg pairs for a REDD house whose labels
    match (:data:`NILMTK_LEGS`), else adjacent two-leg channels with the same label."""
    known = NILMTK_LEGS.get(house) if isinstance(house, int) else None
    if known and all(normalise(labels.get(a, "")) == normalise(labels.get(b, "")) != ""
                     for a, b in known):
        pairs = {a: b for a, b in known if a in numbers and b in numbers}
        second = set(pairs.values())
        return sorted(([n, pairs[n]] if n in pairs else [n] for n in numbers if n not in second),
                      key=lambda g: g[0])
    groups, i = [], 0
    while i < len(numbers):
        n = numbers[i]
        lab = normalise(labels.get(n, ""))
        if (i + 1 < len(numbers) and lab in TWO_LEG_LABELS and numbers[i + 1] == n + 1
                and normalise(labels.get(n + 1, "")) == lab):
            groups.append([n, n + 1])
            i += 2
        else:
            groups.append([n])
            i += 1
    return groups


def _read_house(d: Path, *, mode: str, report: LoadReport, aggregate: str,
                merge_legs: bool, keep: bool = False) -> Household:
    chans = channel_files(d)
    labels = _labels(d, chans, mode, report)
    source_files = {}
    if (d / "labels.dat").is_file():
        source_files[str(d / "labels.dat")] = sha256_file(d / "labels.dat")
    series: dict[int, PowerSeries] = {}
    for n, f in chans.items():
        t, p, _ = read_int_float(f, mode=mode, report=report)
        source_files[str(f)] = sha256_file(f)
        label = labels.get(n, f"channel_{n}")
        series[n] = PowerSeries(t, p, canonical(label)[0] if n in labels else f"channel_{n}",
                                label, "apparent" if n <= 2 else "active")
    mains_nums = [n for n in chans if normalise(labels.get(n, "")) == "mains"]
    circuit_nums = [n for n in chans if n not in mains_nums]
    meta = {"dataset": "REDD", "house": house_id(d), "timezone": TIMEZONE,
            "source_files": source_files, "folder": str(d),
            "labels": {str(n): lab for n, lab in labels.items()},
            "absent_channels": sorted(n for n in labels if n not in chans)}
    extra: dict[str, PowerSeries] = {}
    measured = (sum_series([series[n] for n in mains_nums], "mains", "mains", report, d)
                if mains_nums else None)
    if aggregate == "sum_of_circuits":
        summed = [n for n in circuit_nums if len(series[n])]
        left_out = sorted([n for n in circuit_nums if not len(series[n])]
                          + [n for n in meta["absent_channels"]
                             if normalise(labels.get(n, "")) != "mains"])
        if not summed:
            raise NilmDataError(d, None, "no circuit channel with data to sum")
        for n in left_out:
            why = "has no samples" if n in chans else "is labelled but has no file"
            report.add(chans.get(n, d / f"channel_{n}.dat"), None, "circuit_left_out",
                       f"circuit {n} ({labels.get(n, '?')}) {why}: left out of the sum of "
                       "circuits, which is incomplete")
        mains = sum_series([series[n] for n in summed], "mains", "sum of circuits "
                           + "+".join(map(str, summed)), report, d)
        meta["mains_kind"] = "sum_of_circuits"
        meta["mains_incomplete"] = left_out
        if measured is not None:
            extra["mains_measured"] = measured
    elif measured is None:
        raise NilmDataError(d, None, "no mains channel files (labels.dat lists mains as "
                            f"{[n for n, v in labels.items() if normalise(v) == 'mains']}); "
                            "pass aggregate='sum_of_circuits' (CLI: -o aggregate=sum_of_circuits) "
                            "to use the sum of the circuits")
    else:
        mains = measured
        meta["mains_kind"] = "measured"
    meta["mains_channels"] = (summed if aggregate == "sum_of_circuits" else mains_nums)
    groups = (_pair_legs(circuit_nums, labels, meta["house"]) if merge_legs
              else [[n] for n in circuit_nums])
    names = unique_names([series[g[0]].name for g in groups])
    appliances, channels = {}, {}
    devices = {}
    for name, g in zip(names, groups, strict=True):
        s = (sum_series([series[n] for n in g], name, series[g[0]].label, report, d)
             if len(g) > 1 else series[g[0]])
        s.name = name
        appliances[name] = s
        channels[name] = g
        devices[name] = dict(DEVICES["circuit"])
        if len(g) > 1:
            record_sum(devices, extra, name, [series[n] for n in g], g,
                       [DEVICES["circuit"]] * len(g), keep=keep)
    meta["channels"] = channels
    if meta["mains_kind"] == "measured":
        devices["mains"] = dict(DEVICES["mains"])
        if len(mains_nums) > 1:
            record_sum(devices, extra, "mains", [series[n] for n in mains_nums], mains_nums,
                       [DEVICES["mains"]] * len(mains_nums), keep=keep)
    else:  # a sum of circuits: NILMTK's figure is the sum of theirs
        devices["mains"] = {"parts": [n for n, g in channels.items()
                                      if set(g) <= set(meta["mains_channels"])]}
    meta["devices"] = devices
    return Household(mains, appliances, meta, extra, report)


def record_sum(devices: dict, extra: dict, name: str, parts: list[PowerSeries],
               numbers: list[int], part_devices: list[dict], *, keep: bool) -> None:
    """``devices[name]`` for a channel summed from meters ``numbers``: their device without
    limits (NILMTK clips each meter, not the sum) and ``meters``; with ``keep`` the parts are
    also kept as ``extra["<name>_meter<N>"]`` with their devices and listed as ``parts``, so
    that ``energy_convention="nilmtk"`` integrates and clips each one as NILMTK does."""
    dev = {k: v for k, v in part_devices[0].items() if k not in ("lower_limit", "upper_limit")}
    dev["meters"] = list(numbers)
    if keep:
        dev["parts"] = []
        for s, n, pdev in zip(parts, numbers, part_devices, strict=True):
            key = f"{name}_meter{n}"
            extra[key] = PowerSeries(s.t, s.p, key, s.label, s.quantity, s.period, s.interval)
            devices[key] = dict(pdev)
            dev["parts"].append(key)
    devices[name] = dev
