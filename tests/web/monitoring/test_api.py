"""/api/v1/monitoring/: enterprises post values, checked like a file, all or nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from policyledger.web.accounts.services import issue_token
from policyledger.web.monitoring.models import Indicator, IndicatorValue


class ApiClient:
    def __init__(self, key: str) -> None:
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}")

    def post(self, path: str, body: dict):
        return self.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def indicator(units):
    return Indicator.objects.create(
        name="重点监测企业零售额", region="示范市", category="", unit="万元",
        source=Indicator.Source.ENTERPRISE, reporter_unit=units["市商务局"],
    )  # fmt: skip


def client_for(user) -> ApiClient:
    return ApiClient(issue_token(user, "test")[1])


def test_enterprise_posts_values_as_decimal(bob, indicator):
    api = client_for(bob)
    body = {"values": [
        {"indicator_id": indicator.pk, "month": "2024-01", "current": "1200.5", "cumulative": "1200.5"},
        {"indicator_id": indicator.pk, "month": "2024-02", "current": "1300.0", "cumulative": "2500.5"},
    ]}  # fmt: skip
    response = api.post("/monitoring/values", body)
    assert response.status_code == 201, response.content
    assert response.json()["values"] == 2
    assert IndicatorValue.objects.get(month="2024-02-01").cumulative == Decimal("2500.5")
    listed = api.get("/monitoring/indicators").json()
    assert [i["id"] for i in listed] == [indicator.pk]


def test_bad_item_saves_nothing_and_names_it(bob, indicator):
    body = {"values": [
        {"indicator_id": indicator.pk, "month": "2024-01", "current": "1200.5"},
        {"indicator_id": indicator.pk, "month": "2024-03", "current": "1300.0"},
    ]}  # fmt: skip
    response = client_for(bob).post("/monitoring/values", body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "values_invalid"
    assert "第2条" in data["detail"] and "缺少2024年2月" in data["detail"]
    assert IndicatorValue.objects.count() == 0


def test_other_units_indicator_is_404_and_viewer_403(carol, dave, indicator):
    body = {"values": [{"indicator_id": indicator.pk, "month": "2024-01", "current": "1"}]}
    response = client_for(carol).post("/monitoring/values", body)
    assert response.status_code == 404 and set(response.json()) == {"detail", "code"}
    assert client_for(dave).post("/monitoring/values", body).status_code == 403
    assert IndicatorValue.objects.count() == 0


def test_bad_month_is_422_in_chinese(bob, indicator):
    body = {"values": [{"indicator_id": indicator.pk, "month": "2024-13", "current": "1"}]}
    response = client_for(bob).post("/monitoring/values", body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_bad_query_and_huge_id_are_422_not_500(bob, indicator):
    api = client_for(bob)
    assert api.get("/monitoring/indicators?region=%00").status_code == 422
    body = {"values": [{"indicator_id": 2**63, "month": "2024-01", "current": "1"}]}
    assert api.post("/monitoring/values", body).status_code == 422
    body = {"values": [{"indicator_id": indicator.pk, "month": "2024-01", "current": "NaN"}]}
    response = api.post("/monitoring/values", body)
    assert response.status_code in (400, 422) and IndicatorValue.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("current", "12345678901234567"),
        ("current", "9999999999999999.99995"),  # rounds up to 10^16 at four places
        ("cumulative", "99999999999999999"),
        ("yoy_current", "100000000"),
        ("yoy_cumulative", "99999999.99995"),
    ],
)
def test_figures_the_columns_cannot_hold_are_refused_by_name(bob, indicator, field, value):
    """They were a 500 on PostgreSQL (numeric overflow) and, on SQLite, stored and then a 500
    on every read of the row."""
    body = {"values": [{"indicator_id": indicator.pk, "month": "2024-01", field: value}]}
    response = client_for(bob).post("/monitoring/values", body)
    assert response.status_code == 400, response.content
    assert "第1条" in response.json()["detail"] and "过大" in response.json()["detail"]
    assert not IndicatorValue.objects.exists()


def test_largest_figures_the_columns_hold_are_kept(bob, indicator):
    from django.db import connection

    # SQLite's decimal columns read back 15 significant digits at most (Django's converter),
    # PostgreSQL's numeric all 20.
    top = "9999999999999999.9999" if connection.vendor == "postgresql" else "999999999999999"
    body = {"values": [{
        "indicator_id": indicator.pk, "month": "2024-01", "current": top, "cumulative": top,
        "yoy_current": "99999999.9999",
    }]}  # fmt: skip
    response = client_for(bob).post("/monitoring/values", body)
    assert response.status_code == 201, response.content
    row = IndicatorValue.objects.get()
    assert row.current == row.cumulative == Decimal(top)
    assert row.yoy_current == Decimal("99999999.9999")
