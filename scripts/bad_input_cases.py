"""Run every bad-input case of issue 15 and write a markdown table: through the ``nilm`` command
line (case -> exit code, message: the last line on stderr, report: what the output shows), or,
with ``--loaders``, through the library (``nilm.load_all`` in strict and lenient mode: case ->
outcome of each).

Usage::

    python scripts/bad_input_cases.py OUT.md [--repo PATH] [--only ITEM,...]
    python scripts/bad_input_cases.py OUT.md --loaders [--repo PATH]

``--repo`` runs the nilm of another checkout (e.g. ``git worktree add /tmp/base d5a772c`` for the
"before" column; default: this checkout); ``--before`` runs a second checkout first, for a
before -> after table (both modes); ``$D`` in a message is the case's temporary folder.
Each command-line case builds its damaged input in a temporary folder: small **real** files
copied from ``../shared/data`` when present (UCI Sceaux 2007-02-01, REDD house 5), else
synthetic files written here; the table's ``data`` column says which. The loader cases are
synthetic, built here. Every command and every loader run is a subprocess under a 3 GiB
address-space limit and a 300 s timeout (a case that would exhaust memory ends as a
MemoryError, not as a dead machine).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
UCI_REAL = (SHARED / "uci_household_power_consumption" / "sceaux_2007-02-01_to_2007-02-02"
            / "household_power_consumption.txt")
REDD_REAL = SHARED / "redd" / "low_freq" / "house_5"
UCI_HEADER = ("Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;"
              "Sub_metering_1;Sub_metering_2;Sub_metering_3")
MEMORY_LIMIT = 3 << 30
TIMEOUT_S = 300


# ----------------------------------------------------------------------------- inputs


def uci(d: Path, lines: int = 300) -> tuple[Path, str]:
    """A UCI file of ``lines`` minutes: the real Sceaux file's first lines, else synthetic."""
    path = d / "household_power_consumption.txt"
    if UCI_REAL.is_file():
        with open(UCI_REAL) as f:
            text = [next(f) for _ in range(lines + 1)]
        path.write_text("".join(text))
        return path, "real (UCI, damaged copy)"
    rows = [UCI_HEADER]
    for i in range(lines):
        hh, mm = divmod(i, 60)
        rows.append(f"1/2/2007;{hh:02d}:{mm:02d}:00;0.326;0.128;243.150;1.400;0.000;1.000;17.000")
    path.write_text("\n".join(rows) + "\n")
    return path, "synthetic (UCI layout)"


def uci_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def redd(d: Path, lines: int = 3000, *, ms: bool = False) -> tuple[Path, str]:
    """A REDD house: the real house 5 (first ``lines`` of every channel), else two mains legs
    and three circuits, synthetic."""
    house = d / "house_5"
    house.mkdir()
    if REDD_REAL.is_dir():
        shutil.copy(REDD_REAL / "labels.dat", house / "labels.dat")
        for ch in sorted(REDD_REAL.glob("channel_*.dat")):
            with open(ch) as f:
                text = [next(f, "") for _ in range(lines)]
            (house / ch.name).write_text("".join(text))
        kind = "real (REDD house 5, first lines)"
    else:
        (house / "labels.dat").write_text("1 mains\n2 mains\n3 refrigerator\n4 lighting\n"
                                          "5 microwave\n")
        t = 1303100000 + 3 * np.arange(lines)
        for ch, p in {1: 120.0, 2: 60.0, 3: 80.0, 4: 40.0, 5: 60.0}.items():
            (house / f"channel_{ch}.dat").write_text("".join(f"{ti} {p}\n" for ti in t))
        kind = "synthetic (REDD layout)"
    if ms:
        for ch in house.glob("channel_*.dat"):
            rows = [r.split() for r in ch.read_text().splitlines() if r.strip()]
            ch.write_text("".join(f"{int(t) * 1000} {v}\n" for t, v in rows))
    return house, kind


def redd_with_mains(d: Path, n: int = 2000, bom: bool = False, ukdale: bool = False) -> Path:
    """A house folder with two mains legs (REDD) or one aggregate (UK-DALE), synthetic."""
    house = d / "house_1"
    house.mkdir()
    labels = "1 aggregate\n2 kettle\n" if ukdale else "1 mains\n2 mains\n3 refrigerator\n"
    (house / "labels.dat").write_text(("\ufeff" if bom else "") + labels)
    t = 1363000000 + 6 * np.arange(n) if ukdale else 1303100000 + 3 * np.arange(n)
    chans = {1: 200.0, 2: 20.0} if ukdale else {1: 100.0, 2: 50.0, 3: 80.0}
    for ch, p in chans.items():
        (house / f"channel_{ch}.dat").write_text("".join(f"{ti} {p}\n" for ti in t))
    return house


