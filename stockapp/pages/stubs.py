"""Pages whose features come later; they say so plainly and show no made-up numbers."""

from __future__ import annotations

import reflex as rx

from stockapp.components.layout import not_built, page_layout


def stub(title: str) -> rx.Component:
    return page_layout(title, not_built(title))
