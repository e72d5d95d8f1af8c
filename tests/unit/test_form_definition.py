"""Checking a form definition before it is published, and its canonical hash."""

import copy
import json

import pytest

from server.domain.definition_checks import definition_errors, ensure_valid_definition
from server.domain.form_definition import (
    DefinitionError,
    InvalidDefinition,
    canonical_json,
    definition_sha256,
)


def label(text: str) -> dict:
    return {"zh": text, "en": text}


def make_definition(*extra_fields: dict, **top: object) -> dict:
    definition = {
        "id": "sample",
        "version": 1,
        "title": label("示例"),
        "kind": "sample",
        "key": "code",
        "choice_lists": {"colour": [{"value": "red", "label": label("红")},
                                    {"value": "blue", "label": label("蓝")}]},
        "fields": [
            {"name": "code", "type": "text", "required": True, "label": label("编号")},
            {"name": "colour", "type": "select_one", "choices": "colour", "label": label("颜色")},
            {"name": "tags", "type": "select_multiple", "label": label("标签"),
             "choices": [{"value": "a", "label": label("甲")}, {"value": "b", "label": label("乙")}]},
            {"name": "count", "type": "integer", "label": label("数量")},
            *extra_fields,
        ],
    }
    definition.update(top)
    return definition


def field(name: str, type_: str, **attributes: object) -> dict:
    return {"name": name, "type": type_, "label": label(name), **attributes}


def messages(definition: object) -> list[str]:
    return [str(error) for error in definition_errors(definition)]


def test_minimal_definition_has_no_errors() -> None:
    assert definition_errors(make_definition()) == []


def test_every_field_type_is_accepted_with_its_attributes() -> None:
    definition = make_definition(
        field("note", "text", min_length=1, max_length=10, pattern="[A-Z][a-z]*"),
        field("area", "decimal", min=0.5, max=10),
        field("day", "date", min="2000-01-01", max="today"),
        field("seen_at", "datetime", min="2020-01-01T00:00:00+08:00", max="2030-01-01T00:00:00Z"),
        field("person", "id_card", sensitive=True, searchable=True),
        field("phone", "phone", sensitive=True, searchable=True),
        field("house", "ref", ref_kind="rental"),
    )
    assert definition_errors(definition) == []


def test_definition_that_is_not_an_object_is_refused() -> None:
    assert messages([]) == ["$: a form definition must be a JSON object"]


def test_unknown_type_is_refused_naming_the_field() -> None:
    assert messages(make_definition(field("phone", "telephone"))) == [
        'fields[4] (phone): unknown type "telephone"'
    ]


def test_duplicate_field_name_is_refused() -> None:
    assert messages(make_definition(field("count", "integer"))) == [
        'fields[4] (count): duplicate field name "count" (first at fields[3])'
    ]


def test_choice_list_missing_from_choice_lists_is_refused() -> None:
    assert messages(make_definition(field("size", "select_one", choices="sizes"))) == [
        'fields[4] (size): choice list "sizes" is not in choice_lists'
    ]


def test_select_field_without_choices_is_refused() -> None:
    assert messages(make_definition(field("size", "select_one"))) == [
        'fields[4] (size): a select_one field needs "choices"'
    ]


def test_choices_on_a_text_field_are_refused() -> None:
    assert messages(make_definition(field("note", "text", choices="colour"))) == [
        'fields[4] (note): "choices" is not allowed on a text field'
    ]


def test_misspelt_attribute_is_refused_not_ignored() -> None:
    assert messages(make_definition(field("note", "text", requried=True))) == [
        'fields[4] (note): "requried" is not allowed on a text field'
    ]


def test_unknown_top_level_attribute_is_refused() -> None:
    assert messages(make_definition(owner="me")) == ["owner: unknown attribute"]


@pytest.mark.parametrize("version", [0, "1", True, 1.0, None])
def test_version_must_be_a_positive_integer(version: object) -> None:
    assert messages(make_definition(version=version)) == ["version: must be an integer >= 1"]


def test_field_name_must_be_a_lower_case_name() -> None:
    assert messages(make_definition(field("HouseNo", "text")))[0].startswith(
        'fields[4] (HouseNo).name: "HouseNo" is not a name'
    )


def test_label_needs_both_chinese_and_english() -> None:
    broken = field("note", "text")
    broken["label"] = {"zh": "备注"}
    assert messages(make_definition(broken)) == [
        'fields[4] (note).label: must be {"zh": "…", "en": "…"} with both texts non-empty'
    ]


def test_duplicate_choice_value_is_refused() -> None:
    definition = make_definition()
    definition["choice_lists"]["colour"].append({"value": "red", "label": label("又红")})
    assert messages(definition) == ['choice_lists.colour[2]: duplicate value "red"']


def test_choice_value_with_spaces_is_refused() -> None:
    definition = make_definition()
    definition["choice_lists"]["colour"][0]["value"] = "dark red"
    assert messages(definition)[0].startswith('choice_lists.colour[0]: value "dark red" must be')


def test_key_that_is_not_a_field_is_refused() -> None:
    assert messages(make_definition(key="number")) == ['key: "number" is not a field']


