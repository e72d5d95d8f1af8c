"""Webhook subscriptions through the API: who may make them, for what, and their delivery log."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from server.models import AuditEntry, DeliveryState, Role, WebhookDelivery
from tests.factories import bearer, make_user, resident_data, sign_in, sync_batch, sync_item

HOOK = "https://hooks.civil.example/zhiwang"


@pytest.fixture
def admin(district):
    return district.user(Role.admin, "root")


def staff_of(district, admin, code: str, grant: dict | None = None) -> str:
    """A department (with ``grant``, if any) and one of its staff; the staff's token."""
    response = district.client.post("/api/v1/departments", json={"code": code, "name": code},
                                    headers=bearer(admin))
    assert response.status_code == 201, response.get_json()
    if grant is not None:
        response = district.client.put(f"/api/v1/departments/{code}/grants", json=grant,
                                       headers=bearer(admin))
        assert response.status_code == 200, response.get_json()
    make_user(district.session, role=Role.viewer, username=f"{code}.clerk", department_code=code)
    return sign_in(district.client, f"{code}.clerk")["access_token"]


def post(district, token, **body):
    return district.client.post("/api/v1/webhooks", json=body, headers=bearer(token))


def fields_of(response) -> list[str]:
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    return [e["field"] for e in response.get_json()["errors"]]


@pytest.fixture
def civil(district, admin, webhook_settings):
    return staff_of(district, admin, "civil", {"kinds": ["resident"], "grids": ["T-11", "T-12"]})


def test_department_staff_subscribe_for_their_department_and_see_the_secret_once(district, civil):
    response = post(district, civil, url=HOOK, kinds=["resident"], grids=["T-11"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["secret"].startswith("whsec_") and body["department"] == "civil"
    assert body["state"] == "active" and body["pending"] == body["parked"] == 0
    assert body["kinds"] == ["resident"] and body["grids"] == ["T-11"]
    again = district.client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(civil))
    assert again.status_code == 200 and "secret" not in again.get_json()
    listed = district.client.get("/api/v1/webhooks", headers=bearer(civil)).get_json()
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]


def test_the_secret_is_stored_sealed_not_in_clear(district, civil):
    from server.models import WebhookSubscription
    body = post(district, civil, url=HOOK).get_json()
    stored = district.session.get(WebhookSubscription, body["id"])
    assert body["secret"].encode() not in stored.secret_sealed and stored.secret_kid == "t1"


def test_left_out_kinds_and_grids_mean_all_the_grant_has(district, civil):
    body = post(district, civil, url=HOOK).get_json()
    assert body["kinds"] is None and body["grids"] is None


def test_an_administrator_subscribes_a_department_by_naming_it(district, admin, civil):
    response = post(district, admin, url=HOOK, department="civil")
    assert response.status_code == 201 and response.get_json()["department"] == "civil"
    assert fields_of(post(district, admin, url=HOOK)) == ["department"]
    assert fields_of(post(district, admin, url=HOOK, department="nope")) == ["department"]
    listed = district.client.get("/api/v1/webhooks?department=civil", headers=bearer(admin))
    assert len(listed.get_json()) == 1


def test_only_administrators_and_department_staff_manage_webhooks(district, admin, civil):
    police = staff_of(district, admin, "police")
    clerk = district.user(Role.viewer, "no.department")
    supervisor = district.user(Role.supervisor, "boss", supervises=("T-11",))
    for token in (district.token, supervisor, clerk):
        assert post(district, token, url=HOOK).status_code == 403
        assert district.client.get("/api/v1/webhooks", headers=bearer(token)).status_code == 403
    assert post(district, police, url=HOOK, department="civil").status_code == 403


REFUSED = [  # (what is asked for, the field named)
    ({"kinds": ["rental"]}, "kinds[0]"),          # a kind the department is not granted
    ({"kinds": ["resident", "spaceship"]}, "kinds[1]"),
    ({"kinds": []}, "kinds"),
    ({"grids": ["T-33"]}, "grids[0]"),            # a grid outside the grant
    ({"grids": ["S1"]}, "grids[0]"),              # a street reaching beyond T-11 and T-12
    ({"grids": ["T-11", "X-99"]}, "grids[1]"),
    ({"grids": []}, "grids"),
    ({"url": "ftp://files.civil.example/"}, "url"),
    ({"url": "http://127.0.0.1:5432/"}, "url"),   # loopback: refused by default
    ({"url": "http://169.254.169.254/latest/meta-data"}, "url"),
    ({"url": "not a url"}, "url"),
]


