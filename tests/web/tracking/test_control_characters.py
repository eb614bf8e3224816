"""Control characters (other than tab and newline) are refused on input with a Chinese error that
names the field or row: the report page, the API and the bulk xlsx import. They would otherwise
break the briefing .xlsx/.docx downloads for everyone."""

from __future__ import annotations

from policyledger.web.tracking.models import Report

BAD = "第一批\x0b已发放"


def test_report_page_refuses_control_characters(login, bob, tasks):
    task = tasks[("一、", "市商务局")]
    response = login(bob).post(
        f"/tracking/tasks/{task.pk}/report/",
        {"period": "2022年9月", "task_status": "in_progress", "percent": "50", "narrative": BAD},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "进展情况含有不可见的控制字符（U+000B）" in page
    assert Report.objects.count() == 0


def test_tab_and_newline_are_ordinary_text(login, bob, tasks):
    task = tasks[("一、", "市商务局")]
    response = login(bob).post(
        f"/tracking/tasks/{task.pk}/report/",
        {"period": "2022年9月", "task_status": "in_progress", "percent": "50",
         "narrative": "第一批\t已发放\n第二批筹备中"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Report.objects.get().narrative == "第一批\t已发放\n第二批筹备中"
