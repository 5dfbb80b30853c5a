"""A throwaway Cairn for the benchmarks: a fresh database (SQLite file or PostgreSQL),
migrated, with an admin token, served by gunicorn on 127.0.0.1 as in production.

Everything it makes (server, database, instance folder) is removed when the `served`
block ends, also when the benchmark fails half-way.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from flask_migrate import upgrade
from PIL import Image

from cairn.app import create_app
from cairn.db import db
from cairn.users import SCOPES, create_user, issue_token

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
GUNICORN = Path(sys.executable).with_name("gunicorn")
DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Served:
    base_url: str
    token: str
    env: dict[str, str]  # what the server runs with, for workers that must share it

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A new, empty database; a PostgreSQL one is dropped at the end whatever happened."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'cairn.sqlite3'}"
        return
    name = f"cairn_bench_{secrets.token_hex(6)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _bootstrap(database_url: str, instance: str, secret_key: str, base_url: str) -> str:
    """Migrate and make an admin with an all-scopes token, in this process, the way
    `make run` does; returns the token. Alembic's INFO lines are kept off the figures."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_DIR": instance,
                      "SECRET_KEY": secret_key, "BASE_URL": base_url, "LOG_LEVEL": "WARNING"})
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
        user = create_user("bench-admin@example.org", is_admin=True)
        _, token = issue_token(user, name="bench", scopes=list(SCOPES))
        db.engine.dispose()
    return token


def _wait_ready(server: subprocess.Popen, base_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base_url}/static/cairn.css", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s")


def gunicorn_command(workers: int, port: int) -> list[str]:
    """gunicorn with Cairn's settings (`cairn.serving`), as production runs it."""
    return [str(GUNICORN), "-c", "python:cairn.serving", "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", "wsgi:app"]


@contextlib.contextmanager
def served(database: str, *, workers: int = 2) -> Iterator[Served]:
    """gunicorn with Cairn's settings (`cairn.serving`), as in production, over a fresh database."""
    with (tempfile.TemporaryDirectory(prefix="cairn-bench-") as instance,
          fresh_database(database, Path(instance)) as database_url):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        secret_key = f"bench-{secrets.token_urlsafe(48)}"
        token = _bootstrap(database_url, instance, secret_key, base_url)
        env = {**os.environ, "DATABASE_URL": database_url, "CAIRN_INSTANCE_DIR": instance,
               "CAIRN_SECRET_KEY": secret_key, "CAIRN_BASE_URL": base_url}
        log = Path(instance) / "gunicorn.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                gunicorn_command(workers, port),
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_ready(server, base_url)
            yield Served(base_url, token, env)
        except Exception:
            print(f"gunicorn log (end):\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _png_data_uri() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (47, 111, 94)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def create_badge_class(session: requests.Session, server: Served) -> tuple[str, str]:
    """An issuer and a badge class, made through the API as a client would; their ids."""
    api = f"{server.base_url}/api/v1"
    issuer = session.post(f"{api}/issuers", headers=server.auth, timeout=30, json={
        "name": "Benchmark Partnerships", "url": "https://example.org",
        "email": "badges@example.org"})
    issuer.raise_for_status()
    badge_class = session.post(
        f"{api}/issuers/{issuer.json()['id']}/badge-classes", headers=server.auth, timeout=30,
        json={"name": "Partnership Certified", "description": "Finished the training.",
              "criteria": {"narrative": "Finished the partnership training."},
              "image": _png_data_uri(), "tags": ["partnership"]})
    badge_class.raise_for_status()
    return issuer.json()["id"], badge_class.json()["id"]


def award_body(email: str) -> dict[str, Any]:
    """A typical award: a named recipient, one piece of evidence and a narrative."""
    return {"recipient": {"type": "email", "identity": email, "name": "Bench Recipient"},
            "evidence": [{"url": "https://example.org/partnerships/42",
                          "narrative": "Closed the first partnership."}],
            "narrative": "Completed all modules."}


def load_average() -> float:
    """The 1-minute load, printed with the figures: on a busy machine they mean little."""
    return os.getloadavg()[0]


def machine(load_at_start: float) -> str:
    return (f"{os.cpu_count()} CPUs, load average {load_at_start:.2f} at start, "
            f"{load_average():.2f} at end")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000
