"""The live quote table: one row per instrument with its symbol, live price and day change,
plus whatever columns a page adds (a movers metric, market cap, a signal).

Rows are dicts with at least "k" (key string, also the React key), "symbol" and the field
named by `subtitle`; `quotes` maps key strings to compact quote rows (state/views.py). The
leading part of a row (symbol, LTP, change) is built apart from the extra columns, so the
same rows can be shown as a two-line card list on phones (symbol and LTP on top, change
below) without another row format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from stockapp.components.list_card import card_list, quote_card, table_or_cards
from stockapp.components.price import change_color, field, flash_price, live_dot

NUM = "num"


@dataclass(frozen=True)
class Column:
    """An extra column: its header and how a row (an rx.Var dict) renders in it."""

    header: str
    cell: Callable[[rx.Var], rx.Component | rx.Var]
    align: str = "right"
    class_name: str = NUM
    hide_mobile: bool = False


def symbol_cell(row: rx.Var, subtitle: str) -> rx.Component:
    return rx.vstack(
        rx.link(rx.text(row["symbol"], weight="bold"), href="/analysis/" + row["symbol"]),
        rx.text(row[subtitle], size="1", color="var(--gray-11)", class_name="hide-mobile"),
        spacing="0",
    )


def price_cell(view: rx.Var, present: rx.Var, dot: bool) -> rx.Component:
    price = rx.hstack(flash_price(view), live_dot(), justify="end", align="center")
    return rx.cond(present, price, rx.text("…")) if dot else flash_price(view)


def change_cell(view: rx.Var) -> rx.Component:
    return rx.text(field(view, "cp"), color=change_color(field(view, "c")))


def _classes(col: Column) -> str:
    return f"{col.class_name} hide-mobile".strip() if col.hide_mobile else col.class_name


def live_quote_table(
    rows: rx.Var,
    quotes: rx.Var,
    columns: list[Column],
    *,
    row_id: str,
    subtitle: str = "name",
    dot: bool = True,
    table_id: str | None = None,
    card_id: str | None = None,
    card_detail: Callable[[rx.Var], rx.Component | rx.Var] | None = None,
) -> rx.Component:
    """A table of `rows` with live LTP and change %, then `columns`; row ids are
    `row_id` + symbol. With `card_id`, phones see the rows as two-line cards instead (ids
    `card_id` + symbol), `card_detail(row)` at the end of the second line."""

    def row(r: rx.Var) -> rx.Component:
        view = quotes[r["k"]]
        return rx.table.row(
            rx.table.cell(symbol_cell(r, subtitle)),
            rx.table.cell(
                price_cell(view, quotes.contains(r["k"]), dot),
                text_align="right",
                class_name="price",
            ),
            rx.table.cell(change_cell(view), text_align="right", class_name="num change"),
            *[
                rx.table.cell(col.cell(r), text_align=col.align, class_name=_classes(col))
                for col in columns
            ],
            key=r["k"],
            id=row_id + r["symbol"],
        )

    header = [
        rx.table.column_header_cell("Symbol"),
        rx.table.column_header_cell("LTP", text_align="right"),
        rx.table.column_header_cell("Change %", text_align="right"),
        *[
            rx.table.column_header_cell(
                col.header,
                text_align=col.align,
                class_name="hide-mobile" if col.hide_mobile else "",
            )
            for col in columns
        ],
    ]
    table = rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*header)),
            rx.table.body(rx.foreach(rows, row)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        id=table_id,
    )
    if card_id is None:
        return table

    def card(r: rx.Var) -> rx.Component:
        detail = card_detail(r) if card_detail is not None else None
        return quote_card(card_id + r["symbol"], r["symbol"], quotes[r["k"]], detail=detail)

    return table_or_cards(table, card_list(rows, card, card_id + "list", "Instruments"))
