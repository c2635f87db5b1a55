"""The Enedis CSV loader on fixtures written from the format descriptions: DST days (46 and 50
half-hours, with and without UTC offset), gaps, mixed steps inside one ``Horodate;Valeur`` file,
headerless rows, trailing sections, the flat R63 layout, the daily index file, daily Wh series,
production, unsorted and duplicate rows, units, nan/inf tokens, strict and lenient modes, and the
energy check (loaded Wh = Σ value × own duration of the file's rows)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import nilm
from nilm.errors import NilmDataError
from nilm.inspect import channel_summary, household_summary
from nilm.io import detect_format, enedis
from nilm.resample import resample
from tests import linky_files as lf

PARIS = ZoneInfo("Europe/Paris")
META = ("Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes")
FLAT = ("Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;"
        "Etape métier;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;"
        "Etat complémentaire")


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
    # one sample per half-hour: a single-step file needs no end-of-interval marker
    assert np.all(np.diff(s.t) == 1800) and len(s) == n and s.period == 1800
    np.testing.assert_array_equal(s.p, 100 + 2 * np.arange(n))
    assert s.holds()[-1] == 1800  # the last value is held for its own step only
    _, v, c = resample(s, 1800, min_coverage=0)
    assert np.nansum(v * c) * 1800 / 3600 == pytest.approx(sum(r[1] for r in rows) / 2)
    assert s.energy_wh() == sum(r[1] for r in rows) / 2
    assert h.meta["house"] == "xxxxxxxxxx0123" and h.meta["dataset"] == "Linky"
    assert h.meta["meter_id"] == "PRM"
    assert h.meta["timezone"] == "Europe/Paris" and h.meta["mains_kind"] == "measured"
    assert list(h.meta["source_files"]) == [str(tmp_path / "day.csv")]
    summary = channel_summary(s, h.meta["intervals"]["mains"])
    assert summary["n_samples"] == n and summary["missing"] == 0


def test_october_repeated_hour_is_two_distinct_steps(tmp_path):
    ends = _ends("2023-10-29", 30)
    text = [_iso(e) for e in ends]
    k = text.index("2023-10-29T02:30:00+02:00")
    assert text[k:k + 3] == ["2023-10-29T02:30:00+02:00", "2023-10-29T02:00:00+01:00",
                             "2023-10-29T02:30:00+01:00"]
    [h] = enedis.read(_horodate(tmp_path / "oct.csv", [(x, 10) for x in text]))
    assert len(np.unique(h.mains.t)) == len(h.mains.t) == 50


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
    # the value before the hole is held for its step only (period = step: no marker needed)
    k = int(np.flatnonzero(np.diff(s.t) > 1800)[0])
    assert s.t[k + 1] - s.t[k] == 4 * 1800 and s.holds()[k] == 1800
    _, v, c = resample(s, 1800)
    assert np.flatnonzero(np.isnan(v[:48])).tolist() == [10, 11, 12]
    counts = h.report.counts()
    assert counts[(str(tmp_path / "holes.csv"), "missing_rows")] == 1


def test_step_from_pas_en_minutes_or_spacing(tmp_path):
    ends = _ends("2023-06-15", 10)[:7]
    rows = [(_iso(e), 600) for e in ends]
    [h] = enedis.read(_horodate(tmp_path / "a.csv", rows))
    assert h.mains.period == 600 and h.meta["steps_s"] == {"mains": [600]}
    [h] = enedis.read(_horodate(tmp_path / "b.csv", rows[:1], pas="10"))
    assert len(h.mains) == 1 and h.mains.period == 600 and h.mains.energy_wh() == 100
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
    # a NaN marker closes the 10-min step before the hole; the hourly step needs none
    np.testing.assert_array_equal(s.t - t0, [0, 1800, 2400, 3000, 3600])
    np.testing.assert_array_equal(s.p, [300, 900, 600, np.nan, 60])
    assert s.period == 3600 and h.meta["house"] == "xxxxxxxxxx0001"
    assert h.meta["intervals"]["mains"] == [4, 0]  # the file's rows, not the marker
    assert h.report.counts()[(str(path), "unsorted")] == 1
    _, v, c = resample(s, 600, min_coverage=0)  # hold of each value = its own step
    np.testing.assert_array_equal(v[:5], [300, 300, 300, 900, 600])
    assert np.isnan(v[5]) and np.all(v[6:12] == 60)
    assert h.meta["steps_s"]["mains"] == [600, 1800, 3600]


def test_duplicates_and_overlaps(tmp_path):
    base = datetime(2023, 6, 15, 0, 0, tzinfo=PARIS)
    e1, e2 = _iso(base + timedelta(minutes=30)), _iso(base + timedelta(minutes=60))
    path = _flat(tmp_path / "dup.csv", [(e1, 100, "PT30M"), (e1, 100, "PT30M"),
                                        (e2, 200, "PT30M"), (e2, 250, "PT10M")])
    with pytest.raises(NilmDataError) as err:
        enedis.read(path, mode="strict")
    assert err.value.line == 3 and err.value.path == str(path)
    [h] = enedis.read(path)
    np.testing.assert_array_equal(h.mains.p, [100, 200])
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
    assert [h.meta["house"] for h in houses] == ["x", "x"]  # ids masked, even short ones
    assert [h.mains.p[0] for h in houses] == [5, 7]


@pytest.mark.parametrize("bad, kind", [("2023-06-15T00:30:00+02:00;abc", "non_numeric"),
                                       ("2023-06-15T00:30:00+02:00;nan", "non_numeric"),
                                       ("2023-06-15T00:30:00+02:00;inf", "non_numeric"),
                                       ("2023-06-15T00:30:00+02:00;Infinity", "non_numeric"),
                                       ("2023-06-15T00:30:00+02:00;1_000", "non_numeric"),
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


def test_timestamp_without_offset_is_paris_time(tmp_path):
    path = _horodate(tmp_path / "naive.csv", [("2023-06-15T02:30:00", 5)], pas="30")
    [h] = enedis.read(path)
    assert h.mains.t[0] == datetime(2023, 6, 15, 2, 0, tzinfo=PARIS).timestamp()


def test_header_only_file_uses_the_stem_and_detects(tmp_path):
    path = tmp_path / "maison.csv"
    path.write_text("Horodate;Valeur\n2023-06-15T00:30:00+02:00;42\n2023-06-15T01:00:00+02:00;44\n")
    assert enedis.detect(path) and detect_format(path) == "enedis"
    [h] = enedis.read(path)
    assert h.meta["house"] == "maison" and list(h.mains.p[:2]) == [42, 44]
    assert h.meta["meter_id"] is None
    other = tmp_path / "power.txt"
    other.write_text("Date;Time;Global_active_power\n16/12/2006;17:24:00;4.216\n")
    assert not enedis.detect(other)
    flat = _flat(tmp_path / "f.csv", [("2023-06-15T00:30:00+02:00", 1, "PT30M")])
    assert enedis.detect(flat) and enedis.detect(tmp_path / "f.csv")


def test_not_a_load_curve(tmp_path):
    path = tmp_path / "pmax.csv"
    path.write_text(META.rsplit(";", 1)[0] + "\n00000000000000;Puissance maximale quotidienne;"
                    "30/03/2020;25/01/2023;Puissance maximale atteinte;Consommation;;VA\n"
                    "Horodate;Valeur\n2020-03-30T00:00:00+02:00;4641\n")
    with pytest.raises(NilmDataError, match="no load-curve or daily rows"):
        enedis.read(path)
    path = tmp_path / "index.csv"
    path.write_text(META.rsplit(";", 1)[0] + "\n00000000000000;Index;01/09/2019;21/08/2020;"
                    "Energie active;Consommation;Comptage Brut;Wh\n\nHorodate;Type de releve\n")
    with pytest.raises(NilmDataError, match="no rows"):
        enedis.read(path)


def test_nilm_load_goes_through_the_cache(tmp_path):
    rows = [(_iso(e), 321) for e in _ends("2023-03-26", 30)]
    path = _horodate(tmp_path / "cached.csv", rows)
    first = nilm.load(path)
    again = nilm.load(path)
    np.testing.assert_array_equal(first.mains.t, again.mains.t)
    np.testing.assert_array_equal(first.mains.p, again.mains.p)
    assert first.meta["house"] == again.meta["house"] == "xxxxxxxxxx0123"


# ------------------------------------------------------------------ mixed steps, exact energy

def _steps(s):
    """Length of each value's interval in a loaded interval series (its hold)."""
    ok = np.isfinite(s.p)
    return s.t[ok], s.holds()[ok], s.p[ok]


@pytest.mark.parametrize("plan", [[(60, 24 * 30), (30, 48 * 10)],
                                  [(30, 48 * 3), (60, 24 * 2), (10, 144 * 2)],
                                  [(10, 144), (30, 48), (60, 24)]])
def test_mixed_steps_in_one_horodate_file_are_exact(tmp_path, plan):
    """Hourly for a month, then half-hourly: each value holds the step of its run (the 14 %
    energy error of the most-common-step reading is gone); the change is reported."""
    n = sum(c for _, c in plan)
    rows = lf.intervals("2023-01-10", plan, skip={n // 3, n // 3 + 1}, empty={7})
    path = lf.horodate(tmp_path / "mixed.csv", rows, pas="")
    [h] = enedis.read(path, mode="strict")  # gaps and step changes are not errors
    t, held, p = _steps(h.mains)
    want = [(int(a.timestamp()), s, v) for a, s, v in rows if v is not None]
    assert [(int(a), int(b), float(c)) for a, b, c in zip(t, held, p, strict=True)] == want
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows), abs=1e-6)
    counts = h.report.counts()
    assert counts[(str(path), "step_change")] == len(plan) - 1
    assert counts[(str(path), "missing_rows")] == 1
    assert counts[(str(path), "missing_value")] == 1
    assert h.meta["intervals"]["mains"] == [len(rows), 1]
    summary = household_summary(h)["channels"][0]
    assert summary["n_samples"] == len(rows) and summary["missing"] == 1
    assert summary["energy_wh"] == pytest.approx(lf.energy_wh(rows), abs=1e-3)


def test_isolated_longer_spacing_is_a_gap_never_a_longer_interval(tmp_path):
    rows = lf.intervals("2023-02-01", [(30, 96)], skip={40, 41, 42})
    [h] = enedis.read(lf.horodate(tmp_path / "gap.csv", rows))
    t, held, _ = _steps(h.mains)
    assert set(held.tolist()) == {1800}  # the row after the gap holds 30 min, not 2 h
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows))


def test_a_step_change_across_a_gap_takes_the_coming_step(tmp_path):
    rows = lf.intervals("2023-02-01", [(60, 48), (30, 96)], skip={47, 48, 49})
    [h] = enedis.read(lf.horodate(tmp_path / "gap_change.csv", rows))
    _, held, _ = _steps(h.mains)
    assert held.tolist() == [s for _, s, v in rows]
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows))


# ------------------------------------------------------------------ local times without offset

@pytest.mark.parametrize("day, n", [("2023-03-26", 46), ("2023-10-29", 50)])
def test_naive_local_times_on_both_dst_days(tmp_path, day, n):
    rows = lf.intervals(day, [(30, n)])
    aware = enedis.read(lf.horodate(tmp_path / "aware.csv", rows))[0].mains
    [h] = enedis.read(lf.horodate(tmp_path / "naive.csv", rows, offset=False), mode="strict")
    np.testing.assert_array_equal(h.mains.t, aware.t)
    np.testing.assert_array_equal(h.mains.p, aware.p)
    assert np.all(np.diff(h.mains.t) == 1800) and len(h.mains) == n
    flat = enedis.read(lf.flat(tmp_path / "flat.csv", rows, offset=False), mode="strict")[0]
    np.testing.assert_array_equal(flat.mains.t, aware.t)


