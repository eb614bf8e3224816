"""The figures of a briefing: as of the period's end, per unit, overdue, highlights, money."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from policyledger.web.tracking.briefings.data import cn_date, collect_briefing, serial_for
from policyledger.web.tracking.services.periods import parse_period

SEPTEMBER = parse_period("2022年9月", "monthly")
OCTOBER = parse_period("2022年10月", "monthly")


def test_cn_date_has_no_leading_zeros():
    assert cn_date(dt.date(2022, 9, 5)) == "2022年9月5日"
    assert cn_date(dt.date(2022, 12, 31)) == "2022年12月31日"


def test_serial_is_month_or_quarter():
    assert serial_for(SEPTEMBER) == 9
    assert serial_for(parse_period("2022年第4季度", "quarterly")) == 4


def test_units_figures_for_the_period(programme):
    briefing = collect_briefing(SEPTEMBER, today=dt.date(2022, 9, 25))
    assert briefing.as_of == dt.date(2022, 9, 25)
    assert briefing.documents == 1
    assert len(briefing.tasks) == 4
    units = {u.unit: u for u in briefing.units}
    assert set(units) == {"市商务局", "市财政局", "市发展改革委"}
    commerce = units["市商务局"]
    assert (commerce.tasks, commerce.in_progress, commerce.not_started) == (2, 1, 1)
    # One of its two tasks reported this month; the other did not.
    assert commerce.missing == 1
    # 市财政局 reported, but the report is not accepted: the task stays 未启动 in the briefing.
    finance = units["市财政局"]
    assert (finance.tasks, finance.not_started, finance.missing) == (1, 1, 0)
    assert units["市发展改革委"].missing == 1
    assert briefing.reported == 2
    coupons = next(t for t in briefing.tasks if t.unit == "市商务局" and t.number == "一、")
    assert (coupons.status, coupons.percent, coupons.latest_label) == (
        "in_progress",
        80,
        "2022年9月",
    )


def test_highlights_come_from_accepted_reports_only(programme):
    briefing = collect_briefing(SEPTEMBER, today=dt.date(2022, 9, 25))
    assert [h.unit for h in briefing.highlights] == ["市商务局"]
    text = briefing.highlights[0].text
    assert text.startswith("已在市区发放第一批餐饮零售消费券800万元")
    assert text.endswith("。") and len(text) <= 120
    assert "资金已拨付" not in "".join(h.text for h in briefing.highlights)


def test_money_counts_totals_not_per_item_caps(programme):
    briefing = collect_briefing(SEPTEMBER, today=dt.date(2022, 9, 25))
    # 1000万元 (a total) counts; 最高不超过3000元 (a cap) does not.
    assert briefing.money_target == 10_000_000
    assert briefing.money_achieved == 8_000_000


def test_a_later_period_does_not_change_an_earlier_briefing(programme, people, clock, now, report):
    from policyledger.web.tracking.services.reports import accept_report

    before = collect_briefing(SEPTEMBER, today=dt.date(2022, 10, 20))
    coupons = programme[("一、", "市商务局")]
    with clock(now + dt.timedelta(days=30)):
        later = report(
            people["bob"], coupons, OCTOBER, status="done", percent=100, narrative="全部完成。"
        )
        accept_report(people["alice"], later.pk)
    after = collect_briefing(SEPTEMBER, today=dt.date(2022, 10, 20))
    assert [(t.pk, t.status, t.percent) for t in after.tasks] == [
        (t.pk, t.status, t.percent) for t in before.tasks
    ]
    october = collect_briefing(OCTOBER, today=dt.date(2022, 10, 20))
    done = [t for t in october.tasks if t.status == "done"]
    assert [t.pk for t in done] == [coupons.pk]
    assert october.highlights[0].text == "全部完成。"


def test_overdue_once_the_deadline_has_passed(programme):
    # 发放消费券 is due 2022-12-31; the others take the document's default, 2023-06-30.
    january = collect_briefing(parse_period("2023年1月", "monthly"), today=dt.date(2023, 1, 20))
    overdue = january.overdue
    assert {(t.number, t.unit) for t in overdue} == {("一、", "市商务局"), ("一、", "市财政局")}
    assert all(t.deadline == dt.date(2022, 12, 31) for t in overdue)
    assert {u.unit: u.overdue for u in january.units}["市商务局"] == 1
    # Listed before the units without trouble.
    assert january.units[-1].unit == "市发展改革委"
    july = collect_briefing(parse_period("2023年7月", "monthly"), today=dt.date(2023, 7, 20))
    assert len(july.overdue) == 4


def test_tasks_published_after_the_period_are_left_out(programme):
    august = collect_briefing(parse_period("2022年7月", "monthly"), today=dt.date(2022, 9, 25))
    assert august.tasks == [] and august.units == []


def test_query_count_does_not_grow_with_rows(
    programme, people, clock, now, alice, report, parse_data, sample_text
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            collect_briefing(SEPTEMBER, today=dt.date(2022, 9, 25))
        return len(ctx.captured_queries)

    small = count()
    # Double the programme: a second published document with its own tasks and reports.
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import apply_parsed
    from policyledger.web.documents.services.publish import publish
    from policyledger.web.tracking.models import Task

    second = PolicyDocument.objects.create(
        source_name="second.txt", original_text=sample_text, default_deadline=dt.date(2023, 6, 30)
    )
    second = apply_parsed(second, parse_data())
    with clock(now - dt.timedelta(days=20)):
        publish(alice, second.pk, second.version)
    with clock(now):
        for task in Task.objects.filter(measure__document=second, lead_unit__name="市商务局"):
            report(
                people["bob"],
                task,
                SEPTEMBER,
                status="in_progress",
                percent=30,
                narrative="推进中。",
            )
    assert collect_briefing(SEPTEMBER, today=dt.date(2022, 9, 25)).documents == 2
    assert count() == small


def _figures(briefing):
    return (
        [(t.pk, t.status, t.percent, t.reported) for t in briefing.tasks],
        briefing.documents,
        briefing.money_target,
        briefing.money_achieved,
        [h.text for h in briefing.highlights],
    )


def test_publishing_and_accepting_after_the_period_leave_its_briefing_as_it_was(
    programme, people, clock, now, parse_data, sample_text
):
    """Issue 11: the November 通报 counted money from a document published on 7 December."""
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import apply_parsed
    from policyledger.web.documents.services.publish import publish
    from policyledger.web.tracking.models import Report
    from policyledger.web.tracking.services.reports import accept_report

    with clock(dt.datetime(2022, 10, 3, 9, 0, tzinfo=now.tzinfo)):
        first = collect_briefing(SEPTEMBER)
    assert first.money_target == 10_000_000
    # After September: a second document published, 市财政局's September report accepted.
    second = apply_parsed(
        PolicyDocument.objects.create(
            source_name="late.txt", original_text=sample_text, default_deadline=dt.date(2023, 6, 30)
        ),
        parse_data(),
    )
    pending = Report.objects.get(task=programme[("一、", "市财政局")])
    with clock(dt.datetime(2022, 10, 7, 10, 0, tzinfo=now.tzinfo)):
        publish(people["alice"], second.pk, second.version)
        accept_report(people["alice"], pending.pk)
    with clock(dt.datetime(2022, 11, 20, 9, 0, tzinfo=now.tzinfo)):
        again = collect_briefing(SEPTEMBER)
        october = collect_briefing(OCTOBER)
    assert _figures(again) == _figures(first)
    # The later state shows in the later period.
    assert october.money_target == 20_000_000 and october.documents == 2
    finance = next(t for t in october.tasks if t.pk == pending.task_id)
    assert (finance.status, finance.percent) == ("in_progress", 50)


def test_briefing_close_days_counts_what_was_settled_just_after_the_end(
    programme, people, clock, now, settings
):
    from policyledger.web.tracking.models import Report
    from policyledger.web.tracking.services.reports import accept_report

    pending = Report.objects.get(task=programme[("一、", "市财政局")])
    with clock(dt.datetime(2022, 10, 3, 9, 0, tzinfo=now.tzinfo)):
        accept_report(people["alice"], pending.pk)
    today = dt.date(2022, 11, 20)
    strict = next(
        t for t in collect_briefing(SEPTEMBER, today=today).tasks if t.pk == pending.task_id
    )
    settings.BRIEFING_CLOSE_DAYS = 5
    settled = next(
        t for t in collect_briefing(SEPTEMBER, today=today).tasks if t.pk == pending.task_id
    )
    assert (strict.status, settled.status) == ("not_started", "in_progress")
