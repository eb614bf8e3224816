"""公示: approved awards published for N working days; objections; when an award may be paid."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from ..models import Application, Notice, Objection, Programme
from . import applications as apps
from .errors import InvalidInput, NotAllowed
from .identity import normalise
from .workdays import period

log = logging.getLogger("policyledger.subsidies.notices")
S = Application.Status
BLOCKING = (Objection.Status.OPEN, Objection.Status.UPHELD)


def publish_notice(
    officer, programme: Programme, *, title: str = "", on: dt.date | None = None
) -> Notice:
    """Put every approved award not yet published on a new notice (公示)."""
    on = on or timezone.localdate()
    first, last = period(on, programme.notice_days)
    with transaction.atomic():
        pending = list(
            Application.objects.select_for_update()
            .filter(programme=programme, status=S.APPROVED, notice__isnull=True)
            .values_list("pk", flat=True)
        )
        if not pending:
            raise NotAllowed("没有待公示的审核通过名单")
        notice = Notice.objects.create(
            programme=programme,
            title=title or f"{programme.name}拟支持名单公示",
            starts_on=first,
            ends_on=last,
            created_by=officer,
        )
        moved = Application.objects.filter(pk__in=pending, status=S.APPROVED).update(
            status=S.NOTICE, notice=notice
        )
        if moved != len(pending):
            raise NotAllowed("名单在公示时发生变化，请重试")
        for app in Application.objects.filter(notice=notice):
            apps.log_event(app, "notice", officer, f"公示{first:%m月%d日}至{last:%m月%d日}")
    log.info("notice %s: %s awards, %s..%s", notice.pk, moved, first, last)
    return notice


def notice_open(notice: Notice, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return notice.starts_on <= today <= notice.ends_on


def object_to(notice: Notice, number: str, *, name: str, contact: str, text: str) -> Objection:
    """A public objection to one award of the notice (only while the notice is open)."""
    name, contact, text = name.strip(), contact.strip(), text.strip()
    if not name or not contact or not text:
        raise InvalidInput("异议人、联系方式和异议内容都要填写")
    if len(text) > 2000:
        raise InvalidInput("异议内容不超过2000字")
    if not notice_open(notice):
        raise NotAllowed(
            f"公示期为{notice.starts_on:%Y年%m月%d日}至{notice.ends_on:%Y年%m月%d日}，现在不在公示期内"
        )
    app = Application.objects.filter(notice=notice, number=number.strip()).first()
    if app is None:
        raise InvalidInput("公示名单中没有这个申请编号")
    return Objection.objects.create(
        notice=notice, application=app, name=name, contact=contact, text=text
    )


def decide_objection(officer, objection_pk: int, *, upheld: bool, note: str) -> Objection:
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写处理意见")
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection_pk)
        if objection.status != Objection.Status.OPEN:
            raise NotAllowed("该异议已处理")
        objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
        objection.note = note
        objection.decided_by = officer
        objection.decided_at = timezone.now()
        objection.save()
        if upheld:
            apps.revoke(officer, objection.application_id, f"公示异议成立：{note}")
        else:
            apps.log_event(objection.application, "objection", officer, f"异议不成立：{note}")
    return objection


def payable_problem(app: Application, today: dt.date | None = None) -> str:
    """Why this award cannot be paid yet ('' when it can)."""
    today = today or timezone.localdate()
    if app.status != S.NOTICE or app.notice_id is None:
        return f"申请{app.number}当前为“{app.get_status_display()}”，须公示后才能拨付"
    if app.batch_id is not None:
        return f"申请{app.number}已在拨付批次{app.batch_id}中"
    notice = app.notice
    if today <= notice.ends_on:
        return f"申请{app.number}公示期至{notice.ends_on:%Y年%m月%d日}，期满后才能拨付"
    if app.objections.filter(status__in=BLOCKING).exists():
        return f"申请{app.number}有未处理或成立的公示异议"
    applicant = app.applicant
    if not applicant.bank_ready or applicant.bank_confirmed_at is None:
        return f"申请{app.number}的申请人尚未确认收款银行信息"
    if applicant.kind != applicant.Kind.GOVERNMENT and normalise(
        applicant.bank_holder
    ) != normalise(applicant.name):
        return f"申请{app.number}的收款户名与申请人不一致，不能拨付"
    return ""


def payable(programme: Programme, today: dt.date | None = None) -> list[Application]:
    today = today or timezone.localdate()
    qs = (
        Application.objects.filter(
            programme=programme, status=S.NOTICE, batch__isnull=True, notice__ends_on__lt=today
        )
        .select_related("notice", "applicant")
        .order_by("submitted_at", "id")
    )
    return [a for a in qs if not payable_problem(a, today)]