def test_hourly_naive_autumn_repeat_is_resolved_by_file_order(tmp_path):
    rows = lf.intervals("2023-10-29", [(60, 25)])
    [h] = enedis.read(lf.horodate(tmp_path / "h.csv", rows, offset=False), mode="strict")
    assert np.all(np.diff(h.mains.t) == 3600) and len(h.mains) == 25


def test_naive_spring_skip_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "spring.csv"
    path.write_text("Horodate;Valeur\n2023-03-26T01:30:00;100\n2023-03-26T02:30:00;100\n"
                    "2023-03-26T03:00:00;100\n2023-03-26T03:30:00;100\n")
    with pytest.raises(NilmDataError) as err:
        enedis.read(path, mode="strict")
    assert err.value.line == 3 and "does not exist" in str(err.value)
    [h] = enedis.read(path)
    assert h.report.counts()[(str(path), "nonexistent_local_time")] == 1


def test_autumn_hour_held_once_is_read_as_summer_time_and_reported(tmp_path):
    path = tmp_path / "once.csv"
    path.write_text("Horodate;Valeur\n2023-10-29T01:30:00;100\n2023-10-29T02:00:00;100\n"
                    "2023-10-29T02:30:00;100\n")
    [h] = enedis.read(path, mode="strict")
    assert h.mains.t[-1] == datetime(2023, 10, 29, 2, 0, tzinfo=PARIS).timestamp()
    assert h.report.counts()[(str(path), "ambiguous_local_time")] == 2


# ------------------------------------------------------------------ headerless, sections

def test_headerless_rows_with_bom_and_crlf(tmp_path):
    rows = lf.intervals("2023-06-15", [(30, 48)])
    path = lf.horodate(tmp_path / "stripped.csv", rows, meta=False, header=False, bom=True,
                       crlf=True)
    assert enedis.detect(path) and detect_format(path) == "enedis"
    [h] = enedis.read(path, mode="strict")
    assert h.meta["house"] == "stripped" and len(h.mains) == 48
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows))


def test_trailing_sections_are_skipped_and_reported(tmp_path):
    rows = lf.intervals("2023-06-15", [(30, 48)])
    tail = ("2023-06-16T00:00:00+02:00;Arrêté quotidien;1009905;819074;2679;;;;;;;;1012584;"
            "821821;;;1834405\n2023-06-17T00:00:00+02:00;Arrêté quotidien;1009905;819074;"
            "5185;;;;;;;;1015090;825821;;;1840911\n\n" + lf.CALENDAR)
    path = lf.horodate(tmp_path / "tail.csv", rows, trailing=tail)
    [h] = enedis.read(path, mode="strict")  # recognised: not malformed, not fatal
    assert len(h.mains) == 48 and h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows))
    counts = h.report.counts()
    assert counts[(str(path), "trailing_section")] == 4  # lines skipped
    assert (str(path), "malformed_line") not in counts


# ------------------------------------------------------------------ daily data

