"""Each resource through the API: the import -> review -> publish -> report -> review flow,
filters, pagination, optimistic locking, warnings and the dashboard figures."""

from __future__ import annotations

import datetime as dt

import pytest
from api_helpers import BASE, assert_error
from django.core.files.uploadedfile import SimpleUploadedFile


def upload(client, *files):
    return client.client.post(
        f"{BASE}/documents/",
        {"files": [SimpleUploadedFile(name, data) for name, data in files]},
        headers=client._headers(),
    )


def test_upload_parses_in_background_then_review_and_publish(alice, units, api, run_tasks):
    from pathlib import Path

    client = api(alice)
    sample = sorted((Path(__file__).parents[3] / "samples" / "corpus").glob("*.txt"))[0]
    response = upload(client, ("措施.txt", sample.read_bytes()), ("空.txt", b""))
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["documents"]) == 1 and "空文件" in body["errors"][0]
    doc = body["documents"][0]
    assert doc["status"] == "uploaded"
    assert_error(client.get(f"/documents/{doc['id']}/parsed"), 409, "not_parsed")

    assert run_tasks() == 1
    status = client.get(f"/documents/{doc['id']}").json()
    assert status["status"] == "review", status
    assert status["measure_count"] > 0
    parsed = client.get(f"/documents/{doc['id']}/parsed").json()
    assert len(parsed["measures"]) == status["measure_count"]

    measures = client.get("/measures/", {"document": doc["id"], "limit": 200}).json()
    assert measures["count"] == status["measure_count"]
    # Publishing with unmatched units is refused with the reason, in Chinese.
    refused = client.post(f"/documents/{doc['id']}/publish", {"version": status["version"]})
    assert "单位尚未匹配" in assert_error(refused, 400, "rejected")["detail"]
    assert "单位尚未匹配".encode() in refused.content  # UTF-8, not \u escapes


def test_upload_refuses_unreadable_and_too_many_files(alice, api, settings):
    client = api(alice)
    assert_error(upload(client, ("a.txt", b"")), 400, "upload_rejected")
    many = [(f"{i}.txt", "一、措施。".encode()) for i in range(21)]
    assert_error(upload(client, *many), 400, "too_many_files")


def test_review_edit_measure_with_version_and_conflict(alice, reviewed, api):
    client = api(alice)
    measure = client.get("/measures/", {"document": reviewed.pk}).json()["items"][1]
    assert measure["heading"] == "支持汽车消费"
    assert [u["unit_name"] for u in measure["units"]] == ["市发展改革委"]
    edited = client.patch(
        f"/measures/{measure['id']}",
        {
            "version": measure["version"],
            "heading": "支持新能源汽车消费",
            "support_units": ["市财政局", " 市财政局 "],
            "deadline": "2022-12-31",
        },
    )
    assert edited.status_code == 200, edited.content
    data = edited.json()
    assert data["heading"] == "支持新能源汽车消费"
    assert [(u["raw_name"], u["role"]) for u in data["units"]] == [
        ("市发改委", "lead"),
        ("市财政局", "support"),
    ]
    assert any(t["deadline"] == "2022-12-31" for t in data["targets"])
    # The same edit again, from the old version: someone else changed it meanwhile.
    stale = client.patch(
        f"/measures/{measure['id']}", {"version": measure["version"], "heading": "旧"}
    )
    assert_error(stale, 409, "conflict")
    assert client.get(f"/measures/{measure['id']}").json()["heading"] == "支持新能源汽车消费"


