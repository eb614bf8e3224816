"""Issue 11: units ranked by completion rate and 报送及时率, with the change since the last period."""

from __future__ import annotations

import datetime as dt

from policyledger.web.tracking.briefings.data import collect_briefing
from policyledger.web.tracking.briefings.rankings import briefing_rankings


def test_rankings_with_the_change_since_the_previous_period(
    programme, people, clock, now, report, periods
):
    from policyledger.web.tracking.services.reports import accept_report

    coupons = programme[("一、", "市商务局")]
    with clock(now + dt.timedelta(days=20)):  # 10 October
        later = report(people["bob"], coupons, periods["october"], status="done", percent=100)
        accept_report(people["alice"], later.pk)
        report(people["carol"], programme[("一、", "市财政局")], periods["october"],
               status="in_progress", percent=60)  # fmt: skip
    october = collect_briefing(periods["october"], today=dt.date(2022, 11, 5))
    ranks = {r.unit: r for r in briefing_rankings(october)}
    commerce, finance, ndrc = ranks["市商务局"], ranks["市财政局"], ranks["市发展改革委"]
    assert commerce.rank == 1 and (commerce.rate, commerce.timely) == (50.0, 50.0)
    # September: 市商务局 0% done, 50% on time; 市财政局 100% on time (first in September).
    assert (commerce.rate_change, commerce.timely_change, commerce.rank_change) == (50.0, 0.0, 1)
    assert commerce.rate_change_text == "↑50.0" and commerce.rank_change_text == "↑1位"
    assert (finance.rank, finance.timely, finance.timely_change, finance.rank_change) == (
        2,
        100.0,
        0.0,
        -1,
    )
    assert finance.timely_change_text == "持平" and finance.rank_change_text == "↓1位"
    assert (ndrc.rank, ndrc.timely) == (3, 0.0)


def test_ranking_shows_in_the_briefing_page_and_docx(programme, login, people, clock, now):
    import io

    from docx import Document

    client = login(people["alice"])
    with clock(now + dt.timedelta(days=20)):
        page = client.get("/tracking/briefings/?period=2022年9月").content.decode()
        data = client.get("/tracking/briefings/briefing.docx?period=2022年9月").content
    assert 'id="briefing-rankings"' in page and "↑" in page.split('id="briefing-rankings"')[1]
    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(data)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "报送及时率" in text and "市财政局" in text


def test_ranking_on_the_dashboard(programme, login, people, clock, now):
    with clock(now + dt.timedelta(days=20)):
        page = login(people["dave"]).get("/tracking/dashboard/").content.decode()
    assert "单位排名（2022年9月，较上期）" in page
    assert page.index("市财政局") < page.index("市发展改革委")
