"""Field encryption of applicants' personal data, under keys kept outside the database.

Each personal value is sealed on its own with AES-256-GCM (authenticated: a changed byte, a value
moved to another field or a wrong key is detected, never decrypted into garbage) as the token::

    gk1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>

The associated data names the field (``application.phone`` …), so a token copied into another
field does not open. The key id is a fingerprint of the key (not the key), so a database tells which
key each value needs without holding any of them.

A :class:`Keyring` holds one or more 32-byte keys; the first seals, every one opens (rotation: put a
new key first, re-seal, keep the old one while backups sealed with it are kept). Equality lookups
(the same ID number, phone or e-mail on two applications) compare keyed hashes (HMAC-SHA-256 under a
key derived from each data key), never the values: the database holds no plain value to compare.

:class:`DataKeys` says where the keys come from — given (``GONGKAI_DATA_KEY``) or a key file, which
the embedded default generates on first use. The bot decides which (``bot/settings.py``); this
module only reads and writes what it is given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.errors import ServiceError

log = logging.getLogger(__name__)

TOKEN_PREFIX = "gk1"
KEY_BYTES = 32
NONCE_BYTES = 12
_SALT = b"gongkai personal data"


class PersonalDataError(ServiceError):
    """A refusal about personal data or its keys (code + params, worded in ``bot/texts/errors.py``)."""


def generate_key() -> str:
    """A fresh random data key, as written in ``GONGKAI_DATA_KEY`` or a key file (base64url, 43 chars)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii").rstrip("=")


def decode_key(text: str, *, where: str = "") -> bytes:
    """The 32 key bytes of a base64url key (a Fernet key has the same form)."""
    value = str(text).strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != KEY_BYTES or not value:
        raise PersonalDataError("key_format", where=where or "GONGKAI_DATA_KEY")
    return raw


def _derive(master: bytes, label: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_SALT, info=label).derive(master)


@dataclass(frozen=True)
class DataKey:
    id: str  # fingerprint, 8 hex digits
    sealing: bytes  # AES-256-GCM key
    index: bytes  # HMAC key of the equality digests


def _data_key(master: bytes) -> DataKey:
    return DataKey(id=_derive(master, b"key id").hex()[:8], sealing=_derive(master, b"seal"),
                   index=_derive(master, b"index"))


def token_key_id(token: str | None) -> str | None:
    """The key id of a sealed token, or None for anything that is not one."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX + ":"):
        return None
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 else None


def is_sealed(value: object) -> bool:
    return token_key_id(value) is not None  # type: ignore[arg-type]


class Keyring:
    """Data keys in order: the first seals, all open. Built from base64url key texts."""

    def __init__(self, keys: Sequence[str], *, where: str = "") -> None:
        self._keys: dict[str, DataKey] = {}
        for text in keys:
            key = _data_key(decode_key(text, where=where))
            self._keys.setdefault(key.id, key)
        if not self._keys:
            raise PersonalDataError("no_keys")
        self.where = where

    @property
    def current(self) -> DataKey:
        return next(iter(self._keys.values()))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def seal(self, purpose: str, value: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self.current
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(key.sealing).encrypt(nonce, str(value).encode("utf-8"), _aad(purpose))
        return f"{TOKEN_PREFIX}:{key.id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii').rstrip('=')}"

    def open(self, purpose: str, token: str) -> str:
        """The plain value; :class:`PersonalDataError` for a key not in the ring or a changed token."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key_id = token_key_id(token)
        if key_id is None:
            raise PersonalDataError("tampered", field=purpose)
        key = self._keys.get(key_id)
        if key is None:
            raise PersonalDataError("unknown_key", keys=key_id, rows=1, where=self.where)
        body = token.split(":", 2)[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = AESGCM(key.sealing).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(purpose))
        except (InvalidTag, ValueError):
            raise PersonalDataError("tampered", field=purpose) from None
        return plain.decode("utf-8")

    def digest(self, purpose: str, value: str, key: DataKey | None = None) -> str:
        """Keyed hash for equality lookups (the current key unless one is given)."""
        key = key or self.current
        return hmac.new(key.index, _aad(purpose) + b"\x00" + str(value).encode("utf-8"),
                        hashlib.sha256).hexdigest()[:40]

    def digests(self, purpose: str, value: str) -> list[str]:
        """The digest under every key of the ring (rows not yet re-sealed carry an older key's)."""
        return [self.digest(purpose, value, key) for key in self._keys.values()]


