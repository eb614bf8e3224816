"""The library: level and region of each document, resolved citations, full-text search."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from policyledger.lineage.levels import LEVELS, place
from policyledger.web.documents.models import Measure, PolicyDocument
from policyledger.web.lineage.models import Citation, DocumentPlace, SearchText
from policyledger.web.lineage.services import LineageError
from policyledger.web.lineage.services import index as candidate_index

FTS_TABLE = "lineage_fts"
_SPACES = re.compile(r"\s+")
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "(": "〔", ")": "〕"})
_QUOTES = str.maketrans({"〈": "", "〉": "", "《": "", "》": "", "<": "", ">": ""})


def normal_number(value: str | None) -> str:
    """文号 compared without spaces and with one kind of bracket (鲁商字 [2025] 1号 = 鲁商字〔2025〕1号)."""
    return _SPACES.sub("", value or "").translate(_BRACKETS)


def normal_title(value: str | None) -> str:
    return _SPACES.sub("", value or "").translate(_QUOTES).replace("\u3000", "")


# -- refresh after an import ----------------------------------------------------------------------


@transaction.atomic
def refresh(document: PolicyDocument) -> None:
    """Place, citations and search text of ``document``; others' citations of it; the index."""
    _place(document)
    _citations(document)
    _search_text(document)
    _resolve_citations_of(document)
    candidate_index.update(document)


def _place(document: PolicyDocument) -> DocumentPlace:
    current = DocumentPlace.objects.filter(document=document).first()
    if current is not None and current.basis == DocumentPlace.Basis.MANUAL:
        return current
    found = place(document.issuer, document.doc_number)
    values = {"level": found.level or "", "region": found.region or "", "basis": found.basis}
    obj, _ = DocumentPlace.objects.update_or_create(document=document, defaults=values)
    return obj


def set_place(document: PolicyDocument, level: str, region: str) -> DocumentPlace:
    """Edit on review: the level and region given by a person stay until they edit them again."""
    if level and level not in LEVELS:
        raise LineageError(f"层级只能是{'、'.join(LEVELS)}之一")
    region = region.strip()
    if len(region) > 60:
        raise LineageError("地区名称过长（最多 60 字）")
    obj, _ = DocumentPlace.objects.update_or_create(
        document=document,
        defaults={"level": level, "region": region, "basis": DocumentPlace.Basis.MANUAL},
    )
    return obj


def _citations(document: PolicyDocument) -> None:
    Citation.objects.filter(citing=document).delete()
    cited = (document.parsed or {}).get("citations") or []
    seen = set()
    rows = []
    for item in cited:
        title = (item.get("title") or "").strip()[:500]
        number = (item.get("doc_number") or "").strip()[:100]
        key = (normal_title(title), normal_number(number))
        if not any(key) or key in seen:
            continue
        if key[0] and not key[1] and key[0] in normal_title(document.title):
            continue  # a notice naming the measures it issues, not a citation of another document
        seen.add(key)
        target = resolve(title, number, exclude=document.pk)
        rows.append(Citation(citing=document, title=title, doc_number=number, resolved=target))
    Citation.objects.bulk_create(rows)


def resolve(title: str, number: str, exclude: int | None = None) -> PolicyDocument | None:
    """The library document a citation names: by 文号 first, then by title (spaces ignored)."""
    candidates = PolicyDocument.objects.exclude(pk=exclude) if exclude else PolicyDocument.objects
    if number:
        wanted = normal_number(number)
        for doc in candidates.exclude(doc_number="").only("pk", "doc_number"):
            if normal_number(doc.doc_number) == wanted:
                return doc
    if title:
        wanted = normal_title(title)
        for doc in candidates.exclude(title="").only("pk", "title"):
            have = normal_title(doc.title)
            # A notice that issues a plan cites the plan; the plan's title is inside the notice's.
            if have == wanted or (len(wanted) >= 8 and wanted in have):
                return doc
    return None


def _resolve_citations_of(document: PolicyDocument) -> None:
    """Citations waiting for ``document`` (cited before it was imported) now point at it."""
    number = normal_number(document.doc_number)
    title = normal_title(document.title)
    if not number and not title:
        return
    for citation in Citation.objects.filter(resolved__isnull=True).exclude(citing=document):
        wanted_number = normal_number(citation.doc_number)
        wanted_title = normal_title(citation.title)
        # As ``resolve``: the 文号 first, then the title.
        if (number and wanted_number == number) or (
            wanted_title
            and title
            and (wanted_title == title or (len(wanted_title) >= 8 and wanted_title in title))
        ):
            citation.resolved = document
            citation.save(update_fields=["resolved"])


