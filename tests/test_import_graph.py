"""nilm's import graph, read from the source with ``ast``: no private name imported across
modules, no import cycle, and no arrow against the layer order of docs/design.md.

Every import statement counts, at module level or inside a function (a lazy import is still a
dependency); only imports under ``if TYPE_CHECKING:`` are left out (annotations, never run).
"""

from __future__ import annotations

import ast
import fnmatch
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "nilm"

#: the layers of docs/design.md, lowest first: a module may import from its own layer and from
#: the layers below it, never from a layer above. Patterns are module names (fnmatch).
LAYERS: list[tuple[str, list[str]]] = [
    ("foundation", ["nilm.version", "nilm.errors", "nilm.atomic", "nilm.integrity", "nilm.names",
                    "nilm.kernels", "nilm.kernels.*"]),
    ("clock and grid", ["nilm.clock", "nilm.grid"]),
    ("resampling", ["nilm.resample"]),
    ("argument parsing", ["nilm.arguments"]),
    ("data model", ["nilm.series", "nilm.truth"]),
    ("signal and meters", ["nilm.signal", "nilm.conservation", "nilm.inspect", "nilm.export",
                           "nilm.linky"]),
    ("loaders", ["nilm.io", "nilm.io.*"]),
    ("simulator", ["nilm.simulate", "nilm.simulate.*"]),
    ("ground-truth proxies", ["nilm.privacy.truth_proxy"]),
    ("models and metrics", ["nilm.metrics", "nilm.disaggregate", "nilm.disaggregate.*",
                            "nilm.evaluate"]),
    ("statistics and protocol", ["nilm.stats", "nilm.protocol", "nilm.null"]),
    ("scoring helpers", ["nilm.privacy.scores"]),
    ("inferences", ["nilm.privacy", "nilm.privacy.*"]),
    ("study", ["nilm.study", "nilm.study.*"]),
    ("labels", ["nilm.labels", "nilm.locale"]),
    ("figures", ["nilm.figure_data", "nilm.plot"]),
    ("report", ["nilm.report"]),
    ("applications", ["nilm.demo", "nilm.real_rows", "nilm.real_appliances", "nilm.published",
                      "nilm.linky_report",
                      "nilm.linky_accuracy",
                      "nilm.linky_figures", "nilm.linky_population",
                      "nilm.leaderboard", "nilm.leaderboard_report"]),
    ("command line", ["nilm.cli"]),
    ("package", ["nilm"]),
]

#: (importing module, imported module, name) private imports still to remove. Empty: keep it
#: so; an entry here is a debt with an owner, not a permission.
PRIVATE_ALLOWED: set[tuple[str, str, str]] = set()


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _walk(tree: ast.AST):
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def _package(mod: str) -> list[str]:
    parts = mod.split(".")
    return parts if MODULES[mod].name == "__init__.py" else parts[:-1]


@functools.cache
def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imports(mod: str) -> list[tuple[str, str | None, int]]:
    """(imported nilm module, imported name or None, line) for each import in ``mod``."""
    tree = _tree(MODULES[mod])
    out = []
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names
                    if a.name == "nilm" or a.name.startswith("nilm.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(mod)[:len(_package(mod)) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != "nilm" and not target.startswith("nilm."):
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES
                           else (target, a.name, node.lineno))
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(mod: str) -> list[tuple[str, str, int]]:
    """(module, private name, line) of private names ``mod`` reads from another nilm module:
    ``from .x import _name``, and ``x._name`` where ``x`` is an imported nilm module."""
    found = [(target, name, line) for target, name, line in imports(mod)
             if name is not None and _private(name) and target != mod]
    tree = _tree(MODULES[mod])
    modules = {t for t, name, _ in imports(mod) if name is None}
    bound = {}
    for node in _walk(tree):
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                for target in modules:
                    if target.endswith("." + a.name):
                        bound[a.asname or a.name] = target
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("nilm.") and a.asname:
                    bound[a.asname] = a.name
    for node in _walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in bound and _private(node.attr)
                and bound[node.value.id] != mod):
            found.append((bound[node.value.id], node.attr, node.lineno))
    return found


def graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports(m) if t != m} for m in MODULES}


@functools.cache
def layer_of(mod: str) -> int:
    """Index in :data:`LAYERS` of ``mod``: the layer naming it exactly, else the one whose
    pattern matches it."""
    hits = [i for i, (_, pats) in enumerate(LAYERS) if mod in pats]
    if not hits:
        hits = [i for i, (_, pats) in enumerate(LAYERS)
                if any(fnmatch.fnmatchcase(mod, p) for p in pats)]
    if len(hits) != 1:
        raise AssertionError(f"{mod} matches {len(hits)} layers of LAYERS (place it in one)")
    return hits[0]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan 1972), iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_graph_is_read():
    edges = graph()
    assert len(MODULES) > 80
    assert "nilm.clock" in edges["nilm.privacy.scores"]
    assert "nilm.signal" in edges["nilm.privacy.occupancy"]
    # a lazy import inside a function counts; an annotation-only import does not
    assert "nilm.resample" in edges["nilm.series"]
    assert "nilm.series" not in edges["nilm.resample"]


def test_no_private_name_is_imported_across_modules():
    bad = [f"{m}:{line} uses {t}.{n}" for m in MODULES for t, n, line in private_uses(m)
           if (m, t, n) not in PRIVATE_ALLOWED]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_the_private_allow_list_holds_no_fixed_entry():
    used = {(m, t, n) for m in MODULES for t, n, _ in private_uses(m)}
    assert PRIVATE_ALLOWED <= used, f"remove fixed entries: {sorted(PRIVATE_ALLOWED - used)}"


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_every_module_has_a_layer():
    for mod in MODULES:
        layer_of(mod)


def test_no_arrow_goes_up_the_layers():
    bad = []
    for mod in MODULES:
        lo = layer_of(mod)
        for target, _, line in imports(mod):
            if target in MODULES and layer_of(target) > lo:
                bad.append(f"{mod}:{line} ({LAYERS[lo][0]}) imports {target} "
                           f"({LAYERS[layer_of(target)][0]})")
    assert not bad, "imports against the layer order:\n" + "\n".join(sorted(set(bad)))


def test_the_study_fingerprint_leaves_out_only_modules_above_the_study():
    """:func:`nilm.study.store.code_digest` skips the modules that cannot compute a cell: each
    must exist and sit above the study layer, which the layer rule keeps the study from
    importing (a module moved below it, or a new one, is then hashed)."""
    from nilm.study.store import PRESENTATION_MODULES

    study = layer_of("nilm.study")
    below = sorted(m for m in PRESENTATION_MODULES if m not in MODULES or layer_of(m) <= study)
    assert not below, f"left out of the study fingerprint but not above the study: {below}"


@pytest.mark.parametrize("source, expect", [
    ("from .hot_water import _runs\n", [("nilm.privacy.hot_water", "_runs")]),
    ("from . import hot_water as H\nH._vote(1)\n", [("nilm.privacy.hot_water", "_vote")]),
    ("from ..clock import local_clock\n", []),
])
def test_the_private_check_can_fail(tmp_path, monkeypatch, source, expect):
    fake = tmp_path / "nilm" / "privacy" / "fake.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(source)
    monkeypatch.setitem(MODULES, "nilm.privacy.fake", fake)
    assert [(t, n) for t, n, _ in private_uses("nilm.privacy.fake")] == expect


def test_the_cycle_check_can_fail():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
