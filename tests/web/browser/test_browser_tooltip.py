"""A unit's name is data, not markup: the dashboard's tooltip shows ``<img src=x onerror=...>`` as
text, and no element is made from it."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-电池-42"
EVIL = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture
def evil_unit(transactional_db, tasks, units):
    unit = units["市发展改革委"]
    unit.name = EVIL
    unit.save()
    return unit


def test_unit_name_is_escaped_in_the_chart_tooltip(open_session, alice, evil_unit):
    admin = open_session("牵头办管理员")
    admin.go("/accounts/login/")
    admin.page.fill("input[name=username]", alice.username)
    admin.page.fill("input[name=password]", PASSWORD)
    admin.page.click("button[type=submit]")
    admin.page.wait_for_url(re.compile(r"/$"))
    admin.go("/tracking/dashboard/")
    admin.page.wait_for_selector("#chart-units[data-ready='1']")
    # Hover every bar of the unit chart in turn until the evil unit's tooltip shows.
    shown = admin.page.evaluate(
        """(name) => {
          const el = document.getElementById("chart-units");
          const chart = window.echarts.getInstanceByDom(el);
          const names = chart.getOption().yAxis[0].data;
          const index = names.indexOf(name);
          chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: index });
          const tip = Array.from(el.querySelectorAll("div")).find(
            (d) => d.textContent.includes("任务") && d.textContent.includes("完成率"));
          return tip ? { text: tip.textContent, images: tip.querySelectorAll("img").length,
                         index: index } : { index: index };
        }""",
        EVIL,
    )
    assert shown["index"] >= 0, shown
    assert EVIL in shown["text"] and shown["images"] == 0
    assert admin.page.evaluate("window.__pwned") is None
    admin.check()
