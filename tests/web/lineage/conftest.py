from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "corpus"


@pytest.fixture
def imported(db, alice):
    """Import a text as the documents app does (parse + apply_parsed), then refresh the library."""
    from policyledger.parsing import parse
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services import importing as services
    from policyledger.web.lineage.services import index, library

    index.reset()

    def make(text: str, name: str = "doc.txt") -> PolicyDocument:
        document = PolicyDocument.objects.create(
            source_name=name, original_text=text, uploaded_by=alice
        )
        services.apply_parsed(document, parse(text, name=name).to_dict())
        document.refresh_from_db()
        library.refresh(document)
        return document

    yield make
    index.reset()


@pytest.fixture
def samples(imported):
    """The Jiangsu documents 000 and 002 and the Lianyungang measures 004 (child)."""

    def read(prefix: str) -> str:
        return next(SAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")

    return {
        "000": imported(read("000"), "000.txt"),
        "002": imported(read("002"), "002.txt"),
        "004": imported(read("004"), "004.txt"),
    }
