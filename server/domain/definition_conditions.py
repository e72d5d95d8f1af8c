"""Checking the `relevant` conditions of a form definition (the condition language)."""

from __future__ import annotations

import json
from typing import Any

from server.domain.form_definition import (CONDITION_COMBINATIONS, CONDITION_OPERATORS,
                                           MAX_CONDITION_DEPTH, choices_of,
                                           finite_number)


class ConditionChecks:
    """The condition checks of the definition checker (which provides add and definition)."""

    definition: dict
    add: Any

    def check_condition(self, path: str, condition: object, index: int, depth: int = 0) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.add(path, f"conditions nest deeper than {MAX_CONDITION_DEPTH}")
        elif not isinstance(condition, dict) or not condition:
            self.add(path, "a condition must be a non-empty object")
        elif set(condition) & set(CONDITION_COMBINATIONS):
            self.check_combination(path, condition, index, depth)
        elif "field" not in condition:
            self.add(path, 'a condition needs "field", or one of "all", "any", "not"')
        else:
            self.check_comparison(path, condition, index)

    def check_combination(self, path: str, condition: dict, index: int, depth: int) -> None:
        if len(condition) != 1:
            self.add(path, 'combine with exactly one of "all", "any", "not" and nothing else')
            return
        ((combination, operand),) = condition.items()
        if combination == "not":
            self.check_condition(f"{path}.not", operand, index, depth + 1)
        elif not isinstance(operand, list) or not operand:
            self.add(f"{path}.{combination}", "must be a non-empty list of conditions")
        else:
            for i, part in enumerate(operand):
                self.check_condition(f"{path}.{combination}[{i}]", part, index, depth + 1)

    def check_comparison(self, path: str, condition: dict, index: int) -> None:
        operators = [key for key in condition if key != "field"]
        unknown = [key for key in operators if key not in CONDITION_OPERATORS]
        if unknown or len(operators) != 1:
            found = ", ".join(f'"{key}"' for key in unknown) or f"{len(operators)} operators"
            self.add(path, f"needs exactly one operator of {', '.join(CONDITION_OPERATORS)}; "
                           f"found {found}")
            return
        target = self.referenced_field(f"{path}.field", condition["field"], index)
        if target is not None:
            operator = operators[0]
            self.check_operand(f"{path}.{operator}", operator, condition[operator], target)

    def referenced_field(self, path: str, name: object, index: int) -> dict | None:
        fields = self.definition["fields"]
        if name == fields[index].get("name"):
            self.add(path, "a field's condition cannot refer to the field itself")
            return None
        for position, field in enumerate(fields):
            if isinstance(field, dict) and field.get("name") == name:
                if position > index:
                    self.add(path, f'refers to the later field "{name}" (fields[{position}]); '
                                   "conditions may only look at earlier fields")
                    return None
                return field
        self.add(path, f"unknown field {json.dumps(name, ensure_ascii=False)}")
        return None

    def check_operand(self, path: str, operator: str, operand: object, target: dict) -> None:
        kind, name = target.get("type"), target.get("name")
        if operator == "filled":
            if type(operand) is not bool:
                self.add(path, "must be true or false")
        elif kind == "photo":
            self.add(path, f'a photo field "{name}" can only be tested with "filled"')
        elif (operator == "includes") != (kind == "select_multiple"):
            self.add(path, f'cannot test a {kind} field "{name}" with "{operator}" '
                           '(use "includes" for select_multiple, "equals"/"in" otherwise)')
        elif operator == "in" and (not isinstance(operand, list) or not operand):
            self.add(path, "must be a non-empty list of values")
        else:
            for value in operand if operator == "in" else [operand]:
                if not self.fits(value, target):
                    self.add(path, f"{json.dumps(value, ensure_ascii=False)} is not a possible "
                                   f'value of the {kind} field "{name}"')

    def fits(self, value: object, target: dict) -> bool:
        kind = target.get("type")
        if kind in ("select_one", "select_multiple"):
            choices = choices_of(self.definition, target)
            return type(value) is str and any(
                isinstance(choice, dict) and choice.get("value") == value for choice in choices)
        if kind == "integer":
            return type(value) is int
        if kind == "decimal":
            return finite_number(value) is not None
        return type(value) is str
