"""Document pages: list, import (upload + parse status), review and publish."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from policyledger.web.accounts import permissions
from policyledger.web.accounts.models import Unit
from policyledger.web.accounts.services import suggest_units
from policyledger.web.documents import hooks
from policyledger.web.documents.highlight import document_marks, render_marked
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument, Target
from policyledger.web.documents.services import errors, importing, lifecycle, review
from policyledger.web.documents.services import levels as measure_levels
from policyledger.web.documents.services import publish as publishing
from policyledger.web.params import int_or_none, ints

logger = logging.getLogger("policyledger.web.documents")

MAX_FILES = 20


def document_list(request):
    docs = (
        permissions.visible_documents(request.user)
        .select_related("uploaded_by")
        .annotate(measure_count=Count("measures"))
    )
    docs = list(docs[:200])
    progress = hooks.progress_by_document(d.pk for d in docs)
    for d in docs:
        d.progress = progress.get(d.pk)
    return render(request, "documents/list.html", {"documents": docs})


def import_page(request):
    permissions.require_admin(request.user)
    created: list[PolicyDocument] = []
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            messages.error(request, "请选择要导入的文件")
        elif len(files) > MAX_FILES:
            messages.error(request, f"一次最多导入{MAX_FILES}个文件")
        else:
            for upload in files:
                if upload.size > settings.MAX_UPLOAD_BYTES:
                    messages.error(
                        request,
                        f"文件“{upload.name}”过大，上限为 {settings.MAX_UPLOAD_BYTES // 1048576} MB",
                    )
                    continue
                try:
                    created.append(
                        importing.import_upload(upload.read(), upload.name, request.user)
                    )
                except errors.UploadError as exc:
                    messages.error(request, str(exc))
            if created:
                messages.success(request, f"已上传{len(created)}个文件，正在后台解析")
                ids = ",".join(str(d.pk) for d in created)
                return redirect(f"{reverse('documents:import')}?ids={ids}")
    ids = _ids(request.GET.get("ids", ""))
    tracked = list(PolicyDocument.objects.filter(pk__in=ids)) if ids else []
    return render(
        request,
        "documents/import.html",
        {
            "tracked": tracked,
            "max_mb": settings.MAX_UPLOAD_BYTES // 1048576,
            "max_files": MAX_FILES,
        },
    )


def _ids(text: str) -> list[int]:
    return ints(text.split(","))[:100]


@require_GET
def status_json(request):
    """Parse status of the given documents, polled by the import page."""
    permissions.require_admin(request.user)
    ids = _ids(request.GET.get("ids", ""))
    # Counted in the same query: the page polls up to 100 documents every few seconds.
    rows = (
        PolicyDocument.objects.filter(pk__in=ids)
        .annotate(measure_count=Count("measures"))
        .order_by("pk")
    )
    return JsonResponse(
        {
            "documents": [
                {
                    "id": d.pk,
                    "name": d.source_name,
                    "title": d.title,
                    "status": d.status,
                    "status_label": d.get_status_display(),
                    "error": d.error,
                    "measures": d.measure_count,
                    "done": d.status
                    not in (PolicyDocument.Status.UPLOADED, PolicyDocument.Status.PARSING),
                    "url": reverse("documents:detail", args=[d.pk]),
                }
                for d in rows
            ]
        }
    )


def detail(request, pk: int):
    document = permissions.document_for(request.user, pk)
    measures = list(
        document.measures.prefetch_related("unit_links__unit", "targets").order_by("order", "id")
    )
    editable = (
        permissions.is_admin(request.user) and document.status == PolicyDocument.Status.REVIEW
    )
    registry = list(Unit.objects.filter(active=True)) if editable else []
    for m in measures:
        m.leads = [link for link in m.unit_links.all() if link.role == MeasureUnit.Role.LEAD]
        m.supports = [link for link in m.unit_links.all() if link.role == MeasureUnit.Role.SUPPORT]
        m.deadline = review.measure_deadline(m)
        for t in m.targets.all():
            t.value_text = _value_text(t)
        if editable:
            for link in m.unit_links.all():
                if link.unit_id is None:
                    link.suggestions = suggest_units(link.raw_name, units=registry)
    progress = hooks.progress_by_measure(m.pk for m in measures)
    for m in measures:
        m.progress = progress.get(m.pk)
    draft = request.session.pop("review_draft", None)
    for m in measures:
        m.draft = draft if draft and draft.get("measure") == m.pk else None
    marked = render_marked(document.original_text, document_marks(document, measures))
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "measures": measures,
            "marked_text": marked,
            "editable": editable,
            "is_admin": permissions.is_admin(request.user),
            "cycles": PolicyDocument.Cycle.choices,
            "levels": Unit.Level.choices,
            "target_kinds": Target.Kind.choices,
            "qualifiers": Target.Qualifier.choices,
            "diagnostics": (document.parsed or {}).get("diagnostics", []),
            "level_choices": measure_levels.level_choices(document) if editable else [],
        },
    )


def _value_text(target) -> str:
    """A target's value as the editor shows it (money in 万 when round)."""
    value = target.value

    def one(v):
        if isinstance(v, bool) or not isinstance(v, int | float):
            return str(v)
        # Decimal, not f"{v:g}": six significant digits made 12345678.91 "1.23457e+07".
        number = Decimal(str(v))
        if target.kind == "money" and number and number % 10000 == 0:
            return f"{_plain(number / 10000)}万"
        return _plain(number)

    if isinstance(value, list):
        if target.kind == "ratio":
            return ":".join(one(v) for v in value)
        return "-".join(one(v) for v in value)
    return "" if value is None else one(value)


