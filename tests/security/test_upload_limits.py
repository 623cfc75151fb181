"""Reflex's upload endpoint (`POST /_upload`, the Portfolio page's import) is gated before
the body is read: too big by `Content-Length` → 413 at once; a session that is not logged
in → 401; a chunked body that grows past the limit → 413 and reading stops there, with no
temporary file left open in the server."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import httpx

from stockapp.settings import get_settings
from tests.e2e.conftest import AppServer, api_user, login_via_ui

LIMIT = get_settings().import_max_bytes


def import_handler() -> str:
    from stockapp.pages.portfolio_state import PortfolioState

    return f"{PortfolioState.get_full_name()}.import_files"


def raw_post(server: AppServer, head: dict[str, str], body_chunks=(), timeout: float = 10) -> int:
    """POST /_upload over a bare socket; the status line's code (0 if none came)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    lines = ["POST /_upload HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    lines += [f"{k}: {v}" for k, v in head.items()]
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for chunk in body_chunks:
            sock.sendall(chunk)
        status = sock.recv(64)
    except (BrokenPipeError, ConnectionResetError):
        try:
            status = sock.recv(64)
        except OSError:
            status = b""
    except TimeoutError:
        status = b""
    finally:
        sock.close()
    return int(status.split()[1]) if status.startswith(b"HTTP/") else 0


def multipart(size: int, boundary: str = "stockappboundary") -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="trades.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + b"x" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_upload_refused_on_content_length_before_reading(app_server):
    status = raw_post(
        app_server,
        {
            "Content-Length": str(150 * 2**20),
            "Content-Type": "multipart/form-data; boundary=stockappboundary",
            "reflex-client-token": str(uuid.uuid4()),
            "reflex-event-handler": import_handler(),
        },
        timeout=5,
    )
    assert status == 413, "a 150 MB upload must be refused before its body is read"


def test_upload_from_a_session_not_logged_in_is_refused(app_server):
    body = multipart(100)
    r = httpx.post(
        f"{app_server.url}/_upload",
        content=body,
        headers={
            "Content-Type": "multipart/form-data; boundary=stockappboundary",
            "reflex-client-token": str(uuid.uuid4()),
            "reflex-event-handler": import_handler(),
        },
        timeout=10,
    )
    assert r.status_code == 401, r.text


def deleted_temp_files(pid: int) -> list[str]:
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "(deleted)" in target and "tmp" in target:
            found.append(target)
    return found


def test_logged_in_oversized_chunked_upload_is_cut_off(app_server, page):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    client_token = page.evaluate("() => window.sessionStorage.getItem('token')")
    assert client_token
    pid = app_server.proc.pid
    before = deleted_temp_files(pid)
    piece = b"y" * (256 * 1024)
    head = (
        b'--stockappboundary\r\nContent-Disposition: form-data; name="files"; '
        b'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
    )

    def chunks():
        yield f"{len(head):x}\r\n".encode() + head + b"\r\n"
        for _ in range(LIMIT // len(piece) + 16):  # well past the limit
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    status = raw_post(
        app_server,
        {
            "Transfer-Encoding": "chunked",
            "Content-Type": "multipart/form-data; boundary=stockappboundary",
            "reflex-client-token": client_token,
            "reflex-event-handler": import_handler(),
        },
        chunks(),
    )
    assert status == 413
    assert deleted_temp_files(pid) == before, "temporary upload files left open"
    # the page still works for this session: a small valid import is accepted
    ok = httpx.post(
        f"{app_server.url}/_upload",
        files={"files": ("t.csv", b"symbol,side,quantity,price,traded_at\n", "text/csv")},
        headers={"reflex-client-token": client_token, "reflex-event-handler": import_handler()},
        timeout=20,
    )
    assert ok.status_code == 200, ok.text
