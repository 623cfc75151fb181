"""Factory for `uvicorn --factory`: one standalone API worker of the test cluster."""

from __future__ import annotations

from fastapi import FastAPI


def make_app() -> FastAPI:
    from stockapp.api.app import create_api

    return create_api(standalone=True)
