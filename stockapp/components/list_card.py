"""Two-line cards for instrument lists on a phone, as brokers' apps show them: symbol and
live price on the top line, the day's change (and, for a holding, quantity and P&L) below.

A page renders its desktop table and its cards side by side; CSS (assets/styles.css,
`.card-list`) shows one or the other by screen width, so turning a phone or resizing a
window needs no round trip to the server. The card's body is a link to the instrument's
Analysis page (keyboard reachable, as the table's symbol link is); buttons such as remove
or a bell sit beside the link, never inside it.
"""

from __future__ import annotations

import reflex as rx

from stockapp.components.price import change_text, flash_price


def list_card(
    card_id: rx.Var | str,
    symbol: rx.Var,
    price: rx.Component,
    change: rx.Component,
    *,
    detail: rx.Component | None = None,
    badge: rx.Component | None = None,
    actions: rx.Component | None = None,
) -> rx.Component:
    """One card: `symbol` (+ `badge`) and `price` on top, `change` and `detail` below."""
    top = [rx.text(symbol, weight="bold", class_name="lc-symbol")]
    if badge is not None:
        top.append(badge)
    body = rx.link(
        rx.box(
            rx.box(*top, class_name="lc-name"),
            rx.box(price, class_name="lc-price"),
            class_name="lc-line",
        ),
        rx.box(
            rx.box(change, class_name="lc-change"),
            rx.box(detail, class_name="lc-detail") if detail is not None else rx.fragment(),
            class_name="lc-line lc-second",
        ),
        href="/analysis/" + symbol,
        class_name="lc-main",
        underline="none",
        color="inherit",
    )
    return rx.box(
        body,
        *([rx.box(actions, class_name="lc-actions")] if actions is not None else []),
        id=card_id,
        role="listitem",
        class_name="list-card",
    )


def quote_card(card_id: rx.Var, symbol: rx.Var, view: rx.Var, **parts) -> rx.Component:
    """A card for a live quote row (state/views.py): flashing LTP, change in ₹ and %."""
    return list_card(card_id, symbol, flash_price(view), change_text(view, size="1"), **parts)


def card_list(items: rx.Var, render, list_id: str, label: str) -> rx.Component:
    """The phone-width list: `render(item)` for each of `items`."""
    return rx.box(
        rx.foreach(items, render),
        id=list_id,
        role="list",
        aria_label=label,
        class_name="card-list",
    )


def table_or_cards(table: rx.Component, cards: rx.Component) -> rx.Component:
    """The desktop table above 768 px, the card list at or below (CSS only)."""
    return rx.fragment(rx.box(table, class_name="desktop-table", width="100%"), cards)
