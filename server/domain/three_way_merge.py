"""Three-way merge of a stale edit: base (what the phone saw), current (the server), incoming."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def _value(data: Mapping[str, Any], name: str) -> Any:
    """Absent, None, "" and [] all mean "not given"."""
    value = data.get(name)
    return None if value in (None, "", []) else value


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Names of the fields whose value differs between two versions of the data."""
    return {name for name in set(before) | set(after) if _value(before, name) != _value(after, name)}


@dataclass(frozen=True)
class MergeOutcome:
    """The merged data, or the fields both sides changed to different values."""

    data: dict[str, Any]
    mine: list[str]           # fields the incoming edit changes
    auto_merged: list[str]    # fields changed on the server that the edit kept
    overlapping: list[str]    # fields both changed to different values: a conflict

    @property
    def conflicts(self) -> bool:
        """Whether a reviewer must decide."""
        return bool(self.overlapping)


def three_way_merge(base: Mapping[str, Any], current: Mapping[str, Any],
                    incoming: Mapping[str, Any], theirs: Iterable[str]) -> MergeOutcome:
    """Apply the incoming edit's changes (relative to base) onto current.

    ``theirs`` names the fields changed on the server since base by other editors; an edit
    overlapping them with a different value is a conflict, disjoint changes merge.
    """
    mine = changed_fields(base, incoming)
    theirs = set(theirs)
    overlapping = sorted(f for f in mine & theirs if _value(current, f) != _value(incoming, f))
    auto = sorted(f for f in theirs - mine if _value(current, f) != _value(base, f))
    return MergeOutcome(_applied(mine, current, incoming), sorted(mine), auto, overlapping)


def apply_edit(base: Mapping[str, Any], current: Mapping[str, Any],
               incoming: Mapping[str, Any]) -> dict[str, Any]:
    """The current data with every change the incoming edit made to its base applied."""
    return _applied(changed_fields(base, incoming), current, incoming)


def _applied(names: Iterable[str], current: Mapping[str, Any],
             incoming: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for name in names:
        if _value(incoming, name) is None:
            merged.pop(name, None)
        else:
            merged[name] = incoming[name]
    return merged