def test_key_field_must_be_required() -> None:
    definition = make_definition()
    del definition["fields"][0]["required"]
    assert messages(definition) == ['key: the key field "code" must be required']


def test_key_field_cannot_be_conditional() -> None:
    definition = make_definition()
    definition["fields"].insert(0, field("mode", "select_one", choices="colour"))
    definition["fields"][1]["relevant"] = {"field": "mode", "equals": "red"}
    assert messages(definition) == ['key: the key field "code" cannot have a relevant condition']


def test_key_field_must_be_text_id_card_phone_or_credit_code() -> None:
    definition = make_definition(key="colour")
    definition["fields"][1]["required"] = True
    assert messages(definition) == [
        'key: the key field "colour" must be of type credit_code/id_card/phone/text'
    ]


def test_a_credit_code_may_be_the_key_and_searchable() -> None:
    definition = make_definition(field("uscc", "credit_code", required=True, searchable=True),
                                 key="uscc")
    assert messages(definition) == []


def test_a_form_without_a_key_is_valid_each_capture_a_record_of_its_own() -> None:
    definition = make_definition()
    del definition["key"]
    assert messages(definition) == []


def test_a_credit_code_field_takes_no_extra_attributes() -> None:
    assert messages(make_definition(field("uscc", "credit_code", pattern="9.*"))) == [
        'fields[4] (uscc): "pattern" is not allowed on a credit_code field']


def test_ref_without_ref_kind_is_refused() -> None:
    assert messages(make_definition(field("house", "ref"))) == [
        'fields[4] (house): a ref field needs "ref_kind" (the kind of record it points to)'
    ]


def test_bad_pattern_regex_is_refused() -> None:
    [message] = messages(make_definition(field("note", "text", pattern="[0-9")))
    assert message.startswith("fields[4] (note): bad pattern: unterminated character set")


@pytest.mark.parametrize(
    "pattern", [r"\s+", r"(?P<year>[0-9]{4})", r"(?i)abc", r"(?<=a)b", r"(a)\1", r"a{,3}",
                r"\Aabc", r"[0-9]++"]
)
def test_pattern_the_phone_would_read_differently_is_refused(pattern: str) -> None:
    [message] = messages(make_definition(field("note", "text", pattern=pattern)))
    assert "which the phone reads differently" in message


def test_portable_pattern_with_unicode_escapes_is_accepted() -> None:
    pattern = r"[\u4e00-\u9fa5·]{2,10}|(?:[A-Z][a-z]+ ?)+"
    assert messages(make_definition(field("name", "text", pattern=pattern))) == []


@pytest.mark.parametrize(
    ("type_", "low", "high"),
    [("integer", 10, 5), ("decimal", 2.5, 1), ("date", "2024-02-01", "2024-01-31"),
     ("datetime", "2024-01-01T09:00:00+08:00", "2024-01-01T00:00:00Z")],
)
def test_min_greater_than_max_is_refused(type_: str, low: object, high: object) -> None:
    assert messages(make_definition(field("x", type_, min=low, max=high))) == [
        f"fields[4] (x): min {low} is greater than max {high}"
    ]


def test_datetime_bounds_compare_as_instants() -> None:
    # 08:00 in Shenzhen is midnight UTC: equal bounds are fine.
    bounds = {"min": "2024-01-01T08:00:00+08:00", "max": "2024-01-01T00:00:00Z"}
    assert messages(make_definition(field("x", "datetime", **bounds))) == []


@pytest.mark.parametrize(
    ("type_", "bound"),
    [("integer", 1.5), ("integer", True), ("integer", 2**60), ("decimal", "1"),
     ("date", "2024-02-30"), ("date", "01/02/2024"), ("datetime", "2024-01-01T00:00:00")],
)
def test_bound_of_the_wrong_kind_is_refused(type_: str, bound: object) -> None:
    [message] = messages(make_definition(field("x", type_, max=bound)))
    assert message.startswith("fields[4] (x): max must be")


def test_today_is_a_valid_date_max_but_not_a_min() -> None:
    assert messages(make_definition(field("x", "date", max="today"))) == []
    [message] = messages(make_definition(field("x", "date", min="today")))
    assert message.startswith("fields[4] (x): min must be")


def test_text_length_limits_are_checked() -> None:
    assert messages(make_definition(field("x", "text", max_length=10**6))) == [
        "fields[4] (x): max_length must be an integer from 1 to 20000"
    ]
    assert messages(make_definition(field("x", "text", min_length=5, max_length=2))) == [
        "fields[4] (x): min_length 5 is greater than max_length 2"
    ]


def test_flags_must_be_booleans() -> None:
    assert messages(make_definition(field("x", "text", required="yes"))) == [
        'fields[4] (x): "required" must be true or false'
    ]


def test_only_text_id_card_and_phone_fields_may_be_searchable() -> None:
    assert messages(make_definition(field("x", "date", searchable=True))) == [
        "fields[4] (x): a date field cannot be searchable"
    ]


def conditional(condition: object) -> dict:
    return make_definition(field("x", "text", relevant=condition))


def test_well_formed_conditions_are_accepted() -> None:
    condition = {"all": [
        {"field": "colour", "in": ["red", "blue"]},
        {"any": [{"field": "tags", "includes": "a"}, {"field": "count", "equals": 3}]},
        {"not": {"field": "code", "filled": False}},
    ]}
    assert messages(conditional(condition)) == []


def test_condition_on_unknown_field_is_refused() -> None:
    assert messages(conditional({"field": "colur", "equals": "red"})) == [
        'fields[4] (x).relevant.field: unknown field "colur"'
    ]


def test_condition_on_the_field_itself_is_refused() -> None:
    assert messages(conditional({"field": "x", "filled": True})) == [
        "fields[4] (x).relevant.field: a field's condition cannot refer to the field itself"
    ]


def test_condition_on_a_later_field_is_refused() -> None:
    definition = make_definition(field("x", "text", relevant={"field": "y", "filled": True}),
                                 field("y", "text"))
    assert messages(definition) == [
        'fields[4] (x).relevant.field: refers to the later field "y" (fields[5]); '
        "conditions may only look at earlier fields"
    ]


def test_unknown_operator_is_refused() -> None:
    assert messages(conditional({"field": "colour", "eq": "red"})) == [
        "fields[4] (x).relevant: needs exactly one operator of equals, in, includes, filled; "
        'found "eq"'
    ]


def test_two_operators_in_one_comparison_are_refused() -> None:
    [message] = messages(conditional({"field": "colour", "equals": "red", "filled": True}))
    assert message.endswith("found 2 operators")


def test_condition_value_that_is_not_a_choice_is_refused() -> None:
    assert messages(conditional({"field": "colour", "equals": "green"})) == [
        'fields[4] (x).relevant.equals: "green" is not a possible value of the select_one '
        'field "colour"'
    ]


def test_condition_value_of_the_wrong_type_is_refused() -> None:
    [message] = messages(conditional({"field": "count", "in": [1, "2"]}))
    assert message.startswith('fields[4] (x).relevant.in: "2" is not a possible value')


def test_includes_is_only_for_select_multiple_and_equals_not_for_it() -> None:
    [includes] = messages(conditional({"field": "colour", "includes": "red"}))
    [equals] = messages(conditional({"field": "tags", "equals": "a"}))
    assert 'cannot test a select_one field "colour" with "includes"' in includes
    assert 'cannot test a select_multiple field "tags" with "equals"' in equals


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "colour", "in": []},
         "fields[4] (x).relevant.in: must be a non-empty list of values"),
        ({"field": "code", "filled": "yes"},
         "fields[4] (x).relevant.filled: must be true or false"),
        ({"all": []}, "fields[4] (x).relevant.all: must be a non-empty list of conditions"),
        ({"any": [{"field": "code", "filled": True}], "field": "code"},
         'fields[4] (x).relevant: combine with exactly one of "all", "any", "not" and nothing '
         "else"),
        ({"equals": "red"},
         'fields[4] (x).relevant: a condition needs "field", or one of "all", "any", "not"'),
        ("colour == red", "fields[4] (x).relevant: a condition must be a non-empty object"),
        ({"not": {"all": [{"field": "nope", "filled": True}]}},
         'fields[4] (x).relevant.not.all[0].field: unknown field "nope"'),
    ],
)
def test_malformed_condition_is_refused(condition: object, expected: str) -> None:
    assert messages(conditional(condition)) == [expected]


def test_deeply_nested_condition_is_refused() -> None:
    condition: dict = {"field": "code", "filled": True}
    for _ in range(10):
        condition = {"not": condition}
    [message] = messages(conditional(condition))
    assert message.endswith("conditions nest deeper than 8")


def test_all_errors_are_reported_at_once() -> None:
    definition = make_definition(field("a", "telephone"), field("b", "ref"), key="nope")
    assert len(definition_errors(definition)) == 3


def test_ensure_valid_definition_raises_with_every_error() -> None:
    with pytest.raises(InvalidDefinition) as raised:
        ensure_valid_definition(make_definition(field("a", "telephone"), key="nope"))
    assert raised.value.errors == [
        DefinitionError("fields[4] (a)", 'unknown type "telephone"'),
        DefinitionError("key", '"nope" is not a field'),
    ]
    assert raised.value.errors[1].as_dict() == {"field": "key", "message": '"nope" is not a field'}


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": {"zh": "户籍", "en": "x"}}) == (
        '{"a":{"en":"x","zh":"户籍"},"b":1}'.encode()
    )


def test_hash_does_not_depend_on_key_order_or_layout() -> None:
    definition = make_definition()
    shuffled = json.loads(json.dumps(dict(reversed(list(definition.items()))), indent=4))
    assert definition_sha256(shuffled) == definition_sha256(definition)
    assert len(definition_sha256(definition)) == 64


def test_hash_changes_with_any_content_change() -> None:
    definition = make_definition()
    changed = copy.deepcopy(definition)
    changed["fields"][0]["label"]["zh"] = "编码"
    assert definition_sha256(changed) != definition_sha256(definition)
