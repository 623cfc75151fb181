"""records.carry / api.schemas.model_of: one schema per concept, copied across by field name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest
from pydantic import BaseModel, ValidationError

from stockapp.api.schemas import model_of
from stockapp.records import carry, field_names


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    symbol: str
    price: float
    status: str
    secret: str = "owner-only"


class RowOut(BaseModel):
    id: int
    symbol: str
    price: float


def test_carry_copies_same_named_fields_and_takes_overrides():
    row = Row(7, "TCS", 3500.5, "open")
    out = carry(RowOut, row, price=round(row.price))
    assert out == RowOut(id=7, symbol="TCS", price=3500)
    assert carry(Row, out, status="closed") == Row(7, "TCS", 3500, "closed")  # default kept


def test_carry_fails_loudly_when_a_required_field_has_no_source():
    with pytest.raises(TypeError):
        carry(Row, RowOut(id=1, symbol="X", price=1.0))  # no `status` anywhere


def test_model_of_mirrors_the_domain_type_and_narrows_where_asked():
    Out = model_of(
        Row,
        "Out",
        exclude=("secret",),
        types={"status": Literal["open", "closed"]},
        docs={"price": "INR"},
        extra_note=(str, "x"),
    )
    assert field_names(Out) == ("id", "symbol", "price", "status", "extra_note")
    assert Out.model_fields["price"].description == "INR"
    assert carry(Out, Row(1, "TCS", 1.0, "open")).extra_note == "x"
    with pytest.raises(ValidationError):
        carry(Out, Row(1, "TCS", 1.0, "pending"))
