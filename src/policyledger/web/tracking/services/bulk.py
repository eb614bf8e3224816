"""Bulk update from the exported ledger (进度台账): only rows that changed become reports.

A unit exports its ledger, edits a few rows and uploads it back. A row whose 状态 / 完成进度 /
进展情况 are what the sheet was exported with (the task's current state, an empty narrative) or what
the unit already reported for the period is *skipped*: it is not a report. Every row is checked
first; if any row is refused, nothing is written and every refused row is named (row number, task,
reason). Rows are then written in one transaction, each in a savepoint, so a refusal found while
writing (a period accepted meanwhile) still names its row and still leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

from django.db import transaction

from policyledger.formats.cells import control_characters
from policyledger.web.accounts import permissions
from policyledger.web.params import MAX_INT
from policyledger.web.tracking.models import Report, Task, TaskStatus
from policyledger.web.tracking.services.periods import Period
from policyledger.web.tracking.services.reports import ReportError, control_message, submit_report

logger = logging.getLogger("policyledger.web.tracking.reports")

STATUS_BY_LABEL = {label: value for value, label in TaskStatus.choices}

CREATED = "created"
UPDATED = "updated"
SKIPPED = "skipped"
REFUSED = "refused"
OUTCOME_LABELS = {CREATED: "已报送", UPDATED: "已更新", SKIPPED: "未改动，跳过", REFUSED: "拒绝"}


@dataclass
class RowOutcome:
    line: int
    task_id: int | None
    task: str
    outcome: str
    reason: str = ""

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class BulkResult:
    rows: list[RowOutcome] = field(default_factory=list)
    # A problem with the file itself (not a row): unreadable, missing columns.
    errors: list[str] = field(default_factory=list)
    written: bool = False

    def _count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self._count(CREATED)

    @property
    def updated(self) -> int:
        """Reports written (new or changed), 0 when the upload was refused."""
        return (self._count(CREATED) + self._count(UPDATED)) if self.written else 0

    @property
    def skipped(self) -> int:
        return self._count(SKIPPED)

    @property
    def refused(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == REFUSED]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused

    def problems(self) -> list[str]:
        """Every reason the upload was refused, one line per bad row."""
        return self.errors + [
            f"第{r.line}行" + (f"（{r.task}）" if r.task else "") + f"：{r.reason}"
            for r in self.refused
        ]


def task_label(task: Task) -> str:
    """How a task is named to people: 一、发放消费券 (its document's measure number and heading)."""
    measure = task.measure
    return f"{measure.number}{measure.heading or measure.text[:30]}".strip() or f"任务{task.pk}"


def _task_number(value) -> int:
    # int() and not int_or_none: a sheet typed in full-width digits (１２) still names task 12.
    return int(str(value).strip())


def _percent(value) -> int:
    percent = int(round(float(str(value).strip().rstrip("%％"))))
    if not 0 <= percent <= 100:
        raise ValueError
    return percent


@dataclass
class _Planned:
    line: int
    task: Task
    status: str
    percent: int
    narrative: str
    existing: Report | None


def _unchanged(plan: _Planned) -> bool:
    row = (plan.status, plan.percent, plan.narrative)
    exported = (plan.task.status, plan.task.percent, "")
    if row == exported:
        return True
    report = plan.existing
    return report is not None and row == (report.task_status, report.percent, report.narrative)


def bulk_update(user, data: bytes, period: Period) -> BulkResult:
    """Submit a report for each changed row of an xlsx shaped like the exported ledger."""
    from policyledger.web.tracking.services.ledger import read_ledger_rows

    result = BulkResult()
    if not permissions.can_write(user):
        result.errors.append("只读用户不能报送")
        return result
    try:
        rows = read_ledger_rows(data)
    except ValueError as exc:
        result.errors.append(str(exc))
        return result
    # Every row's task and this period's reports in one query each (a sheet may be thousands of
    # rows), never one query per row.
    wanted = set()
    for _line, row in rows:
        with contextlib.suppress(ValueError):
            wanted.add(_task_number(row.get("任务编号")))
    visible = permissions.visible_tasks(user).select_related("measure", "lead_unit")
    found = visible.in_bulk([pk for pk in wanted if 0 < pk <= MAX_INT])
    existing = {
        r.task_id: r
        for r in Report.objects.filter(task_id__in=list(found), period_start=period.start)
    }
    plans: list[_Planned] = []
    seen: dict[int, int] = {}
    for line, row in rows:
        raw_id = row.get("任务编号")
        if raw_id in (None, ""):
            continue
        try:
            pk = _task_number(raw_id)
        except ValueError:
            result.rows.append(RowOutcome(line, None, "", REFUSED, f"任务编号“{raw_id}”不是数字"))
            continue
        task = found.get(pk)
        if task is None:
            result.rows.append(RowOutcome(line, pk, "", REFUSED, f"任务编号{pk}不存在或无权报送"))
            continue
        name = task_label(task)
        if pk in seen:
            result.rows.append(
                RowOutcome(line, pk, name, REFUSED, f"与第{seen[pk]}行是同一任务，请只保留一行")
            )
            continue
        seen[pk] = line
        status = STATUS_BY_LABEL.get(str(row.get("状态") or "").strip())
        if status is None:
            result.rows.append(
                RowOutcome(line, pk, name, REFUSED, "状态须为未启动、推进中、已完成或滞后")
            )
            continue
        try:
            percent = _percent(row.get("完成进度"))
        except (TypeError, ValueError, OverflowError):
            result.rows.append(RowOutcome(line, pk, name, REFUSED, "完成进度须为0到100之间的数"))
            continue
        if status == TaskStatus.DONE:
            percent = 100
        narrative = str(row.get("进展情况") or "").strip()
        if bad := control_characters(narrative):
            result.rows.append(
                RowOutcome(line, pk, name, REFUSED, control_message("进展情况", bad))
            )
            continue
        plan = _Planned(line, task, status, percent, narrative, existing.get(pk))
        if _unchanged(plan):
            result.rows.append(RowOutcome(line, pk, name, SKIPPED, "与导出时相同"))
            continue
        if plan.existing is not None and plan.existing.status == Report.Status.ACCEPTED:
            result.rows.append(
                RowOutcome(line, pk, name, REFUSED, f"{period.label}的报送已被采纳，不能再修改")
            )
            continue
        plans.append(plan)
    if not result.ok:
        logger.info("bulk update by %s refused: %d bad rows", user, len(result.refused))
        return result
    outcomes: list[RowOutcome] = []
    with transaction.atomic():
        for plan in plans:
            name = task_label(plan.task)
            try:
                with transaction.atomic():
                    submit_report(
                        user,
                        plan.task,
                        period,
                        task_status=plan.status,
                        percent=plan.percent,
                        narrative=plan.narrative,
                    )
            except ReportError as exc:
                outcomes.append(RowOutcome(plan.line, plan.task.pk, name, REFUSED, str(exc)))
                continue
            outcome = UPDATED if plan.existing is not None else CREATED
            outcomes.append(RowOutcome(plan.line, plan.task.pk, name, outcome))
        if any(o.outcome == REFUSED for o in outcomes):
            # Nothing half-written: the rows that went in are undone with the rest.
            transaction.set_rollback(True)
        else:
            result.written = True
    result.rows = sorted(result.rows + outcomes, key=lambda r: r.line)
    logger.info(
        "bulk update by %s: %d written, %d skipped, %d refused",
        user,
        result.updated,
        result.skipped,
        len(result.refused),
    )
    return result
