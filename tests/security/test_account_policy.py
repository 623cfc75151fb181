"""Account and input policy: weak passwords, usernames that differ only in case, invisible
characters in names, trades dated before 1990, and JWT times that are not numbers."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from jose import jwt

from tests.security.conftest import PASSWORD, new_user

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
TRICKY_NAMES = [
    "invoice\u202etxt.exe",  # right-to-left override
    "a\u2066b\u2069",  # isolates
    "bell\x07",
    "nul\x00byte",
    "esc\x1b[31mred",
    "zero\u200bwidth",
    "line\u2028sep",
]


def _name() -> str:
    return f"Pol_{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", "iloveyou", "qwertyuiop", "PASSWORD123", " sunshine ", " " * 12],
)
def test_weak_passwords_are_refused(api, password):
    r = api.post(REGISTER, json={"username": _name(), "password": password})
    assert r.status_code == 422, r.text
    assert "common" in r.text or "spaces" in r.text


def test_usernames_are_one_account_whatever_their_case(api):
    name = _name()
    first = api.post(REGISTER, json={"username": name, "password": PASSWORD})
    assert first.status_code == 201, first.text
    again = api.post(REGISTER, json={"username": name.lower(), "password": PASSWORD})
    assert again.status_code == 409, again.text
    ids = set()
    for variant in (name, name.lower(), name.upper()):
        r = api.post(TOKEN, data={"username": variant, "password": PASSWORD})
        assert r.status_code == 200, (variant, r.text)
        me = api.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
        )
        assert me.json()["username"] == name
        ids.add(me.json()["id"])
    assert ids == {first.json()["id"]}


def test_failed_logins_count_for_the_account_in_any_case(api):
    name = _name()
    assert api.post(REGISTER, json={"username": name, "password": PASSWORD}).status_code == 201
    variants = [name.lower(), name.upper(), name, name.swapcase(), name.lower()]
    codes = [
        api.post(TOKEN, data={"username": v, "password": "wrong-pass-x"}).status_code
        for v in variants
    ]
    assert codes == [401] * 5
    r = api.post(TOKEN, data={"username": name, "password": PASSWORD})
    assert r.status_code == 429, "five failures in mixed case lock the one account"


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_control_and_bidi_characters_are_refused_in_names(api, name):
    _, _, headers = new_user(api)
    r = api.post("/api/v1/watchlists", json={"name": name}, headers=headers)
    assert r.status_code == 422, r.text
    wl = api.get("/api/v1/watchlists", headers=headers).json()[0]
    r = api.patch(f"/api/v1/watchlists/{wl['id']}", json={"name": name}, headers=headers)
    assert r.status_code == 422, r.text
    r = api.post("/api/v1/screens", json={"name": name, "criteria": {}}, headers=headers)
    assert r.status_code == 422, r.text
    url = "https://93.184.216.34/" + name
    r = api.put("/api/v1/alerts/webhook", json={"webhook_url": url}, headers=headers)
    assert r.status_code == 422, r.text
    assert api.get("/api/v1/screens", headers=headers).json() == []
    assert [w["name"] for w in api.get("/api/v1/watchlists", headers=headers).json()] == [
        wl["name"]
    ]


def test_indic_joiners_and_ordinary_spaces_are_kept(api):
    _, _, headers = new_user(api)
    r = api.post("/api/v1/watchlists", json={"name": "  मेरी\u200d  सूची\t2 "}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "मेरी\u200d सूची 2"


async def test_reflex_handlers_refuse_tricky_names(migrated_db):
    from reflex.state import State
    from reflex_base.registry import RegistrationContext

    from stockapp.auth.accounts import register_user
    from stockapp.auth.tokens import create_access_token
    from stockapp.db import screens as saved
    from stockapp.db import watchlists as wl
    from stockapp.db.session import session_scope
    from stockapp.pages.screener_state import ScreenerState
    from stockapp.pages.watchlist_state import WatchlistState
    from stockapp.state.auth import AuthState
    from stockapp.stockapp import app

    RegistrationContext.set(app._registration_context)
    with session_scope() as s:
        uid = register_user(s, _name(), PASSWORD).id
    root = State(_reflex_internal_init=True)
    root.get_substate(AuthState.get_full_name().split(".")[1:]).token = create_access_token(uid)[0]
    lists = root.get_substate(WatchlistState.get_full_name().split(".")[1:])
    screens = root.get_substate(ScreenerState.get_full_name().split(".")[1:])
    for name in TRICKY_NAMES:
        await WatchlistState.create_list.fn(lists, {"name": name})
        assert "control" in lists.error
        await ScreenerState.save_screen.fn(screens, {"name": name})
    with session_scope() as s:
        assert [d.name for d in wl.list_watchlists(s, uid)] == ["My Watchlist"]
        assert saved.list_screens(s, uid) == []


def test_trades_before_1990_are_refused(api):
    _, _, headers = new_user(api)
    body = {"symbol": "TCS", "side": "buy", "quantity": 1, "price": 100}
    r = api.post(
        "/api/v1/portfolio/trades", json={**body, "traded_at": "1989-12-31"}, headers=headers
    )
    assert r.status_code == 422 and "1990" in r.text, r.text
    ok = api.post(
        "/api/v1/portfolio/trades", json={**body, "traded_at": "1990-01-02"}, headers=headers
    )
    assert ok.status_code == 201, ok.text
    csv_body = (
        b"date,symbol,exchange,side,quantity,price\n"
        b"2024-03-04,TCS,NSE,buy,1,3950\n"
        b"1985-06-01T10:00:00,TCS,NSE,buy,1,10\n"
    )
    r = api.post(
        "/api/v1/portfolio/import",
        files={"file": ("t.csv", csv_body, "text/csv")},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("Row 3, date:"), r.text


def test_reflex_trade_form_refuses_trades_before_1990():
    from stockapp.pages.portfolio_views import trade_from_form

    form = {"symbol": "TCS", "quantity": "1", "price": "100", "traded_at": "1950-01-01"}
    with pytest.raises(ValueError, match="1990"):
        trade_from_form(form, "india_nse", "buy")


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_token_times_must_be_numbers(api, claim):
    from stockapp.auth.tokens import AUDIENCE

    _, token, _ = new_user(api)
    claims = jwt.get_unverified_claims(token)
    now = int(time.time())
    forged = {**claims, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 3600}
    forged[claim] = str(forged[claim] if claim != "exp" else 9_999_999_999)
    secret = _server_secret()
    bad = jwt.encode(forged, secret, algorithm="HS256")
    r = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401, r.text
    good = jwt.encode({**forged, claim: int(forged[claim])}, secret, algorithm="HS256")
    assert (
        api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )


def _server_secret() -> str:
    import os

    return os.environ["STOCKAPP_JWT_SECRET"]


def test_migration_merges_nothing_and_renames_case_duplicates(tmp_path):
    from stockapp.db.migrate import alembic_config
    from stockapp.db.session import make_engine

    url = f"sqlite:///{tmp_path / 'case.db'}"
    from alembic.script import ScriptDirectory

    from alembic import command

    config = alembic_config(url)
    # the schema just before the case-insensitive index, whatever revision that is
    before = ScriptDirectory.from_config(config).get_revision("0002_username_case").down_revision
    command.upgrade(config, before)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for name in ("Ravi", "ravi", "RAVI", "meera"):
                conn.execute(
                    sa.text(
                        "INSERT INTO users (username, password_hash, created_at) "
                        "VALUES (:n, 'x', CURRENT_TIMESTAMP)"
                    ),
                    {"n": name},
                )
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as conn:
            names = [r[0] for r in conn.execute(sa.text("SELECT username FROM users ORDER BY id"))]
        assert names[0] == "Ravi" and names[3] == "meera"
        assert len({n.lower() for n in names}) == 4, names
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (username, password_hash, created_at) "
                    "VALUES ('MEERA', 'x', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()
