"""Status list indexes never repeat, also when entries were placed under another secret:
an issuer's entries all placed under one SECRET_KEY come from one permutation per group
and need no check; once another secret placed any, every new index is checked."""

import itertools

import sqlalchemy as sa

from badges.models import Assertion, BadgeClass
from badges.status import allocate_status
from cairn.db import db, transaction
from cairn.keyring import derived_key
from credentials import bitstring
from issuers.models import Issuer


def _issuer(public_id: str) -> Issuer:
    return db.session.scalar(sa.select(Issuer).where(Issuer.public_id == public_id))


def test_one_secret_places_every_entry_without_a_check(app, make_award, issuer):
    awards = [make_award(recipient={"identity": f"p{n}@example.org"}) for n in range(5)]
    placed = db.session.scalars(sa.select(Assertion.status_index)).all()
    assert len(set(placed)) == len(awards)
    assert _issuer(issuer["id"]).status_secret is not None


def test_a_new_secret_skips_an_index_the_old_one_gave(app, make_award, issuer, badge_class):
    for n in range(20):
        make_award(recipient={"identity": f"p{n}@example.org"})
    taken = set(db.session.scalars(sa.select(Assertion.status_index)))
    for n in itertools.count():  # a secret whose next index is one of those already given
        app.config["SECRET_KEY"] = f"rotated-{n}"
        group_key = derived_key(f"status list positions {issuer['id']} 0")
        if bitstring.shuffled_index(group_key, 20) in taken:
            break
    with transaction():
        row = _issuer(issuer["id"])
        assertion = Assertion(issuer=row, badge_class=db.session.scalar(
            sa.select(BadgeClass).where(BadgeClass.public_id == badge_class["id"])))
        allocate_status(assertion)
    assert assertion.status_index not in taken
    db.session.refresh(row)
    assert row.status_entries == 22  # position 20 clashed, 21 was taken instead
    assert row.status_secret is None  # two secrets placed entries: check from now on
