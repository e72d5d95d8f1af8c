"""Sign in, refresh, sign out."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request
from server.api.blueprint import Blueprint

from server.api.schemas import ProblemSchema, RefreshRequest, TokenRequest, TokenResponse
from server.errors import PROBLEM_JSON
from server.extensions import db
from server.services import auth as auth_service

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication")


def token_policy() -> auth_service.TokenPolicy:
    """The app's token policy."""
    config = current_app.config
    return auth_service.TokenPolicy(
        keys=current_app.extensions["zhiwang_keys"],
        access_lifetime=timedelta(seconds=int(config["ACCESS_TOKEN_SECONDS"])),
        refresh_lifetime=timedelta(days=float(config["REFRESH_TOKEN_DAYS"])))


def _pair_body(pair: auth_service.TokenPair) -> dict[str, Any]:
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token,
            "token_type": "Bearer", "expires_in": pair.expires_in}


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.alt_response(429, description="Too many failed sign-ins: wait for Retry-After seconds",
                  schema=ProblemSchema, content_type=PROBLEM_JSON, headers={"Retry-After": {
                      "description": "seconds to wait", "schema": {"type": "integer"}}})
def token(body: dict[str, Any]) -> dict[str, Any]:
    """Exchange a username and password for an access and a refresh token.

    Failed sign-ins are throttled per account, per address and per both, with a growing but
    capped wait (429 + Retry-After); a successful sign-in clears its address's count."""
    try:
        pair = auth_service.sign_in(db.session, token_policy(), body["username"],
                                    body["password"], request.remote_addr, body.get("device_id"))
    finally:
        db.session.commit()  # the audit entry of a failed sign-in is kept too
    return _pair_body(pair)


@blp.route("/refresh", methods=["POST"])
@blp.arguments(RefreshRequest)
@blp.response(200, TokenResponse)
def refresh(body: dict[str, Any]) -> dict[str, Any]:
    """Rotate a refresh token: the old one stops working."""
    try:
        pair = auth_service.rotate_refresh_token(db.session, token_policy(),
                                                 body["refresh_token"], request.remote_addr)
    except auth_service.RefreshReuse:
        db.session.commit()  # keep the family's revocation
        raise
    db.session.commit()
    return _pair_body(pair)


@blp.route("/logout", methods=["POST"])
@blp.arguments(RefreshRequest)
@blp.response(204)
def logout(body: dict[str, Any]) -> None:
    """Revoke the refresh token's whole sign-in."""
    auth_service.sign_out(db.session, body["refresh_token"], request.remote_addr)
    db.session.commit()