def _plain(number: Decimal) -> str:
    """1000 -> "1000", 1.50 -> "1.5": what a person types back into the box."""
    return f"{number.normalize():f}" if number != number.to_integral_value() else f"{number:.0f}"


def _weight(text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise errors.ReviewError("权重须为数字，例如 1 或 1.5") from exc


def _version(request) -> int | None:
    return int_or_none(request.POST.get("version"))


def _date_or_none(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise errors.ReviewError("日期格式应为 年-月-日，例如 2022-12-31") from exc


def _fail(request, exc: Exception, document_pk: int, anchor: str = "", form: dict | None = None):
    messages.error(request, str(exc))
    if form is not None:
        # The text just typed is handed back to the page, so a conflict loses nothing.
        request.session["review_draft"] = form
    return redirect(reverse("documents:detail", args=[document_pk]) + anchor)


def _admin_document(request, pk: int) -> PolicyDocument:
    """The document for an administrator's action: 403 for anyone else, 404 if there is none."""
    permissions.require_admin(request.user)
    document = PolicyDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404("文件不存在")
    return document


def _review_target(request, measure_pk: int) -> Measure:
    permissions.require_admin(request.user)
    try:
        return Measure.objects.select_related("document").get(pk=measure_pk)
    except ObjectDoesNotExist as exc:
        raise Http404("措施不存在") from exc


@require_POST
def edit_measure(request, pk: int):
    measure = _review_target(request, pk)
    anchor = f"#m-{measure.pk}"
    form = {k: request.POST.get(k, "") for k in ("heading", "text", "lead", "support", "deadline")}
    form["measure"] = measure.pk
    try:
        weight_text = request.POST.get("weight", "").strip()
        deadline = _date_or_none(form["deadline"])
        # The box shows the current deadline; only a changed date overrides the date targets.
        if deadline == review.measure_deadline(measure):
            deadline = "keep"
        review.edit_measure(
            request.user,
            measure.pk,
            _version(request) or -1,
            heading=form["heading"],
            text=form["text"],
            lead_units=review.split_names(form["lead"]),
            support_units=review.split_names(form["support"]),
            deadline=deadline,
            weight=_weight(weight_text),
            targets=_target_edits(request.POST, measure),
            no_deadline=request.POST.get("no_deadline") == "1",
        )
    except ValueError as exc:
        return _fail(request, exc, measure.document_id, anchor, form)
    messages.success(request, f"措施{measure.number}已保存")
    return redirect(reverse("documents:detail", args=[measure.document_id]) + anchor)


def _target_edits(post, measure: Measure) -> list[review.TargetEdit]:
    """The target editor's rows: ``target-<id>-<field>`` per target, ``new-target-<field>``."""
    edits = []
    for target in measure.targets.all():
        prefix = f"target-{target.pk}-"
        if f"{prefix}value" not in post and f"{prefix}delete" not in post:
            continue
        edits.append(
            review.TargetEdit(
                id=target.pk,
                kind=post.get(f"{prefix}kind", target.kind),
                value=post.get(f"{prefix}value", ""),
                unit=post.get(f"{prefix}unit", target.unit),
                qualifier=post.get(f"{prefix}qualifier", target.qualifier),
                delete=post.get(f"{prefix}delete") == "1",
            )
        )
    if post.get("new-target-value", "").strip():
        edits.append(
            review.TargetEdit(
                id=None,
                kind=post.get("new-target-kind", "money"),
                value=post.get("new-target-value", ""),
                unit=post.get("new-target-unit", ""),
                qualifier=post.get("new-target-qualifier", ""),
                text=post.get("new-target-text", ""),
            )
        )
    return edits


@require_POST
def resolve_unit(request, pk: int):
    permissions.require_admin(request.user)
    link = MeasureUnit.objects.filter(pk=pk).select_related("measure").first()
    if link is None:
        raise Http404("单位不存在")
    anchor = f"#m-{link.measure_id}"
    try:
        review.resolve_unit(
            request.user,
            link.pk,
            unit_id=int_or_none(request.POST.get("unit")),
            create=request.POST.get("create") == "1",
            level=request.POST.get("level", ""),
        )
    except ValueError as exc:
        return _fail(request, exc, link.measure.document_id, anchor)
    messages.success(request, f"单位“{link.raw_name}”已匹配")
    return redirect(reverse("documents:detail", args=[link.measure.document_id]) + anchor)


@require_POST
def measure_level(request, pk: int):
    """Re-split the whole document at the numbering level the reviewer chose."""
    document = _admin_document(request, pk)
    try:
        result = measure_levels.choose_measure_level(
            request.user, document.pk, request.POST.get("level", ""), _version(request) or -1
        )
    except ValueError as exc:
        return _fail(request, exc, document.pk)
    messages.success(request, result.message)
    return redirect(reverse("documents:detail", args=[document.pk]))


@require_POST
def merge(request, pk: int):
    document = _admin_document(request, pk)
    ids = ints(request.POST.getlist("measures"))
    try:
        merged = review.merge_measures(request.user, document.pk, ids, _version(request) or -1)
    except ValueError as exc:
        return _fail(request, exc, document.pk)
    messages.success(request, f"已合并{len(ids)}条措施")
    return redirect(reverse("documents:detail", args=[document.pk]) + f"#m-{merged.pk}")


@require_POST
def split(request, pk: int):
    measure = _review_target(request, pk)
    try:
        at = int(request.POST.get("at", ""))
    except ValueError:
        at = -1
    try:
        new = review.split_measure(request.user, measure.pk, at, _version(request) or -1)
    except ValueError as exc:
        return _fail(request, exc, measure.document_id, f"#m-{measure.pk}")
    messages.success(request, "措施已拆分")
    return redirect(reverse("documents:detail", args=[measure.document_id]) + f"#m-{new.pk}")


@require_POST
def document_settings(request, pk: int):
    _admin_document(request, pk)
    try:
        review.update_settings(
            request.user,
            pk,
            _version(request) or -1,
            cycle=request.POST.get("cycle", ""),
            default_deadline=_date_or_none(request.POST.get("default_deadline", "")),
            title=request.POST.get("title"),
            short_title=request.POST.get("short_title"),
        )
    except ValueError as exc:
        return _fail(request, exc, pk)
    messages.success(request, "文件设置已保存")
    return redirect("documents:detail", pk=pk)


@require_POST
def publish(request, pk: int):
    _admin_document(request, pk)
    try:
        tasks = publishing.publish(request.user, pk, _version(request) or -1)
    except ValueError as exc:
        return _fail(request, exc, pk)
    messages.success(request, f"已发布，生成{len(tasks)}项任务")
    return redirect("documents:detail", pk=pk)


@require_POST
def delete(request, pk: int):
    """Delete a junk import (never published); the file goes with it."""
    _admin_document(request, pk)
    try:
        name = lifecycle.delete_document(request.user, pk)
    except ValueError as exc:
        return _fail(request, exc, pk)
    messages.success(request, f"已删除“{name}”")
    return redirect("documents:list")


@require_POST
def withdraw(request, pk: int):
    _admin_document(request, pk)
    try:
        lifecycle.withdraw_document(request.user, pk, request.POST.get("reason", ""))
    except ValueError as exc:
        return _fail(request, exc, pk)
    messages.success(request, "文件已撤回，其任务已关闭（报送记录保留，可恢复）")
    return redirect("documents:detail", pk=pk)


@require_POST
def restore(request, pk: int):
    _admin_document(request, pk)
    try:
        lifecycle.restore_document(request.user, pk)
    except ValueError as exc:
        return _fail(request, exc, pk)
    messages.success(request, "文件已恢复发布，撤回时关闭的任务已重新打开")
    return redirect("documents:detail", pk=pk)


@require_POST
def reopen(request, pk: int):
    _admin_document(request, pk)
    try:
        lifecycle.reopen_document(request.user, pk, request.POST.get("reason", ""))
    except ValueError as exc:
        return _fail(request, exc, pk)
    messages.success(request, "文件已退回待审核，修改措施后请重新发布")
    return redirect("documents:detail", pk=pk)


def source(request, pk: int):
    """The uploaded file, for administrators only (served by the app, never from static)."""
    document = _admin_document(request, pk)
    if not document.source_file:
        raise Http404("文件不存在")
    return FileResponse(
        document.source_file.open("rb"),
        as_attachment=True,
        filename=document.source_name or "document",
    )
