"""Background tasks of the tracking app.

The daily warning job re-enqueues itself for the next day at settings.WARNING_HOUR (local time),
so any running `policyledger worker` keeps it going; `ensure_daily_warnings()` (called when a
worker starts) seeds the chain if none is waiting. Two workers starting at once may seed two
chains: harmless, because the job itself is safe to run concurrently (compare-and-set).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("policyledger.web.tracking.jobs")


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    now = timezone.localtime(now or timezone.now())
    run = now.replace(hour=settings.WARNING_HOUR, minute=0, second=0, microsecond=0)
    return run if run > now else run + dt.timedelta(days=1)


@task()
def daily_warnings_task() -> str:
    from policyledger.web.tracking.services.chasing import escalate
    from policyledger.web.tracking.services.warnings import run_warnings

    try:
        summary = run_warnings().summary()
        # 督办: units still late ESCALATE_AFTER_DAYS after a 催报 go to their leader contact.
        escalated = escalate()
        if escalated is not None:
            summary += f"; escalated {escalated.lines.count()} units"
        return summary
    finally:
        daily_warnings_task.using(run_after=next_run()).enqueue()


def ensure_daily_warnings() -> bool:
    """Enqueue the daily job unless one is already waiting; True when this call enqueued it."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # Not .ready(): that leaves out the waiting run scheduled for tomorrow morning.
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=daily_warnings_task.module_path
    )
    if waiting.exists():
        return False
    daily_warnings_task.using(run_after=next_run()).enqueue()
    logger.info("daily warning job scheduled for %s", next_run())
    return True
