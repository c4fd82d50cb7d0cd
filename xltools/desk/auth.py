"""The office's password: made from desk.yaml's alphabet, shown once, kept only as
its scrypt hash, and compared as people type it."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from xltools.desk.settings import settings


def _scrypt(password: str, salt: bytes) -> bytes:
    c = settings().security.scrypt
    return hashlib.scrypt(_typed(password).encode("utf-8"), salt=salt, n=c.n, r=c.r, p=c.p,
                          maxmem=256 * 1024 * 1024)


def _typed(password: str) -> str:
    """The password as typed, read aloud or copied: groups, spaces and case do not matter."""
    return "".join(password.split()).replace("-", "").lower()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_scrypt(password, salt).hex()}"


def password_matches(password: str, kept: str) -> bool:
    """Whether `password` is the one whose hash_password() is `kept`."""
    kind, salt, digest = kept.split("$")
    return kind == "scrypt" and hmac.compare_digest(_scrypt(password, bytes.fromhex(salt)).hex(), digest)


def new_password() -> str:
    sec = settings().security
    raw = "".join(secrets.choice(sec.password_alphabet) for _ in range(sec.password_length))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))
