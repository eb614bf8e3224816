"""Every role lands somewhere useful: residents, merchants' clerks, voucher administrators and
subsidy applicants start on their own pages after login, with their own navigation and a logout
link, and never see the staff navigation; the staff navigation links 消费券 and 接口令牌."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from policyledger.web.accounts import hooks

PASSWORD = "role-landing-电池-42"
STAFF_ONLY_LINKS = ("/tracking/tasks/", "/documents/", "/accounts/units/", "/tracking/audit/")


def _uscc() -> str:
    from policyledger.web.subsidies.services.identity import uscc_check_char

    first17 = "9132070000000077X"
    return first17 + uscc_check_char(first17)


@pytest.fixture
def outsiders(db):
    from policyledger.web.subsidies.services import applicants
    from policyledger.web.vouchers.models import Merchant

    User = get_user_model()
    made = {
        "resident": User.objects.create_user("resident", password=PASSWORD),
        "clerk": User.objects.create_user("clerk", password=PASSWORD),
        "voucher_admin": User.objects.create_user("vadmin", password=PASSWORD, is_staff=True),
        "applicant": User.objects.create_user("applicant", password=PASSWORD),
    }
    Merchant.objects.create(name="海州饭店", sector="餐饮").users.add(made["clerk"])
    applicants.get_or_create(
        "enterprise", "连云港惠民家电有限公司", _uscc(), user=made["applicant"]
    )
    return made


def _login(user) -> tuple[Client, str]:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client, response.url


def _nav(page: str) -> tuple[str, str]:
    header = page.split('<header class="topbar">')[1].split("</header>")[0]
    return header, " ".join(re.findall(r'href="([^"]+)"', header))


LANDING = {
    "resident": "/vouchers/",
    "clerk": "/vouchers/merchant/",
    "voucher_admin": "/vouchers/manage/",
    "applicant": "/subsidies/mine/",
}
OWN_LINKS = {
    "resident": ["/vouchers/", "/vouchers/mine/"],
    "clerk": ["/vouchers/merchant/", "/vouchers/", "/vouchers/mine/"],
    "voucher_admin": ["/vouchers/manage/", "/vouchers/manage/review/", "/vouchers/"],
    "applicant": ["/subsidies/mine/", "/subsidies/", "/subsidies/notices/"],
}


@pytest.mark.parametrize("who", sorted(LANDING))
def test_each_outsider_lands_on_their_own_page_with_their_own_nav(outsiders, who):
    client, landed = _login(outsiders[who])
    assert landed == LANDING[who]
    # "/" sends them to the same page.
    assert client.get("/").url == LANDING[who]
    page = client.get(landed)
    assert page.status_code == 200
    header, links = _nav(page.content.decode())
    for link in OWN_LINKS[who]:
        assert f"{link} " in links + " ", (who, link, links)
    assert 'aria-label="主导航"' not in header  # the staff navigation is not rendered
    for staff_link in STAFF_ONLY_LINKS:
        assert staff_link not in links, (who, staff_link)
    assert "/accounts/logout/" in header and "退出" in header
    assert "/accounts/password/" in links


def test_a_resident_sees_no_clerk_or_admin_links(outsiders):
    client, _ = _login(outsiders["resident"])
    _, links = _nav(client.get("/vouchers/").content.decode())
    assert "/vouchers/merchant/" not in links and "/vouchers/manage/" not in links
    assert "/subsidies/mine/" not in links


def test_a_next_parameter_still_wins(outsiders):
    client = Client()
    response = client.post(
        "/accounts/login/?next=/vouchers/mine/",
        {"username": "clerk", "password": PASSWORD, "next": "/vouchers/mine/"},
    )
    assert response.url == "/vouchers/mine/"


def test_without_providers_an_outsider_has_no_landing(outsiders, monkeypatch):
    """Control: the landing comes from the apps' providers, not from a fixed page."""
    monkeypatch.setattr(hooks, "_own_links", [])
    assert hooks.landing(outsiders["clerk"]) is None


@pytest.mark.parametrize("name", ["alice", "bob", "dave"])
def test_staff_land_on_the_home_page_with_vouchers_and_tokens_in_their_nav(login, people, name):
    client = login(people[name])
    page = client.get("/")
    assert page.status_code == 200
    header, links = _nav(page.content.decode())
    assert 'aria-label="主导航"' in header
    assert "消费券" in header and "接口令牌" in header
    assert "/accounts/tokens/" in links
    assert ("/vouchers/manage/" if name == "alice" else "/vouchers/") in links
    assert ("/tracking/audit/" in links) == (name == "alice")
    assert client.get("/accounts/tokens/").status_code == 200
