"""The figures of a 通报 for one reporting period, gathered with a fixed number of queries.

A briefing describes the programme *as of* the end of its period (or today, for the period under
way): only documents published, tasks created, reports submitted and reports accepted before that
moment count (``cutoff``), and a task's status and percent are those of its newest report accepted
by then. A briefing for a past period regenerated next month therefore says the same thing, even
if a document was published, withdrawn or restored, a task closed or a report accepted since
(documents and tasks are read from their dated history: ``documents_as_of``, ``tasks_as_of``;
``BRIEFING_CLOSE_DAYS`` lets the office count what was settled a few days after the period's end;
0 by default). The .docx and .xlsx writers (``briefing_docx``, ``briefing_xlsx``) only render a
``Briefing``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from policyledger.formats import format_date
from policyledger.web.documents.models import Target
from policyledger.web.documents.services.asof import in_programme
from policyledger.web.tracking.models import Report, ReportValue, Task, TaskClosing, TaskStatus
from policyledger.web.tracking.services.periods import Period

MAX_HIGHLIGHTS = 8
HIGHLIGHT_CHARS = 120
DEFAULT_ISSUER = "政策落实工作领导小组办公室"
DEFAULT_NUMBER_PREFIX = "落实办通报"


def cn_date(day: dt.date) -> str:
    """2022年9月5日: the way dates are printed in Chinese official documents (no leading zeros)."""
    return format_date(day)


def percent_text(numerator: int, denominator: int) -> str:
    if not denominator:
        return "—"
    return f"{100 * numerator / denominator:.1f}%"


@dataclass
class TaskLine:
    """One task as of the briefing date."""

    pk: int
    document_id: int
    document_title: str
    number: str
    heading: str
    unit: str
    unit_id: int
    deadline: dt.date | None
    status: str
    percent: int
    overdue: bool
    reported: bool
    warning: str
    latest_label: str = ""
    latest_status: str = ""
    latest_narrative: str = ""

    @property
    def status_label(self) -> str:
        return TaskStatus(self.status).label

    @property
    def title(self) -> str:
        return f"{self.number}{self.heading}".strip() or f"任务{self.pk}"


@dataclass
class UnitLine:
    unit: str
    unit_id: int
    tasks: int = 0
    done: int = 0
    in_progress: int = 0
    lagging: int = 0
    not_started: int = 0
    overdue: int = 0
    missing: int = 0


@dataclass
class Highlight:
    unit: str
    task: str
    text: str


@dataclass
class Briefing:
    period: Period
    as_of: dt.date
    issued_on: dt.date
    issuer: str
    number_prefix: str
    serial: int
    documents: int = 0
    tasks: list[TaskLine] = field(default_factory=list)
    units: list[UnitLine] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    money_target: float = 0.0
    money_achieved: Decimal = Decimal(0)  # ReportValue.achieved: Decimal, never float
    # 资金兑现 from the registered money sources (subsidy programmes, voucher campaigns) as of the
    # briefing's moment: committed and paid, integer fen.
    money_committed_fen: int = 0
    money_paid_fen: int = 0
    # Units ranked by completion rate and 报送及时率 (briefings.rankings), filled by the caller.
    rankings: list = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"关于{self.period.label}政策落实情况的通报"

    @property
    def doc_number(self) -> str:
        return f"{self.number_prefix}〔{self.period.start.year}〕{self.serial}号"

    def count(self, status: str) -> int:
        return sum(1 for t in self.tasks if t.status == status)

    @property
    def overdue(self) -> list[TaskLine]:
        return sorted(
            (t for t in self.tasks if t.overdue),
            key=lambda t: (t.deadline or dt.date.max, t.unit, t.pk),
        )

    @property
    def reported(self) -> int:
        return sum(1 for t in self.tasks if t.reported)


def serial_for(period: Period) -> int:
    """The issue number within the year: the month for a monthly period, the quarter otherwise."""
    if "季度" in period.label:
        return (period.start.month - 1) // 3 + 1
    return period.start.month


def _first_sentences(text: str, limit: int = HIGHLIGHT_CHARS) -> str:
    text = re.sub(r"\s+", "", text or "")
    if len(text) <= limit:
        return text
    # Cut at the last full stop inside the limit so a highlight never ends mid-sentence.
    cut = max(text.rfind(mark, 0, limit) for mark in "。；！")
    return text[: cut + 1] if cut >= limit // 3 else text[:limit] + "……"


def cutoff(period: Period, today: dt.date | None = None) -> dt.datetime:
    """The moment a briefing of ``period`` describes: the start of the day after its end (plus
    ``BRIEFING_CLOSE_DAYS``), or the end of today for a period still under way."""
    today = today or timezone.localdate()
    close = period.end + dt.timedelta(days=settings.BRIEFING_CLOSE_DAYS)
    day = min(close, today) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def warning_on(deadline: dt.date | None, status: str, day: dt.date) -> str:
    """The warning a task had on ``day``: the same rule as the daily warning job."""
    if not deadline or status == TaskStatus.DONE:
        return Task.Warning.NORMAL
    if deadline < day:
        return Task.Warning.OVERDUE
    if deadline <= day + dt.timedelta(days=settings.WARNING_DAYS):
        return Task.Warning.DUE_SOON
    return Task.Warning.NORMAL


@dataclass
class TaskState:
    """A task's state as of a moment: what the dashboard counts (lighter than a ``TaskLine``)."""

    pk: int
    unit_id: int
    unit: str
    deadline: dt.date | None
    status: str
    percent: int
    warning: str


