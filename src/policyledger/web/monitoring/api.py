"""/api/v1/monitoring/: the indicator registry and values posted by monitored enterprises."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Query, Router, Schema

from policyledger.web.core.api_schemas import MAX_ID
from policyledger.web.monitoring.models import Indicator
from policyledger.web.monitoring.services.posting import indicators_for, post_values
from policyledger.web.monitoring.services.weekly import post_weekly

router = Router(tags=["消费市场监测"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
# Query text the database compares: no control characters (PostgreSQL refuses NUL).
NAME = r"^[^\x00-\x1f]*$"


class IndicatorOut(Schema):
    id: int
    name: str
    region: str
    category: str
    unit: str
    frequency: str
    source: str
    source_label: str


class IndicatorFilter(Schema):
    region: str | None = Field(None, max_length=60, pattern=NAME, description="地区")
    category: str | None = Field(None, max_length=40, pattern=NAME, description="类别")


class ValueIn(Schema):
    indicator_id: int = Field(..., ge=1, le=MAX_ID)
    month: str = Field(..., pattern=MONTH, description="月份，如 2024-10")
    current: Decimal | None = Field(None, description="本月值（指标单位）")
    cumulative: Decimal | None = Field(None, description="1—N月累计值（指标单位）")
    yoy_current: Decimal | None = Field(None, description="本月同比增长（%）")
    yoy_cumulative: Decimal | None = Field(None, description="累计同比增长（%）")


class ValuesIn(Schema):
    values: list[ValueIn] = Field(..., min_length=1, max_length=5000)


class PostedOut(Schema):
    values: int
    batch_id: int


@router.get("/indicators", response=list[IndicatorOut])
def list_indicators(request, filters: Query[IndicatorFilter]):
    """可报送（填报人：本单位）或可查看（管理员）的监测指标。"""
    rows = indicators_for(request.auth)
    if filters.region:
        rows = rows.filter(region=filters.region)
    if filters.category:
        rows = rows.filter(category=filters.category)
    return [
        {
            "id": i.pk,
            "name": i.name,
            "region": i.region,
            "category": i.category,
            "unit": i.unit,
            "frequency": i.frequency,
            "source": i.source,
            "source_label": Indicator.Source(i.source).label,
        }
        for i in rows[:1000]
    ]


@router.post("/values", response={201: PostedOut})
def post(request, body: ValuesIn):
    """监测企业报送月度数值：与导入文件同样校验（同比、缺月、单位），全部成功或全部不保存。"""
    result = post_values(request.auth, [v.dict() for v in body.values])
    return 201, {"values": result.values, "batch_id": result.batch.pk}


WEEK = r"^(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$"


class WeekValueIn(Schema):
    indicator_id: int = Field(..., ge=1, le=MAX_ID)
    week: str = Field(
        ..., pattern=WEEK, description="周：该周周一的日期（2026-11-02）或ISO周（2026-W45）"
    )
    current: Decimal = Field(..., ge=0, description="本周值（指标单位），如本周销售额")


class WeekValuesIn(Schema):
    values: list[WeekValueIn] = Field(..., min_length=1, max_length=5000)


class WeekPostedOut(Schema):
    values: int
    first_week: str
    last_week: str


@router.post("/weekly-values", response={201: WeekPostedOut})
def post_week_values(request, body: WeekValuesIn):
    """重点监测企业报送周度数值（周度指标）：全部成功或全部不保存，同一周再报送则覆盖。"""
    result = post_weekly(request.auth, [v.dict() for v in body.values])
    return 201, {
        "values": result.values,
        "first_week": result.first_week.isoformat(),
        "last_week": result.last_week.isoformat(),
    }
