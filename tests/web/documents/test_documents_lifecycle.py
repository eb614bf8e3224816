"""Documents after import: delete a junk import, withdraw (and restore) a published document,
reopen it to fix measures (tasks follow on re-publication, reports kept), change a task's lead
unit, and the short title used in lists."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from policyledger.web.core.models import AuditLog, Notification
from policyledger.web.documents.models import Measure, PolicyDocument
from policyledger.web.documents.services import importing, lifecycle, review
from policyledger.web.documents.services.errors import ReviewError
from policyledger.web.documents.services.publish import publish
from policyledger.web.tracking.models import ClosedReason, Report, Task

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2022, 9, 20, 9, 0, tzinfo=SHANGHAI)


def time_at(when: dt.datetime):
    return time_machine.travel(when, tick=False)


def _report(task, user, percent=40):
    return Report.objects.create(
        task=task,
        period_label="2022年8月",
        period_start=dt.date(2022, 8, 1),
        period_end=dt.date(2022, 8, 31),
        status=Report.Status.ACCEPTED,
        percent=percent,
        submitted_by=user,
    )


def test_delete_a_junk_import_removes_the_file_and_is_audited(
    login, alice, reviewed, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    reviewed.source_file.save("junk.txt", ContentFile(b"junk"), save=True)
    storage, name = reviewed.source_file.storage, reviewed.source_file.name
    assert storage.exists(name)
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/{reviewed.pk}/delete/", follow=True)
    assert "已删除“关于促进消费的若干措施”" in response.content.decode()
    assert not PolicyDocument.objects.filter(pk=reviewed.pk).exists()
    assert not Measure.all_objects.filter(document_id=reviewed.pk).exists()
    assert not storage.exists(name)
    entry = AuditLog.objects.get(action="document.delete")
    assert entry.object_id == str(reviewed.pk) and entry.before["measures"] == 3


def test_a_published_document_cannot_be_deleted(login, alice, published):
    response = login(alice).post(f"/documents/{published.pk}/delete/", follow=True)
    assert "文件已发布过，不能删除" in response.content.decode()
    assert PolicyDocument.objects.filter(pk=published.pk).exists()
    # Reopened, it is under review again, yet it was published: still not deletable.
    lifecycle.reopen_document(alice, published.pk)
    with pytest.raises(ReviewError, match="不能删除"):
        lifecycle.delete_document(alice, published.pk)
    assert Task.objects.count() == 4


def test_withdraw_closes_and_hides_tasks_and_restore_reopens_them(
    login, alice, bob, dave, published
):
    task = Task.objects.filter(lead_unit__name="市商务局").first()
    _report(task, bob)
    client = login(alice)
    response = client.post(f"/documents/{published.pk}/withdraw/", {"reason": ""}, follow=True)
    assert "请填写原因" in response.content.decode()
    client.post(f"/documents/{published.pk}/withdraw/", {"reason": "文件被上级废止"})
    published.refresh_from_db()
    assert published.status == PolicyDocument.Status.WITHDRAWN
    assert Task.objects.filter(closed_at__isnull=True).count() == 0
    assert set(Task.objects.values_list("closed_reason", flat=True)) == {ClosedReason.WITHDRAWN}
    # The reporter no longer sees the tasks (list or page); the admin still does, with reports.
    bob_client = login(bob)
    assert "发放消费券" not in bob_client.get("/tracking/tasks/").content.decode()
    assert bob_client.get(f"/tracking/tasks/{task.pk}/").status_code == 404
    assert "已关闭：文件已撤回" in client.get(f"/tracking/tasks/{task.pk}/").content.decode()
    assert Report.objects.filter(task=task).count() == 1
    entry = AuditLog.objects.get(action="document.withdraw")
    assert entry.after == {"status": "withdrawn", "reason": "文件被上级废止", "tasks_closed": 4}

    client.post(f"/documents/{published.pk}/restore/")
    published.refresh_from_db()
    assert published.status == PolicyDocument.Status.PUBLISHED
    assert Task.objects.filter(closed_at__isnull=True).count() == 4
    assert bob_client.get(f"/tracking/tasks/{task.pk}/").status_code == 200


def test_closed_tasks_do_not_warn(alice, published):
    from policyledger.web.tracking.services.warnings import run_warnings

    lifecycle.withdraw_document(alice, published.pk, "废止")
    with time_at(dt.datetime(2024, 1, 10, 9, 0, tzinfo=NOW.tzinfo)):
        run_warnings()
    assert set(Task.objects.values_list("warning", flat=True)) == {"normal"}


def test_republish_after_reopen_keeps_reports_and_tasks_follow_the_measures(
    alice, bob, published, units
):
    m1 = published.measures.get(number="一、")
    m2 = published.measures.get(number="二、")
    m3 = published.measures.get(number="三、")
    kept = Task.objects.get(measure=m1, lead_unit=units["市商务局"])
    removed = Task.objects.get(measure=m3)
    report_kept = _report(kept, bob)
    report_removed = _report(removed, bob, 10)

    lifecycle.reopen_document(alice, published.pk, "措施二写错了")
    published.refresh_from_db()
    assert published.status == PolicyDocument.Status.REVIEW
    first_published_at = published.published_at
    # Fix: measure 1 gets a new deadline and loses 市财政局 as lead; measure 3 is merged into
    # measure 2, which thereby gains 市商务局 as a second lead unit.
    m1.refresh_from_db()
    review.edit_measure(
        alice,
        m1.pk,
        m1.version,
        heading=m1.heading,
        text=m1.text,
        lead_units=["市商务局"],
        support_units=[],
        deadline=dt.date(2023, 3, 31),
        weight=None,
        targets=[],
    )
    published.refresh_from_db()
    review.merge_measures(alice, published.pk, [m2.pk, m3.pk], published.version)
    published.refresh_from_db()
    with time_at(NOW):
        created = publish(alice, published.pk, published.version)

    published.refresh_from_db()
    assert published.status == PolicyDocument.Status.PUBLISHED
    assert published.published_at == first_published_at
    kept.refresh_from_db()
    assert kept.closed_at is None and kept.deadline == dt.date(2023, 3, 31)
    # Reports are all still there, on their tasks.
    assert set(Report.objects.values_list("pk", flat=True)) == {report_kept.pk, report_removed.pk}
    removed.refresh_from_db()
    finance = Task.objects.get(measure=m1, lead_unit=units["市财政局"])
    survivor = Measure.objects.get(document=published, pk__in=[m2.pk, m3.pk])
    assert survivor.pk == m2.pk
    assert removed.closed_reason == ClosedReason.MEASURE_REMOVED
    assert Task.objects.get(measure=m2, lead_unit__name="市发展改革委").closed_at is None
    assert finance.closed_reason == ClosedReason.LEAD_REMOVED
    assert Measure.all_objects.filter(document=published, retired=True).count() == 1
    # The merged measure is led by 市商务局 and 市发展改革委: every lead has an open task.
    open_leads = set(
        Task.objects.filter(measure=survivor, closed_at__isnull=True).values_list(
            "lead_unit__name", flat=True
        )
    )
    assert open_leads == {"市商务局", "市发展改革委"}
    assert len(created) == 1
    assert AuditLog.objects.filter(action="task.close").count() == 2
    assert AuditLog.objects.get(action="document.publish", after__republished=True)


def test_removing_a_measure_of_a_reopened_document_keeps_its_reports(alice, bob, published):
    """Control for the retire rule: the same merge on a document never published deletes."""
    m2 = published.measures.get(number="二、")
    report = _report(Task.objects.get(measure=m2), bob)
    lifecycle.reopen_document(alice, published.pk)
    published.refresh_from_db()
    importing.remove_measures(published, Measure.objects.filter(pk=m2.pk))
    assert Report.objects.filter(pk=report.pk).exists()
    PolicyDocument.objects.filter(pk=published.pk).update(published_at=None)
    published.refresh_from_db()
    importing.remove_measures(published, Measure.all_objects.filter(pk=m2.pk))
    assert not Report.objects.filter(pk=report.pk).exists()


def test_change_lead_unit_is_audited_and_notifies_both_units(login, alice, bob, carol, published):
    task = Task.objects.get(measure__number="二、")
    client = login(alice)
    response = client.post(
        f"/tracking/tasks/{task.pk}/lead/",
        {"unit": bob.profile.unit_id, "reason": "职能调整"},
        follow=True,
    )
    assert "牵头单位已调整为“市商务局”" in response.content.decode()
    task.refresh_from_db()
    assert task.lead_unit_id == bob.profile.unit_id
    assert task.measure.unit_links.get(role="lead").unit_id == bob.profile.unit_id
    entry = AuditLog.objects.get(action="task.lead_unit")
    assert (
        entry.after["reason"] == "职能调整"
        and entry.before["lead_unit"] != entry.after["lead_unit"]
    )
    assert Notification.objects.filter(user=bob, text__contains="调整为本单位").exists()
    # A task of the same measure already led by the unit is refused.
    t1 = Task.objects.get(measure__number="一、", lead_unit__name="市财政局")
    response = client.post(
        f"/tracking/tasks/{t1.pk}/lead/", {"unit": bob.profile.unit_id}, follow=True
    )
    assert "已牵头本措施的另一项任务" in response.content.decode()


@pytest.mark.parametrize("who", ["bob", "dave"])
def test_only_administrators_change_documents_after_import(login, people, published, who):
    client = login(people[who])
    for action in ("delete", "withdraw", "restore", "reopen"):
        assert (
            client.post(f"/documents/{published.pk}/{action}/", {"reason": "x"}).status_code == 403
        )
    task = Task.objects.get(measure__number="二、")
    assert client.post(f"/tracking/tasks/{task.pk}/lead/", {"unit": 1}).status_code in (403, 404)
    published.refresh_from_db()
    assert published.status == PolicyDocument.Status.PUBLISHED


def test_short_title_is_asked_and_shown_in_lists(login, alice, reviewed):
    client = login(alice)
    assert "本文件未印简称" in client.get(f"/documents/{reviewed.pk}/").content.decode()
    reviewed.refresh_from_db()
    client.post(
        f"/documents/{reviewed.pk}/settings/",
        {"version": reviewed.version, "cycle": "monthly", "short_title": "促消费若干措施"},
    )
    reviewed.refresh_from_db()
    assert reviewed.short_title == "促消费若干措施" and str(reviewed) == "促消费若干措施"
    assert "促消费若干措施" in client.get("/documents/").content.decode()
    assert "本文件未印简称" not in client.get(f"/documents/{reviewed.pk}/").content.decode()


def test_a_printed_short_title_is_read():
    assert importing.printed_short_title("关于……的若干措施（以下简称“促消费20条”）") == "促消费20条"
    assert importing.printed_short_title("没有简称") == ""


def test_document_page_offers_the_actions_of_its_state(login, alice, dave, published):
    client = login(alice)
    page = client.get(f"/documents/{published.pk}/").content.decode()
    assert "撤回文件" in page and "退回修改" in page and "删除本次导入" not in page
    lifecycle.withdraw_document(alice, published.pk, "废止")
    page = client.get(f"/documents/{published.pk}/").content.decode()
    assert "恢复发布" in page and "撤回文件" not in page
    # The leader reads documents but is offered none of these actions.
    lifecycle.restore_document(alice, published.pk)
    page = login(dave).get(f"/documents/{published.pk}/").content.decode()
    assert "撤回文件" not in page and "退回修改" not in page
    lifecycle.reopen_document(alice, published.pk)
    page = client.get(f"/documents/{published.pk}/").content.decode()
    assert "重新发布（任务随措施调整）" in page and "删除本次导入" not in page


def test_reporters_keep_reading_a_reopened_document_but_not_a_withdrawn_one(
    login, alice, bob, published
):
    client = login(bob)
    lifecycle.reopen_document(alice, published.pk)
    assert client.get(f"/documents/{published.pk}/").status_code == 200
    task = Task.objects.filter(lead_unit__name="市商务局").first()
    assert client.get(f"/tracking/tasks/{task.pk}/").status_code == 200
    published.refresh_from_db()
    publish(alice, published.pk, published.version)
    lifecycle.withdraw_document(alice, published.pk, "废止")
    assert client.get(f"/documents/{published.pk}/").status_code == 404
