"""Import: upload one or many files, type sniffed from content, parsing in the background."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from policyledger.web.documents.models import PolicyDocument

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "corpus"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client, *files):
    return client.post(
        "/documents/import/",
        {"files": [SimpleUploadedFile(name, data) for name, data in files]},
    )


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_upload_many_parses_in_background_and_bad_file_is_marked_failed(login, alice, run_tasks):
    sample = (SAMPLES / "004_2d60cdc4fc4386b8.txt").read_bytes()
    gbk = (SAMPLES / "002_a89f3145f57a051d.txt").read_text(encoding="utf-8").encode("gb18030")
    client = login(alice)
    response = upload(client, ("004.txt", sample), ("002-gbk.txt", gbk), ("picture.txt", PNG))
    assert response.status_code == 302
    docs = {d.source_name: d for d in PolicyDocument.objects.all()}
    assert set(docs) == {"004.txt", "002-gbk.txt", "picture.txt"}
    # The picture is refused by content, whatever its name says, with a Chinese reason.
    assert docs["picture.txt"].status == PolicyDocument.Status.FAILED
    assert "PNG" in docs["picture.txt"].error
    assert docs["004.txt"].status == PolicyDocument.Status.UPLOADED

    status = client.get(
        response["Location"].replace("/documents/import/", "/documents/status.json")
    )
    by_name = {d["name"]: d for d in status.json()["documents"]}
    assert by_name["004.txt"]["done"] is False
    assert by_name["picture.txt"]["done"] is True

    assert run_tasks() == 2
    docs = {d.source_name: d for d in PolicyDocument.objects.all()}
    assert docs["004.txt"].status == PolicyDocument.Status.REVIEW
    assert docs["004.txt"].measures.count() == 20
    assert docs["004.txt"].doc_number == "连政办发〔2022〕61号"
    assert docs["002-gbk.txt"].status == PolicyDocument.Status.REVIEW
    assert docs["002-gbk.txt"].measures.count() > 0
    # Nothing of the good files was lost because of the bad one.
    assert docs["picture.txt"].status == PolicyDocument.Status.FAILED
    status = client.get(f"/documents/status.json?ids={docs['004.txt'].pk}").json()
    assert status["documents"][0]["status_label"] == "待审核"
    assert status["documents"][0]["measures"] == 20


def test_docx_is_read_from_its_content_even_when_named_txt(login, alice, run_tasks):
    text = (SAMPLES / "004_2d60cdc4fc4386b8.txt").read_text(encoding="utf-8")
    upload(login(alice), ("renamed.txt", docx_bytes(text)))
    run_tasks()
    document = PolicyDocument.objects.get()
    assert document.status == PolicyDocument.Status.REVIEW
    assert document.measures.count() == 20


def test_upload_over_the_size_limit_is_refused_and_nothing_stored(login, alice, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = upload(login(alice), ("big.txt", "消费".encode() * 1000))
    assert response.status_code == 200
    assert "过大" in response.content.decode()
    assert PolicyDocument.objects.count() == 0


def test_stored_file_has_a_random_name_outside_static(login, alice, settings):
    upload(login(alice), ("../../etc/passwd.txt", "一、发放消费券。".encode()))
    document = PolicyDocument.objects.get()
    stored = Path(document.source_file.path)
    assert stored.is_file()
    assert "passwd" not in stored.name
    assert Path(settings.MEDIA_ROOT) in stored.parents
    assert Path(settings.STATIC_ROOT) not in stored.parents
    # The original name is kept for display only, without its path part.
    assert document.source_name == "passwd.txt"


def test_pdf_without_text_layer_fails_with_reason_and_keeps_file(login, alice, run_tasks):
    """A scanned PDF has no text: the document is kept, marked 解析失败, with the reason."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    upload(login(alice), ("scan.pdf", out.getvalue()))
    # Read by the worker, not in the request.
    assert PolicyDocument.objects.get().status == PolicyDocument.Status.UPLOADED
    assert run_tasks() == 1
    document = PolicyDocument.objects.get()
    assert document.status == PolicyDocument.Status.FAILED
    assert "文本层" in document.error
    assert Path(document.source_file.path).read_bytes() == out.getvalue()
    page = login(alice).get(f"/documents/{document.pk}/").content.decode()
    assert "解析失败" in page and "文本层" in page


