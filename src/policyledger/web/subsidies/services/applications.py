"""Applications: submit (decided by the rule in force), review, queue, revoke.

submitted → (approve | return | reject) → 公示 → paid. An application the rule flags, or whose
amount hit a cap, or is above the programme's manual threshold, starts in 待人工复核 instead.
Every change is one transaction with a conditional UPDATE on the status, so two reviewers acting
at once cannot both move the same application (and cannot commit its money twice).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Applicant, Application, Event, Programme, RegionCap, yuan
from . import budget
from .errors import (
    BudgetExceeded,
    Excluded,
    InvalidInput,
    InvoiceTaken,
    NotAllowed,
)
from .identity import normalise
from .rules import Outcome, decide, evaluate

log = logging.getLogger("policyledger.subsidies.applications")
S = Application.Status
LIVE = [s.value for s in Application.INVOICE_HELD]
COMMITTED = [s.value for s in Application.COMMITTED]


def new_number() -> str:
    return f"BX{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"


def normalise_invoice(code: str, number: str) -> tuple[str, str]:
    """发票代码 (10 or 12 digits, empty for 数电票) and 发票号码 (8 or 20 digits).

    Full-width digits become ASCII and every space goes (one invoice, one key); digits of other
    scripts are refused (``\\d`` would take them and store a second key for the same invoice)."""
    code = normalise(code)
    number = normalise(number)
    if not number and not code:
        return "", ""
    if code and not re.fullmatch(r"[0-9]{10}|[0-9]{12}", code):
        raise InvalidInput("发票代码应为10位或12位数字（全电发票可不填）")
    if not re.fullmatch(r"[0-9]{8}|[0-9]{20}", number):
        raise InvalidInput("发票号码应为8位数字（全电发票为20位）")
    return code, number


def clean_region(region: str) -> str:
    """The region as a cap key: NFKC (full-width to half-width) with every space and invisible
    format character (zero-width space, BOM) removed, so that "海州区\u200b" or "海 州 区" cannot
    escape the cap of 海州区 by being a different string."""
    text = unicodedata.normalize("NFKC", str(region or ""))
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")
    )


def _earliest(qs, exclude_pk: int | None) -> Application | None:
    """The first application submitted among ``qs`` (with its programme), other than exclude_pk."""
    qs = qs.select_related("programme")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("submitted_at", "id").first()


def invoice_holder(code: str, number: str, exclude_pk: int | None = None) -> Application | None:
    held = Application.objects.filter(invoice_code=code, invoice_number=number, invoice_held=True)
    return _earliest(held, exclude_pk)


def invoice_taken_error(earlier: Application) -> InvoiceTaken:
    when = timezone.localtime(earlier.submitted_at)
    return InvoiceTaken(
        f"该发票（代码{earlier.invoice_code or '无'}，号码{earlier.invoice_number}）已于"
        f"{when:%Y年%m月%d日}在「{earlier.programme.name}」申请{earlier.number}中申领"
        f"（{earlier.get_status_display()}），同一张发票不能重复申领",
        earlier=earlier.number,
    )


def exclusive_holder(
    applicant_id: int, group: str, statuses: list[str], exclude_pk: int | None = None
) -> Application | None:
    if not group:
        return None
    same = Application.objects.filter(
        applicant_id=applicant_id, exclusion_key=group, status__in=statuses
    )
    return _earliest(same, exclude_pk)


def excluded_error(earlier: Application) -> Excluded:
    return Excluded(
        f"同一事项不重复享受：已在「{earlier.programme.name}」有申请{earlier.number}"
        f"（{earlier.get_status_display()}），不能再享受本项目",
        earlier=earlier.number,
    )


def rule_inputs(
    applicant: Applicant,
    region: str,
    sector: str,
    figures: dict,
    programme: Programme | None = None,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """What a rule reads: the applicant's kind, sector, region, the declared figures, and (for
    per-person caps) what the applicant already holds in this programme."""
    data: dict[str, Any] = {
        "applicant_kind": applicant.kind,
        "sector": sector or applicant.sector,
        "region": region or applicant.region,
    }
    if programme is not None and applicant.pk:
        mine = Application.objects.filter(programme=programme, applicant=applicant)
        if exclude_pk:
            mine = mine.exclude(pk=exclude_pk)
        data["person_received_fen"] = sum(
            mine.filter(status__in=COMMITTED).values_list("awarded_fen", flat=True)
        )
        data["items_claimed"] = mine.filter(status__in=LIVE).count()
    data.update(figures or {})
    return data


def log_event(app: Application, action: str, actor=None, note: str = "") -> None:
    Event.objects.create(application=app, action=action, actor=actor, note=note)


def _initial_status(programme: Programme, outcome: Outcome) -> tuple[str, str]:
    reasons = []
    if outcome.manual:
        reasons.append(outcome.manual)
    if outcome.cap_applied:
        reasons.append(f"触及上限：{outcome.cap_applied}")
    if programme.manual_over_fen is not None and outcome.amount_fen > programme.manual_over_fen:
        reasons.append(f"金额超过{yuan(programme.manual_over_fen)}元")
    return (S.MANUAL if reasons else S.SUBMITTED), "；".join(reasons)


def submit(
    programme: Programme,
    applicant: Applicant,
    *,
    figures: dict | None = None,
    invoice_code: str = "",
    invoice_number: str = "",
    region: str = "",
    sector: str = "",
    source: str = Application.Source.APPLY,
    actor=None,
    on: dt.date | None = None,
    submitted_at: dt.datetime | None = None,
    status: str | None = None,
) -> Application:
    """Decide with the rule in force on ``on`` (default today) and store the application.

    Refused (nothing stored) when the programme is not open, the applicant is not eligible, the
    invoice was claimed before, or the applicant already holds one in the exclusion group.
    """
    on = on or timezone.localdate()
    if source in (Application.Source.APPLY, Application.Source.IMPORT):
        if programme.status != Programme.Status.OPEN:
            raise NotAllowed(f"「{programme.name}」不在受理期")
        if programme.opens_on and on < programme.opens_on:
            raise NotAllowed(f"「{programme.name}」{programme.opens_on:%Y年%m月%d日}起受理")
        if programme.closes_on and on > programme.closes_on:
            raise NotAllowed(f"「{programme.name}」已于{programme.closes_on:%Y年%m月%d日}截止受理")
    if programme.applicant_kinds and applicant.kind not in programme.applicant_kinds:
        raise NotAllowed(f"「{programme.name}」不受理{applicant.get_kind_display()}的申请")
    code, number = normalise_invoice(invoice_code, invoice_number)
    region = clean_region(region or applicant.region)
    sector = sector or applicant.sector
    figures = dict(figures or {})
    earlier = exclusive_holder(applicant.pk, programme.exclusion_group, LIVE)
    if earlier is not None:
        raise excluded_error(earlier)
    if number:
        earlier = invoice_holder(code, number)
        if earlier is not None:
            raise invoice_taken_error(earlier)
    outcome = decide(programme, rule_inputs(applicant, region, sector, figures, programme), on)
    if not outcome.eligible or outcome.amount_fen <= 0:
        raise NotAllowed(f"不符合「{programme.name}」的条件：{outcome.reason or '测算金额为0'}")
    initial, manual_reason = _initial_status(programme, outcome)
    try:
        with transaction.atomic():
            app = Application.objects.create(
                programme=programme,
                applicant=applicant,
                number=new_number(),
                status=status or initial,
                source=source,
                region=region,
                sector=sector,
                inputs=figures,
                invoice_code=code,
                invoice_number=number,
                invoice_held=True,
                exclusion_key=programme.exclusion_group,
                amount_fen=outcome.amount_fen,
                awarded_fen=0,
                eligible=outcome.eligible,
                rule=outcome.rule,
                reason=outcome.reason,
                cap_applied=outcome.cap_applied,
                trace=outcome.trace,
                manual_reason=manual_reason,
                submitted_at=submitted_at or timezone.now(),
                decided_on=on,
            )
            log_event(app, "submit", actor, f"{Application.Source(source).label}；{outcome.reason}")
    except IntegrityError:
        # Someone claimed the invoice (or an award of the group) at the same moment.
        if number and (earlier := invoice_holder(code, number)) is not None:
            raise invoice_taken_error(earlier) from None
        earlier = exclusive_holder(applicant.pk, programme.exclusion_group, LIVE)
        if earlier is not None:
            raise excluded_error(earlier) from None
        raise
    log.info("application %s submitted to programme %s", app.number, programme.pk)
    return app


def _move(app: Application, allowed: list[str], **changes) -> None:
    moved = Application.objects.filter(pk=app.pk, status__in=allowed).update(**changes)
    if not moved:
        app.refresh_from_db()
        raise NotAllowed(f"申请{app.number}当前为“{app.get_status_display()}”，不能执行此操作")
    for key, value in changes.items():
        setattr(app, key, value)


def _locked(app_or_pk) -> Application:
    pk = app_or_pk.pk if isinstance(app_or_pk, Application) else app_or_pk
    # Only the application's row: the money is guarded by the conditional UPDATE in budget.py
    # (locking the joined programme row too would serialise every approval of the programme).
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("programme", "applicant")
        .filter(pk=pk)
        .first()
    )
    if app is None:
        raise NotAllowed("申请不存在")
    return app


def approve(officer, app_or_pk, *, amount_fen: int | None = None, note: str = "") -> Application:
    """Approve and commit the money; BudgetExceeded (or 排队 when the programme queues)."""
    with transaction.atomic():
        app = _locked(app_or_pk)
        if app.status not in (S.SUBMITTED, S.MANUAL, S.QUEUED):
            raise NotAllowed(f"申请{app.number}当前为“{app.get_status_display()}”，不能审核通过")
        programme = app.programme
        amount = app.amount_fen if amount_fen is None else int(amount_fen)
        _check_amount(programme, app, amount)
        earlier = exclusive_holder(app.applicant_id, app.exclusion_key, COMMITTED, app.pk)
        if earlier is not None:
            raise excluded_error(earlier)
        _check_person_limits(app, amount)
        try:
            budget.commit(programme.pk, app.region, amount)
        except BudgetExceeded as exc:
            if programme.overflow != Programme.Overflow.QUEUE:
                raise
            if app.status != S.QUEUED:
                _move(app, [app.status], status=S.QUEUED)
                log_event(app, "queue", officer, exc.message)
            return app
        _move(
            app,
            [S.SUBMITTED, S.MANUAL, S.QUEUED],
            status=S.APPROVED,
            awarded_fen=amount,
            review_note=note,
            reviewed_by=officer,
            reviewed_at=timezone.now(),
        )
        log_event(app, "approve", officer, f"核定{yuan(amount)}元。{note}".strip())
    log.info("application %s approved for %s fen", app.number, amount)
    return app


def _check_person_limits(app: Application, amount: int) -> None:
    """Per-person caps and item limits hold across the applicant's applications.

    An application is decided when it is submitted, against what the applicant then held; two
    applications submitted before either is approved were each given the whole per-person cap.
    So at approval the rule version that decided it runs again against what the applicant holds
    now (approved, in 公示, paid), the applicant's row locked so that two approvals of the same
    applicant queue; an award above what is still left is refused with the figure."""
    if app.rule_id is None:
        return
    Applicant.objects.select_for_update().filter(pk=app.applicant_id).first()
    data = rule_inputs(
        app.applicant, app.region, app.sector, app.inputs, app.programme, exclude_pk=app.pk
    )
    others = Application.objects.filter(programme=app.programme, applicant=app.applicant_id)
    data["items_claimed"] = others.exclude(pk=app.pk).filter(status__in=COMMITTED).count()
    now = evaluate(app.rule, data)
    left = now.amount_fen if now.eligible else 0
    if left < app.amount_fen and amount > left:
        raise InvalidInput(
            f"申请人在本项目已获{yuan(data.get('person_received_fen', 0))}元，按规则第"
            f"{app.rule.number}版本笔剩余额度为{yuan(left)}元（每人上限或件数上限），"
            f"不能核定{yuan(amount)}元"
        )


def _check_amount(programme: Programme, app: Application, amount: int) -> None:
    """An officer may set the amount only where the policy gives a range (定额区间: within 下限—上限);
    everywhere else the rule's amount is the most that can be awarded."""
    if amount <= 0:
        raise InvalidInput("核定金额必须大于0")
    low, high = programme.min_award_fen, programme.max_award_fen
    if programme.kind != Programme.Kind.FIXED and amount > app.amount_fen:
        raise InvalidInput(f"核定金额不能超过测算金额{yuan(app.amount_fen)}元")
    if high is not None and amount > high:
        raise InvalidInput(f"核定金额不能超过单笔上限{yuan(high)}元")
    if low is not None and amount < low:
        raise InvalidInput(f"核定金额不能低于单笔下限{yuan(low)}元")


