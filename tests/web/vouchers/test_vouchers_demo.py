from decimal import Decimal

from policyledger.web.vouchers import demo
from policyledger.web.vouchers.models import Campaign, Merchant, Redemption, Voucher
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.campaigns import claimable


def test_demo_seeds_a_running_city_campaign_once(db):
    lines = []
    c = demo.seed(quantity_scale=0.001, stdout=lines.append)
    assert c.city == "连云港市" and c.budget == Decimal("10000000")
    assert (c.gov_ratio, c.merchant_ratio) == (2, 1)
    assert sorted(c.sectors) == sorted(["餐饮", "零售", "汽车", "文旅", "家电"])
    assert [b.label for b in c.batches.order_by("id")] == ["满200减50", "满100减20"]
    assert claimable(c)
    assert Merchant.objects.filter(sector="汽车").exists()
    assert Voucher.objects.filter(campaign=c, owner__isnull=False).count() == 8
    assert Redemption.objects.filter(campaign=c).count() == 4
    assert any("resident1" in line and demo.PASSWORD in line for line in lines)
    assert audit(c) == []
    again = demo.seed(quantity_scale=0.001, stdout=lines.append)
    assert again.pk == c.pk and Campaign.objects.count() == 1
