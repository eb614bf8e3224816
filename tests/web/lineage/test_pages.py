"""Pages and API of the lineage app: permissions, the confirm flow, exports."""

from __future__ import annotations

import json
import re

import pytest

from policyledger.web.lineage.models import MeasureLink
from policyledger.web.lineage.services import links

pytestmark = pytest.mark.django_db


def _publish_all() -> None:
    # Viewers read published documents only; the samples are imported in review.
    from policyledger.web.documents.models import PolicyDocument

    PolicyDocument.objects.update(status=PolicyDocument.Status.PUBLISHED)


@pytest.fixture
def proposed(samples):
    links.propose_for(samples["004"])
    return MeasureLink.objects.filter(child__document=samples["004"]).order_by("-score").first()


def test_library_page_filters_and_highlights(samples, alice, login) -> None:
    client = login(alice)
    page = client.get("/lineage/", {"level": "市"}).content.decode()
    assert "连云港" in page and "互联网+流通" not in page
    page = client.get("/lineage/", {"q": "以旧换新"}).content.decode()
    assert "<mark>以旧换新</mark>" in page


def test_document_page_shows_both_sides_and_the_buttons_to_admins_only(
    samples, proposed, alice, dave, login
) -> None:
    page = login(alice).get(f"/lineage/documents/{samples['004'].pk}/").content.decode()
    assert 'value="confirmed"' in page and "<mark>" in page
    _publish_all()
    response = login(dave).get(f"/lineage/documents/{samples['004'].pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>" in page and 'value="confirmed"' not in page


def test_confirm_through_the_page(samples, proposed, alice, login) -> None:
    response = login(alice).post(f"/lineage/links/{proposed.pk}/decide/", {"status": "confirmed"})
    assert response.status_code == 302
    assert MeasureLink.objects.get(pk=proposed.pk).status == "confirmed"


def test_a_viewer_cannot_confirm(samples, proposed, dave, login) -> None:
    _publish_all()
    response = login(dave).post(f"/lineage/links/{proposed.pk}/decide/", {"status": "confirmed"})
    assert response.status_code == 403
    assert MeasureLink.objects.get(pk=proposed.pk).status == "proposed"


def test_report_page_and_xlsx(samples, proposed, alice, login) -> None:
    links.decide(alice, proposed.pk, "confirmed")
    client = login(alice)
    page = client.get(f"/lineage/documents/{samples['004'].pk}/report/").content.decode()
    assert "未承接的上级措施" in page and "本地创新" in page
    response = client.get(f"/lineage/documents/{samples['004'].pk}/report/", {"format": "xlsx"})
    assert response.content[:2] == b"PK"
    response = client.get(f"/lineage/documents/{samples['004'].pk}/report/", {"format": "docx"})
    assert response["Content-Type"].endswith("wordprocessingml.document")
    import io

    from docx import Document as WordDocument

    text = "\n".join(p.text for p in WordDocument(io.BytesIO(response.content)).paragraphs)
    assert "未承接的上级措施" in text and "本地创新" in text


def test_coverage_page_embeds_the_matrix(samples, proposed, alice, login) -> None:
    links.decide(alice, proposed.pk, "confirmed")
    parent = proposed.parent.document
    page = login(alice).get(f"/lineage/documents/{parent.pk}/coverage/").content.decode()
    embedded = re.search(r'<script id="coverage-data" type="application/json">(.*?)</script>', page)
    matrix = json.loads(embedded.group(1))
    assert matrix["regions"] == ["连云港市"]
    assert sum(cell[2] for cell in matrix["cells"]) == 1


def test_export_csv(samples, proposed, alice, login) -> None:
    response = login(alice).get("/lineage/links/export.csv")
    assert response.content.decode("utf-8-sig").startswith("下级文件")


def test_api_lists_and_decides(samples, proposed, alice, dave, login) -> None:
    client = login(alice)
    data = client.get("/api/v1/lineage/links", {"child_document": samples["004"].pk}).json()
    assert data["count"] >= 1 and data["items"][0]["child"]["document_id"] == samples["004"].pk
    response = client.post(
        f"/api/v1/lineage/links/{proposed.pk}/decision",
        data=json.dumps({"status": "rejected"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    _publish_all()
    response = login(dave).post(
        f"/api/v1/lineage/links/{proposed.pk}/decision",
        data=json.dumps({"status": "confirmed"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("只有牵头办管理员")


def test_unknown_link_is_404(alice, login) -> None:
    assert (
        login(alice).post("/lineage/links/999999/decide/", {"status": "confirmed"}).status_code
        == 404
    )
