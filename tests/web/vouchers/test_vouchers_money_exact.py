"""Money in the campaign's figures stays exact: integer fen in the JSON, Decimal through the one
money formatter on the page, the decimal text in the xlsx and in the audit log's snapshots.

12,345,678.91 yuan has more significant digits than float arithmetic keeps exact once summed and
scaled, and 0.1 + 0.2 is the classic float slip (0.30000000000000004)."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from policyledger.formats import format_money
from policyledger.web.core import audit
from policyledger.web.core.models import AuditLog
from policyledger.web.vouchers.models import Settlement
from policyledger.web.vouchers.services import settlement
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem
from policyledger.web.vouchers.services.reports import campaign_progress, fen, leverage

BIG = Decimal("12345678.91")


def _campaign(make_campaign, make_user, restaurant, now):
    """Vouchers of 0.10 yuan paid wholly by the government: bills of 9,999,999.99 and 2,345,678.92
    (one bill is at most 10,000,000), 0.10 and 0.20: 12,345,679.21 in all."""
    c = make_campaign(
        batches=(("0.10", "0.10", 10, 4),),
        per_person=4,
        budget=BIG,
        gov_ratio=1,
        merchant_ratio=0,
    )
    user = make_user("exact1")
    for i, bill in enumerate(["9999999.99", "2345678.92", "0.10", "0.20"]):
        v = claim(user, c, idempotency_key=f"e{i}", now=now).voucher
        redeem(restaurant, v.code, bill, idempotency_key=f"r{i}", now=now)
    return c


def test_report_json_is_integer_fen(make_campaign, make_user, restaurant, now):
    c = _campaign(make_campaign, make_user, restaurant, now)
    total = leverage(c)["total"]
    assert total["bills_fen"] == 1234567921  # 12,345,678.91 + 0.10 + 0.20, to the fen
    assert total["face_fen"] == 40 and total["gov_fen"] == 40  # four vouchers of 0.10
    assert all(isinstance(total[k], int) for k in ("bills_fen", "face_fen", "gov_fen"))
    # The ratio is computed from the Decimals: 12345679.21 / 0.40 = 30864198.025 -> .03 (half up);
    # through float it came out 30864198.02.
    assert total["leverage"] == 30864198.03
    assert fen(Decimal("0.1") + Decimal("0.2")) == 30


def test_progress_is_decimal_and_the_page_shows_it_exactly(
    client, staff, make_campaign, make_user, restaurant, now
):
    c = _campaign(make_campaign, make_user, restaurant, now)
    p = campaign_progress(c)
    assert p["bills"] == Decimal("12345679.21") and p["gov_subsidy"] == Decimal("0.40")
    assert p["budget"] == BIG and isinstance(p["gov_budget"], Decimal)
    client.force_login(staff)
    html = client.get(f"/vouchers/manage/{c.pk}/").content.decode()
    assert format_money(BIG) == "1,234.567891万元"
    assert "预算 1,234.567891万元" in html
    assert "拉动消费<b>1,234.567921万元</b>" in html
    assert "政府补贴<b>0.40元</b>" in html
    assert "30000000000000004" not in html


def test_settlement_xlsx_holds_the_exact_amounts(make_campaign, make_user, restaurant, now):
    c = _campaign(make_campaign, make_user, restaurant, now)
    s = settlement.settle_day(c, now.date())[0]
    assert s.bill_total == Decimal("12345679.21") and s.face_total == Decimal("0.40")
    data = settlement.export_xlsx(c)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    numbers = set(re.findall(r"<v>([^<]*)</v>", sheet))
    assert "12345679.21" in numbers and ({"0.4", "0.40"} & numbers)
    assert not any("0000000" in n for n in numbers if "." in n)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert Decimal(str(rows[2][4])) == Decimal("12345679.21")
    assert Decimal(str(rows[-1][4])) == Decimal("12345679.21")


def test_audit_snapshot_keeps_decimal_text(make_campaign, make_user, restaurant, now):
    c = _campaign(make_campaign, make_user, restaurant, now)
    snap = audit.snapshot(c, ["budget"])
    assert snap == {"budget": "12345678.91"}
    row = audit.record(None, "vouchers.test", c, before=snap, after=audit.snapshot(c, ["budget"]))
    row = AuditLog.objects.get(pk=row.pk)
    assert row.after["budget"] == "12345678.91" and Decimal(row.after["budget"]) == BIG
    summed = Settlement(gov_share=Decimal("0.1") + Decimal("0.2"))
    assert audit.snapshot(summed, ["gov_share"]) == {"gov_share": "0.3"}
