"""GET /recommendations: every NSE equity rated, well-formed and sorted by score."""

from __future__ import annotations

from stockapp.market.signals import verdict_for
from stockapp.runtime import runtime


def test_recommendations_cover_the_market_sorted_by_score(client):
    r = client.get("/api/v1/recommendations", params={"limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["market"] == "india_nse"
    assert "not investment advice" in body["disclaimer"]
    recs = body["recommendations"]
    assert body["count"] == len(recs) == len(runtime.universe.equities("india_nse"))
    assert len({x["symbol"] for x in recs}) == len(recs)
    scores = [x["score"] for x in recs]
    assert scores == sorted(scores, reverse=True)
    for x in recs:
        assert x["verdict"] in {"Buy", "Hold", "Sell"}
        assert -100 <= x["score"] <= 100
        assert x["verdict"] == verdict_for(x["score"])
        assert x["reasons"] and all(isinstance(t, str) and t.strip() for t in x["reasons"])
        assert x["price"] > 0 and x["name"] and x["sector"]
        assert x["low_52w"] <= x["price"] <= x["high_52w"]
        assert x["market_cap"] is None or x["market_cap"] > 0
        if x["rsi14"] is not None:
            assert 0 <= x["rsi14"] <= 100


def test_limit_verdict_filter_and_market(client):
    top = client.get("/api/v1/recommendations", params={"limit": 5}).json()["recommendations"]
    assert len(top) == 5
    for verdict in ("Buy", "Hold", "Sell"):
        r = client.get("/api/v1/recommendations", params={"verdict": verdict, "limit": 500})
        assert r.status_code == 200
        assert all(x["verdict"] == verdict for x in r.json()["recommendations"])
    bse = client.get("/api/v1/recommendations", params={"market": "india_bse", "limit": 3})
    assert bse.status_code == 200
    assert [x["market"] for x in bse.json()["recommendations"]] == ["india_bse"] * 3


def test_bad_parameters_answer_422(client):
    assert client.get("/api/v1/recommendations", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/recommendations", params={"verdict": "Maybe"}).status_code == 422
    assert client.get("/api/v1/recommendations", params={"market": "nasdaq"}).status_code == 422
