"""A bell button that opens a small "create price alert" dialog, for any page that lists
symbols (Watchlist rows, Analysis header). One shared state; each button's dialog opens
only for its own symbol, so a table of buttons never opens more than one."""

from __future__ import annotations

import reflex as rx

from stockapp.market.alerts import CONDITION_LABELS, CONDITIONS, InvalidRule
from stockapp.market.models import DEFAULT_MARKET, MARKETS
from stockapp.services import alerts
from stockapp.services.alerts import ltp_text
from stockapp.state import toasts
from stockapp.state.auth import current_user_id

CONDITION_ITEMS = [{"value": c, "label": CONDITION_LABELS[c]} for c in CONDITIONS]


class AlertFormMixin(rx.State, mixin=True):
    """The fields and handlers of an alert form, shared by the dialog and the Alerts page."""

    symbol: str = ""
    market: str = DEFAULT_MARKET
    condition: str = "price_above"
    value: str = ""
    repeat: bool = False
    error: str = ""

    @rx.event
    def set_condition(self, value: str):
        if value not in CONDITIONS:
            return
        if value.startswith("change_pct") and not self.condition.startswith("change_pct"):
            self.value = "2.0" if value.endswith("above") else "-2.0"
        elif value.startswith("price") and not self.condition.startswith("price"):
            self.value = ltp_text(self.symbol, self.market)
        self.condition = value

    @rx.event
    def set_value(self, value: str):
        self.value = value

    @rx.event
    def set_repeat(self, value: bool):
        self.repeat = bool(value)

    async def _create_alert(self) -> alerts.AlertData:
        """Store the form's alert for the logged-in user; it is evaluated at once.

        Raises InvalidRule (a ValueError) with a message fit for the form."""
        uid = await current_user_id(self)
        if uid is None:
            raise InvalidRule("Log in to create alerts")
        return await alerts.create(
            uid, self.symbol, self.market, self.condition, self.value, self.repeat
        )


class AlertDialogState(AlertFormMixin, rx.State):
    open: bool = False
    place: str = ""  # which of a symbol's buttons opened it (a phone card or a table row)

    @rx.event
    def open_for(self, symbol: str, market: str = DEFAULT_MARKET, place: str = ""):
        self.symbol, self.market = symbol, market if market in MARKETS else DEFAULT_MARKET
        self.place = place[:20]
        self.condition, self.repeat, self.error = "price_above", False, ""
        self.value = ltp_text(self.symbol, self.market)
        self.open = True

    @rx.event
    def set_open(self, value: bool):
        self.open = bool(value)

    @rx.event
    async def save(self):
        try:
            data = await self._create_alert()
        except ValueError as exc:
            self.error = str(exc)
            return
        self.error, self.open = "", False
        label = CONDITION_LABELS.get(data.condition, data.condition)
        await toasts.confirm(self, f"Alert created: {data.symbol}", f"{label} · alert #{data.id}")


def alert_form_fields(state=AlertDialogState) -> rx.Component:
    return rx.vstack(
        rx.select.root(
            rx.select.trigger(width="100%", aria_label="Condition"),
            rx.select.content(
                *[rx.select.item(i["label"], value=i["value"]) for i in CONDITION_ITEMS]
            ),
            value=state.condition,
            on_change=state.set_condition,
        ),
        rx.input(
            value=state.value,
            on_change=state.set_value,
            placeholder="Price (₹) or change %",
            input_mode="decimal",
            aria_label="Alert value: price in rupees or change in percent",
            disabled=state.condition.contains("week52"),
            width="100%",
        ),
        rx.hstack(
            rx.checkbox(checked=state.repeat, on_change=state.set_repeat, aria_label="Repeat"),
            rx.text("Repeat (re-arms once the condition stops holding)", size="2"),
            align="center",
        ),
        spacing="3",
        width="100%",
    )


def alert_button(
    symbol: str | rx.Var, market: str | rx.Var = DEFAULT_MARKET, place: str = ""
) -> rx.Component:
    """`place` tells apart two buttons of one symbol on a page (a table row and the same
    row's phone card), so only the dialog of the one pressed opens."""
    S = AlertDialogState
    return rx.dialog.root(
        rx.icon_button(
            rx.icon("bell-plus", size=14),
            size="1",
            variant="ghost",
            on_click=S.open_for(symbol, market, place),
            aria_label="Create an alert",
            title="Create a price alert",
        ),
        rx.dialog.content(
            rx.dialog.title("Price alert · ", S.symbol),
            rx.dialog.description(
                "Fires once (or every time, with repeat) while you are away; "
                "you get a notification in every open tab.",
                size="2",
            ),
            rx.box(alert_form_fields(), padding_y="12px"),
            rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Create alert", on_click=S.save),
                justify="end",
                spacing="2",
            ),
            max_width="420px",
        ),
        open=S.open & (S.symbol == symbol) & (S.place == place),
        on_open_change=S.set_open,
    )
