"""Random secret tokens; only their SHA-256 digests are stored."""

import hashlib
import secrets


def new_token() -> str:
    """A fresh URL-safe token with 256 bits of randomness."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The hex SHA-256 digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
