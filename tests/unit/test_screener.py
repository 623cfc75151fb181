from __future__ import annotations

import json
from typing import Any

import pytest

from stockapp.market.screening.criteria import (
    ScreenCriteria,
    ScreenRow,
    apply_screen,
    criteria_from_dict,
    criteria_to_dict,
    screen_rows,
)

ROWS = [
    ScreenRow(
        symbol="TCS",
        name="Tata Consultancy Services",
        sector="IT",
        price=3900.0,
        change_percent=1.2,
        volume=2_000_000,
        avg_volume_20d=1_000_000,
        volume_ratio=2.0,
        rsi14=62.0,
        pct_from_52w_high=2.0,
        pct_from_52w_low=40.0,
        market_cap=14e12,
        pe=30.0,
    ),
    ScreenRow(
        symbol="INFY",
        name="Infosys",
        sector="IT",
        price=1500.0,
        change_percent=-0.8,
        volume=5_000_000,
        avg_volume_20d=5_000_000,
        volume_ratio=1.0,
        rsi14=45.0,
        pct_from_52w_high=12.0,
        pct_from_52w_low=15.0,
        market_cap=6e12,
        pe=24.0,
    ),
    ScreenRow(
        symbol="HDFCBANK",
        name="HDFC Bank",
        sector="Banking",
        price=1650.0,
        change_percent=0.3,
        volume=9_000_000,
        avg_volume_20d=6_000_000,
        volume_ratio=1.5,
        rsi14=28.0,
        pct_from_52w_high=8.0,
        pct_from_52w_low=3.0,
        market_cap=12e12,
        pe=18.0,
    ),
    ScreenRow(
        symbol="IDEA",
        name="Vodafone Idea",
        sector="Telecom",
        price=14.0,
        change_percent=-4.5,
        volume=300_000_000,
        avg_volume_20d=100_000_000,
        volume_ratio=3.0,
        rsi14=None,
        pct_from_52w_high=40.0,
        pct_from_52w_low=4.0,
        market_cap=7e11,
        pe=None,
    ),
]


def symbols(rows: list[Any]) -> list[str]:
    return [row["symbol"] if isinstance(row, dict) else row.symbol for row in rows]


def screen(**criteria: Any) -> list[str]:
    return symbols(apply_screen(ROWS, ScreenCriteria(**criteria)))


def test_empty_criteria_keeps_everything_in_order() -> None:
    assert screen() == ["TCS", "INFY", "HDFCBANK", "IDEA"]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"sectors": {"IT"}}, ["TCS", "INFY"]),
        ({"sectors": {"banking", "TELECOM"}}, ["HDFCBANK", "IDEA"]),
        ({"price_min": 1500}, ["TCS", "INFY", "HDFCBANK"]),
        ({"price_max": 1600}, ["INFY", "IDEA"]),
        ({"price_min": 1000, "price_max": 2000}, ["INFY", "HDFCBANK"]),
        ({"change_percent_min": 0}, ["TCS", "HDFCBANK"]),
        ({"change_percent_max": -1}, ["IDEA"]),
        ({"volume_ratio_min": 2}, ["TCS", "IDEA"]),
        ({"rsi_max": 30}, ["HDFCBANK"]),
        ({"rsi_min": 40, "rsi_max": 70}, ["TCS", "INFY"]),
        ({"pct_from_high_max": 5}, ["TCS"]),
        ({"pct_from_low_max": 5}, ["HDFCBANK", "IDEA"]),
        ({"market_cap_min": 1e13}, ["TCS", "HDFCBANK"]),
        ({"market_cap_max": 1e12}, ["IDEA"]),
        ({"pe_min": 20}, ["TCS", "INFY"]),
        ({"pe_max": 20}, ["HDFCBANK"]),
    ],
)
def test_each_filter_narrows(criteria: dict[str, Any], expected: list[str]) -> None:
    assert screen(**criteria) == expected


def test_filters_combine_and_missing_values_fail() -> None:
    assert screen(sectors={"IT"}, volume_ratio_min=1.5) == ["TCS"]
    assert "IDEA" not in screen(rsi_min=0)
    assert "IDEA" not in screen(pe_max=1000)


def test_distance_filters_accept_signed_values() -> None:
    rows = [
        ScreenRow(symbol="A", pct_from_52w_high=-3.0),
        ScreenRow(symbol="B", pct_from_52w_high=-9.0),
    ]
    assert symbols(apply_screen(rows, ScreenCriteria(pct_from_high_max=5))) == ["A"]


