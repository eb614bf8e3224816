"""The demo seeding: a sample parsed and published, users, report cycles, warnings, pages alive."""

import shutil
from pathlib import Path

from django.test import Client

from policyledger.web.documents.models import PolicyDocument
from policyledger.web.tracking.models import Report, Task

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "corpus" / "004_2d60cdc4fc4386b8.txt"


def test_seed_builds_a_live_programme(db, tmp_path):
    from policyledger.web.demo import seed

    shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    creds = seed(tmp_path, vouchers=False)
    assert [c.username for c in creds] == ["admin", "shangwu", "tianbao", "leader"]
    document = PolicyDocument.objects.get()
    assert document.status == PolicyDocument.Status.PUBLISHED
    assert document.measures.count() == 20
    assert Task.objects.filter(lead_unit__name="市商务局").exists()
    assert set(Report.objects.values_list("status", flat=True)) >= {"accepted", "submitted"}
    assert set(Task.objects.values_list("warning", flat=True)) >= {"normal", "overdue"}
    # The dashboard has finished work to show: accepted final reports set tasks to 已完成.
    assert Task.objects.filter(status="done", percent=100).exists()
    # The office's day (issue 11): a batch accepted, a 催报 round sent and recorded, and the 通报
    # of the last period (read as of its end) has its tasks and a ranking.
    from django.utils import timezone

    from policyledger.web.core.models import AuditLog
    from policyledger.web.tracking.briefings.data import collect_briefing
    from policyledger.web.tracking.briefings.rankings import briefing_rankings
    from policyledger.web.tracking.models import Reminder
    from policyledger.web.tracking.services.periods import previous_period

    assert AuditLog.objects.filter(action="report.batch_accept").exists()
    assert Reminder.objects.filter(kind="reminder").get().lines.exists()
    last = previous_period(timezone.localdate(), "monthly")
    briefing = collect_briefing(last)
    assert briefing.tasks and briefing.reported
    assert len(briefing_rankings(briefing)) >= 2
    # Seeding twice changes nothing.
    assert len(seed(tmp_path, vouchers=False)) == 4
    assert PolicyDocument.objects.count() == 1

    for cred in creds:
        client = Client()
        client.post("/accounts/login/", {"username": cred.username, "password": cred.password})
        assert client.get("/").status_code == 200, cred.username
        visible = Task.objects.all()
        if cred.unit:
            visible = visible.filter(lead_unit__name=cred.unit)
        for task in visible[:25]:
            assert client.get(f"/tracking/tasks/{task.pk}/").status_code == 200
        assert client.get(f"/documents/{document.pk}/").status_code == 200
        if cred.username == "admin":
            queue = client.get("/tracking/reports/?status=submitted").content.decode()
            assert 'id="queue-filters"' in queue and 'id="batch-accept"' in queue
            assert "已向" not in queue
            assert "催报" in client.get("/tracking/chasing/").content.decode()