def test_document_settings_and_publish(alice, reviewed, api):
    from policyledger.web.tracking.models import Task

    client = api(alice)
    doc = client.get(f"/documents/{reviewed.pk}").json()
    changed = client.patch(
        f"/documents/{reviewed.pk}",
        {"version": doc["version"], "cycle": "quarterly", "default_deadline": "2023-06-30"},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["cycle_label"] == "按季度"
    assert_error(client.post(f"/documents/{reviewed.pk}/publish", {"version": doc["version"]}), 409)
    published = client.post(
        f"/documents/{reviewed.pk}/publish", {"version": changed.json()["version"]}
    )
    assert published.status_code == 200, published.content
    assert published.json()["tasks"] == Task.objects.count() == 4
    assert published.json()["document"]["status"] == "published"


def test_report_submit_accept_moves_task(alice, bob, tasks, api):
    task = tasks[("一、", "市商务局")]
    target = task.measure.targets.get(kind="money")
    reporter, admin = api(bob), api(alice)
    submitted = reporter.post(
        f"/tasks/{task.pk}/reports",
        {
            "period": "2022-09",
            "task_status": "in_progress",
            "percent": 80,
            "narrative": "已发放800万元",
            "values": {str(target.pk): 8_000_000},
        },
    )
    assert submitted.status_code == 201, submitted.content
    report = submitted.json()
    assert report["period_label"] == "2022年9月"
    assert report["status"] == "submitted" and report["submitted_by"] == "bob"
    assert report["values"] == [{"target_id": target.pk, "achieved": "8000000"}]

    # A resubmission with a stale version is refused; the current version updates the same row.
    again = reporter.post(
        f"/tasks/{task.pk}/reports",
        {"period": "2022年9月", "task_status": "in_progress", "percent": 85, "version": 999},
    )
    assert_error(again, 409, "conflict")
    updated = reporter.post(
        f"/tasks/{task.pk}/reports",
        {
            "period": "2022年9月",
            "task_status": "in_progress",
            "percent": 85,
            "version": report["version"],
        },
    )
    assert updated.status_code == 201 and updated.json()["id"] == report["id"]
    report = updated.json()

    assert_error(admin.post(f"/reports/{report['id']}/return", {"version": report["version"]}), 400)
    accepted = admin.post(
        f"/reports/{report['id']}/accept", {"version": report["version"], "comment": "好"}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status_label"] == "已采纳"
    moved = reporter.get(f"/tasks/{task.pk}").json()
    assert (moved["status"], moved["percent"]) == ("in_progress", 85)
    history = reporter.get(f"/tasks/{task.pk}/history").json()
    assert {"report.submit", "report.accept", "task.progress"} <= {
        e["action"] for e in history["items"]
    }
    # Accepted: no more changes.
    late = reporter.post(
        f"/tasks/{task.pk}/reports", {"period": "2022年9月", "task_status": "done", "percent": 100}
    )
    assert_error(late, 400, "rejected")


def test_return_with_comment(alice, bob, tasks, api):
    task = tasks[("三、", "市商务局")]
    report = (
        api(bob).post(f"/tasks/{task.pk}/reports", {"task_status": "lagging", "percent": 5}).json()
    )
    returned = api(alice).post(
        f"/reports/{report['id']}/return", {"version": report["version"], "comment": "请补充材料"}
    )
    assert returned.status_code == 200
    assert returned.json()["review_comment"] == "请补充材料"
    assert api(bob).get("/reports/", {"status": "returned"}).json()["count"] == 1


def test_report_rules_come_from_the_service(bob, tasks, api):
    task = tasks[("一、", "市商务局")]
    done_not_100 = api(bob).post(
        f"/tasks/{task.pk}/reports", {"task_status": "done", "percent": 50}
    )
    assert "已完成" in assert_error(done_not_100, 400, "rejected")["detail"]
    other_target = tasks[("二、", "市发展改革委")].measure.targets.first()
    foreign = api(bob).post(
        f"/tasks/{task.pk}/reports",
        {"task_status": "in_progress", "percent": 5, "values": {str(other_target.pk): 1}},
    )
    assert "不属于该任务" in assert_error(foreign, 400)["detail"]
    bad_period = api(bob).post(
        f"/tasks/{task.pk}/reports", {"task_status": "in_progress", "percent": 5, "period": "去年"}
    )
    assert_error(bad_period, 422, "invalid_period")
    year_zero = api(bob).post(
        f"/tasks/{task.pk}/reports",
        {"task_status": "in_progress", "percent": 5, "period": "0000年1月"},
    )
    assert_error(year_zero, 422, "invalid_period")


def test_task_filters(alice, tasks, units, api, clock, now):
    from policyledger.web.tracking.models import Task
    from policyledger.web.tracking.services.warnings import run_warnings

    client = api(alice)
    support = units["市市场监管局"].pk
    assert [t["number"] for t in client.get("/tasks/", {"unit": support}).json()["items"]] == [
        "三、"
    ]
    Task.objects.filter(pk=tasks[("二、", "市发展改革委")].pk).update(status="lagging")
    lagging = client.get("/tasks/", {"status": "lagging"}).json()
    assert [t["lead_unit"]["name"] for t in lagging["items"]] == ["市发展改革委"]
    # Deadlines 2022-12-31 (measure 一) and the document default 2023-06-30: 临期 in late Dec.
    with clock(dt.datetime(2022, 12, 20, 9, tzinfo=now.tzinfo)):
        run_warnings()
    due = client.get("/tasks/", {"warning": "due_soon"}).json()
    assert {t["number"] for t in due["items"]} == {"一、"}
    assert due["items"][0]["warning_label"] == "临期"
    flips = client.get("/warnings/", {"kind": "deadline"}).json()
    assert flips["count"] == 2 and flips["items"][0]["new_label"] == "临期"
    levels = {r["code"]: r["count"] for r in client.get("/warnings/levels").json()}
    assert levels == {"normal": 2, "due_soon": 2, "overdue": 0}
    q = client.get("/tasks/", {"q": "夜间"}).json()
    assert [t["heading"] for t in q["items"]] == ["活跃夜间经济"]


def test_reporter_sees_only_own_warnings(bob, carol, tasks, api, clock, now):
    from policyledger.web.tracking.services.warnings import run_warnings

    with clock(dt.datetime(2022, 12, 20, 9, tzinfo=now.tzinfo)):
        run_warnings()
    own = api(bob).get("/warnings/").json()["items"]
    assert own and all(f["unit_name"] == "市商务局" for f in own)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_pagination(alice, tasks, api, limit):
    client = api(alice)
    seen = []
    offset = 0
    while True:
        page = client.get("/tasks/", {"limit": limit, "offset": offset}).json()
        assert page["count"] == 4 and page["limit"] == limit
        if not page["items"]:
            break
        assert len(page["items"]) <= limit
        seen += [t["id"] for t in page["items"]]
        offset += limit
    assert sorted(seen) == sorted(t.pk for t in tasks.values()) and len(set(seen)) == 4


def test_pagination_limit_has_a_maximum(alice, tasks, api):
    data = assert_error(api(alice).get("/tasks/", {"limit": 201}), 422, "validation_error")
    assert "每页条数" in data["detail"] and "200" in data["detail"]
    assert api(alice).get("/tasks/", {"limit": 200}).status_code == 200


def test_units(alice, units, api):
    client = api(alice)
    created = client.post("/units/", {"name": "市 教育局", "level": "city", "aliases": ["教育局"]})
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "市教育局"
    assert_error(client.post("/units/", {"name": "市教育局"}), 400, "rejected")
    found = client.get("/units/", {"q": "教育"}).json()
    assert [u["name"] for u in found["items"]] == ["市教育局"]
    by_alias = client.get("/units/", {"q": "发改委"}).json()
    assert [u["name"] for u in by_alias["items"]] == ["市发展改革委"]
    assert_error(client.post("/units/", {"name": "市体育局", "parent_id": 99999}), 404)


def test_summary_and_dashboard(alice, bob, dave, tasks, api):
    summary = api(bob).get("/summary").json()
    assert summary["tasks"] == 2
    assert [u["unit_name"] for u in summary["by_unit"]] == ["市商务局"]
    admin = api(alice).get("/summary").json()
    assert admin["tasks"] == 4 and len(admin["by_unit"]) == 3
    assert admin["by_status"][0] == {"code": "not_started", "label": "未启动", "count": 4}
    dashboard = api(dave).get("/dashboard")
    assert dashboard.status_code == 200, dashboard.content
    assert dashboard.json()["summary"]["tasks"] == 4
    assert_error(api(bob).get("/dashboard"), 403)


def test_report_with_attachments_multipart(alice, bob, carol, tasks, api):
    task = tasks[("一、", "市商务局")]
    client = api(bob)
    pdf = SimpleUploadedFile(
        "发放明细.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    )
    response = client.client.post(
        f"{BASE}/tasks/{task.pk}/reports/files",
        {
            "period": "2022年9月",
            "task_status": "in_progress",
            "percent": "40",
            "attachments": [pdf],
        },
        headers=client._headers(),
    )
    assert response.status_code == 201, response.content
    report = response.json()
    assert [(a["name"], a["content_type"]) for a in report["attachments"]] == [
        ("发放明细.pdf", "application/pdf")
    ]
    # The file is served through the page that checks rights, not from a static path.
    assert report["attachments"][0]["url"].startswith("/tracking/attachments/")

    exe = SimpleUploadedFile("说明.pdf", b"MZ\x90\x00 not a pdf")
    refused = client.client.post(
        f"{BASE}/tasks/{task.pk}/reports/files",
        {
            "period": "2022年10月",
            "task_status": "in_progress",
            "percent": "40",
            "attachments": [exe],
        },
        headers=client._headers(),
    )
    assert "类型不受支持" in assert_error(refused, 400, "rejected")["detail"]
    other = api(carol).client.post(
        f"{BASE}/tasks/{task.pk}/reports/files",
        {"task_status": "in_progress", "percent": "1"},
        headers=api(carol)._headers(),
    )
    assert_error(other, 404)
