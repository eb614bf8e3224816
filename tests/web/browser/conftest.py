"""Browser fixtures: a live server, background tasks run at once, and pages that record
Content-Security-Policy violations and script errors and save a screenshot per step.

Screenshots go to tests/artifacts/browser/: ``module-NN-name.png`` full page, ``viewport/...``
the first screen only (small enough for the user guide, which copies some into docs/img/).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
VIEWPORT = {"width": 1200, "height": 760}
CSP_PATTERN = re.compile(r"Content Security Policy|Refused to (execute|load|apply|evaluate)", re.I)


@pytest.fixture
def browser_settings(settings):
    # Parsing runs inside the upload request, as a worker would run it a moment later.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return settings


@dataclass
class Session:
    """One person's browser context; ``problems`` collects CSP violations and script errors."""

    name: str
    page: object
    base: str
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def check(self) -> None:
        assert not self.problems, f"{self.name}: {self.problems}"


class Shots:
    """Numbered screenshots of one test module: ``flow-01-login.png``, ``flow-02-...``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0
        self.saved: list[Path] = []
        (ARTIFACTS / "viewport").mkdir(parents=True, exist_ok=True)
        for folder in (ARTIFACTS, ARTIFACTS / "viewport"):
            for old in folder.glob(f"{prefix}-*.png"):
                old.unlink()

    def __call__(self, session: Session, name: str) -> Path:
        """Save the page as it is now, after checking it logged no CSP violation."""
        session.page.wait_for_load_state("networkidle")
        self.count += 1
        stem = f"{self.prefix}-{self.count:02d}-{name}"
        full = ARTIFACTS / f"{stem}.png"
        session.page.screenshot(path=str(full), full_page=True)
        session.page.screenshot(path=str(ARTIFACTS / "viewport" / f"{stem}.png"))
        self.saved.append(full)
        session.check()
        return full


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.module.__name__.rsplit("_", 1)[-1])


@pytest.fixture
def open_session(chromium, live_server, browser_settings):
    contexts = []

    def make(name: str) -> Session:
        context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        session = Session(name=name, page=page, base=live_server.url)

        def on_console(message) -> None:
            if CSP_PATTERN.search(message.text):
                session.problems.append(f"console {message.type}: {message.text}")
            elif message.type == "error" and "favicon" not in str(message.location):
                session.problems.append(f"console error: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
        # Confirmation dialogs (发布, 退回) are answered yes, as the person would.
        page.on("dialog", lambda dialog: dialog.accept())
        return session

    yield make
    for context in contexts:
        context.close()
