"""What bench/sync.py sends: demo collectors and batches of valid resident creates.

Every item is a valid resident create (people.People: realistic, unique ID card) at a random
point inside the sending collector's own grid (ST_GeneratePoints on its boundary), captured now.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg

from people import People

POINTS_PER_GRID = 64


@dataclass
class Collector:
    """A demo collector: its user id, grid, points inside that grid, and a token once signed in."""

    username: str
    user_id: int
    grid_code: str
    points: list[tuple[float, float]]
    auth: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """One upload: who sends it, its body as the phone sends it (and encoded), its item count."""

    collector: Collector
    body: dict[str, Any]
    encoded: bytes

    @property
    def size(self) -> int:
        return len(self.body["items"])


class Residents:
    """Batches of valid resident creates; every ID card is used once in a run."""

    def __init__(self, seed: int = 2026) -> None:
        self.people = People(seed)

    def item(self, point: tuple[float, float], captured_at: str) -> dict[str, Any]:
        """One create as a phone uploads it."""
        return {"id": str(uuid.uuid4()), "form": "resident", "form_version": 1,
                "captured_at": captured_at,
                "location": {"lon": point[0], "lat": point[1], "accuracy_m": 5},
                "data": self.people.resident()}

    def batch(self, collector: Collector, size: int) -> Batch:
        """A batch of ``size`` creates from points of the collector's grid."""
        captured_at = datetime.now(timezone.utc).isoformat()
        rng = self.people.rng
        items = [self.item(rng.choice(collector.points), captured_at) for _ in range(size)]
        body = {"batch_id": str(uuid.uuid4()), "device_id": f"phone-{collector.username}",
                "items": items}
        return Batch(collector, body, json.dumps(body, ensure_ascii=False).encode())

    def batches(self, collectors: list[Collector], items: int, size: int) -> list[Batch]:
        """``items`` items in batches of ``size``, the collectors taking turns."""
        counts = [size] * (items // size) + ([items % size] if items % size else [])
        return [self.batch(collectors[i % len(collectors)], n) for i, n in enumerate(counts)]


def load_collectors(database_url: str, seed: int = 7) -> list[Collector]:
    """Every demo collector with random points inside its primary grid, by collector number."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("""
            SELECT u.username, u.id, g.code, array_agg(ST_X(p.geom)), array_agg(ST_Y(p.geom))
              FROM users u
              JOIN assignments a ON a.user_id = u.id AND a.kind = 'primary'
              JOIN grids g ON g.id = a.grid_id
             CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %(n)s, %(seed)s)) AS p
             WHERE u.username ~ '^collector[0-9]+$'
             GROUP BY u.username, u.id, g.code""", {"n": POINTS_PER_GRID, "seed": seed}).fetchall()
    collectors = [Collector(name, user_id, code, list(zip(lons, lats)))
                  for name, user_id, code, lons, lats in rows]
    return sorted(collectors, key=lambda c: int(c.username.removeprefix("collector")))


def count_rows(database_url: str) -> dict[str, int]:
    """What the run left in the database: records, versions, merged submissions, batches."""
    with psycopg.connect(database_url) as connection:
        row = connection.execute("""
            SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM record_versions),
                   (SELECT count(*) FROM submissions WHERE status = 'merged'),
                   (SELECT count(*) FROM batches), (SELECT count(*) FROM audit_log)""").fetchone()
    assert row is not None
    return dict(zip(("records", "record versions", "merged submissions", "batches",
                     "audit rows"), row))
