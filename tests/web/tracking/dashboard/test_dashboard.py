"""Dashboard: the JSON behind the charts, its constant query count, rights, and the drill-down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policyledger.web.tracking.dashboard.data import dashboard_data

DEFAULT_DEADLINE = dt.date(2023, 6, 30)

DATA = "/tracking/dashboard/data.json"
DRILL = "/tracking/dashboard/tasks/"


def test_figures(accepted):
    data = dashboard_data(today=dt.date(2022, 9, 25))
    summary = data["summary"]
    assert (summary["tasks"], summary["done"], summary["overdue"]) == (4, 0, 0)
    assert summary["progress"] == 20.0  # (80 + 0 + 0 + 0) / 4
    assert summary["committed"] == 10_000_000 and summary["committed_label"] == "1,000万元"
    units = {u["name"]: u for u in data["units"]}
    assert units["市商务局"]["total"] == 2 and units["市商务局"]["progress"] == 40.0
    assert units["市财政局"]["progress"] == 0.0
    statuses = {s["code"]: s["count"] for s in data["statuses"]}
    assert statuses == {"not_started": 3, "in_progress": 1, "done": 0, "lagging": 0}
    assert [s["label"] for s in data["statuses"]] == ["未启动", "推进中", "已完成", "滞后"]
    months = {m["month"]: m for m in data["timeline"]}
    assert months["2022-12"]["label"] == "2022年12月" and months["2022-12"]["open"] == 2
    assert months["2023-06"]["open"] == 2
    # 1000万元 for 消费券 is classified by its own sentence; the 3000元 cap is not committed money.
    assert [(s["sector"], s["label"]) for s in data["sectors"]] == [("零售", "1,000万元")]


def test_overdue_months_on_the_timeline(accepted):
    months = {m["month"]: m for m in dashboard_data(today=dt.date(2023, 1, 10))["timeline"]}
    assert (months["2022-12"]["overdue"], months["2022-12"]["open"]) == (2, 0)


def test_unpublished_documents_are_left_out(reviewed):
    assert dashboard_data()["summary"]["tasks"] == 0
    assert dashboard_data()["sectors"] == []


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DATA)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_constant(
    accepted, people, login, alice, clock, now, parse_data, sample_text
):
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import apply_parsed
    from policyledger.web.documents.services.publish import publish

    client = login(people["dave"])
    small = _queries(client)
    for i in range(3):
        doc = PolicyDocument.objects.create(
            source_name=f"more{i}.txt", original_text=sample_text, default_deadline=DEFAULT_DEADLINE
        )
        doc = apply_parsed(doc, parse_data())
        with clock(now):
            publish(alice, doc.pk, doc.version)
    response = client.get(DATA)
    assert response.json()["summary"]["tasks"] == 16
    assert _queries(client) == small


@pytest.mark.parametrize("who, code", [("alice", 200), ("dave", 200), ("bob", 403)])
def test_rights(accepted, people, login, who, code):
    client = login(people[who])
    for url in ("/tracking/dashboard/", DATA, DRILL):
        assert client.get(url).status_code == code, url


def test_page_loads_script_from_static_with_data_url(accepted, people, login):
    html = login(people["alice"]).get("/tracking/dashboard/").content.decode()
    assert 'data-url="/tracking/dashboard/data.json"' in html
    assert "vendor/echarts.min.js" in html and "js/dashboard.js" in html
    assert "<script>" not in html  # CSP: no inline script


def _drill(client, **params) -> list:
    response = client.get(DRILL, params)
    assert response.status_code == 200
    return response.context["page"].object_list


def test_drill_down_by_each_chart(accepted, people, login, units):
    client = login(people["alice"])
    by_unit = _drill(client, unit=units["市商务局"].pk)
    assert {t.lead_unit.name for t in by_unit} == {"市商务局"} and len(by_unit) == 2
    assert [t.measure.heading for t in _drill(client, status="in_progress")] == ["发放消费券"]
    due = _drill(client, due="2022-12")
    assert {t.measure.heading for t in due} == {"发放消费券"} and len(due) == 2
    sector = _drill(client, sector="零售")
    assert {t.measure.heading for t in sector} == {"发放消费券"}
    assert len(_drill(client, sector="住房")) == 0
    html = client.get(DRILL, {"due": "2022-12", "unit": units["市商务局"].pk}).content.decode()
    assert "完成时限：2022年12月" in html and "牵头单位：市商务局" in html


@pytest.mark.parametrize(
    "params",
    [
        {"unit": "abc"},
        {"unit": "99999999999999999999"},
        {"due": "2022-13"},
        {"due": "20x2-01"},
        {"status": "<script>"},
        {"sector": "不存在"},
        {"page": "-1"},
        {"document": "x"},
    ],
)
def test_drill_down_ignores_bad_filters(accepted, people, login, params):
    client = login(people["alice"])
    response = client.get(DRILL, params)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4


def test_one_document_at_a_time(
    accepted, people, login, alice, clock, now, parse_data, sample_text
):
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import apply_parsed
    from policyledger.web.documents.services.publish import publish

    first = PolicyDocument.objects.get()
    second = apply_parsed(
        PolicyDocument.objects.create(
            source_name="b.txt", original_text=sample_text, default_deadline=DEFAULT_DEADLINE
        ),
        parse_data(),
    )
    with clock(now):
        publish(alice, second.pk, second.version)
    client = login(people["dave"])
    assert client.get(DATA).json()["summary"]["tasks"] == 8
    only_first = client.get(DATA, {"document": first.pk}).json()
    assert only_first["summary"]["tasks"] == 4 and only_first["summary"]["progress"] == 20.0
    assert client.get(DATA, {"document": second.pk}).json()["summary"]["progress"] == 0.0
    page = client.get("/tracking/dashboard/", {"document": first.pk}).content.decode()
    assert f'data-url="/tracking/dashboard/data.json?document={first.pk}"' in page
    assert f"/tracking/dashboard/tasks/?document={first.pk}&amp;warning=overdue" in page
    drilled = client.get(DRILL, {"document": second.pk, "status": "not_started"})
    assert len(drilled.context["page"].object_list) == 4
