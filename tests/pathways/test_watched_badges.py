"""An award is followed by a pathway evaluation only when an active milestone's rule
names its badge class: the badge class carries that mark, kept as pathways change."""

import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.db import db
from cairn.jobs import Job
from tests.pathways.test_pathways_helpers import (
    create_pathway,
    define_action_type,
    milestone,
    settle,
)

SESSIONS = "mentoring.session"


def _watched(badge: dict) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(BadgeClass.watched_by_milestones).where(
        BadgeClass.public_id == badge["id"]))


def _evaluations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(
        Job.kind == "pathway_evaluation"))


def test_the_mark_follows_every_pathway_that_names_the_badge(api, issuer, make_badge_class,
                                                            make_award):
    define_action_type(api, SESSIONS)
    trained, veteran, mentor = (make_badge_class(name=name)
                                for name in ("Trained", "Veteran", "Mentor"))
    named = milestone("veteran", veteran, {"badge": trained["id"]})
    first = create_pathway(api, issuer, [named]).json
    second = create_pathway(api, issuer, [milestone("mentor", mentor, {"all": [
        {"badge": trained["id"]}, {"action": SESSIONS}]})]).json
    assert _watched(trained) and not _watched(veteran)
    unnamed = milestone("veteran", veteran, {"action": SESSIONS})
    assert api.patch(f"/api/v1/pathways/{first['id']}",
                     json={"milestones": [unnamed]}).status_code == 200
    assert _watched(trained)  # the second pathway still names it
    assert api.patch(f"/api/v1/pathways/{second['id']}", json={"milestones": [
        milestone("mentor", mentor, {"action": SESSIONS})]}).status_code == 200
    assert not _watched(trained)
    before = _evaluations()
    make_award(badge_class_id=trained["id"])
    assert _evaluations() == before  # nothing can depend on it: no job
    assert api.patch(f"/api/v1/pathways/{first['id']}",
                     json={"milestones": [named]}).status_code == 200
    assert _watched(trained)
    make_award(badge_class_id=trained["id"], recipient={"identity": "bob@example.org"})
    assert _evaluations() == before + 1
    settle()
