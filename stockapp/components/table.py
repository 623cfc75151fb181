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
    )
