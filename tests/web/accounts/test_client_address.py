"""Lockout across addresses, and X-Forwarded-For believed only from a configured proxy."""

from __future__ import annotations

import pytest
from django.test import Client

from policyledger.web.clientip import client_address

PASSWORD = "correct-horse-电池-42"


def _login(password, ip, forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post("/accounts/login/", {"username": "bob", "password": password}, **extra)


def test_a_username_is_locked_whatever_the_address(bob, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login("wrong", f"203.0.113.{i + 1}")
    # Right password, yet another address: still locked, in Chinese.
    response = _login(PASSWORD, "198.51.100.7")
    assert response.status_code == 429
    assert "该账号登录失败次数过多" in response.content.decode()


def test_forwarded_for_from_a_client_does_not_change_its_address(bob, settings):
    settings.TRUSTED_PROXIES = []
    from axes.models import AccessAttempt

    # An attacker rotating X-Forwarded-For is still counted under its own address.
    for i in range(3):
        _login("wrong", "203.0.113.9", forwarded=f"10.0.0.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_forwarded_for_from_a_trusted_proxy_names_the_client(bob, settings):
    settings.TRUSTED_PROXIES = ["10.1.0.0/16"]
    from axes.models import AccessAttempt

    _login("wrong", "10.1.2.3", forwarded="1.2.3.4, 198.51.100.20")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.20"]


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.5", "1.1.1.1", "203.0.113.5"),
        (["10.0.0.1"], "203.0.113.5", "1.1.1.1", "203.0.113.5"),
        (["10.0.0.1"], "10.0.0.1", "1.1.1.1", "1.1.1.1"),
        # The client wrote the left entry itself; the proxy appended the real one.
        (["10.0.0.1"], "10.0.0.1", "6.6.6.6, 1.1.1.1", "1.1.1.1"),
        (["10.0.0.0/8"], "10.0.0.1", "1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (["10.0.0.1"], "10.0.0.1", "garbage", None),
        (["10.0.0.1"], "10.0.0.1", "", "10.0.0.1"),
        ([], "not-an-ip", "", None),
        (["::1"], "::1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_address(remote, forwarded) == expected
