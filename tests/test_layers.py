"""Imports flow downward (DESIGN.md): a domain module never imports the CLI, the web
app, the scheduler or the sandbox, and the sandbox imports nothing of ours but config."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "distributor"
ENTRY = {"cli", "cli_accounts", "cli_costs", "cli_evergreen", "cli_sources", "web", "service", "demo", "__main__"}
ORCHESTRATION = {"scheduler", "pipeline", "manual", "runtime"}
BESIDE = {"sandbox"}
FOUNDATION = {"models", "db", "config", "errors", "inputs", "logs", "migrations"}


# The platform registry is plain data every layer reads (config, sandbox included): a foundation.
REGISTRY = "platforms.specs"
FOUNDATION |= {REGISTRY}


def _module_group(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if parts[:2] == ("platforms", "specs"):
        return REGISTRY
    return parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("distributor." + REGISTRY):
            found.add(REGISTRY)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("distributor."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "distributor":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("distributor."))
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_downward(path):
    group = _module_group(path)
    imported = _imports(path) - {group}
    if group in ENTRY:
        return
    if group in BESIDE:
        allowed = {"config", REGISTRY}
        assert imported <= allowed, f"the sandbox may only import config and the registry, not {imported - allowed}"
        return
    upward = imported & (ENTRY | BESIDE)
    assert not upward, f"{path.name} imports {upward}"
    if group in ORCHESTRATION:
        return
    assert not imported & ORCHESTRATION, f"domain module {path.name} imports {imported & ORCHESTRATION}"
    if group in FOUNDATION:
        assert imported <= FOUNDATION, f"foundation module {path.name} imports {imported - FOUNDATION}"
