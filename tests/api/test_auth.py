"""Signing in, access tokens, refresh rotation, sign-out, disabled users."""
from __future__ import annotations

import base64
import json
import secrets
import threading
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import select, text

from server.auth.access_tokens import SigningKeys, issue_access_token
from server.models import AuditEntry, Role
from tests.factories import PASSWORD, bearer, make_user, sign_in


def keys_of(app) -> SigningKeys:
    return app.extensions["zhiwang_keys"]


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


class TestSignIn:
    def test_right_password_gives_a_token_pair(self, client, session):
        make_user(session, username="li.na", role=Role.collector)
        body = sign_in(client, "li.na")
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 15 * 60
        assert body["refresh_token"] and body["access_token"]

    def test_wrong_password_is_refused_and_audited(self, client, session):
        make_user(session, username="li.na")
        response = client.post("/api/v1/auth/token", json={"username": "li.na", "password": "nope"})
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert audit_actions(session) == ["login_failed"]

    def test_unknown_user_gets_the_same_answer_as_a_wrong_password(self, client, session):
        response = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "x"})
        assert response.status_code == 401
        assert response.get_json()["detail"] == "Wrong username or password."
        entry = session.scalar(select(AuditEntry))
        assert (entry.action, entry.subject, entry.details["reason"]) == (
            "login_failed", "ghost", "unknown_user")

    def test_successful_login_is_audited(self, client, session):
        make_user(session, username="li.na")
        sign_in(client, "li.na")
        assert audit_actions(session) == ["login"]

    def test_missing_password_names_the_field(self, client):
        response = client.post("/api/v1/auth/token", json={"username": "li.na"})
        assert response.status_code == 422
        assert {"field": "password", "message": "Missing data for required field."} in (
            response.get_json()["errors"])

    def test_password_is_stored_hashed_with_argon2(self, session):
        user = make_user(session)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


