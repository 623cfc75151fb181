"""Unknown paths: a 404 inside the app shell, so navigation and search are still there."""

from __future__ import annotations

import reflex as rx

from stockapp.components.layout import page_layout
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState


def page() -> rx.Component:
    return page_layout(
        "Page not found",
        rx.callout(
            "There is no page at this address. Use the menu, search for a symbol above, "
            "or go back to the dashboard.",
            icon="map-pin-off",
            id="not-found",
        ),
        rx.link(rx.button("Go to the dashboard", variant="soft"), href="/", margin_top="12px"),
    )


ON_LOAD = [AuthState.check_login, ShellState.load]
