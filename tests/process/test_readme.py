"""The README's curl examples, run as written against a real daemon: each answers what the README
shows under it, on both databases (an example that only usually holds is a defect)."""

import re
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
_VARIES = re.compile(r'"(created|updated)_at":"[^"]+"')


def calling_it_examples() -> list[tuple[str, str]]:
    """(command, expected output) pairs of the sh block under "## Calling it"."""
    section = README.read_text().split("## Calling it", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    examples: list[tuple[str, str]] = []
    command: list[str] = []
    expected: list[str] = []
    for line in block.splitlines() + [""]:
        if command and (line.startswith("curl") or not line.startswith("#") and expected or not line):
            examples.append(("\n".join(command), "".join(expected)))  # the next one, or a gap, ends it
            command, expected = [], []
        if line.startswith("curl") or command and not expected and line and not line.startswith("#"):
            command.append(line)
        elif command and line.startswith("# "):
            expected.append(line[2:].strip())
    return examples


def test_the_readme_has_the_examples_this_test_runs():
    commands = [command for command, _ in calling_it_examples()]
    assert len(commands) == 6
    assert all(expected for _, expected in calling_it_examples())
    assert sum('"method": "spend_credits"' in c for c in commands) == 2


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_curl_example_answers_as_the_readme_shows(database, spawn_daemon, pg_url, redis_url, stream_key):
    settings = {"database_url": pg_url, "redis_url": redis_url, "audit_stream": stream_key} \
        if database == "postgresql" else {}
    daemon = spawn_daemon(port=0, **settings)
    address = daemon.url.removeprefix("http://")
    for command, expected in calling_it_examples():
        answer = subprocess.run(["bash", "-c", command.replace("localhost:8005", address)],
                                capture_output=True, text=True, timeout=30, check=True).stdout.strip()
        assert _VARIES.sub("", answer) == _VARIES.sub("", expected), command