def accepted_as_of(period: Period, moment: dt.datetime) -> QuerySet[Report]:
    """A task's accepted reports up to ``period`` as known at ``moment``, newest first (for a
    subquery on ``OuterRef("pk")``)."""
    return Report.objects.filter(
        task=OuterRef("pk"),
        status=Report.Status.ACCEPTED,
        period_start__lte=period.end,
        reviewed_at__lt=moment,
    ).order_by("-period_start")


def task_states(
    period: Period, *, today: dt.date | None = None, document_ids: list[int] | None = None
) -> tuple[dt.date, list[TaskState]]:
    """The day described and every task's state then, as a briefing of ``period`` counts them
    (same documents, tasks, status and warning rule), in one query."""
    today = today or timezone.localdate()
    as_of = min(period.end, today)
    moment = cutoff(period, today)
    accepted = accepted_as_of(period, moment)
    rows = (
        tasks_as_of(moment, documents_as_of(moment, document_ids))
        .annotate(
            as_of_status=Subquery(accepted.values("task_status")[:1]),
            as_of_percent=Subquery(accepted.values("percent")[:1]),
        )
        .order_by()
        .values_list(
            "pk", "lead_unit_id", "lead_unit__name", "deadline", "as_of_status", "as_of_percent"
        )
    )
    states = []
    for pk, unit_id, unit, deadline, status, percent in rows:
        status = status or TaskStatus.NOT_STARTED
        states.append(
            TaskState(
                pk,
                unit_id,
                unit,
                deadline,
                status,
                percent or 0,
                warning_on(deadline, status, as_of),
            )
        )
    return as_of, states


def documents_as_of(moment: dt.datetime, document_ids: list[int] | None = None):
    """The documents in the programme at ``moment``: published before it and not withdrawn at
    that moment (a later withdrawal or restoration does not change it)."""
    return in_programme(moment, document_ids)


def tasks_as_of(moment: dt.datetime, documents) -> QuerySet[Task]:
    """The tasks of ``documents`` that existed at ``moment`` and were open then, read from their
    dated closings (``TaskClosing``): the last closing or reopening before ``moment`` decides, so
    a task closed in October and reopened in December is out of November only. A task with no
    closing history (none recorded) falls back to ``closed_at``."""
    last = (
        TaskClosing.objects.filter(task=OuterRef("pk"), at__lt=moment)
        .order_by("-at", "-pk")
        .values("closed")[:1]
    )
    return (
        Task.objects.filter(measure__document__in=documents.values("pk"), created_at__lt=moment)
        .annotate(
            closed_then=Subquery(last),
            has_closings=Exists(TaskClosing.objects.filter(task=OuterRef("pk"))),
        )
        .filter(
            Q(closed_then=False)
            | Q(closed_then__isnull=True, has_closings=True)
            | Q(has_closings=False) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
        )
    )


