"""Issue 11: documents after import: delete a junk import, withdraw a published one, change a
task's lead unit (history kept)."""

from __future__ import annotations

from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import Measure, PolicyDocument
from policyledger.web.tracking.dashboard.data import dashboard_data
from policyledger.web.tracking.models import Report, Task
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import submit_report


def test_delete_a_junk_import(login, alice, reviewed):
    page = login(alice).post(f"/documents/{reviewed.pk}/delete/", follow=True).content.decode()
    assert "已删除“关于促进消费的若干措施”" in page
    assert not PolicyDocument.objects.exists() and not Measure.objects.exists()
    entry = AuditLog.objects.get(action="document.delete")
    assert entry.before["measures"] == 3 and entry.actor == alice


def test_a_published_document_cannot_be_deleted_but_can_be_withdrawn(login, alice, published):
    client = login(alice)
    page = client.post(f"/documents/{published.pk}/delete/", follow=True).content.decode()
    assert "已发布的文件不能删除" in page
    assert dashboard_data()["summary"]["tasks"] == 4
    page = client.post(f"/documents/{published.pk}/withdraw/", {"reason": ""}, follow=True)
    assert "撤回时须填写原因" in page.content.decode()
    client.post(f"/documents/{published.pk}/withdraw/", {"reason": "文件已废止"})
    published.refresh_from_db()
    assert published.status == "withdrawn"
    assert Task.objects.count() == 4  # history kept
    assert dashboard_data()["summary"]["tasks"] == 0
    assert AuditLog.objects.get(action="document.withdraw").after["reason"] == "文件已废止"


def test_reporters_and_viewers_cannot_delete_or_withdraw(login, bob, dave, published, reviewed):
    for user in (bob, dave):
        client = login(user)
        assert client.post(f"/documents/{published.pk}/withdraw/", {"reason": "x"}).status_code in (
            403,
            404,
        )
        assert client.post(f"/documents/{published.pk}/delete/").status_code in (403, 404)
    assert PolicyDocument.objects.get(pk=published.pk).status == "published"


def test_change_a_tasks_lead_unit_keeps_its_reports(login, alice, bob, units, tasks, clock, now):
    task = tasks[("三、", "市商务局")]
    with clock(now):
        submit_report(bob, task, parse_period("2022年9月", "monthly"), task_status="in_progress",
                      percent=20, narrative="")  # fmt: skip
    client = login(alice)
    task.refresh_from_db()
    page = client.post(
        f"/tracking/tasks/{task.pk}/lead/",
        {"unit": units["市市场监管局"].pk, "version": task.version},
        follow=True,
    ).content.decode()
    assert "牵头单位已改为“市市场监管局”" in page
    task.refresh_from_db()
    assert task.lead_unit == units["市市场监管局"]
    assert units["市市场监管局"] not in task.support_units.all()
    assert Report.objects.get().task_id == task.pk
    entry = AuditLog.objects.get(action="task.lead_unit", task_id_ref=task.pk)
    assert (entry.before["lead_unit_name"], entry.after["lead_unit_name"]) == (
        "市商务局",
        "市市场监管局",
    )
    # Two lead tasks for one measure and unit are refused.
    coupons = tasks[("一、", "市商务局")]
    page = client.post(
        f"/tracking/tasks/{coupons.pk}/lead/", {"unit": units["市财政局"].pk}, follow=True
    ).content.decode()
    assert "“市财政局”已牵头这条措施的另一项任务" in page


def test_short_title_is_asked_on_review_and_used_in_lists(login, alice, reviewed):
    client = login(alice)
    page = client.get(f"/documents/{reviewed.pk}/").content.decode()
    assert 'id="ask-short-title"' in page
    reviewed.refresh_from_db()
    client.post(
        f"/documents/{reviewed.pk}/settings/",
        {"version": reviewed.version, "cycle": "monthly", "default_deadline": "2023-06-30",
         "title": reviewed.title, "short_title": "促消费若干措施"},
    )  # fmt: skip
    reviewed.refresh_from_db()
    assert reviewed.short_title == "促消费若干措施"
    assert 'id="ask-short-title"' not in client.get(f"/documents/{reviewed.pk}/").content.decode()
    assert "促消费若干措施" in client.get("/documents/").content.decode()
    from policyledger.web.documents.services.publish import publish

    publish(alice, reviewed.pk, reviewed.version)
    tasks_page = client.get("/tracking/tasks/").content.decode()
    assert f'<option value="{reviewed.pk}">促消费若干措施</option>' in tasks_page
