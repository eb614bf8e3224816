"""Processes that end with the command that started them, and a port check before serving.

`policyledger demo` starts a background worker next to Django's development server. Django's
runserver leaves with ``os._exit`` on some errors (a port taken in between), which skips every
``finally``; so the worker does not rely on being told: it holds the read end of a pipe whose
write end only its parent holds, and stops itself when that pipe closes, which the kernel does
whenever the parent ends, however it ends (error, Ctrl+C, SIGTERM, even SIGKILL).

Run as ``python -m policyledger.web.lifeline db_worker [args]``: Django's manage command, tied to
its parent through stdin.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading

# After the parent is gone, a worker busy with a task gets this long to finish it.
GRACE_S = 10.0


def port_taken(host: str, port: int) -> str | None:
    """Why `host:port` cannot be served, or None when it can (bound the way runserver binds,
    with SO_REUSEADDR, so only a live listener counts)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"无法解析监听地址 {host}：{exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except PermissionError:
            return f"没有权限监听 {host}:{port}（1024 以下的端口需要管理员权限），请换一个端口"
        except OSError:
            return (
                f"端口 {port} 已被占用（{host}:{port}），无法启动网站。"
                f"请先停止占用该端口的程序，或用 --port 换一个端口，例如 --port {port + 1}"
            )
    return None


def start_tied(args: list[str]) -> subprocess.Popen:
    """Start `python -m policyledger.web.lifeline ARGS`: a manage command that ends with us."""
    return subprocess.Popen(
        [sys.executable, "-m", "policyledger.web.lifeline", *args], stdin=subprocess.PIPE
    )


def stop(proc: subprocess.Popen, seconds: float = GRACE_S) -> None:
    """Ask the child to stop (closing its lifeline and SIGTERM), then kill it after `seconds`."""
    if proc.stdin is not None:
        proc.stdin.close()
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _watch_parent() -> None:
    """Block until stdin (the pipe from the parent) closes, then stop this process."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)  # db_worker stops gracefully on SIGTERM
    timer = threading.Timer(GRACE_S, os._exit, args=(1,))
    timer.daemon = True
    timer.start()


def main(argv: list[str]) -> None:
    threading.Thread(target=_watch_parent, name="lifeline", daemon=True).start()
    from policyledger.web.manage import main as manage

    manage(["manage", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
