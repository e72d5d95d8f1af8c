"""Short-lived access JWTs: signed with the active key, verified with any configured key."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt

from server.errors import Unauthorized

MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class SigningKeys:
    """The configured keys: ``keys`` maps key id to secret; ``active`` signs new tokens."""

    keys: dict[str, str]
    active: str
    algorithms: tuple[str, ...]
    issuer: str
    audience: str

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SigningKeys:
        """Read and check the JWT settings of the app config."""
        keys = dict(config.get("JWT_KEYS") or {})
        active = config.get("JWT_ACTIVE_KID") or (sorted(keys)[-1] if keys else "")
        if active not in keys:
            raise RuntimeError("ZHIWANG_JWT_KEYS must hold the key named by ZHIWANG_JWT_ACTIVE_KID")
        short = [kid for kid, secret in keys.items() if len(secret.encode()) < MIN_SECRET_BYTES]
        if short:
            raise RuntimeError(f"JWT keys shorter than {MIN_SECRET_BYTES} bytes: {short}")
        algorithms = tuple(config.get("JWT_ALGORITHMS") or ("HS256",))
        if not set(algorithms) <= {"HS256", "HS384", "HS512"}:
            raise RuntimeError("only HMAC algorithms are supported for JWT_ALGORITHMS")
        return cls(keys, active, algorithms, config["JWT_ISSUER"], config["JWT_AUDIENCE"])


def issue_access_token(keys: SigningKeys, user_id: int, role: str, lifetime: timedelta,
                       now: datetime | None = None) -> str:
    """Sign an access token for a user."""
    now = now or datetime.now(timezone.utc)
    claims = {
        "sub": str(user_id), "role": role, "iss": keys.issuer, "aud": keys.audience,
        "iat": int(now.timestamp()), "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, keys.keys[keys.active], algorithm=keys.algorithms[0],
                      headers={"kid": keys.active})


def verify_access_token(keys: SigningKeys, token: str) -> dict[str, Any]:
    """Return the claims of a valid token or raise Unauthorized saying why not."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise Unauthorized("The access token is malformed.") from None
    kid = header.get("kid")
    if header.get("alg") not in keys.algorithms:
        raise Unauthorized("The access token's algorithm is not accepted.")
    if kid not in keys.keys:
        raise Unauthorized("The access token was signed with an unknown key.")
    try:
        return jwt.decode(token, keys.keys[kid], algorithms=list(keys.algorithms),
                          audience=keys.audience, issuer=keys.issuer,
                          options={"require": ["exp", "iat", "sub", "iss", "aud"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired.", code="token_expired") from None
    except jwt.InvalidTokenError as error:
        raise Unauthorized(f"The access token is not valid: {error}.") from None
