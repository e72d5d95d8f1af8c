"""Emergency plans (应急预案) as data: per hazard and warning level, which classes of facilities
are activated, what each needs done, and which departments answer for them. One JSON file per
plan version (``plans/typhoon.v1.json``), published like a form and never changed after.

```json
{"hazard": "typhoon", "version": 1, "title": {"zh": "…", "en": "…"},
 "resources": ["shelter", "emergency_depot"], "nearest": 3,
 "levels": [{"level": "white", "label": {"zh": "白色", "en": "White"},
             "classes": {"construction_site": {"actions": ["patrol"], "departments": ["housing"]}}},
            …]}
```
``levels`` lists every level of the hazard, lowest first (Shenzhen's signals: typhoon white,
blue, yellow, orange, red; rainstorm yellow, orange, red). Each level says in full what it
activates (nothing is inherited from the level below, so a plan reads level by level).
``resources``: the classes listed as a facility's nearest shelters and resources.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.domain.form_definition import NAME_RE, DefinitionError

# The 14 classes of facilities the repository's forms collect (forms/<kind>.v1.json) and its
# plans activate; a plan may name any published kind, this list serves the demo's grants.
FACILITY_KINDS = ("reservoir", "pond", "river", "waterlogging_point", "geohazard",
                  "dangerous_house", "construction_site", "underground_space", "temporary_shed",
                  "billboard", "hazchem_enterprise", "protected_target", "shelter",
                  "emergency_depot")
HAZARD_LEVELS: dict[str, tuple[str, ...]] = {
    "typhoon": ("white", "blue", "yellow", "orange", "red"),
    "rainstorm": ("yellow", "orange", "red"),
}
# What a check task may ask: 巡查, 加固, 停工, 转移人员, 封闭, 开放避难场所, 待命.
ACTIONS = ("patrol", "reinforce", "stop_work", "evacuate", "close", "open", "standby")
TOP_LEVEL_KEYS = frozenset({"hazard", "version", "title", "resources", "nearest", "levels"})
LEVEL_KEYS = frozenset({"level", "label", "classes"})
MAX_NEAREST = 10


@dataclass(frozen=True)
class Activation:
    """What a level asks of one class of facilities."""

    actions: tuple[str, ...]
    departments: tuple[str, ...]


def level_rank(hazard: str, level: str) -> int:
    """The level's place among its hazard's levels (0: the lowest)."""
    return HAZARD_LEVELS[hazard].index(level)


def activations(plan: Mapping[str, Any], level: str) -> dict[str, Activation]:
    """The classes a level activates, with their actions and departments."""
    entry = next(e for e in plan["levels"] if e["level"] == level)
    return {kind: Activation(tuple(a["actions"]), tuple(a.get("departments", ())))
            for kind, a in entry["classes"].items()}


def plan_errors(plan: object, kinds: set[str] | None = None) -> list[DefinitionError]:
    """Every problem of a plan; ``kinds``: the record kinds of published forms, when known (a
    class no form collects is a typo)."""
    if not isinstance(plan, dict):
        return [DefinitionError("$", "a plan must be a JSON object")]
    errors = [DefinitionError(str(k), "unknown attribute")
              for k in sorted(set(plan) - TOP_LEVEL_KEYS, key=str)]
    hazard = plan.get("hazard")
    if hazard not in HAZARD_LEVELS:
        return errors + [DefinitionError("hazard", "must be one of " + ", ".join(HAZARD_LEVELS))]
    version = plan.get("version")
    if type(version) is not int or version < 1:
        errors.append(DefinitionError("version", "must be an integer >= 1"))
    if not _label(plan.get("title")):
        errors.append(DefinitionError("title", 'must be {"zh": "…", "en": "…"}'))
    nearest = plan.get("nearest", 3)
    if type(nearest) is not int or not 0 <= nearest <= MAX_NEAREST:
        errors.append(DefinitionError("nearest", f"must be an integer from 0 to {MAX_NEAREST}"))
    errors += _classes_errors("resources", plan.get("resources", []), kinds)
    levels = plan.get("levels")
    if not isinstance(levels, list) or [
            e.get("level") if isinstance(e, dict) else None for e in levels
    ] != list(HAZARD_LEVELS[hazard]):
        return errors + [DefinitionError("levels", "must list the levels " + ", ".join(
            HAZARD_LEVELS[hazard]) + " in this order")]
    for index, entry in enumerate(levels):
        errors += _level_errors(f"levels[{index}]", entry, kinds)
    return errors


def _level_errors(path: str, entry: dict[str, Any], kinds: set[str] | None
                  ) -> list[DefinitionError]:
    errors = [DefinitionError(f"{path}.{k}", "unknown attribute") for k in set(entry) - LEVEL_KEYS]
    if not _label(entry.get("label")):
        errors.append(DefinitionError(f"{path}.label", 'must be {"zh": "…", "en": "…"}'))
    classes = entry.get("classes")
    if not isinstance(classes, dict):
        return errors + [DefinitionError(f"{path}.classes", "must be an object of classes")]
    errors += _classes_errors(f"{path}.classes", list(classes), kinds)
    for kind, activation in classes.items():
        errors += _activation_errors(f"{path}.classes.{kind}", activation)
    return errors


def _activation_errors(path: str, activation: Any) -> list[DefinitionError]:
    if not isinstance(activation, dict) or set(activation) - {"actions", "departments"}:
        return [DefinitionError(path, "must be {actions, departments?}")]
    errors = []
    actions = activation.get("actions")
    if (not isinstance(actions, list) or not actions or len(set(actions)) != len(actions)
            or any(a not in ACTIONS for a in actions)):
        errors.append(DefinitionError(f"{path}.actions", "must be distinct actions among "
                                      + ", ".join(ACTIONS)))
    departments = activation.get("departments", [])
    if not isinstance(departments, list) or not all(
            type(d) is str and NAME_RE.fullmatch(d) for d in departments):
        errors.append(DefinitionError(f"{path}.departments", "must be department codes"))
    return errors


def _classes_errors(path: str, classes: Any, kinds: set[str] | None) -> list[DefinitionError]:
    if not isinstance(classes, list) or not all(type(k) is str and NAME_RE.fullmatch(k)
                                                for k in classes):
        return [DefinitionError(path, "must name record kinds")]
    if kinds is None:
        return []
    return [DefinitionError(f"{path}.{k}", "no published form collects this kind")
            for k in classes if k not in kinds]


def _label(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"zh", "en"}
            and all(type(v) is str and v.strip() for v in value.values()))
