"""Review: original text beside the measures with spans highlighted; edits with optimistic locking."""

import re

import pytest

from policyledger.web.accounts.models import Unit
from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument

CONFLICT = "该内容已被他人修改，请刷新后重试"


def measure(document, number):
    return document.measures.get(number=number)


def test_review_page_marks_each_field_at_its_span(login, alice, reviewed, sample_text):
    page = login(alice).get(f"/documents/{reviewed.pk}/").content.decode()
    targets = re.findall(r'<mark class="[^"]*hl-target[^"]*"[^>]*>([^<]*)</mark>', page)
    assert "1000万元" in targets
    assert "最高不超过3000元" in targets
    assert "不少于50场次" in targets
    units = re.findall(r'<mark class="[^"]*hl-unit[^"]*"[^>]*>([^<]*)</mark>', page)
    assert "市商务局" in units and "市财政局" in units
    m1 = measure(reviewed, "一、")
    assert f'id="src-m-{m1.pk}"' in page
    # The whole original text is there, escaped, in order.
    plain = re.sub(r"<[^>]+>", "", page.split('class="original">', 1)[1].split("</div>", 1)[0])
    assert plain.strip() == sample_text.strip()


def test_review_page_escapes_document_text(login, alice, units):
    from policyledger.web.documents.services.importing import apply_parsed

    text = "一、<script>alert(1)</script>发放消费券。"
    document = PolicyDocument.objects.create(source_name="x.txt", original_text=text)
    apply_parsed(
        document,
        {
            "measures": [
                {
                    "number": "一、",
                    "heading": "<b>x</b>",
                    "text": text,
                    "span": [0, len(text)],
                    "lead_units": [],
                    "support_units": [],
                    "targets": [],
                }
            ]
        },
    )
    page = login(alice).get(f"/documents/{document.pk}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_unit_gets_fuzzy_suggestions_and_can_be_matched(login, alice, reviewed, units):
    client = login(alice)
    m2 = measure(reviewed, "二、")
    # 市发改委 is an alias of 市发展改革委 in the registry: matched on import.
    assert m2.unit_links.get().unit == units["市发展改革委"]
    # A name typed differently is not in the registry: the page offers the close ones.
    client.post(
        f"/documents/measures/{m2.pk}/edit/",
        {"version": m2.version, "heading": m2.heading, "text": m2.text, "lead": "市市场监督管理局"},
    )
    link = m2.unit_links.get()
    assert link.unit is None
    page = client.get(f"/documents/{reviewed.pk}/").content.decode()
    assert "采用“市市场监管局”" in page
    response = client.post(
        f"/documents/units/{link.pk}/resolve/", {"unit": units["市市场监管局"].pk}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.unit == units["市市场监管局"]
    # The printed name is remembered as an alias for the next document.
    assert "市市场监督管理局" in Unit.objects.get(name="市市场监管局").aliases


def test_a_new_unit_can_be_created_from_the_printed_name(login, alice, reviewed):
    client = login(alice)
    m3 = measure(reviewed, "三、")
    client.post(
        f"/documents/measures/{m3.pk}/edit/",
        {
            "version": m3.version,
            "heading": m3.heading,
            "text": m3.text,
            "lead": "市商务局",
            "support": "市文广旅局",
        },
    )
    link = m3.unit_links.get(raw_name="市文广旅局")
    client.post(f"/documents/units/{link.pk}/resolve/", {"create": "1", "level": "city"})
    link.refresh_from_db()
    assert link.unit.name == "市文广旅局"
    assert link.unit.level == "city"


def test_edit_heading_and_deadline_and_audit(login, alice, reviewed):
    client = login(alice)
    m1 = measure(reviewed, "一、")
    response = client.post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": m1.version,
            "heading": "发放惠民消费券",
            "text": m1.text,
            "lead": "市商务局、市财政局",
            "deadline": "2022-11-30",
        },
    )
    assert response.status_code == 302
    m1.refresh_from_db()
    assert m1.heading == "发放惠民消费券"
    assert m1.version == 2
    assert m1.targets.get(kind="date").deadline.isoformat() == "2022-11-30"
    entry = AuditLog.objects.get(action="measure.edit")
    assert entry.actor == alice
    assert entry.before["heading"] == "发放消费券"
    assert entry.after["heading"] == "发放惠民消费券"


