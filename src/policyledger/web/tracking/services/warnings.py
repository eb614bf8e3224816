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

from policyledger.formats import format_date
from policyledger.web.accounts import recipients
from policyledger.web.accounts.models import Unit
from policyledger.web.core import notify
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.tracking.models import Report, Task, TaskStatus, WarningFlip
from policyledger.web.tracking.services.periods import Period, previous_period

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
    open_ = ~Q(status=TaskStatus.DONE) & Q(deadline__isnull=False, closed_at__isnull=True)
    overdue = open_ & Q(deadline__lt=today)
    due_soon = open_ & Q(deadline__gte=today, deadline__lte=today + dt.timedelta(days=days))
    return {W.OVERDUE: overdue, W.DUE_SOON: due_soon, W.NORMAL: ~(overdue | due_soon)}


def task_warning(task: Task, today: dt.date, days: int | None = None) -> str:
    """The level a single task should have on ``today`` (the same rule as the job, in Python)."""
    days = settings.WARNING_DAYS if days is None else days
    if task.status == TaskStatus.DONE or task.deadline is None or task.closed_at is not None:
        return W.NORMAL
    if task.deadline < today:
        return W.OVERDUE
    if task.deadline <= today + dt.timedelta(days=days):
        return W.DUE_SOON
    return W.NORMAL


def _lock(qs):
    # SKIP LOCKED lets concurrent workers split the rows instead of queueing on them; SQLite has
    # no row locks but takes the write lock when the transaction begins (IMMEDIATE), so there the
    # read and the update below cannot interleave with another worker's either.
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


class _LostRace(Exception):
    """A compare-and-set matched fewer rows than were read under lock: leave the chunk alone."""


@dataclass(frozen=True)
class _Flipped:
    pk: int
    old: str
    deadline: dt.date | None
    unit_id: int
    title: str


def _flip_tasks(run: WarningRun, today: dt.date, days: int) -> None:
    messages: dict = defaultdict(list)
    for new, should in expected_warning_q(today, days).items():
        candidates = Task.objects.filter(should).exclude(warning=new).order_by("pk")
        ids = list(candidates.values_list("pk", flat=True))
        won_all: list[_Flipped] = []
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            try:
                won_all.extend(_flip_chunk(run, chunk, should, new))
            except _LostRace:
                logger.warning("warning chunk skipped: rows changed under us; next run retries")
        if won_all:
            run.task_flips[new] += len(won_all)
        if new != W.NORMAL and won_all:
            _notify_units(won_all, new, messages)
    notify.email(messages, "【政策落实台账】任务预警")


@transaction.atomic
def _flip_chunk(run: WarningRun, chunk: list[int], should: Q, new: str) -> list[_Flipped]:
    # Re-read under lock: another worker may have moved some rows since the candidates query.
    rows = list(
        _lock(Task.objects.filter(should, pk__in=chunk).exclude(warning=new))
        .order_by("pk")
        .values_list(
            "pk", "warning", "deadline", "lead_unit_id", "measure__heading", "measure__number"
        )
    )
    won = [
        _Flipped(pk, old, deadline, unit, heading or number or "")
        for pk, old, deadline, unit, heading, number in rows
    ]
    for old in {f.old for f in won}:
        group = [f.pk for f in won if f.old == old]
        # Compare-and-set: only rows still in ``old`` move; the count must match what we locked.
        updated = Task.objects.filter(pk__in=group, warning=old).update(
            warning=new, warning_changed_at=run.now
        )
        if updated != len(group):
            raise _LostRace
    WarningFlip.objects.bulk_create(
        [
            WarningFlip(
                kind=WarningFlip.Kind.DEADLINE,
                task_id=f.pk,
                old=f.old,
                new=new,
                at=run.now,
                detail=f"完成时限{format_date(f.deadline)}" if f.deadline else "",
            )
            for f in won
        ],
        batch_size=1000,
    )
    return won


def _notify_units(won: list[_Flipped], new: str, messages: dict) -> None:
    """Tell each lead unit's reporters, once per run: the task itself when it is one, else how
    many and a link to the filtered list (a unit with hundreds of overdue tasks gets one line)."""
    from policyledger.web.accounts.models import Profile
    from policyledger.web.core.models import Notification

    by_unit: dict[int, list[_Flipped]] = defaultdict(list)
    for f in won:
        by_unit[f.unit_id].append(f)
    users_by_unit: dict[int, list] = defaultdict(list)
    for profile in Profile.objects.filter(
        unit_id__in=list(by_unit), role=Profile.Role.REPORTER, user__is_active=True
    ).select_related("user"):
        users_by_unit[profile.unit_id].append(profile.user)
    label = W(new).label
    rows = []
    for unit_id, flipped in by_unit.items():
        users = users_by_unit.get(unit_id, [])
        if not users:
            continue
        if len(flipped) == 1:
            f = flipped[0]
            due = f"（完成时限{format_date(f.deadline)}）" if f.deadline else ""
            text, link = f"任务“{f.title}”{label}{due}", f"/tracking/tasks/{f.pk}/"
        else:
            names = "、".join(f"“{f.title}”" for f in flipped[:3])
            text = f"本单位有{len(flipped)}项任务{label}：{names}{'等' if len(flipped) > 3 else ''}"
            link = f"/tracking/tasks/?warning={new}&unit={unit_id}"
        lines = [text] + [
            f"- {f.title}（完成时限{format_date(f.deadline)}）" for f in flipped[:50] if f.deadline
        ]
        for user in users:
            rows.append(Notification(user=user, text=text[:500], link=link))
            messages[user].extend(lines)
    Notification.objects.bulk_create(rows, batch_size=1000)


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
                closed_at__isnull=True,
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
                users = [*recipients.unit_users([pk]), *recipients.admin_users()]
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