def enedis(d: Path, value_of=None) -> Path:
    """An Enedis load-curve export of 14 days at 30 min (tests/linky_files.py)."""
    sys.path.insert(0, str(ROOT))
    from tests import linky_files as lf

    rows = lf.intervals("2024-01-08", [(30, 48 * 14)], seed=1)
    if value_of:
        rows = [(t, s, value_of(k, v)) for k, (t, s, v) in enumerate(rows)]
    path = d / "Enedis_Conso_Heure_20240108-20240121_12345678901234.csv"
    lf.horodate(path, rows)
    return path


def simulated(d: Path, repo: Path) -> Path:
    out = d / "sim"
    r = nilm(repo, d, ["simulate", "--households", "1", "--days", "1", "--period", "60",
                       "--out", out])
    if r.returncode:
        raise RuntimeError(r.stderr)
    return out


# ----------------------------------------------------------------------------- running


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def without_root_rights() -> list[str]:
    if os.geteuid() == 0 and shutil.which("setpriv"):
        caps = "-dac_override,-dac_read_search"
        return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
    return []


def nilm(repo: Path, d: Path, argv, *, unprivileged: bool = False, umask: int | None = None):
    env = dict(os.environ, PYTHONPATH=str(repo), NILM_CACHE=str(d / "cache"),
               NUMBA_NUM_THREADS="1", PYTHONWARNINGS="default")

    def pre():
        _limits()
        if umask is not None:
            os.umask(umask)

    cmd = [*(without_root_rights() if unprivileged else []), sys.executable, "-m", "nilm.cli",
           *map(str, argv)]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=d,
                              timeout=TIMEOUT_S, preexec_fn=pre)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, "timeout", "", f"timed out after {TIMEOUT_S} s")


def message(r) -> str:
    """The line that matters: the exception of a traceback, else stderr's error line, else
    stdout's last line."""
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in err if ": error: " in ln]
    if "Traceback" in r.stderr:
        text = "Traceback: " + err[-1]
    elif errors:
        text = errors[-1]
    else:
        out = [ln for ln in r.stdout.splitlines() if ln.strip()]
        text = (out[-1] if out else "") or (err[-1] if err else "")
    return _cell(text, 220)


def _cell(text: str, n: int = 200) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def notes(r, n: int = 2) -> str:
    """stderr lines other than the error: the load report the command printed."""
    lines = [ln for ln in r.stderr.splitlines()
             if ln.strip() and ": error: " not in ln and "Traceback" not in r.stderr]
    lines = [ln.split("repaired or skipped: ")[-1] for ln in lines]
    return "; ".join(lines[:n]) + (f" (+{len(lines) - n})" if len(lines) > n else "")


def quiet(r):
    """``r`` without its stdout (a help text is described in the report column instead)."""
    return subprocess.CompletedProcess(r.args, r.returncode, "", r.stderr)


def csv_rows(path: Path) -> tuple[int, int]:
    """(rows, rows with a mains value) of a resampled CSV."""
    if not path.is_file():
        return 0, 0
    rows = path.read_text().splitlines()[1:]
    return len(rows), sum(1 for r in rows if r.split(",")[1])


def mains_energy(r) -> str:
    try:
        out = json.loads(r.stdout)
    except ValueError:
        return ""
    out = out[0] if isinstance(out, list) else out
    ch = out["channels"][0]
    return f"{ch['name']} {ch['energy_wh']:.1f} Wh, {ch['n_samples']} samples, repairs " \
           f"{out['repairs'] or 'none'}"


# ----------------------------------------------------------------------------- cases


