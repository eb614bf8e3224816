"""The API refuses control characters in a report's narrative with the service's Chinese message."""

from __future__ import annotations

from api_helpers import assert_error

from policyledger.web.tracking.models import Report

BAD = "第一批\x0b已发放"


def test_api_refuses_control_characters(bob, tasks, api):
    task = tasks[("一、", "市商务局")]
    response = api(bob).post(
        f"/tasks/{task.pk}/reports",
        {"period": "2022-09", "task_status": "in_progress", "percent": 5, "narrative": BAD},
    )
    assert "进展情况含有不可见的控制字符" in assert_error(response, 400)["detail"]
    assert Report.objects.count() == 0
