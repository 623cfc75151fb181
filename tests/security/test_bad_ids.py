"""Regression: object ids the database cannot represent answer 4xx on every id route
(found by the schemathesis fuzz: /screens/{huge}/results answered 500, and so did every
other `{..._id}` route on SQLite)."""

from __future__ import annotations

from tests.security.conftest import new_user
from tests.security.test_authorization import body_for, operations, path_params

HUGE = [2**63, 194380577519827575321620283129856, -(2**70)]


def test_out_of_range_ids_never_answer_5xx(api):
    spec = api.get("/api/v1/openapi.json").json()
    _, _, headers = new_user(api)
    bad = []
    checked = 0
    for method, path, op in operations(spec):
        names = path_params(op)
        if not any(n.endswith("_id") for n in names):
            continue
        for value in HUGE:
            url = path.format(**{n: value if n.endswith("_id") else "TCS" for n in names})
            r = api.request(method, url, headers=headers, json=body_for(op, spec, None))
            checked += 1
            if r.status_code >= 500 or r.status_code not in (404, 422):
                bad.append((method, path, value, r.status_code))
    assert checked >= 18
    assert bad == []