def cases():
    """(item, name, run(repo, d) -> (CompletedProcess, data, report)) for every case."""
    out = []

    def case(item, name):
        def deco(fn):
            out.append((item, name, fn))
            return fn
        return deco

    # 1 --------------------------------------------------------------------------
    @case(1, "resample, UCI with decimal commas everywhere")
    def _(repo, d):
        src, data = uci(d)
        lines = uci_lines(src)
        write_lines(src, [lines[0]] + [ln.replace(".", ",") for ln in lines[1:]])
        r = nilm(repo, d, ["resample", src, "--period", "30min", "--out", d / "r.csv"])
        n, full = csv_rows(d / "r.csv")
        return r, data, f"CSV: {n} rows, {full} with a mains value; {notes(r)}"

    # 2 --------------------------------------------------------------------------
    @case(2, "64 bytes flipped in a .nilm.h5 cache file, then inspect twice")
    def _(repo, d):
        import h5py

        src, data = uci(d, 2000)
        first = nilm(repo, d, ["inspect", src, "--json"])
        files = sorted((d / "cache").rglob("*.nilm.h5"))
        if not files:
            return first, data, "no cache file written"
        target = None
        with h5py.File(files[0], "r") as f:
            def visit(name, obj):
                nonlocal target
                if isinstance(obj, h5py.Dataset) and target is None \
                        and name.endswith("mains/p") and obj.size > 256:
                    off = obj.id.get_offset()
                    if off is None and obj.chunks:
                        off = obj.id.get_chunk_info(0).byte_offset
                    target = off
            f.visititems(visit)
        if target is None:
            return first, data, "no mains dataset found"
        with open(files[0], "r+b") as f:
            f.seek(target + 400)
            block = bytearray(f.read(64))
            f.seek(target + 400)
            f.write(bytes(b ^ 0x5A for b in block))
        second = nilm(repo, d, ["inspect", src, "--json"])
        third = nilm(repo, d, ["inspect", src, "--json"])
        warned = [("rebuilt" in x.stderr or "checksum" in x.stderr) for x in (second, third)]
        return second, data, (f"before: {mains_energy(first).split(',')[0]}; after flip: "
                              f"{mains_energy(second).split(',')[0]}; warning on the hit after "
                              f"the flip: {warned[0]}, on the next: {warned[1]}")

    # 3 --------------------------------------------------------------------------
    @case(3, "inspect, REDD house with millisecond timestamps")
    def _(repo, d):
        house, data = redd(d, 2000, ms=True)
        r = nilm(repo, d, ["inspect", house, "-o", "aggregate=sum_of_circuits", "--no-cache"])
        return r, data, notes(r)

    @case(3, "inspect --strict, UK-DALE aggregate in milliseconds")
    def _(repo, d):
        house = redd_with_mains(d, 3000, ukdale=True)
        for ch in house.glob("channel_*.dat"):
            rows = [x.split() for x in ch.read_text().splitlines()]
            ch.write_text("".join(f"{int(t) * 1000} {v}\n" for t, v in rows))
        r = nilm(repo, d, ["inspect", house, "--strict", "--json", "--no-cache", "-o",
                           "format=ukdale"])
        return r, "synthetic (UK-DALE layout, 200 W for 5 h)", mains_energy(r)

    @case(3, "resample, REDD house in milliseconds (3 GiB limit)")
    def _(repo, d):
        house, data = redd(d, 2000, ms=True)
        r = nilm(repo, d, ["resample", house, "-o", "aggregate=sum_of_circuits", "--period",
                           "30min", "--out", d / "r.csv", "--no-cache"])
        n, full = csv_rows(d / "r.csv")
        return r, data, f"CSV: {n} rows"

    @case(3, "resample 30min, UCI with one row dated 2100")
    def _(repo, d):
        src, data = uci(d)
        lines = uci_lines(src)
        lines[150] = "1/2/2100" + lines[150][lines[150].index(";"):]
        write_lines(src, lines)
        r = nilm(repo, d, ["resample", src, "--period", "30min", "--out", d / "r.csv"])
        n, full = csv_rows(d / "r.csv")
        return r, data, f"CSV: {n} rows ({full} with mains); {notes(r)}"

    # 4 --------------------------------------------------------------------------
    @case(4, "REDD -o aggregate=sum_of_circuits with one empty circuit")
    def _(repo, d):
        house, data = redd(d)
        circuits = sorted(house.glob("channel_*.dat"), key=lambda p: int(p.stem.split("_")[1]))
        circuits[-1].write_text("")
        r = nilm(repo, d, ["resample", house, "-o", "aggregate=sum_of_circuits", "--period",
                           "1min", "--out", d / "r.csv"])
        n, full = csv_rows(d / "r.csv")
        return r, data, f"CSV: {full}/{n} rows with a mains value; {notes(r)}"

    # 5 --------------------------------------------------------------------------
    for token in ("nan", "1e400"):
        @case(5, f"inspect --strict, UCI with one value '{token}'")
        def _(repo, d, token=token):
            src, data = uci(d)
            lines = uci_lines(src)
            f = lines[20].split(";")
            f[2] = token
            lines[20] = ";".join(f)
            write_lines(src, lines)
            r = nilm(repo, d, ["inspect", src, "--strict", "--json", "--no-cache"])
            return r, data, mains_energy(r)

    @case(5, "inspect, UCI with one value '-inf'")
    def _(repo, d):
        src, data = uci(d)
        lines = uci_lines(src)
        f = lines[20].split(";")
        f[2] = "-inf"
        lines[20] = ";".join(f)
        write_lines(src, lines)
        r = nilm(repo, d, ["inspect", src, "--json", "--no-cache"])
        return r, data, mains_energy(r)

    for token in ("nan", "inf", "Infinity"):
        @case(5, f"inspect --strict, Enedis export with one value '{token}'")
        def _(repo, d, token=token):
            src = enedis(d, lambda k, v, token=token: token if k == 30 else v)
            r = nilm(repo, d, ["inspect", src, "--strict", "--json", "--no-cache"])
            return r, "synthetic (Enedis CSV)", mains_energy(r)

    @case(5, "nilm linky, one half-hour at 1e12 W")
    def _(repo, d):
        src = enedis(d, lambda k, v: 10 ** 12 if k == 30 else v)
        r = nilm(repo, d, ["linky", src, "--out", d / "l"])
        kwh = [ln for ln in r.stdout.splitlines() if "kWh" in ln][:1]
        return r, "synthetic (Enedis CSV)", _cell(kwh[0] if kwh else "", 120)

    @case(5, "inspect, UCI values 1000x too large (W written where kW is expected)")
    def _(repo, d):
        src, data = uci(d)
        lines = uci_lines(src)
        out = [lines[0]]
        for ln in lines[1:]:
            f = ln.split(";")
            f[2] = f"{float(f[2]) * 1000:.3f}"
            out.append(";".join(f))
        write_lines(src, out)
        r = nilm(repo, d, ["inspect", src, "--json", "--no-cache"])
        return r, data, mains_energy(r)

    # 6 --------------------------------------------------------------------------
    def resample_case(name, extra, setup=None):
        @case(6, name)
        def _(repo, d):
            src, data = uci(d)
            if setup:
                setup(d)
            argv = ["resample", src, *extra]
            if "--out" not in extra:
                argv += ["--out", d / "r.csv"]
            r = nilm(repo, d, argv)
            return r, data, ""

    resample_case("resample --period 60", ["--period", "60"])
    resample_case("resample --period 1.5s", ["--period", "1.5s"])
    resample_case("resample --period 0", ["--period", "0"])
    for opt in ("foo=bar", "aggregate=bogus"):
        @case(6, f"resample -o {opt} (REDD house)")
        def _(repo, d, opt=opt):
            house, data = redd(d, 500)
            r = nilm(repo, d, ["resample", house, "--period", "10min", "-o", opt, "--out",
                               d / "r.csv"])
            return r, data, ""

    resample_case("resample --out out/", ["--period", "10min", "--out", "out/"],
                  lambda d: (d / "out").mkdir())

    @case(6, "resample, header-only input")
    def _(repo, d):
        src, data = uci(d)
        write_lines(src, uci_lines(src)[:1])
        return nilm(repo, d, ["resample", src, "--period", "10min", "--out", d / "r.csv"]), \
            data, ""

    @case(6, "inspect /dev/null")
    def _(repo, d):
        return nilm(repo, d, ["inspect", "/dev/null"]), "-", ""

    source = '[[sources]]\nname = "sim"\nhouseholds = 1\ndays = 1\nperiod = 300\n'
    specs = {"study, missing spec file": None, "study, bad TOML": "name = 'x\n" + source,
             "study, no sources": "name = 'x'\n", "study, unknown key": "colour = 1\n" + source,
             "study, bad resolution": "resolutions = ['native', '7 parsecs']\n" + source}
    for name, text in specs.items():
        @case(6, name)
        def _(repo, d, text=text):
            spec = d / "spec.toml"
            if text is not None:
                spec.write_text(text)
            t0 = time.perf_counter()
            r = nilm(repo, d, ["study", spec, "--out", d / "o", "--no-progress"])
            worked = (d / "o" / "data").exists()
            return r, "-", (f"{time.perf_counter() - t0:.0f} s; data simulated first: "
                            f"{worked}")

    @case(6, "nilm report on an empty folder")
    def _(repo, d):
        (d / "empty").mkdir()
        return nilm(repo, d, ["report", d / "empty"]), "-", ""

    for extra in (["--period", "7"], ["--days", "0"], ["--households", "0"],
                  ["--start", "2024-13-01"]):
        @case(6, "simulate " + " ".join(extra))
        def _(repo, d, extra=extra):
            r = nilm(repo, d, ["simulate", "--out", d / "sim", *extra])
            return r, "-", f"folder created: {(d / 'sim').exists()}"

    def read_only(name, build):
        @case(6, f"read-only --out, {name}" + (" (as root without DAC override)"
                                                if os.geteuid() == 0 else ""))
        def _(repo, d):
            ro = d / "ro"
            ro.mkdir()
            argv, data = build(d, ro)
            ro.chmod(0o555)
            r = nilm(repo, d, argv, unprivileged=True)
            left = os.listdir(ro)
            ro.chmod(0o755)
            return r, data, f"left in --out: {left or 'nothing'}"

    def _resample_ro(d, ro):
        src, data = uci(d)
        return ["resample", src, "--period", "10min", "--out", ro / "r.csv"], data

    def _linky_ro(d, ro):
        return ["linky", enedis(d), "--out", ro], "synthetic (Enedis CSV)"

    def _simulate_ro(d, ro):
        return ["simulate", "--days", "1", "--out", ro], "-"

    def _study_ro(d, ro):
        (d / "spec.toml").write_text(source)
        return ["study", d / "spec.toml", "--out", ro, "--no-progress"], "-"

    read_only("resample", _resample_ro)
    read_only("linky", _linky_ro)
    read_only("simulate", _simulate_ro)
    read_only("study", _study_ro)

    @case(6, "nilm linky on a file that is not Linky data (stream)")
    def _(repo, d):
        bad = d / "export.csv"
        bad.write_text("nothing here\n")
        r = nilm(repo, d, ["linky", bad, "--out", d / "o"])
        return r, "-", f"stdout: {_cell(r.stdout, 60) or 'empty'}; stderr: " \
                       f"{_cell(r.stderr, 60) or 'empty'}"

    # 7 --------------------------------------------------------------------------
    @case(7, "inspect, UCI with a byte 0xFF after the first 4 KB")
    def _(repo, d):
        src, data = uci(d)
        raw = bytearray(src.read_bytes())
        pos = raw.index(b"\n", 6000) + 3
        raw[pos] = 0xFF
        src.write_bytes(bytes(raw))
        r = nilm(repo, d, ["inspect", src, "--no-cache"])
        return r, data, notes(r)

    @case(7, "inspect, a simulated .nilm.h5 with 64 bytes flipped at offset 1024")
    def _(repo, d):
        out = simulated(d, repo)
        f = out / "sim_000.nilm.h5"
        raw = bytearray(f.read_bytes())
        raw[1024:1088] = bytes(b ^ 0xFF for b in raw[1024:1088])
        f.write_bytes(bytes(raw))
        r = nilm(repo, d, ["inspect", f])
        return r, "simulated", notes(r)

    @case(7, "inspect -o format=redd /dev/null")
    def _(repo, d):
        return nilm(repo, d, ["inspect", "/dev/null", "-o", "format=redd"]), "-", ""

    # 8 --------------------------------------------------------------------------
    @case(8, "inspect, UK-DALE house with a BOM on labels.dat")
    def _(repo, d):
        house = redd_with_mains(d, bom=True, ukdale=True)
        r = nilm(repo, d, ["inspect", house, "--json", "--no-cache"])
        return r, "synthetic (UK-DALE layout)", mains_energy(r)

    @case(8, "inspect, REDD house with a BOM on labels.dat (mains 150 W: two legs)")
    def _(repo, d):
        house = redd_with_mains(d, bom=True)
        r = nilm(repo, d, ["inspect", house, "--json", "--no-cache"])
        return r, "synthetic (REDD layout)", mains_energy(r)

    @case(8, "inspect, REDD house without labels.dat")
    def _(repo, d):
        house = redd_with_mains(d)
        (house / "labels.dat").unlink()
        return nilm(repo, d, ["inspect", house, "--no-cache"]), "synthetic (REDD layout)", ""

    # 9 --------------------------------------------------------------------------
    @case(9, "resample into a folder holding a 25-hour-old .tmp of a killed write")
    def _(repo, d):
        src, data = uci(d)
        stale = d / ".r.csv.k2j4h5g6.tmp"
        stale.write_text("partial")
        old = time.time() - 25 * 3600
        os.utime(stale, (old, old))
        r = nilm(repo, d, ["resample", src, "--period", "10min", "--out", d / "r.csv"])
        return r, data, f"stale .tmp still there: {stale.exists()}; {notes(r)}"

    @case(9, "inspect a simulated folder whose population.json is missing (killed simulate)")
    def _(repo, d):
        out = simulated(d, repo)
        (out / "population.json").unlink()
        r = nilm(repo, d, ["inspect", out])
        return r, "simulated", notes(r) or "no warning"

    @case(9, "file modes after nilm simulate (umask 022)")
    def _(repo, d):
        out = d / "sim"
        r = nilm(repo, d, ["simulate", "--days", "1", "--period", "60", "--out", out],
                 umask=0o022)
        modes = {p.name.split(".", 1)[1]: oct(stat.S_IMODE(p.stat().st_mode))
                 for p in sorted(out.iterdir())}
        return r, "simulated", ", ".join(f"{k} {v}" for k, v in modes.items())

    # 10 -------------------------------------------------------------------------
    @case(10, "help: inspect/resample describe the CSV (UTC, start-labelled)")
    def _(repo, d):
        a = nilm(repo, d, ["resample", "-h"])
        b = nilm(repo, d, ["inspect", "-h"])
        text = " ".join(a.stdout.split())
        return quiet(a), "-", (f"resample -h says UTC: {'UTC' in text}, start-labelled: "
                               f"{'START' in text or 'start-labelled' in text}; inspect -h "
                               f"says UTC: {'UTC' in b.stdout}")

    @case(10, "help: simulate options and linky --seed have help and defaults")
    def _(repo, d):
        a = nilm(repo, d, ["simulate", "-h"])
        b = nilm(repo, d, ["linky", "-h"])
        text = " ".join(a.stdout.split())
        seed = " ".join(b.stdout.split())
        return quiet(a), "-", (f"simulate -h defaults shown: {text.count('(default')}; "
                        f"linky --seed help: {'training population' in seed}")

    @case(10, "hint for a house without labels.dat is CLI syntax")
    def _(repo, d):
        house = redd_with_mains(d)
        (house / "labels.dat").unlink()
        r = nilm(repo, d, ["inspect", house, "--no-cache"])
        return r, "synthetic", (f"'-o aggregate=sum_of_circuits' in message: "
                                f"{'-o aggregate=sum_of_circuits' in r.stderr}")

    return out


