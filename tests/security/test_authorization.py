"""Per-user isolation over every route of the OpenAPI document.

The routes are read from /api/v1/openapi.json, so routes added later are covered by the
same rules: every operation that declares security answers 401 without a token; every
operation with an object-id path parameter (`{..._id}`) answers 404 to another user, and
the owner's object is untouched afterwards. Path parameters that are not object ids
(`{symbol}` of public market routes) are not ids and are skipped by rule.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.security.conftest import new_user

PREFIX = "/api/v1"


def _paper_order(api: httpx.Client) -> dict[str, Any]:
    """A paper limit buy 5 % under the market: it stays open for the whole test."""
    r = api.get(f"{PREFIX}/quotes", params={"symbols": "INFY"})
    price = r.json()["quotes"][0]["current_price"] * 0.95
    tick = 0.10 if price >= 1000 else 0.05 if price >= 250 else 0.01
    limit = f"{round(round(price / tick) * tick, 2):.2f}"
    return {"symbol": "INFY", "side": "buy", "quantity": 1, "order_type": "limit", "price": limit}


def _replay(api: httpx.Client) -> dict[str, Any]:
    """A replay of the newest finished session at 1x."""
    r = api.get(f"{PREFIX}/stocks/RELIANCE/history", params={"interval": "1d", "range": "1mo"})
    day = r.json()["bars"][-2]["t"][:10]
    return {"date": day, "speed": 1, "time": "10:00"}


# How to create one object for each kind of id: (collection path, body or body maker)
CREATORS: dict[str, tuple[str, Any]] = {
    "watchlist_id": ("/watchlists", {"name": "secret-list-{tag}"}),
    "trade_id": (
        "/portfolio/trades",
        {
            "symbol": "RELIANCE",
            "market": "india_nse",
            "side": "buy",
            "quantity": 3,
            "price": 1234.5,
            "traded_at": "2024-01-15T05:00:00Z",
            "note": "secret-trade-{tag}",
        },
    ),
    "alert_id": (
        "/alerts",
        {"symbol": "TCS", "market": "india_nse", "condition": "price_above", "value": 1e7},
    ),
    "screen_id": ("/screens", {"name": "secret-screen-{tag}", "criteria": {"rsi_max": 30}}),
    "order_id": ("/paper/orders", _paper_order),
    "replay_id": ("/replay", _replay),
}
NOT_IDS = {"symbol"}  # path params that name public things
# valid values for string fields and query parameters that have a format of their own
SAMPLES = {"symbol": "RELIANCE", "symbols": "RELIANCE", "market": "india_nse", "time": "10:00"}


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def path_params(op: dict) -> list[str]:
    return [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]


def sample_for(schema: dict, spec: dict, name: str = "") -> Any:
    """A plausible valid value for a JSON schema (required properties only)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        return sample_for(schema["anyOf"][0], spec, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: sample_for(props[k], spec, k) for k in schema.get("required", [])}
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if schema.get("format") == "date-time":
        return (datetime.now(UTC) - timedelta(days=30)).isoformat()
    return SAMPLES.get(name, f"x-{name}")


def body_for(op: dict, spec: dict, id_name: str | None) -> dict | None:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = content["application/json"]["schema"]
    creator_path = CREATORS.get(id_name or "", (None, None))[0]
    if creator_path is not None:
        post = spec["paths"].get(PREFIX + creator_path, {}).get("post", {})
        creator_schema = post.get("requestBody", {}).get("content", {}).get("application/json")
        body = CREATORS[id_name][1]
        if creator_schema and creator_schema["schema"] == schema and not callable(body):
            return _render(body, "b")
    return sample_for(schema, spec)


def _render(body: dict[str, Any], tag: str) -> dict[str, Any]:
    return {k: v.format(tag=tag) if isinstance(v, str) else v for k, v in body.items()}


@pytest.fixture(scope="module")
def spec(sec_server) -> dict:
    return httpx.get(f"{sec_server.url}{PREFIX}/openapi.json", timeout=10).json()


def test_spec_lists_the_per_user_routes(spec):
    secured = {path for _, path, op in operations(spec) if op.get("security")}
    assert f"{PREFIX}/watchlists/{{watchlist_id}}" in secured
    assert f"{PREFIX}/auth/me" in secured


