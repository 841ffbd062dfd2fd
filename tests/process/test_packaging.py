"""`pip install .` ships every file of the package: subpackages are found, not listed by hand,
so a new domain or migration cannot be left out of a plain install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support import REPO


def test_the_wheel_holds_every_file_of_the_package(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("dbmanager-*.whl"))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "daemon"], cwd=REPO, check=True, capture_output=True,
                             text=True).stdout.split()
    wanted = {path for path in tracked if path.endswith((".py", ".mako"))}
    assert wanted and wanted <= shipped, sorted(wanted - shipped)
    assert "rpc_client.py" in shipped
    assert any(p.startswith("daemon/storage/migrations/versions/0001") for p in shipped)
