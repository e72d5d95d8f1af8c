"""The labour-dispute warning model (劳资纠纷预警模型): data with versions, like forms.

``standards/warning.v1.json`` names each signal (an indicator and a rule with its threshold),
its weight, the score bands of the four levels, and where warnings of which levels are
dispatched. A month's score is the sum of the weights of the signals that fired; the level is
the highest band the score reaches. Rules:

- ``above``: the month's value > threshold (wages unpaid > 0);
- ``at_least``: the month's value ≥ threshold (complaints ≥ 1, ≥ 3; on the exit list);
- ``drop_vs_median``: the month's value fell by ≥ threshold (a fraction) against the median of
  the enterprise's values in the ``baseline.months`` months before, when at least
  ``baseline.min_months`` of them are known and the median is above zero; with
  ``baseline.year_over_year``, also by ≥ threshold against the same month a year before when
  that is known (a dip the season brings every year — the Spring Festival — is no signal).

A missing value never fires a signal: a month not delivered is not a zero.
"""
from __future__ import annotations

from typing import Any

from server.domain.form_definition import NAME_RE, DefinitionError, finite_number
from server.domain.indicators import INDICATORS

RULES = ("above", "at_least", "drop_vs_median")
LEVELS = ("blue", "yellow", "orange", "red")
TOP_KEYS = frozenset({"version", "title", "baseline", "signals", "levels", "dispatch"})
SIGNAL_KEYS = frozenset({"id", "indicator", "rule", "threshold", "weight", "label", "unit"})


def model_errors(definition: object) -> list[DefinitionError]:
    """Every problem of a warning model definition."""
    if not isinstance(definition, dict):
        return [DefinitionError("$", "a warning model must be a JSON object")]
    errors = [DefinitionError(str(k), "unknown attribute")
              for k in sorted(set(definition) - TOP_KEYS, key=str)]
    version = definition.get("version")
    if type(version) is not int or version < 1:
        errors.append(DefinitionError("version", "must be an integer >= 1"))
    if not _bilingual(definition.get("title")):
        errors.append(DefinitionError("title", 'must be {"zh": "…", "en": "…"}'))
    baseline = definition.get("baseline")
    if not (isinstance(baseline, dict) and _whole(baseline.get("months"), 1, 24)
            and _whole(baseline.get("min_months"), 1, baseline.get("months"))
            and set(baseline) <= {"months", "min_months", "year_over_year"}
            and type(baseline.get("year_over_year", False)) is bool):
        errors.append(DefinitionError("baseline", "must be {months: 1-24, min_months: "
                                                  "1-months, year_over_year?: true|false}"))
    signals = definition.get("signals")
    if not isinstance(signals, list) or not signals:
        errors.append(DefinitionError("signals", "must be a non-empty list"))
    else:
        seen: set[str] = set()
        for i, signal in enumerate(signals):
            errors += _signal_errors(f"signals[{i}]", signal, seen)
    errors += _level_errors(definition.get("levels"))
    errors += _dispatch_errors(definition.get("dispatch"))
    return errors


def level_of(definition: dict[str, Any], score: float) -> str | None:
    """The level a score reaches (None: below every band)."""
    reached = [b for b in definition["levels"] if score >= b["min_score"]]
    return max(reached, key=lambda b: b["min_score"])["level"] if reached else None


def _signal_errors(path: str, signal: Any, seen: set[str]) -> list[DefinitionError]:
    if not isinstance(signal, dict):
        return [DefinitionError(path, "must be an object")]
    errors = [DefinitionError(f"{path}.{k}", "unknown attribute")
              for k in sorted(set(signal) - SIGNAL_KEYS, key=str)]
    sid = signal.get("id")
    if not (isinstance(sid, str) and NAME_RE.fullmatch(sid)) or sid in seen:
        errors.append(DefinitionError(f"{path}.id", "must be a unique name"))
    seen.add(str(sid))
    if signal.get("indicator") not in INDICATORS:
        errors.append(DefinitionError(f"{path}.indicator", f"must be one of {', '.join(INDICATORS)}"))
    rule, threshold = signal.get("rule"), finite_number(signal.get("threshold"))
    if rule not in RULES:
        errors.append(DefinitionError(f"{path}.rule", f"must be one of {', '.join(RULES)}"))
    if threshold is None or threshold < 0 or (rule == "drop_vs_median" and not 0 < threshold < 1):
        errors.append(DefinitionError(f"{path}.threshold",
                                      "must be ≥ 0 (a drop: a fraction between 0 and 1)"))
    weight = finite_number(signal.get("weight"))
    if weight is None or not 0 < weight <= 100:
        errors.append(DefinitionError(f"{path}.weight", "must be a number in (0, 100]"))
    if not _bilingual(signal.get("label")) or not isinstance(signal.get("unit"), str):
        errors.append(DefinitionError(f"{path}.label", "needs a zh/en label and a unit"))
    return errors


def _level_errors(levels: Any) -> list[DefinitionError]:
    if not (isinstance(levels, list) and [b.get("level") for b in levels if isinstance(b, dict)]
            == list(LEVELS)):
        return [DefinitionError("levels", f"must list {', '.join(LEVELS)} in that order")]
    scores = [finite_number(b.get("min_score")) for b in levels]
    if any(s is None or s <= 0 for s in scores) or scores != sorted(set(scores)):  # type: ignore[type-var]
        return [DefinitionError("levels", "min_score must be > 0 and rise from level to level")]
    return []


def _dispatch_errors(dispatch: Any) -> list[DefinitionError]:
    if not (isinstance(dispatch, dict) and set(dispatch) == {"levels", "department", "category",
                                                              "source"}
            and isinstance(dispatch["levels"], list) and set(dispatch["levels"]) <= set(LEVELS)
            and all(isinstance(dispatch[k], str) for k in ("department", "category", "source"))):
        return [DefinitionError("dispatch", "must be {levels, department, category, source}")]
    return []


def _bilingual(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"zh", "en"}
            and all(isinstance(v, str) and v.strip() for v in value.values()))


def _whole(value: Any, low: int, high: Any) -> bool:
    return type(value) is int and type(high) is int and low <= value <= high
