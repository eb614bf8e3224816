"""The pages through Django's test client: residents, merchants, administrators."""

import datetime as dt
import io
import re
import uuid

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from policyledger.web.vouchers.models import Campaign, FraudFlag, Redemption, Voucher
from policyledger.web.vouchers.services import codes
from policyledger.web.vouchers.services.claims import claim


@pytest.fixture
def make_campaign(make_campaign):
    """Pages run on the real clock: campaigns open from an hour ago."""

    def make(*args, **kwargs):
        kwargs.setdefault("start", timezone.now() - dt.timedelta(hours=1))
        return make_campaign(*args, **kwargs)

    return make


@pytest.fixture
def live_campaign(make_campaign):
    return make_campaign(batches=((50, 200, 5, 1), (20, 100, 5, 1)))


def test_resident_sees_claims_and_gets_a_qr(client, alice, live_campaign):
    client.force_login(alice)
    page = client.get("/vouchers/")
    assert page.status_code == 200 and "测试消费券" in page.content.decode()
    detail = client.get(f"/vouchers/c/{live_campaign.pk}/").content.decode()
    assert "立即领取" in detail
    b1 = live_campaign.batches.order_by("id").first()
    form = {"idem": "page-1", "batch": b1.pk}
    r = client.post(f"/vouchers/c/{live_campaign.pk}/claim", form)
    assert r.status_code == 302 and r["Location"] == "/vouchers/mine/"
    client.post(f"/vouchers/c/{live_campaign.pk}/claim", form)  # double submit
    assert Voucher.objects.filter(owner=alice).count() == 1
    mine = client.get("/vouchers/mine/")
    html = mine.content.decode()
    v = Voucher.objects.get(owner=alice)
    assert codes.display(v.code) in html and 'src="data:image/svg+xml' in html
    assert "<script>" not in html  # CSP: no inline script
    assert "pl_device" in mine.cookies or client.cookies.get("pl_device")


def test_claim_errors_are_shown_in_chinese(client, alice, make_campaign):
    c = make_campaign(batches=((50, 200, 2, 1),))
    client.force_login(alice)
    client.post(f"/vouchers/c/{c.pk}/claim", {"idem": "a"})
    r = client.post(f"/vouchers/c/{c.pk}/claim", {"idem": "b"}, follow=True)
    assert "已达到每人限领数量" in r.content.decode()
    r = client.post(f"/vouchers/c/{c.pk}/claim", {"idem": ""}, follow=True)
    assert "幂等键" in r.content.decode()


def test_lottery_pages(client, alice, make_campaign):
    c = make_campaign(mode=Campaign.Mode.LOTTERY, status=Campaign.Status.REGISTRATION)
    client.force_login(alice)
    html = client.get(f"/vouchers/c/{c.pk}/").content.decode()
    assert c.seed_hash in html and not c.seed  # commit-reveal: no seed stored before the draw
    r = client.post(f"/vouchers/c/{c.pk}/register", follow=True)
    assert "报名成功" in r.content.decode()
    assert client.get(f"/vouchers/c/{c.pk}/entrants.txt").status_code == 404  # not before close


def test_merchant_redeems_and_refunds(client, alice, restaurant, live_campaign):
    v = claim(
        alice,
        live_campaign,
        batch=live_campaign.batches.order_by("id").first(),
        idempotency_key="k",
    ).voucher
    clerk = restaurant.users.get()
    client.force_login(clerk)
    page = client.get("/vouchers/merchant/")
    assert page.status_code == 200 and "海州饭店" in page.content.decode()
    form = {"code": codes.display(v.code), "bill": "320", "idem": "m-1", "m": restaurant.pk}
    r = client.post("/vouchers/merchant/", form, follow=True)
    assert "核销成功" in r.content.decode() and "顾客实付270.00元" in r.content.decode()
    r = client.post("/vouchers/merchant/", form, follow=True)  # same form twice
    assert "重复提交" in r.content.decode()
    assert Redemption.objects.count() == 1
    r = client.post("/vouchers/merchant/", {**form, "idem": "m-2"}, follow=True)
    assert "该券已核销" in r.content.decode()
    red = Redemption.objects.get()
    r = client.post(
        f"/vouchers/merchant/refund/{red.pk}", {"m": restaurant.pk, "reason": "退单"}, follow=True
    )
    assert "已退款冲正" in r.content.decode()
    assert Voucher.objects.get(pk=v.pk).state == "claimed"


def test_non_merchants_and_residents_are_kept_out(client, alice, live_campaign):
    client.force_login(alice)
    assert client.get("/vouchers/merchant/").status_code == 403
    assert client.get("/vouchers/manage/").status_code == 403
    assert client.get(f"/vouchers/manage/{live_campaign.pk}/settlement.xlsx").status_code == 403