def test_stale_edit_is_refused_with_clear_message_and_nothing_lost(login, alice, reviewed):
    from policyledger.web.accounts.services import create_user

    other = create_user("erin", "correct-horse-电池-42", role="admin")
    first, second = login(alice), login(other)
    m1 = measure(reviewed, "一、")
    stale_version = m1.version
    first.post(
        f"/documents/measures/{m1.pk}/edit/",
        {"version": stale_version, "heading": "甲的修改", "text": m1.text, "lead": "市商务局"},
    )
    response = second.post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": stale_version,
            "heading": "乙的修改",
            "text": "乙写的很长的内容",
            "lead": "市财政局",
        },
        follow=True,
    )
    page = response.content.decode()
    assert CONFLICT in page
    # The second editor's typing comes back in the form, so nothing they wrote is lost...
    assert "乙写的很长的内容" in page
    # ...and the first editor's change stands.
    m1.refresh_from_db()
    assert m1.heading == "甲的修改"
    assert list(m1.unit_links.values_list("raw_name", flat=True)) == ["市商务局"]


def test_merge_and_split(login, alice, reviewed):
    client = login(alice)
    m2, m3 = measure(reviewed, "二、"), measure(reviewed, "三、")
    reviewed.refresh_from_db()
    response = client.post(
        f"/documents/{reviewed.pk}/merge/",
        {"version": reviewed.version, "measures": [m2.pk, m3.pk]},
    )
    assert response.status_code == 302
    assert reviewed.measures.count() == 2
    merged = Measure.objects.get(pk=m2.pk)
    assert "支持汽车消费" in merged.text and "活跃夜间经济" in merged.text
    assert merged.targets.count() == 2
    assert {link.raw_name for link in merged.unit_links.all()} == {
        "市发改委",
        "市商务局",
        "市市场监管局",
    }

    at = merged.text.index("三、")
    response = client.post(
        f"/documents/measures/{merged.pk}/split/", {"version": merged.version, "at": at}
    )
    assert response.status_code == 302
    assert reviewed.measures.count() == 3
    merged.refresh_from_db()
    tail = reviewed.measures.exclude(pk__in=[merged.pk, measure(reviewed, "一、").pk]).get()
    assert tail.text.startswith("三、活跃夜间经济")
    # Each target follows the half its text is in.
    assert [t.text for t in merged.targets.all()] == ["最高不超过3000元"]
    assert [t.text for t in tail.targets.all()] == ["不少于50场次"]
    assert list(reviewed.measures.values_list("order", flat=True)) == [0, 1, 2]


def test_merge_with_stale_document_version_is_refused(login, alice, reviewed):
    client = login(alice)
    ids = list(reviewed.measures.values_list("pk", flat=True))
    response = client.post(
        f"/documents/{reviewed.pk}/merge/",
        {"version": reviewed.version - 1, "measures": ids[:2]},
        follow=True,
    )
    assert CONFLICT in response.content.decode()
    assert reviewed.measures.count() == 3


def test_viewer_and_reporter_cannot_edit(login, people, reviewed):
    m1 = measure(reviewed, "一、")
    for who in ("bob", "dave"):
        client = login(people[who])
        response = client.post(
            f"/documents/measures/{m1.pk}/edit/",
            {"version": m1.version, "heading": "x", "text": "x", "lead": "市商务局"},
        )
        assert response.status_code == 403
    m1.refresh_from_db()
    assert m1.heading == "发放消费券"
    assert MeasureUnit.objects.filter(measure=m1).count() == 2


