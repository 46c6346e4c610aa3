"""Random secrets handed out in links and cookies, and the digest stored in their place.

Personal link tokens and open-link browser keys are 256 random bits, so a plain SHA-256 is
enough to store them: nobody can guess a preimage, and a stored digest finds its row by index.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters


def new_token() -> str:
    """A fresh secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
