"""The package's shape: layers in one direction, no import cycles, no monoliths.

The import graph is built from the source with ``ast`` (every ``import``,
including those inside functions and ``TYPE_CHECKING`` blocks), so a lazy import
that goes up a layer is caught as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lib" / "repurchase"

#: top-level part of the package -> layer; a module may import only its own layer or lower ones
LAYERS = {
    "core": 0,
    "warehouse": 1,
    "cleaning": 1,
    "kpis": 1,
    "segments": 1,
    "lifetime_value": 1,
    "churn": 1,
    "satisfaction": 1,
    "campaigns": 1,
    "recommendations": 1,
    "alerts": 1,
    "forecast": 1,
    "monitoring": 1,
    "demo": 1,
    "report": 2,
    "plots": 2,
    "pushdown": 2,
    "publish": 3,
}
#: parts of one layer that must not import each other
SIBLINGS_APART = {("report", "plots"), ("plots", "report")}
MAX_LINES = 1000


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (resolved; ``from x import sub`` counts as ``x.sub``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # `import repurchase.x.y` where y is a name: keep the module
                t = t.rpartition(".")[0]
            if t.startswith("repurchase") and t != name:
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def part(module: str) -> str:
    pieces = module.split(".")
    if len(pieces) == 1:
        return "__init__"
    return pieces[1]


def layer(module: str) -> int:
    p = part(module)
    if p == "__init__":
        return 0  # the top-level package re-exports core only
    if p == "__main__":
        return 3
    return LAYERS[p]


def test_every_part_of_the_package_has_a_layer():
    unknown = sorted({part(m) for m in modules()} - set(LAYERS) - {"__init__", "__main__"})
    assert not unknown, f"add {unknown} to LAYERS in {__file__}: which layer does it belong to?"


def test_no_import_goes_up_a_layer_or_across_report_and_plots():
    bad = []
    for mod, deps in graph().items():
        for dep in deps:
            if layer(dep) > layer(mod):
                bad.append(f"{mod} (layer {layer(mod)}) imports {dep} (layer {layer(dep)})")
            elif (part(mod), part(dep)) in SIBLINGS_APART:
                bad.append(f"{mod} imports {dep}: plots and report sit beside each other")
    assert not bad, "upward imports:\n" + "\n".join(sorted(bad))


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_modules():
    cycles = _cycles(graph())
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_import_cycles_between_analyses():
    packages: dict[str, set[str]] = {}
    for mod, deps in graph().items():
        packages.setdefault(part(mod), set()).update(part(d) for d in deps if part(d) != part(mod))
    cycles = _cycles(packages)
    assert not cycles, "packages that import each other:\n" + "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_a_monolith(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {n} lines; split it along its sections (<= ~800)"


def test_the_checker_sees_a_lazy_upward_import(tmp_path):
    """The graph includes imports inside functions: the check cannot pass by hiding one."""
    f = tmp_path / "x.py"
    f.write_text("def show():\n    from repurchase.report import say\n    return say\n", encoding="utf-8")
    assert imports_of("repurchase.churn.x", f, set(modules())) == {"repurchase.report"}