def test_what_a_subscription_may_not_have_is_refused_naming_the_field(district, civil,
                                                                      monkeypatch, migrated_app):
    from server.domain.webhook_urls import DEFAULT_DENIED
    monkeypatch.setitem(migrated_app.config, "WEBHOOK_DENIED_NETWORKS", list(DEFAULT_DENIED))
    for body, field in REFUSED:
        assert fields_of(post(district, civil, **{"url": HOOK, **body})) == [field], body
    assert district.client.get("/api/v1/webhooks", headers=bearer(civil)).get_json() == []


def test_a_department_sees_and_touches_only_its_own_webhooks(district, admin, civil):
    police = staff_of(district, admin, "police")
    theirs = post(district, police, url=HOOK).get_json()["id"]
    for method, path in [("get", ""), ("delete", ""), ("post", "/disable"), ("post", "/enable"),
                         ("get", "/deliveries")]:
        response = getattr(district.client, method)(f"/api/v1/webhooks/{theirs}{path}",
                                                    headers=bearer(civil))
        assert response.status_code == 404, (method, path)
    assert district.client.get("/api/v1/webhooks", headers=bearer(civil)).get_json() == []


def test_disable_enable_and_delete_as_a_user_expects_them_audited(district, civil):
    hook = post(district, civil, url=HOOK).get_json()["id"]
    path = f"/api/v1/webhooks/{hook}"
    disabled = district.client.post(f"{path}/disable", headers=bearer(civil)).get_json()
    assert disabled["state"] == "disabled" and "civil.clerk" in disabled["disabled_reason"]
    enabled = district.client.post(f"{path}/enable", headers=bearer(civil)).get_json()
    assert enabled["state"] == "active" and enabled["disabled_reason"] is None
    assert district.client.delete(path, headers=bearer(civil)).status_code == 204
    assert district.client.get(path, headers=bearer(civil)).status_code == 404
    actions = district.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == f"webhook:{hook}").order_by(AuditEntry.id)).all()
    assert actions == ["webhook_created", "webhook_disabled", "webhook_enabled",
                       "webhook_deleted"]


def test_the_delivery_log_pages_newest_first_and_filters_by_state(district, civil):
    hook = post(district, civil, url=HOOK).get_json()["id"]
    record = district.results(sync_batch(sync_item(resident_data(7))))[0]["record_id"]
    district.results(sync_batch(sync_item(resident_data(7, phone="13800138007"),
                                          record_id=record, base_version=1)))
    for version, state in [(1, DeliveryState.delivered), (2, DeliveryState.failed)]:
        district.session.add(WebhookDelivery(
            subscription_id=hook, record_id=uuid.UUID(record), version=version, state=state,
            attempts=version, retry_until=datetime.now(timezone.utc)))
    district.session.flush()
    get = lambda query: district.client.get(f"/api/v1/webhooks/{hook}/deliveries{query}",
                                            headers=bearer(civil))
    page = get("?limit=1").get_json()
    assert [(i["event_id"], i["state"], i["type"]) for i in page["items"]] == [
        (f"rv_{record}_2", "failed", "record.updated")]
    older = get(f"?limit=1&before={page['next']}").get_json()["items"]
    assert [(i["version"], i["state"], i["attempts"]) for i in older] == [(1, "delivered", 1)]
    assert [i["version"] for i in get("?state=failed").get_json()["items"]] == [2]
    assert get("").get_json()["next"] is None
    assert get("?state=bogus").status_code == 422
    shown = district.client.get(f"/api/v1/webhooks/{hook}", headers=bearer(civil)).get_json()
    assert shown["parked"] == 1 and shown["pending"] == 0


def test_without_a_sealing_key_webhooks_are_not_set_up(district, admin, migrated_app,
                                                       monkeypatch):
    civil = staff_of(district, admin, "civil")
    monkeypatch.setitem(migrated_app.config, "WEBHOOK_SECRET_KEYS", {})
    response = post(district, civil, url=HOOK)
    assert response.status_code == 503 and "ZHIWANG_WEBHOOK_SECRET_KEYS" in \
        response.get_json()["detail"]


