"""文件库分析 in a real browser: on the Jiangsu / Lianyungang samples the money bars, the timeline
and the citation graph draw (ECharts canvases with data), with no CSP violation or script error."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-电池-42"  # the one tests/web/conftest.py gives its named users
SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[3] / "samples" / "corpus"


@pytest.fixture
def sample_library(transactional_db, alice):
    from policyledger.parsing import parse
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services import importing as services
    from policyledger.web.lineage.services import index, library

    index.reset()
    for prefix in ("000", "002", "004"):
        path = next(SAMPLES.glob(f"{prefix}_*.txt"))
        text = path.read_text(encoding="utf-8")
        document = PolicyDocument.objects.create(
            source_name=path.name, original_text=text, uploaded_by=alice
        )
        services.apply_parsed(document, parse(text, name=path.name).to_dict())
        document.refresh_from_db()
        library.refresh(document)
    yield
    index.reset()


def _series(session, selector: str) -> int:
    return session.page.evaluate(
        "s => { const c = echarts.getInstanceByDom(document.querySelector(s));"
        " return c ? c.getOption().series.length : -1; }",
        selector,
    )


def test_the_analytics_charts_render(sample_library, alice, open_session, shots) -> None:
    session = open_session("admin")
    session.go("/accounts/login/")
    session.page.fill("input[name=username]", alice.username)
    session.page.fill("input[name=password]", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))

    session.go("/lineage/analytics/")
    for chart in ("#money-chart", "#timeline-chart", "#graph-chart"):
        session.page.wait_for_selector(f"{chart} canvas")
        assert _series(session, chart) >= 1, chart
    assert session.page.locator("#money-table tbody tr").count() >= 1
    nodes = session.page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('#graph-chart'))"
        ".getOption().series[0].data.length"
    )
    assert nodes == 3
    shots(session, "analytics")
    session.check()
