"""A data table that scrolls sideways on narrow screens instead of squeezing its columns."""

from __future__ import annotations

import reflex as rx


def scroll_table(header: rx.Component, body: rx.Component, table_id: str) -> rx.Component:
    """`header` is the header row; `body` the rows (usually an rx.foreach)."""
    return rx.box(
        rx.table.root(
            rx.table.header(header),
            rx.table.body(body),
            size="1",
            width="100%",
            id=table_id,
        ),
        overflow_x="auto",
        width="100%",
        # when it scrolls, the box (not Radix's unfocusable inner viewport) is the scrolling
        # region: reachable by keyboard and named (assets/styles.css, .scroll-region)
        **scroll_region(table_id.replace("-", " "), class_name="scroll-region"),
    )


def scroll_region(label: str | rx.Var, **props) -> dict:
    """Props of a box that scrolls: focusable, so a keyboard can scroll it, and named, so a
    screen reader says what it holds."""
    return {"tab_index": 0, "role": "region", "aria_label": label, **props}
