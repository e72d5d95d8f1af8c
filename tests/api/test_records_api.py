"""Reading the resource database: one record, history, search, scope and masking."""
from __future__ import annotations

import pytest

from server.models import Role
from server.services import disclosure
from tests.factories import bearer, make_id_card, resident_data, sync_batch, sync_item

NAMES = ["欧阳晓红", "李晓红", "王晓明", "晓红", "张伟", "王芳"]


@pytest.fixture
def people(district):
    items = [sync_item(resident_data(n, name=name, phone=f"1380013800{n}"))
             for n, name in enumerate(NAMES)]
    results = district.results(sync_batch(*items))
    assert {r["status"] for r in results} == {"merged"}
    return {name: r["record_id"] for name, r in zip(NAMES, results)}


def search(district, token, query) -> list[dict]:
    response = district.client.get(f"/api/v1/records?{query}", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def names(items) -> list[str]:
    return [i["data"]["name"] for i in items]


class TestSearch:
    def test_an_exact_name_comes_first(self, district, people):
        found = names(search(district, district.token, "q=晓红"))
        assert found[0] == "晓红" and set(found) == {"晓红", "欧阳晓红", "李晓红"}

    def test_a_name_prefix(self, district, people):
        assert names(search(district, district.token, "q=王")) == ["王晓明", "王芳"]

    def test_two_characters_within_a_name(self, district, people):
        assert set(names(search(district, district.token, "q=阳晓"))) == {"欧阳晓红"}

    def test_a_whole_id_card_number(self, district, people):
        found = search(district, district.token, f"q={make_id_card(4, born='19600815')}")
        assert names(found) == ["张伟"]

    def test_a_phone_number(self, district, people):
        assert names(search(district, district.token, "q=13800138005")) == ["王芳"]

    def test_a_landline_with_an_extension_is_found_as_the_form_wrote_it(self, district):
        item = sync_item(resident_data(40, name="陈固话", phone="010-87654321-123"))
        assert district.results(sync_batch(item))[0]["status"] == "merged"
        for written in ("010-87654321-123", "01087654321-123"):
            assert names(search(district, district.token, f"q={written}")) == ["陈固话"]

    def test_like_wildcards_are_taken_literally(self, district, people):
        assert search(district, district.token, "q=%25") == []

    def test_a_collector_finds_only_records_of_its_grids(self, district, people):
        other = district.collector_of("T-33", "zhang")
        assert search(district, other, "q=晓红") == []

    def test_kind_and_grid_filters(self, district, people):
        assert len(search(district, district.token, "kind=resident&grid=T-11")) == 6
        assert search(district, district.token, "kind=rental") == []


class TestMasking:
    def test_a_viewer_searches_everything_but_sees_sensitive_fields_masked(self, district,
                                                                          people):
        viewer = district.user(Role.viewer, "clerk")
        found = search(district, viewer, "q=张伟")[0]
        number = make_id_card(4, born="19600815")
        assert found["data"]["id_card"] == found["key"] == number[:6] + "********" + number[-4:]
        assert found["data"]["phone"] == "138****8004"
        assert found["data"]["name"] == "张伟"

    def test_masking_covers_the_record_its_history_and_the_feed(self, district, people):
        viewer = district.user(Role.viewer, "clerk")
        record_id = people["张伟"]
        one = district.client.get(f"/api/v1/records/{record_id}", headers=bearer(viewer))
        history = district.client.get(f"/api/v1/records/{record_id}/history",
                                      headers=bearer(viewer))
        assert "*" in one.get_json()["data"]["phone"]
        assert all("*" in v["data"]["phone"] for v in history.get_json()["versions"])

    def test_collectors_see_their_residents_in_clear(self, district, people):
        record = district.client.get(f"/api/v1/records/{people['张伟']}",
                                     headers=bearer(district.token)).get_json()
        assert record["data"]["phone"] == "13800138004"

    def test_conflicts_go_through_the_same_policy(self, district, people, monkeypatch):
        boss = district.user(Role.supervisor, "boss", supervises=("T-11",))
        result = district.results(sync_batch(sync_item(resident_data(4, name="张伟"))))[0]
        monkeypatch.setattr(disclosure, "ROLES_SEEING_SENSITIVE", frozenset({Role.admin}))
        detail = district.client.get(f"/api/v1/conflicts/{result['conflict_id']}",
                                     headers=bearer(boss)).get_json()
        assert "*" in detail["incoming"]["data"]["id_card"]
        assert "*" in detail["current"]["data"]["phone"] and "*" in detail["record"]["key"]


class TestOneRecord:
    def test_a_record_outside_my_grids_is_not_found(self, district, people):
        other = district.collector_of("T-33", "zhang")
        response = district.client.get(f"/api/v1/records/{people['张伟']}", headers=bearer(other))
        assert response.status_code == 404

    def test_history_says_who_changed_what_from_which_submission(self, district, people):
        record_id = people["张伟"]
        district.results(sync_batch(sync_item(resident_data(4, name="张伟", phone="13900139000"),
                                              record_id=record_id, base_version=1)))
        versions = district.client.get(f"/api/v1/records/{record_id}/history",
                                       headers=bearer(district.token)).get_json()["versions"]
        assert [v["version"] for v in versions] == [1, 2]
        assert versions[1]["changed_fields"] == ["phone"] and versions[1]["made_by"] == "li.na"
        assert versions[1]["made_by_name"] == "李娜"  # people by name where they have one
        assert versions[1]["submission_id"]
