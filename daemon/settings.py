"""Every setting, declared once: its variable, default, help and parser.

The same table drives `--help`, the environment, the command-line flags and the README's
settings table (a test checks that every setting is documented there).
Precedence: flag, then environment, then default. A bad value fails at start with
`ConfigError`, which the CLI turns into one line and exit code 2.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from daemon.errors import ConfigError
from daemon.storage import redis_url


@dataclasses.dataclass(frozen=True)
class Setting:
    field: str  # attribute on Settings; the variable is DBM_<FIELD> and the flag --<field>
    default: str | None
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "DBM_" + self.field.upper()

    @property
    def flag(self) -> str:
        return "--" + self.field.replace("_", "-")


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("must be 0..65535")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be a number, 0 or more")
    return value


def _database_url(text: str) -> str:
    scheme = urlsplit(text).scheme
    if scheme not in ("sqlite", "postgresql", "postgres"):
        raise ValueError("must start with sqlite:/// or postgresql://")
    if scheme == "sqlite" and not text.startswith("sqlite:///"):
        raise ValueError("a SQLite URL is sqlite:///path")
    return text


def _on_off(text: str) -> bool:
    if text in ("on", "off"):
        return text == "on"
    raise ValueError("must be on or off")


def _log_format(text: str) -> str:
    if text in ("auto", "json", "console"):
        return text
    raise ValueError("must be auto, json or console")


def _embedder(text: str) -> str:
    if text in ("local", "openai-compatible"):
        return text
    raise ValueError("must be local or openai-compatible")


def _redis_url(text: str) -> str:
    if redis_url.is_multi_host(text):
        redis_url.parse(text)  # its ValueError names what is wrong
        return text
    if text == "embedded" or urlsplit(text).scheme in ("redis", "rediss", "unix"):
        return text
    raise ValueError("must be embedded, redis://, rediss://, unix://, redis+cluster:// or redis+sentinel://")


# scheme://host[:port], as a browser sends it in Origin: no user, path, query or fragment
_ORIGIN = re.compile(r"([a-z][a-z0-9+.-]*)://(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(?::([0-9]{1,5}))?")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
ANY_ORIGIN = "*"


def _origins(text: str) -> tuple[str, ...]:
    """Comma-separated origins, each as browsers spell it (lower case, no default port), or * alone."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if items == [ANY_ORIGIN]:
        return (ANY_ORIGIN,)
    if ANY_ORIGIN in items:
        raise ValueError("* allows every origin and stands alone")
    if not items:
        raise ValueError("names no origin")
    return tuple(dict.fromkeys(_origin(item) for item in items))


def _origin(text: str) -> str:
    match = _ORIGIN.fullmatch(text.lower())
    if match is None or (match[4] is not None and not 0 < int(match[4]) <= 65535):
        raise ValueError(f"{text!r} is not an origin: scheme://host[:port] with no path, e.g. https://app.example.com")
    scheme, host, port = match[1], match[2], match[4]
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{scheme}://{host}:{int(port)}"


