import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from policyledger.web.vouchers.models import Settlement
from policyledger.web.vouchers.services import settlement
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem, refund
from policyledger.web.vouchers.services.reports import campaign_progress, leverage


def _spend(campaign, users, merchant, bills, now):
    out = []
    for i, (u, bill) in enumerate(zip(users, bills, strict=True)):
        v = claim(u, campaign, idempotency_key=f"c{i}", now=now).voucher
        out.append(redeem(merchant, v.code, bill, idempotency_key=f"r{i}", now=now).redemption)
    return out


def test_daily_settlement_splits_two_to_one(make_campaign, make_user, restaurant, now):
    c = make_campaign(batches=((50, 200, 10, 1),), gov_ratio=2, merchant_ratio=1)
    users = [make_user(f"s{i}") for i in range(4)]
    rs = _spend(c, users, restaurant, ["200", "300", "450.5", "1000"], now)
    refund(rs[3], reason="顾客退货", now=now)
    rows = settlement.settle_day(c, now.date())
    assert len(rows) == 1
    s = rows[0]
    assert (s.count, s.face_total, s.bill_total) == (3, Decimal(150), Decimal("950.50"))
    assert (s.gov_share, s.merchant_share, s.capped) == (Decimal(100), Decimal(50), Decimal(0))
    assert s.status == Settlement.Status.PENDING


def test_daily_cap_and_rounding(make_campaign, make_user, restaurant, now):
    c = make_campaign(batches=((20, 100, 10, 1),), merchant_daily_cap=Decimal(30))
    users = [make_user(f"t{i}") for i in range(4)]
    _spend(c, users, restaurant, ["100"] * 4, now)
    s = settlement.settle_day(c, now.date())[0]
    # 80 face value: gov 53.33 uncapped, capped at 30; the merchant carries the rest.
    assert (s.gov_share, s.capped, s.merchant_share) == (Decimal(30), Decimal("23.33"), Decimal(50))
    assert s.gov_share + s.merchant_share == s.face_total


def test_xlsx_export(make_campaign, make_user, restaurant, now):
    c = make_campaign()
    _spend(c, [make_user("x1")], restaurant, ["250"], now)
    settlement.settle_day(c, now.date())
    wb = load_workbook(io.BytesIO(settlement.export_xlsx(c)))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:4] == ("结算日", "商户", "行业", "核销笔数")
    assert rows[2][1] == "海州饭店" and rows[2][3] == 1 and float(rows[2][5]) == 50.0
    assert rows[-1][0] == "合计"


def test_leverage_and_progress(make_campaign, make_user, restaurant, make_merchant, now):
    c = make_campaign(batches=((50, 200, 10, 1),))
    shop = make_merchant("新浦超市", "零售")
    _spend(c, [make_user("l1")], restaurant, ["300"], now)
    v = claim(make_user("l2"), c, idempotency_key="z", now=now).voucher
    redeem(shop, v.code, "900", idempotency_key="q", now=now + dt.timedelta(days=1))
    lev = leverage(c)
    # bills 1200 over a government share of 2/3 * 100 = 66.67
    assert lev["total"]["bills_fen"] == 120000 and lev["total"]["gov_fen"] == 6667
    assert lev["total"]["leverage"] == round(1200 / 66.67, 2)
    sectors = {r["sector"]: r for r in lev["by_sector"]}
    assert sectors["零售"]["bills_fen"] == 90000 and sectors["餐饮"]["leverage"] == round(
        300 / 33.33, 2
    )
    assert [r["count"] for r in lev["by_day"]] == [1, 1]
    p = campaign_progress(c)
    assert (p["issued"], p["claimed"], p["redeemed"], p["planned"]) == (10, 2, 2, 10)
    assert p["claim_rate"] == 0.2 and p["redeem_rate"] == 1.0


def test_xlsx_export_writes_names_as_text(make_campaign, make_user, make_merchant, now):
    from policyledger.formats.cells import formula_cells

    c = make_campaign(name="=1+2 消费券")
    shop = make_merchant('=HYPERLINK("http://evil.example","店")')
    _spend(c, [make_user("f1")], shop, ["250"], now)
    settlement.settle_day(c, now.date())
    wb = load_workbook(io.BytesIO(settlement.export_xlsx(c)))
    assert formula_cells(wb) == []
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[2][1] == '=HYPERLINK("http://evil.example","店")'
    assert rows[2][3] == 1 and wb.active["D3"].data_type == "n"
