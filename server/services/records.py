"""Reading the resource database: one record, its history, search; always within scope."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.search_terms import recognised_number
from server.errors import NotFound
from server.models import User
from server.services.access_log import check_number_search, log_number_search
from server.services.record_rows import RECORD_COLUMNS, RECORD_JOINS, record_row
from server.services.scope import readable_kinds, record_scope


def get_record(session: Session, user: User, record_id: uuid.UUID) -> Any:
    """One record within the user's scope."""
    scope, kinds = record_scope(session, user), readable_kinds(session, user)
    row = record_row(session, record_id)
    if row is None or (kinds is not None and row.kind not in kinds) or (scope is not None and row.grid_id not in scope):
        raise NotFound(f"No record {record_id} among the records you may see.")
    return row


def record_history(session: Session, user: User, record_id: uuid.UUID) -> list[Any]:
    """Every version of a record in the user's scope, oldest first."""
    get_record(session, user, record_id)
    return list(session.execute(text("""
        SELECT v.record_id, v.version, v.data, g.code AS grid, v.form_id, v.form_version,
               v.made_at, u.username AS made_by,
               u.display_name AS made_by_name, v.submission_id, v.conflict_id, v.branch,
               v.changed_fields, v.auto_merged_fields, v.note,
               (SELECT jsonb_agg(jsonb_build_object('field', p.field, 'sha256', p.sha256,
                                                    'arrived', a.sha256 IS NOT NULL)
                                 ORDER BY p.field, p.position)
                  FROM record_version_photos p LEFT JOIN attachments a ON a.sha256 = p.sha256
                 WHERE p.record_id = v.record_id AND p.version = v.version) AS photos
          FROM record_versions v JOIN grids g ON g.id = v.grid_id
          LEFT JOIN users u ON u.id = v.made_by_id
         WHERE v.record_id = :id ORDER BY v.version"""), {"id": record_id}))


def search_records(session: Session, user: User, *, kind: str | None, q: str | None,
                   grid_code: str | None, limit: int) -> list[Any]:
    """Records matching a name (exact, prefix, within), a whole ID-card or phone number."""
    where, params = _scope_conditions(session, user, kind, grid_code)
    params["limit"] = limit
    # A generic plan cannot use the name index for LIKE $1, and a bad one costs seconds on a
    # million rows: plan every search for its actual values (planning takes ~1 ms).
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    q = (q or "").strip()
    if not q:
        return _rows(session, where, "r.updated_at DESC, r.id", params)
    number = recognised_number(q)
    if number is not None:
        check_number_search(session, user)
        params["term"] = number
        # Look the number up in its GIN index first (OFFSET 0 keeps the planner from walking
        # the primary key in order instead: it cannot estimate array containment).
        found = _rows(session, where, "r.id", params,
                      lookup="r.search_keys @> ARRAY[CAST(:term AS text)]")
        log_number_search(session, user, number, len(found))
        return found
    return _name_matches(session, where, q, params)


def _scope_conditions(session: Session, user: User, kind: str | None,
                      grid_code: str | None) -> tuple[list[str], dict[str, Any]]:
    """Only the conditions that apply: catch-all ``$1 IS NULL OR …`` terms spoil plans."""
    where, params = ["r.retired_at IS NULL"], {}
    if kind:
        where.append("r.kind = :kind")
        params["kind"] = kind
    kinds = readable_kinds(session, user)
    if kinds is not None:
        where.append("r.kind = ANY(CAST(:kinds AS text[]))")
        params["kinds"] = kinds
    scope = record_scope(session, user)
    if grid_code:
        grid_id = session.execute(text("SELECT id FROM grids WHERE code = :code"),
                                  {"code": grid_code}).scalar()
        scope = [g for g in (scope if scope is not None else [grid_id]) if g == grid_id]
    if scope is not None:
        where.append("r.grid_id = ANY(CAST(:scope AS bigint[]))")
        params["scope"] = scope
    return where, params


def _name_matches(session: Session, where: list[str], q: str,
                  params: dict[str, Any]) -> list[Any]:
    """Exact names first, then names starting with q (in name order), then names containing it."""
    params |= {"q": q, "prefix": _like_escape(q) + "%", "infix": "%" + _like_escape(q) + "%"}
    # Up to two characters the character pairs decide a match exactly; longer queries are
    # narrowed by their pairs and confirmed with LIKE.
    within = "r.name_grams @> zw_query_grams(:q)" + (
        " AND r.search_name LIKE :infix" if len(q) > 2 else "")
    # District-wide, the name index yields a prefix's names in order and stops at the limit; in
    # a scope the (grid, name) index finds the scope's matches, and the first found are sorted.
    prefix_order = "r.search_name USING ~<~, r.id" if "scope" not in params else None
    found: dict[Any, Any] = {}
    for condition, order in (
            ("r.search_name = :q", "r.id"),
            ("r.search_name LIKE :prefix", prefix_order),
            (within, None)):
        for row in _rows(session, where + [condition], order, params):
            found.setdefault(row.id, row)
        if len(found) >= params["limit"]:
            break
    return list(found.values())[:params["limit"]]


def _rows(session: Session, where: list[str], order: str | None, params: dict[str, Any],
          lookup: str | None = None) -> list[Any]:
    """Filter, order and limit the records alone, then join only those rows to their names.

    ``order`` None takes the first matches found (a common infix matches thousands of names)
    and sorts just those by name. ``lookup`` is a condition answered first, alone, by its own
    index (OFFSET 0 fences it off), before the other conditions filter its few rows.
    """
    inner = f"SELECT r.* FROM records r WHERE {' AND '.join(where)}"
    if lookup:
        inner = (f"SELECT r.* FROM (SELECT * FROM records r WHERE {lookup} OFFSET 0) AS r "
                 f"WHERE {' AND '.join(where)}")
    inner += f" ORDER BY {order}" if order else ""
    outer_order = order or "r.search_name USING ~<~, r.id"
    sql = (f"SELECT {RECORD_COLUMNS} FROM ({inner} LIMIT :limit) AS r {RECORD_JOINS} "
           f"ORDER BY {outer_order}")
    return list(session.execute(text(sql), params))


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
