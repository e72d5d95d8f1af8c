"""The access log: every read that shows personal data in clear, and number searches."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.models import AccessEntry, Role
from server.services import access_log
from tests.factories import bearer, make_id_card, resident_data, sync_batch, sync_item


@pytest.fixture
def person(district):
    return district.results(sync_batch(sync_item(resident_data(4, name="张伟"))))[0]["record_id"]


def entries(district, **query) -> list[dict]:
    admin = district.user(Role.admin, f"root{len(query)}{id(query)}")
    params = "&".join(f"{k}={v}" for k, v in query.items())
    response = district.client.get(f"/api/v1/access-log?{params}", headers=bearer(admin))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_read_in_clear_is_logged_with_who_and_why(district, person):
    boss = district.user(Role.supervisor, "boss", supervises=("T-11",))
    district.client.get(f"/api/v1/records/{person}?purpose=走访核实", headers=bearer(boss))
    (entry,) = entries(district, record_id=person)
    assert entry["user"] == "boss" and entry["purpose"] == "走访核实"
    assert entry["record_ids"] == [person] and entry["action"] == "records.one"


def test_search_hits_history_and_the_change_feed_are_logged_too(district, person):
    boss = district.user(Role.supervisor, "boss", supervises=("T-11",))
    for path in ("/api/v1/records?q=张伟", f"/api/v1/records/{person}/history"):
        district.client.get(path, headers=bearer(boss))
    assert {e["action"] for e in entries(district, record_id=person)} == {
        "records.search", "records.history"}


def test_masked_reads_are_not_logged(district, person):
    clerk = district.user(Role.viewer, "clerk")
    district.client.get(f"/api/v1/records/{person}", headers=bearer(clerk))
    district.client.get("/api/v1/records?q=张伟", headers=bearer(clerk))
    assert entries(district, record_id=person) == []


def test_only_administrators_read_the_log(district):
    clerk = district.user(Role.viewer, "clerk")
    assert district.client.get("/api/v1/access-log", headers=bearer(clerk)).status_code == 403


class TestNumberSearches:
    def test_every_number_search_is_logged_with_the_number_masked(self, district, person):
        clerk = district.user(Role.viewer, "clerk")
        number = make_id_card(4, born="19600815")
        district.client.get(f"/api/v1/records?q={number}", headers=bearer(clerk))
        (entry,) = entries(district, action="number_search")
        assert entry["details"]["hits"] == 1 and number not in entry["details"]["term"]
        assert entry["details"]["term"].endswith(number[-4:])

    def test_beyond_the_allowance_a_number_search_is_refused_for_a_while(self, district,
                                                                         monkeypatch):
        monkeypatch.setattr(access_log, "NUMBER_SEARCH_LIMIT", 3)
        clerk = district.user(Role.viewer, "clerk")
        codes = [district.client.get(f"/api/v1/records?q=1380013800{n}",
                                     headers=bearer(clerk)).status_code for n in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = district.client.get("/api/v1/records?q=13800138009", headers=bearer(clerk))
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.content_type == "application/problem+json"
        # Names are not numbers: they are not limited.
        assert district.client.get("/api/v1/records?q=张", headers=bearer(clerk)).status_code == 200

    def test_a_run_of_misses_raises_one_enumeration_alert(self, district, monkeypatch):
        monkeypatch.setattr(access_log, "ALERT_MISSES", 3)
        clerk = district.user(Role.viewer, "clerk")
        for n in range(5):
            district.client.get(f"/api/v1/records?q=1390013900{n}", headers=bearer(clerk))
        alerts = district.session.scalar(select(func.count()).select_from(AccessEntry).where(
            AccessEntry.action == "enumeration_alert"))
        assert alerts == 1
