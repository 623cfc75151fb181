"""Registration, log-in and token validation through the real HTTP API."""

from __future__ import annotations

import time
import uuid

from jose import jwt

from stockapp.auth.tokens import AUDIENCE
from stockapp.settings import get_settings
from tests.api.conftest import register_and_login


def _token(claims: dict, key: str | None = None, alg: str = "HS256", headers=None) -> str:
    return jwt.encode(claims, key or get_settings().secret(), algorithm=alg, headers=headers)


def _claims(**over) -> dict:
    now = int(time.time())
    base = {"sub": "1", "aud": AUDIENCE, "iat": now, "exp": now + 600}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def test_register_returns_201_with_id_and_username(client):
    name = f"alice_{uuid.uuid4().hex[:8]}"
    r = client.post("/api/v1/auth/register", json={"username": name, "password": "s3cret-pass"})
    assert r.status_code == 201
    body = r.json()
    assert body["username"] == name and isinstance(body["id"], int)
    assert "password" not in r.text and "hash" not in r.text


def test_duplicate_username_is_409(client):
    name = f"bob_{uuid.uuid4().hex[:8]}"
    assert (
        client.post(
            "/api/v1/auth/register", json={"username": name, "password": "plain-pass-8"}
        ).status_code
        == 201
    )
    r = client.post("/api/v1/auth/register", json={"username": name, "password": "abcdefgh"})
    assert r.status_code == 409
    assert "taken" in r.json()["detail"]


def test_short_password_is_422(client):
    r = client.post(
        "/api/v1/auth/register", json={"username": f"c_{uuid.uuid4().hex[:6]}", "password": "short"}
    )
    assert r.status_code == 422


def test_token_flow_and_me(client):
    token, headers = register_and_login(client)
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 200
    claims = jwt.get_unverified_claims(token)
    assert claims["aud"] == "stockapp" and {"sub", "exp", "iat"} <= set(claims)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_token_response_shape(client):
    name = f"d_{uuid.uuid4().hex[:8]}"
    client.post("/api/v1/auth/register", json={"username": name, "password": "right-pass-123"})
    r = client.post("/api/v1/auth/token", data={"username": name, "password": "right-pass-123"})
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and body["access_token"]


def test_wrong_password_is_401(client):
    name = f"e_{uuid.uuid4().hex[:8]}"
    client.post("/api/v1/auth/register", json={"username": name, "password": "right-pass-123"})
    r = client.post("/api/v1/auth/token", data={"username": name, "password": "wrong-password"})
    assert r.status_code == 401
    r = client.post("/api/v1/auth/token", data={"username": "nobody_" + name, "password": "x" * 9})
    assert r.status_code == 401


def test_repeated_failures_lock_the_account_briefly(client):
    name = f"f_{uuid.uuid4().hex[:8]}"
    client.post("/api/v1/auth/register", json={"username": name, "password": "right-pass-123"})
    codes = [
        client.post(
            "/api/v1/auth/token", data={"username": name, "password": "bad-pass-1"}
        ).status_code
        for _ in range(get_settings().login_max_failures)
    ]
    assert codes == [401] * get_settings().login_max_failures
    r = client.post("/api/v1/auth/token", data={"username": name, "password": "right-pass-123"})
    assert r.status_code == 429, "even the right password is refused while locked"


def _me(client, token: str) -> int:
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_rejected_tokens(client):
    token, _ = register_and_login(client)
    uid = jwt.get_unverified_claims(token)["sub"]
    now = int(time.time())
    bad = {
        "expired": _token(_claims(sub=uid, iat=now - 1000, exp=now - 10)),
        "no exp": _token(_claims(sub=uid, exp=None)),
        "no iat": _token(_claims(sub=uid, iat=None)),
        "wrong aud": _token(_claims(sub=uid, aud="someone-else")),
        "no aud": _token(_claims(sub=uid, aud=None)),
        "not yet valid": _token(_claims(sub=uid, nbf=now + 3600)),
        "other key": _token(_claims(sub=uid), key="another-secret-" + "y" * 40),
        "HS512": _token(_claims(sub=uid), alg="HS512"),
        "tampered": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "garbage": "not-a-jwt",
        "oversized": _token(_claims(sub=uid, pad="p" * 5000)),
    }
    header = jwt.get_unverified_header(token)
    import base64
    import json

    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    bad["alg none"] = f"{b64({**header, 'alg': 'none'})}.{b64(_claims(sub=uid))}."
    for name, tok in bad.items():
        assert _me(client, tok) == 401, name
    assert _me(client, token) == 200
    assert client.get("/api/v1/auth/me").status_code == 401