def collect_briefing(
    period: Period,
    *,
    today: dt.date | None = None,
    issuer: str = DEFAULT_ISSUER,
    number_prefix: str = DEFAULT_NUMBER_PREFIX,
    serial: int | None = None,
    document_ids: list[int] | None = None,
) -> Briefing:
    """Everything a 通报 for ``period`` says, over the published documents (or those given)."""
    today = today or timezone.localdate()
    as_of = min(period.end, today)
    briefing = Briefing(
        period=period,
        as_of=as_of,
        issued_on=today,
        issuer=issuer.strip() or DEFAULT_ISSUER,
        number_prefix=number_prefix.strip() or DEFAULT_NUMBER_PREFIX,
        serial=serial if serial is not None else serial_for(period),
    )
    moment = cutoff(period, today)
    documents = documents_as_of(moment, document_ids)
    tasks = tasks_as_of(moment, documents)

    accepted = accepted_as_of(period, moment)
    latest = Report.objects.filter(
        task=OuterRef("pk"),
        status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED, Report.Status.RETURNED],
        period_start__lte=period.end,
        submitted_at__lt=moment,
    ).order_by("-period_start")
    in_period = Report.objects.filter(
        task=OuterRef("pk"),
        status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED, Report.Status.RETURNED],
        period_start__gte=period.start,
        period_start__lte=period.end,
        submitted_at__lt=moment,
    ).exclude(status=Report.Status.RETURNED, reviewed_at__lt=moment)
    rows = (
        tasks.annotate(
            as_of_status=Subquery(accepted.values("task_status")[:1]),
            as_of_percent=Subquery(accepted.values("percent")[:1]),
            latest_label=Subquery(latest.values("period_label")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_narrative=Subquery(latest.values("narrative")[:1]),
            reported=Exists(in_period),
        )
        .values(
            "pk",
            "measure__document_id",
            "measure__document__title",
            "measure__number",
            "measure__heading",
            "measure__text",
            "lead_unit_id",
            "lead_unit__name",
            "deadline",
            "as_of_status",
            "as_of_percent",
            "latest_label",
            "latest_status",
            "latest_narrative",
            "reported",
        )
        .order_by("measure__document_id", "measure__order", "pk")
    )
    status_labels = dict(Report.Status.choices)
    doc_ids: set[int] = set()
    for row in rows:
        status = row["as_of_status"] or TaskStatus.NOT_STARTED
        deadline = row["deadline"]
        warning = warning_on(deadline, status, as_of)
        overdue = warning == Task.Warning.OVERDUE
        doc_ids.add(row["measure__document_id"])
        briefing.tasks.append(
            TaskLine(
                pk=row["pk"],
                document_id=row["measure__document_id"],
                document_title=row["measure__document__title"] or "",
                number=row["measure__number"] or "",
                heading=row["measure__heading"] or (row["measure__text"] or "")[:30],
                unit=row["lead_unit__name"],
                unit_id=row["lead_unit_id"],
                deadline=deadline,
                status=status,
                percent=row["as_of_percent"] or 0,
                overdue=overdue,
                reported=bool(row["reported"]),
                warning=warning,
                latest_label=row["latest_label"] or "",
                latest_status=status_labels.get(row["latest_status"], ""),
                latest_narrative=row["latest_narrative"] or "",
            )
        )
    briefing.documents = len(doc_ids)
    briefing.units = _by_unit(briefing.tasks)
    briefing.highlights = _highlights(period, tasks, moment)
    briefing.money_target, briefing.money_achieved = _money(period, documents, tasks, moment)
    briefing.money_committed_fen, briefing.money_paid_fen = sourced_money(documents, moment)
    return briefing


def sourced_money(documents, moment: dt.datetime) -> tuple[int, int]:
    """Committed and paid fen of the registered money sources (``tracking.hooks``) against the
    measures of ``documents``, as they stood at ``moment``."""
    from policyledger.web.documents.models import Measure
    from policyledger.web.tracking import hooks

    ids = hooks.measures_with_money()
    if not ids:
        return 0, 0
    measures = Measure.objects.filter(pk__in=ids, document__in=documents.values("pk"))
    committed = paid = 0
    for measure_id in measures.order_by("pk").values_list("pk", flat=True):
        for row in hooks.money_for_measure(measure_id, as_of=moment):
            committed += int(row.get("committed_fen") or 0)
            paid += int(row.get("paid_fen") or 0)
    return committed, paid


def _by_unit(tasks: list[TaskLine]) -> list[UnitLine]:
    units: dict[int, UnitLine] = {}
    for t in tasks:
        line = units.setdefault(t.unit_id, UnitLine(unit=t.unit, unit_id=t.unit_id))
        line.tasks += 1
        line.done += t.status == TaskStatus.DONE
        line.in_progress += t.status == TaskStatus.IN_PROGRESS
        line.lagging += t.status == TaskStatus.LAGGING
        line.not_started += t.status == TaskStatus.NOT_STARTED
        line.overdue += t.overdue
        line.missing += not t.reported
    # Units with the most trouble first, the way a 通报 names them.
    return sorted(units.values(), key=lambda u: (-u.overdue, -u.missing, -u.tasks, u.unit))


def _highlights(period: Period, tasks, moment: dt.datetime) -> list[Highlight]:
    reports = (
        Report.objects.filter(
            status=Report.Status.ACCEPTED,
            reviewed_at__lt=moment,
            period_start__gte=period.start,
            period_start__lte=period.end,
            task__in=tasks.values("pk"),
        )
        .exclude(narrative="")
        .select_related("task__lead_unit", "task__measure")
        .order_by("-percent", "task__lead_unit__name", "pk")[: MAX_HIGHLIGHTS * 3]
    )
    out: list[Highlight] = []
    seen_units: dict[str, int] = defaultdict(int)
    for report in reports:
        unit = report.task.lead_unit.name
        # At most two highlights per unit, so one busy unit does not fill the section.
        if seen_units[unit] >= 2:
            continue
        seen_units[unit] += 1
        measure = report.task.measure
        out.append(
            Highlight(
                unit=unit,
                task=measure.heading or measure.number,
                text=_first_sentences(report.narrative),
            )
        )
        if len(out) >= MAX_HIGHLIGHTS:
            break
    return out


def money_amount(value: Any) -> float:
    """The yuan a money target commits: the number, or the upper end of a range."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        return float(max(value))
    return 0.0


def committing(targets):
    """Money targets that commit a sum (a total), not a per-item cap such as 每人最高3万元."""
    return targets.filter(kind=Target.Kind.MONEY).filter(
        Q(qualifier__in=["", Target.Qualifier.TOTAL]) & Q(per="")
    )


def _money(period: Period, documents, tasks, moment: dt.datetime) -> tuple[float, Decimal]:
    targets = committing(Target.objects.filter(measure__document__in=documents.values("pk")))
    values = dict(targets.values_list("pk", "value"))
    total = sum(money_amount(v) for v in values.values())
    # The newest accepted figure per task and target up to the period's end (a measure with two
    # lead units has two tasks reporting against the same target; their figures add up).
    achieved: dict[tuple[int, int], Decimal] = {}
    rows = (
        ReportValue.objects.filter(
            target_id__in=targets.values("pk"),
            report__task__in=tasks.values("pk"),
            report__status=Report.Status.ACCEPTED,
            report__period_start__lte=period.end,
            report__reviewed_at__lt=moment,
        )
        .order_by("report__task_id", "target_id", "report__period_start")
        .values_list("report__task_id", "target_id", "achieved")
    )
    for task_id, target_id, value in rows:
        achieved[(task_id, target_id)] = value
    return total, sum(achieved.values(), Decimal(0))
