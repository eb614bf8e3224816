"""`policyledger demo` never leaves its worker behind: a taken port is refused (in Chinese) before
any set-up, and the worker ends with the demo however the demo ends (here: killed outright)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from waiting import wait_until

from policyledger.web import lifeline

pytestmark = pytest.mark.slow


def _marked(mark: str) -> list[int]:
    """Our processes that carry PL_TEST_MARK=mark in their environment (children inherit it)."""
    found = []
    needle = f"PL_TEST_MARK={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone, or not ours
            continue
        if state != "Z":  # a zombie has ended; it only waits to be reaped
            found.append(int(entry.name))
    return found


@pytest.fixture
def env(tmp_path):
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to find the processes left behind")
    mark = uuid.uuid4().hex
    yield (
        mark,
        {
            **os.environ,
            "PL_TEST_MARK": mark,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "policyledger.web.settings",
        },
    )
    for pid in _marked(mark):  # never leave anything running, even when the test fails
        os.kill(pid, signal.SIGKILL)


def test_a_taken_port_is_refused_in_chinese_before_any_set_up(env, tmp_path):
    mark, environ = env
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(Path(sys.executable).parent / "policyledger"), "demo", "--port", str(port)],
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"端口 {port} 已被占用" in done.stderr and "--port" in done.stderr
    assert "迁移数据库" not in done.stdout  # nothing was set up
    assert not (tmp_path / "demo.sqlite3").exists()
    assert _marked(mark) == []


def test_port_check_accepts_a_free_port_and_names_a_taken_one():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.listen()
        assert "已被占用" in lifeline.port_taken("127.0.0.1", port)
    assert lifeline.port_taken("127.0.0.1", port) is None  # free again once closed
    assert "无法解析" in lifeline.port_taken("no-such-host.invalid", 8000)


PARENT = """
import pathlib, signal, subprocess, sys
from policyledger.web import lifeline
tied = lifeline.start_tied(["db_worker", "--no-startup-delay"])
# The control: what the demo did before, a plain child process.
plain = subprocess.Popen(
    [sys.executable, "-m", "policyledger.web.manage", "db_worker", "--no-startup-delay"]
)
pathlib.Path(sys.argv[1]).write_text(f"{tied.pid} {plain.pid}")
signal.pause()
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_worker_ends_with_the_demo_however_it_ends(env, tmp_path, how):
    """A tied worker and, as the control, a plain child worker; the parent is killed (SIGKILL:
    no handler, no finally runs in it). The tied one ends; the plain one is left behind."""
    mark, environ = env
    subprocess.run(
        [sys.executable, "-m", "policyledger.web.manage", "migrate", "-v0"],
        env=environ,
        check=True,
        timeout=300,
    )
    pid_file = tmp_path / "workers.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pid_file)], env=environ)
    try:

        def both_pids():
            pids = pid_file.read_text().split() if pid_file.exists() else []
            return pids if len(pids) == 2 else None  # not yet, or half written

        pids = wait_until(both_pids, "the workers' pids")
        tied, plain = (int(p) for p in pids)
        parent.send_signal(how)
        parent.wait(30)
    finally:
        parent.kill()
        parent.wait(30)
    wait_until(lambda: tied not in _marked(mark), "the tied worker to end", 30)
    assert _marked(mark) == [plain]  # the control outlived its parent (the fixture kills it)
