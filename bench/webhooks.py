"""Benchmark: how fast committed record changes become signed deliveries at a receiver.

    .venv/bin/python bench/webhooks.py [--records 20000] [--subscriptions 4] [--chunk 500]

On a throwaway cluster (migrated, demo-seeded), `--subscriptions` webhooks of the demo police
department point at receivers on loopback (a threaded http.server in this process). Resident
records are written through the record store, `--chunk` per transaction; then, in-process:
  events       the `webhook_events` work (make_events pages) until every subscription caught up:
               record versions × subscriptions turned into pending deliveries per second;
  deliveries   `webhook_deliveries` passes (disclosure per grant, access log, signing, POST,
               outcomes) until none is due: deliveries per second, against
  ceiling      the same bodies, signed and POSTed by plain http.client over one kept-alive
               connection per subscription, with the same parallelism and no database.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from figures import machine_load, print_table, ratio  # noqa: E402
from harness import VENV_BIN, run, say, throwaway_cluster  # noqa: E402
from people import People  # noqa: E402


class Sink:
    """Receivers on loopback that take every POST (204) and keep the bodies."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                sink.bodies.append(self.rfile.read(int(self.headers["content-length"])))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]


def seed(session, records: int, chunk: int) -> None:
    """Residents through the record store, ``chunk`` per transaction."""
    from sqlalchemy import text

    from server.services.disclosure import validator
    from server.services.record_store import VersionWrite, create_records
    form = validator(session, "resident", 1)
    places = session.execute(text("""
        SELECT a.grid_id, a.user_id, ST_X(p) AS lon, ST_Y(p) AS lat
          FROM assignments a JOIN grids g ON g.id = a.grid_id,
               LATERAL ST_PointOnSurface(g.boundary) AS p
         WHERE a.kind = 'primary' ORDER BY g.code""")).all()
    people = People(2017)
    for start in range(0, records, chunk):
        writes = []
        for i in range(start, min(start + chunk, records)):
            grid_id, user_id, lon, lat = places[i % len(places)]
            data = people.resident()
            writes.append(VersionWrite(uuid.uuid4(), 1, form, data, grid_id, lon, lat, user_id,
                                       sorted(data)))
        create_records(session, writes)
        session.commit()


def drain(step) -> tuple[int, float]:
    """Run ``step`` (→ work done, whether more is left) until nothing is; (work, seconds)."""
    began, done, more = time.perf_counter(), 0, True
    while more:
        count, more = step()
        done += count
    return done, time.perf_counter() - began


def ceiling(bodies: list[bytes], ports: list[int], secret: str) -> float:
    """Seconds to sign and POST these bodies over one kept-alive connection per receiver."""
    import http.client

    from server.domain.webhook_events import signed_headers
    shares = [bodies[i::len(ports)] for i in range(len(ports))]

    def post_all(port: int, share: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n, body in enumerate(share):
            connection.request("POST", "/hook", body, signed_headers(
                secret, f"ceiling_{n}", int(time.time()), body))
            connection.getresponse().read()
        connection.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(len(ports)) as pool:
        list(pool.map(post_all, ports, shares))
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--subscriptions", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args()
    with throwaway_cluster() as url:
        env = {"DATABASE_URL": url, "PATH": str(VENV_BIN),
               "ZHIWANG_JWT_KEYS": json.dumps({"bench": secrets.token_urlsafe(36)})}
        for step in (["db", "upgrade"], ["demo", "seed"]):
            say(f"flask {' '.join(step)} …")
            run([str(VENV_BIN / "flask"), "--app", "wsgi", *step], env)
        measure(url, args)


def measure(url: str, args: argparse.Namespace) -> None:
    from server import create_app
    from server.extensions import db
    app = create_app({"DATABASE_URL": url, "JWT_KEYS": {"bench": secrets.token_urlsafe(36)},
                      "WEBHOOK_SECRET_KEYS": {"bench": secrets.token_urlsafe(36)},
                      "WEBHOOK_DENIED_NETWORKS": ["169.254.0.0/16"]})
    sinks = [Sink() for _ in range(args.subscriptions)]
    with app.app_context():
        secret = subscribe(app, [sink.port for sink in sinks])
        say(f"{args.records:,} residents through the record store …")
        began = time.perf_counter()
        seed(db.session, args.records, args.chunk)
        timings = {"writes": (args.records, time.perf_counter() - began), **work(app)}
        db.session.remove()
        db.engine.dispose()  # before the cluster stops
    bodies = [body for sink in sinks for body in sink.bodies]
    say("ceiling …")
    timings["ceiling"] = (len(bodies), ceiling(bodies, [s.port for s in sinks], secret))
    report(args, timings)


def subscribe(app, ports: list[int]) -> str:
    """A webhook of the police department per receiver; the (last) signing secret."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Role, User
    from server.services.webhooks.settings import WebhookSettings
    from server.services.webhooks.subscriptions import create_subscription
    settings = WebhookSettings.from_config(app.config)
    admin = db.session.scalar(select(User).where(User.role == Role.admin))
    secret = ""
    for port in ports:
        _, secret = create_subscription(db.session, admin, settings, "police",
                                        f"http://127.0.0.1:{port}/hook", None, None)
    db.session.commit()
    return secret


def work(app) -> dict[str, tuple[int, float]]:
    """The two periodic jobs' work, back to back in-process, until nothing is left."""
    from server.extensions import db
    from server.services.webhooks.deliveries import send_due
    from server.services.webhooks.events import make_events, reaches
    from server.services.webhooks.settings import WebhookSettings
    session, settings = db.session, WebhookSettings.from_config(app.config)
    reached = reaches(session)

    def one_page() -> tuple[int, bool]:
        made, more = make_events(session, reached, settings.retry_window)
        session.commit()
        return made, more

    def one_pass() -> tuple[int, bool]:
        delivered = send_due(session, settings, session.commit)["delivered"]
        session.commit()
        return delivered, delivered > 0

    say("events …")
    events = drain(one_page)
    say("deliveries …")
    return {"events": events, "deliveries": drain(one_pass)}


def report(args: argparse.Namespace, timings: dict[str, tuple[int, float]]) -> None:
    rate = lambda n, s: f"{n / s:,.0f}/s" if s else "-"  # noqa: E731
    ceiling_rate = timings["ceiling"][0] / timings["ceiling"][1]
    rows = []
    for step, name in [("writes", "record store writes"), ("events", "events (make_events)"),
                       ("deliveries", "deliveries (send_due)"),
                       ("ceiling", "ceiling (http.client)")]:
        count, seconds = timings[step]
        rows.append([name, f"{count:,}", f"{seconds:.1f}", rate(count, seconds),
                     ratio(count / seconds, ceiling_rate) if step in ("deliveries", "ceiling")
                     else ""])
    print_table(f"Webhooks: {args.records:,} record versions × {args.subscriptions} "
                f"subscriptions (load {machine_load()})",
                ["step", "count", "seconds", "rate", "× ceiling"], rows,
                notes=["events and deliveries: the two periodic jobs' work, run back to back "
                       "in-process", "ceiling: the same bodies signed and POSTed with no "
                       "database, same parallelism"])


if __name__ == "__main__":
    main()
