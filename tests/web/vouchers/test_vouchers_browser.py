"""The resident's phone page and the administrator's chart in headless Chromium."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(chromium, live_server, user, errors, **context):
    client = Client()
    client.force_login(user)
    ctx = chromium.new_context(**context)
    ctx.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = ctx.new_page()
    # The site has no favicon yet (base.html is not ours); anything else logged as an error counts.
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} {m.location}")
            if m.type == "error" and "favicon.ico" not in str(m.location)
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page


def test_phone_shows_the_qr_and_the_admin_sees_the_chart(
    chromium, live_server, make_campaign, alice, bob, staff, restaurant
):
    c = make_campaign(start=timezone.now() - dt.timedelta(hours=1))
    mine = claim(alice, c, idempotency_key="k").voucher
    spent = claim(bob, c, idempotency_key="k").voucher
    redeem(restaurant, spent.code, "300", idempotency_key="r")
    errors: list[str] = []
    phone = _page(
        chromium, live_server, alice, errors, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone.goto(f"{live_server.url}/vouchers/mine/")
    qr = phone.locator("img.qr").first
    assert qr.evaluate("e => e.complete && e.naturalWidth > 0")
    assert qr.bounding_box()["width"] <= 390
    assert phone.locator(".code").first.inner_text().replace("-", "") == mine.code
    # Nothing on the page is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    desk = _page(chromium, live_server, staff, errors)
    desk.goto(f"{live_server.url}/vouchers/manage/{c.pk}/")
    desk.wait_for_selector("#leverage-sector canvas", timeout=10_000)
    assert not errors, errors  # no CSP violation, no script error