# ----------------------------------------------------------------------------- loader cases


T0 = 1_303_132_929


def redd_rows(d: Path, rows1, rows2=None) -> Path:
    d.mkdir(parents=True)
    (d / "labels.dat").write_text("1 mains\n2 mains\n")
    rows2 = rows2 if rows2 is not None else [(t, "50") for t, _ in rows1]
    for n, rows in ((1, rows1), (2, rows2)):
        (d / f"channel_{n}.dat").write_text("".join(f"{t} {p}\n" for t, p in rows))
    return d


def uci_values(d: Path, values) -> Path:
    d.mkdir(parents=True)
    head = ("Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;"
            "Sub_metering_1;Sub_metering_2;Sub_metering_3")
    t = datetime(2007, 2, 1)
    rows = [f"1/2/2007;{(t + timedelta(minutes=k)):%H:%M:%S};{v};0.1;240;5;0;1;17"
            for k, v in enumerate(values)]
    (d / "household_power_consumption.txt").write_text("\n".join([head, *rows]) + "\n")
    return d


def enedis_token(f: Path, token: str | None = None, value: float | None = None) -> Path:
    start = datetime(2023, 3, 1, tzinfo=timezone(timedelta(hours=1)))
    rows = ["Horodate;Valeur"]
    for k in range(48):
        v = 400 + 10 * (k % 7)
        if k == 10:
            v = token if token is not None else (value if value is not None else v)
        rows.append(f"{(start + timedelta(minutes=30 * (k + 1))).isoformat()};{v}")
    f.write_text("\n".join(rows) + "\n")
    return f


