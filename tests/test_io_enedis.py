"""The Enedis load-curve loader on hand-written fixtures in the two layouts a customer gets:
DST days (46 and 50 half-hours), gaps, mixed steps, unsorted and duplicate rows, units, strict
and lenient modes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import nilm
from nilm.errors import NilmDataError
from nilm.io import detect_format, enedis
from nilm.resample import resample

PARIS = ZoneInfo("Europe/Paris")
META = ("Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes")
FLAT = ("Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;"
        "Etape métier;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;"
        "Etat complémentaire")


def _all_formats(func, *args):
    """``func(*args)`` when every loader module of nilm.io exists yet (detection imports all)."""
    try:
        return func(*args)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("nilm.io."):
            raise
        pytest.skip(f"format detection needs {exc.name}, not written yet")


def _ends(day: str, step_min: int) -> list[datetime]:
    """End instants of every step of local calendar ``day`` in Paris (UTC arithmetic)."""
    start = datetime.fromisoformat(day).replace(tzinfo=PARIS).astimezone(timezone.utc)
    stop = (datetime.fromisoformat(day) + timedelta(days=1)).replace(tzinfo=PARIS)
    stop = stop.astimezone(timezone.utc)
    out, t = [], start + timedelta(minutes=step_min)
    while t <= stop:
        out.append(t)
        t += timedelta(minutes=step_min)
    return out


def _iso(t: datetime) -> str:
    return t.astimezone(PARIS).isoformat()


def _horodate(path, rows, *, prm="01234567890123", unit="W", pas="", bom=True, crlf=True):
    lines = [META, f"{prm};Courbe de charge;26/03/2023;27/03/2023;Energie active;Consommation;"
             f"Comptage Brut;{unit};{pas}", "", "Horodate;Valeur"]
    lines += [f"{e};{v}" for e, v in rows]
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


@pytest.mark.parametrize("day, n", [("2023-03-26", 46), ("2023-10-29", 50),
                                    ("2023-06-15", 48)])
def test_dst_days_have_46_or_50_half_hours(tmp_path, day, n):
    ends = _ends(day, 30)
    assert len(ends) == n
    rows = [(_iso(e), 100 + 2 * k) for k, e in enumerate(ends)]
    [h] = enedis.read(_horodate(tmp_path / "day.csv", rows))
    s = h.mains
    midnight = datetime.fromisoformat(day).replace(tzinfo=PARIS).timestamp()
    assert s.t[0] == midnight  # start-labelled: first step starts at local midnight
    assert np.all(np.diff(s.t) == 1800) and len(s) == n + 1
    np.testing.assert_array_equal(s.p[:-1], 100 + 2 * np.arange(n))
    assert np.isnan(s.p[-1])  # the last value is not held beyond its step
    _, v, c = resample(s, 1800, min_coverage=0)
    assert np.nansum(v * c) * 1800 / 3600 == pytest.approx(sum(r[1] for r in rows) / 2)
    assert h.meta["house"] == "01234567890123" and h.meta["dataset"] == "Enedis"
    assert h.meta["timezone"] == "Europe/Paris" and h.meta["mains_kind"] == "measured"
    assert list(h.meta["source_files"]) == [str(tmp_path / "day.csv")]


def test_october_repeated_hour_is_two_distinct_steps(tmp_path):
    ends = _ends("2023-10-29", 30)
    text = [_iso(e) for e in ends]
    k = text.index("2023-10-29T02:30:00+02:00")
    assert text[k:k + 3] == ["2023-10-29T02:30:00+02:00", "2023-10-29T02:00:00+01:00",
                             "2023-10-29T02:30:00+01:00"]
    [h] = enedis.read(_horodate(tmp_path / "oct.csv", [(x, 10) for x in text]))
    assert len(np.unique(h.mains.t)) == len(h.mains.t) == 51


def test_empty_values_are_gaps_and_counted(tmp_path):
    rows = [(_iso(e), "" if k in (3, 4) else 500) for k, e in enumerate(_ends("2023-06-15", 30))]
    [h] = enedis.read(_horodate(tmp_path / "gaps.csv", rows, bom=False, crlf=False))
    assert np.isnan(h.mains.p[3]) and np.isnan(h.mains.p[4]) and h.mains.p[5] == 500
    counts = h.report.counts()
    assert counts[(str(tmp_path / "gaps.csv"), "missing_value")] == 2


def test_missing_rows_insert_nan_at_the_step_end(tmp_path):
    ends = _ends("2023-06-15", 30)
    rows = [(_iso(e), 700) for k, e in enumerate(ends) if k not in (10, 11, 12)]
    [h] = enedis.read(_horodate(tmp_path / "holes.csv", rows, pas="30"))
    s = h.mains
    k = int(np.flatnonzero(np.isnan(s.p))[0])
    assert s.t[k] - s.t[k - 1] == 1800 and s.t[k + 1] - s.t[k] == 3 * 1800
    _, v, c = resample(s, 1800)
    assert np.flatnonzero(np.isnan(v[:48])).tolist() == [10, 11, 12]


def test_step_from_pas_en_minutes_or_spacing(tmp_path):
    ends = _ends("2023-06-15", 10)[:7]
    rows = [(_iso(e), 600) for e in ends]
    [h] = enedis.read(_horodate(tmp_path / "a.csv", rows))
    assert h.mains.period == 600 and h.meta["enedis_steps_s"] == [600]
    [h] = enedis.read(_horodate(tmp_path / "b.csv", rows[:1], pas="10"))
    assert h.mains.t[1] - h.mains.t[0] == 600
    with pytest.raises(NilmDataError, match="step"):
        enedis.read(_horodate(tmp_path / "c.csv", rows[:1]))


def _flat(path, rows, prm="30000000000001", unit="W", metier="CONS"):
    lines = [FLAT]
    for end, v, pas, *rest in rows:
        who = rest[0] if rest else metier
        lines.append(f"{prm};2023-06-15T00:00:00+02:00;2023-06-16T00:00:00+02:00;PA;{who};BRUT;"
                     f"{unit};{end};{v};B;{pas};0;0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_flat_mixed_steps_unsorted_hold_lengths(tmp_path):
    base = datetime(2023, 6, 15, 0, 0, tzinfo=PARIS)
    rows = [(_iso(base + timedelta(minutes=30)), 300, "PT30M"),   # [00:00, 00:30)
            (_iso(base + timedelta(minutes=50)), 600, "PT10M"),   # [00:40, 00:50) hole before
            (_iso(base + timedelta(minutes=40)), 900, "PT10M"),   # [00:30, 00:40) (unsorted)
            (_iso(base + timedelta(minutes=120)), 60, "PT60M")]   # [01:00, 02:00)
    path = _flat(tmp_path / "flat.csv", rows)
    with pytest.raises(NilmDataError) as err:
        enedis.read(path, mode="strict")
    assert err.value.line == 4 and "order" in str(err.value)
    [h] = enedis.read(path)
    t0 = int(base.timestamp())
    s = h.mains
    np.testing.assert_array_equal(s.t - t0, [0, 1800, 2400, 3000, 3600, 7200])
    np.testing.assert_array_equal(s.p, [300, 900, 600, np.nan, 60, np.nan])
    assert s.period == 3600 and h.meta["house"] == "30000000000001"
    assert h.report.counts()[(str(path), "unsorted")] == 1
    _, v, c = resample(s, 600, min_coverage=0)  # hold of each value = its own step
    np.testing.assert_array_equal(v[:5], [300, 300, 300, 900, 600])
    assert np.isnan(v[5]) and np.all(v[6:12] == 60)
    assert h.meta["enedis_steps_s"] == [600, 1800, 3600]


def test_duplicates_and_overlaps(tmp_path):
    base = datetime(2023, 6, 15, 0, 0, tzinfo=PARIS)
    e1, e2 = _iso(base + timedelta(minutes=30)), _iso(base + timedelta(minutes=60))
    path = _flat(tmp_path / "dup.csv", [(e1, 100, "PT30M"), (e1, 100, "PT30M"),
                                        (e2, 200, "PT30M"), (e2, 250, "PT10M")])
    with pytest.raises(NilmDataError) as err:
        enedis.read(path, mode="strict")
    assert err.value.line == 3 and err.value.path == str(path)
    [h] = enedis.read(path)
    np.testing.assert_array_equal(h.mains.p, [100, 200, np.nan])
    counts = h.report.counts()
    assert counts[(str(path), "duplicate_timestamp")] == 1
    assert counts[(str(path), "overlapping_interval")] == 1


def test_units_production_and_multiple_prms(tmp_path):
    base = datetime(2023, 6, 15, 0, 0, tzinfo=PARIS)
    end = _iso(base + timedelta(minutes=30))
    [h] = enedis.read(_flat(tmp_path / "wh.csv", [(end, 150, "PT30M")], unit="Wh"))
    assert h.mains.p[0] == 300.0  # 150 Wh in 30 min = 300 W mean
    [h] = enedis.read(_horodate(tmp_path / "kw.csv", [(end, "1,5")], unit="kW", pas="30"))
    assert h.mains.p[0] == 1500.0
    assert (str(tmp_path / "kw.csv"), "unit_converted") in h.report.counts()
    with pytest.raises(NilmDataError, match="unit"):
        enedis.read(_horodate(tmp_path / "va.csv", [(end, 1)], unit="VA", pas="30"))
    [h] = enedis.read(_flat(tmp_path / "pv.csv", [(end, 400, "PT30M", "CONS"),
                                                  (end, 900, "PT30M", "PROD")]))
    assert h.mains.p[0] == 400 and h.extra["production"].p[0] == 900
    path = tmp_path / "two.csv"
    path.write_text(FLAT + "\n" + "\n".join(
        f"{prm};x;y;PA;CONS;BRUT;W;{end};{v};B;PT30M;0;0" for prm, v in (("1", 5), ("2", 7))))
    houses = enedis.read(path)
    assert [h.meta["house"] for h in houses] == ["1", "2"]
    assert [h.mains.p[0] for h in houses] == [5, 7]


@pytest.mark.parametrize("bad, kind", [("2023-06-15T00:30:00+02:00;abc", "non_numeric"),
                                       ("2023-06-15T00:30:00+02:00", "malformed_line"),
                                       ("15/06/2023 00:30;100", "malformed_line")])
def test_bad_lines_strict_and_lenient(tmp_path, bad, kind):
    good = [("2023-06-15T01:00:00+02:00", 100), ("2023-06-15T01:30:00+02:00", 100)]
    path = tmp_path / "bad.csv"
    _horodate(path, good, pas="30", crlf=False, bom=False)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:4] + [bad] + lines[4:]) + "\n")
    with pytest.raises(NilmDataError) as err:
        enedis.read(path, mode="strict")
    assert err.value.line == 5 and str(path) in str(err.value)
    [h] = enedis.read(path)
    assert h.report.counts()[(str(path), kind)] == 1
    assert np.nansum(h.mains.p) == 200.0


def test_timestamp_without_offset_is_an_error(tmp_path):
    path = _horodate(tmp_path / "naive.csv", [("2023-10-29T02:30:00", 5)], pas="30")
    with pytest.raises(NilmDataError, match="offset"):
        enedis.read(path)


def test_header_only_file_uses_the_stem_and_detects(tmp_path):
    path = tmp_path / "maison.csv"
    path.write_text("Horodate;Valeur\n2023-06-15T00:30:00+02:00;42\n2023-06-15T01:00:00+02:00;44\n")
    assert enedis.detect(path) and _all_formats(detect_format, path) == "enedis"
    [h] = enedis.read(path)
    assert h.meta["house"] == "maison" and list(h.mains.p[:2]) == [42, 44]
    other = tmp_path / "power.txt"
    other.write_text("Date;Time;Global_active_power\n16/12/2006;17:24:00;4.216\n")
    assert not enedis.detect(other)
    flat = _flat(tmp_path / "f.csv", [("2023-06-15T00:30:00+02:00", 1, "PT30M")])
    assert enedis.detect(flat) and enedis.detect(tmp_path / "f.csv")


def test_not_a_load_curve(tmp_path):
    path = tmp_path / "index.csv"
    path.write_text(META.rsplit(";", 1)[0] + "\n00000000000000;Index;01/09/2019;21/08/2020;"
                    "Energie active;Consommation;Comptage Brut;Wh\n\nHorodate;Type de releve\n")
    with pytest.raises(NilmDataError, match="load curve"):
        enedis.read(path)


def test_nilm_load_goes_through_the_cache(tmp_path):
    rows = [(_iso(e), 321) for e in _ends("2023-03-26", 30)]
    path = _horodate(tmp_path / "cached.csv", rows)
    first = _all_formats(nilm.load, path)
    again = nilm.load(path)
    np.testing.assert_array_equal(first.mains.t, again.mains.t)
    np.testing.assert_array_equal(first.mains.p, again.mains.p)
    assert first.meta["house"] == again.meta["house"] == "01234567890123"
