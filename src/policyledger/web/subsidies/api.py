"""/api/v1/subsidies/: the calculator and 公示 (public), programmes and money by measure
(officers and 领导), review actions (officers). Errors in the API's shape {"detail", "code"}."""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from policyledger.web.core.api_schemas import ERRORS, WRITE_ERRORS, PathId, Text

from .models import Application, Notice, Programme
from .rollup import measure_money
from .services import applications as svc
from .services import whatif as whatif_service
from .services.calculator import calculate, parse_yuan
from .services.explain import matched_rows
from .services.identity import mask_name
from .web_common import is_officer, is_reader

router = Router(tags=["政策兑现"])


Figure = Annotated[int, Field(ge=0, le=10**15)]


class CalculatorIn(Schema):
    applicant_kind: Literal["person", "enterprise"] = Field(
        ..., description="person 个人 / enterprise 企业"
    )
    sector: Text = Field("", max_length=30, description="行业或购买品类，如 家电")
    region: Text = Field("", max_length=50, description="所在区县")
    purchase_yuan: Text | None = Field(
        None, max_length=20, description='购买/开票金额（元，文本，如 "3599.00"）'
    )
    figures: dict[Annotated[str, Field(max_length=40)], Figure] = Field(
        default_factory=dict,
        description='其他数据（整数），如 {"participants": 30}；金额用分（*_fen）',
    )


class OfferOut(Schema):
    programme: int
    name: str
    amount_fen: int
    reason: str
    cap_applied: str | None
    rule_version: int
    clause: str
    closes_on: str | None


class CalculatorOut(Schema):
    offers: list[OfferOut]
    total_fen: int
    incomplete: int = Field(..., description="需要更多数据才能测算的项目数")


@router.post(
    "/calculator", auth=None, response={200: CalculatorOut, **ERRORS}, summary="政策计算器"
)
def calculator(request, payload: CalculatorIn):
    figures = dict(payload.figures)
    if payload.purchase_yuan:
        figures["price_fen"] = parse_yuan(payload.purchase_yuan, "购买金额")
    offers, incomplete = calculate(
        {
            "applicant_kind": payload.applicant_kind,
            "sector": payload.sector,
            "region": payload.region,
            "figures": figures,
        }
    )
    return {
        "offers": [o.as_dict() for o in offers],
        "total_fen": sum(o.amount_fen for o in offers),
        "incomplete": incomplete,
    }


class ProgrammeOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    budget_fen: int
    committed_fen: int
    paid_fen: int
    measure_id: int | None
    rate_percent: str | None
    min_award_fen: int | None
    max_award_fen: int | None


def _programme_out(p: Programme) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "status": p.status,
        "budget_fen": p.budget_fen,
        "committed_fen": p.committed_fen,
        "paid_fen": p.paid_fen,
        "measure_id": p.measure_id,
        "rate_percent": str(p.rate_percent) if p.rate_percent is not None else None,
        "min_award_fen": p.min_award_fen,
        "max_award_fen": p.max_award_fen,
    }


def _reader(request) -> None:
    if not is_reader(request.auth):
        raise PermissionDenied("只有牵头办和领导可以查看兑现项目")


@router.get("/programmes", response={200: list[ProgrammeOut], **ERRORS}, summary="兑现项目与资金")
def programmes(request):
    _reader(request)
    return [_programme_out(p) for p in Programme.objects.order_by("id")]


@router.get("/programmes/{pk}", response={200: ProgrammeOut, **ERRORS}, summary="一个兑现项目")
def programme(request, pk: PathId):
    _reader(request)
    p = Programme.objects.filter(pk=pk).first()
    if p is None:
        raise Http404("项目不存在")
    return _programme_out(p)


class ProgrammeMoney(Schema):
    id: int
    name: str
    budget_fen: int
    committed_fen: int
    paid_fen: int


class MeasureMoneyOut(Schema):
    measure: int
    target_fen: int | None = Field(..., description="措施的资金目标（分）")
    budget_fen: int
    committed_fen: int
    paid_fen: int
    committed_percent: float | None
    paid_percent: float | None
    programmes: list[ProgrammeMoney]


@router.get(
    "/measures/{pk}/money", response={200: MeasureMoneyOut, **ERRORS}, summary="措施的资金兑现情况"
)
def measure(request, pk: PathId):
    _reader(request)
    data = measure_money(pk)
    if data is None:
        raise Http404("措施不存在")
    return data


class ApplicationOut(Schema):
    number: str
    programme: int
    status: str
    status_label: str
    amount_fen: int
    awarded_fen: int
    reason: str
    cap_applied: str
    rule_version: int | None
    matched: list[dict]


def _app_out(a: Application) -> dict:
    return {
        "number": a.number,
        "programme": a.programme_id,
        "status": a.status,
        "status_label": a.get_status_display(),
        "amount_fen": a.amount_fen,
        "awarded_fen": a.awarded_fen,
        "reason": a.reason,
        "cap_applied": a.cap_applied,
        "rule_version": a.rule.number if a.rule_id else None,
        "matched": matched_rows(a.trace),
    }


def _app(request, number: str) -> Application:
    _reader(request)
    a = Application.objects.select_related("rule").filter(number=number).first()
    if a is None:
        raise Http404("申请不存在")
    return a


@router.get(
    "/applications/{number}", response={200: ApplicationOut, **ERRORS}, summary="申请与测算依据"
)
def application(request, number: Annotated[str, Field(max_length=30)]):
    return _app_out(_app(request, number))


