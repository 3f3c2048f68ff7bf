"""Every operation of /api/v1/openapi.json, fuzzed by schemathesis against the app itself.

Schemathesis reads the served document and sends requests made from it (valid ones and ones
the document says are wrong) to the WSGI app, with an admin's real token, so the write paths
run too. Every answer must be no server error, a status the document lists for the
operation, the content type it gives, and a body and headers that fit its schema. Bounded
and repeatable: a fixed number of examples per operation, derandomised, no deadline (the
machine is shared), so CI sees the same requests every run on each backend. Half the
requests to a path with an id are aimed at a row that exists, so the views behind the 404
run. About 30 s a backend on a loaded two-core machine.
"""

from __future__ import annotations

import re
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assetmap.accounts.users import create_api_token, create_user
from tests.factories import listing

#: Requests per operation: enough to find the shapes that break, a couple of minutes in all.
EXAMPLES = 50

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def admin_headers(database) -> dict[str, str]:
    """An admin's real token: every operation's role (cases, gaps, edits) accepts it."""
    with database.session() as session:
        admin = create_user(session, "admin@scheme.example", "admin", team="North")
        token = create_api_token(session, admin)
        session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def rows(app, add_groups, admin_headers) -> dict[str, int]:
    """Two groups, a case and a referral: what the generated requests are aimed at."""
    ids = add_groups(listing("Men's Shed"), listing("Knit and Natter", at="NW1 7AA"))
    client = app.test_client()
    case = client.post("/api/v1/cases", json={"reference": "NS-1"}, headers=admin_headers)
    assert case.status_code == 201, case.get_json()
    referred = client.post(
        f"/api/v1/cases/{case.get_json()['id']}/referrals",
        json={"group_id": ids[0]},
        headers=admin_headers,
    )
    assert referred.status_code == 201, referred.get_json()
    return {"group": ids[0], "case": case.get_json()["id"], "referral": referred.get_json()["id"]}


@pytest.fixture
def api_schema(app, rows) -> Any:
    """The served document, bound to the app."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _aimed(case: Any, rows: dict[str, int], app: Any, headers: dict[str, str]) -> None:
    """Point a generated request at a row that exists (random ids almost never do), with the
    listing's current version as If-Match, so the reads and writes behind the 404 run."""
    path = case.operation.path
    kind = "group" if path.startswith("/groups/") else "case" if "/cases/" in path else "referral"
    case.path_parameters = {**(case.path_parameters or {}), "id": rows[kind]}
    if case.operation.method.upper() == "PATCH" and kind == "group":
        etag = app.test_client().get(f"/api/v1/groups/{rows['group']}").headers["ETag"]
        case.headers = {**(case.headers or {}), "If-Match": etag}


def _routes(app: Any) -> set[str]:
    """Every method and path the API serves, as schemathesis labels them."""
    return {
        f"{method} {re.sub(r'<[^:>]+:[^>]+>', '{id}', rule.rule.removeprefix('/api/v1'))}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }


def test_every_operation_answers_as_documented(api_schema, admin_headers, rows) -> None:
    """Each operation, with valid and invalid requests; every failure is listed at the end."""
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # None left out but the document itself (schemathesis skips the one it was loaded from;
    # tests/web/api/test_openapi.py validates it).
    assert {op.label for op in operations} == _routes(api_schema.app) - {"GET /openapi.json"}
    for operation in operations:
        strategy = hypothesis.strategies.one_of(
            operation.as_strategy(generation_mode=mode) for mode in GenerationMode
        )

        @hypothesis.settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=strategy, aim=hypothesis.strategies.booleans())
        def check(case: Any, aim: bool) -> None:
            if aim and "{id}" in case.operation.path:
                _aimed(case, rows, api_schema.app, admin_headers)
            case.call_and_validate(headers=admin_headers, checks=CHECKS)

        try:
            check()
        # Schemathesis raises its failures as a BaseExceptionGroup; one operation's failures
        # don't hide the next one's.
        except (Exception, BaseExceptionGroup) as failure:
            failures[operation.label] = str(failure)[:2500]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
