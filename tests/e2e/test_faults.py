"""Faults under load: gunicorn workers killed mid-batch and PostgreSQL restarted mid-load.

A private cluster (scripts/cluster.sh) and gunicorn with two workers serve four collectors who
upload batches at once, retrying the same batch (same ids) on any broken connection or 503, as
the phone's outbox does. While they upload, a worker is killed twice and PostgreSQL is stopped
and started again. Afterwards every item is stored exactly once, merged once, and no natural
key has two records.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from server.config import database_uri
from tests.e2e.conftest import ROOT, _free_port, _wait_until_healthy
from tests.factories import PASSWORD, make_id_card, resident_data

COLLECTORS = 4
BATCHES = 6
ITEMS = 20
CELL_CENTRES = {"T-11": (114.305, 22.705), "T-12": (114.315, 22.705),
                "T-21": (114.305, 22.715), "T-22": (114.315, 22.715)}


@dataclass
class Stack:
    """The cluster and gunicorn of this test, and how to hurt them."""

    base: str
    database_url: str
    cluster_dir: str
    pg_port: int
    gunicorn: subprocess.Popen[bytes]

    def workers(self) -> list[int]:
        """The pids of gunicorn's workers (children of its master)."""
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if entry.name.isdigit() and int(fields[1]) == self.gunicorn.pid:
                pids.append(int(entry.name))
        return pids

    def kill_a_worker(self) -> None:
        os.kill(self.workers()[0], signal.SIGKILL)

    def restart_postgres(self) -> None:
        cluster = str(ROOT / "scripts" / "cluster.sh")
        subprocess.run([cluster, "stop", self.cluster_dir], check=True, capture_output=True)
        time.sleep(0.5)
        subprocess.run([cluster, "start", self.cluster_dir, str(self.pg_port)], check=True,
                       capture_output=True, env={**os.environ, "PG_FSYNC": "off"})


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    cluster = str(ROOT / "scripts" / "cluster.sh")
    directory = tempfile.mkdtemp(prefix="zhiwang-faults.")
    pg_port = _free_port()
    started = subprocess.run([cluster, "start", directory, str(pg_port)], check=True,
                             capture_output=True, text=True, env={**os.environ, "PG_FSYNC": "off"})
    url = started.stdout.strip().splitlines()[-1]
    env = {**os.environ, "DATABASE_URL": url, "ZHIWANG_JWT_ACTIVE_KID": "f",
           "ZHIWANG_JWT_KEYS": json.dumps({"f": uuid.uuid4().hex * 2})}
    process = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        _seed(url)
        port = _free_port()
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py",
             "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_until_healthy(f"http://127.0.0.1:{port}", process)
        yield Stack(f"http://127.0.0.1:{port}", url, directory, pg_port, process)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
        subprocess.run([cluster, "stop", directory], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def _seed(url: str) -> None:
    """The 3×3 lattice, the forms, and one collector in each of four grids."""
    from datetime import datetime, timedelta, timezone

    from server import create_app
    from server.extensions import db
    from tests.conftest import app_config
    from tests.factories import make_assignment, make_grids, make_user, publish_repo_forms
    app = create_app(app_config(url))
    with app.app_context():
        grids = make_grids(db.session)
        publish_repo_forms(db.session)
        for n, code in enumerate(CELL_CENTRES):
            user = make_user(db.session, username=f"collector{n}")
            make_assignment(db.session, user, grids[code], "primary",
                            valid_from=datetime.now(timezone.utc) - timedelta(days=1))
        db.session.commit()
        db.engine.dispose()


@dataclass
class Outbox:
    """One phone: its batches, sent again until they are answered, and what it saw."""

    base: str
    username: str
    grid: str
    serial: int
    batches: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: Counter[Any] = field(default_factory=Counter)

    def fill(self) -> None:
        from datetime import datetime, timezone
        lon, lat = CELL_CENTRES[self.grid]
        for b in range(BATCHES):
            items = []
            for i in range(ITEMS):
                serial = self.serial * 10_000 + b * 100 + i
                born = f"19{80 + self.serial}0101"  # one birth year per phone: no shared key
                data = resident_data(serial, id_card=make_id_card(serial, born=born))
                items.append({"id": str(uuid.uuid4()), "form": "resident", "form_version": 1,
                              "captured_at": datetime.now(timezone.utc).isoformat(),
                              "location": {"lon": lon, "lat": lat, "accuracy_m": 5},
                              "data": data})
            self.batches.append({"batch_id": str(uuid.uuid4()), "device_id": self.username,
                                 "items": items})

    def send_all(self, deadline: float) -> None:
        token = self._until_answered(deadline, "/api/v1/auth/token", {
            "username": self.username, "password": PASSWORD}, None)
        for batch in self.batches:
            body = self._until_answered(deadline, "/api/v1/sync/batches", batch,
                                        token["access_token"])
            self.answers[batch["batch_id"]] = body["results"]

    def _until_answered(self, deadline: float, path: str, body: dict[str, Any],
                        token: str | None) -> dict[str, Any]:
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < deadline:
            host, port = self.base.removeprefix("http://").split(":")
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                connection.request("POST", path, payload, headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.statuses[type(error).__name__] += 1
                time.sleep(0.2)
                continue
            finally:
                connection.close()
            self.statuses[response.status] += 1
            if response.status == 200:
                return json.loads(answer)
            assert response.status == 503, (response.status, answer[:300])
            assert response.getheader("Content-Type") == "application/problem+json"
            time.sleep(min(float(response.getheader("Retry-After", "1")), 1.0) / 4)
        raise AssertionError(f"{self.username}: no answer before the deadline")


def test_every_item_is_stored_exactly_once_through_worker_kills_and_a_postgres_restart(stack):
    outboxes = [Outbox(stack.base, f"collector{n}", code, n)
                for n, code in enumerate(CELL_CENTRES)]
    for outbox in outboxes:
        outbox.fill()
    deadline = time.monotonic() + 120
    errors: list[BaseException] = []

    def run(outbox: Outbox) -> None:
        try:
            outbox.send_all(deadline)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(o,)) for o in outboxes]
    for thread in threads:
        thread.start()
    _wait_for_answers(outboxes, 1)
    stack.kill_a_worker()
    _wait_for_answers(outboxes, 2)
    stack.kill_a_worker()
    _wait_for_answers(outboxes, 3)
    stack.restart_postgres()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic()))
    assert not errors, errors
    seen = sum((o.statuses for o in outboxes), Counter())
    assert seen[200] >= COLLECTORS * (BATCHES + 1)
    assert {s for s in seen if isinstance(s, int)} <= {200, 503}, seen  # never a 500
    assert sum(n for s, n in seen.items() if s != 200) > 0, seen  # the faults were felt

    sent = {i["id"]: i for o in outboxes for b in o.batches for i in b["items"]}
    answered = {r["id"]: r for o in outboxes for rs in o.answers.values() for r in rs}
    assert set(answered) == set(sent)
    assert Counter(r["status"] for r in answered.values()) == {"merged": len(sent)}
    engine = create_engine(database_uri(stack.database_url))
    with engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT CAST(id AS text), status, CAST(result->>'record_id' AS text) "
            "FROM submissions")).all()
        records = connection.execute(text("SELECT count(*), count(DISTINCT (kind, key)) "
                                          "FROM records")).one()
        versions = connection.execute(text("SELECT count(*) FROM record_versions")).scalar()
    engine.dispose()
    assert len(stored) == len(sent) and {row[0] for row in stored} == set(sent)
    assert {row[1] for row in stored} == {"merged"}
    assert {row[0]: row[2] for row in stored} == {i: r["record_id"] for i, r in answered.items()}
    assert tuple(records) == (len(sent), len(sent))  # one record per item, no duplicate key
    assert versions == len(sent)


def _wait_for_answers(outboxes: list[Outbox], per_outbox: int, timeout: float = 60) -> None:
    """Until every outbox has had ``per_outbox`` batches answered (or one has finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(len(o.answers) >= min(per_outbox, BATCHES) for o in outboxes):
            return
        time.sleep(0.05)
    raise AssertionError("the uploads made no progress")