def return_for_changes(officer, app_or_pk, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("退回须说明原因")
    with transaction.atomic():
        app = _locked(app_or_pk)
        _move(
            app,
            [S.SUBMITTED, S.MANUAL],
            status=S.RETURNED,
            review_note=reason,
            reviewed_by=officer,
            reviewed_at=timezone.now(),
        )
        log_event(app, "return", officer, reason)
    return app


def reject(officer, app_or_pk, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("不予支持须说明原因")
    with transaction.atomic():
        app = _locked(app_or_pk)
        _move(
            app,
            [S.SUBMITTED, S.MANUAL, S.RETURNED, S.QUEUED, S.ENTITLED],
            status=S.REJECTED,
            invoice_held=False,
            review_note=reason,
            reviewed_by=officer,
            reviewed_at=timezone.now(),
        )
        log_event(app, "reject", officer, reason)
    return app


def resubmit(actor, app_or_pk, *, figures: dict | None = None) -> Application:
    """A returned application, corrected and decided again by the rule of its original date."""
    with transaction.atomic():
        app = _locked(app_or_pk)
        if app.status != S.RETURNED:
            raise NotAllowed("只有退回补正的申请可以重新提交")
        if figures is not None:
            app.inputs = dict(figures)
        outcome = decide(
            app.programme,
            rule_inputs(app.applicant, app.region, app.sector, app.inputs, app.programme, app.pk),
            app.decided_on or timezone.localdate(),
        )
        if not outcome.eligible or outcome.amount_fen <= 0:
            raise NotAllowed(f"修改后仍不符合条件：{outcome.reason}")
        status, manual_reason = _initial_status(app.programme, outcome)
        _move(
            app,
            [S.RETURNED],
            status=status,
            inputs=app.inputs,
            amount_fen=outcome.amount_fen,
            eligible=outcome.eligible,
            rule=outcome.rule,
            reason=outcome.reason,
            cap_applied=outcome.cap_applied,
            trace=outcome.trace,
            manual_reason=manual_reason,
        )
        log_event(app, "resubmit", actor, outcome.reason)
    return app


def confirm_entitlement(actor, app_or_pk) -> Application:
    """免申即享: the applicant has confirmed bank details; the entitlement goes to review."""
    with transaction.atomic():
        app = _locked(app_or_pk)
        if not app.applicant.bank_ready:
            raise InvalidInput("请先确认收款银行信息（户名、账号、开户行）")
        _move(app, [S.ENTITLED], status=S.SUBMITTED)
        log_event(app, "confirm", actor, "申请人确认收款信息")
    return app


def advance_queue(officer, programme: Programme) -> int:
    """Approve queued applications in their recorded order (submission time) while money lasts;
    stops at the first that does not fit, so no later one jumps the queue."""
    done = 0
    queued = programme.applications.filter(status=S.QUEUED).order_by("submitted_at", "id")
    for pk in list(queued.values_list("pk", flat=True)):
        app = approve(officer, pk)
        if app.status != S.APPROVED:
            break
        done += 1
    return done


def revoke(officer, app_or_pk, reason: str) -> Application:
    """An award withdrawn before payment (objection upheld): its money goes back to the pool."""
    with transaction.atomic():
        app = _locked(app_or_pk)
        if app.status not in (S.APPROVED, S.NOTICE) or app.batch_id is not None:
            raise NotAllowed(f"申请{app.number}当前为“{app.get_status_display()}”，不能撤销")
        amount = app.awarded_fen
        _move(app, [S.APPROVED, S.NOTICE], status=S.REVOKED, invoice_held=False, review_note=reason)
        budget.release(app.programme_id, app.region, amount)
        log_event(app, "revoke", officer, reason)
    return app


def region_caps(programme: Programme) -> dict[str, RegionCap]:
    return {c.region: c for c in programme.region_caps.all()}
