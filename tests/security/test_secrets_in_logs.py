"""Passwords and tokens never appear in logs or responses.

The server runs in its own process with uvicorn's access log on, writing to a file; the
test drives registration, log-in (good and bad), REST with a bearer token and /ws with a
query token, then reads the whole log back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

import websockets
from uvicorn.logging import AccessFormatter

from stockapp.api.security import REDACTED, SecretRedactingFilter, redact


def test_password_never_logged_or_returned_and_tokens_never_logged(api, sec_server):
    name = f"logs_{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    r = api.post("/api/v1/auth/register", json={"username": name, "password": password})
    assert r.status_code == 201 and password not in r.text
    bad = api.post("/api/v1/auth/token", data={"username": name, "password": password + "x"})
    assert bad.status_code == 401 and password not in bad.text
    r = api.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert r.status_code == 200 and password not in r.text
    token = r.json()["access_token"]
    r = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and password not in r.text
    assert api.get(f"/api/v1/watchlists?token={token}").status_code == 401

    async def use_ws() -> None:
        async with websockets.connect(f"{sec_server.ws}?token={token}") as ws:
            await ws.send('{"action":"ping"}')
            await asyncio.wait_for(ws.recv(), 5)
        async with websockets.connect(sec_server.ws) as ws:
            await ws.send(json.dumps({"action": "auth", "token": token}))
            await ws.send('{"action":"ping"}')
            await asyncio.wait_for(ws.recv(), 5)

    asyncio.run(use_ws())
    deadline = time.time() + 5
    while "/ws?token=" not in sec_server.log_text() and time.time() < deadline:
        time.sleep(0.1)
    text = sec_server.log_text()
    assert "/ws?token=" in text, "the access log should show the /ws request"
    assert f"token={REDACTED}" in text
    assert token not in text
    assert token.split(".")[2] not in text  # not even the signature part
    assert password not in text


def test_redact_covers_query_header_and_bare_jwt():
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ"
    cases = [
        f"GET /ws?token={jwt_like}&x=1 HTTP/1.1",
        "GET /ws?access_token=abc.def.ghi HTTP/1.1",
        f"headers: {{'authorization': 'Bearer {jwt_like}'}}",
        "Authorization: Bearer sk-live-abcdefgh12345",
        f"token was {jwt_like}",
    ]
    for line in cases:
        out = redact(line)
        assert REDACTED in out, line
        assert jwt_like not in out and "abc.def.ghi" not in out and "sk-live" not in out
    assert redact("GET /api/v1/quotes?symbols=TCS") == "GET /api/v1/quotes?symbols=TCS"


def test_filter_keeps_uvicorns_access_record_shape():
    """uvicorn's access formatter unpacks args as a 5-tuple: the filter must keep it."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/ws?token=eyJabcdefgh.eyJpayload.sig", "1.1", 101),
        None,
    )
    assert SecretRedactingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert "eyJ" not in line and f"token={REDACTED}" in line and "101" in line


def test_installed_on_the_server_loggers():
    from stockapp.api.app import create_api
    from stockapp.api.security import LOGGERS_TO_REDACT

    create_api()
    for name in ("granian.access", "uvicorn.access", "uvicorn.error", "reflex"):
        assert name in LOGGERS_TO_REDACT
        assert any(isinstance(f, SecretRedactingFilter) for f in logging.getLogger(name).filters)
