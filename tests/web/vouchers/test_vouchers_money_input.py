"""Money on the voucher pages is typed the way people write it (600万) and read by the one amount
parser; bad input is a Chinese error beside its field, the typed text stays and nothing is
written; amounts are shown through the one money formatter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyledger.web.vouchers.models import Campaign
from policyledger.web.vouchers.services.redemption import RedeemRefused, parse_amount

FORM = {
    "name": "六百万的活动",
    "city": "连云港市",
    "budget": "600万",
    "mode": "first_come",
    "release_at": "2026-05-01T10:00",
    "valid_from": "2026-05-01T10:00",
    "valid_until": "2026-06-01T10:00",
    "per_person_limit": "2",
    "gov_ratio": "2",
    "merchant_ratio": "1",
    "merchant_daily_cap": "1.5万",
    "sectors": ["餐饮"],
    "b1_threshold": "200元",
    "b1_face": "50",
    "b1_quantity": "100",
    "b1_limit": "1",
}


def test_campaign_budget_cap_and_faces_accept_600wan(client, staff):
    client.force_login(staff)
    response = client.post("/vouchers/manage/new", FORM)
    assert response.status_code == 302, response.content.decode()[:1500]
    campaign = Campaign.objects.get(name="六百万的活动")
    assert campaign.budget == Decimal("6000000.00")
    assert campaign.merchant_daily_cap == Decimal("15000.00")
    batch = campaign.batches.get()
    assert (batch.threshold, batch.face_value) == (Decimal("200.00"), Decimal("50.00"))
    detail = client.get(f"/vouchers/manage/{campaign.pk}/").content.decode()
    assert "预算 600万元" in detail and "1.5万元" in detail
    assert "600万元" in client.get("/vouchers/manage/").content.decode()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("budget", "六百万", "无法识别"),
        ("budget", "1e30", "无法识别"),
        ("budget", "-5", "不能为负数"),
        ("budget", "10000亿", "过大"),
        ("merchant_daily_cap", "-1万", "不能为负数"),
        ("b1_face", "5.005", "两位小数"),
        ("b1_threshold", "abc", "无法识别"),
    ],
)
def test_bad_money_is_refused_beside_the_field_and_kept(client, staff, field, typed, message):
    client.force_login(staff)
    response = client.post("/vouchers/manage/new", {**FORM, field: typed})
    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["form"]
    assert message in " ".join(form.errors[field]), form.errors
    assert f'value="{typed}"' in page  # what was typed stays in the field
    assert 'class="error-text"' in page
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("135.50", "135.50"), ("1,280元", "1280.00"), ("1.2万", "12000.00"), ("３００", "300.00")],
)
def test_the_counter_reads_bills_through_the_one_parser(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", ["六百", "1e3", "-5", "0", "2000万"])
def test_the_counter_refuses_bad_bills_in_chinese(typed):
    with pytest.raises(RedeemRefused, match="消费金额"):
        parse_amount(typed)
