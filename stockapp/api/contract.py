"""The API's error contract, made explicit: every status a route can answer is declared in
the OpenAPI document, and unknown `/api/v1/...` paths answer JSON 404.

Routes raise their 4xx from shared code (ownership checks, database conflicts, the
out-of-range handler, body parsing), so the declarations follow the same rules rather
than being repeated on each route:
- 422 on every operation (our own string `detail`s and FastAPI's validation list);
- 401 on operations that need a token; 404 on operations with a path parameter (unknown
  symbol, missing object, another user's object);
- 409 on creating or changing per-user objects (duplicates); 400 on operations with a
  body (a body that cannot be parsed); 413 on the import; 429 on log-in and register;
- 503 on public market-data operations (no price or provider yet).

Inside Reflex, a path that no API route matches would fall through to the pages and get
the HTML 404 page; `add_api_not_found` ends `/api/v1/...` inside the API instead (405
when the path exists with other methods).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Match, Mount

ERROR_SCHEMA = "ErrorDetail"
WRITE_METHODS = {"post", "put", "patch"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
THROTTLED = {"/auth/token", "/auth/register"}
UPLOADS = {"/portfolio/import"}
DESCRIPTIONS = {
    "400": "The request body could not be parsed",
    "401": "Missing, invalid, expired or revoked token",
    "404": "Not found (an unknown symbol, or no such object for this user)",
    "409": "Conflicts with an existing object",
    "413": "The upload is larger than the import limit",
    "429": "Too many attempts; try again later",
    "503": "Market data is not available yet",
}


def _error(code: str) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[code],
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }


def _validation() -> dict[str, Any]:
    return {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }


def declare_errors(schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Add the error responses the rules above give each operation (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        ERROR_SCHEMA,
        {
            "title": ERROR_SCHEMA,
            "type": "object",
            "properties": {"detail": {"title": "Detail", "type": "string"}},
            "required": ["detail"],
        },
    )
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        local = path[len(prefix) :]
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            codes = set()
            is_auth = local.startswith("/auth/")
            if op.get("security"):
                codes.add("401")
                if method in WRITE_METHODS and not is_auth:
                    codes.add("409")
            elif local != "/health" and not is_auth:
                codes.add("503")
            if "{" in path:
                codes.add("404")
            if "requestBody" in op:
                codes.add("400")
            if local in THROTTLED:
                codes.update({"429", "409"} if local == "/auth/register" else {"429"})
            if local in UPLOADS:
                codes.add("413")
            responses = op["responses"]
            for code in sorted(codes):
                responses.setdefault(code, _error(code))
            if local != "/health":
                responses.setdefault("422", _validation())
    return schema


def document_errors(api: FastAPI, prefix: str) -> None:
    build = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        api.openapi_schema = declare_errors(build(), prefix)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def add_api_not_found(api: FastAPI, prefix: str) -> None:
    """A last route for `{prefix}/...`: 405 if another route has the path, else 404."""

    catch_all = f"{prefix}/{{rest:path}}"

    def answers(scope: dict[str, Any], method: str) -> bool:
        probe = {**scope, "method": method}
        return any(
            route.matches(probe)[0] is Match.FULL
            for route in api.router.routes
            # not our catch-all, nor a mounted app (inside Reflex the pages match anything)
            if getattr(route, "path", None) != catch_all and not isinstance(route, Mount)
        )

    async def not_found(request: Request) -> JSONResponse:
        allowed = [m for m in METHODS if answers(request.scope, m)]
        if allowed:
            return JSONResponse(
                {"detail": "Method Not Allowed"},
                status_code=405,
                headers={"Allow": ", ".join(allowed)},
            )
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    api.add_api_route(
        f"{prefix}/{{rest:path}}",
        not_found,
        methods=[*METHODS, "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
