"""An award's assertion is stored with one Core INSERT (cairn/inserts.py), not the unit
of work: the object it leaves in the session must be the row a fresh read gives."""

import pytest
import sqlalchemy as sa

from badges.awards import AwardDetails, Recipient, award_badge
from badges.batch import AWARDED, BatchItem, award_batch
from badges.models import Assertion
from cairn.auth import Actor
from cairn.db import db, transaction
from cairn.users import SCOPES, User
from recipients.models import IdentityType


def _admin() -> Actor:
    user = db.session.scalar(sa.select(User).where(User.is_admin))
    return Actor(user_id=user.id, is_admin=True, scopes=frozenset(SCOPES))


def _columns(assertion: Assertion) -> dict:
    return {column.key: getattr(assertion, column.key)
            for column in Assertion.__table__.columns}


def test_the_object_left_in_the_session_is_the_stored_row(api, badge_class):
    details = AwardDetails(evidence=({"narrative": "Closed a partnership."},),
                           narrative="All modules.")
    made = award_badge(_admin(), badge_class["id"],
                       Recipient(IdentityType.email, "Ada@Example.org", "Ada"), details)
    assert made in db.session and not db.session.is_modified(made)
    columns = {column.key for column in Assertion.__table__.columns}
    assert not columns & sa.inspect(made).unloaded  # every value known: no read to come
    assert made.recipient.value == "ada@example.org"
    seen = _columns(made)
    db.session.expunge_all()
    stored = db.session.get(Assertion, seen["id"])
    assert _columns(stored) == seen
    assert seen["badge_class_id"] and seen["recipient_identity_id"] and seen["credential"]
    assert seen["revoked_at"] is None and seen["evidence"] == [dict(details.evidence[0])]


def test_a_rolled_back_award_leaves_no_row(api, badge_class):
    with pytest.raises(RuntimeError), transaction():
        award_badge(_admin(), badge_class["id"], Recipient(IdentityType.email, "b@example.org"))
        raise RuntimeError("the caller fails after the award")
    db.session.expunge_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assertion)) == 0


def test_a_batch_of_awards_is_stored_as_the_objects_say(api, badge_class):
    """A batch goes in as one executemany of the Core INSERT (ids taken first on
    PostgreSQL): every column of every row, JSON, times and NULLs included, reads back as
    the object held it, in the order given."""
    evidence = [({"narrative": f"Partnership {n}", "url": f"https://example.org/{n}"},)
                for n in range(3)]
    items = [BatchItem(f"row-{n}", Recipient(IdentityType.email, f"p{n}@example.org",
                                             None if n == 1 else f"P {n}"),
                       AwardDetails(evidence=evidence[n], narrative=f"Row {n}"))
             for n in range(3)]
    outcomes = award_batch(_admin(), badge_class["id"], items)
    assert set(outcomes.values()) == {AWARDED}
    made = db.session.scalars(sa.select(Assertion).order_by(Assertion.id)).all()
    seen = [_columns(assertion) for assertion in made]
    db.session.expunge_all()
    stored = [_columns(db.session.get(Assertion, row["id"])) for row in seen]
    assert stored == seen
    assert [row["idempotency_key"] for row in stored] == ["row-0", "row-1", "row-2"]
    assert [row["evidence"] for row in stored] == [[dict(e[0])] for e in evidence]
    assert [row["recipient_name"] for row in stored] == ["P 0", None, "P 2"]
    assert all(row["credential"] and row["issued_on"].tzinfo for row in stored)


def test_a_batch_that_breaks_a_constraint_raises_integrity_error_and_stores_nothing(
        api, badge_class):
    """The engine's fallback to single awards rests on this, on PostgreSQL's COPY too."""
    actor = _admin()
    award_batch(actor, badge_class["id"], [BatchItem(
        "taken", Recipient(IdentityType.email, "first@example.org"), AwardDetails())])
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Assertion))
    items = [BatchItem(key, Recipient(IdentityType.email, f"{key}@example.org"),
                       AwardDetails()) for key in ("fresh", "taken")]
    with pytest.raises(sa.exc.IntegrityError):
        award_batch(actor, badge_class["id"], items, earlier_runs=False)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assertion)) == before
