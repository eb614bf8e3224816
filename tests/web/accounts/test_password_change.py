"""Everyone signed in may change their own password; the validators answer in Chinese."""

from __future__ import annotations

from django.test import Client

OLD = "correct-horse-电池-42"  # tests/web/conftest.py's password
NEW = "另一匹马-battery-77"


def _change(client, old, new1, new2=None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_change_password_then_sign_in_with_it(login, bob):
    client = login(bob)
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = _change(client, OLD, NEW)
    assert response.status_code == 302 and response.url == "/accounts/password/done/"
    assert "密码已修改" in client.get(response.url).content.decode()
    # Still signed in here; the old password no longer works, the new one does.
    assert client.get("/tracking/tasks/").status_code == 200
    fresh = Client()
    assert fresh.post("/accounts/login/", {"username": "bob", "password": OLD}).status_code == 200
    assert fresh.post("/accounts/login/", {"username": "bob", "password": NEW}).status_code == 302


def test_validator_messages_are_chinese(login, bob):
    client = login(bob)
    short = _change(client, OLD, "abc12").content.decode()
    assert "密码太短，至少需要 8 个字符" in short and "too short" not in short
    assert "这个密码太常见" in _change(client, OLD, "password123").content.decode()
    assert "密码不能全是数字" in _change(client, OLD, "20221231777").content.decode()
    assert "太相似" in _change(client, OLD, "bob@example.org").content.decode()
    wrong_old = _change(client, "not-my-password", NEW).content.decode()
    assert "旧密码不正确" in wrong_old
    mismatch = _change(client, OLD, NEW, NEW + "x").content.decode()
    assert "不一致" in mismatch
    bob.refresh_from_db()
    assert bob.check_password(OLD)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
