"""Price cells that flash green on an uptick and red on a downtick.

The flash is a CSS animation on an element whose React `key` is the price text: a new
price mounts a new element, which replays the animation. No JavaScript of ours.

Two signals, never mixed: the brief flash is the last tick's direction; the arrow and the
colour are the day's change (its sign), so an arrow never contradicts the number beside it.
"""

from __future__ import annotations

import reflex as rx

from stockapp.state.views import FIELDS, SEP

UP = "var(--green-11)"
DOWN = "var(--red-11)"


def change_color(change: rx.Var) -> rx.Var:
    """Colour of a signed change string such as "+12.30" or "-4.05"."""
    return rx.cond(
        change.startswith("+"), UP, rx.cond(change.startswith("-"), DOWN, "var(--gray-11)")
    )


def day_arrow(change: rx.Var) -> rx.Component:
    """Up or down by the sign of the day's change ("+12.30" / "-4.05"); none when flat."""
    return rx.cond(
        change.startswith("+"),
        rx.icon("arrow-up", size=14, color=UP, class_name="day-arrow-up", aria_label="up"),
        rx.cond(
            change.startswith("-"),
            rx.icon(
                "arrow-down", size=14, color=DOWN, class_name="day-arrow-down", aria_label="down"
            ),
            rx.box(width="14px"),
        ),
    )


def field(view: rx.Var, name: str) -> rx.Var:
    """One field of a compact quote row (see state/views.py), split in the browser; "" while
    the row has not arrived yet."""
    return rx.Var(
        _js_expr=f'((({view!s}) ?? "").split("{SEP}")[{FIELDS.index(name)}] ?? "")',
        _var_type=str,
        _var_data=view._get_all_var_data(),
    ).to(str)


def flash_price(
    view: rx.Var, *, size: str = "2", weight: str = "medium", rupee: bool | rx.Var = True
) -> rx.Component:
    """LTP with arrow and flash; `view` is a quote row (see state/views.py)."""
    return rx.hstack(
        rx.text(
            rx.cond(rupee, "₹", ""),
            field(view, "p"),
            key=field(view, "p"),
            class_name=rx.match(
                field(view, "d"), ("up", "num flash-up"), ("down", "num flash-down"), "num"
            ),
            size=size,
            weight=weight,
        ),
        day_arrow(field(view, "c")),
        stale_badge(view),
        spacing="1",
        align="center",
        class_name="num live-price",
    )


def stale_badge(view: rx.Var) -> rx.Component:
    """Shown while the feed is failing and the price is the last one known ("x" in the row).
    (While this browser's connection is lost, the shell marks every price stale by CSS.)"""
    return rx.cond(
        field(view, "x") == "1",
        rx.badge(
            "stale",
            color_scheme="gray",
            variant="soft",
            size="1",
            class_name="stale-badge",
            title="Upstream prices unavailable; showing the last known price",
        ),
    )


def change_text(view: rx.Var, size: str = "2") -> rx.Component:
    return rx.text(
        field(view, "c"),
        " (",
        field(view, "cp"),
        ")",
        size=size,
        color=change_color(field(view, "c")),
        class_name="num",
    )


def live_dot() -> rx.Component:
    """Green and pulsing while prices stream; grey while the connection is lost (the shell's
    `conn-lost` class: one subscriber to the socket state, not one per dot)."""
    return rx.tooltip(
        rx.box(class_name="live-dot", aria_label="Live", role="img"), content="Streaming live"
    )
