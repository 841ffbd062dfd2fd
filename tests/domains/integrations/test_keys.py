"""The key file and rotation on both databases: old rows stay readable under a new first key, a
row no key opens is 1004 and never overwritten, and a database of other keys refuses the daemon."""

import base64
from pathlib import Path

import pytest

from daemon.domains.integrations.keys import fingerprint, load_keyring
from daemon.errors import ConfigError
from tests.domains.integrations.conftest import (
    DATA,
    DEFAULTS,
    key_file,
    new_user,
    opens,
    raw_token,
    recorded_fingerprints,
)
from tests.support import make_settings

# fixed keys: pytest-xdist's workers must collect the same params
OLD, NEW = base64.urlsafe_b64encode(b"o" * 32), base64.urlsafe_b64encode(b"n" * 32)
NEWER = {"credentials": [{"id": "c2", "provider": "x", "type": "api_key", "api_key": "sk-new"}]}


async def test_rotation_keeps_old_rows_readable_and_writes_with_the_new_key(daemon_with_keys):
    async with daemon_with_keys(OLD) as old:
        await new_user(old, "ann")
        await new_user(old, "bob")
        await old.result("update_user_integrations", ["ann", DATA])
    async with daemon_with_keys(NEW, OLD) as rotated:
        assert await rotated.result("get_user_integrations", ["ann"]) == DATA
        await rotated.result("update_user_integrations", ["bob", NEWER])
        assert opens(NEW, await raw_token(rotated, "bob")) and not opens(OLD, await raw_token(rotated, "bob"))
        await rotated.result("update_user_integrations", ["ann", DATA])  # re-encrypted on its next write
        assert opens(NEW, await raw_token(rotated, "ann"))
        assert await recorded_fingerprints(rotated) == {fingerprint(OLD), fingerprint(NEW)}
    async with daemon_with_keys(NEW) as new:  # the old key retired once no row needs it
        assert await new.result("get_user_integrations", ["ann"]) == DATA
        assert await new.result("get_user_integrations", ["bob"]) == {**DEFAULTS, **NEWER}


async def test_a_row_no_key_opens_is_1004_and_an_update_leaves_it_as_it_is(daemon_with_keys):
    async with daemon_with_keys(OLD) as old:
        await new_user(old, "ann")
        await old.result("update_user_integrations", ["ann", DATA])
    async with daemon_with_keys(NEW, OLD) as rotated:
        await new_user(rotated, "bob")
        await rotated.result("update_user_integrations", ["bob", NEWER])
    async with daemon_with_keys(NEW) as too_soon:  # the old key dropped while ann's row still needs it
        stored = await raw_token(too_soon, "ann")
        cannot = {"code": 1004, "message": "Cannot decrypt", "data": {"kind": "integrations", "id": "ann"}}
        assert await too_soon.error("get_user_integrations", ["ann"]) == cannot
        assert await too_soon.error("update_user_integrations", ["ann", NEWER]) == cannot
        assert await raw_token(too_soon, "ann") == stored
        assert await too_soon.result("get_user_integrations", ["bob"]) == {**DEFAULTS, **NEWER}
    async with daemon_with_keys(OLD, NEW) as restored:  # the key file put right: nothing was lost
        assert await restored.result("get_user_integrations", ["ann"]) == DATA


async def test_a_database_none_of_whose_keys_the_daemon_has_refuses_it(daemon_with_keys):
    async with daemon_with_keys(OLD) as first:
        await new_user(first, "ann")
        await first.result("update_user_integrations", ["ann", DATA])
    with pytest.raises(ConfigError, match="DBM_ENCRYPTION_KEY_FILE: none of its keys"):
        async with daemon_with_keys(NEW):
            pass
    async with daemon_with_keys(NEW, OLD) as rotating:  # one key in common is enough
        assert await rotating.result("get_user_integrations", ["ann"]) == DATA


async def test_any_key_starts_on_a_database_that_recorded_none(daemon_with_keys):
    async with daemon_with_keys(OLD) as first:
        await new_user(first, "ann")
        await first.result("get_user_integrations", ["ann"])  # a read records nothing
        assert await recorded_fingerprints(first) == set()
    async with daemon_with_keys(NEW) as second:
        assert await second.result("get_user_integrations", ["ann"]) == DEFAULTS


# ---------- the key file, read (no daemon needed) ----------

def _load(path: Path | None, state_dir: Path):
    return load_keyring(make_settings(state_dir=state_dir, **({"encryption_key_file": path} if path else {})))


def test_blank_lines_and_comments_are_ignored_and_the_first_key_encrypts(tmp_path):
    path = key_file(tmp_path / "k", NEW, OLD, extra="# rotated in December\n\n   \n")
    path.write_text(path.read_text().replace(NEW.decode(), NEW.decode() + "  # the new one"))
    keyring = _load(path, tmp_path)
    assert keyring.fingerprints == (fingerprint(NEW), fingerprint(OLD)) and keyring.current == fingerprint(NEW)
    token = keyring.encrypt(b"x")
    assert opens(NEW, token) and not opens(OLD, token)


@pytest.mark.parametrize("content, says", [
    (None, "does not exist"),
    ("", "holds no key"),
    ("# only a comment\n\n", "holds no key"),
    ("not-a-key\n", "line 1 of"),
    (f"{NEW.decode()}\n{NEW.decode()[:-2]}\n", "line 2 of"),
    (f"{NEW.decode()} {OLD.decode()}\n", "line 1 of"),
])
def test_a_bad_configured_key_file_is_a_configuration_error(tmp_path, content, says):
    path = tmp_path / "keys"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as raised:
        _load(path, tmp_path)
    assert str(raised.value).startswith("DBM_ENCRYPTION_KEY_FILE: ") and says in str(raised.value)
    assert NEW.decode()[:-2] not in str(raised.value)  # a key line is never quoted
    assert not (tmp_path / "encryption.key").exists()  # a named file is never made


def test_the_default_file_is_made_in_the_state_directory_and_kept(tmp_path):
    state = tmp_path / "new" / "state"
    first = _load(None, state)
    assert (state / "encryption.key").exists() and _load(None, state).fingerprints == first.fingerprints
