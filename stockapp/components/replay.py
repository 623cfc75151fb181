"""The shell's market-replay control: a "Replay" button that starts one, and while it runs
a bar under the header with its clock, pause/resume, speed, seek and stop."""

from __future__ import annotations

import reflex as rx

from stockapp.state.auth import AuthState
from stockapp.state.replay import SPEED_CHOICES, ReplayState


def _speed_select(**props) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Replay speed", **props.pop("trigger", {})),
        rx.select.content(*[rx.select.item(f"×{s}", value=s) for s in SPEED_CHOICES]),
        **{"size": "1", **props},
    )


def _error() -> rx.Component:
    return rx.cond(
        ReplayState.error != "",
        rx.text(
            ReplayState.error, size="1", color="var(--red-11)", id="replay-error", role="alert"
        ),
    )


def _start_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Replay a past session", weight="bold", size="2"),
            rx.text(
                "Every page shows that day's prices, for you only.", size="1", color_scheme="gray"
            ),
            rx.text("Session", size="1", weight="medium"),
            rx.cond(
                ReplayState.days.length() > 0,
                rx.select.root(
                    rx.select.trigger(id="replay-day", aria_label="Session", width="100%"),
                    rx.select.content(
                        rx.foreach(ReplayState.days, lambda d: rx.select.item(d, value=d))
                    ),
                    name="day",
                    default_value=ReplayState.days[0],
                    size="2",
                ),
                rx.text("Loading sessions…", size="1"),
            ),
            rx.text("Speed", size="1", weight="medium"),
            _speed_select(
                name="speed",
                default_value="10",
                size="2",
                trigger={"id": "replay-start-speed", "width": "100%"},
            ),
            _error(),
            rx.button(
                "Start replay", type="submit", size="2", id="replay-start-submit", width="100%"
            ),
            spacing="2",
            width="220px",
        ),
        on_submit=ReplayState.start,
    )


def replay_start() -> rx.Component:
    """The header's Replay button (logged-in users without a running replay)."""
    return rx.cond(
        AuthState.logged_in & ~ReplayState.active,
        rx.popover.root(
            rx.popover.trigger(
                rx.button(
                    rx.icon("history", size=16),
                    rx.text("Replay", class_name="hide-mobile"),
                    size="1",
                    variant="soft",
                    aria_label="Replay a past session",
                    id="replay-start",
                )
            ),
            rx.popover.content(_start_form(), side="bottom", align="end"),
            on_open_change=ReplayState.load_days,
        ),
    )


def _controls() -> rx.Component:
    """Pause/resume, speed, a time to go to (the form's submit) and stop, in one row that
    wraps on a phone. Only Go submits: the other buttons are plain buttons."""
    paused = ReplayState.status == "paused"
    return rx.form(
        rx.hstack(
            rx.icon_button(
                rx.cond(paused, rx.icon("play", size=16), rx.icon("pause", size=16)),
                type="button",
                size="1",
                variant="soft",
                aria_label=rx.cond(paused, "Resume replay", "Pause replay"),
                on_click=ReplayState.toggle_pause,
                id="replay-pause",
            ),
            _speed_select(
                value=ReplayState.speed,
                on_change=ReplayState.set_speed,
                trigger={"id": "replay-speed"},
            ),
            rx.input(
                type="time",
                name="time",
                default_value=ReplayState.shown_time,
                key=ReplayState.shown_time,
                min=ReplayState.session_start,
                max=ReplayState.session_end,
                size="1",
                aria_label="Go to time (IST)",
                id="replay-seek-time",
            ),
            rx.button("Go", type="submit", size="1", variant="soft", id="replay-seek"),
            rx.button(
                rx.icon("square", size=14),
                "Stop",
                type="button",
                size="1",
                variant="soft",
                color_scheme="red",
                aria_label="Stop replay",
                on_click=ReplayState.stop,
                id="replay-stop",
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        on_submit=ReplayState.seek,
    )


def replay_bar() -> rx.Component:
    """The running replay: its clock (ticking with the replay) and its controls."""
    return rx.cond(
        AuthState.logged_in & ReplayState.active,
        rx.hstack(
            rx.hstack(
                rx.icon("history", size=16, aria_hidden="true"),
                rx.text(ReplayState.label, size="2", weight="bold", id="replay-clock"),
                align="center",
                spacing="2",
            ),
            _controls(),
            _error(),
            class_name="replay-bar",
            role="region",
            aria_label="Market replay",
            id="replay-bar",
            align="center",
            justify="between",
            wrap="wrap",
            spacing="2",
            width="100%",
            padding="6px 12px",
        ),
    )
