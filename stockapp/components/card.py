"""Small framing pieces pages share: a card headed by its title, a labelled signed figure
and a page's error banner."""

from __future__ import annotations

import reflex as rx

from stockapp.components.price import change_color


def section_card(title: str | rx.Component, *children: rx.Component, **props) -> rx.Component:
    """A full-width card whose first line is its title in bold (a component for a title
    with a spinner or a live dot beside it)."""
    head = rx.text(title, weight="bold", size="3") if isinstance(title, str) else title
    return rx.card(head, *children, **{"width": "100%", **props})


def signed_figure(label: str, value: rx.Var, **props) -> rx.Component:
    """ "Day P&L +1,234.50": a label, then a signed amount coloured by its sign."""
    return rx.text(
        label,
        rx.text.span(value, class_name="num", color=change_color(value)),
        size="2",
        **props,
    )


def error_banner(message: rx.Var, color: str = "red", **props) -> rx.Component:
    """A callout shown only while `message` is not empty."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme=color, **props),
    )


def page_stack(*children: rx.Component) -> rx.Component:
    """The pages' vertical rhythm: full-width blocks, one spacing step apart."""
    return rx.vstack(*children, spacing="3", width="100%")
