"""Review: supervisors see, claim and resolve the conflicts of their grids."""
from server.services.review.conflict_view import conflict_body, conflict_summary
from server.services.review.queue import (DEFAULT_LEASE, ConflictFilter, StaleConflict,
                                          claim_conflict, get_conflict, list_conflicts,
                                          release_conflict)
from server.services.review.resolution import ACTIONS, resolve_conflict

__all__ = ["ACTIONS", "DEFAULT_LEASE", "ConflictFilter", "StaleConflict", "claim_conflict",
           "conflict_body", "conflict_summary", "get_conflict", "list_conflicts",
           "release_conflict", "resolve_conflict"]
