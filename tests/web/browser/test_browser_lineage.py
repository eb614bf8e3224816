"""政策对标 in a real browser: an administrator confirms a proposed link side by side, the page
shows the decision, the report counts it, and no page logs a CSP violation or script error."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-电池-42"  # the one tests/web/conftest.py gives its named users
SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[3] / "samples" / "corpus"


@pytest.fixture
def city_document(transactional_db, alice):
    from policyledger.parsing import parse
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services import importing as services
    from policyledger.web.lineage.services import index, library, links

    index.reset()
    documents = {}
    for prefix in ("000", "002", "004"):
        path = next(SAMPLES.glob(f"{prefix}_*.txt"))
        text = path.read_text(encoding="utf-8")
        document = PolicyDocument.objects.create(
            source_name=path.name, original_text=text, uploaded_by=alice
        )
        services.apply_parsed(document, parse(text, name=path.name).to_dict())
        document.refresh_from_db()
        library.refresh(document)
        documents[prefix] = document
    links.propose_for(documents["004"])
    yield documents["004"]
    index.reset()


def test_admin_confirms_a_link_side_by_side(city_document, alice, open_session, shots) -> None:
    from policyledger.web.lineage.models import MeasureLink

    session = open_session("admin")
    session.go("/accounts/login/")
    session.page.fill("input[name=username]", alice.username)
    session.page.fill("input[name=password]", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))

    session.go("/lineage/?q=以旧换新")
    assert session.page.locator("mark").count() > 0
    shots(session, "library-search")

    session.go(f"/lineage/documents/{city_document.pk}/")
    pair = session.page.locator(".side-by-side").first
    link_id = int(pair.get_attribute("data-link"))
    assert pair.locator("mark").count() > 0  # shared phrases highlighted on both sides
    shots(session, "proposals")
    pair.locator("button.confirm").click()
    session.page.wait_for_load_state("networkidle")
    confirmed = session.page.locator(f'.side-by-side[data-link="{link_id}"] .status')
    assert confirmed.inner_text() == "已确认"
    assert MeasureLink.objects.get(pk=link_id).status == "confirmed"
    shots(session, "confirmed")

    session.go(f"/lineage/documents/{city_document.pk}/report/")
    assert "已承接（1）" in session.page.inner_text("body")
    shots(session, "report")

    parent = MeasureLink.objects.get(pk=link_id).parent.document
    session.go(f"/lineage/documents/{parent.pk}/coverage/")
    session.page.wait_for_selector("#coverage-chart canvas")
    shots(session, "coverage")
    session.check()
