"""A loaded benchmark kept for the next run of bench/reports.py (`--keep`): loading a
full size takes minutes, and a change to how reports count needs only the timings again.

The database is `cairn_bench_keep_<people>_<awards>_<actions>` and its instance folder
(keys, secret, and what the run made: state.json) is /tmp/cairn-bench-keep-<same>. A run
with `--keep` that finds both serves them as they are, after dropping the report memos
(so that "cold" is cold again) and a VACUUM ANALYZE; otherwise it makes them, and leaves
them in place at the end. Each run adds its "after new data" rows to the kept database
(about 84,000 actions and 4,000 awards), a small drift against millions. Drop them with
`dropdb -h 127.0.0.1 -U postgres <name>` and `rm -r` of the folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from report_setup import Made, Program
from serve import (
    PG_ADMIN_URL,
    ROOT,
    Served,
    _bootstrap,
    _wait_ready,
    free_port,
    gunicorn_command,
)


def kept_name(people: int, awards: int, actions: int) -> str:
    return f"cairn_bench_keep_{people}_{awards}_{actions}"


def _exists(name: str) -> bool:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}):
                return True
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            return False
    finally:
        admin.dispose()


@dataclasses.dataclass
class Kept:
    served: Served
    folder: Path
    state: dict | None  # what a previous run made (None: a new database, to load)

    def save(self, made: Made, program: Program) -> None:
        state = {"token": self.served.token, "made": dataclasses.asdict(made),
                 "program": {**dataclasses.asdict(program),
                             "today": program.today.isoformat()}}
        (self.folder / "state.json").write_text(json.dumps(state))

    def made(self) -> tuple[Made, Program]:
        program = dict(self.state["program"])
        program["today"] = date.fromisoformat(program["today"])
        program["key_results"] = [tuple(pair) for pair in program["key_results"]]
        return Made(**self.state["made"]), Program(**program)


@contextlib.contextmanager
def kept_server(name: str, *, workers: int = 2) -> Iterator[Kept]:
    """gunicorn over the kept database, made (empty, migrated) if it is not there."""
    folder = Path(f"/tmp/{name.replace('_', '-')}")
    state_file = folder / "state.json"
    database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    existed = _exists(name) and state_file.exists()
    folder.mkdir(exist_ok=True)
    secret_file = folder / "bench_secret"
    if not secret_file.exists():
        secret_file.write_text(f"bench-{secrets.token_urlsafe(48)}")
    secret_key = secret_file.read_text()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    if existed:
        state = json.loads(state_file.read_text())
        token = state["token"]
        _forget_memos(database_url)
    else:
        state = None
        token = _bootstrap(database_url, str(folder), secret_key, base_url)
    env = {**os.environ, "DATABASE_URL": database_url, "CAIRN_INSTANCE_DIR": str(folder),
           "CAIRN_SECRET_KEY": secret_key, "CAIRN_BASE_URL": base_url}
    with (folder / "gunicorn.log").open("wb") as out:
        server = subprocess.Popen(
            gunicorn_command(workers, port),
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(server, base_url)
        yield Kept(Served(base_url, token, env), folder, state)
    finally:
        server.terminate()
        server.wait(timeout=40)


def _forget_memos(database_url: str) -> None:
    """No memo left from the last run, and statistics that include its new rows (as a
    fresh load ends with VACUUM ANALYZE)."""
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("DELETE FROM report_memos"))
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
