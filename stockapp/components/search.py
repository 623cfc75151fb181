"""The instrument combobox: one text box with a list of matches, used wherever a person
names an instrument (global search, watchlist add, trade form, alerts, peers, options).

ARIA combobox pattern: the input has role=combobox and points at the highlighted option
with aria-activedescendant; the list is role=listbox of role=option rows. The keyboard
is handled by the page state's ComboboxMixin (state/combobox.py): ↑/↓ move the highlight,
Enter picks it, Esc closes the list.

Enter never submits an enclosing form: the input is detached from any form (its `form`
attribute names no form, so the browser's implicit submission does not apply to it).
"""

from __future__ import annotations

import reflex as rx

NO_FORM = "instrument-combobox-no-form"
TYPING_DEBOUNCE_MS = 150


def instrument_combobox(
    state: type[rx.State],
    *,
    input_id: str,
    placeholder: str,
    aria_label: str = "",
    icon: str = "",
    max_width: str = "",
    top: str = "40px",
    result_class: str = "",
    results_id: str = "",
) -> rx.Component:
    """`state` mixes in ComboboxMixin; ids must be unique on the page."""
    listbox_id = results_id or f"{input_id}-listbox"
    options = state.combo_options  # type: ignore[attr-defined]
    active = state.combo_active  # type: ignore[attr-defined]
    slot = [rx.input.slot(rx.icon(icon, size=16))] if icon else []
    is_open = options.length() > 0

    def option(row: rx.Var, index: rx.Var) -> rx.Component:
        selected = active == index
        return rx.box(
            rx.text(row["symbol"], weight="bold", size="2", as_="span"),
            rx.text(" ", row["exch"], row["name"], size="1", as_="span"),
            id=f"{input_id}-opt-" + index.to_string(),
            role="option",
            aria_selected=rx.cond(selected, "true", "false"),
            on_mouse_down=state.combo_pick(index),  # type: ignore[attr-defined]
            class_name=rx.cond(
                selected,
                f"combo-option combo-active {result_class}",
                f"combo-option {result_class}",
            ),
            padding="6px",
            cursor="pointer",
        )

    text_box = rx.input(
        *slot,
        placeholder=placeholder,
        value=state.combo_query,  # type: ignore[attr-defined]
        on_change=state.combo_type,  # type: ignore[attr-defined]
        on_key_down=state.combo_key,  # type: ignore[attr-defined]
        on_blur=state.combo_close,  # type: ignore[attr-defined]
        id=input_id,
        aria_label=aria_label or placeholder,
        auto_complete="off",
        width="100%",
        custom_attrs={
            "role": "combobox",
            "form": NO_FORM,
            "aria-autocomplete": "list",
            "aria-controls": listbox_id,
            "aria-expanded": rx.cond(is_open, "true", "false"),
            "aria-activedescendant": rx.cond(
                is_open & (active >= 0), f"{input_id}-opt-" + active.to_string(), ""
            ),
        },
    )
    # The input's own debounce (not an event-level one): Enter and blur flush the pending
    # text first, so "larsen" + Enter typed fast acts on "larsen", never on a stale query.
    text_box.debounce_timeout = rx.Var.create(TYPING_DEBOUNCE_MS)
    return rx.box(
        text_box,
        rx.cond(
            is_open,
            rx.card(
                rx.foreach(options, option),
                role="listbox",
                id=listbox_id,
                class_name="combo-listbox",
                aria_label=aria_label or placeholder,
                position="absolute",
                top=top,
                width="100%",
                z_index="50",
                padding="4px",
            ),
        ),
        position="relative",
        width="100%",
        **({"max_width": max_width} if max_width else {}),
    )
