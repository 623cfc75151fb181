"""Factory for `uvicorn --factory`: the standalone API as the hardening suite serves it."""

from __future__ import annotations

from fastapi import FastAPI


def make_app() -> FastAPI:
    from stockapp.api.app import create_api

    return create_api(standalone=True)