# -- full-text search -----------------------------------------------------------------------------


def _fts() -> bool:
    return connection.vendor == "sqlite"


def _search_text(document: PolicyDocument) -> None:
    old = list(SearchText.objects.filter(document=document).values_list("pk", flat=True))
    if old and _fts():
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in old])
    SearchText.objects.filter(document=document).delete()
    rows = [SearchText(document=document, measure=None, text=document.title or "")]
    rows += [
        SearchText(document=document, measure=m, text=m.text)
        for m in Measure.objects.filter(document=document).order_by("order", "id")
    ]
    created = SearchText.objects.bulk_create(rows)
    if _fts():
        if any(r.pk is None for r in created):  # backends without RETURNING
            created = list(SearchText.objects.filter(document=document))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (%s, %s)",
                [(r.pk, r.text) for r in created],
            )


@dataclass
class Hit:
    document: PolicyDocument
    title_hit: bool = False
    measures: list[tuple[Measure, SafeString]] = field(default_factory=list)


def matching_ids(query: str, limit: int = 2000) -> list[int]:
    """SearchText ids whose text contains ``query`` (FTS5 trigram or pg_trgm; LIKE below 3 chars)."""
    query = query.strip()
    if not query:
        return []
    if _fts() and len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",
                [phrase, limit],
            )
            return [row[0] for row in cursor.fetchall()]
    # PostgreSQL: LIKE (no UPPER) is served by the pg_trgm GIN index; SQLite below 3 characters: a scan.
    return list(
        SearchText.objects.filter(text__contains=query).values_list("pk", flat=True)[:limit]
    )


def highlight(text: str, query: str, width: int = 60) -> SafeString:
    """An excerpt of ``text`` around the first hit, every hit in <mark>, the rest escaped."""
    if not query:
        return escape(text[: width * 2])
    lower, needle = text.lower(), query.lower()
    first = lower.find(needle)
    start = max(0, first - width) if first >= 0 else 0
    end = min(len(text), (first if first >= 0 else 0) + len(query) + width)
    excerpt, low = text[start:end], lower[start:end]
    out, i = [], 0
    while True:
        j = low.find(needle, i)
        if j < 0:
            out.append(escape(excerpt[i:]))
            break
        out.append(escape(excerpt[i:j]))
        out.append(f"<mark>{escape(excerpt[j : j + len(query)])}</mark>")
        i = j + len(query)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every piece is escaped


def library(
    *,
    level: str = "",
    region: str = "",
    issuer: str = "",
    year: int | None = None,
) -> QuerySet[PolicyDocument]:
    """Every imported document (any status), filtered; newest first."""
    docs = PolicyDocument.objects.select_related("lineage_place").order_by("-signed_on", "-pk")
    if level:
        docs = docs.filter(lineage_place__level=level)
    if region:
        docs = docs.filter(Q(lineage_place__region__contains=region) | Q(region__contains=region))
    if issuer:
        docs = docs.filter(issuer__contains=issuer)
    if year:
        docs = docs.filter(
            Q(signed_on__year=year) | Q(signed_on__isnull=True, published_on__year=year)
        )
    return docs


def search(docs: QuerySet[PolicyDocument], query: str, per_document: int = 3) -> list[Hit]:
    """Documents among ``docs`` whose title or measures contain ``query``, hits highlighted."""
    ids = matching_ids(query)
    if not ids:
        return []
    rows = (
        SearchText.objects.filter(pk__in=ids, document__in=docs)
        .select_related("document", "measure")
        .order_by("document_id", "measure__order")
    )
    hits: dict[int, Hit] = {}
    for row in rows:
        hit = hits.setdefault(row.document_id, Hit(row.document))
        if row.measure is None:
            hit.title_hit = True
        elif len(hit.measures) < per_document:
            hit.measures.append((row.measure, highlight(row.text, query)))
    order = {d: i for i, d in enumerate(docs.values_list("pk", flat=True))}
    return sorted(hits.values(), key=lambda h: order.get(h.document.pk, 0))


def years() -> list[int]:
    return sorted(
        {
            d.year
            for d in PolicyDocument.objects.exclude(signed_on=None).values_list(
                "signed_on", flat=True
            )
        },
        reverse=True,
    )
