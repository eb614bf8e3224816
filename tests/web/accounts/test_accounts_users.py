"""Administrators manage users: add with a unit and role, switch accounts off."""

from django.contrib.auth import get_user_model
from django.test import Client


def test_admin_adds_a_reporter_who_can_then_log_in(login, alice, units):
    client = login(alice)
    response = client.post(
        "/accounts/users/",
        {
            "username": "erin",
            "full_name": "周财政",
            "password": "a-Long-pass-2026",
            "role": "reporter",
            "unit": units["市财政局"].pk,
        },
        follow=True,
    )
    assert "已添加用户“erin”" in response.content.decode()
    erin = get_user_model().objects.get(username="erin")
    assert (erin.profile.role, erin.profile.unit) == ("reporter", units["市财政局"])
    other = Client()
    assert (
        other.post(
            "/accounts/login/", {"username": "erin", "password": "a-Long-pass-2026"}
        ).status_code
        == 302
    )


def test_reporter_without_unit_and_weak_password_are_refused(login, alice):
    client = login(alice)
    page = client.post(
        "/accounts/users/",
        {"username": "x1", "password": "a-Long-pass-2026", "role": "reporter"},
        follow=True,
    ).content.decode()
    assert "填报人必须属于一个单位" in page
    page = client.post(
        "/accounts/users/", {"username": "x2", "password": "123", "role": "viewer"}, follow=True
    ).content.decode()
    assert "密码不符合要求" in page
    assert not get_user_model().objects.filter(username__in=["x1", "x2"]).exists()


def test_deactivated_user_cannot_log_in(login, alice, bob):
    login(alice).post(f"/accounts/users/{bob.pk}/toggle/")
    bob.refresh_from_db()
    assert not bob.is_active
    response = Client().post(
        "/accounts/login/", {"username": "bob", "password": "correct-horse-电池-42"}
    )
    assert response.status_code == 200


def test_switching_an_account_off_and_on_is_audited_and_logged(login, alice, bob, caplog):
    from policyledger.web.core.models import AuditLog

    client = login(alice)
    with caplog.at_level("INFO", logger="policyledger.web.accounts"):
        client.post(f"/accounts/users/{bob.pk}/toggle/")
        client.post(f"/accounts/users/{bob.pk}/toggle/")
    bob.refresh_from_db()
    assert bob.is_active
    entries = AuditLog.objects.filter(action="user.active", actor=alice).order_by("pk")
    assert [e.after for e in entries] == [{"is_active": False}, {"is_active": True}]
    logged = [r.getMessage() for r in caplog.records if r.name == "policyledger.web.accounts"]
    assert logged == ["user bob disabled by alice", "user bob enabled by alice"]


def test_only_admins_manage_users(login, bob, dave, alice):
    for who in (bob, dave):
        client = login(who)
        assert client.get("/accounts/users/").status_code == 403
        assert client.post(f"/accounts/users/{alice.pk}/toggle/").status_code == 403
    alice.refresh_from_db()
    assert alice.is_active