ODD_INPUTS = [
    ("post", "", None), ("post", "", []), ("post", "", "x"), ("post", "", {}),
    ("post", "", {"url": None}), ("post", "", {"url": 5}), ("post", "", {"url": ["a"]}),
    ("post", "", {"url": "http://\x00/"}), ("post", "", {"url": "http://[::1"}),
    ("post", "", {"url": "http://a:0x10/"}), ("post", "", {"url": "h" * 5000}),
    ("post", "", {"url": HOOK, "kinds": "resident"}), ("post", "", {"url": HOOK, "kinds": [1]}),
    ("post", "", {"url": HOOK, "kinds": ["\x00"]}), ("post", "", {"url": HOOK, "grids": {}}),
    ("post", "", {"url": HOOK, "grids": ["T-11\x00"]}),
    ("post", "", {"url": HOOK, "grids": [""]}), ("post", "", {"url": HOOK, "grids": ["ä" * 33]}),
    ("post", "", {"url": HOOK, "department": "\x00"}), ("post", "", {"url": HOOK, "x": 1}),
    ("post", "", {"url": "http://例子.中国/路径?q=值"}),
    ("post", "", {"url": "http://[fe80::1%25eth0]/"}), ("post", "", {"url": "http://ä\u200b.cn/"}),
    ("get", "/99999999999999999999999", None), ("get", "/0", None), ("get", "/-1", None),
    ("get", "/abc", None), ("delete", "/9223372036854775808", None),
    ("post", "/9223372036854775807/enable", None),
    ("get", "/1/deliveries?limit=0", None), ("get", "/1/deliveries?limit=x", None),
    ("get", "/1/deliveries?before=99999999999999999999", None),
    ("get", "/1/deliveries?state=%00", None),
    ("get", "?department=%00", None), ("put", "", {"url": HOOK}),
]


def test_no_input_makes_a_500(district, civil):
    for method, path, body in ODD_INPUTS:
        kwargs = {"headers": bearer(civil)} | ({"json": body} if body is not None else {})
        response = getattr(district.client, method)(f"/api/v1/webhooks{path}", **kwargs)
        assert response.status_code < 500, (method, path, body, response.get_json())
        if response.status_code >= 400:
            assert response.content_type == "application/problem+json", (method, path, body)


def test_a_new_sealing_key_takes_over_every_secret(district, civil, migrated_app, monkeypatch):
    from server.models import WebhookSubscription
    from server.services.webhooks.settings import SecretKeys
    from tests.api.conftest import WEBHOOK_KEY
    body = post(district, civil, url=HOOK).get_json()
    new_key = "a-newer-sealing-key-for-webhooks-0123456789"
    monkeypatch.setitem(migrated_app.config, "WEBHOOK_SECRET_KEYS",
                        {"t1": WEBHOOK_KEY, "t2": new_key})
    monkeypatch.setitem(migrated_app.config, "WEBHOOK_SECRET_ACTIVE_KID", "t2")
    result = migrated_app.test_cli_runner().invoke(args=["webhooks", "reseal"])
    assert result.exit_code == 0 and "1 webhook secrets" in result.output, result.output
    stored = district.session.get(WebhookSubscription, body["id"])
    district.session.refresh(stored)
    only_new = SecretKeys.from_config({"t2": new_key}, None)
    assert stored.secret_kid == "t2" and only_new.unseal("t2", stored.secret_sealed) == \
        body["secret"]


def test_every_version_carries_the_transaction_that_wrote_it_like_its_record(district):
    from sqlalchemy import text
    record = district.results(sync_batch(sync_item(resident_data(8))))[0]["record_id"]
    district.results(sync_batch(sync_item(resident_data(8, phone="13800138008"),
                                          record_id=record, base_version=1)))
    rows = district.session.execute(text("""
        SELECT v.version, v.change_xid, r.change_xid AS record_xid,
               CAST(CAST(pg_current_xact_id() AS text) AS bigint) AS this_transaction
          FROM record_versions v JOIN records r ON r.id = v.record_id
         WHERE v.record_id = :id ORDER BY v.version"""), {"id": record}).all()
    # The test runs in one transaction: it wrote both versions and the record's last change.
    assert [(r.version, r.change_xid) for r in rows] == [(1, rows[0].this_transaction),
                                                         (2, rows[0].this_transaction)]
    assert rows[-1].change_xid == rows[-1].record_xid
