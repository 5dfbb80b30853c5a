"""Helpers shared by the nomination tests (no tests here): a program whose badge class
accepts nominations validated by holders of another badge class, staff and nominators
with their own tokens, and validators signed in through their mailed link (which
verifies the address holding their validator badge)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from cairn.db import db
from pathways.nomination_models import Nomination, NominationEndorsement
from recipients.claims import claim_url
from recipients.models import IdentityType
from recipients.services import find_identity
from tests.conftest import ApiClient
from tests.recipients.conftest import csrf_token, path_of

NOMINATION_SCOPES = ("nominations:read", "nominations:write")
STATEMENT = "Ada ran six partnership workshops this year and mentored two new leads."


@dataclass
class Program:
    issuer: dict
    badge: dict  # the badge class people are nominated for
    validators: dict  # holding it makes someone a validator


def set_policy(api: ApiClient, badge_id: str, validator_id: str, **extra):
    return api.client.put(f"/api/v1/badge-classes/{badge_id}/nomination-policy",
                          json={"validator_badge_class": validator_id, **extra},
                          headers={"Authorization": f"Bearer {api.token}"})


def make_program(api: ApiClient, issuer: dict, make_badge_class, **policy) -> Program:
    badge = make_badge_class(name="Community Mentor")
    validators = make_badge_class(name="Mentor Council")
    response = set_policy(api, badge["id"], validators["id"], **policy)
    assert response.status_code == 200, response.json
    return Program(issuer, badge, validators)


def staff(api: ApiClient, make_user, issuer: dict, role: str,
          scopes=NOMINATION_SCOPES) -> tuple[ApiClient, object]:
    """A new user with `role` at the issuer, and an API client with their token."""
    user, secret = make_user(f"{role}-{uuid.uuid4().hex[:6]}@example.org", scopes=scopes)
    response = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                        json={"email": user.email, "role": role})
    assert response.status_code == 200, response.json
    return api.with_token(secret), user


def outsider(api: ApiClient, make_user, email: str | None = None,
             scopes=NOMINATION_SCOPES) -> tuple[ApiClient, object]:
    """A user with no role anywhere (anyone may nominate)."""
    user, secret = make_user(email or f"someone-{uuid.uuid4().hex[:6]}@example.org",
                             scopes=scopes)
    return api.with_token(secret), user


def nominate(http: ApiClient, badge_id: str, email: str = "ada@example.org",
             name: str | None = "Ada", statement: str = STATEMENT):
    return http.post("/api/v1/nominations", json={
        "badge_class": badge_id, "statement": statement,
        "nominee": {"type": "email", "identity": email, "name": name}})


def mentions_nominee(text: str) -> bool:
    """Whether the text names the default nominee: as a whole word, because random ids
    in URLs may contain the letters "Ada"."""
    return re.search(r"\bAda\b", text) is not None


def nominated(http: ApiClient, badge_id: str, **kwargs) -> dict:
    response = nominate(http, badge_id, **kwargs)
    assert response.status_code == 201, response.json
    return response.json


def sign_in(http, email: str, base_url: str) -> None:
    """Opens the mailed link of `email` in `http` (a browser's cookies): the address
    becomes a verified identity of the person signed in."""
    identity = find_identity(IdentityType.email, email)
    assert identity is not None, email
    path = path_of(claim_url(identity.id), base_url)
    page = http.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    response = http.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 303, response.get_data(as_text=True)


def make_validator(http, make_award, program: Program, email: str, base_url: str) -> dict:
    """Awards the validator badge to `email` and signs `http` in with its link."""
    award = make_award(badge_class_id=program.validators["id"],
                       recipient={"type": "email", "identity": email, "name": "Val"})
    sign_in(http, email, base_url)
    return award


def give_stance(http, nomination_id: str, **fields):
    """Posts the stance form of the nomination's page, with its CSRF token."""
    page = http.get(f"/nominations/{nomination_id}", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    return http.post(f"/nominations/{nomination_id}/endorse",
                     data={"csrf_token": csrf_token(html), **fields},
                     headers={"Accept": "text/html"})


def counts() -> tuple[int, int]:
    """How many nominations and endorsements are stored."""
    db.session.rollback()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)),
            db.session.scalar(sa.select(sa.func.count()).select_from(NominationEndorsement)))
