"""What a person sees when the browser loses its live connection to the server.

Reflex's own overlay shows developer text ("Cannot connect to server: websocket error…
ws://…/_event") in a toast; the app replaces that overlay (stockapp.py) with one calm
banner. While the connection is down every live dot turns grey and every price is marked
stale; both clear when the socket is back and the page has fresh data again.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_connection_errors

# True in the browser from the first failed (re)connect until the socket is connected again
connection_lost: rx.Var = has_connection_errors


def connection_banner() -> rx.Component:
    """The app-wide overlay: one banner while the connection is down, nothing otherwise."""
    return rx.cond(
        connection_lost,
        rx.box(
            rx.hstack(
                rx.icon("wifi-off", size=16),
                rx.text(
                    "Connection lost. Reconnecting… Prices are paused and marked stale "
                    "until it is back.",
                    size="2",
                ),
                align="center",
                spacing="2",
            ),
            id="connection-banner",
            role="status",
            aria_live="polite",
            class_name="connection-banner",
        ),
    )
