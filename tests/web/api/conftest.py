"""API fixtures: ``api(user)`` -> a JSON client sending ``Authorization: Bearer <a fresh token of
user>``; ``api(None)`` sends no credentials."""

from __future__ import annotations

import pytest
from api_helpers import ApiClient, issue


@pytest.fixture
def api(db):
    def make(user) -> ApiClient:
        return ApiClient(issue(user) if user is not None else None)

    return make


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The named people are created per test; PBKDF2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
