"""Every kind of bad token is refused on /ws (query token and first-message auth) and on
REST; a good token works on both."""

from __future__ import annotations

import base64
import json
import socket
import time

import httpx
import pytest
import websockets
from jose import jwt

from stockapp.auth.tokens import AUDIENCE
from stockapp.settings import get_settings
from tests.security.conftest import new_user
from tests.security.wsutil import close_code, recv_until, refused


def raw_handshake_status(base: str, target: str) -> int | None:
    """The status of a raw upgrade request; None when the server never answered (uvicorn's
    sans-io WebSocket implementation drops its 414 for an over-long request line)."""
    host, port = base.removeprefix("http://").split(":")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request.encode())
        try:
            head = sock.recv(200)
        except TimeoutError:
            return None
    return int(head.split(b"\r\n", 1)[0].split()[1]) if head else None


def claims_of(token: str) -> dict:
    return jwt.get_unverified_claims(token)


def _b64(d: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def bad_tokens(uid: str) -> dict[str, str]:
    now = int(time.time())
    secret = get_settings().secret()

    def sign(key: str = secret, alg: str = "HS256", **over) -> str:
        claims = {"sub": uid, "aud": AUDIENCE, "iat": now, "exp": now + 600, **over}
        return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg)

    good = sign()
    return {
        "expired": sign(iat=now - 1000, exp=now - 10),
        "not yet valid": sign(nbf=now + 3600),
        "issued in the future": sign(iat=now + 3600),
        "wrong audience": sign(aud="another-service"),
        "no audience": sign(aud=None),
        "no expiry": sign(exp=None),
        "bad signature": good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB"),
        "alg none": ".".join(
            [_b64({"alg": "none", "typ": "JWT"}), _b64({**claims_of(good), "sub": uid}), ""]
        ),
        "HS256 with another key": sign(key="someone-elses-secret-" + "z" * 40),
        "HS512": sign(alg="HS512"),
        "unknown user": sign(sub="987654321"),
        "oversized": sign(pad="p" * 6000),
        "garbage": "not.a.jwt",
    }


@pytest.fixture(scope="module")
def user_token(sec_server) -> tuple[str, str]:
    with httpx.Client(base_url=sec_server.url, timeout=10) as c:
        _, token, _ = new_user(c)
    return token, jwt.get_unverified_claims(token)["sub"]


def test_rest_refuses_every_bad_token(api, user_token):
    token, uid = user_token
    for name, bad in bad_tokens(uid).items():
        if name == "unknown user":
            continue  # /ws judges tokens alone; REST also needs the user to exist (below)
        r = api.get("/api/v1/watchlists", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401, name
        assert "www-authenticate" in r.headers, name
    r = api.get(
        "/api/v1/watchlists", headers={"Authorization": f"Bearer {bad_tokens(uid)['unknown user']}"}
    )
    assert r.status_code == 401
    assert api.get("/api/v1/watchlists").status_code == 401
    assert (
        api.get("/api/v1/watchlists", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


async def test_ws_query_token_refused(sec_server, user_token):
    _, uid = user_token
    outcomes = {}
    for name, bad in bad_tokens(uid).items():
        if name in {"unknown user", "oversized"}:
            continue  # /ws judges the token alone; oversized: below
        outcomes[name] = await refused(f"{sec_server.ws}?token={bad}", max_size=None)
    assert all(v in {"403", "1008"} for v in outcomes.values()), outcomes


def test_ws_oversized_query_token_refused_at_http_level(sec_server, user_token):
    """An 8 KB token in the URL never reaches the app: the handshake answers 4xx."""
    _, uid = user_token
    status = raw_handshake_status(sec_server.url, f"/ws?token={bad_tokens(uid)['oversized']}")
    assert status in {None, 403, 414, 431}, status
    assert httpx.get(f"{sec_server.url}/api/v1/health", timeout=5).status_code == 200


async def test_ws_first_message_bad_token_closes_1008(sec_server, user_token):
    _, uid = user_token
    for name in ("expired", "alg none", "HS256 with another key", "wrong audience", "oversized"):
        async with websockets.connect(sec_server.ws, max_size=None) as ws:
            await ws.send(json.dumps({"action": "auth", "token": bad_tokens(uid)[name]}))
            assert await close_code(ws) == 1008, name


async def test_ws_no_token_at_all_is_closed(sec_server):
    async with websockets.connect(sec_server.ws) as ws:
        await ws.send(json.dumps({"action": "ping"}))
        assert await close_code(ws) == 1008
    async with websockets.connect(sec_server.ws) as ws:  # says nothing: auth timeout
        assert await close_code(ws, seconds=get_settings().ws_auth_timeout + 4) == 1008


async def test_ws_good_token_works_both_ways(sec_server, user_token):
    token, _ = user_token
    async with websockets.connect(f"{sec_server.ws}?token={token}") as ws:
        await ws.send('{"action":"ping"}')
        assert (await recv_until(ws, lambda m: m["type"] == "pong"))["type"] == "pong"
    async with websockets.connect(sec_server.ws) as ws:
        await ws.send(json.dumps({"action": "auth", "token": token}))
        await ws.send('{"action":"ping"}')
        assert (await recv_until(ws, lambda m: m["type"] == "pong"))["type"] == "pong"


async def test_ws_foreign_origin_refused(sec_server, user_token):
    token, _ = user_token
    how = await refused(f"{sec_server.ws}?token={token}", origin="https://evil.example")
    assert how in {"403", "1008"}
