"""Sealed blobs: what the database holds instead of answers while a round is in fieldwork.

An attacker who reads the database's files (free space, dead row versions, the write-ahead log,
a dump) must find no answer or comment in clear before the close has made it anonymous. So
drafts and ballots are stored only as AES-GCM ciphertext:

- a **draft** under a key derived from the respondent's own secret (the personal link token,
  or an open-link browser key), which reaches the server only from the link or the sealed
  session cookie and which the database never holds (it holds a SHA-256 of it);
- a **ballot** under a key derived for its round from the installation secret
  (``MOGNAD_SECRET_KEY``), so the close can open it later without the respondent.

Every key is derived with HKDF for one purpose (and round), so no two uses share a key. A
sealed value names the key that sealed it by a *key id* (a short hash of the derived key: it
tells which secret to use, and nothing about the key), carries a fresh random nonce, and is
bound through the associated data to its place (the ballot's round, unit and id; the draft's
id and round): a blob copied into another row does not open there. The previous installation
secret (``MOGNAD_SECRET_KEY_PREVIOUS``) still opens what it sealed, so rotating the secret
loses no answer; a blob whose key id matches no secret we have is refused with a message that
says so, never skipped.

Text format, so it fits the existing text columns: ``v1.<key id>.<base64url(nonce + ciphertext)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from analysis.errors import MognadError

VERSION = "v1"
NONCE_BYTES = 12
KEY_ID_BYTES = 8
# Purposes: each names one kind of sealed value; a key derived for one never opens another.
BALLOT = "ballot"
DRAFT = "draft"
SESSION = "session token"  # the personal link token in the respondent's session cookie
EXTENSION = "mognad.sealer"  # where create_app keeps the installation's sealer


class SealError(MognadError):
    """A sealed value cannot be opened: its key is unknown here, or it was altered or moved."""


class UnknownKey(SealError):
    """Sealed under a secret this installation does not have (``key_id`` names that key)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"sealed under an unknown key (key id {key_id})")
        self.key_id = key_id


def derive(secret: str, purpose: str, scope: str = "") -> bytes:
    """A 256-bit key for ``purpose`` (and ``scope``, e.g. one round) from ``secret``, by HKDF."""
    info = f"mognad seal {VERSION} {purpose} {scope}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def key_id(key: bytes) -> str:
    """The short public name of a derived key: which secret sealed a value, nothing more."""
    return hashlib.sha256(b"mognad key id\0" + key).hexdigest()[: 2 * KEY_ID_BYTES]


def _aad(purpose: str, place: str) -> bytes:
    return f"mognad {VERSION} {purpose} {place}".encode()


class Sealer:
    """Seals under the first secret and opens under any of them (current, then previous).

    Built once from the configuration for ballots (:meth:`from_config`), or per request from
    a respondent's own secret for their draft (:meth:`for_respondent`). Services receive it
    as a plain value and never read the configuration themselves.
    """

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets or not all(secrets):
            raise ValueError("a Sealer needs at least one non-empty secret")
        self._secrets = tuple(secrets)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Sealer:
        """The installation's sealer: ``SECRET_KEY``, then ``SECRET_KEY_PREVIOUS`` if set."""
        previous = config.get("SECRET_KEY_PREVIOUS")
        return cls([str(config["SECRET_KEY"]), *([str(previous)] if previous else [])])

    @classmethod
    def for_respondent(cls, secret: str) -> Sealer:
        """A respondent's own sealer: their link token or open-link browser key."""
        return cls([secret])

    def seal(self, purpose: str, scope: str, place: str, content: object) -> str:
        """``content`` (JSON-able) sealed with a fresh nonce under the current key."""
        key = derive(self._secrets[0], purpose, scope)
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = AESGCM(key).encrypt(nonce, plain, _aad(purpose, place))
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
        return f"{VERSION}.{key_id(key)}.{body}"

    def open(self, purpose: str, scope: str, place: str, value: str) -> Any:
        """The content of a sealed ``value``; UnknownKey or SealError when it cannot be."""
        try:
            version, kid, body = value.split(".")
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, binascii.Error):
            raise SealError("not a sealed value") from None
        if version != VERSION or len(raw) <= NONCE_BYTES:
            raise SealError("not a sealed value")
        for secret in self._secrets:
            key = derive(secret, purpose, scope)
            if key_id(key) == kid:
                break
        else:
            raise UnknownKey(kid)
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(purpose, place))
        except InvalidTag:
            raise SealError("altered, or moved from another row") from None
        return json.loads(plain)


def app_sealer() -> Sealer:
    """The installation's sealer that create_app built (for views and commands, not services)."""
    from flask import current_app

    return cast("Sealer", current_app.extensions[EXTENSION])
