"""Demo data: the five sample documents parsed and published, units, users, a few report cycles.

Deadlines and report periods are placed relative to today, so the demo always shows a mix of
正常 / 临期 / 逾期 tasks and a unit or two 未按期报送, whatever the date the demo is run.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("policyledger.web.tracking.demo")

ADMIN_PASSWORD = "demo-admin-2026"
REPORTER_PASSWORD = "demo-report-2026"
VIEWER_PASSWORD = "demo-leader-2026"


@dataclass
class Credential:
    username: str
    password: str
    role: str
    unit: str


def _level(name: str) -> str:
    if name.startswith("省"):
        return "province"
    if name.startswith(("县", "区")) or "县区" in name or name.endswith(("县", "区")):
        return "county"
    return "city"


def seed(samples: Path, *, vouchers: bool = True) -> list[Credential]:
    """Load everything once; a second call finds the admin user and only returns credentials."""
    user_model = get_user_model()
    if user_model.objects.filter(username="admin").exists():
        logger.info("demo data already present")
        return _credentials()
    from django.conf import settings

    from policyledger.web.tracking.services.warnings import run_warnings

    # The seeding itself sends no mail: hundreds of console emails would bury the credentials.
    mail_backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    try:
        # One transaction: SQLite would otherwise sync to disk after each of thousands of writes.
        with transaction.atomic():
            _import_samples(samples)
            _publish_all()
            creds = _users()
            _contacts()
            _reports()
            run_warnings()
            _office_day()
    finally:
        settings.EMAIL_BACKEND = mail_backend
    if vouchers and importlib.util.find_spec("policyledger.web.vouchers.demo") is not None:
        from policyledger.web.vouchers import demo as vouchers_demo

        vouchers_demo.seed()
    # Subsidy programmes (政策兑现) from the same samples, after the voucher ledger exists.
    if importlib.util.find_spec("policyledger.web.subsidies.demo") is not None:
        from policyledger.web.subsidies import demo as subsidies_demo

        subsidies_demo.seed()

    if importlib.util.find_spec("policyledger.web.monitoring.demo") is not None:
        from policyledger.web.monitoring import demo as monitoring_demo

        monitoring_demo.seed()
    return creds


def _import_samples(samples: Path) -> None:
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import import_upload, run_parse

    for path in sorted(samples.glob("*.txt")):
        document = import_upload(path.read_bytes(), path.name, None)
        # Parsed here and now: the demo must show data before any worker has started.
        status = run_parse(document.pk)
        logger.info("demo: %s -> %s", path.name, status)
        if status != PolicyDocument.Status.REVIEW:
            logger.warning("demo: %s not parsed: %s", path.name, document.error)


def _publish_all() -> None:
    from policyledger.web.accounts.models import Unit
    from policyledger.web.accounts.services import get_or_create_unit
    from policyledger.web.documents.models import MeasureUnit, PolicyDocument
    from policyledger.web.documents.services.publish import publish

    today = timezone.localdate()
    documents = PolicyDocument.objects.filter(status=PolicyDocument.Status.REVIEW).order_by("pk")
    for i, document in enumerate(documents):
        with transaction.atomic():
            for link in MeasureUnit.objects.filter(measure__document=document, unit__isnull=True):
                unit = get_or_create_unit(link.raw_name)
                if not unit.level:
                    Unit.objects.filter(pk=unit.pk).update(level=_level(unit.name))
                MeasureUnit.objects.filter(pk=link.pk).update(unit=unit)
            # A measure the parser left without a unit goes to the issuing office, so nothing is
            # silently dropped from the demo programme.
            owner = get_or_create_unit(document.issuer or "牵头办")
            for measure in document.measures.all():
                if not measure.unit_links.filter(role=MeasureUnit.Role.LEAD).exists():
                    MeasureUnit.objects.create(
                        measure=measure, unit=owner, raw_name=owner.name, role="lead"
                    )
            document.cycle = "quarterly" if i % 3 == 2 else "monthly"
            document.default_deadline = today + dt.timedelta(days=120 + 30 * i)
            document.save(update_fields=["cycle", "default_deadline"])
        document.refresh_from_db()
        publish(None, document.pk, document.version)
    _spread_deadlines(today)


def _spread_deadlines(today: dt.date) -> None:
    """Give the demo tasks deadlines around today: a few overdue, some due soon, most later."""
    from policyledger.web.tracking.models import Task

    offsets = [-20, 8, 45, 90, 150, 12, 200, -5, 60, 120]
    from policyledger.web.documents.models import PolicyDocument

    start = timezone.now() - dt.timedelta(days=100)
    for i, pk in enumerate(Task.objects.order_by("pk").values_list("pk", flat=True)):
        Task.objects.filter(pk=pk).update(
            deadline=today + dt.timedelta(days=offsets[i % len(offsets)]), created_at=start
        )
    # Published when the tasks began, so the 通报 of past periods (read as of their end) has them.
    PolicyDocument.objects.filter(status=PolicyDocument.Status.PUBLISHED).update(published_at=start)


def _users() -> list[Credential]:
    from policyledger.web.accounts.models import Unit
    from policyledger.web.accounts.services import create_user, get_or_create_unit

    commerce = get_or_create_unit("市商务局")
    other = (
        Unit.objects.filter(lead_tasks__isnull=False)
        .exclude(pk=commerce.pk)
        .filter(name__startswith="市")
        .distinct()
        .order_by("name")
        .first()
    ) or get_or_create_unit("市财政局")
    create_user(
        "admin", ADMIN_PASSWORD, role="admin", full_name="牵头办管理员", email="admin@example.org"
    )
    create_user(
        "shangwu",
        REPORTER_PASSWORD,
        role="reporter",
        unit=commerce,
        full_name="市商务局填报员",
        email="shangwu@example.org",
    )
    create_user(
        "tianbao",
        REPORTER_PASSWORD,
        role="reporter",
        unit=other,
        full_name=f"{other.name}填报员",
        email="tianbao@example.org",
    )
    create_user(
        "leader", VIEWER_PASSWORD, role="viewer", full_name="分管领导", email="leader@example.org"
    )
    return _credentials()


def _credentials() -> list[Credential]:
    from policyledger.web.accounts.models import Profile

    out = []
    passwords = {"admin": ADMIN_PASSWORD, "reporter": REPORTER_PASSWORD, "viewer": VIEWER_PASSWORD}
    for profile in Profile.objects.select_related("user", "unit").order_by("pk"):
        out.append(
            Credential(
                profile.user.username,
                passwords.get(profile.role, "?"),
                profile.get_role_display(),
                profile.unit.name if profile.unit else "",
            )
        )
    return out


def _reports() -> None:
    """Two cycles of reports: the older accepted, the last submitted (a few returned, a sixth of
    the tasks finished and accepted)."""
    from policyledger.web.accounts.models import Profile
    from policyledger.web.tracking.models import Task
    from policyledger.web.tracking.services.periods import previous_period
    from policyledger.web.tracking.services.reports import (
        accept_report,
        return_report,
        submit_report,
    )

    admin = get_user_model().objects.get(username="admin")
    reporters = {
        p.unit_id: p.user for p in Profile.objects.filter(role="reporter").select_related("user")
    }
    today = timezone.localdate()
    tasks = Task.objects.select_related("measure__document", "lead_unit").order_by("pk")
    units = sorted({t.lead_unit_id for t in tasks})
    # Every fourth unit skips the latest cycle, so 未按期报送 has something to show.
    late_units = {u for n, u in enumerate(units) if n % 4 == 3}
    for i, task in enumerate(tasks):
        cycle = task.measure.document.cycle
        last = previous_period(today, cycle)
        periods = [previous_period(last.start, cycle), last]
        user = reporters.get(task.lead_unit_id, admin)
        for step, period in enumerate(periods):
            if task.lead_unit_id in late_units and period == last:
                continue
            # Every sixth task is finished in the latest cycle, so 已完成 has something to show.
            finished = i % 6 == 0
            percent = (60, 100)[step] if finished else min(100, 15 * (step + 1) + (i * 7) % 30)
            status = "done" if percent >= 100 else ("lagging" if i % 11 == 5 else "in_progress")
            report = submit_report(
                user,
                task,
                period,
                task_status=status,
                percent=percent,
                narrative=f"{period.label}：按计划推进{task.measure.heading or '本项任务'}，"
                f"已完成阶段目标的{percent}%。",
            )
            if period != last or finished:
                accept_report(admin, report.pk)
            elif i % 15 == 1:
                return_report(admin, report.pk, "请补充量化指标完成情况和佐证材料")
            _within(report.pk, period, late=i % 9 == 4)


def _within(report_id: int, period, *, late: bool) -> None:
    """Date a demo report as if filed and reviewed in its period (a few filed after its end), so a
    通报, read as of its period's end, shows the cycle the way the office lived it."""
    from policyledger.web.tracking.models import Report

    tz = timezone.get_current_timezone()
    filed = period.end + dt.timedelta(days=3) if late else period.end - dt.timedelta(days=3)
    submitted = dt.datetime.combine(filed, dt.time(10, 0), tz)
    reviewed = dt.datetime.combine(max(filed, period.end), dt.time(17, 0), tz)
    report = Report.objects.filter(pk=report_id)
    report.update(submitted_at=submitted)
    report.exclude(reviewed_at=None).update(reviewed_at=reviewed)


def _contacts() -> None:
    """Contact people and leaders for the units, as the office keeps them in the registry."""
    from policyledger.web.accounts.models import Unit

    for i, unit in enumerate(Unit.objects.order_by("pk")):
        Unit.objects.filter(pk=unit.pk).update(
            contact_person=f"联络员{i + 1:02d}",
            contact_phone=f"0518-8561{i:04d}"[:13],
            leader_name=f"分管领导{i + 1:02d}",
            leader_email=f"leader{i + 1:02d}@example.org",
        )


def _office_day() -> None:
    """The lead office's day: a batch of 市商务局's reports accepted at once, then a 催报 round to
    every unit late for the current period (recorded, with in-app notifications)."""
    from policyledger.web.tracking.models import Report
    from policyledger.web.tracking.services.chasing import ChaseError, send_reminders
    from policyledger.web.tracking.services.review_queue import batch_accept

    admin = get_user_model().objects.get(username="admin")
    batch = list(
        Report.objects.filter(status=Report.Status.SUBMITTED, task__lead_unit__name="市商务局")
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[:5]
    )
    if batch:
        batch_accept(admin, batch, "批量采纳")
    try:
        send_reminders(admin)
    except ChaseError:
        logger.info("demo: no unit late, no 催报 sent")
