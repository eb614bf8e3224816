"""Helpers for the API tests: a small JSON client with a bearer token, and error assertions."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

BASE = "/api/v1"


class ApiClient:
    def __init__(self, key: str | None) -> None:
        self.key = key
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def request(self, method: str, path: str, data: Any = None, **kwargs):
        url = path if path.startswith("/") and path.startswith(BASE) else f"{BASE}{path}"
        call = getattr(self.client, method)
        if data is not None and method in ("post", "patch", "put"):
            kwargs.setdefault("content_type", "application/json")
            data = json.dumps(data, ensure_ascii=False)
        return call(url, data, headers=self._headers(), **kwargs)

    def get(self, path: str, params: dict | None = None):
        return self.client.get(
            path if path.startswith(BASE) else f"{BASE}{path}",
            params or {},
            headers=self._headers(),
        )

    def post(self, path: str, data: Any = None, **kwargs):
        return self.request("post", path, data if data is not None else {}, **kwargs)

    def patch(self, path: str, data: Any = None):
        return self.request("patch", path, data if data is not None else {})

    def delete(self, path: str):
        return self.client.delete(f"{BASE}{path}", headers=self._headers())


def issue(user) -> str:
    from policyledger.web.accounts.services import issue_token

    return issue_token(user, "测试")[1]


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A JSON error body with a Chinese detail (and the expected code)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) >= {"detail", "code"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in data["detail"]), data
    if code is not None:
        assert data["code"] == code, data
    return data
