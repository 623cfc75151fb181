"""Alert webhooks cannot reach the server's own network (server-side request forgery).

Saving an internal destination answers 422; a stored internal destination (saved before
the check existed, or a name that now resolves inward) is refused at send time, recorded
as "refused: destination not allowed" with nothing sent; deliveries connect to the very
address that was checked, with the original name as Host and TLS server name. Receivers
are loopback listeners only.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.security.conftest import new_user

REFUSED = "refused: destination not allowed"
INTERNAL_URLS = [
    "http://127.0.0.1:6379/",
    "http://localhost:3000/api/v1/health",
    "http://LOCALHOST./x",
    "http://app.localhost/x",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::]/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://10.0.0.8/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://198.18.0.1/",
    "http://intranet/",
    "http://user:pass@93.184.216.34/",
    "http://user@93.184.216.34/",
    "ftp://93.184.216.34/",
    "javascript:alert(1)",
    "http:///nohost",
]


class Receiver(BaseHTTPRequestHandler):
    """Records what reaches it; answers 200, or a redirect for /redirect."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.server.seen.append({"path": self.path, "host": self.headers.get("Host")})  # type: ignore[attr-defined]
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)  # type: ignore[attr-defined]
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def _listen(context: ssl.SSLContext | None = None) -> tuple[HTTPServer, threading.Thread]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    server.seen = []  # type: ignore[attr-defined]
    server.redirect_to = ""  # type: ignore[attr-defined]
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def listener() -> Iterator[HTTPServer]:
    server, _thread = _listen()
    yield server
    server.shutdown()
    server.server_close()


def test_saving_an_internal_destination_is_refused(api):
    _, _, headers = new_user(api)
    for url in INTERNAL_URLS:
        r = api.put("/api/v1/alerts/webhook", json={"webhook_url": url}, headers=headers)
        assert r.status_code == 422, (url, r.status_code, r.text)
        assert "webhook_url" in r.text, r.text
    assert api.get("/api/v1/alerts/webhook", headers=headers).json() == {"webhook_url": None}
    public = "https://93.184.216.34:8443/hook?k=1"
    r = api.put("/api/v1/alerts/webhook", json={"webhook_url": public}, headers=headers)
    assert r.status_code == 200 and r.json() == {"webhook_url": public}
    r = api.put("/api/v1/alerts/webhook", json={"webhook_url": ""}, headers=headers)
    assert r.status_code == 200 and r.json() == {"webhook_url": None}


def test_a_stored_internal_destination_is_refused_at_send_time(api, sec_server, listener):
    """The row is written behind the API's back (as a URL saved before the check existed
    would be): the delivery is refused, nothing reaches the listener, and the event shows
    the refusal, not the listener's status."""
    name, _, headers = new_user(api)
    url = f"http://127.0.0.1:{listener.server_port}/hook"
    db = Path(sec_server.log).with_suffix(".db")
    with sqlite3.connect(db, timeout=10) as conn:
        conn.execute("UPDATE users SET webhook_url = ? WHERE username = ?", (url, name))
    price = api.get("/api/v1/quotes", params={"symbols": "TCS"}).json()["quotes"][0]
    body = {"symbol": "TCS", "condition": "price_below", "value": price["current_price"] * 2}
    assert api.post("/api/v1/alerts", json=body, headers=headers).status_code == 201
    status = None
    deadline = time.time() + 15
    while time.time() < deadline and not status:
        events = api.get("/api/v1/alerts/events", headers=headers).json()
        status = events[0]["webhook_status"] if events else None
        time.sleep(0.1)
    assert status == REFUSED
    assert listener.seen == []


async def test_delivery_connects_to_the_checked_address(listener):
    from stockapp.alerts.webhook import post_json

    port = listener.server_port
    lookups: list[str] = []

    def inward(host: str, _port: int) -> list[str]:  # a name that resolves to loopback
        lookups.append(host)
        return ["127.0.0.1"]

    url = f"http://hooks.example:{port}/x"
    assert await post_json(url, {}, resolver=inward, allow_private=False) == REFUSED
    assert listener.seen == [] and lookups == ["hooks.example"]

    def mixed(host: str, _port: int) -> list[str]:  # one public, one internal answer
        return ["93.184.216.34", "127.0.0.1"]

    assert await post_json(url, {}, resolver=mixed, allow_private=False) == REFUSED
    assert listener.seen == []

    # allowed (self-hosted): the connection goes to the address the resolver gave, which
    # is the only place "hooks.example" leads, and the Host header keeps the name
    lookups.clear()
    assert await post_json(url, {"a": 1}, resolver=inward, allow_private=True) == "200"
    assert listener.seen == [{"path": "/x", "host": f"hooks.example:{port}"}]
    assert lookups == ["hooks.example"]


async def test_redirects_are_not_followed(listener):
    from stockapp.alerts.webhook import post_json

    other, _ = _listen()
    try:
        listener.redirect_to = f"http://127.0.0.1:{other.server_port}/elsewhere"
        url = f"http://127.0.0.1:{listener.server_port}/redirect"
        status = await post_json(url, {}, allow_private=True)
        assert status == "302" and len(listener.seen) == 1 and other.seen == []
    finally:
        other.shutdown()
        other.server_close()


def _certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_https_delivery_to_a_pinned_address_keeps_sni_and_certificate_checks(tmp_path):
    from stockapp.alerts.webhook import post_json

    cert, key = _certificate(tmp_path, "hooks.example")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    sni_seen: list[str | None] = []
    server_ctx.sni_callback = lambda _sock, name, _ctx: sni_seen.append(name)
    server, _ = _listen(server_ctx)
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert))

        def inward(_host: str, _port: int) -> list[str]:
            return ["127.0.0.1"]

        url = f"https://hooks.example:{server.server_port}/tls"
        status = await post_json(
            url, {}, resolver=inward, allow_private=True, verify=client_ctx, attempts=1
        )
        assert status == "200"
        assert sni_seen == ["hooks.example"]
        assert server.seen == [{"path": "/tls", "host": f"hooks.example:{server.server_port}"}]
        # a certificate for another name fails verification: the check uses the name too
        other = f"https://other.example:{server.server_port}/tls"
        status = await post_json(
            other, {}, resolver=inward, allow_private=True, verify=client_ctx, attempts=1
        )
        assert status == "failed: ConnectError" and len(server.seen) == 1
    finally:
        server.shutdown()
        server.server_close()