SETTINGS: tuple[Setting, ...] = (
    Setting("state_dir", None, "where the default SQLite file and the embedded Redis keep their files "
            "(under systemd: $STATE_DIRECTORY; else .)"),
    Setting("database_url", None, "postgresql://… (asyncpg) or sqlite:///path "
            "(default: sqlite:///<state dir>/dbmanager.sqlite3)", _database_url),
    Setting("redis_url", "embedded", "redis://…, rediss://…, unix:///path, redis+cluster://HOST:PORT[,…] "
            "(Redis Cluster), redis+sentinel://HOST:PORT[,…]/SERVICE (Sentinel), or embedded "
            "(a private Redis server in the state directory)", _redis_url),
    Setting("host", "127.0.0.1", "listen address"),
    Setting("port", "8005", "listen port", _port),
    Setting("audit_stream", "dbmanager:audit:credits", "stream key of the audit stream"),
    Setting("events_stream", "dbmanager:events:executions", "stream key of the execution event stream"),
    Setting("auth_tokens_file", None, "file of tokens, one per line: TOKEN or TOKEN GLOB[,GLOB…]; "
            "when set, /rpc needs Authorization: Bearer TOKEN"),
    Setting("encryption_key_file", None, "Fernet keys, one per line: the first encrypts integrations, each decrypts "
            "(default: <state dir>/encryption.key, created 0600 on first start; a file named here must exist)"),
    Setting("max_body_bytes", "1048576", "larger request bodies get HTTP 413", _positive_int),
    Setting("max_batch", "1000", "larger batches get one -32600 error", _positive_int),
    Setting("call_timeout_s", "30", "a call running longer gets -32003", _positive_float),
    Setting("pool_size", "10", "database connections in the shared pool (PostgreSQL)", _positive_int),
    Setting("pgbouncer", "off", "on: PostgreSQL is reached through PgBouncer in transaction mode, so the daemon "
            "prepares no named statements (docs/SCALING.md)", _on_off),
    Setting("max_concurrent_calls", "1024", "calls running at once across all requests; more wait their turn", _positive_int),
    Setting("max_calls_per_request", "64", "calls of one request (a batch) running at once: one caller cannot take every "
            "slot", _positive_int),
    Setting("max_response_bytes", "8388608", "a response is never larger (plus a small envelope): calls whose results "
            "would pass it get -32005", _positive_int),
    Setting("max_connections", "512", "open client connections at once; at the limit the longest-idle one makes room, "
            "and when all are working, more wait in the listen backlog", _positive_int),
    Setting("cors_origins", None, "origins whose pages may call the daemon from a browser, comma-separated "
            "(e.g. https://app.example.com,http://localhost:5173), or * for any (only with DBM_AUTH_TOKENS_FILE); "
            "unset: no CORS headers", _origins),
    Setting("oauth_cleanup_interval_s", "3600", "seconds between the daemon's own deletions of expired OAuth codes "
            "and tokens; 0 turns them off", _non_negative_float),
    Setting("embedder", "local", "what embeds store listings and search queries: local (all-MiniLM-L6-v2 in the "
            "daemon, on CPU, offline) or openai-compatible (DBM_EMBEDDER_URL, DBM_EMBEDDER_MODEL)", _embedder),
    Setting("embedder_url", None, "the OpenAI-compatible embeddings service's base URL (…/v1): POST {url}/embeddings"),
    Setting("embedder_model", None, "the model the OpenAI-compatible service is asked for"),
    Setting("embedder_key_file", None, "a file holding the OpenAI-compatible service's API key (never the key itself "
            "in the environment); a bare file name is looked up in $CREDENTIALS_DIRECTORY"),
    Setting("start_timeout_s", "30", "how long start-up retries the stores before giving up", _positive_float),
    Setting("log_level", "info", "debug, info, warning or error"),
    Setting("log_format", "auto", "json (one object per line), console (for people), or auto: console when stderr is "
            "a terminal, else json", _log_format),
)