class TestAccessTokens:
    def test_a_valid_token_reaches_me(self, client, session):
        make_user(session, username="wang.fang", display_name="王芳", role=Role.supervisor)
        token = sign_in(client, "wang.fang")["access_token"]
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.get_json() == {"username": "wang.fang", "display_name": "王芳",
                                       "role": "supervisor", "grids": [], "department": None,
                                       "decision_support": True}

    def test_token_carries_kid_and_standard_claims(self, app, client, session):
        make_user(session, username="li.na")
        token = sign_in(client, "li.na")["access_token"]
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert header == {"alg": "HS256", "kid": "test-1", "typ": "JWT"}
        assert {"sub", "iss", "aud", "exp", "iat", "jti"} <= set(claims)
        assert claims["exp"] - claims["iat"] == 15 * 60

    def test_no_token_is_refused(self, client):
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_expired_token_is_refused(self, app, client, session):
        user = make_user(session)
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        token = issue_access_token(keys_of(app), user.id, "collector", timedelta(minutes=15), past)
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401
        assert "expired" in response.get_json()["detail"]

    def test_wrong_audience_is_refused(self, app, client, session):
        user = make_user(session)
        keys = keys_of(app)
        other = SigningKeys(keys.keys, keys.active, keys.algorithms, keys.issuer, "another-api")
        token = issue_access_token(other, user.id, "collector", timedelta(minutes=5))
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    def test_wrong_issuer_is_refused(self, app, client, session):
        user = make_user(session)
        keys = keys_of(app)
        other = SigningKeys(keys.keys, keys.active, keys.algorithms, "someone-else", keys.audience)
        token = issue_access_token(other, user.id, "collector", timedelta(minutes=5))
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    def test_tampered_signature_is_refused(self, app, client, session):
        make_user(session, username="li.na", role=Role.collector)
        token = sign_in(client, "li.na")["access_token"]
        head, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["role"] = "admin"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        assert client.get("/api/v1/me", headers=bearer(f"{head}.{forged}.{signature}")
                          ).status_code == 401

    def test_alg_none_is_refused(self, app, client, session):
        user = make_user(session)
        keys = keys_of(app)
        now = datetime.now(timezone.utc)
        claims = {"sub": str(user.id), "iss": keys.issuer, "aud": keys.audience,
                  "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 600}
        token = jwt.encode(claims, None, algorithm="none", headers={"kid": keys.active})
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401
        assert "algorithm" in response.get_json()["detail"]

    def test_token_signed_with_another_key_is_refused(self, app, client, session):
        user = make_user(session)
        keys = keys_of(app)
        stranger = SigningKeys({keys.active: secrets.token_urlsafe(48)}, keys.active,
                               keys.algorithms, keys.issuer, keys.audience)
        token = issue_access_token(stranger, user.id, "collector", timedelta(minutes=5))
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    def test_token_with_unknown_kid_is_refused(self, app, client, session):
        user = make_user(session)
        keys = keys_of(app)
        stranger = SigningKeys({"k-unknown": keys.keys[keys.active]}, "k-unknown",
                               keys.algorithms, keys.issuer, keys.audience)
        token = issue_access_token(stranger, user.id, "collector", timedelta(minutes=5))
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    def test_rotated_signing_key_keeps_old_tokens_valid(self, app, client, session):
        user = make_user(session)
        old = keys_of(app)
        token = issue_access_token(old, user.id, "collector", timedelta(minutes=5))
        rotated = SigningKeys({**old.keys, "test-2": secrets.token_urlsafe(48)}, "test-2",
                              old.algorithms, old.issuer, old.audience)
        app.extensions["zhiwang_keys"] = rotated
        try:
            assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
            new_token = issue_access_token(rotated, user.id, "collector", timedelta(minutes=5))
            assert jwt.get_unverified_header(new_token)["kid"] == "test-2"
            assert client.get("/api/v1/me", headers=bearer(new_token)).status_code == 200
        finally:
            app.extensions["zhiwang_keys"] = old


class TestRefresh:
    def test_refresh_gives_a_new_pair_and_retires_the_old_token(self, client, session):
        make_user(session, username="li.na")
        first = sign_in(client, "li.na")
        second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert second.status_code == 200
        pair = second.get_json()
        assert pair["refresh_token"] != first["refresh_token"]
        assert client.get("/api/v1/me", headers=bearer(pair["access_token"])).status_code == 200

    def test_reusing_a_rotated_token_revokes_the_whole_family(self, client, session):
        make_user(session, username="li.na")
        first = sign_in(client, "li.na")
        second = client.post("/api/v1/auth/refresh",
                             json={"refresh_token": first["refresh_token"]}).get_json()
        replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert replay.status_code == 401
        # the legitimate newest token of that family is dead too
        after = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert after.status_code == 401
        assert "refresh_reuse" in audit_actions(session)

    def test_reuse_does_not_touch_other_sign_ins(self, client, session):
        make_user(session, username="li.na")
        phone = sign_in(client, "li.na")
        tablet = sign_in(client, "li.na")
        client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
        client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
        assert client.post("/api/v1/auth/refresh",
                           json={"refresh_token": tablet["refresh_token"]}).status_code == 200

    def test_unknown_refresh_token_is_refused(self, client):
        response = client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})
        assert response.status_code == 401

    def test_refresh_tokens_are_stored_hashed(self, client, session):
        from server.models import RefreshToken
        make_user(session, username="li.na")
        token = sign_in(client, "li.na")["refresh_token"]
        stored = session.scalars(select(RefreshToken.token_hash)).all()
        assert stored and token not in stored


class TestLogout:
    def test_logout_revokes_the_refresh_token(self, client, session):
        make_user(session, username="li.na")
        pair = sign_in(client, "li.na")
        response = client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
        assert response.status_code == 204
        assert client.post("/api/v1/auth/refresh",
                           json={"refresh_token": pair["refresh_token"]}).status_code == 401
        assert audit_actions(session)[-1] == "logout"


