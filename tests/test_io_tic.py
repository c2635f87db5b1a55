"""TIC logs of a meter's customer port (Enedis-NOI-CPT_54E), written by the tests from the
specification: standard (9600 baud, DATE with its season flag, HT separators) and historic
(1200 baud, no clock) modes, raw captures with STX/ETX framing and line logs with arrival
times, corrupted groups and bad checksums (skipped and counted), DST, energy from index
differences (exact), apparent power said to be VA."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from nilm.errors import NilmDataError
from nilm.io import detect_format, tic
from tests import linky_files as lf


def test_checksums_of_published_groups():
    """Groups quoted in public TIC dumps, checked with the specification's two methods."""
    for body, ck in ((b"ADCO 021528603314", ":"), (b"PAPP 00180", "*"),
                     (b"HCHC 052890470", ")"), (b"PTEC HP..", " ")):
        assert chr(tic.checksum(body)) == ck  # historic: the last SP not covered
    for body, ck in ((b"DATE\tE200426181830\t\t", "A"), (b"SINSTS\t01163\t", "Q"),
                     (b"SMAXSN\tE200426132229\t06100\t", "2"), (b"EAST\t006231973\t", ".")):
        assert chr(tic.checksum(body)) == ck  # standard: the last HT covered


def _standard_capture(t0, n, *, corrupt_every=0, step=2):
    """n standard frames every ``step`` s from ``t0``: SINSTS and EAST consistent (PF 1)."""
    data, east, frames = b"", 10_000_000.0, []
    for k in range(n):
        t = t0 + timedelta(seconds=step * k)
        va = 300 + 50 * (k % 40)
        bad = "SINSTS" if corrupt_every and k % corrupt_every == 0 else None
        bad = "EAST" if corrupt_every and k % corrupt_every == 1 else bad
        data += lf.std_frame(t, va, int(east), corrupt=bad)
        frames.append((t, va, int(east), bad))
        east += va * step / 3600
    return data, frames


@pytest.mark.parametrize("day", ["2024-03-31", "2024-10-27"])
def test_standard_raw_capture_across_dst(tmp_path, day):
    t0 = lf.local_midnight(day) + timedelta(minutes=45)  # the change is at 01:00 UTC
    data, frames = _standard_capture(t0, 2400, corrupt_every=50)
    path = tmp_path / "linky_standard.bin"
    path.write_bytes(data)
    assert tic.detect(path) and detect_format(path) == "tic"
    [h] = tic.read(path, mode="strict")  # bad checksums are counted, never fatal
    s = h.mains
    assert s.quantity == "apparent" and not s.interval and s.name == "mains"
    good = [(int(t.timestamp()), va) for t, va, _, bad in frames if bad != "SINSTS"]
    assert list(zip(s.t.tolist(), s.p.astype(int).tolist(), strict=True)) == good
    counts = {k[1]: n for k, n in h.report.counts().items()}
    assert counts["bad_checksum"] == 2 * 48
    # energy from the index: last minus first valid EAST, exactly
    east = [e for _, _, e, bad in frames if bad != "EAST"]
    active = h.extra["tic_active"]
    assert active.energy_wh() == pytest.approx(east[-1] - east[0], rel=1e-6)  # float32 W
    assert active.quantity == "active"
    assert h.meta["house"] == "xxxxxxxxxx1234" and h.meta["meter_id"] == "PRM"
    assert any("apparent power in VA" in n for n in h.meta["notes"])
    assert any("DATE" in n for n in h.meta["notes"])


def test_historic_raw_capture_timed_by_byte_offset(tmp_path):
    data, hp, expect = b"", 40_000_000.0, []
    offset = 0
    for k in range(300):
        va = 200 + 30 * (k % 25)
        frame = lf.hist_frame(va, 30_000_000, int(hp), corrupt="PAPP" if k % 30 == 7 else None)
        # the PAPP group's LF sits after STX and the eight groups before it
        papp_at = offset + frame.index(b"\nPAPP")
        if k % 30 != 7:
            expect.append((papp_at, va))
        offset += len(frame)
        data += frame
        hp += va * 2 / 3600
    path = tmp_path / "teleinfo.raw"
    path.write_bytes(data)
    [h] = tic.read(path, start="2024-01-15T08:00:00")
    origin = int(lf.local_midnight("2024-01-15").timestamp()) + 8 * 3600
    rate = 1200 / 10  # 7E1: 10 bits per character
    want = [(origin + int(np.floor(at / rate)), va) for at, va in expect]
    got = list(zip(h.mains.t.tolist(), h.mains.p.astype(int).tolist(), strict=True))
    # whole seconds: a second holding two frames keeps the first
    kept = dict(reversed(want))
    assert got == sorted(kept.items())
    notes = " ".join(h.meta["notes"])
    assert "byte offsets" in notes and "1200 baud" in notes and "runs slow" in notes
    assert h.meta["meter_id"] == "ADCO" and h.meta["house"] == "xxxxxxxx3314"
    # without a start: an unknown origin, said so
    [h] = tic.read(path)
    assert h.mains.t[0] < 86400 and "unknown origin" in " ".join(h.meta["notes"])
    assert (str(path), "time_origin_unknown") in h.report.counts()


