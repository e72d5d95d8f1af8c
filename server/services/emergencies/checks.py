"""Check results from the phones: a check is a submission like any other (form kind
``emergency_check``: the task, the result, people evacuated or sheltered, a note), so it is
captured offline, kept in the outbox and uploaded with the phone's batches.

Before a batch merges, its checks are looked at against their tasks in one query that locks
those tasks until the batch commits: the task must be open, and the collector must have been
given it or work in its grid when the check was captured (a roving collector sent there after
the warning was declared counts). The first check of a task in a batch wins. The record store
then marks the task done when it writes the check record (``after_create``).
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.item_result import FieldError, error
from server.services.scope import works_in_sql

CHECK_KIND = "emergency_check"
TASK_FIELD = "task"

_LOOK = text(f"""
WITH c AS (SELECT * FROM unnest(CAST(:items AS uuid[]), CAST(:tasks AS uuid[]),
                                CAST(:ats AS timestamptz[])) AS c(item_id, task_id, at)),
locked AS MATERIALIZED (
    SELECT id, state, grid_id, assignees FROM emergency_tasks
     WHERE id IN (SELECT task_id FROM c) ORDER BY id FOR UPDATE)
SELECT c.item_id, locked.state,
       (:collector = ANY(locked.assignees) OR EXISTS (
           SELECT 1 FROM assignments a
            WHERE {works_in_sql("a", ":collector", "c.at")} AND a.grid_id = locked.grid_id))
       AS given
  FROM c LEFT JOIN locked ON locked.id = c.task_id""")


def refused_checks(session: Session, collector_id: int, items: list[tuple[Any, Any, dict]]
                   ) -> dict[uuid.UUID, list[FieldError]]:
    """The field errors of new check items that may not complete their task."""
    checks = [(item, uuid.UUID(data[TASK_FIELD])) for item, form, data in items
              if form.kind == CHECK_KIND and not item.is_update]
    if not checks:
        return {}
    rows = {row.item_id: row for row in session.execute(_LOOK, {
        "items": [i.id for i, _ in checks], "tasks": [t for _, t in checks],
        "ats": [i.captured_at for i, _ in checks], "collector": collector_id})}
    refused: dict[uuid.UUID, list[FieldError]] = {}
    taken: set[uuid.UUID] = set()
    for item, task_id in sorted(checks, key=lambda c: (c[0].captured_at, c[0].position)):
        row = rows[item.id]
        if row.state is None:
            refused[item.id] = [_task_error("task.missing", "names no check task",
                                            "检查任务不存在")]
        elif row.state != "open" or task_id in taken:
            state = "done" if task_id in taken else row.state
            refused[item.id] = [_task_error("task.not_open", f"this task is {state}, not open",
                                            f"该检查任务已{'完成' if state == 'done' else '关闭'}")]
        elif not row.given:
            refused[item.id] = [_task_error("task.not_yours",
                                            "this task lies in a grid you did not work in then",
                                            "该任务不在您当时负责的网格内")]
        else:
            taken.add(task_id)
    return refused


def after_create(session: Session, writes: list[Any]) -> None:
    """Mark done the tasks of new check records (still open: a batch checked that under lock)."""
    checks = [w for w in writes if w.form.kind == CHECK_KIND]
    if not checks:
        return
    session.execute(_DONE, {"rows": json.dumps([{
        "task": w.data[TASK_FIELD], "check_id": str(w.record_id),
        "by": w.created_by or w.made_by, "result": w.data.get("result"),
        "evacuated": w.data.get("evacuated"), "sheltered": w.data.get("sheltered")}
        for w in checks])})


def _task_error(code: str, message: str, message_zh: str) -> FieldError:
    return error(f"data.{TASK_FIELD}", code, message, message_zh)


_DONE = text("""
UPDATE emergency_tasks t
   SET state = 'done', done_at = now(), done_by_id = c.by, result = c.result,
       evacuated = c.evacuated, sheltered = c.sheltered, check_id = c.check_id
  FROM jsonb_to_recordset(CAST(:rows AS jsonb))
       AS c(task uuid, check_id uuid, by bigint, result text, evacuated int, sheltered int)
 WHERE t.id = c.task AND t.state = 'open'""")
