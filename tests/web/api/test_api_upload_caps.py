"""An API attachment over the cap is refused before it is read into memory (413)."""

from __future__ import annotations

import io

import pytest
from api_helpers import BASE, assert_error

from policyledger.web.tracking.models import Report
from policyledger.web.uploads import TooLarge, read_capped


def test_oversized_attachment_is_413_without_reading_it(bob, tasks, api, settings, monkeypatch):
    from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile

    settings.MAX_ATTACHMENT_BYTES = 1024
    task = tasks[("一、", "市商务局")]
    client = api(bob)

    def refuse(*args, **kwargs):
        raise AssertionError("an oversized attachment was read whole into memory")

    for cls in (InMemoryUploadedFile, TemporaryUploadedFile):
        monkeypatch.setattr(cls, "read", refuse, raising=False)
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * 8192)  # not an UploadedFile: the client reads it
    big.name = "大文件.pdf"
    response = client.client.post(
        f"{BASE}/tasks/{task.pk}/reports/files",
        {
            "period": "2022年9月",
            "task_status": "in_progress",
            "percent": "40",
            "attachments": [big],
        },
        headers=client._headers(),
    )
    detail = assert_error(response, 413, "too_large")["detail"]
    assert "附件“大文件.pdf”过大" in detail
    assert Report.objects.count() == 0


class _Lying(io.BytesIO):
    """A file object whose size says less than it holds."""

    size = 10
    name = "说谎.pdf"


def test_read_capped_stops_at_the_cap_whatever_the_size_says():
    with pytest.raises(TooLarge, match="过大"):
        read_capped(_Lying(b"x" * 5000), 1000)
    assert read_capped(_Lying(b"x" * 1000), 1000) == b"x" * 1000
