"""Linky files written from their format descriptions, for the loader tests.

Each writer renders the same list of intervals ``(start UTC, step s, value W or None)`` as one
format would: Enedis CSV (``Horodate;Valeur`` end-labelled, with or without offset, headerless),
the flat R63 layout, the Enedis XLSX (cover sheet, header block, ``Début``/``Fin``/``Valeur (en
kW)``, decimal comma, ``NA``), Data Connect JSON (naive end-labelled ``date``,
``interval_length``), the supplier export (Latin-1, newest first, ``00:00:00`` = 24:00), the daily
index file, and TIC captures and logs (standard and historic groups with their checksums). Nothing
here imports nilm's readers: the expected values come from the rows, not from the code under test.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
PRM = "12345678901234"
META = ("Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes")
FLAT = ("Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;"
        "Etape métier;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;"
        "Etat complémentaire")
INDEX_HEADER = ("Horodate;Type de releve;EAS F1;EAS F2;EAS F3;EAS F4;EAS F5;EAS F6;EAS F7;"
                "EAS F8;EAS F9;EAS F10;EAS D1;EAS D2;EAS D3;EAS D4;EAS T")
CALENDAR = ("Periode;Identifiant calendrier fournisseur;Libelle calendrier fournisseur;"
            "Identifiant classe temporelle 1;Libelle classe temporelle 1;Cadran classe "
            "temporelle 1\nDu 2023-01-01T00:00:00+01:00 au;AA000000;Option Heures Creuses;HC;"
            "Heures Creuses;EAS F1")


def local_midnight(day: str) -> datetime:
    """UTC instant of local (Paris) midnight starting ``day`` (YYYY-MM-DD)."""
    return datetime.fromisoformat(day).replace(tzinfo=PARIS).astimezone(UTC)


def intervals(day: str, plan, *, skip=(), empty=(), seed: int = 0) -> list:
    """Consecutive intervals from local midnight of ``day``: ``plan`` is ``[(step_min, count),
    …]``; row ``k`` is left out when in ``skip`` and has an empty value when in ``empty``.
    Values are a plausible household curve: even whole W (Linky's register quantisation)."""
    rng = np.random.default_rng(seed)
    t = local_midnight(day)
    rows, k = [], 0
    for step_min, count in plan:
        for _ in range(count):
            hour = t.astimezone(PARIS).hour + t.astimezone(PARIS).minute / 60
            base = 250 + 900 * np.exp(-((hour - 7.5) ** 2) / 2) + 1400 * np.exp(
                -((hour - 19.5) ** 2) / 4)
            value = 2 * int((base + rng.normal(0, 60)) // 2)
            if k not in skip:
                rows.append((t, step_min * 60, None if k in empty else max(value, 100)))
            t = t + timedelta(minutes=step_min)
            k += 1
    return rows


def energy_wh(rows) -> float:
    """Σ value × own duration of the non-empty rows, Wh: what a loader must give back."""
    return sum(v * step / 3600 for _, step, v in rows if v is not None)


def _local(t: datetime, offset: bool) -> str:
    loc = t.astimezone(PARIS)
    return loc.isoformat() if offset else loc.replace(tzinfo=None).isoformat()


def horodate(path, rows, *, prm=PRM, meta=True, header=True, offset=True, pas="", unit="W",
             metier="Consommation", kind="Courbe de charge", bom=True, crlf=True,
             trailing: str = ""):
    """Enedis ``Horodate;Valeur`` CSV: each row's end time, local, with or without offset."""
    lines = []
    if meta:
        lines += [META, f"{prm};{kind};01/01/2023;31/12/2023;Energie active;{metier};"
                  f"Comptage Brut;{unit};{pas}", ""]
    if header:
        lines.append("Horodate;Valeur")
    lines += [f"{_local(t + timedelta(seconds=s), offset)};{'' if v is None else v}"
              for t, s, v in rows]
    if trailing:
        lines += [""] + trailing.splitlines()
    text = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def flat(path, rows, *, prm=PRM, offset=True, metier="CONS", unit="W"):
    """The detailed-measures (R63) layout: one measure per row with its ``Pas``."""
    lines = [FLAT]
    for t, s, v in rows:
        lines.append(f"{prm};2023-01-01;2023-12-31;PA;{metier};BRUT;{unit};"
                     f"{_local(t + timedelta(seconds=s), offset)};{'' if v is None else v};B;"
                     f"PT{s // 60}M;0;0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def index(path, readings, *, prm=PRM, calendar=True):
    """The daily index file: ``readings`` = ``[(UTC instant, {"EAS F1": Wh, …}), …]``."""
    cols = INDEX_HEADER.split(";")[2:]
    lines = [META.rsplit(";", 1)[0], f"{prm};Index;01/01/2023;31/12/2023;Energie active;"
             "Consommation;Comptage Brut;Wh", "", INDEX_HEADER]
    for t, regs in readings:
        cells = ["" if regs.get(c) is None else str(regs[c]) for c in cols]
        lines.append(f"{_local(t, True)};Arrêté quotidien;" + ";".join(cells))
    if calendar:
        lines += ["", CALENDAR]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xlsx(path, rows, *, prm=PRM, title="Consommation Horaire", daily=None):
    """The Enedis customer-space XLSX: a cover sheet naming the PRM, then a data sheet whose
    table sits below a header block; ``Début``/``Fin`` local, kW with a decimal comma."""
    import openpyxl

    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Informations"
    cover["A1"] = "Mes données de consommation"
    cover["A3"] = "Titulaire du contrat"
    cover["B3"] = "M. Dupont"
    cover["A4"] = "Identifiant PRM"
    cover["B4"] = prm
    cover["A5"] = "Date de l'export"
    cover["B5"] = "08/01/2025 09:12"
    data = book.create_sheet(title)
    data["A1"] = "Consommation horaire"
    data["A2"] = "Unité : kW (puissance moyenne sur la plage)"
    data["A4"] = "Période du"
    data["B4"] = "01/01/2025"
    data["C6"] = "Plage horaire"
    data["C7"], data["D7"], data["E7"] = "Début", "Fin", "Valeur (en kW)"
    fmt = "%d/%m/%Y %H:%M"
    for r, (t, s, v) in enumerate(rows, start=8):
        data.cell(r, 3, t.astimezone(PARIS).strftime(fmt))
        data.cell(r, 4, (t + timedelta(seconds=s)).astimezone(PARIS).strftime(fmt))
        data.cell(r, 5, "NA" if v is None else f"{v / 1000:.3f}".replace(".", ","))
    if daily:
        sheet = book.create_sheet("Export Consommation Quotidienne")
        sheet["A1"], sheet["B1"] = "Date", "Valeur (en kWh)"
        for r, (day, kwh) in enumerate(daily, start=2):
            sheet.cell(r, 1, day)
            sheet.cell(r, 2, f"{kwh:.3f}".replace(".", ","))
    book.save(path)
    return path


def dataconnect(path, rows, *, prm=PRM, production=False, wrap=True, daily=None):
    """A Data Connect / MyElectricalData ``meter_reading`` response (naive end-labelled)."""
    readings = [{"value": "" if v is None else str(v),
                 "date": _local(t + timedelta(seconds=s), False).replace("T", " "),
                 "interval_length": f"PT{s // 60}M", "measure_type": "B"} for t, s, v in rows]
    reading_type = {"measurement_kind": "power", "unit": "W", "aggregate": "average"}
    if production:
        reading_type["flow_direction"] = "reverse"
    doc = {"usage_point_id": prm, "start": "2023-01-01", "end": "2023-12-31",
           "quality": "BRUT", "reading_type": reading_type, "interval_reading": readings}
    docs = [{"meter_reading": doc} if wrap else doc]
    if daily:
        docs.append({"meter_reading": {
            "usage_point_id": prm, "start": daily[0][0], "end": daily[-1][0], "quality": "BRUT",
            "reading_type": {"measurement_kind": "energy", "unit": "Wh", "aggregate": "sum",
                             "measuring_period": "P1D"},
            "interval_reading": [{"value": str(wh), "date": d} for d, wh in daily]}})
    path.write_text(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2), encoding="utf-8")
    return path


def supplier(path, rows):
    """The supplier's "mes-puissances-atteintes-30min" export: Latin-1, newest first."""
    days: dict = {}
    for t, s, v in rows:
        end = (t + timedelta(seconds=s)).astimezone(PARIS)
        day = (end - timedelta(seconds=1)).date()  # 00:00 closes the day before
        days.setdefault(day, []).append((end.strftime("%H:%M:%S"), v))
    lines = ["Récapitulatif de mes puissances atteintes en W", "",
             "Date et heure de relève par le distributeur;Puissance atteinte (W);Nature de la "
             "donnée"]
    for day in sorted(days, reverse=True):
        lines.append(day.strftime("%d/%m/%Y") + ";;")
        for hhmm, v in reversed(days[day]):
            lines.append(f"{hhmm};{'' if v is None else v};Réelle")
        lines.append("")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


# ---------------------------------------------------------------------------------------- TIC

def checksum(covered: bytes) -> bytes:
    return bytes([(sum(covered) & 0x3F) + 0x20])


def std_group(label: str, value: str, horodate: str | None = None) -> bytes:
    """One standard-mode group: LF label HT [horodate HT] value HT checksum CR."""
    body = label.encode() + b"\t" + (horodate.encode() + b"\t" if horodate else b"") + \
        value.encode() + b"\t"
    return b"\n" + body + checksum(body) + b"\r"


def hist_group(label: str, value: str) -> bytes:
    """One historic-mode group: LF label SP value SP checksum CR (checksum without the last
    SP)."""
    body = label.encode() + b" " + value.encode()
    return b"\n" + body + b" " + checksum(body) + b"\r"


def season_stamp(t: datetime) -> str:
    """Standard-mode horodate: season flag (E summer, H winter) and local AAMMJJhhmmss."""
    loc = t.astimezone(PARIS)
    return ("E" if loc.utcoffset() == timedelta(hours=2) else "H") + loc.strftime("%y%m%d%H%M%S")


def std_frame(t: datetime, va: int, east: int, *, adsc="041876097412", prm=PRM,
              corrupt: str | None = None) -> bytes:
    """A standard-mode frame at ``t``; ``corrupt`` names a group whose checksum is broken."""
    groups = [("ADSC", adsc, None), ("VTIC", "02", None), ("DATE", "", season_stamp(t)),
              ("NGTF", "      TEMPO     ", None), ("EAST", f"{east:09d}", None),
              ("EASF01", f"{east // 2:09d}", None), ("IRMS1", f"{va // 230:03d}", None),
              ("URMS1", "231", None), ("PREF", "09", None), ("SINSTS", f"{va:05d}", None),
              ("SMAXSN", "05120", season_stamp(t)), ("PRM", prm, None), ("NTARF", "01", None)]
    out = b"\x02"
    for label, value, hd in groups:
        g = std_group(label, value, hd)
        if label == corrupt:
            g = g[:-2] + bytes([g[-2] ^ 0x01]) + g[-1:]  # wrong checksum character
        out += g
    return out + b"\x03"


def hist_frame(va: int, hchc: int, hchp: int, *, adco="021528603314",
               corrupt: str | None = None) -> bytes:
    """A historic-mode frame (HC/HP option)."""
    groups = [("ADCO", adco), ("OPTARIF", "HC.."), ("ISOUSC", "45"), ("HCHC", f"{hchc:09d}"),
              ("HCHP", f"{hchp:09d}"), ("PTEC", "HP.."), ("IINST", f"{va // 230:03d}"),
              ("IMAX", "090"), ("PAPP", f"{va:05d}"), ("HHPHC", "A"), ("MOTDETAT", "000000")]
    out = b"\x02"
    for label, value in groups:
        g = hist_group(label, value)
        if label == corrupt:
            g = g[:-2] + bytes([g[-2] ^ 0x01]) + g[-1:]
        out += g
    return out + b"\x03"


__all__ = ["PARIS", "PRM", "dataconnect", "energy_wh", "flat", "hist_frame", "horodate",
           "index", "intervals", "local_midnight", "std_frame", "supplier", "xlsx"]
