"""Instrument autocomplete: a text box (Enter picks the best match) over a list of matches.

Used by the global search, the watchlist's add box, the alerts form and peer comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


def symbol_picker(
    *,
    input_id: str,
    name: str,
    placeholder: str,
    value: rx.Var,
    on_change: Any,
    on_submit: Any,
    results: rx.Var,
    on_pick: Callable[[rx.Var], Any],
    results_id: str = "",
    result_class: str = "",
    aria_label: str = "",
    icon: str = "",
    max_width: str = "",
    top: str = "40px",
) -> rx.Component:
    """`results` holds dicts with "symbol" and "name"; `on_pick(row)` is the click event."""
    slot = [rx.input.slot(rx.icon(icon, size=16))] if icon else []
    return rx.box(
        rx.form(
            rx.input(
                *slot,
                placeholder=placeholder,
                value=value,
                on_change=on_change.debounce(120),
                id=input_id,
                name=name,
                aria_label=aria_label or placeholder,
                auto_complete="off",
                width="100%",
            ),
            on_submit=on_submit,
            width="100%",
        ),
        rx.cond(
            results.length() > 0,
            rx.card(
                rx.foreach(
                    results,
                    lambda r: rx.box(
                        rx.text(r["symbol"], weight="bold", size="2", as_="span"),
                        rx.text(" ", r["name"], size="1", color="var(--gray-11)", as_="span"),
                        on_click=on_pick(r),
                        class_name=result_class,
                        padding="6px",
                        cursor="pointer",
                        _hover={"background": "var(--gray-a3)"},
                    ),
                ),
                position="absolute",
                top=top,
                width="100%",
                z_index="50",
                padding="4px",
                **({"id": results_id} if results_id else {}),
            ),
        ),
        position="relative",
        width="100%",
        **({"max_width": max_width} if max_width else {}),
    )
