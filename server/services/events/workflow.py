"""A person moves an event: register, reject, dispatch, handle, return, verify or close it."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from server.domain.event_standard import time_limit
from server.domain.event_workflow import FIXED, NOT_FIXED, allowed_actions, move
from server.errors import Conflict, Invalid, NotFound
from server.models import Department, User
from server.services.events.ledger import EventMove, EventState, load_events, write_moves
from server.services.events.standard import current_standard
from server.services.record_store import touch_records
from server.services.scope import event_capabilities, event_scope

# Actions that must say why: a refusal to take the case, and a department sending it back.
NOTE_REQUIRED = frozenset({"reject", "return"})


def visible_event(session: Session, user: User, event_id: uuid.UUID,
                  lock: bool = False) -> EventState:
    """One event the user may see (404 otherwise)."""
    event = load_events(session, {event_id}, lock=lock).get(event_id)
    if event is None or not event_scope(session, user).covers(event.grid_id,
                                                              event.flow.department):
        raise NotFound(f"No event {event_id} among the events you may see.")
    return event


def actions_for(session: Session, user: User, event: EventState) -> list[str]:
    """What the user may do to the event now."""
    return allowed_actions(event.flow.state, event_capabilities(
        session, user, event.grid_id, event.flow.department))


def take_action(session: Session, user: User, event_id: uuid.UUID, action: str, *,
                department: str | None = None, note: str | None = None,
                result: str | None = None, now: datetime | None = None) -> None:
    """Move the event, writing a row of its history; 409 naming the allowed actions when this
    one is not allowed from the event's state or for this user."""
    now = now or datetime.now(timezone.utc)
    event = visible_event(session, user, event_id, lock=True)
    allowed = actions_for(session, user, event)
    if action not in allowed:
        shown = ", ".join(allowed) or "none"
        raise Conflict(f"You may not {action} this event while it is {event.flow.state}; "
                       f"allowed: {shown}.", state=event.flow.state, allowed=allowed)
    note = (note or "").strip() or None
    _require(action, note, department, result)
    options: dict = {}
    if action == "dispatch":
        if session.get(Department, department) is None:
            raise Invalid(f"No department {department}.",
                          errors=[{"field": "department", "message": "unknown department"}])
        standard = current_standard(session).definition
        options = {"department": department, "time_limit": time_limit(standard, event.category)}
    elif action == "verify":
        options = {"result": result or FIXED}
    after, step = move(event.flow, action, now, **options)
    write_moves(session, [EventMove(event, after, step, now, user.id, note)])
    touch_records(session, [event.id])  # the phones of its grid hear of the move


def _require(action: str, note: str | None, department: str | None,
             result: str | None) -> None:
    problems = []
    if action == "dispatch" and not department:
        problems.append({"field": "department", "message": "a dispatch names the department"})
    if (action in NOTE_REQUIRED or result == NOT_FIXED) and not note:
        problems.append({"field": "note", "message": f"say why ({action})"})
    if result is not None and action != "verify":
        problems.append({"field": "result", "message": "only a verification has a result"})
    if problems:
        raise Invalid("The action is missing something.", errors=problems)
