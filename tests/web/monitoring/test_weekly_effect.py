"""The effect estimate on weekly figures: constructed data with a known effect, the refusals
(too few weeks, no untreated sector, pre-trends not parallel), the fall-back to months, and the
weekly values posted through the API or a csv, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from decimal import Decimal

import pytest
from django.test import Client

from policyledger.web.accounts.services import issue_token
from policyledger.web.monitoring.models import Indicator, IndicatorWeekValue
from policyledger.web.monitoring.services import evaluation, weekly
from policyledger.web.tracking import hooks as tracking_hooks
from policyledger.web.tracking.hooks import ProgrammeResult

pytestmark = pytest.mark.django_db

REGION = "示范市"
START = dt.date(2025, 3, 5)  # a Wednesday: the campaign's first week starts Monday 3 March
FIRST = dt.date(2025, 3, 3)


@pytest.fixture
def campaign():
    """A programme in 餐饮 and 汽车 for ``weeks`` weeks, registered as a provider."""
    state = {"weeks": 8, "sectors": ["餐饮", "汽车"]}

    def provider() -> list[ProgrammeResult]:
        end = START + dt.timedelta(weeks=state["weeks"]) - dt.timedelta(days=3)
        return [
            ProgrammeResult(
                key="test:1",
                kind="消费券活动",
                name="测试活动",
                region=REGION,
                start=START,
                end=end,
                sectors=state["sectors"],
                planned=Decimal(1000),
                committed=Decimal(0),
                paid=Decimal(0),
            )  # fmt: skip
        ]

    tracking_hooks.add_programme_source(provider)
    yield state
    tracking_hooks._programme_sources.remove(provider)


def weekly_series(
    name: str, category: str, *, weeks_before: int, weeks_during: int, lift: float = 0.0,
    trend: float = 0.002, noise: float = 0.0, base: float = 1000.0, seed: int = 1,
) -> Indicator:  # fmt: skip
    """Sales growing ``trend`` a week (log), ``lift`` higher in the campaign's weeks."""
    indicator = Indicator.objects.create(
        name=name, region=REGION, category=category, unit="万元",
        frequency=Indicator.Frequency.WEEKLY, source=Indicator.Source.ENTERPRISE,
    )  # fmt: skip
    rng = random.Random(seed)
    rows = []
    for i in range(-weeks_before, weeks_during):
        value = base * math.exp(trend * i + rng.gauss(0, noise)) * (1 + (lift if i >= 0 else 0))
        rows.append(
            IndicatorWeekValue(
                indicator=indicator,
                week=FIRST + dt.timedelta(weeks=i),
                current=Decimal(str(round(value, 2))),
            )  # fmt: skip
        )
    IndicatorWeekValue.objects.bulk_create(rows)
    return indicator


def market(lift: float, *, noise: float = 0.0, treated_trend: float = 0.002, weeks: int = 8):
    weekly_series("监测企业餐饮", "餐饮", weeks_before=weeks, weeks_during=weeks, lift=lift,
                  trend=treated_trend, noise=noise, seed=1)  # fmt: skip
    weekly_series("监测企业汽车", "汽车", weeks_before=weeks, weeks_during=weeks, lift=lift,
                  trend=treated_trend, noise=noise, base=3000, seed=2)  # fmt: skip
    weekly_series("监测企业石油", "石油及制品", weeks_before=weeks, weeks_during=weeks,
                  noise=noise, base=2000, seed=3)  # fmt: skip
    weekly_series("监测企业通讯", "通讯器材", weeks_before=weeks, weeks_during=weeks,
                  noise=noise, base=500, seed=4)  # fmt: skip


def test_known_ten_percent_lift_is_recovered_exactly(campaign):
    market(0.10)
    found = evaluation.evaluate("test:1")
    effect = found.effect
    assert effect.basis == "weekly" and "使用周度数据" in effect.basis_note
    assert effect.estimate == Decimal("10.0"), effect.reason
    assert len(effect.weeks_during) == 8 and len(effect.weeks_before) == 8
    assert effect.weeks_during[0] == FIRST and effect.weeks_before[-1] == FIRST - dt.timedelta(7)
    assert set(effect.treated) == {"监测企业餐饮", "监测企业汽车"}
    assert set(effect.control) == {"监测企业石油", "监测企业通讯"}
    assert "双重差分" in effect.method and "周度" in effect.method
    assert "+10.0%" in effect.summary and effect.short == "+10.0%（周度）"
    assert any("平行趋势" in a for a in effect.assumptions)
    assert (
        effect.periods == "比较期：活动期间2025-03-03至2025-04-27（8周），活动前2025-01-06起8周。"
    )


def test_lift_is_recovered_within_tolerance_with_noise(campaign):
    market(0.10, noise=0.01)
    effect = evaluation.evaluate("test:1").effect
    assert effect.estimate is not None, effect.reason
    assert abs(effect.estimate - Decimal(10)) <= Decimal("1.5")


