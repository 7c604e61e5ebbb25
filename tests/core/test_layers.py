"""The shape of the code, read from its source: dependencies point one way (interfaces → domain →
core), reading never imports writing, the tools use only public names, and functions stay short."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "hotline"
# Apps that answer people or machines; they may use every domain app, never the other way.
INTERFACES = {"web", "api", "open311", "portal", "accounts"}
# Tools built on the whole product (the demo city, the benchmarks): they may use any app.
TOOLS = {"demo", "benchmarks"}
MAX_FUNCTION_LINES = 80


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" not in parts:
            yield parts, ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.Module):
    """(module, names) of each absolute import of the project's own code."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hotline."):
                    yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("hotline."):
                yield node.module, [a.name for a in node.names]


def _is_interface(parts: tuple[str, ...]) -> bool:
    """Interface code: the interface apps, and every app's commands and admin pages."""
    return parts[0] in INTERFACES or "management" in parts or parts[-1] == "admin.py"


def test_the_core_imports_no_other_app() -> None:
    wrong = [
        f"{'/'.join(parts)} imports {module}"
        for parts, tree in _modules()
        if parts[0] == "core"
        for module, _ in _imports(tree)
        if module.split(".")[1] != "core"
    ]
    assert wrong == []


def test_domain_code_imports_no_interface_app() -> None:
    wrong = [
        f"{'/'.join(parts)} imports {module}"
        for parts, tree in _modules()
        if len(parts) > 1 and parts[0] not in TOOLS and not _is_interface(parts)
        for module, _ in _imports(tree)
        if module.split(".")[1] in INTERFACES
    ]
    assert wrong == []


def test_only_the_tools_import_the_tools() -> None:
    wrong = [
        f"{'/'.join(parts)} imports {module}"
        for parts, tree in _modules()
        if parts[0] not in TOOLS
        for module, _ in _imports(tree)
        if module.split(".")[1] in TOOLS
    ]
    assert wrong == []


def test_no_app_imports_another_apps_private_names() -> None:
    wrong = [
        f"{'/'.join(parts)} imports {module}.{name}"
        for parts, tree in _modules()
        for module, names in _imports(tree)
        if module.split(".")[1] != parts[0]
        for name in names
        if name.startswith("_")
    ]
    assert wrong == []


def test_reading_never_imports_writing() -> None:
    """Selectors answer reads; a selector that imported services could write during a GET."""
    wrong = [
        f"{'/'.join(parts)} imports {module}"
        for parts, tree in _modules()
        if parts[-1] == "selectors.py"
        for module, _ in _imports(tree)
        if module.endswith(".services")
    ]
    for parts, tree in _modules():
        if parts[-1] == "selectors.py":
            wrong += [
                f"{'/'.join(parts)} imports .services"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
                and node.level == 1
                and (node.module == "services" or "services" in [a.name for a in node.names])
            ]
    assert wrong == []


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(ROOT.rglob("*.py")) if "migrations" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_function_is_longer_than_a_screenful(path) -> None:
    long = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []
