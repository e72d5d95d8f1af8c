"""Benchmark: validating resident submissions in-process, against baselines measured alongside.

    .venv/bin/python bench/validate.py [--items 50000] [--rounds 5]

Prints the median items/s over several rounds of:
  json.loads      decoding each item's JSON (the floor any HTTP path pays anyway);
  marshmallow     a marshmallow schema generated from the same form (types, required, choices,
                  lengths, patterns, ID-card and phone validators; it has no relevant
                  conditions and takes "" as given, so it refuses fewer of the spoilt items);
  compiled form   `compile_form(resident.v1).validate(data)` on decoded items;
  loads+validate  both, per item, as the sync path does.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from marshmallow import Schema, ValidationError, fields, validate  # noqa: E402

from people import People  # noqa: E402
from server.domain.form_definition import choices_of, compile_pattern  # noqa: E402
from server.domain.form_validation import compile_form  # noqa: E402
from server.domain.id_card import china_today, id_card_problem  # noqa: E402
from server.domain.phone_number import is_phone_number  # noqa: E402

STREETS = [("坑梓街道", "秀新社区"), ("坪山街道", "六和社区"), ("马峦街道", "江岭社区"),
           ("碧岭街道", "汤坑社区"), ("石井街道", "田头社区"), ("龙田街道", "老坑社区")]
EMPLOYERS = ["比亚迪汽车工业有限公司", "深圳市坪山区某电子有限公司", "坪山区人民医院", "个体"]


def make_resident(people: People) -> dict:
    """One realistic resident submission, valid for resident.v1, with the optional fields a
    collector fills in beside the person (house, move-in date, work, social security, permit)."""
    rng = people.rng
    data = people.resident(*rng.choice(STREETS))
    if data["residence_type"] == "rental":
        data["house"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    data["moved_in_date"] = (
        f"20{rng.randint(10, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    if data["birth_date"] < "2008":
        data |= {"employment_status": "employed", "employer": rng.choice(EMPLOYERS),
                 "occupation": "工人"}
    data["social_security"] = rng.choice(["shenzhen", "elsewhere", "none"])
    if data["household_type"] == "floating" and rng.random() < 0.6:
        data["residence_permit_no"] = f"{rng.randint(10**11, 10**12 - 1)}"
        data["residence_permit_valid_to"] = "2026-01-31"
    return data


def spoil(rng: random.Random, data: dict) -> dict:
    """The same submission with one mistake a collector could make."""
    number = data["id_card"]
    mistakes = [
        {"id_card": number[:17] + ("0" if number[17] != "0" else "1")},
        {"id_card": number[:10] + "0230" + number[14:]},
        {"phone": data.get("phone", "13925481736")[:-1]},
        {"name": ""},
        {"gender": "male"},
        {"nationality": "USA"},
        {"notes": "x" * 5000},
        {"floor": 3},
    ]
    return {**data, **rng.choice(mistakes)}


def marshmallow_schema(definition: dict) -> Schema:
    """A marshmallow schema approximating the form (no relevant conditions)."""
    def id_card_ok(value: str) -> None:
        if id_card_problem(value) is not None:
            raise ValidationError("bad id card")

    def phone_ok(value: str) -> None:
        if not is_phone_number(value):
            raise ValidationError("bad phone")

    declared = {}
    for field in definition["fields"]:
        # Without conditions, a conditionally required field can only be optional here.
        kind, required = field["type"], field.get("required", False) and "relevant" not in field
        if kind in ("select_one", "select_multiple"):
            one_of = validate.OneOf([c["value"] for c in choices_of(definition, field)])
            declared[field["name"]] = (fields.String(required=required, validate=one_of)
                                       if kind == "select_one" else
                                       fields.List(fields.String(validate=one_of),
                                                   required=required))
        elif kind == "text":
            rules = [validate.Length(max=field.get("max_length", 2000))]
            if "pattern" in field:
                rules.append(validate.Regexp(compile_pattern(f'(?:{field["pattern"]})\\Z')))
            declared[field["name"]] = fields.String(required=required, validate=rules)
        else:
            declared[field["name"]] = {
                "date": lambda: fields.Date(required=required),
                "integer": lambda: fields.Integer(required=required, strict=True),
                "decimal": lambda: fields.Float(required=required, allow_nan=False),
                "id_card": lambda: fields.String(required=required, validate=id_card_ok),
                "phone": lambda: fields.String(required=required, validate=phone_ok),
                "ref": lambda: fields.UUID(required=required),
                "datetime": lambda: fields.AwareDateTime(required=required),
            }[kind]()
    return Schema.from_dict(declared, name="ResidentV1")()


def rate(count: int, work: Callable[[], object], rounds: int) -> float:
    """Median items/s of `work` over `rounds` runs."""
    speeds = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        speeds.append(count / (time.perf_counter() - start))
    return statistics.median(speeds)


def main() -> None:
    """Build the submissions, run every contender, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--invalid", type=float, default=0.1, help="share of spoilt items")
    args = parser.parse_args()

    definition = json.loads((ROOT / "forms" / "resident.v1.json").read_text("utf-8"))
    people = People(20240601)
    rng = people.rng
    items = [make_resident(people) for _ in range(args.items)]
    items = [spoil(rng, item) if rng.random() < args.invalid else item for item in items]
    raw = [json.dumps(item, ensure_ascii=False).encode() for item in items]
    form, schema, today = compile_form(definition), marshmallow_schema(definition), china_today()

    refused = sum(1 for item in items if form.validate(item, today)[1])
    refused_mm = sum(1 for item in items if schema.validate(item))
    loads = rate(len(raw), lambda: [json.loads(r) for r in raw], args.rounds)
    marsh = rate(len(items), lambda: [schema.validate(item) for item in items], args.rounds)
    ours = rate(len(items), lambda: [form.validate(item, today) for item in items], args.rounds)
    both = rate(len(raw), lambda: [form.validate(json.loads(r), today) for r in raw], args.rounds)

    print(f"{len(items)} resident items, {len(definition['fields'])} fields in the form, "
          f"{sum(map(len, items)) / len(items):.1f} values/item, {sum(map(len, raw)) // len(raw)} "
          f"bytes/item; refused: compiled form {refused}, marshmallow {refused_mm}")
    print(f"median of {args.rounds} rounds, one core, Python {sys.version.split()[0]}")
    for name, speed in [("json.loads", loads), ("marshmallow", marsh), ("compiled form", ours),
                        ("loads+validate", both)]:
        print(f"  {name:15} {speed:12,.0f} items/s   {1e6 / speed:7.2f} µs/item")
    print(f"  compiled form / json.loads  = {ours / loads:.2f}")
    print(f"  compiled form / marshmallow = {ours / marsh:.2f}")
    print(f"  loads+validate / json.loads = {both / loads:.2f}")


if __name__ == "__main__":
    main()