def outcome(fn) -> str:
    """What ``fn()`` did: its summary, the NilmDataError (file:line) or another exception."""
    from nilm.errors import NilmDataError

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


def summary(houses, extra=None) -> str:
    h = houses[0]
    kinds = {}
    for (_, k), n in (h.report.counts() if h.report else {}).items():
        kinds[k] = kinds.get(k, 0) + n
    rep = ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())) or "empty report"
    return f"loads; {extra(h) + '; ' if extra else ''}report: {rep}"


def energy(h) -> str:
    return f"mains {h.mains.energy_wh():.1f} Wh"


def loader_cases(tmp: Path):
    """(name, run(mode) -> outcome) of every loader case, its inputs built under ``tmp``."""
    from nilm.io import load_all, nilmh5
    from nilm.series import Household, PowerSeries

    rows = [(T0 + 3 * i, str(100 + i % 50)) for i in range(6000)]  # 5 h at 3 s
    ms = redd_rows(tmp / "ms" / "house_1", [(t * 1000, p) for t, p in rows],
               [(t * 1000, "50") for t, _ in rows])
    yield ("ms timestamps (REDD, 5 h)", lambda m: summary(load_all(
        ms, format="redd", mode=m, cache=False), energy))
    r2100 = rows[:4200:20] + [(int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp()),
                               "120")]
    d2100 = redd_rows(tmp / "y2100" / "house_1", r2100)

    def grid(h):
        return f"span {(h.mains.t[-1] - h.mains.t[0]) / 3600:.1f} h " \
               f"= {int((h.mains.t[-1] - h.mains.t[0]) // 1800) + 1} half-hours"
    yield ("one row dated 2100 (3.5 h of data)", lambda m: summary(load_all(
        d2100, format="redd", mode=m, cache=False), grid))
    for token in ("nan", "1e400"):
        dn = redd_rows(tmp / f"tok_{token}" / "house_1",
                   [(t, token if i == 5 else p) for i, (t, p) in enumerate(rows[:50])])
        yield (f"`{token}` in a REDD channel", lambda m, dn=dn: summary(load_all(
            dn, format="redd", mode=m, cache=False)))
    du = uci_values(tmp / "uci_inf", ["1.2", "-inf", "1.3"])
    yield ("UCI `-inf`", lambda m: summary(load_all(du, mode=m, cache=False)))
    for token in ("nan", "inf", "Infinity"):
        fe = enedis_token(tmp / f"enedis_{token}.csv", token=token)
        yield (f"Enedis `{token}`", lambda m, fe=fe: summary(load_all(
            fe, mode=m, cache=False)))
    big = redd_rows(tmp / "big" / "house_1",
                [(t, "1e12" if i == 7 else p) for i, (t, p) in enumerate(rows[:50])])
    yield ("1e12 W in REDD", lambda m: summary(load_all(big, format="redd", mode=m,
                                                          cache=False), energy))
    fe = enedis_token(tmp / "enedis_big.csv", value=1e12)
    yield ("1e12 W in an Enedis curve", lambda m: summary(
        load_all(fe, mode=m, cache=False), lambda h: f"{h.mains.energy_wh() / 1000:.1f} kWh/day"))
    rng = np.random.default_rng(3)
    kw = [(T0 + 60 * i, f"{(150 + v) / 1000:.4f}") for i, v in enumerate(rng.gamma(0.5, 400,
                                                                                   2880))]
    dkw = redd_rows(tmp / "kw" / "house_1", kw, [(t, "0") for t, _ in kw])
    yield ("mains in kW (2 days)", lambda m: summary(load_all(dkw, format="redd", mode=m,
                                                                cache=False), energy))
    # a cache file with 64 flipped bytes in the mains data
    dc = redd_rows(tmp / "cache_src" / "house_1",
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
    yield ("64 bytes flipped in a cache file", lambda m: outcome(lambda: flipped(m)))
    d8 = uci_values(tmp / "uci_bytes", [f"{1 + k % 7 / 10:.3f}" for k in range(300)])
    f8 = d8 / "household_power_consumption.txt"
    raw = bytearray(f8.read_bytes())
    raw[raw.index(b"\n", 6000) + 3] = 0xFF
    f8.write_bytes(bytes(raw))
    yield ("bad byte after the first 4 KB (UCI)", lambda m: summary(load_all(
        d8, mode=m, cache=False)))
    yield ("`/dev/null`", lambda m: summary(load_all("/dev/null", mode=m, cache=False)))
    dd = redd_rows(tmp / "dir" / "house_1", rows[:10])
    (dd / "channel_2.dat").unlink()
    (dd / "channel_2.dat").mkdir()
    yield ("a channel file that is a folder", lambda m: summary(load_all(
        dd, format="redd", mode=m, cache=False)))
    fh = tmp / "flip.nilm.h5"
    nilmh5.write(fh, [Household(PowerSeries(T0 + np.arange(100), np.ones(100), "mains"), {},
                                {"house": "a"})])
    raw = bytearray(fh.read_bytes())
    k = raw.index(b"channels")  # the group's name in HDF5's own structures
    raw[k:k + 8] = b"xxxxxxxx"
    fh.write_bytes(bytes(raw))
    yield ("bit-flipped `.nilm.h5`", lambda m: summary(load_all(fh, mode=m, cache=False)))


def loader_rows() -> list[list[str]]:
    """[case, strict outcome, lenient outcome] of every loader case, with the nilm imported
    here (run by :func:`loader_table` in a subprocess with the chosen checkout's nilm)."""
    with tempfile.TemporaryDirectory() as tmp:
        return [[name, *(outcome(lambda fn=fn, m=m: fn(m)).replace(tmp, "$D")
                         for m in ("strict", "lenient"))]
                for name, fn in loader_cases(Path(tmp))]


def loader_table(repo: Path) -> list[list[str]]:
    """:func:`loader_rows` with the nilm of ``repo``."""
    env = dict(os.environ, PYTHONPATH=str(repo), NUMBA_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--loader-rows"],
                           capture_output=True, text=True, env=env, cwd=d, timeout=TIMEOUT_S,
                           preexec_fn=_limits)
    if r.returncode:
        raise RuntimeError(f"loader cases failed with the nilm of {repo}:\n{r.stderr}")
    return json.loads(r.stdout)


def run_case(fn, repo: Path) -> tuple[str, str, str, str]:
    """(exit, data, message, report) of one case run with the nilm of ``repo``."""
    d = Path(tempfile.mkdtemp(prefix="nilm-case-"))
    try:
        r, data, report = fn(repo, d)
        code = str(r.returncode) + (" (traceback)" if "Traceback" in r.stderr else "")
        return code, data, message(r).replace(str(d), "$D"), \
            _cell(str(report).replace(str(d), "$D"), 200)
    except Exception as exc:  # noqa: BLE001 -- a case that cannot be set up is a row too
        return "-", "-", f"case failed: {type(exc).__name__}: {exc}", ""
    finally:
        shutil.rmtree(d, ignore_errors=True)


def read_before(table: Path) -> dict:
    """{(item, case): "exit · message · report"} of the before side of a table this script
    wrote (its before column, or its only run), and ``"__head__"``: which nilm it ran."""
    lines = table.read_text().splitlines()
    head = lines[0].removeprefix("Cases of issue 15").lstrip(" ;").removeprefix("run with ")
    head = head.split("before: ", 1)[-1]
    out: dict = {"__head__": re.split(r";|, 20\d\d-", head)[0].strip()}
    rows = [ln for ln in lines if ln.startswith("| ") and not ln.startswith("| item")]
    paired = any("before:" in ln for ln in lines if ln.startswith("| item"))
    for ln in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]]
        if paired:
            out[(cells[0], cells[1])] = cells[3]
        else:
            code, msg, report = cells[3], cells[4], cells[5]
            out[(cells[0], cells[1])] = f"{code} · {msg}" + (f" · {report}" if report else "")
    return out


