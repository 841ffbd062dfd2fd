"""Settings: one table, env then flags, documented in the README."""

import re

import pytest

from daemon.errors import ConfigError
from daemon.settings import SETTINGS, Settings
from tests.support import REPO


def test_every_setting_is_in_the_readme_table():
    readme = (REPO / "README.md").read_text()
    documented = set(re.findall(r"^\| `(DBM_[A-Z_]+)` \|", readme, re.M))
    assert documented == {s.env for s in SETTINGS}


def test_defaults_are_the_contracts():
    s = Settings.load({}, {})
    assert (s.host, s.port, s.redis_url, s.audit_stream) == ("127.0.0.1", 8005, "embedded", "dbmanager:audit:credits")
    assert (s.max_body_bytes, s.max_batch, s.call_timeout_s) == (1048576, 1000, 30.0)
    assert s.database_url == "sqlite:///dbmanager.sqlite3" and s.auth_tokens_file is None


def test_state_directory_of_systemd_is_the_default_state_dir():
    s = Settings.load({}, {"STATE_DIRECTORY": "/var/lib/dbmanager"})
    assert s.database_url == "sqlite:////var/lib/dbmanager/dbmanager.sqlite3"


def test_an_empty_value_is_the_default():
    s = Settings.load({"port": ""}, {"DBM_HOST": "", "DBM_AUTH_TOKENS_FILE": "", "DBM_MAX_BATCH": ""})
    assert (s.host, s.port, s.auth_tokens_file, s.max_batch) == ("127.0.0.1", 8005, None, 1000)


def test_flags_override_the_environment():
    s = Settings.load({"port": "9001"}, {"DBM_PORT": "9000", "DBM_HOST": "::1"})
    assert (s.port, s.host) == (9001, "::1")


def test_token_file_name_is_looked_up_in_the_credentials_directory(tmp_path):
    (tmp_path / "tokens").write_text("abc\n")
    s = Settings.load({}, {"DBM_AUTH_TOKENS_FILE": "tokens", "CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert s.auth_tokens_file == tmp_path / "tokens"


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "example.com", "::"])
def test_non_loopback_without_tokens_is_refused(host):
    with pytest.raises(ConfigError):
        Settings.load({}, {"DBM_HOST": host}).check_bind_is_safe()


def test_repr_hides_urls():
    s = Settings.load({}, {"DBM_DATABASE_URL": "postgresql://u:secret@db/x"})
    assert "secret" not in repr(s)


def test_cors_origins_are_unset_by_default_and_read_as_browsers_spell_them():
    assert Settings.load({}, {}).cors_origins is None
    s = Settings.load({}, {"DBM_CORS_ORIGINS": " https://App.Example.com:443 , http://localhost:5173,http://[::1]:80 "})
    assert s.cors_origins == ("https://app.example.com", "http://localhost:5173", "http://[::1]")
    assert Settings.load({}, {"DBM_CORS_ORIGINS": "*"}).cors_origins == ("*",)


@pytest.mark.parametrize("value", ["app.example.com", "https://app.example.com/", "https://app.example.com/app",
                                   "https://u@app.example.com", "https://app.example.com?x", "https://a.io:70000",
                                   "null", "*,https://app.example.com", " , ", "https://*.example.com"])
def test_a_value_that_is_not_an_origin_is_a_config_error_naming_it(value):
    with pytest.raises(ConfigError, match="DBM_CORS_ORIGINS"):
        Settings.load({}, {"DBM_CORS_ORIGINS": value})


def test_any_origin_needs_a_token_file_to_serve(tmp_path):
    with pytest.raises(ConfigError, match="DBM_AUTH_TOKENS_FILE"):
        Settings.load({}, {"DBM_CORS_ORIGINS": "*"}).check_cors_is_safe()
    Settings.load({}, {"DBM_CORS_ORIGINS": "*", "DBM_AUTH_TOKENS_FILE": str(tmp_path / "t")}).check_cors_is_safe()
    Settings.load({}, {"DBM_CORS_ORIGINS": "http://localhost:5173"}).check_cors_is_safe()


@pytest.mark.parametrize("url", ["redis+cluster://10.0.0.1:7000,10.0.0.2:7000", "redis+cluster://:pw@h:1",
                                 "redis+sentinel://s1:26379,s2:26379/mymaster", "redis+sentinel://u:p@[::1]:26379/m"])
def test_cluster_and_sentinel_urls_are_accepted(url):
    assert Settings.load({}, {"DBM_REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize("url, says", [
    ("redis+sentinel://s1:26379", "SERVICE"), ("redis+sentinel://s1:26379/", "SERVICE"),
    ("redis+cluster://h:7000/0", "no path"), ("redis+cluster://h", "HOST:PORT"), ("redis+cluster://h:0", "HOST:PORT"),
    ("redis+cluster://a:1,,b:2", "HOST:PORT"), ("redis+sentinel://:secret@s1:x/m", "HOST:PORT"),
    ("memcached://h:1", "redis+cluster://")])
def test_a_bad_cluster_or_sentinel_url_names_what_is_wrong_and_never_the_password(url, says):
    with pytest.raises(ConfigError, match="DBM_REDIS_URL") as refused:
        Settings.load({}, {"DBM_REDIS_URL": url})
    assert says in str(refused.value)
    assert "secret" not in str(refused.value)


def test_pgbouncer_is_off_unless_turned_on():
    assert Settings.load({}, {}).pgbouncer is False
    assert Settings.load({}, {"DBM_PGBOUNCER": "on"}).pgbouncer is True
    with pytest.raises(ConfigError, match="DBM_PGBOUNCER"):
        Settings.load({}, {"DBM_PGBOUNCER": "yes"})


def test_the_embedder_is_local_by_default_and_a_remote_one_needs_its_url_and_model(tmp_path):
    assert Settings.load(environ={}).embedder == "local"
    with pytest.raises(ConfigError, match="DBM_EMBEDDER_URL"):
        Settings.load(environ={"DBM_EMBEDDER": "openai-compatible"})
    with pytest.raises(ConfigError, match="DBM_EMBEDDER="):
        Settings.load(environ={"DBM_EMBEDDER": "torch"})
    remote = Settings.load(environ={"DBM_EMBEDDER": "openai-compatible", "DBM_EMBEDDER_URL": "http://127.0.0.1:1/v1",
                                    "DBM_EMBEDDER_MODEL": "m", "DBM_EMBEDDER_KEY_FILE": str(tmp_path / "key")})
    assert (remote.embedder_model, remote.embedder_key_file) == ("m", tmp_path / "key")
