"""Schemathesis against the live OpenAPI schema: no generated input gives a 500.

The schema is fetched from the running app (WSGI, in process, so the test database and its
fixtures are what the API sees), with an administrator's token and with a reporter's. Every
operation gets a bounded number of generated cases, valid ones (positive) and invalid ones
(negative), and no response may be a server error. Operations on one object run twice: with
generated ids (almost all unknown: 404/422) and with the id of a real object, so the bodies of
writes reach the services. All operations run before the test fails, so one report lists every
operation that broke.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

EXAMPLES = 15
EXAMPLES_UNKNOWN_ID = 8
# Revoking tokens by guessed id could revoke the token the run itself uses; that endpoint is
# covered by test_api_auth instead.
SKIP = {("DELETE", "/api/v1/tokens/{id}")}


def _fuzz(operation, mode, headers, examples, path_parameters=None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    run()


@pytest.fixture
def real_ids(tasks, bob):
    """One visible object of each kind (visible to the reporter bob too)."""
    from policyledger.web.tracking.services import reports
    from policyledger.web.tracking.services.periods import parse_period

    task = tasks[("一、", "市商务局")]
    report = reports.submit_report(
        bob,
        task,
        parse_period("2022年9月", "monthly"),
        task_status="in_progress",
        percent=20,
        narrative="开展中",
    )
    return {
        "documents": task.measure.document_id,
        "measures": task.measure_id,
        "tasks": task.pk,
        "reports": report.pk,
        "units": task.lead_unit_id,
    }


@pytest.fixture
def keep_connection():
    """Requests through the WSGI handler would close the test's database connection at their end
    (inside its transaction on PostgreSQL); Django's test client avoids that the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_no_server_error_on_generated_input(who, people, real_ids, keep_connection):
    from django.core.wsgi import get_wsgi_application

    from policyledger.web.accounts.services import issue_token

    key = issue_token(people[who], "schemathesis")[1]
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application(), headers=headers
    )
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        runs = [(None, EXAMPLES)]
        if "{id}" in operation.path:
            resource = operation.path.removeprefix("/api/v1/").split("/")[0]
            runs = [(None, EXAMPLES_UNKNOWN_ID), ({"id": real_ids[resource]}, EXAMPLES)]
        for path_parameters, examples in runs:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, headers, examples, path_parameters)
                except Exception as exc:  # collect, so every failing operation is reported
                    failures.append(f"{name} [{mode.value}, id={path_parameters}]: {exc}")
        checked += 1
    assert checked >= 20
    assert not failures, "\n\n".join(failures)
