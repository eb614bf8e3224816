"""Errors are JSON with a Chinese detail and a stable code, 422s included (ninja's English
validation errors are replaced), and bad input never reaches the database as a 500."""

from __future__ import annotations

import pytest
from api_helpers import BASE, assert_error


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/tasks/", {"limit": "abc"}, ["每页条数", "整数"]),
        ("/tasks/", {"limit": 0}, ["每页条数", "不能小于1"]),
        ("/tasks/", {"offset": -1}, ["起始位置", "不能小于0"]),
        ("/tasks/", {"status": "finished"}, ["状态", "取值无效", "not_started"]),
        ("/tasks/", {"warning": "red"}, ["预警", "取值无效"]),
        ("/tasks/", {"unit": 2**40}, ["单位", "不能大于"]),
        ("/tasks/", {"q": "夜间\x00"}, ["关键词", "空字符"]),
        ("/tasks/99999999999999999999", {}, ["路径参数", "编号"]),
        ("/reports/", {"status": "x"}, ["状态"]),
    ],
)
def test_query_and_path_validation_is_chinese(alice, api, path, params, words):
    data = assert_error(api(alice).get(path, params), 422, "validation_error")
    for word in words:
        assert word in data["detail"], data
    assert data["errors"] and all("msg" in e and "loc" in e for e in data["errors"])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, ["任务状态", "必填"]),
        ({"task_status": "in_progress", "percent": 101}, ["完成进度", "不能大于100"]),
        ({"task_status": "in_progress", "percent": "多"}, ["完成进度", "整数"]),
        ({"task_status": "in_progress", "percent": 1, "narrative": "a\x00b"}, ["空字符"]),
        ({"task_status": "in_progress", "percent": 1, "values": {"x": 1}}, ["指标完成值"]),
        ({"task_status": "in_progress", "percent": 1, "values": {"1": "多"}}, ["数字"]),
        ({"task_status": "in_progress", "percent": 1, "narrative": "长" * 5001}, ["5000"]),
    ],
)
def test_body_validation_is_chinese(bob, tasks, api, body, words):
    task = tasks[("一、", "市商务局")]
    data = assert_error(api(bob).post(f"/tasks/{task.pk}/reports", body), 422)
    for word in words:
        assert word in data["detail"], data


def test_body_that_is_not_json_is_400(bob, tasks, api):
    task = tasks[("一、", "市商务局")]
    client = api(bob)
    response = client.client.post(
        f"{BASE}/tasks/{task.pk}/reports",
        "{not json",
        content_type="application/json",
        headers=client._headers(),
    )
    assert_error(response, 400, "bad_json")


def test_not_found_and_forbidden_are_chinese(bob, dave, api):
    assert assert_error(api(bob).get("/tasks/12345"), 404)["detail"] == "任务不存在"
    assert assert_error(api(bob).get("/reports/12345"), 404)["detail"] == "报送记录不存在"
    assert_error(api(dave).post("/units/", {"name": "市教育局"}), 403, "forbidden")


def test_method_not_allowed_is_not_a_500(alice, api):
    response = api(alice).client.put(f"{BASE}/tasks/", headers=api(alice)._headers())
    assert response.status_code == 405