def test_object_id_routes_all_require_auth(spec):
    """A route that takes an object id but no token could only leak or break isolation."""
    unguarded = [
        (m, p)
        for m, p, op in operations(spec)
        if any(n.endswith("_id") for n in path_params(op)) and not op.get("security")
    ]
    assert unguarded == []


def test_every_secured_route_answers_401_without_or_with_a_bad_token(api, spec):
    failures = []
    for method, path, op in operations(spec):
        if not op.get("security"):
            continue
        url = path.format(**{n: "1" if n.endswith("_id") else "RELIANCE" for n in path_params(op)})
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            r = api.request(method, url, headers=headers, json=body_for(op, spec, None))
            if r.status_code != 401:
                failures.append((method, path, bool(headers), r.status_code))
    assert failures == []


def test_another_users_objects_answer_404_on_every_id_route(api, spec):
    tag = uuid.uuid4().hex[:8]
    _, _, owner = new_user(api)
    _, _, other = new_user(api)
    ids: dict[str, int] = {}
    for id_name, (collection, body) in CREATORS.items():
        if PREFIX + collection not in spec["paths"]:
            continue  # that feature is not installed
        made = body(api) if callable(body) else _render(body, tag)
        r = api.post(PREFIX + collection, json=made, headers=owner)
        assert r.status_code in (200, 201), (collection, r.text)
        ids[id_name] = r.json()["id"]
    assert "watchlist_id" in ids
    wl = ids["watchlist_id"]
    r = api.post(f"{PREFIX}/watchlists/{wl}/items", json={"symbol": "RELIANCE"}, headers=owner)
    assert r.status_code in (200, 201), r.text
    before = {k: _owner_view(api, spec, k, v, owner) for k, v in ids.items()}

    id_routes = [
        (m, p, op)
        for m, p, op in operations(spec)
        if any(n.endswith("_id") for n in path_params(op))
    ]
    unknown = {n for _, _, op in id_routes for n in path_params(op) if n.endswith("_id")} - set(
        CREATORS
    )
    assert not unknown, f"add a creator for these object ids to CREATORS: {unknown}"
    leaks, checked = [], 0
    for method, path, op in id_routes:
        names = path_params(op)
        id_name = next(n for n in names if n.endswith("_id"))
        if id_name not in ids:
            continue
        # non-id params name something the owner's object holds (RELIANCE is in the list)
        url = path.format(**{n: "RELIANCE" if n in NOT_IDS else ids.get(n, 1) for n in names})
        query = {
            p["name"]: sample_for(p["schema"], spec, p["name"])
            for p in op.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        r = api.request(method, url, params=query, headers=other, json=body_for(op, spec, id_name))
        checked += 1
        if r.status_code != 404 or tag in r.text:
            leaks.append((method, path, r.status_code, r.text[:120]))
    assert leaks == [], leaks
    assert checked >= 6  # the watchlist routes alone
    after = {k: _owner_view(api, spec, k, v, owner) for k, v in ids.items()}
    assert after == before, "another user's requests changed the owner's objects"


def _owner_view(api: httpx.Client, spec: dict, id_name: str, obj_id: int, owner: dict) -> Any:
    """The owner's view of an object: its GET route if there is one, else the collection."""
    collection = PREFIX + CREATORS[id_name][0]
    item_path = next(
        (p for p in spec["paths"] if p.startswith(collection + "/{") and p.count("{") == 1), None
    )
    if item_path and "get" in spec["paths"][item_path]:
        r = api.get(item_path.format(**{id_name: obj_id}), headers=owner)
        assert r.status_code == 200, (item_path, r.text)
        body = r.json()
    else:
        r = api.get(collection, headers=owner)
        assert r.status_code == 200, r.text
        body = next(o for o in r.json() if o["id"] == obj_id)
    return _without_live_fields(body)


LIVE = {
    "quote",
    "quotes",
    "current_price",
    "change",
    "change_percent",
    "volume",
    "timestamp",
    "stale",
    "high",
    "low",
    "open",
    "market_value",
    "unrealized_pnl",
    "day_pnl",
    "results",
    "last_price",
    "updated_at",
    "rows",
    "replay_time",  # a running replay's clock moves on its own
    "replay_time_ist",
    "label",
}


def _without_live_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_live_fields(v) for k, v in value.items() if k not in LIVE}
    if isinstance(value, list):
        return [_without_live_fields(v) for v in value]
    return value
