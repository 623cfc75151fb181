"""The UI layer reads the market through services and the snapshot it is handed: no module
in pages/, components/ or state/ imports the worker's runtime, the API routers or the
database, and a page imports no other page (only its own _state/_views/_format/_parts)."""

from __future__ import annotations

import ast
from pathlib import Path

STOCKAPP = Path(__file__).resolve().parents[2] / "stockapp"
FORBIDDEN = ("stockapp.runtime", "stockapp.api", "stockapp.db")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _ui_modules() -> list[Path]:
    found = [p for d in ("pages", "components", "state") for p in (STOCKAPP / d).glob("*.py")]
    assert len(found) > 30
    return sorted(found)


def _forbidden(names: set[str]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))


def test_ui_modules_import_no_runtime_api_or_database():
    bad = {
        p.relative_to(STOCKAPP).as_posix(): b
        for p in _ui_modules()
        if (b := _forbidden(_imports(p)))
    }
    assert bad == {}


def test_a_page_imports_only_its_own_modules():
    bad = {}
    for path in sorted((STOCKAPP / "pages").glob("*.py")):
        own = path.stem.split("_")[0]
        others = {
            n.split(".")[2]
            for n in _imports(path)
            if n.startswith("stockapp.pages.") and n.count(".") >= 2
        }
        strangers = sorted(m for m in others if m.split("_")[0] != own)
        if strangers:
            bad[path.name] = strangers
    assert bad == {}


def test_the_check_sees_a_database_import():
    assert _forbidden({"stockapp.db.session", "stockapp.services.market"}) == [
        "stockapp.db.session"
    ]