def test_no_lift_gives_about_zero(campaign):
    market(0.0, noise=0.01)
    effect = evaluation.evaluate("test:1").effect
    assert effect.estimate is not None and abs(effect.estimate) <= Decimal("1.5")


def test_pretrends_that_diverge_give_no_number_and_no_monthly_fallback(campaign):
    market(0.10, treated_trend=0.03)  # treated sectors already grew 3% a week faster before
    found = evaluation.evaluate("test:1")
    effect = found.effect
    assert effect.estimate is None and effect.basis == "weekly"
    assert effect.refusal == "pretrend" and "趋势不平行" in effect.reason
    assert "0.5" in effect.reason  # the stated tolerance
    assert effect.pretrend_gap == Decimal("0.0280")
    assert effect.summary.startswith("不作估计")


def test_control_guard_matters(campaign, monkeypatch):
    """With the tolerance switched off the same diverging data would print a (biased) number."""
    market(0.10, treated_trend=0.03)
    monkeypatch.setattr(evaluation, "PRETREND_TOLERANCE", Decimal(1))
    effect = evaluation.evaluate("test:1").effect
    assert effect.estimate is not None and effect.estimate > Decimal(30)


def test_no_untreated_sector_gives_no_number(campaign):
    weekly_series("监测企业餐饮", "餐饮", weeks_before=8, weeks_during=8, lift=0.1)
    weekly_series("监测企业汽车", "汽车", weeks_before=8, weeks_during=8, lift=0.1, seed=2)
    found = evaluation.evaluate("test:1")
    effect = found.effect
    assert effect.estimate is None and effect.basis == "monthly"
    assert "没有未参加活动的行业的周度指标作对照" in effect.reason
    assert "周度数据不能用" in effect.basis_note


def test_too_few_weeks_gives_no_number(campaign):
    campaign["weeks"] = 2  # the campaign covers two weeks
    market(0.10, weeks=2)
    effect = evaluation.evaluate("test:1").effect
    assert effect.estimate is None
    assert "周数太少" in effect.reason and "至少3周" in effect.reason
    # The monthly figures are missing too, and the reason says so.
    assert "月度数据" in effect.reason


def test_weeks_missing_before_the_campaign_count_as_too_few(campaign):
    weekly_series("监测企业餐饮", "餐饮", weeks_before=2, weeks_during=8, lift=0.1)
    weekly_series("监测企业石油", "石油及制品", weeks_before=8, weeks_during=8, seed=3)
    effect = evaluation.evaluate("test:1").effect
    assert effect.estimate is None and "周数太少" in effect.reason


def test_campaign_still_running_uses_the_weeks_reported_so_far(campaign):
    campaign["weeks"] = 20
    market(0.10, weeks=6)  # only six campaign weeks reported yet
    effect = evaluation.evaluate("test:1").effect
    assert len(effect.weeks_during) == 6 and effect.estimate == Decimal("10.0")


def test_without_weekly_data_the_months_are_used_and_said(campaign):
    effect = evaluation.evaluate("test:1").effect
    assert effect.basis == "monthly" and "没有活动期间的周度监测数据" in effect.basis_note
    assert effect.estimate is None and effect.summary.startswith("不作估计")


