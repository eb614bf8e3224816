"""Pages: the monitoring dashboard (actual vs target path), the release import, linking targets,
and the monthly 运行分析 with its .docx. Views only call the services."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from policyledger.web.accounts import permissions
from policyledger.web.core.errors import ServiceError
from policyledger.web.documents.models import PolicyDocument, Target
from policyledger.web.monitoring.docx import render_analysis_docx, render_evaluation_docx
from policyledger.web.monitoring.models import ImportBatch, Indicator, IndicatorTarget
from policyledger.web.monitoring.services import analysis as analysis_service
from policyledger.web.monitoring.services import evaluation as evaluation_service
from policyledger.web.monitoring.services import targets as target_service
from policyledger.web.monitoring.services.importing import ImportError_, import_release
from policyledger.web.tracking import hooks as tracking_hooks

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _readers(request) -> None:
    permissions.require_role(request.user, permissions.ADMIN, permissions.VIEWER)


def index(request):
    _readers(request)
    links = list(IndicatorTarget.objects.select_related("indicator", "target"))
    charts = []
    for link in links:
        points = target_service.path_of(link)
        charts.append(
            {
                "id": link.pk,
                "title": f"{link.indicator} {link.year}年",
                "unit": "%" if link.kind == IndicatorTarget.Kind.GROWTH else link.indicator.unit,
                "months": [f"{p.month}月" for p in points],
                "path": [str(p.path) for p in points],
                "actual": [None if p.actual is None else str(p.actual) for p in points],
            }
        )
    return render(
        request,
        "monitoring/index.html",
        {
            "links": links,
            "charts": charts,
            "indicators": Indicator.objects.count(),
            "simulated": Indicator.objects.filter(simulated=True).count(),
            "regions": analysis_service.regions(),
            "batches": ImportBatch.objects.select_related("by")[:10],
        },
    )


def import_page(request):
    permissions.require_admin(request.user)
    problems: list[str] = []
    form = {"region": "", "year": "", "month": "", "tolerance": "0", "source": "stats"}
    if request.method == "POST":
        form.update({k: request.POST.get(k, "").strip() for k in form})
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ServiceError("请选择要导入的 xlsx 或 csv 文件")
            data = _checked_upload(upload)
            result = import_release(
                data,
                upload.name,
                user=request.user,
                source_kind=form["source"]
                if form["source"] in Indicator.Source.values
                else "stats",
                region=form["region"][:60],
                year=_int(form["year"]),
                month=_int(form["month"]),
                yoy_tolerance=_decimal(form["tolerance"]),
            )
        except ImportError_ as error:
            problems = [str(p) for p in error.problems]
        except ServiceError as error:
            problems = [error.message]
        else:
            messages.success(
                request, f"已导入{result.values}条数值（新登记指标{result.new_indicators}个）"
            )
            return redirect("monitoring:index")
    return render(
        request,
        "monitoring/import.html",
        {"form": form, "problems": problems, "sources": Indicator.Source.choices},
    )


def targets_page(request):
    permissions.require_admin(request.user)
    if request.method == "POST":
        indicator = get_object_or_404(Indicator, pk=_int(request.POST.get("indicator")) or 0)
        target = Target.objects.filter(pk=_int(request.POST.get("target")) or 0).first()
        try:
            target_service.link_target(
                request.user,
                indicator=indicator,
                year=_int(request.POST.get("year")) or 0,
                kind=request.POST.get("kind", ""),
                value=_decimal(request.POST.get("value", "")),
                target=target,
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已关联到“{indicator}”")
        return redirect("monitoring:targets")
    candidates = (
        Target.objects.filter(
            kind__in=[Target.Kind.PERCENT, Target.Kind.MONEY],
            measure__document__status=PolicyDocument.Status.PUBLISHED,
        )
        .select_related("measure")
        .order_by("measure__document_id", "measure__order", "order")[:200]
    )
    return render(
        request,
        "monitoring/targets.html",
        {
            "candidates": candidates,
            "indicators": Indicator.objects.filter(category="")[:500],
            "links": IndicatorTarget.objects.select_related("indicator", "target"),
            "kinds": IndicatorTarget.Kind.choices,
            "year": dt.date.today().year,
        },
    )


def _analysis(request):
    _readers(request)
    regions = analysis_service.regions()
    region = request.GET.get("region") or (regions[0] if regions else "")
    month = _month(request.GET.get("month", "")) or analysis_service.latest_month(region)
    return regions, region, month


def analysis_page(request):
    regions, region, month = _analysis(request)
    data = analysis_service.analysis(region, month) if month else None
    chart = None
    if data is not None:
        chart = {
            "categories": [f.indicator.name for f in data.categories],
            "category_yoy": [_s(f.yoy_current) for f in data.categories],
            "regions": [f.indicator.region for f in data.regions],
            "region_yoy": [_s(f.yoy_cumulative) for f in data.regions],
            "trend_months": [f"{m.year}-{m.month:02d}" for m, _, _ in data.trend],
            "trend_values": [_s(v) for _, v, _ in data.trend],
            "trend_yoy": [_s(y) for _, _, y in data.trend],
        }
    return render(
        request,
        "monitoring/analysis.html",
        {
            "regions": regions,
            "region": region,
            "month": month,
            "data": data,
            "summary": analysis_service.summary(data) if data else "",
            "chart": chart,
        },
    )


def analysis_docx(request):
    regions, region, month = _analysis(request)
    if month is None:
        messages.error(request, "该地区暂无数据")
        return redirect("monitoring:analysis")
    data = analysis_service.analysis(region, month)
    response = HttpResponse(render_analysis_docx(data), content_type=DOCX)
    name = f"{data.label}{region}消费市场运行情况.docx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def evaluations(request):
    _readers(request)
    return render(
        request,
        "monitoring/evaluations.html",
        {"programmes": tracking_hooks.programmes(), "year": dt.date.today().year},
    )


def _evaluation(request, key: str):
    _readers(request)
    found = evaluation_service.evaluate(key, request.GET.get("region", "")[:60])
    if found is None:
        raise Http404("没有该项目")
    return found


def evaluation_page(request, key: str):
    found = _evaluation(request, key)
    return render(
        request,
        "monitoring/evaluation.html",
        {"e": found, "r": found.result, "tolerance": evaluation_service.PRETREND_TOLERANCE},
    )


def evaluation_docx(request, key: str):
    found = _evaluation(request, key)
    response = HttpResponse(render_evaluation_docx(found), content_type=DOCX)
    from urllib.parse import quote

    name = f"{found.result.name}绩效评价报告.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _checked_upload(upload) -> bytes:
    """The upload's bytes within MAX_UPLOAD_BYTES; an xlsx is checked against zip bombs first."""
    from django.conf import settings

    from policyledger.archives import check_zip
    from policyledger.web.uploads import TooLarge, read_capped

    try:
        data = read_capped(upload, settings.MAX_UPLOAD_BYTES)
        if upload.name.lower().endswith((".xlsx", ".xlsm")):
            check_zip(
                data,
                max_bytes=settings.MAX_UNCOMPRESSED_BYTES,
                max_members=settings.MAX_ZIP_MEMBERS,
                what="Excel文件",
            )
    except TooLarge as error:
        raise ServiceError(
            f"{error}；更大的文件请用命令 policyledger monitoring import 导入"
        ) from error
    except ValueError as error:
        raise ServiceError(str(error)) from error
    return data


def year_end_docx(request, year: int):
    _readers(request)
    from policyledger.web.monitoring.docx import render_year_end_docx
    from policyledger.web.monitoring.services.yearend import year_end

    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    response = HttpResponse(render_year_end_docx(year_end(year)), content_type=DOCX)
    from urllib.parse import quote

    name = f"{year}年度政策落实绩效评价报告.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _int(text) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(str(text).strip() or "0")
    except InvalidOperation as exc:
        raise ServiceError(f"“{text}”不是数字") from exc
    if not value.is_finite():
        raise ServiceError(f"“{text}”不是数字")
    return value


def _month(text: str) -> dt.date | None:
    match = re.match(r"^(\d{4})-(\d{1,2})$", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)
