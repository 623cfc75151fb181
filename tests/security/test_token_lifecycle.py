"""Token lifecycle: a token is only as good as its user and its `exp`.

* `/ws` refuses a validly signed token for a user that does not exist (as REST does);
* an open socket is closed with 1008 when its token expires, unless the client sent a
  fresher token (`auth` again) before;
* log-out and password change revoke every token issued before, on REST, on `/ws` (new
  sockets refused, open ones closed) and in the pages' logged-in state.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import websockets
from jose import jwt

from stockapp.auth.tokens import AUDIENCE
from stockapp.settings import get_settings
from tests.security.conftest import PASSWORD, new_user
from tests.security.wsutil import close_code, recv_until, refused


def mint(sub: str, lifetime: float, **extra: object) -> str:
    """A token signed with the server's key (the suite shares the test secret)."""
    now = int(time.time())
    claims = {"sub": sub, "aud": AUDIENCE, "iat": now, "exp": int(now + lifetime), **extra}
    return jwt.encode(claims, get_settings().secret(), algorithm="HS256")


def sub_of(token: str) -> str:
    return jwt.get_unverified_claims(token)["sub"]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ws_works(ws_url: str, token: str) -> bool:
    """Whether a socket authenticated with `token` answers a ping."""
    try:
        async with websockets.connect(f"{ws_url}?token={token}", open_timeout=5) as ws:
            await ws.send('{"action":"ping"}')
            await recv_until(ws, lambda m: m.get("type") == "pong", seconds=3)
            return True
    except Exception:
        return False


async def test_ws_refuses_a_token_for_a_user_that_does_not_exist(sec_server, api):
    ghost = mint("987654321", 600)
    assert api.get("/api/v1/watchlists", headers=auth(ghost)).status_code == 401
    assert await refused(f"{sec_server.ws}?token={ghost}") in {"403", "1008"}
    async with websockets.connect(sec_server.ws) as ws:
        await ws.send(json.dumps({"action": "auth", "token": ghost}))
        assert await close_code(ws) == 1008


async def test_ws_closed_with_1008_when_its_token_expires(sec_server, api):
    _, token, _ = new_user(api)
    short = mint(sub_of(token), 2)
    async with websockets.connect(f"{sec_server.ws}?token={short}") as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbol": "RELIANCE"}))
        await recv_until(ws, lambda m: m.get("type") == "price_update")
        assert await close_code(ws, seconds=8) == 1008


async def test_ws_reauth_before_exp_keeps_the_socket(sec_server, api):
    _, token, _ = new_user(api)
    short = mint(sub_of(token), 2)
    async with websockets.connect(f"{sec_server.ws}?token={short}") as ws:
        await ws.send(json.dumps({"action": "auth", "token": mint(sub_of(token), 600)}))
        reply = await recv_until(ws, lambda m: m.get("type") in {"reauthenticated", "error"})
        assert reply["type"] == "reauthenticated" and reply["expires_in"] > 500
        # another user's token is refused and does not extend anything
        _, other, _ = new_user(api)
        await ws.send(json.dumps({"action": "auth", "token": other}))
        assert (await recv_until(ws, lambda m: m.get("type") == "error"))["code"]
        await asyncio.sleep(2.5)  # past the short token's exp
        await ws.send(json.dumps({"action": "subscribe", "symbol": "TCS"}))
        await recv_until(ws, lambda m: m.get("type") == "price_update", seconds=5)
        assert await close_code(ws, seconds=3) == -1, "re-authenticated socket stays open"


async def test_logout_revokes_tokens_on_rest_and_ws(sec_server, api):
    name, token, _ = new_user(api)
    copy = token  # e.g. pasted into a script before logging out
    async with websockets.connect(f"{sec_server.ws}?token={token}") as open_ws:
        await open_ws.send(json.dumps({"action": "subscribe", "symbol": "INFY"}))
        await recv_until(open_ws, lambda m: m.get("type") == "price_update")
        r = api.post("/api/v1/auth/logout", headers=auth(token))
        assert r.status_code == 204, r.text
        # the open socket is closed within the recheck period (1 s in this suite)
        assert await close_code(open_ws, seconds=6) == 1008
    assert api.get("/api/v1/auth/me", headers=auth(copy)).status_code == 401
    assert api.post("/api/v1/auth/logout", headers=auth(copy)).status_code == 401
    assert not await ws_works(sec_server.ws, copy)
    async with websockets.connect(sec_server.ws) as ws:
        await ws.send(json.dumps({"action": "auth", "token": copy}))
        assert await close_code(ws) == 1008
    # logging in again gives a token that works
    fresh = api.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    fresh_token = fresh.json()["access_token"]
    assert api.get("/api/v1/auth/me", headers=auth(fresh_token)).status_code == 200
    assert await ws_works(sec_server.ws, fresh_token)


async def test_password_change_revokes_earlier_tokens(sec_server, api):
    name, token, _ = new_user(api)
    new_password = PASSWORD + "-changed"
    wrong = api.post(
        "/api/v1/auth/password",
        headers=auth(token),
        json={"current_password": "not-it-at-all", "new_password": new_password},
    )
    assert wrong.status_code == 401
    assert api.get("/api/v1/auth/me", headers=auth(token)).status_code == 200
    r = api.post(
        "/api/v1/auth/password",
        headers=auth(token),
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert r.status_code == 200, r.text
    assert api.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    assert not await ws_works(sec_server.ws, token)
    assert api.get("/api/v1/auth/me", headers=auth(r.json()["access_token"])).status_code == 200
    old = api.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    assert old.status_code == 401
    ok = api.post("/api/v1/auth/token", data={"username": name, "password": new_password})
    assert ok.status_code == 200


@pytest.fixture
def reflex_user(migrated_db) -> int:
    from stockapp.auth.accounts import register_user
    from stockapp.db.session import session_scope

    with session_scope() as session:
        return register_user(session, f"rx_{time.time_ns()}", PASSWORD).id


def test_pages_refuse_a_token_revoked_by_logout(reflex_user):
    """The pages' logged-in state (AuthState) and every handler's user check refuse a
    token copied before the user logged out in another tab."""
    from reflex.state import State

    import stockapp.stockapp  # noqa: F401  (registers every page state)
    from stockapp.auth.tokens import create_access_token
    from stockapp.state.auth import AuthState

    root = State(_reflex_internal_init=True)
    path = AuthState.get_full_name().split(".")[1:]
    copy = create_access_token(reflex_user)[0]
    tab_a, tab_b = (
        root.get_substate(path),
        State(_reflex_internal_init=True).get_substate(path),
    )
    tab_a.token = tab_b.token = copy
    AuthState.check_login.fn(tab_b)
    assert tab_b.logged_in and tab_b._verified_user_id() == reflex_user
    AuthState.logout.fn(tab_a)
    assert tab_b._verified_user_id() is None
    AuthState.check_login.fn(tab_b)
    assert not tab_b.logged_in and tab_b.token == ""


def test_token_claims_version_default(migrated_db):
    """A token minted before versions existed (no `ver`) counts as version 0."""
    from stockapp.auth.tokens import InvalidToken, decode_token_claims

    legacy = mint("5", 60)
    assert decode_token_claims(legacy).version == 0
    with pytest.raises(InvalidToken):
        decode_token_claims(mint("5", 60, ver="x"))
