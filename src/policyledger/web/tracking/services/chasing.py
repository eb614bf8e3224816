"""催报 / 督办: who is late for the current reporting period, reminding them in one click, lists to
export (未报送名单, 逾期清单), and escalation to a unit's leader after ``ESCALATE_AFTER_DAYS``.

The *current reporting period* of a cycle is the last one that has ended (its reports are due now):
September's reports are chased in October. A task is late for it when its document is published,
it existed before the period ended, it is not finished, and it has no submitted or accepted report
for that period. Every round is kept (``Reminder`` and one ``ReminderUnit`` per unit and period):
who sent it, when, which units, which tasks, who was told.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Left
from django.utils import timezone

from policyledger.formats import format_date
from policyledger.web.accounts.models import Unit
from policyledger.web.accounts.recipients import unit_users
from policyledger.web.core import audit, notify
from policyledger.web.core.errors import ServiceError
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.tracking.models import Reminder, ReminderUnit, Report, Task, TaskStatus
from policyledger.web.tracking.services.periods import Period, previous_period

logger = logging.getLogger("policyledger.web.tracking.chasing")


class ChaseError(ServiceError, ValueError):
    """A 催报 refused; the message is for the user (Chinese)."""


@dataclass
class LateTask:
    task_id: int
    label: str
    document: str
    deadline: dt.date | None


@dataclass
class LateUnit:
    unit_id: int
    unit: str
    contact: str
    phone: str
    period: Period
    tasks: list[LateTask] = field(default_factory=list)


def reporting_periods(today: dt.date) -> dict[str, Period]:
    """Per cycle, the period whose reports are due now: the last one that has ended."""
    return {cycle: previous_period(today, cycle) for cycle in PolicyDocument.Cycle.values}


def late_units(today: dt.date | None = None) -> list[LateUnit]:
    """The units late for the current period, each with its late tasks (one query per cycle)."""
    today = today or timezone.localdate()
    out: dict[tuple[int, dt.date], LateUnit] = {}
    for cycle, period in reporting_periods(today).items():
        end = timezone.make_aware(
            dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min)
        )
        reported = Report.objects.filter(
            task=OuterRef("pk"),
            period_start=period.start,
            status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED],
        )
        # Only the columns shown: a task row must not drag its document's text and parse result
        # (megabytes of JSON decoded once per task made this page take 0.7 s on the demo).
        rows = (
            Task.objects.filter(
                measure__document__status=PolicyDocument.Status.PUBLISHED,
                measure__document__cycle=cycle,
                created_at__lt=end,
                lead_unit__active=True,
            )
            .exclude(status=TaskStatus.DONE)
            .exclude(Exists(reported))
            .order_by("lead_unit__name", "measure__document_id", "measure__order", "pk")
            .values_list(
                "pk",
                "deadline",
                "lead_unit_id",
                "lead_unit__name",
                "lead_unit__contact_person",
                "lead_unit__contact_phone",
                "measure__number",
                "measure__heading",
                Left("measure__text", 30),
                "measure__document_id",
                "measure__document__short_title",
                "measure__document__title",
                "measure__document__source_name",
            )
        )
        for (
            pk,
            deadline,
            unit_id,
            unit,
            contact,
            phone,
            number,
            heading,
            text,
            document_id,
            short_title,
            title,
            source_name,
        ) in rows:
            line = out.setdefault(
                (unit_id, period.start), LateUnit(unit_id, unit, contact, phone, period)
            )
            # The document's display name (PolicyDocument.display_name), from the columns read.
            document = short_title or title or source_name or f"文件 {document_id}"
            label = f"{number}{heading or text or ''}".strip()
            line.tasks.append(LateTask(pk, label, document, deadline))
    return sorted(out.values(), key=lambda u: (u.unit, u.period.start))


def _names(tasks: list[LateTask], limit: int = 3) -> str:
    shown = "、".join(f"“{t.label}”" for t in tasks[:limit])
    return shown + (f"等{len(tasks)}项任务" if len(tasks) > limit else "")


def send_reminders(user, today: dt.date | None = None) -> Reminder:
    """Remind every unit late for the current period: in-app to its reporters, and by email."""
    from policyledger.web.accounts import permissions

    permissions.require_admin(user)
    late = late_units(today)
    if not late:
        raise ChaseError("当前报送周期没有未报送的单位，无需催报")
    with transaction.atomic():
        reminder = Reminder.objects.create(
            kind=Reminder.Kind.REMINDER, sent_by=user, sent_at=timezone.now()
        )
        people = defaultdict(list)
        for user_ in unit_users({u.unit_id for u in late}).select_related("profile"):
            people[user_.profile.unit_id].append(user_)
        mails: dict = defaultdict(list)
        notified = 0
        lines = []
        for u in late:
            text = f"催报：请尽快报送{u.period.label}的进展：{_names(u.tasks)}"
            recipients = people.get(u.unit_id, [])
            notified += notify.notify(recipients, text, "/tracking/tasks/?unit=" + str(u.unit_id))
            for person in recipients:
                mails[person].append(text)
            lines.append(
                ReminderUnit(
                    reminder=reminder,
                    unit_id=u.unit_id,
                    period_label=u.period.label,
                    period_start=u.period.start,
                    tasks=[t.task_id for t in u.tasks],
                    recipients=[p.username for p in recipients],
                )
            )
        ReminderUnit.objects.bulk_create(lines)
        reminder.notified = notified
        reminder.emailed = sum(1 for p in mails if p.email)
        reminder.save(update_fields=["notified", "emailed"])
        audit.record(
            user,
            "reminder.send",
            reminder,
            after={
                "units": [u.unit for u in late],
                "periods": sorted({u.period.label for u in late}),
                "tasks": sum(len(u.tasks) for u in late),
            },
        )
    # Mail goes out once the round is committed; a mail server down does not undo it.
    notify.email(mails, "【催报】请尽快报送政策落实进展")
    logger.info("reminder %s sent by %s to %d units", reminder.pk, user, len(late))
    return reminder


def escalate(today: dt.date | None = None, user=None) -> Reminder | None:
    """督办: units still late ``ESCALATE_AFTER_DAYS`` after their first reminder for a period are
    reported to their leader contact (email) and to the administrators, once per unit and period."""
    today = today or timezone.localdate()
    days = settings.ESCALATE_AFTER_DAYS
    cutoff = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=days) + dt.timedelta(days=1), dt.time.min)
    )
    due = []
    for u in late_units(today):
        reminded = ReminderUnit.objects.filter(
            unit_id=u.unit_id, period_start=u.period.start, reminder__kind=Reminder.Kind.REMINDER
        ).order_by("reminder__sent_at")
        first = reminded.select_related("reminder").first()
        if first is None or first.reminder.sent_at >= cutoff:
            continue
        already = ReminderUnit.objects.filter(
            unit_id=u.unit_id, period_start=u.period.start, reminder__kind=Reminder.Kind.ESCALATION
        ).exists()
        if not already:
            due.append((u, first.reminder.sent_at))
    if not due:
        return None
    units = Unit.objects.in_bulk([u.unit_id for u, _ in due])
    with transaction.atomic():
        reminder = Reminder.objects.create(
            kind=Reminder.Kind.ESCALATION, sent_by=user, sent_at=timezone.now()
        )
        batch = []
        lines = []
        admin_lines = []
        for u, first_at in due:
            unit = units[u.unit_id]
            text = (
                f"督办：{unit.name}{u.period.label}的进展自{format_date(timezone.localtime(first_at).date())}"
                f"催报后超过{days}天仍未报送：{_names(u.tasks)}"
            )
            admin_lines.append(text)
            to = [unit.leader_email] if unit.leader_email else []
            if to:
                greeting = f"{unit.leader_name}同志：\n" if unit.leader_name else ""
                batch.append(
                    (
                        f"【督办】{unit.name}{u.period.label}政策落实进展逾期未报送",
                        greeting + text,
                        settings.DEFAULT_FROM_EMAIL,
                        to,
                    )
                )
            lines.append(
                ReminderUnit(
                    reminder=reminder,
                    unit=unit,
                    period_label=u.period.label,
                    period_start=u.period.start,
                    tasks=[t.task_id for t in u.tasks],
                    recipients=to,
                )
            )
        ReminderUnit.objects.bulk_create(lines)
        admins = list(notify.admin_users())
        for text in admin_lines:
            notify.notify(admins, text, "/tracking/chasing/")
        reminder.notified = len(admins) * len(admin_lines)
        reminder.emailed = len(batch)
        reminder.save(update_fields=["notified", "emailed"])
        audit.record(
            user,
            "reminder.escalate",
            reminder,
            after={"units": [units[u.unit_id].name for u, _ in due], "emails": len(batch)},
        )
    _send(batch)
    logger.info("escalated %d units (reminder %s)", len(due), reminder.pk)
    return reminder


def _send(batch: list) -> None:
    from django.core.mail import send_mass_mail

    if not batch:
        return
    try:
        send_mass_mail(batch, fail_silently=False)
    except OSError:
        logger.exception("sending %d escalation emails failed", len(batch))


def overdue_tasks(today: dt.date | None = None):
    """逾期清单: published tasks past their deadline and not finished, most overdue first."""
    today = today or timezone.localdate()
    return (
        Task.objects.filter(
            measure__document__status=PolicyDocument.Status.PUBLISHED, deadline__lt=today
        )
        .exclude(status=TaskStatus.DONE)
        .select_related("measure__document", "lead_unit")
        .order_by("deadline", "lead_unit__name", "pk")
    )
