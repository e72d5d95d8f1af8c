"""The grids a user may see (``scope.visible_grids``) as GeoJSON, and which grid covers a point."""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from shapely import wkb
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.domain.grid_simplify import simplify_coverage
from server.errors import NotFound
from server.models import Grid
from server.services.covering import covering_grid_id
from server.services.grid_import import DEFAULT_SIMPLIFY_M
from server.services.scope import GridScope

TOLERANCE_STEPS = (0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0)
_simplified_cache: OrderedDict[tuple[str, float], dict[int, str]] = OrderedDict()


def scope_etag(session: Session, scope: GridScope, simplify_m: float | None) -> str:
    """A strong validator of the collection: changes whenever the grids or the scope change."""
    # One aggregate over the district (any grid change bumps a version or updated_at) keeps
    # the 304 path to two cheap queries, whatever the number of grids in scope.
    state = session.execute(text(
        "SELECT count(*), coalesce(sum(version), 0), max(updated_at) FROM grids")).one()
    who = "district" if scope.relations is None else sorted(scope.relations.items())
    digest = hashlib.sha256(repr((simplify_m, tuple(state), who)).encode())
    return digest.hexdigest()[:32]


def snapped_tolerance(metres: float | None) -> float | None:
    """Round a requested tolerance to the nearest offered step, so few variants are ever built."""
    if metres is None:
        return None
    return min(TOLERANCE_STEPS, key=lambda step: abs(step - metres))


def feature_collection(session: Session, scope: GridScope, simplify_m: float | None) -> bytes:
    """The visible grids as a GeoJSON FeatureCollection (6-decimal coordinates), as UTF-8 bytes."""
    rows = session.execute(text("""
        SELECT id, code, name, street_code, street_name, community_code, community_name, version,
               ST_AsGeoJSON(CASE WHEN :exact THEN boundary ELSE boundary_simplified END, 6)
          FROM grids WHERE retired_at IS NULL AND (CAST(:all AS boolean) OR id = ANY(:ids))
         ORDER BY code"""),
        {"ids": list(scope.relations or {}), "all": scope.relations is None,
         "exact": simplify_m == 0}).all()
    custom = _custom_simplified(session, simplify_m) if simplify_m not in (
        None, 0, DEFAULT_SIMPLIFY_M) else {}
    features = [_feature(row, scope.relation(row[0]) or "", custom.get(row[0], row[8]))
                for row in rows]
    body = {"type": "FeatureCollection", "simplify_m": simplify_m if simplify_m is not None
            else DEFAULT_SIMPLIFY_M, "features": features}
    return _dump(body)


def grid_feature(session: Session, code: str, scope: GridScope) -> bytes:
    """One visible grid as a GeoJSON Feature with its exact boundary."""
    row = session.execute(text("""
        SELECT id, code, name, street_code, street_name, community_code, community_name, version,
               ST_AsGeoJSON(boundary, 6) FROM grids WHERE code = :code"""), {"code": code}).first()
    relation = scope.relation(row[0]) if row is not None else None
    if row is None or relation is None:
        raise NotFound(f"No grid {code!r} among the grids you may see.")
    return _dump(_feature(row, relation, row[8]))


def grid_covering(session: Session, lon: float, lat: float, scope: GridScope) -> bytes:
    """The grid covering a point; on a shared edge, deterministically the lowest code. Its
    code and names are for anyone signed in (a phone asks "which grid am I in?"); its outline
    only for those who may see that grid, as ``/grids/{code}`` decides."""
    row = session.execute(text("""
        SELECT id, code, name, street_code, street_name, community_code, community_name, version,
               ST_AsGeoJSON(boundary_simplified, 6)
          FROM grids WHERE id = """ + covering_grid_id(":lon", ":lat")),
        {"lon": lon, "lat": lat}).first()
    if row is None:
        raise NotFound(f"No grid covers ({lon}, {lat}).")
    visible = scope.relation(row[0]) is not None
    return _dump(_feature(row, "located" if visible else "other", row[8] if visible else None))


def _feature(row: Any, relation: str, geometry_json: str | None) -> dict[str, Any]:
    grid_id, code, name, street_code, street_name, community_code, community_name, version = row[:8]
    return {"type": "Feature", "id": code,
            "geometry": json.loads(geometry_json) if geometry_json else None,
            "properties": {"code": code, "name": name, "street_code": street_code,
                           "street_name": street_name, "community_code": community_code,
                           "community_name": community_name, "version": version,
                           "relation": relation}}


def _custom_simplified(session: Session, tolerance_m: float) -> dict[int, str]:
    """Coverage-simplify the whole district at another tolerance (cached per coverage state)."""
    versions = session.execute(select(Grid.id, Grid.version).where(Grid.retired_at.is_(None))
                               .order_by(Grid.id)).all()
    state = hashlib.sha256(repr(versions).encode()).hexdigest()
    key = (state, tolerance_m)
    if key not in _simplified_cache:
        rows = session.execute(text("SELECT id, ST_AsBinary(boundary) FROM grids "
                                    "WHERE retired_at IS NULL ORDER BY id")).all()
        shapes = simplify_coverage([wkb.loads(bytes(r[1])) for r in rows], tolerance_m)
        _simplified_cache[key] = {r[0]: json.dumps(_rounded(s.__geo_interface__))
                                  for r, s in zip(rows, shapes)}
        while len(_simplified_cache) > len(TOLERANCE_STEPS):
            _simplified_cache.popitem(last=False)
    return _simplified_cache[key]


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(c, 6) for c in value]
            return [walk(v) for v in value]
        return value
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
