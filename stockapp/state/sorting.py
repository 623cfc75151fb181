"""Sortable tables: one rule for what a click on a column header does."""

from __future__ import annotations


def next_sort(sort_col: str, sort_desc: bool, clicked: str) -> tuple[str, bool]:
    """Clicking the column already sorted on flips its direction; another column sorts
    high to low first, except the symbol, which reads A to Z."""
    if clicked == sort_col:
        return sort_col, not sort_desc
    return clicked, clicked != "symbol"
