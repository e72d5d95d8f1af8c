"""The event handling standard (处置标准): per event category, the time a department has to handle
an event, and the department it usually goes to. Data with versions, like forms
(``standards/event.v1.json``, published with ``flask events standard``); a dispatch takes its
deadline from the standard in force, and keeps it when a later version changes the limits.

```json
{"version": 1, "title": {"zh": "…", "en": "…"}, "form": "event",
 "default_time_limit_hours": 72,
 "categories": {"env.exposed_garbage": {"time_limit_hours": 4, "department": "urban"}, …}}
```
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from server.domain.form_definition import CHOICE_VALUE_RE, NAME_RE, DefinitionError

TOP_LEVEL_KEYS = frozenset({"version", "title", "form", "default_time_limit_hours", "categories"})
CATEGORY_KEYS = frozenset({"time_limit_hours", "department"})
MAX_HOURS = 24 * 366


def standard_errors(definition: object, categories: set[str] | None = None
                    ) -> list[DefinitionError]:
    """Every problem of a standard; ``categories``: the event form's category values, when
    known (a category the form does not offer is a typo)."""
    if not isinstance(definition, dict):
        return [DefinitionError("$", "a standard must be a JSON object")]
    errors = [DefinitionError(str(k), "unknown attribute")
              for k in sorted(set(definition) - TOP_LEVEL_KEYS, key=str)]
    version = definition.get("version")
    if type(version) is not int or version < 1:
        errors.append(DefinitionError("version", "must be an integer >= 1"))
    title = definition.get("title")
    if not (isinstance(title, dict) and set(title) == {"zh", "en"}
            and all(type(v) is str and v.strip() for v in title.values())):
        errors.append(DefinitionError("title", 'must be {"zh": "…", "en": "…"}'))
    if definition.get("form") != "event":
        errors.append(DefinitionError("form", 'must be "event"'))
    if not _hours(definition.get("default_time_limit_hours")):
        errors.append(DefinitionError("default_time_limit_hours", _HOURS))
    listed = definition.get("categories")
    if not isinstance(listed, dict):
        return errors + [DefinitionError("categories", "must be an object of categories")]
    for code, entry in listed.items():
        errors += _category_errors(f"categories.{code}", code, entry, categories)
    return errors


_HOURS = f"must be a whole number of hours from 1 to {MAX_HOURS}"


def _category_errors(path: str, code: str, entry: Any, categories: set[str] | None
                     ) -> list[DefinitionError]:
    if not CHOICE_VALUE_RE.fullmatch(code):
        return [DefinitionError(path, "is not a choice value")]
    if categories is not None and code not in categories:
        return [DefinitionError(path, "is not a category of the event form")]
    if not isinstance(entry, dict) or set(entry) - CATEGORY_KEYS:
        return [DefinitionError(path, "must be {time_limit_hours, department?}")]
    errors = []
    if not _hours(entry.get("time_limit_hours")):
        errors.append(DefinitionError(f"{path}.time_limit_hours", _HOURS))
    department = entry.get("department")
    if department is not None and (type(department) is not str or not NAME_RE.fullmatch(department)):
        errors.append(DefinitionError(f"{path}.department", "must be a department code"))
    return errors


def _hours(value: object) -> bool:
    return type(value) is int and 1 <= value <= MAX_HOURS


def time_limit(standard: Mapping[str, Any], category: str | None) -> timedelta:
    """How long a department has to handle an event of this category."""
    entry = standard["categories"].get(category or "") or {}
    return timedelta(hours=entry.get("time_limit_hours", standard["default_time_limit_hours"]))


def usual_department(standard: Mapping[str, Any], category: str | None) -> str | None:
    """The department events of this category usually go to, if the standard names one."""
    return (standard["categories"].get(category or "") or {}).get("department")
