"""The year-end 绩效评价 of the whole policy: measures done and late, money targets by measure,
indicators against their targets, and each programme's results (a fixed number of queries plus
one evaluation per programme)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from policyledger.web.documents.models import PolicyDocument, Target
from policyledger.web.monitoring.models import IndicatorTarget
from policyledger.web.monitoring.services import evaluation as evaluation_service
from policyledger.web.monitoring.services.targets import path_of
from policyledger.web.tracking import hooks as tracking_hooks
from policyledger.web.tracking.models import Task, TaskStatus


@dataclass
class DocumentLine:
    title: str
    tasks: int
    done: int
    late: int  # past the deadline and not done, or done after it is not known: overdue now


@dataclass
class TargetLine:
    link: IndicatorTarget
    latest_month: int | None
    actual: Decimal | None
    path: Decimal | None


@dataclass
class YearEnd:
    year: int
    as_of: dt.date
    documents: list[DocumentLine] = field(default_factory=list)
    money: list[tuple[str, str]] = field(default_factory=list)  # (measure, money target text)
    targets: list[TargetLine] = field(default_factory=list)
    evaluations: list = field(default_factory=list)

    @property
    def tasks(self) -> int:
        return sum(d.tasks for d in self.documents)

    @property
    def done(self) -> int:
        return sum(d.done for d in self.documents)

    @property
    def late(self) -> int:
        return sum(d.late for d in self.documents)


def year_end(year: int, as_of: dt.date | None = None) -> YearEnd:
    as_of = as_of or min(dt.date.today(), dt.date(year, 12, 31))
    report = YearEnd(year, as_of)
    rows = (
        Task.objects.filter(measure__document__status=PolicyDocument.Status.PUBLISHED)
        .values("measure__document__title")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            late=Count("pk", filter=Q(deadline__lt=as_of) & ~Q(status=TaskStatus.DONE)),
        )
        .order_by("measure__document__title")
    )
    report.documents = [
        DocumentLine(r["measure__document__title"] or "（无标题）", r["n"], r["done"], r["late"])
        for r in rows
    ]
    report.money = [
        ((t.measure.heading or t.measure.text)[:60], t.text or str(t.value))
        for t in Target.objects.filter(
            kind=Target.Kind.MONEY, measure__document__status=PolicyDocument.Status.PUBLISHED
        ).select_related("measure")[:200]
    ]
    for link in IndicatorTarget.objects.filter(year=year).select_related("indicator"):
        known = [p for p in path_of(link) if p.actual is not None]
        latest = known[-1] if known else None
        report.targets.append(
            TargetLine(
                link,
                latest.month if latest else None,
                latest.actual if latest else None,
                latest.path if latest else None,
            )
        )
    for result in tracking_hooks.programmes():
        if result.start.year <= year <= result.end.year:
            found = evaluation_service.evaluate(result.key)
            if found is not None:
                report.evaluations.append(found)
    return report
