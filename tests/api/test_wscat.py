"""The seed's manual check, automated: wscat (from the npm registry) against /ws."""

from __future__ import annotations

import json
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
    out = subprocess.run(
        [str(WSCAT), "-c", url, "-x", json.dumps({"action": "subscribe", "symbol": "RELIANCE",
                                                   "market": "india_nse"}), "-w", "3"],
        capture_output=True, text=True, timeout=30,
        env={"PATH": f"{node_bin}:/usr/bin:/bin"},
    )
    lines = [ln.strip().lstrip("< ").strip() for ln in out.stdout.splitlines() if "{" in ln]
    messages = [json.loads(ln[ln.index("{"):]) for ln in lines]
    types = [m["type"] for m in messages]
    assert "subscription_confirmed" in types, out.stdout + out.stderr
    assert "price_update" in types
    assert types.index("subscription_confirmed") < types.index("price_update")
