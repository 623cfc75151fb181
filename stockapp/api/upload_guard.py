"""A gate in front of Reflex's file-upload endpoint (`POST /_upload`).

Reflex 0.10.1 parses the whole multipart body (spooling files to temporary files) before
it looks at the event handler, and it trusts any client token. This middleware answers
first:
- 413 when `Content-Length` is past the limit, before a byte of the body is read;
- 401 when the client token in `reflex-client-token` is not a connected session whose
  logged-in user is valid (the upload only ever feeds a logged-in user's import);
- 413 as soon as a body without (or with an understated) length grows past the limit:
  reading stops there, the handler sees a disconnected client and Starlette's form parser
  closes (deletes) the temporary files it had opened.

The limit is `STOCKAPP_IMPORT_MAX_BYTES` plus room for the multipart envelope.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockapp.auth.revocation import verified_user_id
from stockapp.settings import get_settings

log = logging.getLogger("stockapp.upload")

UPLOAD_PATH = "/_upload"
MULTIPART_ENVELOPE_BYTES = 64 * 1024  # boundaries, part headers, the handler's arguments


def upload_body_limit() -> int:
    return get_settings().import_max_bytes + MULTIPART_ENVELOPE_BYTES


async def _reply(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def session_user_id(client_token: str) -> int | None:
    """The logged-in user of a connected Reflex session, or None. Sessions that are not
    connected are not looked up, so made-up tokens never create session state."""
    from reflex.istate.manager.token import BaseStateToken

    from stockapp.state.auth import AuthState
    from stockapp.state.toasts import _the_app

    app: Any = _the_app()
    namespace = getattr(app, "event_namespace", None)
    manager = getattr(namespace, "_token_manager", None)
    if manager is None or not await manager.is_token_connected(client_token):
        return None
    async with app.modify_state(BaseStateToken(ident=client_token, cls=AuthState)) as root:
        token = (await root.get_state(AuthState)).token
    if not token:
        return None
    return await asyncio.to_thread(verified_user_id, token)


class UploadGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or scope.get("path", "").rstrip("/") != UPLOAD_PATH
        ):
            await self.app(scope, receive, send)
            return
        limit = upload_body_limit()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _reply(send, 413, f"Upload is larger than the {limit // 1024} KB limit")
            return
        client_token = headers.get("reflex-client-token", "")
        try:
            user_id = await session_user_id(client_token) if client_token else None
        except Exception:  # an unreadable session is not a logged-in one
            log.warning("upload refused: the session could not be read")
            user_id = None
        if user_id is None:
            await _reply(send, 401, "Log in to upload files")
            return
        await self.app(scope, *self._bounded(limit, receive, send))

    @staticmethod
    def _bounded(limit: int, receive: Receive, send: Send) -> tuple[Receive, Send]:
        """receive/send that stop the body at `limit` bytes: past it the client is answered
        413 and the app sees a disconnect (its own reply is dropped)."""
        received = 0
        refused = False

        async def bounded_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await _reply(send, 413, f"Upload is larger than the {limit // 1024} KB limit")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        return bounded_receive, guarded_send