class TestDisabledUser:
    def test_disabled_users_access_token_stops_working_at_once(self, client, session):
        user = make_user(session, username="li.na")
        pair = sign_in(client, "li.na")
        user.is_active = False
        session.flush()
        assert client.get("/api/v1/me", headers=bearer(pair["access_token"])).status_code == 401
        assert client.post("/api/v1/auth/refresh",
                           json={"refresh_token": pair["refresh_token"]}).status_code == 401

    def test_disabled_user_cannot_sign_in(self, client, session):
        make_user(session, username="li.na", is_active=False)
        response = client.post("/api/v1/auth/token",
                               json={"username": "li.na", "password": PASSWORD})
        assert response.status_code == 401


class TestAttacksThatMustKeepFailing:
    """Probed black-box in issue 13 and refused; kept here so that they stay refused."""

    def token_with(self, app, **claims):
        keys = keys_of(app)
        now = int(datetime.now(timezone.utc).timestamp())
        body = {"iss": keys.issuer, "aud": keys.audience, "iat": now, "exp": now + 600, **claims}
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, keys.keys[keys.active], algorithm="HS256",
                          headers={"kid": keys.active})

    def test_tampered_claims_under_the_original_signature_are_refused(self, app, client, session):
        make_user(session, username="li.na")
        boss = make_user(session, username="boss", role=Role.admin)
        token = sign_in(client, "li.na")["access_token"]
        head, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        for change in ({"sub": str(boss.id)}, {"exp": claims["exp"] + 86400},
                       {"aud": "zhiwang-api", "role": "admin"}):
            forged = base64.urlsafe_b64encode(json.dumps({**claims, **change}).encode()
                                              ).rstrip(b"=").decode()
            assert client.get("/api/v1/me", headers=bearer(f"{head}.{forged}.{signature}")
                              ).status_code == 401

    def test_a_token_without_an_expiry_is_refused(self, app, client, session):
        user = make_user(session)
        token = self.token_with(app, sub=str(user.id), exp=None)
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    @pytest.mark.parametrize("sub", ["abc", "-1", "9" * 40, "١٢", ""])
    def test_a_signed_token_naming_no_valid_user_id_is_refused(self, app, client, sub):
        response = client.get("/api/v1/me", headers=bearer(self.token_with(app, sub=sub)))
        assert response.status_code == 401

    def test_a_deleted_users_tokens_stop_working(self, client, session):
        user = make_user(session, username="li.na")
        pair = sign_in(client, "li.na")
        session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})  # cascades
        session.expire_all()
        assert client.get("/api/v1/me", headers=bearer(pair["access_token"])).status_code == 401
        assert client.post("/api/v1/auth/refresh",
                           json={"refresh_token": pair["refresh_token"]}).status_code == 401

    @pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearer a.b",
                                        "Bearer " + "x" * 5000])
    def test_malformed_authorization_headers_are_refused(self, client, header):
        assert client.get("/api/v1/me", headers={"Authorization": header}).status_code == 401


def test_parallel_refreshes_of_one_token_leave_no_second_sign_in(committing_app):
    """Two refreshes of the same token at once: one wins; the other is a reuse, which revokes
    the family, so no two live sessions come out of one refresh token."""
    from server.extensions import db
    with committing_app.app_context():
        make_user(db.session, username="li.na")
        db.session.commit()
    client = committing_app.test_client()
    token = sign_in(client, "li.na")["refresh_token"]
    barrier = threading.Barrier(2)
    answers = []

    def refresh():
        barrier.wait()
        answers.append(committing_app.test_client().post(
            "/api/v1/auth/refresh", json={"refresh_token": token}))

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 401]
    winner = next(a for a in answers if a.status_code == 200).get_json()
    assert client.post("/api/v1/auth/refresh",
                       json={"refresh_token": winner["refresh_token"]}).status_code == 401
