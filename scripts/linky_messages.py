"""The English messages of ``nilm linky`` and their place in a PO catalogue.

``python scripts/linky_messages.py`` lists every message (``L._("...")`` calls and the message
constants of :mod:`nilm.linky_report`) missing from ``nilm/locale/fr/LC_MESSAGES/nilm.po``;
``--template`` writes them as PO entries to complete. tests/test_linky_locale.py checks the
catalogue with :func:`messages`.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("nilm/linky_report.py", "nilm/linky_figures.py", "nilm/cli.py")
CONSTANTS = ("CAVEAT", "BLOCKS", "DAILY_ONLY", "RIGHTS", "RESPONSIBLE_USE")


def messages(root: Path = ROOT) -> list[str]:
    """Every msgid: first arguments of ``L._`` calls and the report's message constants."""
    found: list[str] = []
    for rel in SOURCES:
        tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "_" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.append(node.args[0].value)
            if (rel.endswith("linky_report.py") and isinstance(node, ast.Assign)
                    and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in CONSTANTS):
                value = ast.literal_eval(node.value)
                found += list(value) if isinstance(value, tuple) else [value]
    return list(dict.fromkeys(found))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT))
    from nilm.locale import read_po

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", action="store_true", help="print the missing entries as PO")
    args = ap.parse_args(argv)
    po = ROOT / "nilm" / "locale" / "fr" / "LC_MESSAGES" / "nilm.po"
    have = read_po(po.read_text(encoding="utf-8")) if po.exists() else {}
    missing = [m for m in messages() if m not in have]
    for m in missing:
        print(f"msgid {_quote(m)}\nmsgstr \"\"\n" if args.template else m)
    return 1 if missing and not args.template else 0


if __name__ == "__main__":
    sys.exit(main())
