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

from dataclasses import asdict, dataclass

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


@dataclass(frozen=True)
class Picker:
    """Where a page asks for an instrument: the combobox's ids and wording."""

    input_id: str
    placeholder: str
    aria_label: str = ""
    icon: str = ""
    max_width: str = ""
    result_class: str = ""
    results_id: str = ""


PICKERS: dict[str, Picker] = {
    "search": Picker(
        "global-search",
        "Search symbol or company  ( / )",
        "Search instruments",
        icon="search",
        max_width="420px",
        result_class="search-result",
        results_id="search-results",
    ),
    "trade": Picker(
        "trade-symbol",
        "RELIANCE or a company name",
        "Symbol",
        result_class="trade-suggestion",
        results_id="trade-suggestions",
    ),
    "alert": Picker("alert-symbol", "Symbol or company", result_class="alert-symbol-result"),
    "watchlist": Picker(
        "watchlist-add",
        "Add a symbol: type RELIANCE or a company name, Enter to add",
        max_width="480px",
    ),
    "peers": Picker(
        "peer-add",
        "Add a stock to compare (symbol or name), Enter to add",
        "Add a stock to compare",
        icon="plus",
        max_width="420px",
        result_class="peer-result",
        results_id="peer-add-results",
    ),
    "pick": Picker(
        "symbol-pick", "Symbol or company name, Enter to open", icon="search", max_width="480px"
    ),
    "options": Picker(
        "options-underlying",
        "F&O underlying: NIFTY, RELIANCE…",
        "Options underlying",
        icon="search",
        max_width="320px",
    ),
}


def instrument_picker(state: type[rx.State], where: str) -> rx.Component:
    """The instrument combobox as configured for `where` (a key of PICKERS)."""
    return instrument_combobox(state, **asdict(PICKERS[where]))
