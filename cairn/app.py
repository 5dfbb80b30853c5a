"""The application factory: the only module that imports every package's views."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from cairn.config import Config
from cairn.db import db
from cairn.errors import register_error_handlers
from cairn.http import Api
from cairn.jobs import celery_init_app, resume_on_first_request

ROOT = Path(__file__).resolve().parent.parent
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    instance_dir = (overrides or {}).get("INSTANCE_DIR") or os.environ.get("CAIRN_INSTANCE_DIR")
    app = Flask("cairn", instance_path=os.path.abspath(instance_dir) if instance_dir else None,
                instance_relative_config=True, root_path=str(ROOT / "cairn"),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_object(Config)
    app.config.from_prefixed_env("CAIRN")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(overrides or {})
    app.config["INSTANCE_DIR"] = app.instance_path
    _prepare_instance(app)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    register_error_handlers(app)
    _register_blueprints(app)
    celery_init_app(app)
    resume_on_first_request(app)
    return app


def database_url(url: str) -> str:
    """Map the plain URLs hosting platforms hand out to the driver Cairn installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _prepare_instance(app: Flask) -> None:
    """The embedded default: an instance folder with the SQLite file and a generated secret."""
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        uri or f"sqlite:///{Path(app.instance_path) / 'cairn.sqlite3'}")


def _instance_secret(path: Path) -> str:
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _register_blueprints(app: Flask) -> None:
    from badges import (
        backpack_views,
        bulk_views,
        staff_awards,
        staff_bulk,
        staff_pages,
        verify_views,
    )
    from badges import public as badges_public
    from badges import views as badges_views
    from cairn import cli, mail_delivery, pages, token_views, webhook_delivery
    from issuers import pages as issuers_pages
    from issuers import public as issuers_public
    from issuers import views as issuers_views
    from issuers import webhook_views
    from pathways import action_views, nomination_review, nomination_views
    from pathways import pages as pathways_pages
    from pathways import views as pathways_views  # also connects the engine's receivers
    from recipients import views as recipients_views
    from reporting import pages as reporting_pages
    from reporting import views as reporting_views

    api = Api(app)
    for blueprint in (token_views.bp, issuers_views.bp, badges_views.bp, verify_views.bp,
                      bulk_views.bp, webhook_views.bp, action_views.bp,
                      pathways_views.bp, nomination_views.bp, reporting_views.bp):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens or no credentials at all: no CSRF exposure
    for blueprint in (pages.bp, issuers_public.bp, badges_public.bp, verify_views.pages,
                      recipients_views.bp, backpack_views.bp, issuers_pages.bp, staff_pages.bp,
                      nomination_views.pages, nomination_review.bp,
                      staff_awards.bp, staff_bulk.bp, pathways_pages.bp, reporting_pages.bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(cli.admin)
    app.cli.add_command(cli.mail)
    app.cli.add_command(cli.webhooks)
    mail_delivery.init_app(app)  # the outbox's sender and sweep
    webhook_delivery.init_app(app)  # the webhook deliveries' sender and sweep
