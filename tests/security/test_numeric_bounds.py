"""Every number the API accepts has a documented, finite range; anything outside is a 422.

`GET /api/v1/screener?mcap_min_cr=1e308` used to answer 500 (crores times 1e7 overflowed
to infinity). The structural test reads the published OpenAPI document: every numeric
query, path and body field must state a minimum and a maximum, so a new unbounded field
fails here before fuzzing has to find it. The live tests send extreme values to every
numeric query and path parameter the document lists, and to the numeric body fields.
"""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import new_user

EXTREMES = ["1e308", "-1e308", "1e300", "179769313486231570000000000000000000000000"]


def _spec() -> dict:
    from stockapp.api.app import create_api

    return create_api().openapi()


BOUND_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _numeric(schema: dict) -> dict | None:
    """The numeric schema of a field, with bounds given on an enclosing anyOf merged in."""
    outer = {k: schema[k] for k in BOUND_KEYS if k in schema}
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") in ("number", "integer"):
            return {**option, **outer}
    return None


def _fields(spec: dict, schema: dict, where: str, seen: set[str]) -> list[tuple[str, dict]]:
    """(location, numeric schema) for every number in `schema`, following $refs."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _fields(spec, spec["components"]["schemas"][name], where, {*seen, name})
    found = []
    if (num := _numeric(schema)) is not None:
        found.append((where, num))
    for key, sub in schema.get("properties", {}).items():
        found += _fields(spec, sub, f"{where}.{key}", seen)
    for sub in schema.get("anyOf", []) + schema.get("allOf", []):
        if _numeric(sub) is None:
            found += _fields(spec, sub, where, seen)
    if "items" in schema:
        found += _fields(spec, schema["items"], f"{where}[]", seen)
    return found


def _inputs(spec: dict) -> list[tuple[str, str, str, str, dict]]:
    """(method, path, location, name, schema) of every numeric input."""
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                if (num := _numeric(p.get("schema", {}))) is not None:
                    out.append((method, path, p["in"], p["name"], num))
            for content in op.get("requestBody", {}).get("content", {}).values():
                for where, num in _fields(spec, content.get("schema", {}), "body", set()):
                    out.append((method, path, "body", where, num))
    return out


def test_every_numeric_input_documents_a_finite_range():
    unbounded = [
        f"{m.upper()} {path} {loc}:{name}"
        for m, path, loc, name, num in _inputs(_spec())
        if "enum" not in num  # a closed set of numbers is bounded by its members
        and (
            not ({"minimum", "exclusiveMinimum"} & set(num))
            or not ({"maximum", "exclusiveMaximum"} & set(num))
        )
    ]
    assert unbounded == [], "numeric inputs without a documented range"


def _fill(path: str) -> str:
    return path.replace("{symbol}", "TCS").replace("{watchlist_id}", "1")


@pytest.fixture(scope="module")
def auth(sec_server) -> dict[str, str]:
    with httpx.Client(base_url=sec_server.url, timeout=15) as c:
        return new_user(c)[2]


def test_the_reported_overflow_is_a_422(api, auth):
    r = api.get("/api/v1/screener", params={"mcap_min_cr": "1e308"}, headers=auth)
    assert r.status_code == 422, r.text
    assert "mcap_min_cr" in r.text


def test_extreme_query_and_path_numbers_never_fail(api, auth):
    problems = []
    for method, path, loc, name, _num in _inputs(_spec()):
        if loc not in ("query", "path"):
            continue
        for value in EXTREMES:
            if loc == "query":
                url, params = _fill(path), {name: value}
            else:
                url, params = _fill(path.replace("{" + name + "}", value)), {}
            r = api.request(method.upper(), url, params=params, headers=auth)
            if r.status_code != 422:
                problems.append(f"{method.upper()} {url} {params}: {r.status_code}")
    assert problems == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/alerts", {"symbol": "TCS", "condition": "price_above", "value": 1e308}),
        ("/api/v1/alerts", {"symbol": "TCS", "condition": "price_above", "value": 2e9}),
        ("/api/v1/alerts", {"symbol": "TCS", "condition": "change_pct_above", "value": 1e6}),
        ("/api/v1/alerts", {"symbol": "TCS", "condition": "change_pct_below", "value": -101}),
        ("/api/v1/screens", {"name": "big", "criteria": {"market_cap_min": 1e308}}),
        ("/api/v1/screens", {"name": "big", "criteria": {"pe_max": -1e300}}),
        (
            "/api/v1/portfolio/trades",
            {
                "symbol": "TCS",
                "side": "buy",
                "quantity": 10**30,
                "price": 100,
                "traded_at": "2024-01-02",
            },
        ),
        (
            "/api/v1/portfolio/trades",
            {
                "symbol": "TCS",
                "side": "buy",
                "quantity": 1,
                "price": 1e308,
                "traded_at": "2024-01-02",
            },
        ),
    ],
)
def test_extreme_body_numbers_are_refused(api, auth, path, body):
    r = api.post(path, json=body, headers=auth)
    assert r.status_code == 422, r.text