@dataclasses.dataclass(frozen=True)
class Settings:
    state_dir: Path
    database_url: str
    redis_url: str
    host: str
    port: int
    audit_stream: str
    events_stream: str
    auth_tokens_file: Path | None
    encryption_key_file: Path | None  # None: the default, <state dir>/encryption.key, made when missing
    max_body_bytes: int
    max_batch: int
    call_timeout_s: float
    pool_size: int
    pgbouncer: bool
    max_concurrent_calls: int
    max_calls_per_request: int
    max_response_bytes: int
    max_connections: int
    cors_origins: tuple[str, ...] | None
    oauth_cleanup_interval_s: float  # 0: off
    embedder: str
    embedder_url: str | None
    embedder_model: str | None
    embedder_key_file: Path | None
    start_timeout_s: float
    log_level: str
    log_format: str

    def __repr__(self) -> str:  # URLs may carry passwords
        return f"Settings(host={self.host!r}, port={self.port}, database={self.database_kind})"

    @property
    def database_kind(self) -> str:
        return database_kind(self.database_url)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, for a sqlite:/// database."""
        return sqlite_file(self.database_url) if self.database_kind == "sqlite" else None

    @classmethod
    def load(cls, flags: Mapping[str, str | None] | None = None,
             environ: Mapping[str, str] | None = None) -> Settings:
        """Flags (by field name, None when not given) over the environment over defaults."""
        flags = flags or {}
        environ = os.environ if environ is None else environ
        values = {s.field: _resolve(s, flags.get(s.field), environ) for s in SETTINGS}
        state_dir = Path(values["state_dir"] or environ.get("STATE_DIRECTORY", ".").split(":")[0])
        values["state_dir"] = state_dir
        values["database_url"] = values["database_url"] or f"sqlite:///{state_dir / 'dbmanager.sqlite3'}"
        if values["auth_tokens_file"]:
            values["auth_tokens_file"] = _credential_path(values["auth_tokens_file"], environ)
        if values["encryption_key_file"]:
            values["encryption_key_file"] = _credential_path(values["encryption_key_file"], environ)
        if values["embedder_key_file"]:
            values["embedder_key_file"] = _credential_path(values["embedder_key_file"], environ)
        if values["embedder"] == "openai-compatible" and not (values["embedder_url"] and values["embedder_model"]):
            raise ConfigError("DBM_EMBEDDER=openai-compatible needs DBM_EMBEDDER_URL and DBM_EMBEDDER_MODEL")
        if values["log_level"] not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"DBM_LOG_LEVEL={values['log_level']!r}: must be debug, info, warning or error")
        return cls(**values)

    def check_bind_is_safe(self) -> None:
        """For `serve` only: the other commands are clients and may name any host."""
        if self.auth_tokens_file is None and not _is_loopback(self.host):
            raise ConfigError(f"DBM_HOST={self.host!r} is not a loopback address and DBM_AUTH_TOKENS_FILE is unset: "
                              "refusing to serve an open ledger on the network")


    def check_cors_is_safe(self) -> None:
        """For `serve` only. With no token file, * would let every web page its user opens call the
        ledger on this machine: only named origins may then."""
        if self.cors_origins == (ANY_ORIGIN,) and self.auth_tokens_file is None:
            raise ConfigError("DBM_CORS_ORIGINS='*' needs DBM_AUTH_TOKENS_FILE: without tokens any web page "
                              "could call the ledger; name the origins instead")


def database_kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def sqlite_file(url: str) -> Path:
    """The file of a sqlite:///path database URL."""
    return Path(url.removeprefix("sqlite:///"))


def _resolve(setting: Setting, flag: str | None, environ: Mapping[str, str]) -> Any:
    raw = flag if flag is not None else environ.get(setting.env)
    if not raw:  # empty is unset (as a unit's `Environment=DBM_HOST=` means): the default, not None
        raw = setting.default
    if raw is None:
        return None
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{setting.env}={_without_password(raw)!r}: {exc}") from None


_URL_PASSWORD = re.compile(r"(://[^/@:]*:)[^@/]*@")


def _without_password(value: str) -> str:
    """A URL as an error may show it: `redis://:***@host`, never the password."""
    return _URL_PASSWORD.sub(r"\1***@", value)


def _credential_path(name: str, environ: Mapping[str, str]) -> Path:
    """A bare file name is looked up in systemd's $CREDENTIALS_DIRECTORY (LoadCredential=)."""
    path = Path(name)
    creds = environ.get("CREDENTIALS_DIRECTORY")
    if creds and not path.is_absolute() and (Path(creds) / path).exists():
        return Path(creds) / path
    return path


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
