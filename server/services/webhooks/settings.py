"""Webhook settings from the app's configuration (``ZHIWANG_WEBHOOK_*``), and the key ring that
seals the subscribers' signing secrets."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.domain.webhook_urls import DEFAULT_DENIED, UrlPolicy
from server.errors import DomainError

_SEALED_FOR = b"zhiwang webhook signing secret"


class NotConfigured(DomainError):
    """Webhooks need a key to seal their secrets with, and this server has none."""

    status, type, title = 503, "not-configured", "Not configured"


@dataclass(frozen=True)
class SecretKeys:
    """Keys that seal signing secrets at rest (AES-256-GCM); the active one seals new ones.

    The secrets must be usable to sign, so a hash would not do: each is encrypted under a key
    that lives only in the server's environment (``ZHIWANG_WEBHOOK_SECRET_KEYS``), never in
    the database, so a copy of the database alone (a backup, a replica) does not hold them.
    Each sealed secret names its key, so keys rotate (``flask webhooks reseal``)."""

    keys: Mapping[str, bytes]
    active: str

    @classmethod
    def from_config(cls, keys: Mapping[str, str], active: str | None) -> SecretKeys | None:
        """The key ring (each configured key of at least 32 characters; the AES key is its
        SHA-256); None when none is configured."""
        if not keys:
            return None
        if any(len(str(k)) < 32 for k in keys.values()):
            raise ValueError("every ZHIWANG_WEBHOOK_SECRET_KEYS value needs 32 characters or more")
        ring = {kid: hashlib.sha256(str(value).encode()).digest() for kid, value in keys.items()}
        active = active or sorted(ring)[-1]
        if active not in ring:
            raise ValueError(f"ZHIWANG_WEBHOOK_SECRET_ACTIVE_KID {active!r} is not a key id")
        return cls(ring, active)

    def seal(self, secret: str) -> tuple[str, bytes]:
        """The secret sealed under the active key: (key id, nonce + ciphertext)."""
        nonce = os.urandom(12)
        return self.active, nonce + AESGCM(self.keys[self.active]).encrypt(
            nonce, secret.encode(), _SEALED_FOR)

    def unseal(self, kid: str, sealed: bytes) -> str:
        """A sealed secret in clear (KeyError, InvalidTag: not sealed by a key of this ring)."""
        try:
            return AESGCM(self.keys[kid]).decrypt(sealed[:12], sealed[12:], _SEALED_FOR).decode()
        except (KeyError, InvalidTag):
            raise KeyError(f"no webhook secret key {kid!r} that opens this secret") from None


@dataclass(frozen=True)
class WebhookSettings:
    """Everything the webhook services take from configuration."""

    keys: SecretKeys | None
    policy: UrlPolicy
    timeout: float
    retry_window: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookSettings:
        """Read the settings (see README, Configuration)."""
        return cls(
            SecretKeys.from_config(config.get("WEBHOOK_SECRET_KEYS") or {},
                                   config.get("WEBHOOK_SECRET_ACTIVE_KID")),
            UrlPolicy.from_config(config.get("WEBHOOK_SCHEMES", ["https", "http"]),
                                  config.get("WEBHOOK_ALLOWED_HOSTS", []),
                                  config.get("WEBHOOK_DENIED_NETWORKS", DEFAULT_DENIED)),
            float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
            timedelta(hours=float(config.get("WEBHOOK_RETRY_HOURS", 24))))

    def key_ring(self) -> SecretKeys:
        """The key ring, or 503 when the server has none."""
        if self.keys is None:
            raise NotConfigured("Webhooks are not set up on this server: its administrator "
                                "must set ZHIWANG_WEBHOOK_SECRET_KEYS.")
        return self.keys
