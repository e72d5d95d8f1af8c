"""Signing in, rotating refresh tokens, signing out."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.auth.access_tokens import SigningKeys, issue_access_token
from server.auth.passwords import hash_password, password_matches
from server.errors import Unauthorized
from server.models import RefreshToken, User
from server.services import login_throttle
from server.services.audit import record_audit


@dataclass(frozen=True)
class TokenPolicy:
    """How tokens are signed and how long they live."""

    keys: SigningKeys
    access_lifetime: timedelta
    refresh_lifetime: timedelta


@dataclass(frozen=True)
class TokenPair:
    """What a successful sign-in or refresh hands the client."""

    access_token: str
    refresh_token: str
    expires_in: int


class RefreshReuse(Unauthorized):
    """A rotated refresh token came back: its whole family is now revoked."""


def sign_in(session: Session, policy: TokenPolicy, username: str, password: str,
            remote_addr: str | None = None, device_id: str | None = None) -> TokenPair:
    """Check a username and password and start a new refresh-token family; failures are
    throttled (429 while a wait runs, see domain/login_throttle.py)."""
    now = datetime.now(timezone.utc)
    login_throttle.refuse_if_waiting(session, username, remote_addr, now)
    user = session.scalar(select(User).where(User.username == username))
    reason = _refusal(user, password)
    if reason:
        waits = login_throttle.count_failure(session, username, remote_addr, now)
        record_audit(session, "login_failed", actor_id=user.id if user else None,
                     subject=username, remote_addr=remote_addr,
                     details={"reason": reason, **({"waits_s": waits} if waits else {})})
        raise Unauthorized("Wrong username or password.")
    assert user is not None
    login_throttle.count_success(session, username, remote_addr, now)
    record_audit(session, "login", actor_id=user.id, subject=username, remote_addr=remote_addr)
    return _issue_pair(session, policy, user, uuid.uuid4(), device_id)


def rotate_refresh_token(session: Session, policy: TokenPolicy, presented: str,
                         remote_addr: str | None = None) -> TokenPair:
    """Exchange a refresh token for a new pair; re-use of a rotated token revokes its family."""
    now = datetime.now(timezone.utc)
    token = _find_token(session, presented)
    if token is None or token.revoked_at is not None:
        raise Unauthorized("The refresh token is not valid.")
    if token.rotated_at is not None:
        revoke_family(session, token.family_id, now)
        record_audit(session, "refresh_reuse", actor_id=token.user_id, remote_addr=remote_addr,
                     subject=str(token.family_id))
        raise RefreshReuse("The refresh token was already used; this sign-in has been revoked.")
    if token.expires_at <= now or not token.user.is_active:
        raise Unauthorized("The refresh token has expired or its user is disabled.")
    token.rotated_at = now
    record_audit(session, "refresh", actor_id=token.user_id, subject=str(token.family_id),
                 remote_addr=remote_addr)
    return _issue_pair(session, policy, token.user, token.family_id, token.device_id)


def sign_out(session: Session, presented: str, remote_addr: str | None = None) -> None:
    """Revoke the family of a refresh token; unknown tokens are ignored."""
    token = _find_token(session, presented)
    if token is None:
        return
    revoke_family(session, token.family_id, datetime.now(timezone.utc))
    record_audit(session, "logout", actor_id=token.user_id, subject=str(token.family_id),
                 remote_addr=remote_addr)


def revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    """Revoke every still-valid token of a family."""
    session.execute(update(RefreshToken)
                    .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now))


def create_user(session: Session, username: str, role: str, password: str,
                display_name: str | None = None) -> User:
    """Add a user with a hashed password."""
    user = User(username=username, role=role, password_hash=hash_password(password),
                display_name=display_name or username)
    session.add(user)
    session.flush()
    return user


def _refusal(user: User | None, password: str) -> str | None:
    """Why a sign-in is refused, or None; the hash is checked even for an unknown user."""
    if not password_matches(user.password_hash if user else None, password):
        return "bad_credentials" if user else "unknown_user"
    return None if user and user.is_active else "disabled"


def _find_token(session: Session, presented: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken)
                          .where(RefreshToken.token_hash == _digest(presented))
                          .with_for_update())


def _issue_pair(session: Session, policy: TokenPolicy, user: User, family_id: uuid.UUID,
                device_id: str | None) -> TokenPair:
    secret = secrets.token_urlsafe(32)
    session.add(RefreshToken(
        id=uuid.uuid4(), family_id=family_id, user_id=user.id, token_hash=_digest(secret),
        expires_at=datetime.now(timezone.utc) + policy.refresh_lifetime, device_id=device_id))
    session.flush()
    access = issue_access_token(policy.keys, user.id, user.role.value, policy.access_lifetime)
    return TokenPair(access, secret, int(policy.access_lifetime.total_seconds()))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
