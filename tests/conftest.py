"""Shared fixtures: the real services (PostgreSQL, Redis, Chromium) that `make test` starts.

Outside `make test` a test that needs a missing service is skipped; with PL_REQUIRE_SERVICES=1
(set by `make test` and CI) a missing service is a failure, so CI cannot go green by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "corpus"
GOLD = ROOT / "tests" / "data" / "gold"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"


def _missing(what: str) -> None:
    if os.environ.get("PL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required under make test but is not available")
    pytest.skip(f"{what} not available")


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


def pytest_collection_modifyitems(config, items) -> None:
    """`@pytest.mark.postgres` is the one mark for tests that only mean something on
    PostgreSQL (row locks, advisory locks, pg_dump, real concurrency): `-m postgres` selects
    exactly them, and a pass on another database skips them with the reason. `make test` runs
    tests/web again with DATABASE_URL pointing at PostgreSQL, where a server that is down makes
    Django fail loudly rather than skip."""
    marked = [item for item in items if item.get_closest_marker("postgres")]
    if not marked:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(
            reason="PostgreSQL only: runs in the PostgreSQL pass of make test "
            "(DATABASE_URL=$PL_PG_URL)"
        )
        for item in marked:
            item.add_marker(skip)


@pytest.fixture
def redis_url() -> str:
    """A real Redis on loopback, database 15, emptied before the test."""
    url = os.environ.get("PL_REDIS_URL", "")
    if not url:
        _missing("Redis (PL_REDIS_URL)")
    import redis

    url = url.rsplit("/", 1)[0] + "/15"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        _missing(f"Redis at {url}")
    return url


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        _missing("Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
