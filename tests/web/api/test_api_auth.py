"""Authentication: bearer tokens (hash stored, revocable, dead with their user), the session
with CSRF for writes, and the schema and docs behind the same door."""

from __future__ import annotations

import datetime as dt
import hashlib

from api_helpers import BASE, assert_error, issue
from django.test import Client
from django.utils import timezone


def test_no_credentials_is_401_in_chinese(db):
    response = Client().get(f"{BASE}/tasks/")
    assert_error(response, 401, "unauthorized")


def test_wrong_token_is_401(bob):
    issue(bob)
    response = Client().get(f"{BASE}/tasks/", headers={"Authorization": "Bearer pl_guessed"})
    assert_error(response, 401, "unauthorized")


def test_token_is_stored_as_hash_and_works(bob, api):
    from policyledger.web.accounts.models import ApiToken

    client = api(bob)
    token = ApiToken.objects.get(user=bob)
    assert token.key_hash == hashlib.sha256(client.key.encode()).hexdigest()
    assert client.key not in (token.key_hash, token.prefix)
    response = client.get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "bob",
        "role": "reporter",
        "role_label": "责任单位填报人",
        "unit_id": bob.profile.unit_id,
        "unit_name": "市商务局",
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_fails(bob, api):
    client = api(bob)
    token_id = client.get("/tokens").json()[0]["id"]
    assert client.delete(f"/tokens/{token_id}").status_code == 204
    assert_error(client.get("/me"), 401)


def test_token_of_deactivated_user_fails(bob, api):
    client = api(bob)
    assert client.get("/me").status_code == 200
    bob.is_active = False
    bob.save()
    assert_error(client.get("/me"), 401, "unauthorized")
    assert_error(client.get("/tasks/"), 401)


def test_token_created_through_api_is_shown_once(bob, api, login):
    client = api(bob)
    # A token cannot mint tokens: a leaked one would otherwise outlive its expiry and revocation.
    assert_error(client.post("/tokens", {"name": "本单位系统"}), 403, "session_required")
    session = login(bob)
    created = session.post(
        f"{BASE}/tokens", {"name": "本单位系统", "days": 30}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    key = created.json()["key"]
    expires = dt.datetime.fromisoformat(created.json()["expires_at"])
    assert abs(expires - timezone.now() - dt.timedelta(days=30)) < dt.timedelta(minutes=5)
    listed = client.get("/tokens").json()
    assert all("key" not in row for row in listed)
    assert {row["name"] for row in listed} == {"测试", "本单位系统"}
    other = Client().get(f"{BASE}/me", headers={"Authorization": f"Bearer {key}"})
    assert other.json()["username"] == "bob"
    too_long = session.post(f"{BASE}/tokens", {"days": 10000}, content_type="application/json")
    assert "有效期" in assert_error(too_long, 422, "invalid_days")["detail"]


def test_token_expires(bob, api, clock):
    from policyledger.web.accounts.models import ApiToken

    client = api(bob)
    token = ApiToken.objects.get(user=bob)
    # The default lifetime, chosen at creation.
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - dt.timedelta(days=90)) < dt.timedelta(minutes=1)
    with clock(token.expires_at - dt.timedelta(minutes=1)):
        assert client.get("/me").status_code == 200
    with clock(token.expires_at + dt.timedelta(seconds=1)):
        assert_error(client.get("/me"), 401)
    # A token without an expiry (none is made so) is refused, not eternal.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert_error(client.get("/me"), 401)


def test_tokens_page_shows_and_chooses_the_expiry(bob, login):
    from policyledger.web.accounts.models import ApiToken

    client = login(bob)
    page = client.get("/accounts/tokens/").content.decode()
    assert "有效期" in page and '<option value="90" selected>' in page
    response = client.post("/accounts/tokens/", {"name": "系统", "days": "180"})
    token = ApiToken.objects.get(user=bob, name="系统")
    assert abs(token.expires_at - timezone.now() - dt.timedelta(days=180)) < dt.timedelta(minutes=5)
    assert f"{timezone.localtime(token.expires_at):%Y年%-m月%-d日}" in response.content.decode()
    refused = client.post("/accounts/tokens/", {"name": "永久", "days": "99999"}).content.decode()
    assert "令牌有效期须为1到365天" in refused and not ApiToken.objects.filter(name="永久").exists()


def test_session_reads_and_writes_need_csrf(bob, tasks, login):
    task = tasks[("一、", "市商务局")]
    client = login(bob)
    client.handler.enforce_csrf_checks = True
    assert client.get(f"{BASE}/tasks/{task.pk}").status_code == 200
    body = {"period": "2022年9月", "task_status": "in_progress", "percent": 10}
    refused = client.post(f"{BASE}/tasks/{task.pk}/reports", body, content_type="application/json")
    assert_error(refused, 403, "csrf")
    csrf = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if csrf is None:
        client.get("/")  # any page sets the cookie for the pages' fetch() calls
        csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        f"{BASE}/tasks/{task.pk}/reports",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert accepted.status_code == 201, accepted.content


def test_anonymous_write_is_401_not_csrf_403(tasks):
    task = tasks[("一、", "市商务局")]
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{BASE}/tasks/{task.pk}/reports", {}, content_type="application/json")
    assert_error(response, 401)


def test_schema_and_docs_need_a_user(alice, api, login):
    assert_error(Client().get(f"{BASE}/openapi.json"), 401)
    schema = api(alice).get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/tasks/", "/api/v1/reports/{id}/accept", "/api/v1/documents/"):
        assert path in paths
    docs = login(alice).get(f"{BASE}/docs")
    assert docs.status_code == 200
    # The bundled Swagger UI, not a CDN the CSP would block.
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content


def test_unknown_api_path_is_json_404(alice, api):
    assert_error(api(alice).get("/no-such-thing/"), 404, "not_found")
