"""The bad-input cases of issue 15 (items 2, 3, 5, 7): each damaged input is built in a temporary
folder and loaded in strict and lenient mode; one Markdown row per case.

Usage: ``python scripts/bad_input_table.py`` (run it with an older checkout first on
``PYTHONPATH`` to get the "before" column). All inputs are synthetic, built here; none is real
data.
"""

from __future__ import annotations

import tempfile
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from nilm.errors import NilmDataError
from nilm.io import load_all, nilmh5
from nilm.series import Household, PowerSeries

T0 = 1_303_132_929


def _redd(d: Path, rows1, rows2=None) -> Path:
    d.mkdir(parents=True)
    (d / "labels.dat").write_text("1 mains\n2 mains\n")
    rows2 = rows2 if rows2 is not None else [(t, "50") for t, _ in rows1]
    for n, rows in ((1, rows1), (2, rows2)):
        (d / f"channel_{n}.dat").write_text("".join(f"{t} {p}\n" for t, p in rows))
    return d


def _uci(d: Path, values) -> Path:
    d.mkdir(parents=True)
    head = ("Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;"
            "Sub_metering_1;Sub_metering_2;Sub_metering_3")
    t = datetime(2007, 2, 1)
    rows = [f"1/2/2007;{(t + timedelta(minutes=k)):%H:%M:%S};{v};0.1;240;5;0;1;17"
            for k, v in enumerate(values)]
    (d / "household_power_consumption.txt").write_text("\n".join([head, *rows]) + "\n")
    return d


def _enedis(f: Path, token: str | None = None, value: float | None = None) -> Path:
    start = datetime(2023, 3, 1, tzinfo=timezone(timedelta(hours=1)))
    rows = ["Horodate;Valeur"]
    for k in range(48):
        v = 400 + 10 * (k % 7)
        if k == 10:
            v = token if token is not None else (value if value is not None else v)
        rows.append(f"{(start + timedelta(minutes=30 * (k + 1))).isoformat()};{v}")
    f.write_text("\n".join(rows) + "\n")
    return f


def _outcome(fn) -> str:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = fn()
        except NilmDataError as exc:
            where = f"{Path(exc.path).name}:{exc.line}" if exc.line else Path(exc.path).name
            return f"NilmDataError {where}: {exc.message[:70]}"
        except Exception as exc:  # noqa: BLE001 -- the "before" column shows these
            return f"**{type(exc).__name__}**: {str(exc)[:60]}"
    warned = f" + warning ({str(w[0].message)[:40]}…)" if w else ""
    return (out if isinstance(out, str) else "loads") + warned


def _summary(houses, extra=None) -> str:
    h = houses[0]
    kinds = {}
    for (_, k), n in (h.report.counts() if h.report else {}).items():
        kinds[k] = kinds.get(k, 0) + n
    rep = ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())) or "empty report"
    return f"loads; {extra(h) + '; ' if extra else ''}report: {rep}"


def _energy(h) -> str:
    return f"mains {h.mains.energy_wh():.1f} Wh"