def test_parse_is_claimed_once(alice):
    from policyledger.web.documents.services import importing

    document = importing.import_upload("一、发放消费券。".encode(), "a.txt", alice)
    assert importing.run_parse(document.pk) == PolicyDocument.Status.REVIEW
    # A second worker picking up the same job finds it already done and changes nothing.
    assert importing.run_parse(document.pk) == PolicyDocument.Status.REVIEW


@pytest.mark.parametrize("who", ["bob", "dave"])
def test_only_administrators_import(login, people, who):
    client = login(people[who])
    assert client.get("/documents/import/").status_code == 403
    response = upload(client, ("a.txt", "一、发放消费券。".encode()))
    assert response.status_code == 403
    assert PolicyDocument.objects.count() == 0
    assert client.get("/documents/status.json?ids=1").status_code == 403


def test_import_page_has_no_inline_script(login, alice):
    body = login(alice).get("/documents/import/").content.decode()
    assert "<script>" not in body and "onclick" not in body


def test_status_polling_runs_the_same_queries_for_one_or_many_documents(login, alice, reviewed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)
    client.get(f"/documents/status.json?ids={reviewed.pk}")  # warm the session
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"/documents/status.json?ids={reviewed.pk}").json()
    others = [PolicyDocument.objects.create(source_name=f"more{i}.txt") for i in range(5)]
    ids = ",".join(str(d.pk) for d in [reviewed, *others])
    with CaptureQueriesContext(connection) as six:
        rows = client.get(f"/documents/status.json?ids={ids}").json()["documents"]
    assert len(six) == len(one), [q["sql"] for q in six.captured_queries]
    assert first["documents"][0]["measures"] == reviewed.measures.count() == 3
    assert [r["measures"] for r in rows] == [3, 0, 0, 0, 0, 0]


def _pdf_with_text(pages: int) -> bytes:
    """A PDF of ``pages`` pages with a text layer (reportlab is not needed: a hand-written page)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for i in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td (Measure {i}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_over_the_page_cap_fails_in_the_worker(login, alice, run_tasks, settings):
    settings.MAX_PDF_PAGES = 3
    upload(login(alice), ("short.pdf", _pdf_with_text(3)), ("long.pdf", _pdf_with_text(5)))
    assert {d.status for d in PolicyDocument.objects.all()} == {PolicyDocument.Status.UPLOADED}
    run_tasks()
    docs = {d.source_name: d for d in PolicyDocument.objects.all()}
    assert docs["long.pdf"].status == PolicyDocument.Status.FAILED
    assert "PDF 共5页，超过上限3页" in docs["long.pdf"].error
    assert "Measure 2" in docs["short.pdf"].original_text


def test_docx_expanding_past_the_cap_is_refused_before_it_is_opened(
    login, alice, run_tasks, settings, monkeypatch
):
    import zipfile

    import docx

    data = io.BytesIO(docx_bytes("一、发放消费券。"))
    with zipfile.ZipFile(data, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/zeros.bin", b"\0" * (3 * 1024 * 1024))
    settings.MAX_UNCOMPRESSED_BYTES = 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("python-docx opened the file before its size was checked")

    monkeypatch.setattr(docx, "Document", never)
    upload(login(alice), ("bomb.docx", data.getvalue()))
    run_tasks()
    document = PolicyDocument.objects.get()
    assert document.status == PolicyDocument.Status.FAILED
    assert "超过上限1 MB" in document.error and "Word 文档解压后约" in document.error
