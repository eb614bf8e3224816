"""Lineage demo data: the Lianyungang city measures (sample 004) against the Jiangsu documents
(000, 002) with confirmed links, and the ../shared/lineage-dev pairs when that folder is present
(read in place, never copied into the project)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from policyledger.web.documents.models import PolicyDocument
from policyledger.web.lineage.models import MeasureLink
from policyledger.web.lineage.services import library, links

ROOT = Path(__file__).resolve().parents[4]
DEV = ROOT.parent / "shared" / "lineage-dev"


def _admin():
    User = get_user_model()
    return User.objects.filter(is_superuser=True).first() or next(
        (
            u
            for u in User.objects.all()
            if getattr(getattr(u, "profile", None), "role", "") == "admin"
        ),
        None,
    )


def _import(path: Path, user) -> PolicyDocument:
    from policyledger.parsing import parse
    from policyledger.web.documents.services import importing as services

    existing = PolicyDocument.objects.filter(source_name=path.name).first()
    if existing is not None:
        return existing
    text = path.read_text(encoding="utf-8")
    document = PolicyDocument.objects.create(
        source_name=path.name, original_text=text, uploaded_by=user
    )
    services.apply_parsed(document, parse(text, name=path.name).to_dict())
    document.refresh_from_db()
    return document


DEMO_SCORE = 0.6


def _confirm_high(child: PolicyDocument, user) -> int:
    """Stand in for the reviewer: confirm each child measure's best candidate when it is of high
    confidence, or of medium confidence with a score of at least ``DEMO_SCORE``."""
    links.propose_for(child)
    confirmed = 0
    seen: set[int] = set()
    for link in MeasureLink.objects.filter(child__document=child, status="proposed").order_by(
        "child_id", "-score"
    ):
        if link.child_id in seen:
            continue
        seen.add(link.child_id)
        if link.confidence == "high" or (link.confidence == "medium" and link.score >= DEMO_SCORE):
            links.decide(user, link.pk, MeasureLink.Status.CONFIRMED)
            confirmed += 1
    return confirmed


def seed_lineage(samples: Path) -> list[str]:
    """Refresh the library, propose and confirm the demo links; returns lines to print."""
    user = _admin()
    lines = []
    for document in PolicyDocument.objects.all():
        library.refresh(document)
    child = PolicyDocument.objects.filter(source_name__startswith="004").first()
    if child is not None and user is not None:
        n = _confirm_high(child, user)
        lines.append(f"政策对标：示例 004（连云港）已生成候选，演示确认 {n} 条承接关系")
    if DEV.is_dir() and user is not None:
        for parent_file in sorted(DEV.glob("*-parent.txt")):
            child_file = parent_file.with_name(parent_file.name.replace("-parent", "-child"))
            if not child_file.exists():
                continue
            parent_doc = _import(parent_file, user)
            child_doc = _import(child_file, user)
            library.refresh(parent_doc)
            library.refresh(child_doc)
            n = _confirm_high(child_doc, user)
            lines.append(
                f"政策对标：已从 ../shared/lineage-dev 载入 {child_file.stem}，确认 {n} 条"
            )
    return lines
