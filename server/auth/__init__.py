"""Authentication: password hashing, access tokens, the current user."""
