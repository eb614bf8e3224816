"""Issue 11: a 通报 for a period describes the programme as of that period's end, also when a
document is withdrawn or restored, or a task closed by re-publication, after it.

The September 2022 通报 (reports filed 2022-09-20) is downloaded before and after the change; the
xlsx cells and the docx text must be identical, and October must show the change.
"""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from openpyxl import load_workbook

from policyledger.web.tracking.briefings import data as briefing_data
from policyledger.web.tracking.briefings.data import cn_date, collect_briefing
from policyledger.web.tracking.services.periods import parse_period

SEPTEMBER = parse_period("2022年9月", "monthly")
OCTOBER = parse_period("2022年10月", "monthly")
NOVEMBER = parse_period("2022年11月", "monthly")
URL = "/tracking/briefings/"


def _at(now, month: int, day: int) -> dt.datetime:
    return dt.datetime(2022, month, day, 9, 0, tzinfo=now.tzinfo)


def _downloads(client, period, day: dt.date) -> tuple[list, list]:
    """The xlsx cells and the docx text of ``period``'s 通报, the issue date blanked out."""
    query = {"period": period.label, "cycle": "monthly", "serial": "9"}
    xlsx = client.get(URL + "ledger.xlsx", query)
    word = client.get(URL + "briefing.docx", query)
    assert xlsx.status_code == 200 and word.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [
        [sheet.title, *row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    document = docx.Document(io.BytesIO(word.content))
    text = [p.text for p in document.paragraphs]
    text += [c.text for t in document.tables for r in t.rows for c in r.cells]
    issued = cn_date(day)
    return cells, [line.replace(issued, "<issued>") for line in text]


def _figures(b):
    return (
        b.documents,
        [(t.pk, t.status, t.percent, t.reported, t.overdue, t.unit) for t in b.tasks],
        [(u.unit, u.tasks, u.done, u.in_progress, u.not_started, u.missing) for u in b.units],
        [(h.unit, h.text) for h in b.highlights],
        b.money_target,
        b.money_achieved,
    )


def test_withdrawal_leaves_earlier_briefings_as_they_were(programme, people, login, clock, now):
    from policyledger.web.documents.services.lifecycle import withdraw_document

    document = programme[("一、", "市商务局")].measure.document
    client = login(people["alice"])
    with clock(_at(now, 10, 5)):
        before = _downloads(client, SEPTEMBER, dt.date(2022, 10, 5))
        first = collect_briefing(SEPTEMBER)
    assert first.documents == 1 and len(first.tasks) == 4 and first.money_achieved
    with clock(_at(now, 10, 12)):
        withdraw_document(people["alice"], document.pk, "文件废止")
    with clock(_at(now, 11, 3)):
        after = _downloads(client, SEPTEMBER, dt.date(2022, 11, 3))
        again = collect_briefing(SEPTEMBER)
        october = collect_briefing(OCTOBER)
    assert after == before
    assert _figures(again) == _figures(first)
    # The month in which it was withdrawn (as of its end) no longer counts it.
    assert (october.documents, october.tasks, october.money_target) == (0, [], 0)


def test_restoration_counts_again_from_its_own_date(programme, people, clock, now):
    from policyledger.web.documents.services.lifecycle import restore_document, withdraw_document

    document = programme[("一、", "市商务局")].measure.document
    with clock(_at(now, 10, 1)):
        first = collect_briefing(SEPTEMBER)
    with clock(_at(now, 10, 12)):
        withdraw_document(people["alice"], document.pk, "暂停执行")
    with clock(_at(now, 11, 8)):
        restore_document(people["alice"], document.pk)
    with clock(_at(now, 12, 2)):
        assert _figures(collect_briefing(SEPTEMBER)) == _figures(first)
        assert collect_briefing(OCTOBER).documents == 0
        november = collect_briefing(NOVEMBER)
    assert november.documents == 1 and len(november.tasks) == 4
    assert november.money_target == first.money_target


def test_control_without_the_dated_history_a_withdrawal_rewrites_the_past(
    programme, people, clock, now, monkeypatch
):
    """The guard matters: reading 'still published' (the old rule) empties September."""
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.lifecycle import withdraw_document

    def still_published(moment, document_ids=None):
        return PolicyDocument.objects.filter(
            status=PolicyDocument.Status.PUBLISHED, published_at__lt=moment
        )

    document = programme[("一、", "市商务局")].measure.document
    with clock(_at(now, 10, 12)):
        withdraw_document(people["alice"], document.pk, "文件废止")
    monkeypatch.setattr(briefing_data, "in_programme", still_published)
    with clock(_at(now, 11, 3)):
        assert collect_briefing(SEPTEMBER).documents == 0
    monkeypatch.undo()
    with clock(_at(now, 11, 3)):
        assert collect_briefing(SEPTEMBER).documents == 1


def _drop_finance_as_lead(alice, document, deadline, now, clock):
    """Reopen the document and republish it with 市财政局 no longer leading measure 一、: its
    task is closed (Task.closed_at) on the day of the re-publication."""
    from policyledger.web.documents.services import lifecycle, review
    from policyledger.web.documents.services.publish import publish

    with clock(_at(now, 10, 15)):
        lifecycle.reopen_document(alice, document.pk, "牵头单位调整")
        m1 = document.measures.get(number="一、")
        review.edit_measure(
            alice, m1.pk, m1.version, heading=m1.heading, text=m1.text,
            lead_units=["市商务局"], support_units=[], deadline=deadline, weight=None,
        )  # fmt: skip
        document.refresh_from_db()
        publish(alice, document.pk, document.version)


@pytest.fixture
def closed_by_republish(programme, people, clock, now):
    from policyledger.web.tracking.models import Task

    finance = programme[("一、", "市财政局")]
    document = finance.measure.document
    with clock(_at(now, 10, 5)):
        first = collect_briefing(SEPTEMBER)
    _drop_finance_as_lead(people["alice"], document, finance.deadline, now, clock)
    finance = Task.objects.get(pk=finance.pk)
    assert finance.closed_at is not None
    return finance, first


def test_a_task_closed_by_republication_counts_before_its_closing_only(closed_by_republish, clock):
    finance, first = closed_by_republish
    with clock(dt.datetime(2022, 11, 20, 9, 0, tzinfo=finance.closed_at.tzinfo)):
        again = collect_briefing(SEPTEMBER)
        october = collect_briefing(OCTOBER)
    assert finance.pk in {t.pk for t in first.tasks}
    assert _figures(again) == _figures(first)
    assert finance.pk not in {t.pk for t in october.tasks}
    assert len(october.tasks) == len(first.tasks) - 1


def test_control_closed_tasks_counted_forever_without_the_closing_date(
    closed_by_republish, clock, monkeypatch
):
    from policyledger.web.tracking.models import Task

    finance, _ = closed_by_republish

    def ignoring_closing(moment, documents):
        return Task.objects.filter(
            measure__document__in=documents.values("pk"), created_at__lt=moment
        )

    monkeypatch.setattr(briefing_data, "tasks_as_of", ignoring_closing)
    with clock(dt.datetime(2022, 11, 20, 9, 0, tzinfo=finance.closed_at.tzinfo)):
        assert finance.pk in {t.pk for t in collect_briefing(OCTOBER).tasks}


DECEMBER = parse_period("2022年12月", "monthly")


def _restore_finance_as_lead(alice, document, deadline, now, clock):
    """Reopen and republish with 市财政局 leading measure 一、 again (on 2022-12-05): its closed
    task is reopened, ``closed_at`` cleared."""
    from policyledger.web.documents.services import lifecycle, review
    from policyledger.web.documents.services.publish import publish

    with clock(_at(now, 12, 5)):
        lifecycle.reopen_document(alice, document.pk, "牵头单位恢复")
        m1 = document.measures.get(number="一、")
        review.edit_measure(
            alice, m1.pk, m1.version, heading=m1.heading, text=m1.text,
            lead_units=["市商务局", "市财政局"], support_units=[], deadline=deadline, weight=None,
        )  # fmt: skip
        document.refresh_from_db()
        publish(alice, document.pk, document.version)


@pytest.fixture
def closed_then_reopened(closed_by_republish, people, clock, now):
    from policyledger.web.tracking.models import Task, TaskClosing

    finance, first = closed_by_republish
    _restore_finance_as_lead(
        people["alice"], finance.measure.document, finance.deadline, now, clock
    )
    reopened = Task.objects.get(pk=finance.pk)
    assert reopened.closed_at is None
    assert list(TaskClosing.objects.filter(task=finance).values_list("closed", flat=True)) == [
        True,
        False,
    ]
    return reopened, first


def test_a_task_closed_in_october_and_reopened_in_december_is_out_of_november_only(
    closed_then_reopened, clock, now
):
    finance, first = closed_then_reopened
    with clock(dt.datetime(2023, 1, 10, 9, 0, tzinfo=now.tzinfo)):
        briefings = {p: collect_briefing(p) for p in (SEPTEMBER, OCTOBER, NOVEMBER, DECEMBER)}
    ids = {p: {t.pk for t in b.tasks} for p, b in briefings.items()}
    assert finance.pk in ids[SEPTEMBER]
    assert finance.pk not in ids[OCTOBER]
    assert finance.pk not in ids[NOVEMBER]
    assert finance.pk in ids[DECEMBER]
    assert _figures(briefings[SEPTEMBER]) == _figures(first)
    assert len(ids[NOVEMBER]) == len(ids[SEPTEMBER]) - 1


def test_control_with_closed_at_only_a_reopened_task_counts_in_the_months_it_was_closed(
    closed_then_reopened, clock, now, monkeypatch
):
    """The guard matters: the old rule (``Task.closed_at``, cleared on reopening) counts the task
    again in November, when it was closed."""
    from django.db.models import Q

    from policyledger.web.tracking.models import Task

    finance, _ = closed_then_reopened

    def closed_at_only(moment, documents):
        return Task.objects.filter(
            measure__document__in=documents.values("pk"), created_at__lt=moment
        ).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=moment))

    monkeypatch.setattr(briefing_data, "tasks_as_of", closed_at_only)
    with clock(dt.datetime(2023, 1, 10, 9, 0, tzinfo=now.tzinfo)):
        assert finance.pk in {t.pk for t in collect_briefing(NOVEMBER).tasks}
