"""The trade form's text fields, built from ONE list of specs: the labels, element ids,
form names and input props the Portfolio page shows, and the state vars they bind.

A state that shows them keeps one str var per spec (`spec.var`) and one handler,
`set_trade_field(var, value)`, which accepts only the vars listed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx


@dataclass(frozen=True)
class FieldSpec:
    label: str
    name: str  # the form field's name, as trade_from_form reads it
    var: str  # the state var holding its text
    element_id: str
    props: dict[str, Any] = field(default_factory=dict)


TRADE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "Quantity", "quantity", "f_qty", "trade-qty", {"type": "number", "min": 1, "step": 1}
    ),
    FieldSpec(
        "Price (₹)",
        "price",
        "f_price",
        "trade-price",
        {"input_mode": "decimal", "placeholder": "live price when you pick a symbol"},
    ),
    FieldSpec(
        "Date and time (IST)", "traded_at", "f_when", "trade-when", {"type": "datetime-local"}
    ),
    FieldSpec(
        "Fees (₹)", "fees", "f_fees", "trade-fees", {"input_mode": "decimal", "placeholder": "0"}
    ),
    FieldSpec("Note", "note", "f_note", "trade-note", {"max_length": 500}),
)
TEXT_VARS = frozenset(spec.var for spec in TRADE_FIELDS)


def labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", weight="medium"), control, spacing="1", width="100%")


def _setter(state: Any, var: str) -> Any:
    return lambda value: state.set_trade_field(var, value)


def text_fields(state: Any, *, on_last_key_down: Any = None) -> list[rx.Component]:
    """One labelled input per spec; Enter in the last one may save (`on_last_key_down`)."""
    last = TRADE_FIELDS[-1]
    return [
        labelled(
            spec.label,
            rx.input(
                name=spec.name,
                value=getattr(state, spec.var),
                on_change=_setter(state, spec.var),
                id=spec.element_id,
                **spec.props,
                **({"on_key_down": on_last_key_down} if spec is last and on_last_key_down else {}),
            ),
        )
        for spec in TRADE_FIELDS
    ]
