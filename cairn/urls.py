"""Public URLs. Every id in a published document starts with CAIRN_BASE_URL, never
with the host a request happened to use."""

from __future__ import annotations

from flask import current_app


def public_url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path
