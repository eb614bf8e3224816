"""The same rights as the pages, through the API: a reporter sees and changes only their own
unit's tasks and reports (another unit's object is 404, by id guessing too), a viewer reads and
never writes (403), an administrator does everything."""

from __future__ import annotations

import pytest
from api_helpers import assert_error

SUBMIT = {"period": "2022年9月", "task_status": "in_progress", "percent": 30, "narrative": "推进中"}


@pytest.fixture
def carol_report(carol, tasks, api):
    """carol (市财政局) has submitted a report on her unit's task."""
    task = tasks[("一、", "市财政局")]
    response = api(carol).post(f"/tasks/{task.pk}/reports", SUBMIT)
    assert response.status_code == 201, response.content
    return response.json()


def test_reporter_lists_only_own_unit_tasks(bob, tasks, api):
    items = api(bob).get("/tasks/", {"limit": 200}).json()["items"]
    own = {t.pk for (_, unit), t in tasks.items() if unit == "市商务局"}
    assert {i["id"] for i in items} == own
    assert all(i["lead_unit"]["name"] == "市商务局" for i in items)


def test_reporter_cannot_read_other_units_task_by_id(bob, tasks, api):
    client = api(bob)
    other = tasks[("一、", "市财政局")]
    for path in (f"/tasks/{other.pk}", f"/tasks/{other.pk}/reports", f"/tasks/{other.pk}/history"):
        assert_error(client.get(path), 404, "not_found")
    # Filtering the list by the other unit gives nothing either.
    unit = other.lead_unit_id
    assert api(bob).get("/tasks/", {"unit": unit}).json()["count"] == 0


def test_reporter_cannot_report_on_other_units_task(bob, tasks, api):
    from policyledger.web.tracking.models import Report

    other = tasks[("一、", "市财政局")]
    assert_error(api(bob).post(f"/tasks/{other.pk}/reports", SUBMIT), 404)
    assert not Report.objects.filter(task=other).exists()


def test_reporter_cannot_read_or_review_other_units_report(bob, carol_report, api):
    from policyledger.web.tracking.models import Report

    client = api(bob)
    rid = carol_report["id"]
    assert_error(client.get(f"/reports/{rid}"), 404)
    version = carol_report["version"]
    assert_error(client.post(f"/reports/{rid}/accept", {"version": version}), 404)
    assert_error(client.post(f"/reports/{rid}/return", {"version": version, "comment": "x"}), 404)
    assert client.get("/reports/").json()["count"] == 0
    assert Report.objects.get(pk=rid).status == Report.Status.SUBMITTED


def test_reporter_cannot_accept_own_report(bob, tasks, api):
    client = api(bob)
    task = tasks[("一、", "市商务局")]
    report = client.post(f"/tasks/{task.pk}/reports", SUBMIT).json()
    assert_error(
        client.post(f"/reports/{report['id']}/accept", {"version": report["version"]}), 403
    )


def test_reporter_sees_only_own_unit_and_published_documents(bob, carol, tasks, units, api):
    client = api(bob)
    listed = client.get("/units/").json()["items"]
    assert [u["name"] for u in listed] == ["市商务局"]
    assert_error(client.get(f"/units/{units['市财政局'].pk}"), 404)
    docs = client.get("/documents/").json()["items"]
    assert [d["status"] for d in docs] == ["published"]


def test_reporter_cannot_see_documents_in_review(bob, reviewed, api):
    assert api(bob).get("/documents/").json()["count"] == 0
    assert_error(api(bob).get(f"/documents/{reviewed.pk}"), 404)
    assert_error(api(bob).get(f"/documents/{reviewed.pk}/parsed"), 404)
    measure = reviewed.measures.first()
    assert_error(api(bob).get(f"/measures/{measure.pk}"), 404)


def test_viewer_reads_everything_and_writes_nothing(dave, tasks, carol_report, units, api):
    from policyledger.web.tracking.models import Report

    client = api(dave)
    assert client.get("/tasks/").json()["count"] == len(tasks)
    assert client.get(f"/reports/{carol_report['id']}").status_code == 200
    task = tasks[("一、", "市商务局")]
    assert_error(client.post(f"/tasks/{task.pk}/reports", SUBMIT), 403, "forbidden")
    assert_error(
        client.post(f"/reports/{carol_report['id']}/accept", {"version": carol_report["version"]}),
        403,
    )
    assert_error(client.post("/units/", {"name": "市教育局"}), 403)
    document = task.measure.document
    assert_error(
        client.patch(
            f"/documents/{document.pk}", {"version": document.version, "cycle": "monthly"}
        ),
        403,
    )
    assert Report.objects.count() == 1


def test_viewer_cannot_upload_documents(dave, api, sample_text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from policyledger.web.documents.models import PolicyDocument

    client = api(dave)
    upload = SimpleUploadedFile("措施.txt", sample_text.encode())
    response = client.client.post(
        "/api/v1/documents/", {"files": [upload]}, headers=client._headers()
    )
    assert_error(response, 403)
    assert not PolicyDocument.objects.exists()


def test_admin_reads_and_reviews_any_unit(alice, carol_report, tasks, api):
    client = api(alice)
    assert client.get("/tasks/").json()["count"] == len(tasks)
    accepted = client.post(
        f"/reports/{carol_report['id']}/accept", {"version": carol_report["version"]}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"


def test_support_unit_reporter_sees_the_task(units, tasks, api):
    """市市场监管局 supports measure 三 (lead 市商务局): its reporter may see and report on it."""
    from policyledger.web.accounts.services import create_user

    erin = create_user("erin", "x-pass-erin-42", role="reporter", unit=units["市市场监管局"])
    items = api(erin).get("/tasks/").json()["items"]
    assert [(i["number"], i["lead_unit"]["name"]) for i in items] == [("三、", "市商务局")]
