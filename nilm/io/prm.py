"""Meter identifiers of Linky data (PRM, TIC ``ADSC`` / ``ADCO``), masked in everything nilm keeps.

The PRM ("point référence mesure", 14 digits) names a household's delivery point; the meter's
serial number (TIC ``ADSC`` in standard mode, ``ADCO`` in historic mode, 12 digits) names its
meter. Both are personal data. The Linky loaders read them to merge several downloads of one
meter, then keep only :func:`mask` of them: ``meta["house"]``, the load report, the cached
households, ``nilm linky``'s folder, CSV, figures and report all carry the masked form. Export
file names often embed the PRM (``mes-puissances-atteintes-30min-<PRM>-<code postal>.csv``), so
:func:`mask_text` masks every long run of digits in a path or message as well.
"""

from __future__ import annotations

import re

#: digits of an identifier left visible
KEEP = 4
#: a run of at least this many digits is taken for an identifier (dates such as 20240131 have 8)
MIN_DIGITS = 11

_RUN = re.compile(rf"\d{{{MIN_DIGITS},}}")


def mask(identifier: str | None) -> str | None:
    """``"01234567890123"`` → ``"xxxxxxxxxx0123"``: every character but the last :data:`KEEP`
    replaced by ``x`` (file-name safe; the same length, so the kind of id stays visible)."""
    if identifier is None:
        return None
    text = str(identifier).strip()
    if len(text) <= KEEP:
        return "x" * len(text)
    return "x" * (len(text) - KEEP) + text[-KEEP:]


def mask_text(text) -> str:
    """``text`` with every run of :data:`MIN_DIGITS` or more digits masked by :func:`mask`."""
    return _RUN.sub(lambda m: mask(m.group(0)), str(text))


__all__ = ["KEEP", "MIN_DIGITS", "mask", "mask_text"]