class ReviewIn(Schema):
    action: Literal["approve", "return", "reject"]
    reason: Text = Field("", max_length=500)
    amount_fen: int | None = Field(
        None, ge=1, le=10**13, description="核定金额（分），空为测算金额"
    )


@router.post(
    "/applications/{number}/review", response={200: ApplicationOut, **WRITE_ERRORS}, summary="审核"
)
def review(request, number: Annotated[str, Field(max_length=30)], payload: ReviewIn):
    app = _app(request, number)
    if not is_officer(request.auth):
        raise PermissionDenied("只有牵头办管理员可以审核")
    if payload.action == "approve":
        app = svc.approve(request.auth, app, amount_fen=payload.amount_fen, note=payload.reason)
    elif payload.action == "return":
        app = svc.return_for_changes(request.auth, app, payload.reason)
    else:
        app = svc.reject(request.auth, app, payload.reason)
    app.refresh_from_db()
    return _app_out(app)


class NoticeRow(Schema):
    number: str
    name: str
    id: str
    region: str
    amount_fen: int


class NoticeOut(Schema):
    id: int
    title: str
    programme: str
    starts_on: str
    ends_on: str
    rows: list[NoticeRow]


@router.get(
    "/notices/{pk}", auth=None, response={200: NoticeOut, **ERRORS}, summary="公示名单（打码）"
)
def notice(request, pk: PathId):
    n = Notice.objects.select_related("programme").filter(pk=pk).first()
    if n is None:
        raise Http404("公示不存在")
    rows = []
    for a in n.applications.select_related("applicant").order_by("submitted_at", "id"):
        who = a.applicant
        rows.append(
            {
                "number": a.number,
                "name": who.name if who.kind != "person" else mask_name(who.name),
                "id": who.id_display,
                "region": a.region,
                "amount_fen": a.awarded_fen,
            }
        )
    return {
        "id": n.pk,
        "title": n.title,
        "programme": n.programme.name,
        "starts_on": n.starts_on.isoformat(),
        "ends_on": n.ends_on.isoformat(),
        "rows": rows,
    }


class WhatIfIn(Schema):
    source: Literal["generated", "applications", "upload"] = Field(
        "generated", description="generated 模拟生成 / applications 本项目申请人 / upload 发票 csv"
    )
    size: int = Field(10_000, ge=1, le=whatif_service.MAX_GENERATED, description="模拟人数")
    seed: int = Field(2026, ge=0, le=2**31 - 1, description="随机种子（同种子同人群）")
    invoices_csv: str | None = Field(
        None,
        max_length=whatif_service.MAX_UPLOAD_BYTES,
        description="source=upload 时的发票 csv 文本（表头：开票金额（元）、行业、区县、提交时间）",
    )
    rate_percent: Text | None = Field(
        None, max_length=10, description='补贴比例（%，文本，如 "15"）'
    )
    max_award_fen: int | None = Field(
        None, ge=0, le=10**13, description="单笔上限（分）；不传为现行，null 为不封顶"
    )
    min_award_fen: int | None = Field(
        None, ge=0, le=10**13, description="单笔下限（分），不传为现行"
    )
    budget_fen: int | None = Field(None, ge=1, le=10**15, description="资金总额（分），空为现行")


class WhatIfSide(Schema):
    total_cost_fen: int
    funded_fen: int
    eligible: int
    people_served: int
    budget_fen: int
    share_of_budget: str
    runs_out: bool
    runs_out_after: int | None
    runs_out_at: int | str | None
    runs_out_text: str


class WhatIfDistrict(Schema):
    district: str
    baseline: dict[str, int]
    scenario: dict[str, int]


class WhatIfOut(Schema):
    programme: int
    size: int
    params: dict[str, dict]
    baseline: WhatIfSide
    scenario: WhatIfSide
    by_district: list[WhatIfDistrict]


@router.post(
    "/programmes/{pk}/whatif",
    response={200: WhatIfOut, **WRITE_ERRORS},
    summary="测算（what-if）：基线与方案对比",
)
def whatif(request, pk: PathId, payload: WhatIfIn):
    _reader(request)
    p = Programme.objects.filter(pk=pk).first()
    if p is None:
        raise Http404("项目不存在")
    now = whatif_service.current_params(p)
    rate = now.rate_percent
    if payload.rate_percent not in (None, ""):
        from decimal import Decimal, InvalidOperation

        try:
            rate = Decimal(payload.rate_percent.strip().rstrip("%"))
        except InvalidOperation:
            raise whatif_service.InvalidInput("补贴比例应为数字，如 15") from None
    params = whatif_service.Params(
        budget_fen=payload.budget_fen if payload.budget_fen is not None else now.budget_fen,
        rate_percent=rate,
        # Left out: the programme's own cap; sent as null: no cap.
        max_award_fen=payload.max_award_fen
        if "max_award_fen" in payload.model_fields_set
        else now.max_award_fen,
        min_award_fen=payload.min_award_fen
        if "min_award_fen" in payload.model_fields_set
        else now.min_award_fen,
    )
    data = payload.invoices_csv.encode("utf-8") if payload.invoices_csv else None
    population = whatif_service.population(
        p,
        payload.source,
        data=data,
        filename="upload.csv",
        size=payload.size,
        seed=payload.seed,
    )
    return whatif_service.run(p, population, params)


__all__ = ["router", "HttpError"]
