"""Briefing pages: who may generate them, the downloads, and bad input answered in Chinese."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from docx import Document
from openpyxl import load_workbook

URL = "/tracking/briefings/"


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_admin_and_viewer_get_the_page_and_files(programme, people, login, who):
    client = login(people[who])
    page = client.get(URL, {"period": "2022年9月"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "关于2022年9月政策落实情况的通报" in html and "市商务局" in html
    docx = client.get(URL + "briefing.docx", {"period": "2022年9月"})
    assert docx.status_code == 200
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.word")
    assert "关于2022年9月政策落实情况的通报.docx" in unquote(docx["Content-Disposition"])
    document = Document(io.BytesIO(docx.content))
    assert any(p.text == "关于2022年9月政策落实情况的通报" for p in document.paragraphs)
    xlsx = client.get(
        URL + "ledger.xlsx", {"period": "2022年第3季度", "cycle": "quarterly", "serial": "3"}
    )
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["进度台账"]["A1"].value.startswith("2022年第3季度进度台账")


def test_issuer_and_number_from_the_form(programme, people, login):
    client = login(people["alice"])
    response = client.get(
        URL + "briefing.docx",
        {"period": "2022年9月", "issuer": "连云港市促消费工作领导小组办公室", "prefix": "连促消办",
         "serial": "12"},
    )  # fmt: skip
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert texts[0] == "连云港市促消费工作领导小组办公室"
    assert texts[1] == "连促消办〔2022〕12号"


def test_reporter_is_refused(programme, people, login):
    client = login(people["bob"])
    for path in ("", "briefing.docx", "ledger.xlsx"):
        assert client.get(URL + path, {"period": "2022年9月"}).status_code == 403


def test_anonymous_is_sent_to_login(programme):
    from django.test import Client

    response = Client().get(URL + "briefing.docx")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"period": "九月"}, "报送周期格式不正确"),
        ({"period": "2022年13月"}, "报送周期格式不正确"),
        ({"period": "2022年9月", "serial": "x1"}, "期号须为数字"),
        ({"period": "2022年9月", "cycle": "weekly", "serial": "-3"}, "期号须为数字"),
    ],
)
def test_bad_input_is_a_clear_400(programme, people, login, params, message):
    client = login(people["alice"])
    for path in ("", "briefing.docx", "ledger.xlsx"):
        response = client.get(URL + path, params)
        assert response.status_code == 400
        assert message in response.content.decode()