def test_targets_are_edited_added_and_deleted(login, alice, reviewed):
    client = login(alice)
    m1 = measure(reviewed, "一、")
    money = m1.targets.get(kind="money")
    date = m1.targets.get(kind="date")
    page = client.get(f"/documents/{reviewed.pk}/").content.decode()
    assert f'name="target-{money.pk}-value" value="1000万"' in page
    response = client.post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": m1.version,
            "heading": m1.heading,
            "text": m1.text,
            "lead": "市商务局、市财政局",
            "deadline": "2022-12-31",
            f"target-{money.pk}-kind": "money",
            f"target-{money.pk}-value": "1,200万",
            f"target-{money.pk}-qualifier": "total",
            f"target-{date.pk}-kind": "date",
            f"target-{date.pk}-value": "2023-03-31",
            "new-target-kind": "ratio",
            "new-target-value": "2:1",
            "new-target-text": "市县配套",
        },
    )
    assert response.status_code == 302
    money.refresh_from_db()
    assert money.value == 12_000_000
    date.refresh_from_db()
    # The date target's own new value wins over the unchanged deadline box.
    assert date.deadline.isoformat() == "2023-03-31"
    ratio = m1.targets.get(kind="ratio")
    assert (ratio.value, ratio.text) == ([2, 1], "市县配套")

    m1.refresh_from_db()
    client.post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": m1.version,
            "heading": m1.heading,
            "text": m1.text,
            "lead": "市商务局、市财政局",
            f"target-{ratio.pk}-delete": "1",
        },
    )
    assert not m1.targets.filter(kind="ratio").exists()


def test_unreadable_target_value_is_refused_and_nothing_changes(login, alice, reviewed):
    client = login(alice)
    m2 = measure(reviewed, "二、")
    target = m2.targets.get()
    page = client.post(
        f"/documents/measures/{m2.pk}/edit/",
        {
            "version": m2.version,
            "heading": "改了标题",
            "text": m2.text,
            "lead": "市发改委",
            f"target-{target.pk}-kind": "money",
            f"target-{target.pk}-value": "三千块",
        },
        follow=True,
    ).content.decode()
    assert "无法识别" in page
    m2.refresh_from_db()
    target.refresh_from_db()
    assert (m2.heading, target.value) == ("支持汽车消费", 3000)


def test_bad_weight_is_a_chinese_message(login, alice, reviewed):
    m1 = measure(reviewed, "一、")
    page = login(alice).post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": m1.version,
            "heading": m1.heading,
            "text": m1.text,
            "lead": "市商务局",
            "weight": "很重要",
        },
        follow=True,
    )
    assert page.status_code == 200
    assert "权重须为数字" in page.content.decode()


@pytest.mark.parametrize("value", ["9" * 400, "1-" + "9" * 400, "9" * 400 + ":1"])
def test_a_target_value_too_large_for_a_number_is_refused(login, alice, reviewed, value):
    m1 = measure(reviewed, "一、")
    before = sorted(m1.targets.values_list("pk", flat=True))
    page = login(alice).post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": m1.version,
            "heading": m1.heading,
            "text": m1.text,
            "lead": "市商务局、市财政局",
            "new-target-kind": "ratio" if ":" in value else "money",
            "new-target-value": value,
        },
        follow=True,
    )
    assert page.status_code == 200
    assert "过大" in page.content.decode()
    assert sorted(m1.targets.values_list("pk", flat=True)) == before


def test_creating_a_unit_with_an_unknown_level_is_refused(login, alice, reviewed):
    client = login(alice)
    m3 = measure(reviewed, "三、")
    client.post(
        f"/documents/measures/{m3.pk}/edit/",
        {
            "version": m3.version,
            "heading": m3.heading,
            "text": m3.text,
            "lead": "市商务局",
            "support": "市文广旅局",
        },
    )
    link = m3.unit_links.get(raw_name="市文广旅局")
    page = client.post(
        f"/documents/units/{link.pk}/resolve/", {"create": "1", "level": "x" * 300}, follow=True
    )
    assert "层级" in page.content.decode()
    assert not Unit.objects.filter(name="市文广旅局").exists()
    link.refresh_from_db()
    assert link.unit is None


