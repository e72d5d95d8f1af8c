"""The signed-in user of a request, always read from the database."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import current_app, request

from server.auth.access_tokens import verify_access_token
from server.errors import Forbidden, Unauthorized
from server.extensions import db
from server.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])
_USER_KEY = "zhiwang.user"
_USER_ID_KEY = "zhiwang.user_id"


def current_user() -> User:
    """The authenticated, active user of this request, or Unauthorized."""
    # Cached on the request itself (not g, which outlives a request when an app context is reused).
    if _USER_KEY not in request.environ:
        user = _authenticate()
        request.environ[_USER_KEY], request.environ[_USER_ID_KEY] = user, user.id
    return request.environ[_USER_KEY]


def authenticated_user_id() -> int | None:
    """The id of the user this request has already authenticated, if any (never
    authenticates, never loads: safe after a commit has expired the user)."""
    return request.environ.get(_USER_ID_KEY)


def _authenticate() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    claims = verify_access_token(current_app.extensions["zhiwang_keys"], token.strip())
    sub = claims["sub"]
    # Only our key signs tokens, but a malformed subject must still be a 401, never a 500.
    if not isinstance(sub, str) or not (sub.isascii() and sub.isdigit()) or len(sub) > 18:
        raise Unauthorized("The access token names no user.")
    user = db.session.get(User, int(sub))
    # A disabled user's tokens stop working at once: the database decides, not the token.
    if user is None or not user.is_active:
        raise Unauthorized("This account is disabled or no longer exists.")
    return user


def login_required(*roles: Role) -> Callable[[F], F]:
    """Require a signed-in user, with one of ``roles`` when any are named."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if roles and user.role not in roles:
                raise Forbidden("Your role may not do this.")
            return view(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate
