"""免申即享 (invoice records → entitlements), bulk import of paper applications (all or nothing,
errors naming row and column), and the 001 matching transfer from the voucher ledger."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import Workbook
from subsidy_ids import id_number, uscc

from policyledger.web.subsidies.models import Applicant, Application, Programme
from policyledger.web.subsidies.services import applicants as applicant_service
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services.auto import (
    compute_transfer,
    import_applications,
    import_invoices,
)
from policyledger.web.subsidies.services.errors import ImportRefused, InvalidInput

S = Application.Status
pytestmark = pytest.mark.django_db
HEADER = [
    "类型",
    "名称/姓名",
    "证件号码",
    "发票代码",
    "发票号码",
    "开票金额（元）",
    "开票日期",
    "品类",
    "地区",
]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_rows():
    return [
        [
            "个人",
            "王芳",
            id_number(1),
            "3207001234",
            "10000001",
            3599,
            "2026-03-01",
            "家电",
            "海州区",
        ],
        [
            "个人",
            "李强",
            id_number(2),
            "3207001234",
            "10000002",
            "4999.50",
            "2026-03-02",
            "家电",
            "连云区",
        ],
        [
            "企业",
            "港城商贸有限公司",
            uscc(7),
            "3207001234",
            "10000003",
            80000,
            "2026-03-03",
            "家电",
            "海州区",
        ],
        [
            "个人",
            "张敏",
            id_number(3),
            "3207001234",
            "10000004",
            2000,
            "2026-03-04",
            "餐饮",
            "海州区",
        ],
    ]


def test_invoice_records_become_entitlements_without_applications(make_programme):
    programme = make_programme(sectors=["家电"], max_award_yuan=2000)
    result = import_invoices(programme, xlsx(good_rows()), "发票.xlsx")
    assert (result.rows, result.created, result.not_eligible) == (4, 3, 1)
    apps = {a.applicant.name: a for a in Application.objects.select_related("applicant")}
    assert set(apps) == {"王芳", "李强", "港城商贸有限公司"}
    assert all(a.status == S.ENTITLED and a.source == "auto" for a in apps.values())
    assert apps["王芳"].amount_fen == 35990
    assert apps["李强"].amount_fen == 49995  # 4999.50元 × 10%, exact
    assert apps["港城商贸有限公司"].amount_fen == 200000 and apps["港城商贸有限公司"].cap_applied
    # People's ID numbers are not stored, only their HMAC and a masked form.
    person = Applicant.objects.get(name="王芳")
    assert person.credit_code is None and id_number(1) not in person.id_masked
    assert len(person.id_hash) == 64
    # The applicant confirms bank details; the entitlement then goes to review.
    app = apps["王芳"]
    with pytest.raises(InvalidInput, match="收款银行"):
        svc.confirm_entitlement(None, app)
    applicant_service.confirm_bank(
        person, holder="王芳", account="6222 0000 1111 2222", bank="建设银行海州支行"
    )
    assert svc.confirm_entitlement(None, app).status == S.SUBMITTED


def test_errors_name_row_and_column_and_nothing_is_imported(make_programme):
    programme = make_programme()
    rows = good_rows()
    rows[1][2] = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
    rows[2][5] = "八万"
    rows[3][4] = rows[0][4]
    with pytest.raises(ImportRefused) as exc:
        import_invoices(programme, xlsx(rows), "发票.xlsx")
    errors = exc.value.errors
    assert "第3行“证件号码”：身份证号码校验位不正确，请核对" in errors
    assert any(e.startswith("第4行“开票金额（元）”") for e in errors)
    assert "第5行“发票号码”：与第2行是同一张发票" in errors
    assert Application.objects.count() == 0 and Applicant.objects.count() == 0


def test_an_invoice_claimed_before_is_named_in_the_import_error(make_programme, make_applicant):
    programme = make_programme()
    earlier = svc.submit(
        programme,
        make_applicant(),
        figures={"price_fen": 100000},
        invoice_code="3207001234",
        invoice_number="10000002",
    )
    with pytest.raises(ImportRefused) as exc:
        import_invoices(programme, xlsx(good_rows()), "发票.xlsx")
    assert any(e.startswith("第3行“发票号码”") and earlier.number in e for e in exc.value.errors)
    assert Application.objects.count() == 1


def test_csv_in_gbk_and_missing_columns(make_programme):
    programme = make_programme(sectors=["家电"])
    text = ",".join(HEADER) + "\n" + ",".join(str(c) for c in good_rows()[0]) + "\n"
    result = import_invoices(programme, text.encode("gb18030"), "发票.csv")
    assert result.created == 1
    with pytest.raises(ImportRefused, match="缺少列：证件号码"):
        import_invoices(programme, "类型,名称\n个人,王芳\n".encode(), "x.csv")


def test_paper_applications_with_bank_details(make_programme):
    programme = make_programme()
    header = [*HEADER, "户名", "账号", "开户行"]
    rows = [r + [r[1], "6222000011112222", "工商银行"] for r in good_rows()[:2]]
    result = import_applications(programme, xlsx(rows, header), "收件.xlsx")
    assert result.created == 2
    app = Application.objects.get(applicant__name="王芳")
    assert app.status == S.SUBMITTED and app.source == "import"
    assert app.applicant.bank_account == "6222000011112222" and app.applicant.bank_confirmed_at


def test_matching_transfer_from_the_voucher_ledger(make_programme, officer):
    from policyledger.web.vouchers.models import Merchant, ResidentProfile
    from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign
    from policyledger.web.vouchers.services.claims import claim
    from policyledger.web.vouchers.services.redemption import redeem

    now = timezone.now()
    merchant = Merchant.objects.create(name="海州饭店", sector="餐饮")
    users = [get_user_model().objects.create_user(f"r{i}") for i in range(3)]
    ResidentProfile.objects.bulk_create(ResidentProfile(user=u, verified=True) for u in users)
    for city, face in (("连云港市", 600), ("东海县", 300)):
        campaign = create_campaign(
            [BatchSpec(Decimal(face), Decimal(face * 2), 5, 1)],
            name=f"{city}消费券",
            city=city,
            budget=Decimal(10_000_000),
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=30),
            release_at=now - dt.timedelta(days=1),
            per_person_limit=1,
            gov_ratio=2,
            merchant_ratio=1,
            sectors=["餐饮"],
            status="open",
        )
        for i, user in enumerate(users):
            voucher = claim(user, campaign, idempotency_key=f"k{city}{i}").voucher
            redeem(merchant, voucher.code, Decimal(face * 2), idempotency_key=f"r{city}{i}")
    programme = make_programme(
        "消费券奖补",
        kind=Programme.Kind.TRANSFER,
        rate="20",
        budget_yuan=100_000_000,
        max_award_yuan=None,
    )
    lines = compute_transfer(programme, officer)
    apps = {a.region: a for a in Application.objects.filter(programme=programme)}
    # 3 × 600元 face, government 2/3 → 1200元; 20% → 240元. 东海县: 3 × 300 × 2/3 = 600 → 120元.
    assert apps["连云港市"].amount_fen == 24000 and apps["东海县"].amount_fen == 12000
    assert apps["东海县"].inputs["region_level"] == "县"
    assert any("东海县（县）" in line for line in lines)
    caps = {c.region: c.cap_fen for c in programme.region_caps.all()}
    assert caps == {"连云港市": 2000_0000_00, "东海县": 400_0000_00}
    # Computing again replaces an undecided result rather than adding a second one.
    compute_transfer(programme, officer)
    assert Application.objects.filter(programme=programme, status__in=svc.LIVE).count() == 2


def test_ranking_award_from_sales_figures(make_programme):
    """003: 对销售前5名的车辆经销商给予最高20万元奖励 — here the top 2 of 3 from a sales sheet."""
    programme = make_programme(
        "汽车销售排名奖励", kind=Programme.Kind.RANKING, rate=None, max_award_yuan=200000
    )
    header = ["类型", "名称/姓名", "证件号码", "销售额（元）", "地区"]
    rows = [
        ["企业", "甲汽车", uscc(21), "3000000", "海州区"],
        ["企业", "乙汽车", uscc(22), "5000000", "连云区"],
        ["企业", "丙汽车", uscc(23), "1000000", "赣榆区"],
    ]
    result = import_invoices(programme, xlsx(rows, header), "销售额.xlsx")
    assert (result.created, result.not_eligible) == (1, 2)  # the default rule awards rank 1 only
    app = Application.objects.get()
    assert (
        app.applicant.name == "乙汽车" and app.amount_fen == 200000_00 and app.inputs["rank"] == 1
    )