def test_review_writes_are_logged(login, alice, reviewed, caplog):
    client = login(alice)
    m3 = measure(reviewed, "三、")
    with caplog.at_level("INFO", logger="policyledger.web.documents"):
        client.post(f"/documents/measures/{m3.pk}/split/", {"version": m3.version, "at": 5})
        reviewed.refresh_from_db()
        client.post(
            f"/documents/{reviewed.pk}/settings/",
            {"version": reviewed.version, "cycle": "quarterly"},
        )
    logged = [r.getMessage() for r in caplog.records if r.name == "policyledger.web.documents"]
    assert any(m.startswith(f"measure {m3.pk} split at 5 into ") for m in logged), logged
    assert f"document {reviewed.pk} settings changed by alice" in logged


def test_merging_renumbers_a_long_document_in_constant_queries(login, alice, reviewed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)

    def merge_first_two():
        reviewed.refresh_from_db()
        pks = list(reviewed.measures.order_by("order").values_list("pk", flat=True)[:2])
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/documents/{reviewed.pk}/merge/", {"version": reviewed.version, "measures": pks}
            )
        assert response.status_code == 302
        return len(queries)

    few = merge_first_two()
    for i in range(20):
        Measure.objects.create(document=reviewed, number=f"{i + 4}.", text=f"措施{i}", order=10 + i)
    many = merge_first_two()
    assert many == few
    orders = list(reviewed.measures.order_by("order").values_list("order", flat=True))
    assert orders == list(range(len(orders))) and len(orders) == 21


def test_creating_a_unit_from_a_name_too_long_for_the_registry_is_refused(login, alice, reviewed):
    client = login(alice)
    m3 = measure(reviewed, "三、")
    long_name = "市" + "很长的名字" * 25 + "局"
    client.post(
        f"/documents/measures/{m3.pk}/edit/",
        {
            "version": m3.version,
            "heading": m3.heading,
            "text": m3.text,
            "lead": "市商务局",
            "support": long_name,
        },
    )
    link = m3.unit_links.get(raw_name=long_name)
    page = client.post(f"/documents/units/{link.pk}/resolve/", {"create": "1"}, follow=True)
    assert "单位名称过长" in page.content.decode()
    assert not Unit.objects.filter(name=long_name).exists()
    link.refresh_from_db()
    assert link.unit is None


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("1.1万", 11_000, "11000"),
        ("0.07亿", 7_000_000, "700万"),
        ("12345678.91", 12345678.91, "12345678.91"),
        ("1234.5678万", 12_345_678, "12345678"),
        ("12345678万", 123_456_780_000, "12345678万"),
    ],
)
def test_money_target_values_are_computed_exactly(login, alice, reviewed, typed, stored, shown):
    """0.07 × 100,000,000 in float is 7000000.000000001; the value is computed in Decimal, and the
    editor shows it back as typed digits (f"{v:g}" made 12345678.91 "1.23457e+07")."""
    client = login(alice)
    m1 = measure(reviewed, "一、")
    money = m1.targets.get(kind="money")
    client.post(
        f"/documents/measures/{m1.pk}/edit/",
        {
            "version": m1.version,
            "heading": m1.heading,
            "text": m1.text,
            "lead": "市商务局、市财政局",
            f"target-{money.pk}-kind": "money",
            f"target-{money.pk}-value": typed,
            f"target-{money.pk}-qualifier": "total",
        },
    )
    money.refresh_from_db()
    assert money.value == stored and type(money.value) is type(stored)
    assert repr(money.value) == repr(stored)
    page = client.get(f"/documents/{reviewed.pk}/").content.decode()
    assert f'name="target-{money.pk}-value" value="{shown}"' in page
