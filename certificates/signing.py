"""The site's signing key for verifiable credentials, and the public key set it publishes.

``LMS_SIGNING_KEY`` holds an Ed25519 private key as a JWK (JSON), or the path of a file holding
it; it may also be a JWK set ``{"keys": [...]}``, whose first key signs while the others, retired,
stay published so credentials signed with them still verify. With the setting empty (the
embedded default: the settings refuse to start with DEBUG off and no key) a key is generated once
into ``LMS_SIGNING_KEY_DEFAULT_FILE``, readable by its owner only, and reused afterwards.

Every key is named by a ``kid`` that Open Badges 3.0 asks to be a URI that dereferences to the
key: the key set's address with the key's RFC 7638 thumbprint as fragment.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.jwk import OKPKey

ALGORITHM = "EdDSA"
CURVE: Final[Literal["Ed25519"]] = "Ed25519"
JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class SigningKeys:
    """The key that signs, and every key a verifier may meet (the signing one first)."""

    signing: OKPKey
    published: tuple[OKPKey, ...]


_cache: dict[tuple[str, str], SigningKeys] = {}
_lock = threading.Lock()


def signing_keys() -> SigningKeys:
    """The configured keys, read once per process (and per setting, so tests may override it)."""
    configured = settings.LMS_SIGNING_KEY.strip()
    default_file = Path(settings.LMS_SIGNING_KEY_DEFAULT_FILE)
    cache_key = (configured, str(default_file))
    with _lock:
        if cache_key not in _cache:
            if configured.startswith("{"):
                text, origin = configured, "LMS_SIGNING_KEY"
            elif configured:
                text, origin = _read(Path(configured)), configured
            else:
                text, origin = key_file_ensure(default_file), str(default_file)
            _cache[cache_key] = _parse(text, origin)
        return _cache[cache_key]


def key_id(key: OKPKey) -> str:
    """The ``kid``: where the key is published, with its RFC 7638 thumbprint as fragment."""
    return f"{settings.LMS_BASE_URL.rstrip('/')}{JWKS_PATH}#{key.thumbprint()}"


def public_jwk(key: OKPKey) -> dict[str, str]:
    """The public half only, field by field: nothing private can slip through."""
    return {
        "kty": "OKP",
        "crv": CURVE,
        "x": str(key["x"]),
        "kid": key_id(key),
        "use": "sig",
        "alg": ALGORITHM,
    }


def public_key_set() -> dict[str, list[dict[str, str]]]:
    """The JWK set published at ``/.well-known/jwks.json``."""
    return {"keys": [public_jwk(key) for key in signing_keys().published]}


def key_file_ensure(path: Path) -> str:
    """The key in ``path``, generated there first if there is none: mode 0600, written to a
    temporary file and linked into place, so a concurrent reader never sees half a key and two
    processes starting together end up with the same one."""
    try:
        return _read(path)
    except ImproperlyConfigured:
        if path.exists():
            raise
    path.parent.mkdir(parents=True, exist_ok=True)
    key = OKPKey.generate_key(CURVE)
    text = json.dumps(key.as_dict(private=True)) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key is the one
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the signing key file {path}: {error}") from error


def _parse(text: str, origin: str) -> SigningKeys:
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        raise ImproperlyConfigured(f"The signing key in {origin} is not JSON.") from error
    entries = data.get("keys") if isinstance(data, dict) and "keys" in data else [data]
    if not isinstance(entries, list) or not entries:
        raise ImproperlyConfigured(f"The signing key set in {origin} has no keys.")
    keys: list[OKPKey] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != CURVE:
            raise ImproperlyConfigured(f"Every key in {origin} must be an Ed25519 (OKP) JWK.")
        try:
            keys.append(OKPKey.import_key(entry))
        except Exception as error:  # joserfc's and cryptography's errors alike: a bad key
            raise ImproperlyConfigured(f"A key in {origin} is not valid: {error}") from error
    if not keys[0].is_private:
        raise ImproperlyConfigured(f"The first key in {origin} signs: it needs its private part.")
    return SigningKeys(signing=keys[0], published=tuple(keys))