def test_index_file_gives_daily_energy_from_register_differences(tmp_path):
    """Tempo registers F1…F6, distributor D1/D2, total T; a missing T is the sum of the D; a
    register re-assigned to 0 is reported, not read as negative energy; DST day of 25 h."""
    days = [f"2023-10-{d:02d}" for d in range(26, 32)]
    total, f, readings = 5_000_000, [100_000 * (k + 1) for k in range(6)], []
    daily = [8_000, 9_500, 12_000, 7_000, 11_000]
    for k, day in enumerate(days):
        regs = {f"EAS F{j + 1}": f[j] for j in range(6)}
        regs.update({"EAS D1": total // 2, "EAS D2": total - total // 2, "EAS T": total})
        if k == 2:
            regs["EAS T"] = None  # missing: the sum of D1 + D2 stands in
        if k >= 4:
            regs["EAS D2"] = 0 if k == 4 else regs["EAS D2"]
        readings.append((lf.local_midnight(day), regs))
        if k < len(daily):
            total += daily[k]
            f[k % 6] += daily[k]
    path = lf.index(tmp_path / "index.csv", readings)
    [h] = enedis.read(path, mode="strict")
    assert h.mains is None and h.meta["mains_kind"] == "absent"
    d = h.extra["daily"]
    t, held, p = _steps(d)
    np.testing.assert_array_equal(t, [int(lf.local_midnight(x).timestamp()) for x in days[:-1]])
    np.testing.assert_allclose(p * held / 3600, daily, atol=1e-3)
    assert held[3] == 25 * 3600  # 29 October: the autumn change
    assert d.energy_wh() == pytest.approx(sum(daily), abs=1e-3)
    assert h.meta["intervals"]["daily"] == [5, 0]
    counts = h.report.counts()
    assert counts[(str(path), "index_total")] == 1
    assert counts[(str(path), "register_decreased")] == 1
    assert counts[(str(path), "trailing_section")] == 2  # the supplier calendar
    f1 = h.extra["daily_eas_f1"]
    assert f1.p[0] * f1.holds()[0] / 3600 == pytest.approx(daily[0], abs=1e-3)


@pytest.mark.parametrize("kind, channel", [("Consommation quotidienne", "daily"),
                                           ("Injection quotidienne", "daily_production")])
def test_daily_wh_series(tmp_path, kind, channel):
    path = tmp_path / "daily.csv"
    path.write_text(META.rsplit(";", 1)[0] + f"\n{lf.PRM};{kind};25/03/2023;28/03/2023;Energie "
                    "active;Consommation;Comptage Brut;Wh\n\nHorodate;Valeur\n"
                    "2023-03-25T00:00:00+01:00;12000\n2023-03-26T00:00:00+01:00;11500\n"
                    "2023-03-27T00:00:00+02:00;\n")
    [h] = enedis.read(path, mode="strict")
    s = h.extra[channel]
    assert _steps(s)[1][1] == 23 * 3600  # 26 March: 23 h
    assert s.energy_wh() == pytest.approx(23500, abs=1e-3)
    assert h.meta["intervals"][channel] == [3, 1]


def test_production_curve_is_kept_apart(tmp_path):
    rows = lf.intervals("2023-06-15", [(30, 48)])
    path = lf.horodate(tmp_path / "prod.csv", rows, metier="Production")
    [h] = enedis.read(path)
    assert h.mains is None and h.extra["production"].energy_wh() == pytest.approx(
        lf.energy_wh(rows))
    assert h.meta["mains_kind"] == "absent"  # production is never the household's mains


def test_inspect_shows_what_the_file_holds(tmp_path):
    """A complete 98-half-hour export is "n 98, missing 0", not "n 99, missing 1"."""
    rows = lf.intervals("2023-06-15", [(30, 98)])
    path = lf.horodate(tmp_path / "98.csv", rows, pas="30")
    [h] = enedis.read(path)
    [c] = household_summary(h)["channels"]
    assert (c["n_samples"], c["missing"]) == (98, 0)
    assert c["energy_wh"] == pytest.approx(lf.energy_wh(rows), abs=1e-3)


def test_a_stated_step_is_kept_and_other_spacings_reported(tmp_path):
    rows = lf.intervals("2023-02-01", [(30, 48), (60, 24)])
    path = lf.horodate(tmp_path / "pas.csv", rows, pas="30")
    [h] = enedis.read(path, mode="strict")
    assert set(_steps(h.mains)[1].tolist()) == {1800}  # 'Pas en minutes' is authoritative
    counts = h.report.counts()
    assert counts[(str(path), "step_differs")] == 24 - 2
    assert counts[(str(path), "missing_rows")] == 24
