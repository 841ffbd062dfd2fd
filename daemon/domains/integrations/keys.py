"""The encryption keys of integrations: the key file, read once at start, and the keyring it makes.

The file holds Fernet keys, one a line; blank lines and `#` comments are ignored. The first key
encrypts, every key decrypts, so a new key goes first and the old one stays below it until no row
needs it (docs/INTEGRATIONS.md). The default file (`<state dir>/encryption.key`) is made on first
start; a file the operator named must exist, since a new key there would hide a typo in its path
until the first read of a row the real key wrote. Errors are ConfigErrors (exit 2, one line) and
never quote a line of the file: it is a secret.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import uuid
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from daemon.errors import ConfigError
from daemon.settings import Settings

DEFAULT_KEY_FILE = "encryption.key"
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")  # 32 bytes in URL-safe base64, as Fernet.generate_key() writes them
_SETTING = "DBM_ENCRYPTION_KEY_FILE"


class Keyring:
    """The keys of one key file: encrypts with the first, decrypts with any."""

    def __init__(self, keys: list[bytes]):
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self.fingerprints = tuple(dict.fromkeys(fingerprint(key) for key in keys))
        # whether the database is known to record the first key: the table only grows, so once
        # seen there it need not be written again (one statement fewer per update)
        self.current_recorded = False

    @property
    def current(self) -> str:
        """The fingerprint of the key that encrypts."""
        return self.fingerprints[0]

    def encrypt(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode()

    def decrypt(self, token: str) -> bytes | None:
        """The plaintext, or None when no key opens the token (or it is no token)."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            return None


def fingerprint(key: bytes) -> str:
    """SHA-256 of the key's 32 bytes, hex: names a key in the database without revealing it."""
    return hashlib.sha256(base64.urlsafe_b64decode(key)).hexdigest()


def load_keyring(settings: Settings) -> Keyring:
    """The keyring of the configured key file, or of the default one (made when missing)."""
    path = settings.encryption_key_file
    if path is None:
        path = settings.state_dir / DEFAULT_KEY_FILE
        _create_if_missing(path)
    return Keyring(_read_keys(path))


def _read_keys(path: Path) -> list[bytes]:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ConfigError(f"{_SETTING}: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not ASCII text"
        raise ConfigError(f"{_SETTING}: cannot read {path}: {reason}") from None
    # "#" is not in base64's alphabet: whatever follows it on a line is a comment
    keys = [(number, line.split("#", 1)[0].strip()) for number, line in enumerate(text.splitlines(), 1)]
    keys = [(number, key) for number, key in keys if key]
    if not keys:
        raise ConfigError(f"{_SETTING}: {path} holds no key")
    return [_valid_key(path, number, key) for number, key in keys]


def _valid_key(path: Path, number: int, key: str) -> bytes:
    # Fernet alone would take "KEY junk" as KEY: its base64 decoding stops at the padding
    if _FERNET_KEY.fullmatch(key) is None:
        raise ConfigError(f"{_SETTING}: line {number} of {path} is not a Fernet key "
                          "(32 bytes, URL-safe base64: 44 characters)")
    return key.encode()


def _create_if_missing(path: Path) -> None:
    """A new key, written whole to a private temporary file and then linked into place, so that a
    daemon starting beside this one never reads a half-written file and never loses to a second key."""
    if path.exists():
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(b"# dbmanager's integrations key: keep it, and back it up apart from the database\n")
                file.write(Fernet.generate_key() + b"\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another daemon made it first: theirs is the key
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(f"{_SETTING}: cannot create {path}: {exc.strerror or type(exc).__name__}") from None
