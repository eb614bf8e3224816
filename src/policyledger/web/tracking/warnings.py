"""The daily warning job: 正常 / 临期 / 逾期 per task and 未按期报送 per unit.

Several workers may run it at once. Each state change is a compare-and-set: candidate rows are
locked with SKIP LOCKED and updated only where they still hold the old state, so a change happens
once, and only the worker that made it writes the WarningFlip row, the notifications and the email.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from policyledger.web.accounts.models import Unit
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.tracking import notify
from policyledger.web.tracking.models import Report, Task, TaskStatus, WarningFlip
from policyledger.web.tracking.periods import Period, previous_period

logger = logging.getLogger("policyledger.web.tracking.warnings")

BATCH = 2000
W = Task.Warning


@dataclass
class WarningRun:
    now: dt.datetime
    task_flips: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unit_flips: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def summary(self) -> str:
        parts = [f"{W(k).label}{v}项" for k, v in sorted(self.task_flips.items())]
        parts += [f"单位{Unit.ReportWarning(k).label}{v}个" for k, v in self.unit_flips.items()]
        return "，".join(parts) or "无变化"


def expected_warning_q(today: dt.date, days: int) -> dict[str, Q]:
    """For each warning level, the tasks that should be in it on ``today``."""
    open_ = ~Q(status=TaskStatus.DONE) & Q(deadline__isnull=False)
    overdue = open_ & Q(deadline__lt=today)
    due_soon = open_ & Q(deadline__gte=today, deadline__lte=today + dt.timedelta(days=days))
    return {W.OVERDUE: overdue, W.DUE_SOON: due_soon, W.NORMAL: ~(overdue | due_soon)}


def task_warning(task: Task, today: dt.date, days: int | None = None) -> str:
    """The level a single task should have on ``today`` (the same rule as the job, in Python)."""
    days = settings.WARNING_DAYS if days is None else days
    if task.status == TaskStatus.DONE or task.deadline is None:
        return W.NORMAL
    if task.deadline < today:
        return W.OVERDUE
    if task.deadline <= today + dt.timedelta(days=days):
        return W.DUE_SOON
    return W.NORMAL


def _lock(qs):
    # SKIP LOCKED lets concurrent workers split the rows instead of queueing on them; SQLite has
    # no row locks but serialises writers (IMMEDIATE transactions), which gives the same result.
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True)
    return qs


def _flip_tasks(run: WarningRun, today: dt.date, days: int) -> None:
    messages: dict = defaultdict(list)
    for new, should in expected_warning_q(today, days).items():
        candidates = Task.objects.filter(should).exclude(warning=new).order_by("pk")
        ids = list(candidates.values_list("pk", flat=True))
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            with transaction.atomic():
                # Re-read under lock: another worker may have moved some rows since.
                locked = list(
                    _lock(Task.objects.filter(should, pk__in=chunk).exclude(warning=new))
                    .select_related("measure", "lead_unit")
                    .order_by("pk")
                )
                if not locked:
                    continue
                won: list[Task] = []
                for old in {t.warning for t in locked}:
                    group = [t for t in locked if t.warning == old]
                    updated = Task.objects.filter(pk__in=[t.pk for t in group], warning=old).update(
                        warning=new, warning_changed_at=run.now
                    )
                    if updated == len(group):
                        won.extend(group)
                    else:
                        # Lost part of the race (possible only without row locks): keep the rows
                        # that now carry our change and were ours to write.
                        mine = set(
                            Task.objects.filter(
                                pk__in=[t.pk for t in group],
                                warning=new,
                                warning_changed_at=run.now,
                            ).values_list("pk", flat=True)
                        )
                        won.extend(t for t in group if t.pk in mine)
                WarningFlip.objects.bulk_create(
                    [
                        WarningFlip(
                            kind=WarningFlip.Kind.DEADLINE,
                            task=t,
                            old=t.warning,
                            new=new,
                            at=run.now,
                            detail=f"完成时限{t.deadline:%Y年%m月%d日}" if t.deadline else "",
                        )
                        for t in won
                    ]
                )
                run.task_flips[new] += len(won)
                if new != W.NORMAL and won:
                    by_unit: dict[int, list[Task]] = defaultdict(list)
                    for t in won:
                        by_unit[t.lead_unit_id].append(t)
                    for unit_id, tasks in by_unit.items():
                        users = list(notify.unit_users([unit_id]))
                        for t in tasks:
                            text = (
                                f"任务“{t.measure.heading or t.measure.number}”"
                                f"{W(new).label}（完成时限{t.deadline:%Y年%m月%d日}）"
                            )
                            notify.notify(users, text, f"/tracking/tasks/{t.pk}/")
                            for u in users:
                                messages[u].append(text)
    notify.email(messages, "【政策落实台账】任务预警")


def _due_periods(today: dt.date) -> dict[str, Period]:
    """Per cycle, the last period whose report is now overdue (its end + grace days has passed)."""
    grace = dt.timedelta(days=settings.REPORT_GRACE_DAYS)
    out: dict[str, Period] = {}
    for cycle in PolicyDocument.Cycle.values:
        period = previous_period(today, cycle)
        if period.end + grace >= today:
            period = previous_period(period.start, cycle)
        out[cycle] = period
    return out


def missing_report_units(today: dt.date) -> dict[int, list[tuple[str, int]]]:
    """Unit id -> [(period label, number of tasks without a report)] for the overdue periods."""
    reported = Report.objects.filter(
        task=OuterRef("pk"),
        period_start=OuterRef("_period_start"),
        status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED],
    )
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    tz = timezone.get_current_timezone()
    for cycle, period in _due_periods(today).items():
        end = timezone.make_aware(dt.datetime.combine(period.end, dt.time.max), tz)
        from django.db.models import Count, Value
        from django.db.models.fields import DateField

        rows = (
            Task.objects.filter(
                measure__document__status=PolicyDocument.Status.PUBLISHED,
                measure__document__cycle=cycle,
                created_at__lte=end,
            )
            .exclude(status=TaskStatus.DONE)
            .annotate(_period_start=Value(period.start, output_field=DateField()))
            .exclude(Exists(reported))
            .values("lead_unit_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            out[row["lead_unit_id"]].append((period.label, row["n"]))
    return out


def _flip_units(run: WarningRun, today: dt.date) -> None:
    missing = missing_report_units(today)
    messages: dict = defaultdict(list)
    M = Unit.ReportWarning
    want = {pk: M.MISSING for pk in missing}
    current = dict(Unit.objects.values_list("pk", "report_warning"))
    for pk, old in current.items():
        new = want.get(pk, M.NORMAL)
        if old == new:
            continue
        with transaction.atomic():
            # Compare-and-set: only the worker whose update changed the row records the flip.
            if not Unit.objects.filter(pk=pk, report_warning=old).update(
                report_warning=new, report_warning_changed_at=run.now
            ):
                continue
            labels = "、".join(f"{label}（{n}项任务）" for label, n in missing.get(pk, []))
            WarningFlip.objects.create(
                kind=WarningFlip.Kind.MISSING_REPORT,
                unit_id=pk,
                old=old,
                new=new,
                at=run.now,
                period_label="、".join(label for label, _ in missing.get(pk, [])),
                detail=labels,
            )
            run.unit_flips[new] += 1
            if new == M.MISSING:
                name = Unit.objects.values_list("name", flat=True).get(pk=pk)
                text = f"{name}未按期报送：{labels}"
                users = [*notify.unit_users([pk]), *notify.admin_users()]
                notify.notify(users, text, f"/accounts/units/{pk}/")
                for u in users:
                    messages[u].append(text)
    notify.email(messages, "【政策落实台账】未按期报送提醒")


def run_warnings(now: dt.datetime | None = None) -> WarningRun:
    """Bring every task's and unit's warning up to date as of ``now`` (default: the clock)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = WarningRun(now=now)
    _flip_tasks(run, today, settings.WARNING_DAYS)
    _flip_units(run, today)
    logger.info("warnings as of %s: %s", today, run.summary())
    return run
