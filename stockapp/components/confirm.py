"""Deleting from a table: the row's bin button, and a "Delete …?" confirmation dialog."""

from __future__ import annotations

from typing import Any

import reflex as rx


def confirm_delete(
    title: str,
    description: Any,
    on_confirm: Any,
    *,
    trigger: rx.Component | None = None,
    on_cancel: Any = None,
    confirm_id: str = "",
    **root_props: Any,
) -> rx.Component:
    """Opened by `trigger`, or by the `open` root prop; Delete runs `on_confirm`."""
    cancel = rx.button("Cancel", variant="soft", **({"on_click": on_cancel} if on_cancel else {}))
    delete = rx.button(
        "Delete",
        color_scheme="red",
        on_click=on_confirm,
        **({"id": confirm_id} if confirm_id else {}),
    )
    return rx.alert_dialog.root(
        *([rx.alert_dialog.trigger(trigger)] if trigger is not None else []),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.cancel(cancel),
                rx.alert_dialog.action(delete),
                justify="end",
                margin_top="12px",
            ),
        ),
        **root_props,
    )


def delete_button(on_click: Any, aria_label: Any, **props: Any) -> rx.Component:
    """A row's red bin icon; `aria_label` names what it deletes."""
    return rx.icon_button(
        rx.icon("trash-2", size=14),
        size="1",
        variant="ghost",
        color_scheme="red",
        on_click=on_click,
        aria_label=aria_label,
        **props,
    )
