"""Demo data: two programmes from sample 004 (节能家电 10%, 活动组织 1—10万元), the 001-style 20%
transfer computed from the demo voucher campaign, applications in every state and a 公示 page.

`policyledger demo` calls seed() after the voucher demo; a second call changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import Applicant, Programme
from .services import applicants as applicant_service
from .services import applications as svc
from .services import auto, notices, payment
from .services import programmes as programme_service
from .services.identity import id_check_char, uscc_check_char

log = logging.getLogger("policyledger.subsidies.demo")
PASSWORD = "demo-apply-2026"
APPLIANCES = "绿色节能家电消费补贴"
EVENTS = "促消费活动组织补贴"
TRANSFER = "省级消费券奖补（按核销额20%）"


def _uscc(serial: int) -> str:
    first17 = f"91320700MA{serial:06d}X"
    return first17 + uscc_check_char(first17)


def _id(serial: int) -> str:
    first17 = f"32070519{80 + serial % 20:02d}0{1 + serial % 9}1{serial % 10}{serial % 1000:03d}"
    return first17 + id_check_char(first17)


def _measure(prefix: str, number: str, needle: str):
    from policyledger.web.documents.models import Measure

    qs = Measure.objects.filter(
        document__source_name__startswith=prefix, document__status="published"
    )
    return (
        qs.filter(number=number).first() or qs.filter(text__contains=needle).order_by("id").first()
    )


def _officer():
    User = get_user_model()
    return (
        User.objects.filter(username="admin").first()
        or User.objects.filter(is_superuser=True).first()
    )


def _applicant(kind: str, name: str, serial: int, region: str, sector: str, username: str = ""):
    number = _uscc(serial) if kind == Applicant.Kind.ENTERPRISE else _id(serial)
    if username:
        user_model = get_user_model()
        if not user_model.objects.filter(username=username).exists():
            applicant = applicant_service.register(
                username,
                PASSWORD,
                kind=kind,
                name=name,
                id_number=number,
                region=region,
                sector=sector,
            )
        else:
            applicant = applicant_service.find(kind, number)
    else:
        applicant, _ = applicant_service.get_or_create(
            kind, name, number, region=region, sector=sector
        )
    applicant_service.confirm_bank(
        applicant, holder=name, account=f"62220{serial:014d}", bank="中国工商银行连云港分行"
    )
    return applicant


def _invoice_sheet(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        [
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
    )
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def seed(stdout=print) -> list[Programme]:
    if Programme.objects.filter(name=APPLIANCES).exists():
        stdout("政策兑现演示数据已存在，未重复创建")
        return list(Programme.objects.order_by("id"))
    officer = _officer()
    today = timezone.localdate()
    start = today - dt.timedelta(days=90)
    with transaction.atomic():
        appliances = programme_service.create_programme(
            measure=_measure("004_", "六、", "节能家电"),
            name=APPLIANCES,
            kind=Programme.Kind.RATE,
            budget_fen=500_0000_00,
            rate_percent=None if _measure("004_", "六、", "节能家电") else Decimal(10),
            max_award_fen=2000_00,
            sectors=["家电"],
            exclusion_group="家电以旧换新",
            notice_days=5,
        )
        if appliances.rate_percent is None:
            Programme.objects.filter(pk=appliances.pk).update(rate_percent=Decimal(10))
            appliances.refresh_from_db()
        events_measure = _measure("004_", "一、", "活动组织")
        events = programme_service.create_programme(
            measure=events_measure,
            name=EVENTS,
            kind=Programme.Kind.FIXED,
            budget_fen=200_0000_00,
            min_award_fen=1_0000_00,
            max_award_fen=10_0000_00,
            manual_over_fen=5_0000_00,
            applicant_kinds=[Applicant.Kind.ENTERPRISE],
            notice_days=5,
        )
        transfer = programme_service.create_programme(
            measure=_measure("001_", "（七）", "核销"),
            name=TRANSFER,
            kind=Programme.Kind.TRANSFER,
            budget_fen=1_0000_0000_00,
            rate_percent=Decimal(20),
            max_award_fen=None,
            notice_days=5,
        )
        for p in (appliances, events, transfer):
            programme_service.install_default_rule(p, effective_from=start, user=officer)
            programme_service.open_programme(p)
    _applications(appliances, events, officer, today)
    with transaction.atomic():
        lines = auto.compute_transfer(transfer, officer)
        gov = transfer.applications.filter(status__in=svc.LIVE).select_related("applicant").first()
        if gov is not None:
            applicant_service.confirm_bank(
                gov.applicant,
                holder=f"{gov.region}财政局",
                account="32050000000000000001",
                bank="国库集中支付账户",
            )
    stdout("政策兑现演示：/subsidies/（政策计算器、公示无需登录）")
    stdout(f"  申请人：applicant_ent（企业）、applicant_person（个人）　密码 {PASSWORD}")
    stdout("  管理：以 admin 登录，打开 /subsidies/manage/")
    for line in lines:
        stdout(f"  上级奖补测算：{line}")
    log.info("subsidies demo seeded")
    return [appliances, events, transfer]


def _applications(appliances: Programme, events: Programme, officer, today: dt.date) -> None:
    shop = _applicant(
        Applicant.Kind.ENTERPRISE, "连云港惠民家电有限公司", 1, "海州区", "家电", "applicant_ent"
    )
    person = _applicant(Applicant.Kind.PERSON, "王芳", 2, "海州区", "家电", "applicant_person")
    people = [
        _applicant(Applicant.Kind.PERSON, name, 10 + i, region, "家电")
        for i, (name, region) in enumerate(
            [
                ("李强", "连云区"),
                ("张敏", "海州区"),
                ("刘洋", "赣榆区"),
                ("陈静", "东海县"),
                ("杨帆", "灌云县"),
                ("赵磊", "灌南县"),
            ]
        )
    ]
    organisers = [
        _applicant(Applicant.Kind.ENTERPRISE, name, 30 + i, region, "商贸")
        for i, (name, region) in enumerate(
            [
                ("港城会展服务有限公司", "海州区"),
                ("花果山文旅发展有限公司", "连云区"),
                ("赣榆海鲜市场管理有限公司", "赣榆区"),
                ("东海水晶城运营有限公司", "东海县"),
            ]
        )
    ]
    past = today - dt.timedelta(days=30)
    invoice = iter(range(20260001, 20269999))

    def buy(applicant, yuan: int, day: dt.date):
        return svc.submit(
            appliances,
            applicant,
            figures={"price_fen": yuan * 100},
            invoice_code="3207262130",
            invoice_number=f"{next(invoice):08d}",
            sector="家电",
            on=day,
            submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
        )

    # Paid: approved, 公示 ended a while ago, paid with its 回单.
    paid = [buy(people[0], 3599, past), buy(people[1], 5299, past)]
    for a in paid:
        svc.approve(officer, a)
    notices.publish_notice(
        officer, appliances, on=past, title=f"{appliances.name}第一批拟支持名单公示"
    )
    batch = payment.create_batch(officer, appliances, today=today)
    payment.mark_paid(officer, batch.pk, f"HD{today:%Y%m%d}0001")
    # 公示中 (this week), one with an open objection.
    on_notice = [
        buy(person, 4999, today - dt.timedelta(days=3)),
        buy(people[2], 2899, today - dt.timedelta(days=3)),
    ]
    for a in on_notice:
        svc.approve(officer, a)
    notice = notices.publish_notice(
        officer, appliances, on=today, title=f"{appliances.name}第二批拟支持名单公示"
    )
    if notices.notice_open(notice, today):
        notices.object_to(
            notice,
            on_notice[1].number,
            name="匿名群众",
            contact="0518-12345",
            text="该发票疑似重复开具，请核查",
        )
    # Approved, waiting for the next 公示; submitted; manual (over the cap); returned; rejected.
    svc.approve(officer, buy(people[3], 6999, today - dt.timedelta(days=2)))
    buy(people[4], 3299, today - dt.timedelta(days=1))
    buy(shop, 45000, today - dt.timedelta(days=1))  # 10% = 4500元 > 2000元 cap → 人工复核
    returned = buy(people[5], 1999, today - dt.timedelta(days=2))
    svc.return_for_changes(officer, returned, "发票照片不清晰，请重新上传")
    # 活动组织: tiers by participating merchants; above 5万元 goes to manual review.
    for i, (org, count) in enumerate(zip(organisers, (12, 35, 60, 120), strict=True)):
        app = svc.submit(events, org, figures={"participants": count}, sector="商贸")
        if i == 0:
            svc.reject(officer, app, "活动未在商务部门备案")
        elif i == 1:
            svc.approve(officer, app)
    # 免申即享: invoice records from the tax data set → entitlements waiting for confirmation.
    rows = [
        [
            "个人",
            "周婷",
            _id(60),
            "3207262130",
            "30000001",
            "2599.00",
            today.isoformat(),
            "家电",
            "海州区",
        ],
        [
            "个人",
            "吴昊",
            _id(61),
            "3207262130",
            "30000002",
            "8999.00",
            today.isoformat(),
            "家电",
            "连云区",
        ],
        [
            "个人",
            "孙悦",
            _id(62),
            "3207262130",
            "30000003",
            "1280.00",
            today.isoformat(),
            "餐饮",
            "海州区",
        ],
    ]
    auto.import_invoices(appliances, _invoice_sheet(rows), "免申即享开票记录.xlsx", officer)
