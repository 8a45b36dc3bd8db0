"""scripts/backup_restore_check.sh: dump, restore into a scratch database, compare row counts."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from tests import builders as b

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "backup_restore_check.sh"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_url():
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and its client tools (pg_dump, pg_restore, psql)")
    s = connection.settings_dict
    user = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def run(url, tmp_path, env=None):
    return subprocess.run(["bash", str(SCRIPT), url, str(tmp_path / "backup.dump")], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=300)


def test_it_backs_up_restores_and_finds_every_row(database_url, tmp_path):
    b.application(b.child())
    result = run(database_url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every row count matches" in result.stdout
    assert (tmp_path / "backup.dump").stat().st_size > 0


def test_it_fails_when_the_restore_loses_rows(database_url, tmp_path):
    b.application(b.child())
    # A pg_restore that silently drops the children: the check must notice.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    real = shutil.which("pg_restore")
    (fake_bin / "pg_restore").write_text(
        "#!/usr/bin/env bash\n"
        f'"{real}" "$@" || exit $?\n'
        'for arg in "$@"; do case "$arg" in --dbname) next=1;; *) if [ -n "$next" ]; then db="$arg"; next=; fi;; esac; done\n'
        'psql "$db" -qAtc "DELETE FROM enrollment_application" >/dev/null\n')
    (fake_bin / "pg_restore").chmod(0o755)
    result = run(database_url, tmp_path, env={"PATH": f"{fake_bin}:{os.environ['PATH']}"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DIFFERENCE" in result.stderr