def test_sorting_and_limit() -> None:
    assert screen(sort_by="price") == ["IDEA", "INFY", "HDFCBANK", "TCS"]
    assert screen(sort_by="price", descending=True) == ["TCS", "HDFCBANK", "INFY", "IDEA"]
    assert screen(sort_by="rsi14") == ["HDFCBANK", "INFY", "TCS", "IDEA"]
    assert screen(sort_by="rsi14", descending=True) == ["TCS", "INFY", "HDFCBANK", "IDEA"]
    assert screen(sort_by="name") == ["HDFCBANK", "INFY", "TCS", "IDEA"]
    assert screen(sort_by="volume_ratio", descending=True, limit=2) == ["IDEA", "TCS"]
    assert screen(limit=1) == ["TCS"]


def test_dict_rows_are_returned_as_given() -> None:
    rows = [
        {"symbol": "A", "sector": "IT", "price": 10.0},
        {"symbol": "B", "sector": "Auto", "price": 20.0},
        {"symbol": "C", "sector": "IT"},
    ]
    result = apply_screen(rows, ScreenCriteria(sectors=frozenset({"IT"}), sort_by="price"))
    assert result == [rows[0], rows[2]]
    assert result[0] is rows[0]
    assert apply_screen(rows, ScreenCriteria(price_min=15)) == [rows[1]]
    typed = screen_rows([{**rows[0], "extra": 1}])
    assert typed == [ScreenRow(symbol="A", sector="IT", price=10.0)]


def test_dict_round_trip_through_json() -> None:
    criteria = ScreenCriteria(
        sectors=frozenset({"IT", "Banking"}),
        price_min=100,
        rsi_max=30.5,
        pct_from_high_max=5,
        market_cap_min=1e12,
        sort_by="change_percent",
        descending=True,
        limit=25,
    )
    data = criteria_to_dict(criteria)
    assert data == {
        "sectors": ["Banking", "IT"],
        "price_min": 100,
        "rsi_max": 30.5,
        "pct_from_high_max": 5,
        "market_cap_min": 1e12,
        "sort_by": "change_percent",
        "descending": True,
        "limit": 25,
    }
    restored = criteria_from_dict(json.loads(json.dumps(data)))
    assert restored == criteria
    assert ScreenCriteria.from_dict(criteria.to_dict()) == criteria
    assert criteria_to_dict(ScreenCriteria()) == {"descending": False}


def test_a_screen_saved_under_the_old_field_name_still_sorts() -> None:
    saved = criteria_from_dict({"sort_by": "change_pct", "descending": True})
    assert saved.sort_by == "change_percent"
    assert [r.symbol for r in apply_screen(ROWS, saved)] == ["TCS", "HDFCBANK", "INFY", "IDEA"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"price_minimum": 5}, "unknown screen criteria: price_minimum"),
        ({"price_min": "100"}, "price_min must be a number"),
        ({"rsi_max": True}, "rsi_max must be a number"),
        ({"pe_min": float("nan")}, "pe_min must be a number"),
        ({"sectors": "IT"}, "sectors must be a list"),
        ({"sectors": ["IT", 3]}, "sectors must be a collection"),
        ({"sort_by": "colour"}, "cannot sort by 'colour'"),
        ({"sort_by": 3}, "sort_by must be a field name"),
        ({"descending": "yes"}, "descending must be true or false"),
        ({"limit": 0}, "limit must be a positive whole number"),
        ({"limit": 2.5}, "limit must be a positive whole number"),
        ({"price_min": 200, "price_max": 100}, "price_min (200) is greater than price_max (100)"),
    ],
)
def test_invalid_dicts_rejected(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        criteria_from_dict(data)
    assert fragment in str(info.value)


def test_non_mapping_rejected() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        criteria_from_dict(["price_min"])  # type: ignore[arg-type]


def test_saved_criteria_under_the_earlier_change_names_still_load() -> None:
    old = criteria_from_dict({"change_pct_min": -1, "change_pct_max": 5})
    assert (old.change_percent_min, old.change_percent_max) == (-1, 5)
    assert criteria_to_dict(old) == {
        "change_percent_min": -1,
        "change_percent_max": 5,
        "descending": False,
    }
    with pytest.raises(ValueError, match="change_percent_min"):
        criteria_from_dict({"change_pct_min": 9, "change_pct_max": 1})
