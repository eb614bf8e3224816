"""Library and lineage services on the sample documents (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from policyledger.web.core.models import AuditLog
from policyledger.web.lineage.models import Citation, DocumentPlace, MeasureLink
from policyledger.web.lineage.services import LineageError, library, links, report

pytestmark = pytest.mark.django_db


def test_level_and_region_from_the_doc_number_and_issuer(samples) -> None:
    place = DocumentPlace.objects.get(document=samples["004"])
    assert (place.level, place.region, place.basis) == ("市", "连云港市", "文号")
    place = DocumentPlace.objects.get(document=samples["002"])
    assert (place.level, place.region) == ("省", "江苏省")


def test_a_manual_place_survives_a_refresh(samples) -> None:
    library.set_place(samples["002"], "市", "南京市")
    library.refresh(samples["002"])
    place = DocumentPlace.objects.get(document=samples["002"])
    assert (place.level, place.region, place.basis) == ("市", "南京市", "人工")
    with pytest.raises(LineageError, match="层级"):
        library.set_place(samples["002"], "乡", "")


def test_citations_resolve_to_library_documents_or_are_listed_as_missing(samples) -> None:
    cited = Citation.objects.filter(citing=samples["002"])
    numbers = {c.doc_number: c.resolved_id for c in cited}
    # The State Council documents 002 cites are not in the library.
    assert numbers["国办发〔2016〕24号"] is None
    # A document imported later resolves the citations already waiting for it.
    from policyledger.web.documents.models import PolicyDocument

    late = PolicyDocument.objects.create(
        title="国务院办公厅关于深入实施“互联网+流通”行动计划的意见", doc_number="国办发〔2016〕24号"
    )
    library._resolve_citations_of(late)
    assert (
        Citation.objects.get(citing=samples["002"], doc_number="国办发〔2016〕24号").resolved
        == late
    )


def test_doc_numbers_match_whatever_the_brackets_and_spaces() -> None:
    assert library.normal_number("鲁商字 [2025] 1号") == library.normal_number("鲁商字〔2025〕1号")


def test_full_text_search_finds_and_highlights(samples) -> None:
    docs = library.library()
    hits = library.search(docs, "以旧换新")
    assert hits, "the samples mention 以旧换新"
    excerpt = hits[0].measures[0][1] if hits[0].measures else ""
    assert "<mark>以旧换新</mark>" in excerpt
    assert library.search(docs, "完全不存在的词语组合") == []


def test_search_of_two_characters_falls_back_to_a_scan(samples) -> None:
    assert library.search(library.library(), "消费")


def test_highlight_escapes_the_text() -> None:
    assert (
        str(library.highlight("<b>消费</b>券", "消费")) == "&lt;b&gt;<mark>消费</mark>&lt;/b&gt;券"
    )


def test_filters(samples) -> None:
    assert set(library.library(level="市")) == {samples["004"]}
    assert set(library.library(region="江苏")) == {samples["000"], samples["002"]}
    assert set(library.library(issuer="连云港")) == {samples["004"]}


def test_proposals_for_the_city_measures_come_from_the_provincial_documents(samples) -> None:
    created = links.propose_for(samples["004"])
    assert created > 0
    parents = set(
        MeasureLink.objects.filter(child__document=samples["004"]).values_list(
            "parent__document_id", flat=True
        )
    )
    assert parents <= {samples["000"].pk, samples["002"].pk}
    assert samples["000"].pk in parents


def test_confirm_and_reject_are_audited_and_survive_a_new_proposal(samples, alice, bob) -> None:
    links.propose_for(samples["004"])
    link = MeasureLink.objects.filter(child__document=samples["004"]).order_by("-score").first()
    with pytest.raises(LineageError, match="管理员"):
        links.decide(bob, link.pk, "confirmed")
    links.decide(alice, link.pk, "confirmed")
    audit = AuditLog.objects.get(object_type="measurelink", object_id=str(link.pk))
    assert audit.before["status"] == "proposed" and audit.after["status"] == "confirmed"
    links.propose_for(samples["004"])  # proposals are redone; the decision stays
    assert MeasureLink.objects.get(pk=link.pk).status == "confirmed"
    with pytest.raises(LineageError):
        links.decide(alice, link.pk, "maybe")


def test_report_lists_not_taken_up_local_and_compares_numbers(samples, alice) -> None:
    links.propose_for(samples["004"])
    for link in MeasureLink.objects.filter(child__document=samples["004"], confidence="high"):
        links.decide(alice, link.pk, "confirmed")
    built = report.build(samples["004"])
    linked_children = {link.child_id for link in built.links}
    assert all(m.pk not in linked_children for m in built.local)
    assert len(built.local) + len(linked_children) == samples["004"].measures.count()
    assert report.xlsx(built)[:2] == b"PK"


def test_number_comparison_flags_a_weaker_child() -> None:
    from policyledger.web.documents.models import Target

    parent = Target(kind="percent", value=20, text="20%")
    child = Target(kind="percent", value=10, text="10%")
    assert report.compare(parent, child) == "弱于上级"
    assert report.compare(child, parent) == "强于上级"
    assert report.compare(parent, Target(kind="percent", value=20, text="20%")) == "一致"


def test_export_writes_text_as_text(samples, alice) -> None:
    links.propose_for(samples["004"])
    data = links.export_csv(MeasureLink.objects.all()).decode("utf-8-sig")
    assert data.splitlines()[0].startswith("下级文件,下级措施序号")
    assert links._text("=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_the_import_hook_refreshes_the_library(
    db, alice, django_capture_on_commit_callbacks
) -> None:
    from policyledger.parsing import parse
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services import importing as services

    text = "连云港市人民政府办公室\n连政办发〔2024〕1号\n关于促进消费的通知\n一、加大补贴力度。对购买新能源汽车的个人给予补贴。\n"
    document = PolicyDocument.objects.create(
        source_name="x.txt", original_text=text, uploaded_by=alice
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_parsed(document, parse(text, name="x.txt").to_dict())
    assert DocumentPlace.objects.get(document=document).region == "连云港市"


def test_demo_confirms_links_for_the_city_document(samples, alice, monkeypatch, tmp_path) -> None:
    from policyledger.web.lineage import demo

    monkeypatch.setattr(demo, "DEV", tmp_path / "absent")  # the shared pairs are another test's
    lines = demo.seed_lineage(tmp_path)
    assert any("004" in line for line in lines)
    confirmed = MeasureLink.objects.filter(child__document=samples["004"], status="confirmed")
    assert confirmed.exists()
    assert AuditLog.objects.filter(
        object_type="measurelink", action="lineage.confirmed"
    ).count() == (confirmed.count())


def test_the_index_is_kept_until_a_document_s_measures_change(samples) -> None:
    from policyledger.web.lineage.services import index

    built = index.get()
    index.update(samples["002"])  # saved again, same measures (e.g. published)
    assert index.get() is built
    measure = samples["002"].measures.order_by("order").first()
    measure.text += "新增一句。"
    measure.save()
    index.update(samples["002"])
    rebuilt = index.get()
    assert rebuilt is not built
    assert rebuilt.search("新增一句")[0][0] == samples["002"].pk
