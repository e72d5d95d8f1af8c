"""The indicator store: values written set-based, a re-delivered month replacing the old one.

A value a later import replaces is kept in ``indicator_history`` (with the import that replaced
it); so is a value the new delivery of its month no longer carries.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.indicators import IndicatorRow, month_text

ENTERPRISE_KIND = "enterprise"


@dataclass
class ChunkOutcome:
    """What a chunk wrote, which of its rows (by index) were refused, which months it touched."""

    written: int = 0
    rejected: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    months: set[str] = field(default_factory=set)  # "indicator|YYYY-MM"


def enterprise_ids(session: Session, codes: set[str]) -> dict[str, Any]:
    """Active enterprise records by credit code."""
    rows = session.execute(text(
        "SELECT key, id FROM records WHERE kind = :kind AND key = ANY(CAST(:codes AS text[])) "
        "AND retired_at IS NULL"), {"kind": ENTERPRISE_KIND, "codes": sorted(codes)})
    return dict(rows.all())


def write_chunk(session: Session, job_id: int, department: str | None,
                rows: list[IndicatorRow]) -> ChunkOutcome:
    """Write checked rows: unknown enterprises and repeated rows refused, the rest upserted."""
    outcome = ChunkOutcome()
    known = enterprise_ids(session, {r.credit_code for r in rows})
    values: dict[tuple[Any, str, date], dict[str, Any]] = {}
    for index, row in enumerate(rows):
        enterprise = known.get(row.credit_code)
        if enterprise is None:
            outcome.rejected[index] = [{"field": "credit_code", "code": "unknown_enterprise",
                                        "message": "no enterprise with this credit code"}]
            continue
        key = (enterprise, row.indicator, row.month)
        if key in values:
            outcome.rejected[index] = [{"field": "credit_code", "code": "repeated",
                                        "message": "repeats an earlier row of the file"}]
            continue
        values[key] = {"enterprise_id": str(enterprise), "indicator": row.indicator,
                       "month": row.month.isoformat(), "value": str(row.value)}
        outcome.months.add(f"{row.indicator}|{month_text(row.month)}")
    if values:
        params = {"rows": json.dumps(list(values.values())), "job": job_id, "dept": department}
        session.execute(_KEEP_REPLACED, params)
        session.execute(_UPSERT, params)
    outcome.written = len(values)
    return outcome


def replace_months(session: Session, job_id: int, months: list[str]) -> int:
    """The file's months are its delivery as a whole: values of those indicator-months that
    earlier imports brought and this one did not are moved to the history."""
    if not months:
        return 0
    pairs = [m.split("|") for m in months]
    params = {"job": job_id, "indicators": [p[0] for p in pairs],
              "months": [f"{p[1]}-01" for p in pairs]}
    return session.execute(_DROP_UNDELIVERED, params).rowcount


_ROWS = """jsonb_to_recordset(CAST(:rows AS jsonb))
           AS r(enterprise_id uuid, indicator text, month date, value numeric)"""
_KEEP_REPLACED = text(f"""
    INSERT INTO indicator_history (enterprise_id, indicator, month, value, department_code,
                                   import_id, imported_at, replaced_by_import)
    SELECT v.enterprise_id, v.indicator, v.month, v.value, v.department_code, v.import_id,
           v.imported_at, :job
      FROM indicator_values v JOIN {_ROWS} USING (enterprise_id, indicator, month)
     WHERE v.import_id IS DISTINCT FROM :job""")
_UPSERT = text(f"""
    INSERT INTO indicator_values (enterprise_id, indicator, month, value, department_code,
                                  import_id)
    SELECT enterprise_id, indicator, month, value, :dept, :job FROM {_ROWS}
    ON CONFLICT (enterprise_id, indicator, month) DO UPDATE
       SET value = excluded.value, department_code = excluded.department_code,
           import_id = excluded.import_id, imported_at = now()""")
_DROP_UNDELIVERED = text("""
    WITH gone AS (
        DELETE FROM indicator_values v
         USING unnest(CAST(:indicators AS text[]), CAST(:months AS date[])) AS m(indicator, month)
         WHERE v.indicator = m.indicator AND v.month = m.month
           AND v.import_id IS DISTINCT FROM :job
        RETURNING v.*)
    INSERT INTO indicator_history (enterprise_id, indicator, month, value, department_code,
                                   import_id, imported_at, replaced_by_import)
    SELECT enterprise_id, indicator, month, value, department_code, import_id, imported_at, :job
      FROM gone""")
