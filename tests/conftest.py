"""Shared fixtures: a real database (SQLite file and PostgreSQL), the app served live on
127.0.0.1 so third-party verifiers can fetch what it publishes, and data builders that go
through the public API."""

from __future__ import annotations

import base64
import contextvars
import io
import os
import secrets
import socket
import threading
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from PIL import Image
from werkzeug.serving import make_server

from cairn.app import create_app
from cairn.db import db
from cairn.users import SCOPES, create_user, issue_token

# Fixtures: `celery_queue` (real Celery workers), `smtp` and `smtp_controller` (aiosmtpd).
pytest_plugins = ["tests.celery_support", "tests.mail_support"]

PG_ADMIN_URL = os.environ.get("CAIRN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("CAIRN_TEST_DATABASES", "sqlite,postgresql").split(",") if b]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'cairn.sqlite3'}"
        return
    name = f"cairn_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def live_app(database_url, tmp_path_factory):
    """The app, its schema made by the migrations, and a live server on 127.0.0.1."""
    port = free_port()
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "TESTING": True,
        "WTF_CSRF_ENABLED": True,
    })
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(live_app):
    with live_app.app_context():
        yield live_app
        db.session.remove()
        _empty_tables()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, as in production: its own app context, `g`
    and database session, not the test's (Flask would otherwise reuse the test's)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def base_url(app):
    return app.config["BASE_URL"]


class ApiClient:
    """The test client with a bearer token, speaking JSON."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path, json=None, headers=None, **kwargs):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.client.delete(path, headers=self._headers(headers), **kwargs)

    def with_token(self, token: str | None) -> ApiClient:
        return ApiClient(self.client, token)


@pytest.fixture
def make_user(app):
    def build(email=None, *, admin=False, scopes=SCOPES, issuer=None, password=None):
        user = create_user(email or f"user-{uuid.uuid4().hex[:8]}@example.org",
                           password=password, is_admin=admin)
        _, secret = issue_token(user, name="test", scopes=list(scopes), issuer_public_id=issuer)
        return user, secret
    return build


@pytest.fixture
def api(client, make_user):
    """An API client acting as an admin with every scope."""
    _, secret = make_user("admin@example.org", admin=True)
    return ApiClient(client, secret)


def png_bytes(size=(64, 64), color=(47, 111, 94)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def data_uri(content: bytes, media_type="image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
       b'<circle cx="60" cy="60" r="50" fill="#2f6f5e"/></svg>')


@pytest.fixture
def make_issuer(api):
    def build(api_client=None, **overrides):
        body = {"name": "Open Source Partnerships", "url": "https://example.org",
                "email": "badges@example.org", "description": "Trains partnership leads."}
        body.update(overrides)
        response = (api_client or api).post("/api/v1/issuers", json=body)
        assert response.status_code == 201, response.json
        return response.json
    return build


@pytest.fixture
def issuer(make_issuer):
    return make_issuer()


@pytest.fixture
def make_badge_class(api, issuer):
    def build(api_client=None, issuer_id=None, image=None, **overrides):
        body = {"name": "Partnership Certified", "description": "Finished the training.",
                "criteria": {"narrative": "Finished the partnership training and closed a "
                                          "first partnership."},
                "image": image or data_uri(png_bytes()), "tags": ["partnership"]}
        body.update(overrides)
        response = (api_client or api).post(
            f"/api/v1/issuers/{issuer_id or issuer['id']}/badge-classes", json=body)
        assert response.status_code == 201, response.json
        return response.json
    return build


@pytest.fixture
def badge_class(make_badge_class):
    return make_badge_class()


@pytest.fixture
def make_award(api, badge_class):
    def build(api_client=None, badge_class_id=None, headers=None, **overrides):
        body = {"recipient": {"type": "email", "identity": "ada@example.org", "name": "Ada"},
                "evidence": [{"url": "https://example.org/partnerships/42",
                              "narrative": "Closed the first partnership."}],
                "narrative": "Completed all modules."}
        body.update(overrides)
        response = (api_client or api).post(
            f"/api/v1/badge-classes/{badge_class_id or badge_class['id']}/assertions",
            json=body, headers=headers)
        assert response.status_code == 201, response.json
        return response.json
    return build


@pytest.fixture
def award(make_award):
    return make_award()
