"""Issue 11: publishing asks for a deadline; a split measure keeps its deadline and a clean heading."""

import datetime as dt

import pytest

from policyledger.web.documents.models import PolicyDocument
from policyledger.web.documents.services.errors import ReviewError
from policyledger.web.documents.services.publish import publish
from policyledger.web.documents.services.review import (
    edit_measure,
    heading_of,
    measure_deadline,
    split_measure,
)
from policyledger.web.tracking.models import Task


@pytest.fixture
def undated(reviewed):
    """The sample document with no default deadline: measures 二、 and 三、 have no date."""
    PolicyDocument.objects.filter(pk=reviewed.pk).update(default_deadline=None)
    reviewed.refresh_from_db()
    return reviewed


def test_publish_names_measures_without_a_deadline_and_publishes_nothing(login, alice, undated):
    page = (
        login(alice)
        .post(f"/documents/{undated.pk}/publish/", {"version": undated.version}, follow=True)
        .content.decode()
    )
    assert "措施二、三没有完成时限，文件也没有默认完成时限" in page
    assert "勾选“无完成时限”" in page
    undated.refresh_from_db()
    assert undated.status == PolicyDocument.Status.REVIEW
    assert Task.objects.count() == 0


def test_a_deadline_or_an_explicit_no_deadline_per_measure_lets_it_publish(alice, undated):
    m2 = undated.measures.get(number="二、")
    m3 = undated.measures.get(number="三、")
    edit_measure(alice, m2.pk, m2.version, deadline=dt.date(2023, 3, 31))
    undated.refresh_from_db()
    with pytest.raises(ReviewError, match="措施三没有完成时限"):
        publish(alice, undated.pk, undated.version)
    edit_measure(alice, m3.pk, m3.version, no_deadline=True)
    undated.refresh_from_db()
    publish(alice, undated.pk, undated.version)
    deadlines = {t.measure.number: t.deadline for t in Task.objects.select_related("measure")}
    assert deadlines == {"一、": dt.date(2022, 12, 31), "二、": dt.date(2023, 3, 31), "三、": None}


def test_the_no_deadline_box_on_the_review_page(login, alice, undated):
    client = login(alice)
    m3 = undated.measures.get(number="三、")
    client.post(
        f"/documents/measures/{m3.pk}/edit/",
        {"version": m3.version, "heading": m3.heading, "text": m3.text, "lead": "市商务局",
         "support": "市市场监管局", "no_deadline": "1"},
    )  # fmt: skip
    m3.refresh_from_db()
    assert m3.no_deadline
    page = client.get(f"/documents/{undated.pk}/").content.decode()
    assert "无（已确认）" in page and "未设定" in page  # 二、 still has none


def test_split_measure_keeps_its_deadline_in_both_halves(alice, undated):
    m1 = undated.measures.get(number="一、")
    assert measure_deadline(m1) == dt.date(2022, 12, 31)
    at = m1.text.index("市级财政")
    tail = split_measure(alice, m1.pk, at, m1.version)
    m1.refresh_from_db()
    # The date's text went to the tail; the head keeps the same deadline.
    assert measure_deadline(m1) == dt.date(2022, 12, 31)
    assert measure_deadline(tail) == dt.date(2022, 12, 31)
    assert tail.heading == "市级财政安排1000万元发放消费券"


def test_split_heading_ends_at_a_sentence_not_inside_the_unit_block(alice, undated):
    m3 = undated.measures.get(number="三、")
    tail = split_measure(alice, m3.pk, m3.text.index("举办"), m3.version)
    assert tail.heading == "举办不少于50场次活动"


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("推动汽车以旧换新（责任单位：市商务局、市公安局、市财政局按职责分工负责）", "推动汽车以旧换新"),
        ("支持夜间经济。对夜市给予补贴。", "支持夜间经济"),
        ("鼓励各地结合实际开展家电以旧换新，对购买一级能效家电的个人给予补贴，每人最高2000元",
         "鼓励各地结合实际开展家电以旧换新"),
        ("短", "短"),
    ],
)  # fmt: skip
def test_heading_of(text, heading):
    assert heading_of(text) == heading
