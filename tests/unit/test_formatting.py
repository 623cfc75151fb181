"""Display rounding: half-way values round half-up, as Indian money is shown."""

from __future__ import annotations

from decimal import Decimal

from stockapp import formatting as fmt


def test_half_way_values_round_half_up() -> None:
    assert fmt.number(0.125) == "0.13"  # half-to-even (Babel's default) gives 0.12
    assert fmt.number(-0.125) == "-0.13"
    assert fmt.number(2.675) == "2.68"  # the float is 2.67499999...; it was written 2.675
    assert fmt.number(12.5, 0) == "13"
    assert fmt.number(1_234_567.125) == "12,34,567.13"
    assert fmt.inr(0.125) == "₹0.13"
    assert fmt.pct(0.125) == "+0.13%"
    assert fmt.price(100.125) == "₹100.13"
    assert fmt.number(Decimal("0.005")) == "0.01"


def test_fast_fixed_matches_number_below_a_lakh() -> None:
    for value in (0.125, -0.125, 2.675, 99_999.995, 0.0, -0.001, 1234.5):
        assert fmt.fixed(value).replace(",", "") == fmt.number(value).replace(",", "")
    assert fmt.fixed(-0.001) == "0.00"  # no negative zero
    assert fmt.fixed(float("inf")) == "inf"
