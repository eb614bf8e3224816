"""Publish: one task per measure and lead unit, supporters attached, deadlines resolved."""

import datetime as dt

from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.tracking.models import Task


def test_publish_creates_tasks_per_measure_and_lead_unit(login, alice, reviewed, units):
    reviewed.refresh_from_db()
    response = login(alice).post(
        f"/documents/{reviewed.pk}/publish/", {"version": reviewed.version}, follow=True
    )
    assert "已发布，生成4项任务" in response.content.decode()
    reviewed.refresh_from_db()
    assert reviewed.status == PolicyDocument.Status.PUBLISHED
    tasks = {(t.measure.number, t.lead_unit.name): t for t in Task.objects.all()}
    assert set(tasks) == {
        ("一、", "市商务局"),
        ("一、", "市财政局"),
        ("二、", "市发展改革委"),
        ("三、", "市商务局"),
    }
    # The measure's own date target wins; otherwise the document's default deadline.
    assert tasks[("一、", "市商务局")].deadline == dt.date(2022, 12, 31)
    assert tasks[("二、", "市发展改革委")].deadline == dt.date(2023, 6, 30)
    assert list(tasks[("三、", "市商务局")].support_units.all()) == [units["市市场监管局"]]
    assert AuditLog.objects.filter(action="task.create").count() == 4


def test_publish_refuses_unmatched_units_and_changes_nothing(login, alice, reviewed):
    client = login(alice)
    m2 = reviewed.measures.get(number="二、")
    client.post(
        f"/documents/measures/{m2.pk}/edit/",
        {"version": m2.version, "heading": m2.heading, "text": m2.text, "lead": "某不存在的局"},
    )
    reviewed.refresh_from_db()
    response = client.post(
        f"/documents/{reviewed.pk}/publish/", {"version": reviewed.version}, follow=True
    )
    assert "单位尚未匹配：某不存在的局" in response.content.decode()
    reviewed.refresh_from_db()
    assert reviewed.status == PolicyDocument.Status.REVIEW
    assert Task.objects.count() == 0


def test_publish_with_stale_version_is_refused(login, alice, reviewed):
    reviewed.refresh_from_db()
    response = login(alice).post(
        f"/documents/{reviewed.pk}/publish/", {"version": reviewed.version - 1}, follow=True
    )
    assert "该内容已被他人修改，请刷新后重试" in response.content.decode()
    assert Task.objects.count() == 0


def test_publish_twice_is_refused(login, alice, published):
    response = login(alice).post(
        f"/documents/{published.pk}/publish/", {"version": published.version}, follow=True
    )
    assert "不能发布" in response.content.decode()
    assert Task.objects.count() == 4


def test_cycle_and_default_deadline_are_set_per_document(login, alice, reviewed):
    reviewed.refresh_from_db()
    login(alice).post(
        f"/documents/{reviewed.pk}/settings/",
        {"version": reviewed.version, "cycle": "quarterly", "default_deadline": "2023-03-31"},
    )
    reviewed.refresh_from_db()
    assert reviewed.cycle == "quarterly"
    assert reviewed.default_deadline == dt.date(2023, 3, 31)


def test_bad_date_gives_chinese_message_not_500(login, alice, reviewed):
    reviewed.refresh_from_db()
    response = login(alice).post(
        f"/documents/{reviewed.pk}/settings/",
        {"version": reviewed.version, "cycle": "monthly", "default_deadline": "明年"},
        follow=True,
    )
    assert response.status_code == 200
    assert "日期格式" in response.content.decode()


def test_reporter_sees_only_published_documents_with_their_tasks(
    login, bob, carol, published, reviewed, dave
):
    other = PolicyDocument.objects.create(source_name="draft.txt", status="review")
    bob_client = login(bob)
    assert bob_client.get(f"/documents/{published.pk}/").status_code == 200
    assert bob_client.get(f"/documents/{other.pk}/").status_code == 404
    assert login(dave).get(f"/documents/{other.pk}/").status_code == 404
    assert login(dave).get(f"/documents/{published.pk}/").status_code == 200
