"""What the HTTP benchmarks share: a throwaway server stack and a keep-alive loopback client.

    with local_stack(workers=4) as stack:   # cluster, `db upgrade`, `demo seed`, gunicorn
        client = Client(stack.base_url)
        auth = sign_in(client, "collector1")

Everything started here is stopped on the way out of the `with` (also on an exception or
Ctrl-C; install `stop_on_sigterm()` for SIGTERM). Only loopback traffic.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
CLUSTER = ROOT / "scripts" / "cluster.sh"
DEMO_PASSWORD = os.environ.get("ZHIWANG_DEMO_PASSWORD", "zhiwang-demo")


# ---------------------------------------------------------------------------- the server stack

@dataclass(frozen=True)
class Stack:
    """A running, seeded server: its base URL, its database and the environment it runs with."""

    base_url: str
    database_url: str
    env: dict[str, str]


@contextmanager
def local_stack(workers: int, database_url: str | None = None,
                fsync: bool = False) -> Iterator[Stack]:
    """A seeded server under `gunicorn -w workers` (on a throwaway cluster unless given one)."""
    with ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(throwaway_cluster(fsync))
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi",
               "ZHIWANG_JWT_KEYS": json.dumps({"bench": secrets.token_urlsafe(36)})}
        for step in (["db", "upgrade"], ["demo", "seed"]):
            say(f"flask {' '.join(step)} …")
            run([str(VENV_BIN / "flask"), "--app", "wsgi", *step], env)
        yield Stack(stack.enter_context(gunicorn(env, workers)), database_url, env)


@contextmanager
def throwaway_cluster(fsync: bool = False) -> Iterator[str]:
    """A private PostGIS cluster in a temporary directory; yields its DATABASE_URL."""
    directory = tempfile.mkdtemp(prefix="zhiwang-bench.")
    try:
        say(f"PostGIS cluster in {directory} (fsync {'on' if fsync else 'off'}) …")
        url = run([str(CLUSTER), "start", directory, str(free_port())],
                  {**os.environ, "PG_FSYNC": "on" if fsync else "off"}).strip().splitlines()[-1]
        yield url
    finally:
        subprocess.run([str(CLUSTER), "stop", directory], check=False)
        report_problems("PostgreSQL", Path(directory, "postgres.log"),
                        ("PANIC", "FATAL", "ERROR", "terminated by signal", "was terminated"))
        shutil.rmtree(directory, ignore_errors=True)


_LOG_PREFIX = re.compile(r"^[^\[]{0,40}\[?[^\]]{0,40}\]?\s*\[\d+\]\s*")  # time, [pid]


def report_problems(who: str, log: Path, markers: tuple[str, ...]) -> None:
    """Say which problem lines a log holds, each distinct one once with its count."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return
    problems = Counter(_LOG_PREFIX.sub("", line.strip(), count=1)[:300] for line in lines
                       if any(marker in line for marker in markers))
    if problems:
        say(f"{who} logged problems:\n  " + "\n  ".join(
            f"{count} × {line}" for line, count in problems.most_common(15)))


@contextmanager
def gunicorn(env: dict[str, str], workers: int, root: Path = ROOT) -> Iterator[str]:
    """`gunicorn -w workers` on a free loopback port, serving the app in ``root`` (this checkout
    unless told: an older revision's tree, for a baseline); yields its base URL once healthy."""
    port = free_port()
    with tempfile.NamedTemporaryFile("w+", prefix="zhiwang-gunicorn.") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "-w", str(workers),
             "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, process, log)
            yield base
        finally:
            stop(process)
            report_problems("gunicorn", Path(log.name), ("Error", "ERROR", "Exception",
                                                         "WORKER TIMEOUT"))


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: IO[str],
                 timeout: float = 60) -> None:
    """Poll /healthz until it answers 200; fail with gunicorn's log if it dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
        try:
            if Client(base).request("GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"gunicorn did not become healthy in {timeout:.0f} s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started: SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(command: list[str], env: dict[str, str]) -> str:
    """Run a command in the checkout; its stdout, or fail with its output."""
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(log: IO[str], lines: int = 40) -> str:
    log.seek(0)
    return "".join(log.readlines()[-lines:])


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that every `finally` (and teardown) runs."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# ---------------------------------------------------------------------------------- the client

@dataclass
class Reply:
    """One response: status, headers, body and the time from sending to the last byte."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float


class Client:
    """One persistent HTTP/1.1 connection to a loopback server (not thread-safe: one each)."""

    def __init__(self, base_url: str, timeout: float = 120) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            fail(f"only a loopback http:// server may be benched, not {base_url}")
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80,
                                                     timeout=timeout)
        self.connects = 0

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Reply:
        """Send one request; a (re)connection, when needed, happens before the clock starts."""
        for attempt in (1, 2):
            if self.connection.sock is None:
                self.connection.connect()
                self.connects += 1
            try:
                return self._timed(method, path, headers or {}, body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # an idle keep-alive connection the server dropped
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()

    def _timed(self, method: str, path: str, headers: dict[str, str],
               body: bytes | None) -> Reply:
        start = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - start
        if response.will_close:
            self.connection.close()  # reconnect before the next request, off the clock
        return Reply(response.status, response.headers, data, seconds)


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh access token for a demo user."""
    body = json.dumps({"username": username, "password": password}).encode()
    reply = client.request("POST", "/api/v1/auth/token", {"Content-Type": "application/json"},
                           body)
    if reply.status != 200:
        fail(f"sign-in as {username} → {reply.status}: {reply.body[:300]!r}")
    return {"Authorization": f"Bearer {json.loads(reply.body)['access_token']}"}


# ------------------------------------------------------------------------------ the command line

def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high] (request counts stay bounded)."""
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}-{high}")
        return number
    return parse


def counts(low: int, high: int) -> Callable[[str], list[int]]:
    """An argparse type: comma-separated integers, each in [low, high] ("1,4")."""
    one = bounded(low, high)
    return lambda value: [one(part) for part in value.split(",") if part.strip()]


# ---------------------------------------------------------------------------------- messages

def say(message: str) -> None:
    """Progress, on stderr (the figures go to stdout)."""
    print(f"· {message}", file=sys.stderr, flush=True)


def fail(message: str) -> NoReturn:
    raise SystemExit(f"{Path(sys.argv[0]).name}: {message}")
