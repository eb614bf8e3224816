"""Every platform page is for staff: a resident and a merchant's clerk get 403 (or 404) on each,
whatever its arguments; they keep the voucher pages and their password page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from policyledger.web.accounts.models import Unit

PASSWORD = "resident-pw-电池-42"
OPEN_TO_EVERYONE = ("accounts/login/", "accounts/logout/", "accounts/password/")


def _staff_paths() -> list[str]:
    """Each page of the accounts, documents and tracking apps, with 1 for every argument."""
    paths = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                paths.append(route)

    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and getattr(p, "app_name", "") in (
            "accounts", "documents", "tracking"
        ):  # fmt: skip
            walk(p.url_patterns, str(p.pattern))
    out = []
    for route in paths:
        if route.startswith(OPEN_TO_EVERYONE) or route == "":
            continue  # "/" sends a resident to the voucher pages (tested below)
        for conv in ("<int:pk>", "<int:id>", "<str:action>", "<slug:action>"):
            route = route.replace(conv, "accept" if "action" in conv else "1")
        assert "<" not in route, route
        out.append("/" + route)
    return out


STAFF_PATHS = _staff_paths()


@pytest.fixture
def outsiders(db, tasks):
    from django.contrib.auth import get_user_model

    from policyledger.web.vouchers.models import Merchant

    User = get_user_model()
    resident = User.objects.create_user("resident", password=PASSWORD)
    clerk = User.objects.create_user("clerk", password=PASSWORD)
    Merchant.objects.create(name="海州饭店", sector="餐饮").users.add(clerk)
    clients = {}
    for user in (resident, clerk):
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302
        clients[user.username] = client
    return clients


def test_the_list_covers_the_pages_named_in_the_issue():
    assert "/accounts/units/" in STAFF_PATHS and "/tracking/warnings/" in STAFF_PATHS
    assert "/accounts/units/1/" in STAFF_PATHS and "/accounts/tokens/" in STAFF_PATHS
    assert len(STAFF_PATHS) > 25


@pytest.mark.parametrize("who", ["resident", "clerk"])
def test_staff_pages_refuse_residents_and_clerks(outsiders, who):
    client = outsiders[who]
    answers = {path: client.get(path).status_code for path in STAFF_PATHS}
    assert {p: s for p, s in answers.items() if s not in (403, 404, 405)} == {}
    # Writes too (CSRF is not what stops them: the test client does not enforce it).
    posts = {p: client.post(p, {"name": "x"}).status_code for p in STAFF_PATHS}
    assert {p: s for p, s in posts.items() if s not in (403, 404, 405)} == {}
    assert Unit.objects.filter(name="x").count() == 0
    assert client.get("/accounts/units/").status_code == 403


@pytest.mark.parametrize("who", ["resident", "clerk"])
def test_outsiders_keep_their_own_pages(outsiders, who):
    client = outsiders[who]
    assert client.get("/").url == {"resident": "/vouchers/", "clerk": "/vouchers/merchant/"}[who]
    assert client.get("/vouchers/").status_code == 200
    assert client.get("/accounts/password/").status_code == 200


def test_staff_still_reach_their_pages(login, alice, bob, dave, tasks):
    for user in (alice, bob, dave):
        client = login(user)
        for path in ("/", "/tracking/tasks/", "/tracking/warnings/", "/accounts/units/"):
            assert client.get(path).status_code in (200, 302), (user, path)
