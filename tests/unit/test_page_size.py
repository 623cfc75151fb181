"""Pages stay thin: no page module over 350 lines, no function in pages/ over 60 lines.

A page formats and binds; when one grows past these limits its state, display rows or
shared pieces belong in <page>_state.py, components/ or the market's snapshot views."""

from __future__ import annotations

import ast
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "stockapp" / "pages"
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    found = sorted(PAGES.glob("*.py"))
    assert len(found) > 10, f"no page modules found under {PAGES}"
    return found


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield node


def test_no_page_module_is_over_the_line_limit():
    long = {
        p.name: n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_in_pages_is_over_the_line_limit():
    long = {}
    for path in _modules():
        for fn in _functions(ast.parse(path.read_text(), filename=str(path))):
            start = min([fn.lineno] + [d.lineno for d in getattr(fn, "decorator_list", [])])
            lines = fn.end_lineno - start + 1
            if lines > MAX_FUNCTION_LINES:
                name = getattr(fn, "name", "<lambda>")
                long[f"{path.name}:{fn.lineno} {name}"] = lines
    assert long == {}


def test_the_limits_catch_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    tree = ast.parse(f"def f():\n{body}\n")
    (fn,) = _functions(tree)
    assert fn.end_lineno - fn.lineno + 1 > MAX_FUNCTION_LINES
