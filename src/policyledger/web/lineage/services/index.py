"""The library's candidate index: one per process, in memory, with its LSH in Redis when
settings.REDIS_URL is set (datasketch's Redis storage, shared by web and worker processes).

Built lazily from the database on first use; ``rebuild`` starts afresh (the ``policyledger lineage
rebuild-index`` command); imports update it through ``library.refresh``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings

from policyledger.lineage import LineageIndex
from policyledger.parsing.model import Document, Source
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.documents.services.parsed import parsed_measure

_lock = threading.Lock()
_index: LineageIndex | None = None


def as_document(document: PolicyDocument) -> Document:
    """The parser's Document for a stored document (its reviewed measures)."""
    measures = [parsed_measure(m) for m in document.measures.order_by("order", "id")]
    return Document(
        source=Source(document.source_name or f"document-{document.pk}", document.source_sha256, 0),
        title=document.title or None,
        issuer=document.issuer or None,
        doc_number=document.doc_number or None,
        date=document.signed_on.isoformat() if document.signed_on else None,
        region=document.region or None,
        measures=measures,
    )


def _new() -> LineageIndex:
    url = getattr(settings, "REDIS_URL", "")
    return LineageIndex(redis_url=url or None, basename="policyledger:lineage")


def _documents():
    return PolicyDocument.objects.filter(measures__isnull=False).distinct().order_by("pk")


def get() -> LineageIndex:
    global _index
    with _lock:
        if _index is None:
            index = _new()
            for document in _documents():
                index.add(document.pk, as_document(document))
            _index = index
        return _index


def rebuild(progress: Callable[[int], None] | None = None, processes: int = 1) -> LineageIndex:
    """A fresh index of every document with measures (Redis keys of the old LSH are dropped)."""
    global _index
    index = _new()
    _clear_redis()
    index.build(
        ((d.pk, as_document(d)) for d in _documents()), processes=processes, progress=progress
    )
    with _lock:
        _index = index
    return index


def update(document: PolicyDocument) -> None:
    """Re-index one document after an import or a measure edit (cheap: only if already built)."""
    global _index
    with _lock:
        if _index is None:
            return
        if document.pk in _index.by_key:
            indexed = [m.text for m in _index.docs[_index.by_key[document.pk]].measures]
            current = list(document.measures.order_by("order", "id").values_list("text", flat=True))
            if indexed != current:
                _index = None  # rows cannot be removed in place; rebuilt lazily on next use
            return
        if document.measures.exists():
            _index.add(document.pk, as_document(document))


def reset() -> None:
    global _index
    with _lock:
        _index = None


def _clear_redis() -> None:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=b"policyledger:lineage*"):
        client.delete(key)
