"""Opening a mailed claim link: it signs the recipient in, once, with the identity it names."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cairn.db import db, transaction
from recipients.errors import ClaimTokenUsed
from recipients.models import IdentityType, Person, PersonIdentity, UsedToken
from recipients.people import use_claim_token
from recipients.services import find_identity
from tests.recipients.conftest import csrf_token


def holder_of(value: str) -> PersonIdentity | None:
    db.session.expire_all()
    identity = find_identity(IdentityType.email, value)
    return db.session.scalar(sa.select(PersonIdentity).where(
        PersonIdentity.identity_id == identity.id))


def test_claim_link_signs_in_and_shows_the_badge_in_the_backpack(client, make_award, claim):
    award = make_award()
    response = claim("ada@example.org", award["id"])
    assert response.headers["Location"] == f"/backpack?claimed={award['id']}#award-{award['id']}"
    backpack = client.get("/backpack?claimed=" + award["id"]).get_data(as_text=True)
    assert "Partnership Certified" in backpack
    assert f'id="award-{award["id"]}"' in backpack and "claimed" in backpack
    link = holder_of("ada@example.org")
    assert link.verified_at is not None


def test_opening_the_link_alone_spends_nothing(client, make_award, link_for):
    """Mail scanners fetch links: only the button (a POST) uses one."""
    award = make_award()
    path = link_for("ada@example.org", award["id"])
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200 and "Open my backpack" in page.get_data(as_text=True)
    assert holder_of("ada@example.org") is None
    assert client.get("/backpack").status_code == 302


def test_a_used_link_is_refused_with_a_way_to_sign_in(client, other_client, make_award,
                                                       link_for, open_link):
    make_award()
    path = link_for("ada@example.org")
    assert open_link(path).status_code == 303
    replay = other_client.get(path)
    assert replay.status_code == 410
    assert 'href="/signin"' in replay.get_data(as_text=True)
    # Even with a form token taken from another page, the POST is refused too.
    token = csrf_token(other_client.get("/signin").get_data(as_text=True))
    assert other_client.post(path, data={"csrf_token": token}).status_code == 410
    assert other_client.get("/backpack").status_code == 302


def test_two_uses_at_once_let_exactly_one_through(app, make_award, link_for):
    make_award()
    token = link_for("ada@example.org").rsplit("/", 1)[1]
    barrier, outcomes = threading.Barrier(2), []

    def use():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(use_claim_token(token).person.id)
            except ClaimTokenUsed:
                outcomes.append("used")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("used") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_a_link_for_one_identity_cannot_attach_another(client, make_award, link_for,
                                                       open_link):
    make_award(recipient={"type": "email", "identity": "ada@example.org"})
    make_award(recipient={"type": "email", "identity": "bob@example.org"})
    bob = find_identity(IdentityType.email, "bob@example.org")
    path = link_for("ada@example.org")
    html = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(html), "identity_id": bob.id,
                                       "identity": "bob@example.org"})
    assert response.status_code == 303
    assert holder_of("ada@example.org") is not None
    assert holder_of("bob@example.org") is None
    assert "bob@example.org" not in client.get("/backpack").get_data(as_text=True)


def test_a_tampered_link_is_refused(client, make_award, link_for):
    make_award()
    path = link_for("ada@example.org")
    head, _, tail = path.rpartition(".")
    forged = f"{head}.{'A' if tail[0] != 'A' else 'B'}{tail[1:]}"
    response = client.get(forged)
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_an_expired_link_is_refused(app, client, make_award, link_for, monkeypatch):
    make_award()
    path = link_for("ada@example.org")
    monkeypatch.setitem(app.config, "CLAIM_TOKEN_MAX_AGE_DAYS", -1)
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_a_signed_in_person_gains_an_unclaimed_identity(client, make_award, claim):
    make_award(recipient={"type": "email", "identity": "ada@example.org"})
    second = make_award(recipient={"type": "email", "identity": "ada@work.example"})
    claim("ada@example.org")
    claim("ada@work.example", second["id"])
    assert holder_of("ada@example.org").person_id == holder_of("ada@work.example").person_id
    assert client.get("/backpack").get_data(as_text=True).count('class="card award') == 2


def test_an_identity_held_by_someone_signs_in_as_them_and_never_moves(
        client, other_client, make_award, claim):
    make_award(recipient={"type": "email", "identity": "ada@example.org"})
    make_award(recipient={"type": "email", "identity": "bob@example.org"})
    claim("ada@example.org")
    ada = holder_of("ada@example.org").person_id
    claim("bob@example.org", http=other_client)
    bob = holder_of("bob@example.org").person_id
    # Ada's browser opens a (new) link of Bob's address: it signs in as Bob, moves nothing.
    claim("bob@example.org")
    assert holder_of("bob@example.org").person_id == bob != ada
    assert holder_of("ada@example.org").person_id == ada
    page = client.get("/backpack/identities").get_data(as_text=True)
    assert "bob@example.org" in page and "ada@example.org" not in page


@pytest.mark.parametrize("path", ["/backpack", "/backpack/identities", "/backpack/profile"])
def test_backpack_pages_send_strangers_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/signin"


def test_spending_a_link_forgets_nonces_of_links_long_expired(make_award, claim):
    """The used-link table does not grow for ever: a nonce whose link can no longer be
    opened (twice the link lifetime) goes when the next link is spent."""
    now = datetime.now(UTC)
    with transaction():
        db.session.add_all([UsedToken(nonce="old", used_at=now - timedelta(days=61)),
                            UsedToken(nonce="recent", used_at=now - timedelta(days=59))])
    award = make_award()
    claim("ada@example.org", award["id"])
    db.session.expire_all()
    kept = set(db.session.scalars(sa.select(UsedToken.nonce)))
    assert "old" not in kept and "recent" in kept and len(kept) == 2
