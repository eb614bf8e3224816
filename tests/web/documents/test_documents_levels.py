"""Choosing the measure level of a whole document: one action re-splits the measures and keeps the
review edits that still apply (issue 10). The document is parsed by the real parser."""

from __future__ import annotations

import datetime as dt

import pytest

from policyledger.parsing import parse
from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument
from policyledger.web.documents.services.importing import apply_parsed
from policyledger.web.documents.services.review import edit_measure, resolve_unit

CONFLICT = "该内容已被他人修改，请刷新后重试"

TEXT = (
    "关于推进数字经济发展的实施方案\n"
    "一、重点任务\n"
    "（一）夯实数字基础\n"
    "1.推进千兆光网建设。加快老旧小区光纤改造。（责任单位：市商务局）\n"
    "2.完善算力设施布局。到2025年底建成城市算力中心。（责任单位：市发改委）\n"
    "（二）深化融合应用\n"
    "1.推动制造业数字化改造。安排资金1000万元支持智能工厂。（责任单位：市财政局）\n"
    "2.发展智慧商圈。建设智慧商圈3个。（责任单位：市商务局、市数据中心）\n"
)


@pytest.fixture
def document(alice, units):
    # A default deadline: publishing asks for one when a measure has none (issue 11).
    doc = PolicyDocument.objects.create(
        source_name="plan.txt", original_text=TEXT, default_deadline=dt.date(2026, 12, 31)
    )
    return apply_parsed(doc, parse(TEXT, name="plan.txt").to_dict())


def numbers(document):
    return list(document.measures.order_by("order").values_list("number", flat=True))


def units_of(measure, role=MeasureUnit.Role.LEAD):
    return list(measure.unit_links.filter(role=role).values_list("raw_name", flat=True))


def test_the_page_offers_the_levels_printed_in_the_document(login, alice, document):
    page = login(alice).get(f"/documents/{document.pk}/").content.decode()
    assert "按此层级重新拆分措施" in page
    assert "“一、”一级（共1处）" in page and "“（一）”一级（共2处）" in page
    assert '<option value="ar_dot" selected>' in page  # the level the parser read


def test_choosing_a_level_resplits_and_keeps_the_edits_that_still_apply(login, alice, document):
    assert numbers(document) == ["1.", "2.", "1.", "2."]
    first, second, third, fourth = document.measures.order_by("order")
    # Review so far: a unit added by hand, a deadline set by hand, a heading reworded, a printed
    # unit matched to the registry, a printed unit removed.
    first = edit_measure(alice, first.pk, first.version, lead_units=["市商务局", "市财政局"])
    edit_measure(alice, second.pk, second.version, deadline=dt.date(2024, 6, 30))
    edit_measure(alice, third.pk, third.version, heading="推动制造业智能化改造")
    link = fourth.unit_links.get(raw_name="市数据中心")
    from policyledger.web.accounts.models import Unit

    data_centre = Unit.objects.create(name="市大数据中心", level=Unit.Level.CITY)
    resolve_unit(alice, link.pk, unit_id=data_centre.pk)
    fourth.refresh_from_db()
    edit_measure(alice, fourth.pk, fourth.version, lead_units=["市数据中心"])
    document.refresh_from_db()

    client = login(alice)
    response = client.post(
        f"/documents/{document.pk}/level/", {"level": "cn_paren", "version": document.version}
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert numbers(document) == ["（一）", "（二）"]
    group1, group2 = document.measures.order_by("order")
    # Units of both items, the one added by hand included; the removed one stays removed only
    # where the new measure lies inside the old one (here it is wider: the printed unit is back).
    assert units_of(group1) == ["市商务局", "市发改委", "市财政局"]
    assert units_of(group2) == ["市财政局", "市商务局", "市数据中心"]
    # The registry match made by hand holds for the printed name.
    assert group2.unit_links.get(raw_name="市数据中心").unit == data_centre
    # The deadline set by hand on item 2 is carried to the group that holds it.
    deadlines = [t.deadline for t in group1.targets.all() if t.deadline]
    assert dt.date(2024, 6, 30) in deadlines
    # The money and count printed in the items are in the groups.
    assert [t.value for t in group2.targets.all() if t.kind == "money"] == [10000000]
    # The heading reworded for one item no longer has a measure of its own.
    assert group2.heading == "深化融合应用"
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "已按所选层级重新拆分为2条措施" in page and "未能保留" in page
    entry = AuditLog.objects.filter(action="document.measure_level").get()
    assert entry.after["level"] == "cn_paren" and entry.after["measures"] == 2

    # Back to the items: the same item spans again, so an edit made at the group level whose span
    # equals an item's would apply; units added by hand come back with the items they overlap.
    document.refresh_from_db()
    client.post(
        f"/documents/{document.pk}/level/", {"level": "ar_dot", "version": document.version}
    )
    document.refresh_from_db()
    assert numbers(document) == ["1.", "2.", "1.", "2."]
    items = list(document.measures.order_by("order"))
    assert "市财政局" in units_of(items[0])


def test_a_stale_version_changes_nothing(login, alice, document):
    before = list(Measure.objects.filter(document=document).values_list("pk", flat=True))
    client = login(alice)
    response = client.post(
        f"/documents/{document.pk}/level/", {"level": "cn_paren", "version": document.version - 1}
    )
    assert response.status_code == 302
    assert list(Measure.objects.filter(document=document).values_list("pk", flat=True)) == before
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert CONFLICT in page


def test_a_level_not_in_the_document_is_refused_in_chinese(login, alice, document):
    client = login(alice)
    client.post(
        f"/documents/{document.pk}/level/", {"level": "article", "version": document.version}
    )
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "所选层级在原文中不存在" in page
    assert numbers(document) == ["1.", "2.", "1.", "2."]


def test_only_an_administrator_may_choose_the_level(login, bob, document):
    response = login(bob).post(
        f"/documents/{document.pk}/level/", {"level": "cn_paren", "version": document.version}
    )
    assert response.status_code == 403
    assert numbers(document) == ["1.", "2.", "1.", "2."]


def test_a_published_document_cannot_be_resplit(login, alice, document):
    from policyledger.web.documents.services.publish import publish

    link = MeasureUnit.objects.get(measure__document=document, raw_name="市数据中心")
    resolve_unit(alice, link.pk, create=True)
    document.refresh_from_db()
    publish(alice, document.pk, document.version)
    document.refresh_from_db()
    client = login(alice)
    client.post(
        f"/documents/{document.pk}/level/", {"level": "cn_paren", "version": document.version}
    )
    assert numbers(document) == ["1.", "2.", "1.", "2."]
