"""Which documents were in the programme at a given moment, from their dated status history.

A document is in the programme at ``moment`` when it was first published before it and its last
status change before it (``StatusChange``) did not withdraw it. A withdrawal (or a restoration)
therefore changes the periods after it and never the periods before it: a 通报 for a month that
ended before the withdrawal, downloaded again later, still counts the document. A reopened
document (sent back to review after publication) stays in: its tasks stay open meanwhile.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from policyledger.web.documents.models import PolicyDocument, StatusChange

S = PolicyDocument.Status


def in_programme(moment: dt.datetime, document_ids=None) -> QuerySet[PolicyDocument]:
    """The documents in the programme at ``moment`` (or those of ``document_ids`` that were)."""
    last = (
        StatusChange.objects.filter(document=OuterRef("pk"), at__lt=moment)
        .order_by("-at", "-pk")
        .values("new")[:1]
    )
    documents = (
        PolicyDocument.objects.filter(published_at__lt=moment)
        .annotate(status_then=Coalesce(Subquery(last), Value(S.PUBLISHED)))
        .exclude(status_then=S.WITHDRAWN)
    )
    if document_ids is not None:
        documents = documents.filter(pk__in=document_ids)
    return documents
