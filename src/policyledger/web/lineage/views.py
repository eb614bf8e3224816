"""Library and lineage pages: thin views over services/."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from policyledger.lineage.levels import LEVELS
from policyledger.web.accounts import permissions
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.lineage.marks import mark_phrases
from policyledger.web.lineage.models import Citation, DocumentPlace, MeasureLink
from policyledger.web.lineage.services import LineageError, library, links, report


def int_or_none(text: str | None) -> int | None:
    """A positive id that fits a database column, else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text) or None


def _readable(request, pk: int) -> PolicyDocument:
    if permissions.role_of(request.user) is None:
        raise Http404
    return get_object_or_404(permissions.visible_documents(request.user), pk=pk)


def library_page(request):
    if permissions.role_of(request.user) is None:
        raise Http404
    level = request.GET.get("level", "")
    region = request.GET.get("region", "").strip()
    issuer = request.GET.get("issuer", "").strip()
    year = int_or_none(request.GET.get("year"))
    query = request.GET.get("q", "").strip()[:100]
    docs = permissions.visible_documents(
        request.user,
        library.library(
            level=level if level in LEVELS else "", region=region, issuer=issuer, year=year
        ),
    )
    hits = library.search(docs, query) if query else None
    return render(
        request,
        "lineage/library.html",
        {
            "documents": None if query else docs[:200],
            "hits": hits,
            "levels": LEVELS,
            "years": library.years(),
            "f": {"level": level, "region": region, "issuer": issuer, "year": year, "q": query},
        },
    )


def document_page(request, pk: int):
    document = _readable(request, pk)
    place = DocumentPlace.objects.filter(document=document).first()
    rows = []
    link_qs = MeasureLink.objects.filter(child__document=document).select_related(
        "parent", "parent__document", "decided_by"
    )
    by_child: dict[int, list[MeasureLink]] = {}
    for link in link_qs.order_by("-score"):
        by_child.setdefault(link.child_id, []).append(link)
    for measure in document.measures.order_by("order", "id"):
        pairs = []
        for link in by_child.get(measure.pk, []):
            pairs.append(
                {
                    "link": link,
                    "child_text": mark_phrases(measure.text, link.shared or []),
                    "parent_text": mark_phrases(link.parent.text, link.shared or []),
                }
            )
        rows.append({"measure": measure, "pairs": pairs})
    return render(
        request,
        "lineage/document.html",
        {
            "document": document,
            "place": place,
            "levels": LEVELS,
            "citations": Citation.objects.filter(citing=document).select_related("resolved"),
            "cited_by": Citation.objects.filter(resolved=document).select_related("citing"),
            "rows": rows,
            "is_admin": permissions.is_admin(request.user),
            "parents": sorted(
                {x.parent.document for ls in by_child.values() for x in ls}, key=lambda d: d.pk
            ),
        },
    )


@require_POST
def propose_view(request, pk: int):
    permissions.require_admin(request.user)
    document = _readable(request, pk)
    count = links.propose_for(document)
    messages.success(request, f"已生成 {count} 条候选承接关系")
    return redirect("lineage:document", pk=pk)


@require_POST
def decide_view(request, link_id: int):
    permissions.require_admin(request.user)
    link = get_object_or_404(MeasureLink.objects.select_related("child"), pk=link_id)
    target = (
        reverse("lineage:document", args=[link.child.document_id]) + f"#measure-{link.child_id}"
    )
    try:
        link = links.decide(request.user, link_id, request.POST.get("status", ""))
    except LineageError as exc:
        messages.error(request, str(exc))
        return redirect(target)
    messages.success(
        request, f"{link.get_status_display()}：{link.child.number} ← {link.parent.number}"
    )
    return redirect(target)


@require_POST
def place_view(request, pk: int):
    permissions.require_admin(request.user)
    document = _readable(request, pk)
    try:
        library.set_place(document, request.POST.get("level", ""), request.POST.get("region", ""))
        messages.success(request, "已更新层级和地区")
    except LineageError as exc:
        messages.error(request, str(exc))
    return redirect("lineage:document", pk=pk)


def report_page(request, pk: int):
    document = _readable(request, pk)
    parent_id = int_or_none(request.GET.get("parent"))
    parent = _readable(request, parent_id) if parent_id else None
    include_proposed = request.GET.get("proposed") == "1"
    built = report.build(document, parent, confirmed_only=not include_proposed)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            report.xlsx(built),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="report-{document.pk}.xlsx"'
        return response
    if request.GET.get("format") == "docx":
        response = HttpResponse(
            report.docx(built),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="report-{document.pk}.docx"'
        return response
    return render(
        request,
        "lineage/report.html",
        {
            "document": document,
            "parent": parent,
            "report": built,
            "include_proposed": include_proposed,
        },
    )


def coverage_page(request, pk: int):
    document = _readable(request, pk)
    data = report.coverage(document, confirmed_only=request.GET.get("proposed") != "1")
    matrix = {
        "measures": [f"{m.number} {m.heading}"[:24] for m in data.measures],
        "regions": data.regions,
        "cells": [
            [r, i, data.cells.get((m.pk, region), 0)]
            for i, m in enumerate(data.measures)
            for r, region in enumerate(data.regions)
        ],
    }
    return render(
        request, "lineage/coverage.html", {"document": document, "matrix": matrix, "coverage": data}
    )


def export_links(request):
    permissions.require_role(request.user, permissions.ADMIN, permissions.VIEWER)
    qs = MeasureLink.objects.all()
    status = request.GET.get("status")
    if status in MeasureLink.Status.values:
        qs = qs.filter(status=status)
    response = HttpResponse(links.export_csv(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lineage-links.csv"'
    return response
