"""People's pages through the test client: mailed links, CSRF tokens, signing in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cairn.db import db
from cairn.mail import OutboxMessage
from recipients.claims import claim_url
from recipients.models import IdentityType
from recipients.people import SIGN_IN_SUBJECT
from recipients.services import find_identity


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def path_of(url: str, base_url: str) -> str:
    assert url.startswith(base_url), url
    return url[len(base_url):]


def mailed_links(address: str, subject: str = SIGN_IN_SUBJECT) -> list[str]:
    """The links in the mails with `subject` queued to `address`, oldest first."""
    db.session.expire_all()
    bodies = db.session.scalars(sa.select(OutboxMessage.text_body).where(
        OutboxMessage.to_address == address, OutboxMessage.subject == subject)
        .order_by(OutboxMessage.id))
    return [link for body in bodies for link in re.findall(r"https?://\S+/claim/\S+", body)]


@pytest.fixture
def link_for(base_url):
    """The path of a claim link for an identity (as an award notification mails it)."""
    def build(value: str, assertion_id: str | None = None, kind=IdentityType.email) -> str:
        identity = find_identity(kind, value)
        assert identity is not None, value
        return path_of(claim_url(identity.id, assertion_id), base_url)
    return build


@pytest.fixture
def open_link(client):
    """Opens a mailed link the way a person does: the page, then its one button."""
    def follow(path: str, http=None):
        http = http or client
        page = http.get(path)
        assert page.status_code == 200, page.get_data(as_text=True)
        return http.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    return follow


@pytest.fixture
def claim(link_for, open_link):
    """Signs `client` in through the claim link of `value`; returns the final response."""
    def sign_in(value: str, assertion_id: str | None = None, http=None):
        response = open_link(link_for(value, assertion_id), http)
        assert response.status_code == 303, response.get_data(as_text=True)
        return response
    return sign_in


@pytest.fixture
def other_client(app, client):
    """A second browser: its own cookies."""
    return app.test_client()


def post_form(http, page_path: str, action: str, **fields):
    """Submits a form of the page at `page_path` (with its CSRF token) to `action`."""
    html = http.get(page_path).get_data(as_text=True)
    return http.post(action, data={"csrf_token": csrf_token(html), **fields})
