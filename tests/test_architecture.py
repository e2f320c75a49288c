"""The dependency direction of DESIGN.md §3, checked on the source: views/api/commands →
selectors/services → access → models."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "twinwise"
APPS = [p.name for p in ROOT.iterdir() if (p / "apps.py").exists()]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 3 or parts[0] != "twinwise":
        return None
    return parts[2]


def files(name: str):
    return sorted(ROOT.glob(f"*/{name}.py"))


@pytest.mark.parametrize("path", files("models"), ids=str)
def test_models_import_no_services_selectors_or_access(path):
    bad = {
        m
        for m in imports_of(path)
        if layer(m) in {"services", "selectors", "views", "api"} or ".access" in m
    }
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", sorted((ROOT / "access").glob("*.py")), ids=str)
def test_access_imports_only_models_and_core(path):
    bad = {m for m in imports_of(path) if layer(m) in {"services", "selectors", "views", "api"}}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", files("selectors") + files("services"), ids=str)
def test_selectors_and_services_never_import_views_or_api(path):
    bad = {m for m in imports_of(path) if layer(m) in {"views", "api", "forms"}}
    assert not bad, f"{path} imports {bad}"


def test_insights_reads_only_through_selectors():
    for path in (ROOT / "insights").glob("*.py"):
        bad = {
            m
            for m in imports_of(path)
            if layer(m) == "models" and not m.startswith("twinwise.insights")
        }
        bad -= {"twinwise.directory.models", "twinwise.directory.models.Region"}  # choices only
        assert not bad, f"{path} imports {bad}"
