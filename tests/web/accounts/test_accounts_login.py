"""Login, logout, lockout, and login required everywhere except the login page."""

import pytest
from django.test import Client

PASSWORD = "correct-horse-电池-42"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/documents/",
        "/documents/import/",
        "/tracking/tasks/",
        "/tracking/reports/",
        "/accounts/units/",
        "/accounts/notifications/",
        "/tracking/warnings/",
    ],
)
def test_every_page_redirects_anonymous_users_to_login(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_open_and_chinese(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_then_home_then_logout(bob):
    client = Client()
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "市商务局" in home.content.decode()
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_gives_chinese_error(bob):
    response = Client().post("/accounts/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_brute_force_is_locked_out_even_with_right_password(bob, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "bob", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert client.get("/").status_code == 302


def test_pages_send_a_content_security_policy(login, alice):
    response = login(alice).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize("language", ["en", "en-US,en;q=0.9", "fr", "zh-hant"])
def test_a_browser_asking_for_another_language_still_reads_chinese(login, bob, language):
    """Every language Django ships was on offer: an English browser got Django's own messages
    (a required field, passwords that differ) in English, and a Content-Language to match."""
    client = login(bob)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post(
        "/accounts/password/",
        {"old_password": "", "new_password1": "x-Long-enough-1", "new_password2": "other"},
    )
    errors = response.content.decode().split('class="msg msg-error"')[1].split("</div>")[0]
    assert "This field is required" not in errors and "didn’t match" not in errors, errors
    assert "旧密码" in errors and "这个字段是必填项" in errors, errors
    assert response["Content-Language"] == "zh-hans"