def _aad(purpose: str) -> bytes:
    return f"gongkai/{purpose}".encode("utf-8")


# --- where the keys come from -----------------------------------------------------------------------

def read_key_file(path: Path) -> list[str]:
    """The keys of a key file: one per line, the first seals; blank lines and ``#`` comments ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PersonalDataError("key_file_missing", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonalDataError("key_file_unreadable", path=path, reason=type(exc).__name__) from None
    keys = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if not keys:
        raise PersonalDataError("key_file_empty", path=path)
    return keys


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Replace the key file atomically (owner-only permissions); the keys are checked first."""
    for key in keys:
        decode_key(key, where=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{key}\n" for key in keys))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_key_file(path: Path) -> bool:
    """Create ``path`` with one fresh key unless it exists (several processes may race: one wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(generate_key() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return True


class DataKeys:
    """The source of the data keys: keys given (``GONGKAI_DATA_KEY``), or a key ``file``.

    ``generate``: the file is created with a fresh key the first time a value must be sealed (the
    embedded default); ``on_generated(path)`` is called then, once. The keyring is read once and kept.
    """

    def __init__(self, keys: Sequence[str] = (), *, file: Path | str | None = None, generate: bool = False,
                 on_generated: Callable[[Path], None] | None = None) -> None:
        self.keys = tuple(k.strip() for k in keys if k and k.strip())
        self.file = Path(file) if file is not None and not self.keys else None
        self.generate = generate and self.file is not None
        self.on_generated = on_generated
        self._ring: Keyring | None = None
        self._read_stamp: tuple[int, int, int] | None = None

    @property
    def where(self) -> str:
        return str(self.file) if self.file is not None else "GONGKAI_DATA_KEY"

    @property
    def editable(self) -> bool:
        """True when the keys live in a file this program may rewrite (rotation adds a key there)."""
        return self.file is not None

    def keyring(self, *, create: bool = False) -> Keyring | None:
        """The keyring; None when there is no key yet (and ``create`` is false or not allowed).

        A key file is read again when it changed (a rotation by another process adds a key)."""
        if self.keys:
            if self._ring is None:
                self._ring = Keyring(self.keys, where=self.where)
            return self._ring
        if self.file is None:
            return None
        stamp = self._stamp()
        if self._ring is not None and stamp == self._read_stamp:
            return self._ring
        if stamp is None:
            if not (create and self.generate):
                if self.generate:
                    return None  # the default file is made on first use
                raise PersonalDataError("key_file_missing", path=self.file)
            if create_key_file(self.file) and self.on_generated is not None:
                self.on_generated(self.file)
            stamp = self._stamp()
        self._ring = Keyring(read_key_file(self.file), where=self.where)
        self._read_stamp = stamp
        return self._ring

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.file.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PersonalDataError("key_file_unreadable", path=self.file, reason=type(exc).__name__) from None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def add_key(self) -> str:
        """Put a fresh key first in the key file (the old ones stay, to open older values); its id."""
        if self.file is None:
            raise PersonalDataError("keys_not_editable")
        old = read_key_file(self.file) if self.file.exists() else []
        new = generate_key()
        write_key_file(self.file, [new, *old])
        self._ring = None
        return Keyring([new]).current.id

    def retire_old_keys(self) -> list[str]:
        """Keep only the current key in the key file; the ids removed."""
        if self.file is None:
            raise PersonalDataError("keys_not_editable")
        keys = read_key_file(self.file)
        ring = Keyring(keys, where=self.where)
        write_key_file(self.file, keys[:1])
        self._ring = None
        return list(ring.ids[1:])


def sealed_json(keys: DataKeys, purpose: str) -> tuple[Callable[[Any], str], Callable[[str], Any]]:
    """``(dumps, loads)`` sealing a JSON document as one token (the Redis form storage); ``loads``
    still reads documents written in clear before sealing was on."""

    def dumps(value: Any) -> str:
        return keys.keyring(create=True).seal(purpose, json.dumps(value, ensure_ascii=False))

    def loads(text: str) -> Any:
        if not is_sealed(text):
            return json.loads(text)
        try:
            ring = keys.keyring()
            if ring is None:
                raise PersonalDataError("key_missing", where=keys.where, rows=1)
            return json.loads(ring.open(purpose, text))
        except PersonalDataError as exc:  # a half-filled form under a key no longer configured: start over
            log.warning("sealed %s data cannot be opened (%s); treated as empty", purpose, exc.code)
            return {}

    return dumps, loads
