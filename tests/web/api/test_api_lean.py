"""The short road for token-authenticated report submissions (api/lean.py) answers exactly as the
full application does, and ``core.compiled`` gives what the queryset it stands for gives.

Each sequence of submissions (a new report, resubmissions, every kind of refusal) runs through
the full WSGI application and through the lean handler from the same database state (the first
run is rolled back); the statuses, bodies, headers and every row written must be the same.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from api_helpers import issue
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone

from policyledger.web import wsgi
from policyledger.web.api.lean import is_token_submission


@pytest.fixture
def _keep_test_connection():
    """The real WSGI handlers close the database connection around each request, which would
    close the test's own transaction; Django's test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _environ(path: str, body: bytes, key: str, **extra) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {key}",
        **extra,
    }


def _call(app, task_id: int, data: dict, key: str) -> tuple:
    body = json.dumps(data, ensure_ascii=False).encode()
    environ = _environ(f"/api/v1/tasks/{task_id}/reports", body, key)
    assert is_token_submission(environ)
    seen: list = []
    chunks = app(environ, lambda status, headers, *_: seen.append((status, headers)))
    content = b"".join(chunks)
    status, headers = seen[0]
    answer = json.loads(content)
    if isinstance(answer, dict):
        for name in ("id", "submitted_at"):
            answer.pop(name, None)
    # Headers by name and value (CSP's directives in order). Left out: LocaleMiddleware's
    # Content-Language (the API speaks one language) and Vary (Accept-Language, and Cookie where
    # the session fallback looked for a session: the lean road takes no call with a cookie).
    names = sorted(
        (k.lower(), "; ".join(sorted(v.split("; "))) if k.lower() != "content-length" else "")
        for k, v in headers
        if k.lower() not in ("content-language", "vary")
    )
    return status, answer, names


def _rows() -> dict:
    from policyledger.web.core.models import AuditLog, Notification
    from policyledger.web.tracking.models import Report, ReportValue

    return {
        "reports": sorted(
            Report.objects.values_list(
                "task_id",
                "period_label",
                "status",
                "task_status",
                "percent",
                "narrative",
                "version",
                "submitted_by_id",
            )
        ),  # fmt: skip
        "values": sorted(
            ReportValue.objects.values_list("report__task_id", "target_id", "achieved")
        ),
        "audit": sorted(
            (a.action, a.object_type, a.task_id_ref, json.dumps(a.before), json.dumps(a.after))
            for a in AuditLog.objects.all()
        ),
        "notifications": sorted(
            Notification.objects.values_list("user_id", "text", "link", "digest", "count", "read")
        ),
    }


def _transcript(app, steps) -> tuple[list, dict]:
    with transaction.atomic():
        answers = [_call(app, task_id, data, key) for task_id, data, key in steps]
        rows = _rows()
        transaction.set_rollback(True)
    return answers, rows


def test_lean_and_full_roads_answer_and_write_the_same(
    alice, bob, carol, dave, tasks, _keep_test_connection
):
    from policyledger.web.accounts.models import ApiToken
    from policyledger.web.documents.models import Target

    task = tasks[("一、", "市商务局")]
    other = tasks[("三、", "市商务局")]
    target = Target.objects.create(measure=task.measure, kind="money", value=1000, unit="元")
    foreign = Target.objects.create(measure=other.measure, kind="money", value=5, unit="元")
    key, viewer, stranger = issue(bob), issue(dave), issue(carol)
    expired = issue(bob)
    ApiToken.objects.filter(prefix=expired[:10]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    base = {"period": "2022年9月", "task_status": "in_progress", "percent": 40}
    steps = [
        (task.pk, {**base, "values": {str(target.pk): 10.5}, "narrative": "推进"}, key),
        (task.pk, {**base, "percent": 60, "version": 2}, key),  # resubmission
        (task.pk, {**base, "version": 2}, key),  # stale version: 409
        (task.pk, {**base, "period": "明年"}, key),  # 422 invalid period
        (task.pk, {**base, "percent": 101}, key),  # schema refusal
        (task.pk, {**base, "task_status": "done"}, key),  # done needs 100%
        (task.pk, {**base, "narrative": "坏\x07字符"}, key),  # control character
        (task.pk, {**base, "values": {str(foreign.pk): 1}}, key),  # not the task's target
        (task.pk, {**base, "values": {str(target.pk): "abc"}}, key),
        (task.pk, {**base, "draft": True, "period": "2022年10月"}, key),
        (other.pk, base, key),
        (task.pk, base, "pl_forged"),  # 401
        (task.pk, base, expired),  # 401
        (task.pk, base, viewer),  # 403 read-only
        (task.pk, base, stranger),  # 404 not visible to the unit
        (987654, base, key),  # 404 no such task
    ]
    full_answers, full_rows = _transcript(wsgi.full, steps)
    lean_answers, lean_rows = _transcript(wsgi.lean, steps)
    assert [a[0][:3] for a in full_answers] == [
        "201", "201", "409", "422", "422", "400", "400", "400", "422", "201", "201",
        "401", "401", "403", "404", "404",
    ]  # fmt: skip
    for step, full, lean in zip(steps, full_answers, lean_answers, strict=True):
        assert full == lean, step
    assert full_rows == lean_rows
    assert len(full_rows["reports"]) == 3
    assert sum(a[0].startswith("report.") for a in full_rows["audit"]) == 4
    # The dispatcher sends these calls down the lean road, and anything else the full one.
    path = f"/api/v1/tasks/{task.pk}/reports"
    env = _environ(path, b"{}", key)
    assert is_token_submission(env)
    assert not is_token_submission({**env, "HTTP_COOKIE": "sessionid=x"})
    assert not is_token_submission({**env, "REQUEST_METHOD": "GET"})
    assert not is_token_submission({**env, "HTTP_AUTHORIZATION": ""})
    assert not is_token_submission({**env, "PATH_INFO": path + "/files"})
    assert not is_token_submission({**env, "PATH_INFO": path + "/../../../admin/"})


def test_lean_road_still_checks_the_host(bob, tasks, _keep_test_connection):
    task = tasks[("一、", "市商务局")]
    environ = _environ(f"/api/v1/tasks/{task.pk}/reports", b"{}", issue(bob))
    environ["HTTP_HOST"] = "evil.example"
    seen: list = []
    b"".join(wsgi.application(environ, lambda status, headers, *_: seen.append(status)))
    assert seen[0].startswith("400")


def test_compiled_queries_give_what_the_queryset_gives(alice, bob, dave, tasks):
    """Token (with user, profile and unit; a user with no profile), task with select_related
    and only(), report row by task and date: the same objects and related caches."""
    from django.contrib.auth import get_user_model

    from policyledger.web.accounts.models import ApiToken
    from policyledger.web.accounts.services import hash_key, user_for_token
    from policyledger.web.core.compiled import Compiled
    from policyledger.web.tracking.models import Report
    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import submit_report

    nobody = get_user_model().objects.create(username="noprofile")
    for user in (alice, bob, dave, nobody):
        key = issue(user)
        got = user_for_token(key)
        want = (
            ApiToken.objects.select_related("user__profile__unit").get(key_hash=hash_key(key)).user
        )
        assert got == want
        assert getattr(got, "profile", None) == getattr(want, "profile", None)
        if getattr(want, "profile", None) is not None:
            assert got.profile.unit == want.profile.unit
            assert got.profile.role == want.profile.role
    assert user_for_token("pl_nothing") is None

    period = parse_period("2022年9月", "monthly")
    task = tasks[("一、", "市商务局")]
    made = submit_report(bob, task, period, task_status="in_progress", percent=5, narrative="")
    lock = Compiled(
        lambda task_id, start: Report.objects.filter(task_id=task_id, period_start=start)[:1],
        -1,
        dt.date(1901, 2, 3),
    )
    (found,) = lock.fetch(task.pk, period.start)
    assert found == made and found.period_start == period.start
    assert found.submitted_at == Report.objects.get(pk=made.pk).submitted_at
    assert lock.fetch(task.pk, period.start + dt.timedelta(days=1)) == []
    with pytest.raises(ValueError, match="not exactly one parameter"):
        Compiled(lambda n: Report.objects.filter(percent=n, version=n), 7).fetch(1)


def _raw(app, environ: dict) -> tuple:
    seen: list = []
    content = b"".join(app(environ, lambda status, headers, *_: seen.append((status, headers))))
    status, headers = seen[0]
    try:
        answer = json.loads(content)
    except ValueError:
        answer = content
    if isinstance(answer, dict):
        for name in ("id", "submitted_at"):
            answer.pop(name, None)
    kept = sorted(
        (k.lower(), v) for k, v in headers if k.lower() not in ("content-language", "vary")
    )
    return status, answer, kept


GOOD = {"period": "2022年9月", "task_status": "in_progress", "percent": 40}


@pytest.mark.parametrize(
    ("body", "extra"),
    [
        (json.dumps(GOOD).encode(), {"QUERY_STRING": "percent=100&draft=true"}),
        (b'{"percent": "x"}', {"HTTP_ACCEPT_LANGUAGE": "en"}),
        (b'{"period":"\xff\xfe","task_status":"in_progress","percent":40}', {}),
        (json.dumps(GOOD).encode("utf-16"), {}),
        (b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), {}),
        (json.dumps(GOOD).encode(), {"CONTENT_LENGTH": "10"}),
        (json.dumps(GOOD).encode(), {"CONTENT_LENGTH": "-1"}),
        (b'{"narrative":"' + b"a" * (21 * 1024 * 1024) + b'"}', {}),
        (b"[" * 100_000 + b"]" * 100_000, {}),
        (b"period=x", {"CONTENT_TYPE": "application/x-www-form-urlencoded"}),
        (json.dumps({**GOOD, "values": {"1": "NaN"}}).encode(), {}),
        (json.dumps(GOOD).encode(), {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}),
        (json.dumps(GOOD).encode(), {"HTTP_HOST": "evil.example"}),
        (json.dumps(GOOD).encode(), {"PATH_INFO": "/api/v1/tasks/99999999999999999999/reports"}),
        (json.dumps(GOOD).encode(), {"AUTH_SUFFIX": "\r\nX-Evil: 1"}),
        (json.dumps(GOOD).encode(), {"AUTH_SUFFIX": " trailing"}),
    ],
    ids=["query-string", "accept-language", "not-utf8", "utf16", "bom", "short-length",
         "negative-length", "huge", "deep-json", "form", "nan", "forwarded", "host", "big-id",
         "header-injection", "two-words"],
)  # fmt: skip
def test_odd_requests_get_the_same_answer_on_both_roads(
    bob, tasks, body, extra, _keep_test_connection
):
    """Requests an attacker would try get the full application's answer, headers and writes on
    the lean road too (each from the same state, rolled back)."""
    task = tasks[("一、", "市商务局")]
    key = issue(bob)
    extra = dict(extra)
    suffix = extra.pop("AUTH_SUFFIX", "")
    answers = []
    for app in (wsgi.full, wsgi.lean):
        environ = _environ(f"/api/v1/tasks/{task.pk}/reports", body, key + suffix, **extra)
        with transaction.atomic():
            answers.append((_raw(app, environ), _rows()))
            transaction.set_rollback(True)
    assert answers[0] == answers[1]
    assert answers[0][0][0][:3] != "500"


def test_lean_road_reads_the_token_user_and_unit_afresh(
    bob, carol, units, tasks, _keep_test_connection
):
    """The compiled token statement is built once per connection; a revoked token, a
    deactivated user or a user moved to another unit is seen at the next call."""
    from django.contrib.auth import get_user_model

    from policyledger.web.accounts.models import ApiToken, Profile

    task = tasks[("一、", "市商务局")]
    path = f"/api/v1/tasks/{task.pk}/reports"
    body = json.dumps(GOOD).encode()

    def status(key: str) -> str:
        return _raw(wsgi.application, _environ(path, body, key))[0][:3]

    key = issue(bob)
    assert status(key) == "201"
    ApiToken.objects.filter(prefix=key[:10]).update(revoked=True)
    assert status(key) == "401"
    key = issue(bob)
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)
    assert status(key) == "401"
    get_user_model().objects.filter(pk=bob.pk).update(is_active=True)
    assert status(key) == "201"
    Profile.objects.filter(user=bob).update(unit=carol.profile.unit)
    assert status(key) == "404"  # no longer the lead unit's task