def write_loader_table(out: Path, head: str, repo: Path, before: Path | None) -> int:
    """The loader cases' table: case | strict | lenient (with ``before``: both checkouts)."""
    after = loader_table(repo)
    rows = [head.replace("Cases of issue 15", "Loader cases of issue 15 (nilm.load_all)"), ""]
    if before is None:
        rows += ["| case | strict | lenient |", "|---|---|---|"]
        rows += [f"| {name} | {strict} | {lenient} |" for name, strict, lenient in after]
    else:
        old = {name: (strict, lenient) for name, strict, lenient in loader_table(before)}
        rows += ["| case | before: strict | before: lenient | after: strict | after: lenient |",
                 "|---|---|---|---|---|"]
        rows += [f"| {name} | {' | '.join(old.get(name, ('not run', 'not run')))} | {strict} | "
                 f"{lenient} |" for name, strict, lenient in after]
    print("\n".join(rows[2:]), flush=True)
    Path(out).write_text("\n".join(rows) + "\n")
    return 0


def _commit(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", help="markdown file to write")
    ap.add_argument("--repo", default=str(ROOT), help="checkout whose nilm runs")
    ap.add_argument("--before", default=None,
                    help="another checkout, run first on every case: a before -> after table")
    ap.add_argument("--before-from", default=None, metavar="TABLE.md",
                    help="take the before column from a table this script wrote earlier "
                    "(plain or --before) instead of running the cases again")
    ap.add_argument("--only", default=None, help="comma-separated items, e.g. 1,6")
    ap.add_argument("--loaders", action="store_true",
                    help="the loader cases (nilm.load_all, strict and lenient) instead")
    ap.add_argument("--loader-rows", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.loader_rows:  # the child of loader_table: this interpreter's nilm
        print(json.dumps(loader_rows()))
        return 0
    if a.out is None:
        ap.error("give OUT.md, the markdown file to write")
    repo = Path(a.repo).resolve()
    before = Path(a.before).resolve() if a.before else None
    only = None if a.only is None else {int(x) for x in a.only.split(",")}
    head = f"nilm at `{repo}` ({_commit(repo)})"
    earlier = read_before(Path(a.before_from)) if a.before_from else None
    if before:
        head = f"before: nilm at `{before}` ({_commit(before)}); after: {head}"
    elif earlier is not None:
        head = f"before: {earlier.pop('__head__')}; after: {head}"
    rows = [f"Cases of issue 15; {head}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
            " `$D` is the case's temporary folder.", ""]
    if a.loaders:
        if earlier is not None or only:
            ap.error("--loaders takes --repo and --before only")
        return write_loader_table(Path(a.out), rows[0], repo, before)
    if before or earlier is not None:
        rows += ["| item | case | data | before: exit · message · report | after: exit | "
                 "after: message | after: report |", "|---|---|---|---|---|---|---|"]
    else:
        rows += ["| item | case | data | exit | message | report |", "|---|---|---|---|---|---|"]
    for item, name, fn in cases():
        if only and item not in only:
            continue
        code, data, msg, report = run_case(fn, repo)
        row = f"| {item} | {_cell(name, 90)} | {data} | "
        if before:
            b_code, _, b_msg, b_report = run_case(fn, before)
            row += f"{b_code} · {_cell(b_msg, 160)}" + (f" · {b_report}" if b_report else "") \
                + " | "
        elif earlier is not None:
            row += earlier.get((str(item), _cell(name, 90)), "not run") + " | "
        rows.append(row + f"{code} | {msg} | {report} |")
        print(rows[-1], flush=True)
    Path(a.out).write_text("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
