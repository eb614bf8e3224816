"""Shared fixtures for the platform tests: named people, units, a published document, time travel.

alice  牵头办 administrator            (no unit)
bob    reporter of 市商务局
carol  reporter of 市财政局 (another unit)
dave   viewer (领导, read-only)

``published`` is a document built from a parse-result dict (the JSON shape of issue 3) and published
through the same service the review page calls, so tests do not depend on the parser's accuracy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo

import pytest
from django.test import Client

PASSWORD = "correct-horse-电池-42"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A fixed "today" for tests with deadlines: 2022-09-20 09:00 in Shanghai.
NOW = dt.datetime(2022, 9, 20, 9, 0, tzinfo=SHANGHAI)


def _tracking_live_server_thread():
    """Django's LiveServerThread whose server remembers its request threads, so that stopping
    it can end them before the shared in-memory SQLite connection stops being shareable.

    Without this, a browser's keep-alive connections outlive the server: when the browser
    closes them later, their threads close the database connection from the wrong thread
    (PytestUnhandledThreadExceptionWarning, "DatabaseWrapper objects created in a thread...")."""
    import socket
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class Server(ThreadedWSGIServer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.open_requests: dict[threading.Thread, socket.socket] = {}
            self.lock = threading.Lock()

        def process_request_thread(self, request, client_address):
            with self.lock:
                self.open_requests[threading.current_thread()] = request
            try:
                super().process_request_thread(request, client_address)
            finally:
                with self.lock:
                    self.open_requests.pop(threading.current_thread(), None)

        def end_requests(self, seconds: float = 30) -> None:
            """Hang up on every open connection and wait (with a deadline) for its thread."""
            from waiting import join_all

            with self.lock:
                pending = dict(self.open_requests)
            for sock in pending.values():
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            join_all(pending, seconds)

    class Thread(LiveServerThread):
        server_class = Server

        def terminate(self):
            httpd = getattr(self, "httpd", None)
            super().terminate()
            if httpd is not None:
                httpd.end_requests()

    return Thread


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, stopped cleanly: its request threads end before the
    in-memory SQLite connection they share stops being shareable (see above)."""
    import os

    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    old = server.thread
    server.thread = _tracking_live_server_thread()(
        old.host,
        old.static_handler,
        connections_override=old.connections_override,
        port=old.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    # Uploads of one test never reach another's (or the demo's) folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return None


@pytest.fixture
def units(db):
    from policyledger.web.accounts.models import Unit

    names = ["市商务局", "市财政局", "市发展改革委", "市市场监管局", "各县区人民政府"]
    created = {n: Unit.objects.create(name=n, level=Unit.Level.CITY) for n in names}
    created["市发展改革委"].aliases = ["市发改委"]
    created["市发展改革委"].save()
    return created


def _user(username, role, unit=None, full_name=""):
    from policyledger.web.accounts.services import create_user

    return create_user(
        username,
        PASSWORD,
        role=role,
        unit=unit,
        email=f"{username}@example.org",
        full_name=full_name,
    )


@pytest.fixture
def alice(units):
    return _user("alice", "admin", full_name="王管理")


@pytest.fixture
def bob(units):
    return _user("bob", "reporter", units["市商务局"], full_name="李商务")


@pytest.fixture
def carol(units):
    return _user("carol", "reporter", units["市财政局"], full_name="张财政")


@pytest.fixture
def dave(units):
    return _user("dave", "viewer", full_name="赵领导")


@pytest.fixture
def people(alice, bob, carol, dave):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave}


@pytest.fixture
def login():
    """``login(user)`` -> a test client signed in as that user (through the login page)."""

    def make(user) -> Client:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.content[:500]
        return client

    return make


SAMPLE_TEXT = (
    "关于促进消费的若干措施\n"
    "一、发放消费券。市级财政安排1000万元发放消费券，2022年12月31日前完成。"
    "（责任单位：市商务局、市财政局）\n"
    "二、支持汽车消费。对购车给予最高不超过3000元补贴。（责任单位：市发改委）\n"
    "三、活跃夜间经济。举办不少于50场次活动。（责任单位：市商务局，配合单位：市市场监管局）\n"
)


