"""The layout's rules: arrows point one way, and only the app knows streamlit.

Read from the source (``ast``), not by importing: a cycle hidden behind an
import inside a function is still a cycle, so such imports are refused too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "collapse"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name ``from <node.module> import ...`` means inside ``module``."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> list[tuple[str, bool]]:
    """(imported project module, at module level?) for every import of a ``collapse`` module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, node)
            # `from . import gaussian` imports the submodule, not the package
            names = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES] or [target]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(name, id(node) in top) for name in names if name.split(".")[0] == "collapse"]
    return found


def test_every_module_is_read():
    assert {"collapse.runner", "collapse.families.gaussian", "collapse.charts", "collapse.app.cache"} <= set(MODULES)


def test_no_project_import_inside_a_function():
    inside = [(m, target) for m in MODULES for target, at_top in imports(m) if not at_top]
    assert inside == []


def test_no_import_cycles():
    graph = {m: {t for t, _ in imports(m) if t in MODULES and t != m} for m in MODULES}
    done, path = set(), []

    def visit(module):
        if module in path:
            pytest.fail("import cycle: " + " -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        path.pop()
        done.add(module)

    for module in MODULES:
        visit(module)


def test_arrows_point_one_way():
    """families know no runner, charts or app; charts run no simulation; theory imports nothing of the lab."""
    for module in MODULES:
        targets = {t for t, _ in imports(module)}
        if module.startswith("collapse.families"):
            assert not {t for t in targets if t.startswith(("collapse.runner", "collapse.charts", "collapse.app",
                                                            "collapse.web", "collapse.cli"))}, module
        if module.startswith("collapse.charts"):
            assert not {t for t in targets if t.startswith(("collapse.app", "collapse.cli"))}, module
        if module == "collapse.web":
            assert not {t for t in targets if t.startswith(("collapse.families", "collapse.runner"))}, module
    assert [t for t, _ in imports("collapse.theory")] == []


def streamlit_importers(paths) -> set[str]:
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(n.split(".")[0] == "streamlit" for n in names):
                found.add(str(path.relative_to(ROOT)))
    return found


def test_only_the_app_imports_streamlit():
    engine = [p for p in PACKAGE.rglob("*.py") if "app" not in p.relative_to(PACKAGE).parts]
    assert streamlit_importers(engine) == set()
    assert "collapse/app/frame.py" in streamlit_importers(PACKAGE.rglob("*.py"))  # the check can see one


def test_pages_call_the_app_not_the_engine_directly():
    """Pages draw through ``collapse.app``: no page runs a simulation or builds a chart itself."""
    for page in [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]:
        tree = ast.parse(page.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {m for m in modules if m.startswith(("collapse.families", "collapse.loop"))}, page.name
