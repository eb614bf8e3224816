"""文件库分析: sector / instrument classification, money by sector × instrument × region × year
(hand-computed on a small library built here), the timeline, the citation graph, the page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from policyledger.web.documents.models import Measure, PolicyDocument, Target
from policyledger.web.lineage.models import Citation, DocumentPlace
from policyledger.web.lineage.services import analytics, library

pytestmark = pytest.mark.django_db

PUBLISHED = PolicyDocument.Status.PUBLISHED


# -- classifier -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "instrument"),
    [
        ("对购买新能源汽车的个人给予一次性补贴", "需求型"),
        ("发放文旅消费券，开展消费季活动", "需求型"),
        ("对评选的示范步行街给予奖励", "需求型"),
        ("加快充电基础设施建设", "供给型"),
        ("引进电商人才，开展直播培训", "供给型"),
        ("建设县域电商公共服务平台", "供给型"),
        ("编制商业网点规划，制定服务标准", "环境型"),
        ("加强市场监管，优化营商环境", "环境型"),
        ("落实税收优惠政策，加大信贷投放", "环境型"),
        ("各地要高度重视，认真抓好落实", None),
    ],
)
def test_instrument_of_text(text: str, instrument: str | None) -> None:
    assert analytics.instrument_of_text(text) == instrument


def test_first_keyword_in_the_text_wins() -> None:
    # 规划 (环境型) comes before 补贴 (需求型) in the text, whatever the file order.
    assert analytics.instrument_of_text("按规划给予补贴") == "环境型"
    assert analytics.instrument_of_text("给予补贴并纳入规划") == "需求型"


@pytest.mark.parametrize(
    "text",
    [
        "发放餐饮消费券",
        "新能源车充电桩建设",
        "农村电商直播",
        "家电以旧换新补贴",
        "住房公积金贷款",
        "养老托育",
        "夜经济和夜间经济",
        "无关文字",
        "",
    ],
)
def test_sector_of_text_agrees_with_the_dashboard(text: str) -> None:
    # The one-pass regex follows the tracking app's rule (leftmost keyword, then file order).
    from policyledger.web.tracking.services import sectors

    assert analytics.sector_of_text(text) == sectors.sector_of_text(text)


def test_classify_measure_heading_first_then_text() -> None:
    assert analytics.classify_measure("提振汽车消费", "对购车给予补贴") == ("汽车", "需求型")
    assert analytics.classify_measure("加强组织领导", "建立联席会议制度") == ("其他", "其他")
    assert analytics.classify_measure("", "建设餐饮美食街区") == ("餐饮", "供给型")


def test_a_target_is_judged_by_its_own_sentence() -> None:
    text = "开展促消费活动。发放餐饮消费券300万元；建设充电桩500个。"
    assert analytics.classify_target("300万元", "促消费活动", text) == ("餐饮", "需求型")


def test_the_vocabulary_names_only_the_three_instruments() -> None:
    names = {instrument for _, instrument in analytics.instrument_keywords()}
    assert names == set(analytics.INSTRUMENTS)
    assert len(analytics.instrument_keywords()) >= 30


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        (20_000_000, 2_000_000_000),
        (5_005_000.0, 500_500_000),
        ("3000000", 300_000_000),
        (0.1, 10),  # Decimal(str(0.1)): no float residue
        ([1_000_000, 3_000_000], 300_000_000),
        (None, None),
        ("不详", None),
        (True, None),
        (-5, None),
    ],
)
def test_fen(value, fen) -> None:
    assert analytics.fen(value) == fen


def test_yuan_label() -> None:
    assert analytics.yuan_label(380_050_000_0) == "3,800.50万元"
    assert analytics.yuan_label(12_345) == "123.45元"


# -- a small library ------------------------------------------------------------------------------


def _doc(title, *, level, region, signed, status=PUBLISHED, number=""):
    document = PolicyDocument.objects.create(
        title=title, doc_number=number, signed_on=signed, status=status, source_name="x.txt"
    )
    DocumentPlace.objects.create(document=document, level=level, region=region, basis="人工")
    return document


def _measure(document, order, heading, text, *targets):
    measure = Measure.objects.create(
        document=document, number=str(order), heading=heading, text=text, order=order
    )
    for n, (value, target_text, qualifier, per) in enumerate(targets):
        Target.objects.create(
            measure=measure,
            kind=Target.Kind.MONEY,
            value=value,
            text=target_text,
            qualifier=qualifier,
            per=per,
            order=n,
        )
    return measure


@pytest.fixture
def small_library(db):
    province = _doc(
        "江苏省关于提振汽车消费的实施意见",
        level="省",
        region="江苏省",
        signed=dt.date(2024, 3, 1),
        number="苏政办发〔2024〕1号",
    )
    _measure(
        province,
        1,
        "促进汽车消费",
        "对购买新能源车给予补贴，省级财政安排资金2000万元，每辆最高1万元。",
        (20_000_000, "2000万元", "total", ""),
        (10_000, "最高1万元", "max", "辆"),  # a per-item cap: not committed money
    )
    _measure(
        province,
        2,
        "建设充电基础设施",
        "新建充电桩1000个，安排资金500.5万元。",
        (5_005_000, "500.5万元", "", ""),
    )
    city = _doc(
        "连云港市促进消费若干措施",
        level="市",
        region="连云港市",
        signed=dt.date(2025, 5, 1),
        number="连政办发〔2025〕2号",
    )
    _measure(city, 1, "发放餐饮消费券", "发放餐饮消费券300万元。", ("3000000", "300万元", "", ""))
    _measure(
        city,
        2,
        "加大金融支持",
        "设立汽车消费信贷风险补偿资金1000万元。",
        (10_000_000, "1000万元", "total", ""),
    )
    _measure(city, 3, "加强组织领导", "各部门要加强协调。")
    draft = _doc(
        "连云港市餐饮业纾困措施（送审稿）",
        level="市",
        region="连云港市",
        signed=dt.date(2025, 6, 1),
        status=PolicyDocument.Status.REVIEW,
    )
    _measure(draft, 1, "餐饮消费券", "发放餐饮消费券100万元。", (1_000_000, "100万元", "", ""))
    Citation.objects.create(
        citing=city, title="江苏省关于提振汽车消费的实施意见", resolved=province
    )
    Citation.objects.create(citing=city, title="国务院办公厅关于某事的意见")  # not in the library
    return {"province": province, "city": city, "draft": draft}


def _cells(money):
    return {(r["sector"], r["instrument"], r["region"], r["year"]): r["fen"] for r in money.rows}


def test_money_by_sector_instrument_region_year(small_library) -> None:
    money = analytics.money(library.library())
    assert _cells(money) == {
        ("汽车", "需求型", "江苏省", 2024): 2_000_000_000,
        ("汽车", "供给型", "江苏省", 2024): 500_500_000,
        ("汽车", "环境型", "连云港市", 2025): 1_000_000_000,
        ("餐饮", "需求型", "连云港市", 2025): 300_000_000 + 100_000_000,
    }
    assert money.total_fen == 3_900_500_000
    assert money.targets == 5
    assert all(isinstance(r["fen"], int) for r in money.rows)
    assert money.sectors == ["汽车", "餐饮"]
    chart = money.chart()
    assert chart["sectors"] == ["汽车", "餐饮"]
    demand = next(s for s in chart["series"] if s["name"] == "需求型")
    assert demand["data"] == ["2000", "400"]  # 万元, exact strings


def test_money_filters(small_library) -> None:
    docs = library.library()
    assert analytics.money(docs, sector="餐饮").total_fen == 400_000_000
    assert analytics.money(docs, instrument="需求型").total_fen == 2_400_000_000
    assert analytics.money(docs, sector="汽车", instrument="环境型").total_fen == 1_000_000_000
    assert analytics.money(library.library(region="江苏")).total_fen == 2_500_500_000
    assert analytics.money(library.library(year=2025)).total_fen == 1_400_000_000
    assert analytics.money(library.library(level="省")).total_fen == 2_500_500_000
    assert analytics.money(docs, sector="住房").rows == []


def test_money_is_one_query_however_large_the_library(
    small_library, django_assert_num_queries
) -> None:
    for n in range(5):
        extra = _doc(f"文件{n}", level="县", region=f"县{n}", signed=dt.date(2023, 1, n + 1))
        _measure(extra, 1, "家电以旧换新", "安排资金10万元。", (100_000, "10万元", "", ""))
    with django_assert_num_queries(1):
        money = analytics.money(library.library())
    assert money.total_fen == 3_900_500_000 + 5 * 10_000_000


def test_documents_classified(small_library) -> None:
    docs = library.library()
    assert set(analytics.documents_classified(docs, sector="餐饮")) == {
        small_library["city"],
        small_library["draft"],
    }
    assert set(analytics.documents_classified(docs, instrument="供给型")) == {
        small_library["province"]
    }
    # A measure is judged by its heading first (加大金融支持 is 金融), its money target by the
    # target's own sentence first (that 1000万元 counts as 汽车 in the money table).
    assert set(analytics.documents_classified(docs, sector="金融", instrument="环境型")) == {
        small_library["city"]
    }
    assert not analytics.documents_classified(docs, sector="汽车", instrument="环境型").exists()
    assert analytics.documents_classified(docs).count() == 3


def test_timeline_and_citation_graph(small_library) -> None:
    docs = library.library()
    timeline = analytics.timeline(docs)
    assert [p["date"] for p in timeline["points"]] == ["2024-03-01", "2025-05-01", "2025-06-01"]
    assert [p["level"] for p in timeline["points"]] == ["省", "市", "市"]
    graph = analytics.citation_graph(docs)
    assert len(graph["nodes"]) == 3
    city, province = str(small_library["city"].pk), str(small_library["province"].pk)
    assert graph["links"] == [{"source": city, "target": province}]  # resolved citations only
    names = [c["name"] for c in graph["categories"]]
    node = next(n for n in graph["nodes"] if n["id"] == province)
    assert names[node["category"]] == "省"
    assert node["url"] == f"/lineage/documents/{province}/"


# -- the page -------------------------------------------------------------------------------------


def _data(page: str) -> dict:
    found = re.search(r'<script id="analytics-data" type="application/json">(.*?)</script>', page)
    assert found, "the page embeds its chart data"
    return json.loads(found.group(1))


def test_admin_sees_everything(small_library, alice, login) -> None:
    response = login(alice).get("/lineage/analytics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3,900.50万元" in page and 'id="money-chart"' in page
    data = _data(page)
    assert len(data["graph"]["nodes"]) == 3 and len(data["timeline"]["points"]) == 3


def test_a_leader_sees_published_documents_only(small_library, dave, login) -> None:
    response = login(dave).get("/lineage/analytics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3,800.50万元" in page  # the draft's 100万元 is not theirs to see
    assert len(_data(page)["graph"]["nodes"]) == 2


def test_reporters_and_strangers_are_refused(small_library, bob, login, client) -> None:
    assert login(bob).get("/lineage/analytics/").status_code == 403
    response = client.get("/lineage/analytics/")  # anonymous: to the login page
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_page_filters(small_library, alice, login) -> None:
    client = login(alice)
    page = client.get("/lineage/analytics/", {"sector": "餐饮"}).content.decode()
    assert "400.00万元" in page
    data = _data(page)
    assert {p["title"] for p in data["timeline"]["points"]} == {
        "连云港市促进消费若干措施",
        "连云港市餐饮业纾困措施（送审稿）",
    }
    page = client.get("/lineage/analytics/", {"instrument": "供给型", "year": "2024"}).content
    assert "500.50万元" in page.decode()
    # Unknown values are ignored, never a 500.
    response = client.get("/lineage/analytics/", {"sector": "<x>", "year": "abc", "level": "z"})
    assert response.status_code == 200 and "3,900.50万元" in response.content.decode()


def test_page_queries_do_not_grow_with_the_library(
    small_library, alice, login, django_assert_max_num_queries
) -> None:
    client = login(alice)
    client.get("/lineage/analytics/")  # warm the session
    with django_assert_max_num_queries(15):
        client.get("/lineage/analytics/", {"sector": "汽车"})
    for n in range(10):
        extra = _doc(f"文件{n}", level="县", region=f"县{n}", signed=dt.date(2023, 1, n + 1))
        _measure(extra, 1, "家电以旧换新", "安排资金10万元。", (100_000, "10万元", "", ""))
        Citation.objects.create(citing=extra, resolved=small_library["province"])
    with django_assert_max_num_queries(15):
        page = client.get("/lineage/analytics/", {"sector": "家电"}).content.decode()
    assert "100.00万元" in page  # 10 × 10万元


def test_library_filters_by_sector_and_instrument(small_library, alice, login) -> None:
    client = login(alice)
    page = client.get("/lineage/", {"sector": "汽车", "instrument": "供给型"}).content.decode()
    assert "江苏省关于提振汽车消费的实施意见" in page and "连云港市促进消费若干措施" not in page
    page = client.get("/lineage/", {"sector": "餐饮"}).content.decode()
    assert "连云港市促进消费若干措施" in page and "江苏省关于提振" not in page
    assert 'href="/lineage/analytics/"' in page


def test_the_one_pass_matchers_follow_the_leftmost_then_file_order_rule() -> None:
    from policyledger.web.tracking.services import sectors

    def reference(pairs, text):
        best = None
        for order, (keyword, name) in enumerate(pairs):
            at = text.find(keyword)
            if at >= 0 and (best is None or (at, order) < best[:2]):
                best = (at, order, name)
        return best[2] if best else None

    sector_words = [k for k, _ in sectors.keywords()]
    instrument_words = [k for k, _ in analytics.instrument_keywords()]
    for a in sector_words:
        for b in sector_words:
            for text in (a + b, f"关于{b}和{a}", a[:1] + b):
                assert analytics.sector_of_text(text) == sectors.sector_of_text(text), text
    for a in instrument_words:
        for b in instrument_words:
            for text in (a + b, f"关于{b}和{a}", a[:1] + b):
                expected = reference(analytics.instrument_keywords(), text)
                assert analytics.instrument_of_text(text) == expected, text