def test_page_and_docx_print_the_weekly_method(campaign, login, alice):
    import io

    from docx import Document

    market(0.10)
    client = login(alice)
    page = client.get("/monitoring/evaluation/test:1/").content.decode()
    assert "+10.0%（周度）" in page and "使用周度数据" in page and "周度" in page
    response = client.get("/monitoring/evaluation/test:1/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "多增长+10.0%" in text and "方法：双重差分（difference in differences，周度）" in text
    assert "数据：使用周度数据" in text


# --- posting weekly values ---------------------------------------------------------------------


@pytest.fixture
def weekly_indicator(units):
    return Indicator.objects.create(
        name="重点监测企业餐饮销售额", region=REGION, category="餐饮", unit="万元",
        frequency=Indicator.Frequency.WEEKLY, source=Indicator.Source.ENTERPRISE,
        reporter_unit=units["市商务局"],
    )  # fmt: skip


def api_post(user, body):
    client = Client(headers={"Authorization": f"Bearer {issue_token(user, 'test')[1]}"})
    return client.post(
        "/api/v1/monitoring/weekly-values", json.dumps(body), content_type="application/json"
    )


def test_enterprise_posts_weekly_values(bob, weekly_indicator):
    body = {"values": [
        {"indicator_id": weekly_indicator.pk, "week": "2025-03-03", "current": "5200.50"},
        {"indicator_id": weekly_indicator.pk, "week": "2025-W11", "current": "5300"},
    ]}  # fmt: skip
    response = api_post(bob, body)
    assert response.status_code == 201, response.content
    assert response.json() == {"values": 2, "first_week": "2025-03-03", "last_week": "2025-03-10"}
    assert IndicatorWeekValue.objects.get(week="2025-03-10").current == Decimal("5300")
    # Posting the same week again replaces its value.
    body = {"values": [{"indicator_id": weekly_indicator.pk, "week": "2025-03-10", "current": "1"}]}
    assert api_post(bob, body).status_code == 201
    assert IndicatorWeekValue.objects.get(week="2025-03-10").current == Decimal("1")


def test_bad_weekly_item_saves_nothing_and_names_it(bob, weekly_indicator):
    body = {"values": [
        {"indicator_id": weekly_indicator.pk, "week": "2025-03-03", "current": "5200"},
        {"indicator_id": weekly_indicator.pk, "week": "2025-03-05", "current": "5300"},
    ]}  # fmt: skip
    response = api_post(bob, body)
    assert response.status_code == 400
    assert "第2条" in response.json()["detail"] and "不是周一" in response.json()["detail"]
    assert not IndicatorWeekValue.objects.exists()


# 9999999999999999.99995 is under 10^16 but rounds to it at four places: 21 digits, which
# PostgreSQL refused with a 500 (and SQLite stored).
@pytest.mark.parametrize("value", ["1e17", "-0.01", "NaN", "9999999999999999.99995"])
def test_out_of_range_weekly_value_is_a_clear_400(bob, weekly_indicator, value):
    body = {
        "values": [{"indicator_id": weekly_indicator.pk, "week": "2025-03-03", "current": value}]
    }
    response = api_post(bob, body)
    assert response.status_code in (400, 422)
    assert not IndicatorWeekValue.objects.exists()


def test_largest_weekly_value_the_column_holds_is_kept(bob, weekly_indicator):
    from django.db import connection

    # SQLite's decimal columns read back 15 significant digits at most, PostgreSQL's all 20.
    value = "9999999999999999.9999" if connection.vendor == "postgresql" else "999999999999999"
    body = {
        "values": [{"indicator_id": weekly_indicator.pk, "week": "2025-03-03", "current": value}]
    }
    assert api_post(bob, body).status_code == 201
    assert IndicatorWeekValue.objects.get().current == Decimal(value)


def test_monthly_indicator_refuses_weekly_values(bob, weekly_indicator):
    Indicator.objects.filter(pk=weekly_indicator.pk).update(frequency=Indicator.Frequency.MONTHLY)
    body = {"values": [{"indicator_id": weekly_indicator.pk, "week": "2025-03-03", "current": "1"}]}
    response = api_post(bob, body)
    assert response.status_code == 400 and "不是周度指标" in response.json()["detail"]


def test_other_units_indicator_is_not_found(carol, weekly_indicator):
    body = {"values": [{"indicator_id": weekly_indicator.pk, "week": "2025-03-03", "current": "1"}]}
    assert api_post(carol, body).status_code in (400, 403, 404)
    assert not IndicatorWeekValue.objects.exists()


def test_weekly_csv_is_all_or_nothing(alice, weekly_indicator):
    good = "地区,指标,周,本周值\n示范市,重点监测企业餐饮销售额,2025-03-03,5200\n"
    assert weekly.import_weekly_csv(good.encode("utf-8-sig"), alice).values == 1
    bad = good.replace("5200", "5300") + "示范市,重点监测企业餐饮销售额,2025-03-10,-1\n"
    with pytest.raises(weekly.WeeklyError) as caught:
        weekly.import_weekly_csv(bad.encode(), alice)
    assert "第3行" in caught.value.message and "不小于0" in caught.value.message
    assert IndicatorWeekValue.objects.get().current == Decimal("5200")
    with pytest.raises(weekly.WeeklyError, match="表头"):
        weekly.import_weekly_csv(b"a,b\n", alice)


def test_cli_imports_weekly_csv_or_names_the_row(alice, weekly_indicator, tmp_path):
    from click.testing import CliRunner

    from policyledger.cli import main

    good = tmp_path / "weekly.csv"
    good.write_text("地区,指标,周,本周值\n示范市,重点监测企业餐饮销售额,2025-W10,5200\n")
    out = CliRunner().invoke(main, ["monitoring", "import-weekly", str(good), "--user", "alice"])
    assert out.exit_code == 0, out.output
    assert "已导入1条周度数值" in out.output
    bad = tmp_path / "bad.csv"
    bad.write_text("地区,指标,周,本周值\n示范市,重点监测企业餐饮销售额,2025-03-04,5200\n")
    out = CliRunner().invoke(main, ["monitoring", "import-weekly", str(bad), "--user", "alice"])
    assert out.exit_code == 1 and "第2行" in out.output and "不是周一" in out.output
    assert IndicatorWeekValue.objects.count() == 1
