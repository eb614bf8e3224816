"""Officers (牵头办): programmes from measures, rules, review, 公示, payment, imports, roll-up."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .forms import ProgrammeForm, WhatIfForm
from .models import Application, Objection, PaymentBatch, Programme, RuleVersion, money, yuan
from .rollup import all_measures
from .services import applications as svc
from .services import auto, notices, payment, programmes
from .services import rules as rule_service
from .services import whatif as whatif_service
from .services.calculator import parse_yuan
from .services.errors import InvalidInput, SubsidyError
from .services.explain import clause_html
from .views_public import status_counts
from .web_common import is_reader, require_officer

S = Application.Status


def _require_reader(user):
    from django.core.exceptions import PermissionDenied

    if not is_reader(user):
        raise PermissionDenied("只有牵头办和领导可以查看兑现项目")


@require_GET
def manage_list(request):
    _require_reader(request.user)
    rows = []
    for p in Programme.objects.select_related("measure__document").order_by("-id"):
        rows.append(
            {
                "p": p,
                "budget": money(p.budget_fen),
                "committed": money(p.committed_fen),
                "paid": money(p.paid_fen),
                "share": round(p.committed_fen * 100 / p.budget_fen) if p.budget_fen else 0,
            }
        )
    return render(request, "subsidies/manage_list.html", {"rows": rows})


def _fen_or_none(text: str, what: str) -> int | None:
    return parse_yuan(text, what) if text not in (None, "") else None


@require_http_methods(["GET", "POST"])
def manage_new(request):
    require_officer(request.user)
    from policyledger.web.documents.models import Measure

    measure = None
    if request.GET.get("measure", "").isdigit():
        measure = Measure.objects.filter(
            pk=int(request.GET["measure"]), document__status="published"
        ).first()
    initial = {"notice_days": 5, "overflow": Programme.Overflow.REFUSE}
    prefill = {}
    if measure is not None:
        prefill = programmes.prefill_from_measure(measure)
        initial.update(
            name=measure.heading or str(measure),
            kind=prefill.get("kind", Programme.Kind.RATE),
            budget=yuan(prefill["budget_fen"]).replace(",", "") if "budget_fen" in prefill else "",
            rate_percent=prefill.get("rate_percent"),
            min_award=yuan(prefill["min_award_fen"]).replace(",", "")
            if "min_award_fen" in prefill
            else "",
            max_award=yuan(prefill["max_award_fen"]).replace(",", "")
            if "max_award_fen" in prefill
            else "",
        )
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            programme = programmes.create_programme(
                measure=measure,
                name=d["name"],
                kind=d["kind"],
                budget_fen=parse_yuan(d["budget"], "资金总额"),
                rate_percent=d.get("rate_percent"),
                min_award_fen=_fen_or_none(d.get("min_award"), "单笔下限"),
                max_award_fen=_fen_or_none(d.get("max_award"), "单笔上限"),
                manual_over_fen=_fen_or_none(d.get("manual_over"), "人工复核金额"),
                sectors=[
                    s.strip()
                    for s in d.get("sectors", "").replace("，", ",").split(",")
                    if s.strip()
                ],
                exclusion_group=d.get("exclusion_group", "").strip(),
                notice_days=d["notice_days"],
                overflow=d["overflow"],
            )
            programmes.install_default_rule(programme, publish=False)
        except SubsidyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"项目「{programme.name}」已创建（草稿），已按参数生成规则草稿"
            )
            return redirect("subsidies:manage_detail", pk=programme.pk)
    measures = Measure.objects.filter(document__status="published").select_related("document")[:300]
    return render(
        request,
        "subsidies/manage_new.html",
        {"form": form, "measure": measure, "prefill": prefill, "measures": measures},
    )


def _table_view(jdm: dict) -> list[dict]:
    """Decision tables of a JDM as header + rows for a read-only HTML view."""
    out = []
    for node in jdm.get("nodes", []):
        if node.get("type") != "decisionTableNode":
            continue
        content = node.get("content", {})
        ins, outs = content.get("inputs", []), content.get("outputs", [])
        rows = []
        for r in content.get("rules", []):
            rows.append(
                {
                    "cells": [r.get(c["id"], "") for c in ins] + [r.get(c["id"], "") for c in outs],
                    "pairs": [
                        (r.get(c["id"], ""), f"{node.get('id')}|{len(rows)}|{c['id']}")
                        for c in ins + outs
                    ],
                    "description": r.get("_description", ""),
                    "description_key": f"{node.get('id')}|{len(rows)}|_description",
                }
            )
        out.append(
            {
                "id": node.get("id"),
                "name": node.get("name"),
                "header": [c.get("name") for c in ins] + [c.get("name") for c in outs],
                "columns": [c["id"] for c in ins] + [c["id"] for c in outs],
                "n_in": len(ins),
                "rows": rows,
            }
        )
    return out


@require_GET
def manage_detail(request, pk: int):
    _require_reader(request.user)
    programme = get_object_or_404(Programme.objects.select_related("measure__document"), pk=pk)
    status = request.GET.get("status", "")
    apps = programme.applications.select_related("applicant").order_by("submitted_at", "id")
    if status:
        apps = apps.filter(status=status)
    versions = list(programme.rules.all())
    ctx = {
        "p": programme,
        "budget": money(programme.budget_fen),
        "committed": money(programme.committed_fen),
        "paid": money(programme.paid_fen),
        "available": money(programme.available_fen),
        "caps": programme.region_caps.all(),
        "versions": versions,
        "tables": {v.pk: _table_view(v.jdm) for v in versions[:3]},
        "editable": _table_view(versions[0].jdm) if versions else [],
        "latest": versions[0] if versions else None,
        # The latest rule as JSON text (escaped by the template), to edit and save back.
        "jdm_text": json.dumps(versions[0].jdm, ensure_ascii=False, indent=1) if versions else "",
        "apps": apps[:500],
        "counts": status_counts(programme),
        "statuses": Application.Status.choices,
        "status": status,
        "notices": programme.notices.all(),
        "batches": programme.batches.all(),
        "objections": Objection.objects.filter(notice__programme=programme).select_related(
            "application"
        ),
        "payable": len(notices.payable(programme)),
        "clause": clause_html(programme),
        "yuan": yuan,
        # A refused budget change: the typed text and the error, shown beside the field once.
        "budget_form": request.session.pop(f"subsidies-budget-{programme.pk}", None),
    }
    return render(request, "subsidies/manage_detail.html", ctx)


@require_POST
def manage_action(request, pk: int):
    require_officer(request.user)
    programme = get_object_or_404(Programme, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "open":
            programmes.open_programme(programme)
            messages.success(request, "项目开始受理")
        elif action == "close":
            Programme.objects.filter(pk=pk).update(status=Programme.Status.CLOSED)
            messages.success(request, "项目已结束受理")
        elif action == "budget":
            typed = request.POST.get("budget", "")[:40]
            try:
                programmes.set_budget(programme, parse_yuan(typed, "资金总额"))
            except SubsidyError as exc:
                request.session[f"subsidies-budget-{pk}"] = {"value": typed, "error": exc.message}
                raise
            messages.success(request, "资金总额已修改")
        elif action == "notice":
            notice = notices.publish_notice(request.user, programme)
            messages.success(
                request,
                f"公示已发布：{notice.starts_on:%m月%d日}至{notice.ends_on:%m月%d日}（{programme.notice_days}个工作日）",
            )
        elif action == "batch":
            batch = payment.create_batch(request.user, programme)
            messages.success(request, payment.batch_summary(batch))
        elif action == "queue":
            messages.success(
                request, f"按排队顺序审核通过{svc.advance_queue(request.user, programme)}笔"
            )
        elif action == "transfer":
            for line in auto.compute_transfer(programme, request.user):
                messages.info(request, line)
        elif action in ("import_auto", "import_paper"):
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput("请选择要导入的 xlsx 或 csv 文件")
            if upload.size > 20 * 1024 * 1024:
                raise InvalidInput("导入文件不超过20MB")
            fn = auto.import_invoices if action == "import_auto" else auto.import_applications
            result = fn(programme, upload.read(), upload.name, request.user)
            messages.success(
                request,
                f"导入{result.rows}行：生成{result.created}条，{result.not_eligible}行不符合条件，合计{result.total_yuan}元",
            )
        elif action == "rule":
            jdm = json.loads(request.POST.get("jdm") or "{}")
            cases = json.loads(request.POST.get("cases") or "[]")
            start = dt.date.fromisoformat(request.POST.get("effective_from", ""))
            version = rule_service.add_version(
                programme, jdm, start, cases=cases, note=request.POST.get("note", "")
            )
            messages.success(request, f"规则版本v{version.number}已保存（草稿）")
        elif action == "edit_rule":
            base = get_object_or_404(
                RuleVersion, pk=int(request.POST.get("version", 0)), programme=programme
            )
            cells = {k[5:]: v for k, v in request.POST.items() if k.startswith("cell|")}
            new_rows: dict[str, dict[str, str]] = {}
            for k, v in request.POST.items():
                if k.startswith("new|"):
                    _, node_id, column = k.split("|", 2)
                    new_rows.setdefault(node_id, {})[column] = v
            jdm = rule_service.edit_tables(base.jdm, cells, new_rows)
            start = dt.date.fromisoformat(request.POST.get("effective_from", ""))
            version = rule_service.add_version(
                programme,
                jdm,
                start,
                cases=base.cases,
                note=request.POST.get("note", "") or f"由v{base.number}修改",
            )
            failed = [r for r in version.case_results if not r["ok"]]
            messages.success(
                request,
                f"规则版本v{version.number}已保存（草稿）"
                + (
                    f"；{len(failed)}个测试用例未通过，修改用例或规则后才能发布"
                    if failed
                    else "；测试用例全部通过"
                ),
            )
        elif action == "publish_rule":
            version = get_object_or_404(
                RuleVersion, pk=int(request.POST.get("version", 0)), programme=programme
            )
            rule_service.publish(version, request.user)
            messages.success(request, f"规则版本v{version.number}已发布")
        else:
            messages.error(request, "未知操作")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    except (ValueError, json.JSONDecodeError):
        messages.error(request, "规则须为 JSON，生效日期格式为 2026-05-01")
    return redirect("subsidies:manage_detail", pk=pk)


@require_POST
def review(request, number: str):
    require_officer(request.user)
    app = get_object_or_404(Application, number=number)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            amount = request.POST.get("amount", "")
            app = svc.approve(
                request.user,
                app,
                amount_fen=parse_yuan(amount, "核定金额") if amount else None,
                note=reason,
            )
            if app.status == S.QUEUED:
                messages.warning(request, f"资金不足，申请{app.number}已按提交顺序排队")
            else:
                messages.success(request, f"申请{app.number}审核通过，核定{money(app.awarded_fen)}")
        elif action == "return":
            svc.return_for_changes(request.user, app, reason)
            messages.success(request, f"申请{app.number}已退回补正")
        elif action == "reject":
            svc.reject(request.user, app, reason)
            messages.success(request, f"申请{app.number}不予支持")
        else:
            messages.error(request, "未知操作")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    return redirect("subsidies:application", number=number)


@require_POST
def objection(request, pk: int):
    require_officer(request.user)
    item = get_object_or_404(Objection.objects.select_related("notice"), pk=pk)
    try:
        notices.decide_objection(
            request.user,
            pk,
            upheld=request.POST.get("upheld") == "1",
            note=request.POST.get("note", ""),
        )
        messages.success(request, "异议已处理")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    return redirect("subsidies:manage_detail", pk=item.notice.programme_id)


@require_GET
def batch_xlsx(request, pk: int):
    require_officer(request.user)
    batch = get_object_or_404(PaymentBatch.objects.select_related("programme"), pk=pk)
    response = HttpResponse(
        payment.export_xlsx(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.xlsx"'
    return response


@require_POST
def batch_paid(request, pk: int):
    require_officer(request.user)
    batch = get_object_or_404(PaymentBatch, pk=pk)
    try:
        payment.mark_paid(request.user, pk, request.POST.get("receipt", ""))
        messages.success(request, f"拨付批次{pk}已标记拨付")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    return redirect("subsidies:manage_detail", pk=batch.programme_id)


@require_GET
def measures(request):
    _require_reader(request.user)
    from policyledger.web.documents.models import Measure

    rows = all_measures()
    names = {
        m.pk: m
        for m in Measure.objects.filter(pk__in=[r["measure"] for r in rows]).select_related(
            "document"
        )
    }
    for r in rows:
        r["m"] = names.get(r["measure"])
        for key in ("target_fen", "budget_fen", "committed_fen", "paid_fen"):
            r[key.replace("_fen", "")] = yuan(r[key]) if r[key] is not None else "—"
    return render(request, "subsidies/measures.html", {"rows": rows})


@require_POST
def open_account(request, pk: int):
    """After checking the person's papers at the counter, open an account for an existing record
    (registering online cannot take over a record that already has entitlements)."""
    from .models import Applicant
    from .services.applicants import link_account

    require_officer(request.user)
    applicant = get_object_or_404(Applicant, pk=pk)
    password = request.POST.get("password", "")
    try:
        if len(password) < 10:
            raise InvalidInput("初始密码至少10位")
        link_account(request.user, applicant, request.POST.get("username", "").strip(), password)
        messages.success(request, f"已为{applicant.name}开通账号")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    number = request.POST.get("number", "")
    if number:
        return redirect("subsidies:application", number=number)
    return redirect("subsidies:manage")


def _plain_yuan(fen: int | None) -> str:
    return "" if fen is None else yuan(fen).replace(",", "")


@require_http_methods(["GET", "POST"])
def whatif(request, pk: int):
    """测算: baseline (the programme as it stands) vs a scenario over one population."""
    _require_reader(request.user)
    programme = get_object_or_404(Programme, pk=pk)
    now = whatif_service.current_params(programme)
    initial = {
        "source": "generated",
        "size": 10_000,
        "seed": 2026,
        # 10.000 -> "10" (the form shows what the officer would type)
        "rate_percent": (
            format(now.rate_percent.normalize(), "f") if now.rate_percent is not None else None
        ),
        "max_award": _plain_yuan(now.max_award_fen),
        "min_award": _plain_yuan(now.min_award_fen),
        "budget": _plain_yuan(now.budget_fen),
    }
    form = WhatIfForm(request.POST or None, request.FILES or None, initial=initial)
    report = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d.get("upload")
        try:
            if upload is not None and upload.size > whatif_service.MAX_UPLOAD_BYTES:
                raise InvalidInput("文件过大：最多 5 MB")
            population = whatif_service.population(
                programme,
                d["source"],
                data=upload.read() if upload is not None else None,
                filename=upload.name if upload is not None else "",
                size=d.get("size") or 10_000,
                seed=d.get("seed") if d.get("seed") is not None else 2026,
            )
            params = whatif_service.Params(
                budget_fen=parse_yuan(d["budget"], "资金总额"),
                rate_percent=d.get("rate_percent"),
                max_award_fen=_fen_or_none(d.get("max_award"), "单笔上限"),
                min_award_fen=_fen_or_none(d.get("min_award"), "单笔下限"),
            )
            report = whatif_service.run(programme, population, params)
        except SubsidyError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "subsidies/whatif.html",
        {
            "programme": programme,
            "form": form,
            "report": report,
            "chart": report["chart"] if report else None,
            "max_upload_mb": whatif_service.MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )
