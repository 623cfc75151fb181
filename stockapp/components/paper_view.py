"""Portfolio's Paper switch and the virtual funds card shown while it is on (the state is
`state.paper_view.PaperViewMixin`, passed in)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def paper_switch(state: Any) -> rx.Component:
    return rx.hstack(
        rx.switch(
            checked=state.paper_on,
            on_change=state.set_paper,
            id="paper-switch",
            aria_label="Show the paper portfolio",
        ),
        rx.text("Paper", size="2", weight="medium"),
        rx.cond(state.paper_on, rx.badge("Virtual money", color_scheme="violet")),
        align="center",
        spacing="2",
    )


def _fund(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(value, weight="bold", class_name="num", id=element_id),
        spacing="0",
    )


def paper_funds(state: Any) -> rx.Component:
    f = state.paper_funds
    return rx.card(
        rx.grid(
            _fund("Virtual cash", f["cash"], "paper-cash"),
            _fund("Blocked for open orders", f["blocked"], "paper-blocked"),
            _fund("Available", f["available"], "paper-available"),
            _fund("Charges paid", f["charges"], "paper-charges"),
            columns=rx.breakpoints(initial="2", md="4"),
            gap="10px",
            width="100%",
        ),
        rx.text(
            "Started with ",
            f["opening"],
            ". Place orders with Trade on any page; see them on ",
            rx.link("Orders", href="/orders", underline="always"),
            ".",
            size="1",
            color="var(--gray-11)",
            margin_top="6px",
        ),
        width="100%",
        id="paper-funds",
    )


def paper_empty() -> rx.Component:
    return rx.callout(
        "No paper trades yet. Use Trade on the Watchlist, Analysis, Options or here to place "
        "a virtual order; its fill shows here with live P&L and charges.",
        icon="briefcase",
        id="paper-empty",
    )