def test_historic_index_registers_sum_to_the_energy(tmp_path):
    data, hc, hp = b"", 1_000_000, 2_000_000
    for k in range(200):
        if k < 100:
            hc += 1
        else:
            hp += 2
        data += lf.hist_frame(500, hc, hp, corrupt="HCHP" if k == 150 else None)
    path = tmp_path / "hchp.txt"
    path.write_bytes(data)
    [h] = tic.read(path, start=1_700_000_000)
    # index sum from the first frame (1,000,001 + 2,000,000) to the last
    assert h.extra["tic_active"].energy_wh() == pytest.approx((hc + hp) - 3_000_001, abs=1e-6)
    assert "HCHC+HCHP" in h.extra["tic_active"].label


def test_line_log_with_arrival_times_and_receive_errors(tmp_path):
    """A logger's text log: an ISO arrival time (local, no offset) before each group; noise."""
    t0 = lf.local_midnight("2024-02-10") + timedelta(hours=7)
    lines, expect = [], []
    for k in range(120):
        t = t0 + timedelta(seconds=3 * k)
        stamp = t.astimezone(lf.PARIS).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        frame = lf.hist_frame(1000 + 10 * k, 5_000_000 + k, 6_000_000)
        for group in frame.strip(b"\x02\x03").split(b"\r"):
            if group.strip(b"\n"):
                lines.append(stamp.encode() + b" " + group.strip(b"\n"))
        expect.append((int(t.timestamp()), 1000 + 10 * k))
    lines.insert(50, b"2024-02-10 07:01:00.000 PA\xffP 0\x13 ?")  # a receive error
    lines.insert(60, b"2024-02-10 07:01:10.000 PAPP 01230 Z")  # wrong checksum
    path = tmp_path / "teleinfo.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert detect_format(path) == "tic"
    [h] = tic.read(path)
    assert list(zip(h.mains.t.tolist(), h.mains.p.astype(int).tolist(), strict=True)) == expect
    counts = {k[1]: n for k, n in h.report.counts().items()}
    assert counts["bad_checksum"] == 1 and counts["corrupt_group"] == 1
    assert any("arrival" in n for n in h.meta["notes"])
    assert h.extra["tic_active"].energy_wh() == pytest.approx(119, abs=1e-6)


def test_standard_line_log_with_epoch_arrivals_prefers_the_meter_clock(tmp_path):
    t0 = lf.local_midnight("2024-07-01") + timedelta(hours=12)
    data, frames = _standard_capture(t0, 30)
    lines = []
    for k, frame in enumerate(data.split(b"\x03")):
        for group in frame.strip(b"\x02").split(b"\r"):
            if group.strip(b"\n"):
                # the logger's clock is 7 s late: DATE wins
                lines.append(f"{t0.timestamp() + 2 * k + 7:.3f};".encode() + group.strip(b"\n"))
    path = tmp_path / "std.log"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    [h] = tic.read(path)
    assert h.mains.t.tolist() == [int(t.timestamp()) for t, _, _, _ in frames]


def test_parity_bit_in_captures_at_8_data_bits_is_stripped(tmp_path):
    data, _ = _standard_capture(lf.local_midnight("2024-05-01"), 20)

    def parity(b):
        return b | (0x80 if bin(b).count("1") % 2 else 0)

    path = tmp_path / "8n1.bin"
    path.write_bytes(bytes(parity(b) for b in data))
    [h] = tic.read(path)
    assert len(h.mains) == 20 and (str(path), "parity_stripped") in h.report.counts()


def test_injection_is_kept_apart(tmp_path):
    t0 = lf.local_midnight("2024-06-01") + timedelta(hours=13)
    data = b""
    for k in range(50):
        t = t0 + timedelta(seconds=2 * k)
        frame = lf.std_frame(t, 100, 1_000_000)
        extra = lf.std_group("SINSTI", f"{2000 + k:05d}") + lf.std_group("EAIT",
                                                                         f"{500_000 + k:09d}")
        data += frame[:-1] + extra + b"\x03"
    path = tmp_path / "pv.bin"
    path.write_bytes(data)
    [h] = tic.read(path)
    assert h.mains.p.max() == 100  # drawn power only
    assert h.extra["tic_injection_apparent"].p.max() == 2049
    assert h.extra["tic_injection"].energy_wh() == pytest.approx(49, abs=1e-6)


def test_not_tic(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(range(256)) * 40)
    assert not tic.detect(path)
    with pytest.raises(NilmDataError, match="not a TIC log"):
        tic.read(path)
    mostly_bad = tmp_path / "bad.log"
    mostly_bad.write_bytes(b"\n".join([b"PAPP 00180 *"] + [b"PAPP 00180 X"] * 5) + b"\n")
    with pytest.raises(NilmDataError, match="1 of 6 groups"):
        tic.read(mostly_bad)


def test_a_group_that_lost_its_end_is_counted(tmp_path):
    t0 = lf.local_midnight("2024-05-01")
    frames = [lf.std_frame(t0 + timedelta(seconds=2 * k), 500, 1_000_000 + k) for k in range(30)]
    damaged = frames[10].replace(b"\tQ\r", b"\tQ", 1) if b"\tQ\r" in frames[10] else \
        frames[10].replace(b"\r\n", b"\n", 1)
    path = tmp_path / "cut.bin"
    path.write_bytes(b"".join(frames[:10]) + damaged + b"".join(frames[11:]) + b"\x02\nSINS")
    [h] = tic.read(path)
    counts = {k[1]: n for k, n in h.report.counts().items()}
    assert counts["corrupt_group"] == 2  # the group without CR, and the capture cut short
    assert len(h.mains) == 30
