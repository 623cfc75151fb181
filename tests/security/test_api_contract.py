"""The API's contract: every status code an operation answers is declared in the OpenAPI
document (schemathesis' "undocumented status code" check over every operation), and an
unknown `/api/v1/...` path answers JSON 404 `{"detail": ...}` in the real app, not the
pages' HTML 404."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.security.conftest import new_user

MAX_EXAMPLES = 3
MISSING_OBJECTS = ("/api/v1/watchlists/999999", "/api/v1/alerts/999999", "/api/v1/screens/999999")


@pytest.fixture(scope="module")
def contract_auth(sec_server) -> dict[str, str]:
    with httpx.Client(base_url=sec_server.url, timeout=10) as c:
        _, _, headers = new_user(c)
    return headers


def _spec() -> dict:
    from stockapp.api.app import create_api

    return create_api().openapi()


# log-out would revoke the suite's token for every later case
schema = schemathesis.openapi.from_dict(_spec()).exclude(path="/api/v1/auth/logout")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answered_status_is_documented(case, contract_auth, sec_server):
    case.call_and_validate(
        base_url=sec_server.url,
        headers=contract_auth,
        checks=[not_a_server_error, status_code_conformance],
        timeout=20,
    )


def test_not_found_and_wrong_method_are_documented_for_objects(sec_server, contract_auth):
    spec = _spec()
    with httpx.Client(base_url=sec_server.url, headers=contract_auth, timeout=10) as c:
        for path in (
            "/api/v1/watchlists/999999",
            "/api/v1/alerts/999999",
            "/api/v1/screens/999999",
        ):
            r = c.get(path)
            assert r.status_code == 404 and r.json()["detail"], path
            template = path.rsplit("/", 1)[0] + "/{" + path.split("/")[3][:-1] + "_id}"
            assert "404" in spec["paths"][template]["get"]["responses"], template


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/no-such-thing"),
        ("POST", "/api/v1/no/such/thing"),
        ("GET", "/api/v1/stocks/TCS/no-such-view"),
        ("DELETE", "/api/v1/"),
    ],
)
def test_unknown_api_paths_answer_json_404_in_the_app(app_server, method, path):
    r = httpx.request(method, f"{app_server.url}{path}", timeout=10)
    assert r.status_code == 404, (r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    assert isinstance(r.json()["detail"], str)


def test_known_path_with_another_method_is_405_not_404(app_server):
    r = httpx.put(f"{app_server.url}/api/v1/market/status", timeout=10)
    assert r.status_code == 405 and "GET" in r.headers.get("allow", "")
    assert httpx.get(f"{app_server.url}/api/v1/market/status", timeout=10).status_code == 200
    # the pages keep their own 404
    page = httpx.get(f"{app_server.url}/no-such-page", timeout=10)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
