"""The whole flow in a real browser: the administrator imports 004 through the upload page, reviews
and publishes it; the reporter of 市商务局 reports on a task; the administrator accepts; the
dashboard's figures move, and a click on a chart opens the tasks behind it.

Every page is checked for Content-Security-Policy violations and script errors, and saved as a
screenshot under tests/artifacts/browser/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLE = next((Path(__file__).resolve().parents[3] / "samples" / "corpus").glob("004_*.txt"))
PASSWORD = "correct-horse-电池-42"  # the one tests/web/conftest.py gives its named users
# The registry lacks this unit of 004, so the review has to create it.
MISSING_UNIT = "市文联"


@pytest.fixture
def registry(transactional_db, units):
    """Every unit 004 names, except MISSING_UNIT."""
    from policyledger.parsing import parse
    from policyledger.web.accounts.services import find_unit, get_or_create_unit

    document = parse(SAMPLE.read_text("utf-8"), name=SAMPLE.name)
    names = {n for m in document.measures for n in [*m.lead_units, *m.support_units]}
    assert MISSING_UNIT in names and "市商务局" in names
    for name in sorted(names - {MISSING_UNIT}):
        if find_unit(name) is None:
            get_or_create_unit(name)
    return units


def login(session, user) -> None:
    session.go("/accounts/login/")
    session.page.fill("input[name=username]", user.username)
    session.page.fill("input[name=password]", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))


def kpi(session, name: str) -> str:
    session.page.wait_for_selector("#dashboard[data-loaded='1']")
    return session.page.inner_text(f"[data-kpi='{name}']")


def click_chart_item(session, chart_id: str, series: int, index: int) -> None:
    session.page.wait_for_selector(f"#{chart_id}[data-ready='1']")
    x, y = session.page.evaluate(
        """([id, seriesIndex, dataIndex]) => {
          const el = document.getElementById(id);
          const chart = window.echarts.getInstanceByDom(el);
          const data = chart.getModel().getSeriesByIndex(seriesIndex).getData();
          const layout = data.getItemLayout(dataIndex);
          let dx, dy;
          if (layout.r !== undefined) {
            const angle = (layout.startAngle + layout.endAngle) / 2;
            const radius = (layout.r + (layout.r0 || 0)) / 2;
            dx = layout.cx + Math.cos(angle) * radius;
            dy = layout.cy + Math.sin(angle) * radius;
          } else {
            dx = layout.x + layout.width / 2;
            dy = layout.y + layout.height / 2;
          }
          // Bring the point itself (not just the chart) to the middle of the window.
          const top = el.getBoundingClientRect().top;
          window.scrollTo(0, window.scrollY + top + dy - window.innerHeight / 2);
          const box = el.getBoundingClientRect();
          return [box.left + dx, box.top + dy];
        }""",
        [chart_id, series, index],
    )
    session.page.mouse.click(x, y)


def test_import_review_publish_report_accept_dashboard(
    registry, alice, bob, dave, open_session, shots
):
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.tracking.models import Report, Task

    admin = open_session("牵头办管理员")
    admin.go("/")
    assert "/accounts/login/" in admin.page.url
    shots(admin, "login")
    login(admin, alice)
    shots(admin, "admin-home-empty")

    # Import 004 through the upload page; parsing runs at once (ImmediateBackend).
    admin.go("/documents/import/")
    admin.page.set_input_files("input[name=files]", str(SAMPLE))
    shots(admin, "import-chosen")
    admin.page.click("#import-form button[type=submit]")
    admin.page.wait_for_selector("#import-status .pill-doc-review")
    admin.page.wait_for_selector("#import-note:has-text('全部解析完成')")
    shots(admin, "import-parsed")
    document = PolicyDocument.objects.get()
    assert document.status == PolicyDocument.Status.REVIEW
    assert document.measures.count() >= 15

    # Review: the original text with highlights beside the measures; create the missing unit.
    admin.page.click(f"#import-status a:has-text('{SAMPLE.name}')")
    admin.page.wait_for_selector("mark.hl-target")
    assert admin.page.locator(".unit.unmatched").count() >= 1
    shots(admin, "review")
    admin.page.click(f"button:has-text('新建单位“{MISSING_UNIT}”')")
    admin.page.wait_for_selector(".msg-success")
    assert admin.page.locator(".unit.unmatched").count() == 0
    # A default deadline for the measures that set none, so the timeline has something to show.
    deadline = dt.date.today() + dt.timedelta(days=45)  # noqa: DTZ011
    admin.page.fill("input[name=default_deadline]", deadline.isoformat())
    admin.page.click("button:has-text('保存设置')")
    admin.page.wait_for_selector(".msg-success")
    shots(admin, "review-ready")
    admin.page.click("button:has-text('发布并生成任务')")
    admin.page.wait_for_selector(".msg-success:has-text('已发布')")
    shots(admin, "published")
    tasks = Task.objects.filter(measure__document=document)
    commerce_tasks = tasks.filter(lead_unit__name="市商务局")
    assert tasks.count() > 20 and commerce_tasks.count() >= 5

    admin.go("/tracking/dashboard/")
    before = {name: kpi(admin, name) for name in ("tasks", "progress", "committed_label")}
    assert before["tasks"] == str(tasks.count()) and before["progress"] == "0.0%"
    assert before["committed_label"].endswith("万元")
    shots(admin, "dashboard-before")

    # The reporter of 市商务局 sees only the unit's tasks and reports on one.
    reporter = open_session("责任单位填报人")
    login(reporter, bob)
    reporter.go("/tracking/tasks/")
    rows = reporter.page.locator("table.tasks tbody tr")
    assert rows.count() >= commerce_tasks.count()
    assert "市文联" not in reporter.page.inner_text("table.tasks")
    shots(reporter, "reporter-tasks")
    task = commerce_tasks.order_by("measure__order").first()
    reporter.go(f"/tracking/tasks/{task.pk}/")
    reporter.page.click("a:has-text('报送本期进展')")
    reporter.page.select_option("select[name=task_status]", "in_progress")
    reporter.page.fill("input[name=percent]", "60")
    reporter.page.fill(
        "textarea[name=narrative]",
        "已组织购物节、美食节等促消费活动32场次，首批餐饮零售消费券600万元已发放完毕。",
    )
    # The achieved value against the measure's 1,000万元 target, in yuan.
    reporter.page.locator("label:has-text('1,000万元') input[name^=target-]").fill("6000000")
    shots(reporter, "report-form")
    reporter.page.click("button.primary:has-text('提交')")
    reporter.page.wait_for_selector(".msg-success:has-text('提交')")
    shots(reporter, "reporter-submitted")
    report = Report.objects.get(task=task)
    assert report.status == Report.Status.SUBMITTED

    # Submitting alone moves nothing on the dashboard; accepting does.
    admin.go("/tracking/dashboard/")
    assert kpi(admin, "progress") == "0.0%"
    admin.go("/tracking/reports/")
    shots(admin, "review-queue")
    admin.page.click(f"a[href^='/tracking/reports/{report.pk}/']")
    admin.page.fill("form[action$='/accept/'] input[name=comment]", "情况属实，予以采纳。")
    shots(admin, "report-review")
    admin.page.click("button:has-text('采纳')")
    admin.page.wait_for_selector(".msg-success:has-text('已采纳')")
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED

    admin.go("/tracking/dashboard/")
    after = kpi(admin, "progress")
    expected = round(60 / tasks.count(), 1)
    assert after == f"{expected:.1f}%" and after != before["progress"]
    shots(admin, "dashboard-after")

    # Drill down: the 平均进度 bar of 市商务局 opens that unit's tasks.
    names = admin.page.evaluate(
        "() => window.echarts.getInstanceByDom(document.getElementById('chart-units'))"
        ".getOption().yAxis[0].data"
    )
    click_chart_item(admin, "chart-units", 1, names.index("市商务局"))
    admin.page.wait_for_url(re.compile(r"/tracking/dashboard/tasks/\?unit=\d+"))
    assert "牵头单位：市商务局" in admin.page.inner_text("main")
    assert admin.page.locator("table.tasks tbody tr").count() == commerce_tasks.count()
    shots(admin, "drill-down-unit")
    # And the 推进中 slice of the status pie opens the one task in progress.
    admin.go("/tracking/dashboard/")
    click_chart_item(admin, "chart-status", 0, 1)
    admin.page.wait_for_url(re.compile(r"status=in_progress"))
    assert admin.page.locator("table.tasks tbody tr").count() == 1

    # The leader reads the dashboard and the briefing, and has no write links.
    leader = open_session("领导")
    login(leader, dave)
    leader.go("/tracking/dashboard/")
    assert kpi(leader, "progress") == after
    assert leader.page.locator("a:has-text('导入文件')").count() == 0
    from django.utils import timezone

    today = timezone.localdate()
    leader.go(f"/tracking/briefings/?period={today.year}年{today.month}月")
    leader.page.wait_for_selector("#briefing-units")
    assert "市商务局" in leader.page.inner_text("#briefing-units")
    shots(leader, "leader-briefing")
    with leader.page.expect_download() as download:
        leader.page.click("#download-docx")
    assert download.value.suggested_filename.endswith("通报.docx")
    leader.check()
    reporter.check()
    admin.check()