def cases(tmp: Path):
    rows = [(T0 + 3 * i, str(100 + i % 50)) for i in range(6000)]  # 5 h at 3 s
    ms = _redd(tmp / "ms" / "house_1", [(t * 1000, p) for t, p in rows],
               [(t * 1000, "50") for t, _ in rows])
    yield ("ms timestamps (REDD, 5 h)", lambda m: _summary(load_all(
        ms, format="redd", mode=m, cache=False), _energy))
    r2100 = rows[:4200:20] + [(int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp()),
                               "120")]
    d2100 = _redd(tmp / "y2100" / "house_1", r2100)

    def grid(h):
        return f"span {(h.mains.t[-1] - h.mains.t[0]) / 3600:.1f} h " \
               f"= {int((h.mains.t[-1] - h.mains.t[0]) // 1800) + 1} half-hours"
    yield ("one row dated 2100 (3.5 h of data)", lambda m: _summary(load_all(
        d2100, format="redd", mode=m, cache=False), grid))
    for token in ("nan", "1e400"):
        dn = _redd(tmp / f"tok_{token}" / "house_1",
                   [(t, token if i == 5 else p) for i, (t, p) in enumerate(rows[:50])])
        yield (f"`{token}` in a REDD channel", lambda m, dn=dn: _summary(load_all(
            dn, format="redd", mode=m, cache=False)))
    du = _uci(tmp / "uci_inf", ["1.2", "-inf", "1.3"])
    yield ("UCI `-inf`", lambda m: _summary(load_all(du, mode=m, cache=False)))
    for token in ("nan", "inf", "Infinity"):
        fe = _enedis(tmp / f"enedis_{token}.csv", token=token)
        yield (f"Enedis `{token}`", lambda m, fe=fe: _summary(load_all(
            fe, mode=m, cache=False)))
    big = _redd(tmp / "big" / "house_1",
                [(t, "1e12" if i == 7 else p) for i, (t, p) in enumerate(rows[:50])])
    yield ("1e12 W in REDD", lambda m: _summary(load_all(big, format="redd", mode=m,
                                                          cache=False), _energy))
    fe = _enedis(tmp / "enedis_big.csv", value=1e12)
    yield ("1e12 W in an Enedis curve", lambda m: _summary(
        load_all(fe, mode=m, cache=False), lambda h: f"{h.mains.energy_wh() / 1000:.1f} kWh/day"))
    rng = np.random.default_rng(3)
    kw = [(T0 + 60 * i, f"{(150 + v) / 1000:.4f}") for i, v in enumerate(rng.gamma(0.5, 400,
                                                                                   2880))]
    dkw = _redd(tmp / "kw" / "house_1", kw, [(t, "0") for t, _ in kw])
    yield ("mains in kW (2 days)", lambda m: _summary(load_all(dkw, format="redd", mode=m,
                                                                cache=False), _energy))
    # a cache file with 64 flipped bytes in the mains data
    dc = _redd(tmp / "cache_src" / "house_1",
               [(T0 + 3 * i + (i % 3), f"{163 + i % 40}") for i in range(3000)])
    cdir = tmp / "cache"

    def flipped(m):
        src = load_all(dc, format="redd", mode=m, cache=False)[0]
        load_all(dc, format="redd", mode=m, cache=cdir)
        for file in cdir.glob("*.nilm.h5"):
            import h5py
            with h5py.File(file, "r") as f:
                (g,) = f["households"].values()
                off = g["channels/mains/p"].id.get_chunk_info(0).byte_offset
            raw = bytearray(file.read_bytes())
            raw[off + 64:off + 128] = bytes(b ^ 0xFF for b in raw[off + 64:off + 128])
            file.write_bytes(bytes(raw))
        h = load_all(dc, format="redd", mode=m, cache=cdir)[0]
        same = np.array_equal(h.mains.p, src.mains.p)
        again = load_all(dc, format="redd", mode=m, cache=cdir)[0]
        notes = [k for (_, k) in (again.report.counts() if again.report else {})]
        return (f"values {'equal' if same else '**differ**'} to source "
                f"({src.mains.energy_wh():.1f} vs {h.mains.energy_wh():.1f} Wh); next hit "
                f"notes: {notes.count('cache_rebuilt')} cache_rebuilt")
    yield ("64 bytes flipped in a cache file", lambda m: _outcome(lambda: flipped(m)))
    d8 = _uci(tmp / "uci_bytes", [f"{1 + k % 7 / 10:.3f}" for k in range(300)])
    f8 = d8 / "household_power_consumption.txt"
    raw = bytearray(f8.read_bytes())
    raw[raw.index(b"\n", 6000) + 3] = 0xFF
    f8.write_bytes(bytes(raw))
    yield ("bad byte after the first 4 KB (UCI)", lambda m: _summary(load_all(
        d8, mode=m, cache=False)))
    yield ("`/dev/null`", lambda m: _summary(load_all("/dev/null", mode=m, cache=False)))
    dd = _redd(tmp / "dir" / "house_1", rows[:10])
    (dd / "channel_2.dat").unlink()
    (dd / "channel_2.dat").mkdir()
    yield ("a channel file that is a folder", lambda m: _summary(load_all(
        dd, format="redd", mode=m, cache=False)))
    fh = tmp / "flip.nilm.h5"
    nilmh5.write(fh, [Household(PowerSeries(T0 + np.arange(100), np.ones(100), "mains"), {},
                                {"house": "a"})])
    raw = bytearray(fh.read_bytes())
    k = raw.index(b"channels")  # the group's name in HDF5's own structures
    raw[k:k + 8] = b"xxxxxxxx"
    fh.write_bytes(bytes(raw))
    yield ("bit-flipped `.nilm.h5`", lambda m: _summary(load_all(fh, mode=m, cache=False)))


def main() -> None:
    print("| case | strict | lenient |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in cases(Path(tmp)):
            print(f"| {name} | {_outcome(lambda fn=fn: fn('strict'))} | "
                  f"{_outcome(lambda fn=fn: fn('lenient'))} |", flush=True)


if __name__ == "__main__":
    main()
