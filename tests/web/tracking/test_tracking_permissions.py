"""Rights through the pages: a reporter never reads or changes another unit's tasks (404, no
IDOR); a viewer reads but cannot write (403)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from policyledger.web.tracking.models import Attachment, Report

PDF = b"%PDF-1.4\n%%EOF\n"


def report(client, task, **extra):
    data = {"period": "2022年9月", "task_status": "in_progress", "percent": "50", "narrative": "x"}
    data.update(extra)
    return client.post(f"/tracking/tasks/{task.pk}/report/", data)


def test_reporter_lists_only_own_unit_tasks_as_lead_or_support(login, bob, carol, tasks, units):
    page = login(bob).get("/tracking/tasks/").content.decode()
    assert "发放消费券" in page and "活跃夜间经济" in page
    assert "支持汽车消费" not in page  # 市发展改革委's task
    carol_page = login(carol).get("/tracking/tasks/").content.decode()
    assert "发放消费券" in carol_page
    assert "活跃夜间经济" not in carol_page


def test_support_unit_reporter_sees_the_task(login, tasks, units):
    from policyledger.web.accounts.services import create_user

    frank = create_user(
        "frank", "correct-horse-电池-42", role="reporter", unit=units["市市场监管局"]
    )
    client = login(frank)
    task = tasks[("三、", "市商务局")]
    assert client.get(f"/tracking/tasks/{task.pk}/").status_code == 200
    assert client.get(f"/tracking/tasks/{tasks[('二、', '市发展改革委')].pk}/").status_code == 404


@pytest.mark.parametrize("suffix", ["", "report/"])
def test_other_units_task_is_404_for_reading(login, carol, tasks, suffix):
    task = tasks[("三、", "市商务局")]  # bob's unit, carol is 市财政局
    assert login(carol).get(f"/tracking/tasks/{task.pk}/{suffix}").status_code == 404


def test_other_units_task_cannot_be_reported_on(login, carol, tasks):
    task = tasks[("三、", "市商务局")]
    assert report(login(carol), task).status_code == 404
    assert Report.objects.count() == 0


def test_other_units_report_and_attachment_are_404(login, bob, carol, tasks):
    task = tasks[("三、", "市商务局")]
    report(login(bob), task, attachments=[SimpleUploadedFile("a.pdf", PDF)])
    own = Report.objects.get()
    attachment = Attachment.objects.get()
    client = login(carol)
    assert client.get(f"/tracking/reports/{own.pk}/").status_code == 404
    assert client.get(f"/tracking/attachments/{attachment.pk}/").status_code == 404
    assert login(bob).get(f"/tracking/attachments/{attachment.pk}/").status_code == 200


def test_reporter_cannot_review(login, bob, tasks):
    task = tasks[("一、", "市商务局")]
    report(login(bob), task)
    own = Report.objects.get()
    client = login(bob)
    assert client.post(f"/tracking/reports/{own.pk}/accept/").status_code == 403
    assert client.post(f"/tracking/reports/{own.pk}/return/", {"comment": "x"}).status_code == 403
    assert Report.objects.get().status == Report.Status.SUBMITTED


def test_viewer_reads_everything_but_cannot_write(login, bob, dave, tasks):
    task = tasks[("三、", "市商务局")]
    report(login(bob), task)
    submitted = Report.objects.get()
    client = login(dave)
    assert client.get(f"/tracking/tasks/{task.pk}/").status_code == 200
    assert client.get(f"/tracking/reports/{submitted.pk}/").status_code == 200
    assert client.get("/tracking/tasks/ledger.xlsx").status_code == 200
    assert report(client, task, percent="99").status_code == 403
    assert client.get(f"/tracking/tasks/{task.pk}/report/").status_code == 403
    assert client.post(f"/tracking/reports/{submitted.pk}/accept/").status_code == 403
    assert client.post("/tracking/bulk/").status_code == 403
    assert client.post("/accounts/units/", {"name": "新单位"}).status_code == 403
    assert Report.objects.get().percent == 50


def test_reporter_sees_only_own_unit_page(login, bob, units):
    client = login(bob)
    assert client.get(f"/accounts/units/{units['市商务局'].pk}/").status_code == 200
    assert client.get(f"/accounts/units/{units['市财政局'].pk}/").status_code == 404


def test_ids_that_do_not_exist_are_404_not_500(login, alice):
    client = login(alice)
    for path in (
        "/tracking/tasks/999999/",
        "/tracking/reports/999999/",
        "/tracking/attachments/999999/",
        "/documents/999999/",
    ):
        assert client.get(path).status_code == 404
