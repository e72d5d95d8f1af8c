"""Password hashing with argon2id."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Tell whether ``password`` matches the stored hash (constant work when there is none)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
