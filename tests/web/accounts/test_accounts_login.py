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
