"""The seed's manual check, automated: wscat (from the npm registry) against /ws."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

from tests.api.conftest import register_and_login
from tests.conftest import need

WSCAT = Path(__file__).resolve().parents[2] / ".tools/js/node_modules/.bin/wscat"


def test_wscat_subscribe_receives_confirmation_and_price(api_server, client):
    need(WSCAT.exists(), "wscat not installed in .tools/js (run make test)")
    token = register_and_login(client)[0]
    url = api_server.replace("http://", "ws://") + f"/ws?token={token}"
    node_bin = str(WSCAT.parent)
    command = json.dumps({"action": "subscribe", "symbol": "RELIANCE", "market": "india_nse"})
    # wscat is an interactive tool: give it a terminal, as a person would
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(WSCAT), "--no-color", "-c", url, "-x", command, "-w", "3"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
        env={"PATH": f"{node_bin}:/usr/bin:/bin", "TERM": "dumb"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(30)
    os.close(leader)
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))
    messages = [json.loads(m) for m in re.findall(r"\{[^{}]*\}", text)]
    types = [m["type"] for m in messages]
    assert "subscription_confirmed" in types, text
    assert "price_update" in types
    assert types.index("subscription_confirmed") < types.index("price_update")
