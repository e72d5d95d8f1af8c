"""The event workflow (数字化城管: 立案 → 派遣 → 处置 → 核查 → 结案): states, moves, who may move.

An event is a record of kind ``event`` reported by a collector; its workflow state is kept
beside it. Each move is taken with a capability, and the scope rule (services/scope.py) says
who holds which capability on which event:

- ``supervise``: the supervisors of the event's grid, and administrators — register (立案),
  reject (not a case), dispatch to a department (again after a return, or to another one),
  close (结案) once verified;
- ``handle``: the staff of the department the event is dispatched to — handle (report what
  was done), or return it (not theirs);
- ``verify``: the collectors working in the event's grid — check on site that it was fixed.
  A verification that finds it not fixed sends the event back to the department.

Moves are pure: ``move`` takes an event's workflow state and gives the next one and the facts
its history row keeps; services write both.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from server.domain.form_definition import choices_of

EVENT_KIND = "event"
VERIFICATION_KIND = "event_verification"
# What the workflow reads of the records: an event's category; a verification's event, result
# and note (their forms must have these fields, see ``workflow_form_problems``).
CATEGORY_FIELD = "category"
VERIFIED_EVENT_FIELD, RESULT_FIELD, NOTE_FIELD = "event", "result", "note"
FIXED, NOT_FIXED = "fixed", "not_fixed"
RESULTS = (FIXED, NOT_FIXED)

SUPERVISE, HANDLE, VERIFY = "supervise", "handle", "verify"

REPORTED, REGISTERED, DISPATCHED = "reported", "registered", "dispatched"
HANDLED, VERIFIED, CLOSED = "handled", "verified", "closed"
RETURNED, REJECTED = "returned", "rejected"
STATES = (REPORTED, REGISTERED, DISPATCHED, HANDLED, VERIFIED, CLOSED, RETURNED, REJECTED)
FINAL_STATES = frozenset({CLOSED, REJECTED})
OPEN_STATES = tuple(s for s in STATES if s not in FINAL_STATES)


@dataclass(frozen=True)
class Move:
    """One action: the states it leaves from, the state it leads to, the capability it takes."""

    sources: frozenset[str]
    target: str
    capability: str


MOVES: dict[str, Move] = {
    "register": Move(frozenset({REPORTED}), REGISTERED, SUPERVISE),
    "reject": Move(frozenset({REPORTED, REGISTERED, RETURNED}), REJECTED, SUPERVISE),
    "dispatch": Move(frozenset({REGISTERED, DISPATCHED, RETURNED}), DISPATCHED, SUPERVISE),
    "handle": Move(frozenset({DISPATCHED}), HANDLED, HANDLE),
    "return": Move(frozenset({DISPATCHED}), RETURNED, HANDLE),
    "verify": Move(frozenset({HANDLED}), VERIFIED, VERIFY),
    "close": Move(frozenset({VERIFIED}), CLOSED, SUPERVISE),
}
ACTIONS = tuple(MOVES)
# History rows that are not moves of a person: the report itself, and the overdue flag.
REPORT, OVERDUE = "report", "overdue"


def allowed_actions(state: str, capabilities: frozenset[str] | set[str]) -> list[str]:
    """The actions a holder of ``capabilities`` may take on an event in ``state``."""
    return [a for a, m in MOVES.items() if state in m.sources and m.capability in capabilities]


@dataclass(frozen=True)
class Workflow:
    """An event's workflow state: where it stands and, while dispatched, with whom until when."""

    state: str
    department: str | None = None
    dispatched_at: datetime | None = None
    deadline: datetime | None = None
    handled_at: datetime | None = None
    overdue_at: datetime | None = None
    closed_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """Whether the department has let the deadline pass without handling the event."""
        return self.state == DISPATCHED and self.deadline is not None and self.deadline < now


@dataclass(frozen=True)
class Step:
    """What a move's history row keeps beyond who, when and the note."""

    action: str
    source: str
    target: str
    department: str | None = None
    deadline: datetime | None = None
    result: str | None = None
    handling_seconds: int | None = None  # handle: from (re)dispatch to handling
    on_time: bool | None = None          # handle: handled by the deadline


def move(flow: Workflow, action: str, at: datetime, *, department: str | None = None,
         time_limit: timedelta | None = None, result: str | None = None) -> tuple[Workflow, Step]:
    """The workflow after ``action`` at ``at`` (which ``allowed_actions`` must allow), and the
    step to record. Dispatch needs the department and the category's time limit; verify the
    collector's result (a failed check sends the event back to its department)."""
    if action not in MOVES or flow.state not in MOVES[action].sources:
        raise ValueError(f"{action} is not a move from {flow.state}")
    target = MOVES[action].target
    step = Step(action, flow.state, target)
    if action == "dispatch":
        if department is None or time_limit is None:
            raise ValueError("dispatch needs a department and a time limit")
        deadline = at + time_limit
        nxt = replace(flow, department=department, dispatched_at=at, deadline=deadline,
                      handled_at=None, overdue_at=None)
        step = replace(step, department=department, deadline=deadline)
    elif action == "handle":
        nxt = replace(flow, handled_at=at)
        started = flow.dispatched_at or at
        step = replace(step, department=flow.department, deadline=flow.deadline,
                       handling_seconds=int((at - started).total_seconds()),
                       on_time=flow.deadline is None or at <= flow.deadline)
    elif action == "return":
        nxt, step = flow, replace(step, department=flow.department)
    elif action == "verify":
        if result not in RESULTS:
            raise ValueError(f"a verification's result is one of {RESULTS}")
        if result == NOT_FIXED:  # back to the department, under the same deadline
            target = DISPATCHED
            nxt = replace(flow, dispatched_at=at, handled_at=None)
        else:
            nxt = flow
        step = replace(step, target=target, result=result, department=flow.department)
    else:
        nxt = replace(flow, closed_at=at) if target in FINAL_STATES else flow
    return replace(nxt, state=target), step


def workflow_form_problems(definition: dict) -> list[tuple[str, str]]:
    """(path, message) for a form of a workflow kind that lacks the fields the workflow reads:
    an event's category; a verification's event (a ref to an event) and result (fixed or
    not_fixed), each required and always asked."""
    kind = definition.get("kind")
    fields = {f.get("name"): f for f in definition.get("fields") or [] if isinstance(f, dict)}
    wanted: list[tuple[str, str, dict, tuple[str, ...] | None]] = []
    if kind == EVENT_KIND:
        wanted = [(CATEGORY_FIELD, "select_one", {}, None)]
    elif kind == VERIFICATION_KIND:
        wanted = [(VERIFIED_EVENT_FIELD, "ref", {"ref_kind": EVENT_KIND}, None),
                  (RESULT_FIELD, "select_one", {}, RESULTS)]
    problems = []
    for name, type_, attributes, values in wanted:
        field = fields.get(name) or {}
        choices = tuple(sorted(c.get("value") for c in choices_of(definition, field)
                               if isinstance(c, dict)))
        if (field.get("type") != type_ or field.get("required") is not True or "relevant" in field
                or any(field.get(k) != v for k, v in attributes.items())
                or (values is not None and choices != tuple(sorted(values)))):
            extra = "".join(f", {k} {v}" for k, v in attributes.items())
            extra += f", choices {'/'.join(values)}" if values else ""
            problems.append(("fields", f'a form of kind {kind} needs a required {type_} field '
                                       f'"{name}" without a condition{extra} (the event workflow '
                                       "reads it)"))
    return problems
