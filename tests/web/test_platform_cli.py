"""`policyledger warnings` and `policyledger worker` against the test database."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.db import connection

from policyledger.cli import main
from policyledger.web.core.models import AuditLog
from policyledger.web.tracking.models import Task

ROOT = Path(__file__).resolve().parents[2]


def test_warnings_command_with_a_given_time(tasks):
    result = CliRunner().invoke(main, ["warnings", "--now", "2023-01-01T06:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "预警完成（2023年01月01日 06:00）" in result.output
    assert "逾期2项" in result.output
    assert Task.objects.filter(warning="overdue").count() == 2


def test_warnings_command_rejects_a_bad_time(db):
    result = CliRunner().invoke(main, ["warnings", "--now", "明天"])
    assert result.exit_code == 2
    assert "时间格式应为 ISO 8601" in result.output


def test_daily_job_reschedules_itself(db, run_tasks, clock):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from policyledger.web.tracking.jobs import daily_warnings_task, ensure_daily_warnings

    start = dt.datetime(2022, 9, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with clock(start):
        assert ensure_daily_warnings() is True
        assert ensure_daily_warnings() is False  # one chain is enough
    waiting = DBTaskResult.objects.get(task_path=daily_warnings_task.module_path)
    assert waiting.run_after == dt.datetime(2022, 9, 21, 6, 0, tzinfo=start.tzinfo)
    with clock(start + dt.timedelta(days=1)):
        assert run_tasks() == 1
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert [r.run_after for r in ready] == [dt.datetime(2022, 9, 22, 6, 0, tzinfo=start.tzinfo)]


@pytest.mark.postgres
def test_several_workers_parse_each_document_once(transactional_db, alice):
    """`policyledger worker --processes 2` drains one queue on PostgreSQL: each document once."""
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import import_upload

    text = (ROOT / "samples" / "corpus" / "004_2d60cdc4fc4386b8.txt").read_bytes()
    for i in range(8):
        import_upload(text, f"doc{i}.txt", alice)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    # The real command: two worker processes started by `policyledger worker`.
    command = [
        sys.executable,
        "-c",
        "from policyledger.cli import main; main()",
        "worker",
        "--processes",
        "2",
        "--batch",
    ]
    proc = subprocess.run(command, env=env, cwd=ROOT, timeout=180, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(PolicyDocument.objects.values_list("status", flat=True)) == {"review"}
    assert AuditLog.objects.filter(action="document.parsed").count() == 8
    assert all(d.measures.count() == 20 for d in PolicyDocument.objects.all())