def test_admin_sets_up_a_campaign_through_the_form(client, staff):
    client.force_login(staff)
    form = {
        "name": "页面创建的活动",
        "city": "连云港市",
        "budget": "100000",
        "mode": "first_come",
        "release_at": "2026-05-01T10:00",
        "valid_from": "2026-05-01T10:00",
        "valid_until": "2026-06-01T10:00",
        "per_person_limit": "2",
        "gov_ratio": "2",
        "merchant_ratio": "1",
        "sectors": ["餐饮", "零售"],
        "b1_threshold": "200",
        "b1_face": "50",
        "b1_quantity": "100",
        "b1_limit": "1",
        "b2_threshold": "100",
        "b2_face": "20",
        "b2_quantity": "50",
    }
    r = client.post("/vouchers/manage/new", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Campaign.objects.get(name="页面创建的活动")
    assert c.status == "draft" and c.batches.count() == 2 and c.vouchers.count() == 150
    bad = {**form, "name": "超预算", "b1_quantity": "100000"}
    r = client.post("/vouchers/manage/new", bad)
    assert r.status_code == 200 and "超过预算" in r.content.decode()
    r = client.post(f"/vouchers/manage/{c.pk}/action", {"action": "open"}, follow=True)
    assert "进行中" in r.content.decode()


def test_admin_settles_exports_and_reviews(client, staff, alice, restaurant, live_campaign):
    from policyledger.web.vouchers.services.redemption import redeem

    v = claim(
        alice,
        live_campaign,
        batch=live_campaign.batches.order_by("id").first(),
        idempotency_key="k",
    ).voucher
    redeem(restaurant, v.code, "300", idempotency_key="r")
    client.force_login(staff)
    page = client.get(f"/vouchers/manage/{live_campaign.pk}/")
    assert page.status_code == 200 and 'class="chart"' in page.content.decode()
    r = client.post(
        f"/vouchers/manage/{live_campaign.pk}/action", {"action": "settle"}, follow=True
    )
    assert "结算已生成" in r.content.decode() and "海州饭店" in r.content.decode()
    x = client.get(f"/vouchers/manage/{live_campaign.pk}/settlement.xlsx")
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert rows[2][1] == "海州饭店"
    lev = client.get(f"/vouchers/manage/{live_campaign.pk}/leverage.json").json()
    assert lev["total"]["bills_fen"] == 30000
    flag = FraudFlag.objects.create(
        campaign=live_campaign,
        kind="spike",
        subject=f"merchant:{restaurant.pk}",
        merchant=restaurant,
    )
    html = client.get("/vouchers/manage/review/").content.decode()
    assert "商户核销量突增" in html
    r = client.post(
        f"/vouchers/manage/review/{flag.pk}", {"decision": "cleared", "note": "促销日"}, follow=True
    )
    assert "已审核" in r.content.decode()


def test_api_claim_with_token_and_idempotency(client, alice, make_campaign):
    from policyledger.web.vouchers.api import resident_token

    c = make_campaign(batches=((50, 200, 2, 1),))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {resident_token(alice)}"}
    url = f"/vouchers/api/campaigns/{c.pk}/claim"
    assert (
        client.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x").status_code
        == 401
    )
    assert client.post(url, content_type="application/json", **auth).status_code == 400
    key = str(uuid.uuid4())
    first = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth)
    assert first.status_code == 201
    again = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth)
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    assert again["Idempotent-Replayed"] == "true"
    other = client.post(
        url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="new", **auth
    )
    assert other.status_code == 422 and other.json()["error"] == "limit_reached"
    forged = {"HTTP_AUTHORIZATION": "Bearer " + re.sub(r".$", "x", resident_token(alice))}
    assert (
        client.post(
            url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="z", **forged
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/vouchers/api/campaigns/9999/claim",
            {},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="q",
            **auth,
        ).status_code
        == 404
    )
    mine = client.get("/vouchers/api/mine", **auth).json()
    assert [v["code"] for v in mine["vouchers"]] == [first.json()["code"]]


def test_api_rate_limit_answers_429(client, alice, make_campaign, settings, fresh_rate_window):
    from policyledger.web.vouchers.api import resident_token

    settings.VOUCHERS_RATE_USER_PER_MIN = 3
    from django.core.cache import cache

    cache.clear()
    c = make_campaign(batches=((50, 200, 10, 1),))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {resident_token(alice)}"}
    codes_ = [
        client.post(
            f"/vouchers/api/campaigns/{c.pk}/claim",
            {},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"k{i}",
            **auth,
        )
        for i in range(5)
    ]
    assert [r.status_code for r in codes_] == [201, 422, 422, 429, 429]
    assert codes_[-1]["Retry-After"] == str(fresh_rate_window)  # the rest of the window


def test_a_garbled_forwarded_address_is_ignored(client, alice, make_campaign, settings):
    from policyledger.web.vouchers.api import resident_token
    from policyledger.web.vouchers.models import Claim

    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's peer address
    c = make_campaign(batches=((50, 200, 2, 1),))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {resident_token(alice)}"}
    r = client.post(
        f"/vouchers/api/campaigns/{c.pk}/claim",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="x",
        HTTP_X_FORWARDED_FOR="not-an-ip'; drop table",
        **auth,
    )
    assert r.status_code == 201 and Claim.objects.get().ip is None


def test_a_draft_campaign_is_hidden_from_residents_and_anonymous(
    client, alice, staff, make_campaign
):
    from policyledger.web.vouchers.models import Campaign
    from policyledger.web.vouchers.web_common import _cache

    draft = make_campaign(status=Campaign.Status.DRAFT)
    _cache.clear()
    assert client.get(f"/vouchers/api/campaigns/{draft.pk}").status_code == 404
    client.force_login(alice)
    for path in (f"/vouchers/c/{draft.pk}/", f"/vouchers/api/campaigns/{draft.pk}"):
        assert client.get(path).status_code == 404, path
    assert draft.name not in client.get("/vouchers/").content.decode()
    client.force_login(staff)
    assert client.get(f"/vouchers/api/campaigns/{draft.pk}").status_code == 200


def test_a_client_cannot_choose_its_address_for_rate_limits(client, alice, make_campaign, settings):
    from policyledger.web.vouchers.api import resident_token
    from policyledger.web.vouchers.models import Claim

    assert settings.TRUSTED_PROXIES == []  # the default: no proxy is believed
    c = make_campaign(batches=((50, 200, 2, 1),))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {resident_token(alice)}"}
    r = client.post(
        f"/vouchers/api/campaigns/{c.pk}/claim",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="x",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
        **auth,
    )
    assert r.status_code == 201 and Claim.objects.get().ip == "127.0.0.1"
