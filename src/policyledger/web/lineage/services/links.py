"""Proposed links from the matcher, confirmed or rejected by staff with an audit trail."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils import timezone

from policyledger.web.accounts.permissions import is_admin
from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import Measure, PolicyDocument
from policyledger.web.lineage.models import Citation, MeasureLink
from policyledger.web.lineage.services import LineageError
from policyledger.web.lineage.services import index as candidate_index


def cited_parents(document: PolicyDocument) -> list[int]:
    return list(
        Citation.objects.filter(citing=document, resolved__isnull=False)
        .values_list("resolved_id", flat=True)
        .distinct()
    )


@transaction.atomic
def propose_for(document: PolicyDocument, *, library_documents: int = 5) -> int:
    """Store the matcher's candidates for every measure of ``document`` as proposed links.

    The documents it cites come first, then the library. Links already decided keep their
    decision; proposals no longer made are dropped. Returns the number of proposed links.
    """
    measures = list(document.measures.order_by("order", "id"))
    if not measures:
        return 0
    index = candidate_index.get()
    result = index.propose(
        candidate_index.as_document(document),
        parents=cited_parents(document),
        documents=library_documents,
        exclude=[document.pk],
    )
    parent_ids: dict[tuple[int, int], int] = {}
    for key in set(result.keys):
        ordered = list(
            Measure.objects.filter(document_id=key)
            .order_by("order", "id")
            .values_list("pk", flat=True)
        )
        for i, pk in enumerate(ordered):
            parent_ids[(key, i)] = pk
    MeasureLink.objects.filter(
        child__document=document, status=MeasureLink.Status.PROPOSED
    ).delete()
    decided = set(
        MeasureLink.objects.filter(child__document=document).values_list("child_id", "parent_id")
    )
    created = 0
    for measure, proposal in zip(measures, result.proposals, strict=True):
        for c in proposal.candidates:
            parent_id = parent_ids.get((result.keys[c.parent.document], c.parent.measure))
            if parent_id is None or (measure.pk, parent_id) in decided:
                continue
            MeasureLink.objects.create(
                child=measure,
                parent_id=parent_id,
                score=round(c.score, 4),
                confidence=c.confidence,
                shared=c.shared,
            )
            created += 1
    return created


def _snapshot(link: MeasureLink) -> dict:
    return {"status": link.status, "child": link.child_id, "parent": link.parent_id}


@transaction.atomic
def decide(user, link_id: int, status: str) -> MeasureLink:
    """Confirm or reject a link (administrators only); recorded in the audit log."""
    if not is_admin(user):
        raise LineageError("只有牵头办管理员可以确认或否决承接关系")
    if status not in (
        MeasureLink.Status.CONFIRMED,
        MeasureLink.Status.REJECTED,
        MeasureLink.Status.PROPOSED,
    ):
        raise LineageError("状态只能是已确认、已否决或待确认")
    link = MeasureLink.objects.select_for_update().filter(pk=link_id).first()
    if link is None:
        raise LineageError("承接关系不存在")
    before = _snapshot(link)
    link.status = status
    link.decided_by = user if status != MeasureLink.Status.PROPOSED else None
    link.decided_at = timezone.now() if status != MeasureLink.Status.PROPOSED else None
    link.save(update_fields=["status", "decided_by", "decided_at"])
    AuditLog.objects.create(
        actor=user,
        action=f"lineage.{status}",
        object_type="measurelink",
        object_id=str(link.pk),
        before=before,
        after=_snapshot(link),
        at=timezone.now(),
    )
    return link


@transaction.atomic
def add_link(user, child_id: int, parent_id: int) -> MeasureLink:
    """A link the matcher did not propose, added and confirmed by a person."""
    if not is_admin(user):
        raise LineageError("只有牵头办管理员可以添加承接关系")
    child = Measure.objects.filter(pk=child_id).first()
    parent = Measure.objects.filter(pk=parent_id).first()
    if child is None or parent is None:
        raise LineageError("措施不存在")
    if child.document_id == parent.document_id:
        raise LineageError("不能把同一文件中的两条措施设为承接关系")
    link, _ = MeasureLink.objects.get_or_create(child=child, parent=parent)
    return decide(user, link.pk, MeasureLink.Status.CONFIRMED)


def history(link: MeasureLink):
    return AuditLog.objects.filter(object_type="measurelink", object_id=str(link.pk)).order_by(
        "at", "id"
    )


EXPORT_COLUMNS = [
    "下级文件",
    "下级措施序号",
    "下级措施",
    "上级文件",
    "上级措施序号",
    "上级措施",
    "得分",
    "置信度",
    "状态",
    "确认人",
    "确认时间",
    "共有片段",
]


def export_rows(links):
    for link in links.select_related("child__document", "parent__document", "decided_by"):
        yield [
            link.child.document.title,
            link.child.number,
            link.child.heading,
            link.parent.document.title,
            link.parent.number,
            link.parent.heading,
            f"{link.score:.2f}",
            link.confidence,
            link.get_status_display(),
            link.decided_by.get_username() if link.decided_by else "",
            timezone.localtime(link.decided_at).strftime("%Y-%m-%d %H:%M")
            if link.decided_at
            else "",
            "；".join(link.shared or []),
        ]


def export_csv(links) -> bytes:
    """CSV (UTF-8 with BOM for Excel); cells that a spreadsheet would run as formulas are quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(links):
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _text(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