def sample_parse() -> dict:
    """A parse result in the JSON shape of issue 3, with spans into SAMPLE_TEXT."""
    text = SAMPLE_TEXT

    def span(s: str, start: int = 0) -> list[int]:
        i = text.index(s, start)
        return [i, i + len(s)]

    def measure(number, heading, body, leads, supports, targets):
        return {
            "id": f"m{number}",
            "part": 0,
            "number": number,
            "path": [number],
            "section": None,
            "heading": heading,
            "text": body,
            "span": span(body),
            "lead_units": leads,
            "support_units": supports,
            "targets": targets,
        }

    m1 = text.split("\n")[1]
    m2 = text.split("\n")[2]
    m3 = text.split("\n")[3]
    return {
        "schema_version": 1,
        "source": {"name": "sample.txt", "sha256": "0" * 64, "chars": len(text)},
        "title": "关于促进消费的若干措施",
        "issuer": "连云港市人民政府办公室",
        "doc_number": "连政办发〔2022〕61号",
        "date": "2022-09-05",
        "published": None,
        "region": "连云港市",
        "addressees": [],
        "parts": [],
        "measures": [
            measure(
                "一、",
                "发放消费券",
                m1,
                ["市商务局", "市财政局"],
                [],
                [
                    {
                        "kind": "money",
                        "value": 10000000,
                        "unit": "元",
                        "qualifier": "total",
                        "per": None,
                        "text": "1000万元",
                        "span": span("1000万元"),
                    },
                    {
                        "kind": "date",
                        "value": "2022-12-31",
                        "unit": None,
                        "qualifier": None,
                        "per": None,
                        "text": "2022年12月31日前",
                        "span": span("2022年12月31日前"),
                    },
                ],
            ),
            measure(
                "二、",
                "支持汽车消费",
                m2,
                ["市发改委"],
                [],
                [
                    {
                        "kind": "money",
                        "value": 3000,
                        "unit": "元",
                        "qualifier": "max",
                        "per": None,
                        "text": "最高不超过3000元",
                        "span": span("最高不超过3000元"),
                    }
                ],
            ),
            measure(
                "三、",
                "活跃夜间经济",
                m3,
                ["市商务局"],
                ["市市场监管局"],
                [
                    {
                        "kind": "count",
                        "value": 50,
                        "unit": "场次",
                        "qualifier": "min",
                        "per": None,
                        "text": "不少于50场次",
                        "span": span("不少于50场次"),
                    }
                ],
            ),
        ],
        "citations": [],
        "diagnostics": [],
    }


@pytest.fixture
def reviewed(alice):
    """A document in 待审核 with three measures (units matched against the registry)."""
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import apply_parsed

    document = PolicyDocument.objects.create(
        source_name="sample.txt",
        original_text=SAMPLE_TEXT,
        uploaded_by=alice,
        default_deadline=dt.date(2023, 6, 30),
    )
    return apply_parsed(document, sample_parse())


@pytest.fixture
def published(reviewed, alice):
    """The sample document published: tasks for 市商务局 (2), 市财政局 (1), 市发展改革委 (1)."""
    from policyledger.web.documents.services.publish import publish

    with time_at(NOW - dt.timedelta(days=30)):
        publish(alice, reviewed.pk, reviewed.version)
    reviewed.refresh_from_db()
    return reviewed


def time_at(when: dt.datetime):
    """Move the clock (time-machine), never sleep."""
    import time_machine

    return time_machine.travel(when, tick=False)


@pytest.fixture
def tasks(published, units):
    """The published tasks by (measure number, lead unit name)."""
    from policyledger.web.tracking.models import Task

    return {
        (t.measure.number, t.lead_unit.name): t
        for t in Task.objects.select_related("measure", "lead_unit")
    }


def run_queued_tasks() -> int:
    """Run every task waiting in the database queue, as `policyledger worker` would."""
    from django_tasks_db.models import DBTaskResult

    count = 0
    for result in DBTaskResult.objects.ready().order_by("enqueued_at"):
        result.claim("test-worker")
        try:
            value = result.task.call(*result.task_result.args, **result.task_result.kwargs)
        except Exception as exc:
            result.set_failed(exc)
        else:
            result.set_successful(value)
        count += 1
    return count


@pytest.fixture
def clock():
    """``with clock(when): ...`` moves the clock there (time-machine)."""
    return time_at


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def run_tasks(db):
    """``run_tasks()`` runs the queued background tasks and returns how many ran."""
    return run_queued_tasks


@pytest.fixture
def parse_data():
    """``parse_data()`` -> a fresh copy of the sample parse result."""
    return sample_parse


@pytest.fixture
def sample_text():
    return SAMPLE_TEXT
