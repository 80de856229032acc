"""The structure docs/architecture.md describes, checked: core never imports the UI, and its
packages import one way (a package only imports those listed below it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"

# Each package and the core packages it may import (docs/architecture.md, "The layers").
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "model": {"common"},
    "db": {"common"},
    "access": {"common", "db"},
    "data": {"common", "model", "db", "access"},
    "engine": {"common", "model", "data"},
    "journey": {"common", "model", "db", "engine", "access"},
    "assessment": {"common", "model", "db", "engine", "journey", "access"},
    "workspace": {
        "common",
        "model",
        "db",
        "access",
        "data",
        "engine",
        "journey",
        "assessment",
        "at_risk",
    },
    "scorecards": {"common", "model", "engine"},
    "at_risk": {"common", "model", "db", "engine", "access"},
    "charts": {"common", "model", "engine", "journey", "assessment", "scorecards", "at_risk"},
    "backup": {"common", "db", "access", "journey", "workspace"},
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _modules() -> list[Path]:
    return [p for p in CORE.rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_never_imports_the_ui(path: Path):
    for module in _imports(path):
        top = module.split(".")[0]
        assert top not in ("streamlit", "ui", "pages"), f"{path.name} imports {module}"


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if len(p.relative_to(CORE).parts) > 1],
    ids=lambda p: str(p.relative_to(CORE)),
)
def test_packages_import_one_way(path: Path):
    package = path.relative_to(CORE).parts[0]
    assert package in ALLOWED, f"core/{package}/ is not in docs/architecture.md's table"
    for module in _imports(path):
        parts = module.split(".")
        if parts[0] != "core" or len(parts) < 2 or parts[1] == package:
            continue
        assert parts[1] in ALLOWED[package], f"core/{package} may not import {module}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_uses_no_pandas(path: Path):
    """polars end to end: no pandas import, and no detour through `to_pandas` (Altair takes
    polars frames as they are)."""
    assert "pandas" not in {m.split(".")[0] for m in _imports(path)}, path.name
    assert ".to_pandas(" not in path.read_text(encoding="utf-8"), path.name


def test_the_command_line_loads_no_database_or_ui_code():
    """`python -m core score DIR` and its siblings read files, never the database: importing
    SQLAlchemy and Alembic (through the rollups' storage) cost about 0.4 s of every command's
    3-5 s at full size. The database commands (backup, restore, presets) import it when run."""
    probe = (
        "import sys, core.cli\n"
        "core.cli.build_parser()\n"
        "print(' '.join(m for m in ('sqlalchemy', 'alembic', 'streamlit', 'altair') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=CORE.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == ""
