"""A new nomination is mailed, through a real SMTP server, to each validator who may
validate it: a link to its page, at the address they verified; not to the nominee or the
nominator, nor to holders who never verified their address or whose badge was revoked,
and never with the nominee's name or the statement."""

from __future__ import annotations

import pytest

from tests.mail_support import wait_for_outbox
from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    make_program,
    make_validator,
    mentions_nominee,
    nominated,
    outsider,
)


@pytest.fixture
def program(api, issuer, make_badge_class):
    return make_program(api, issuer, make_badge_class, min_endorsements=1)


def validator(app, make_award, program, email, base_url) -> dict:
    """A validator of their own: a browser of theirs opens their sign-in link."""
    return make_validator(app.test_client(), make_award, program, email, base_url)


def test_each_validator_who_may_validate_is_mailed_a_link(app, api, smtp, program, make_award,
                                                          make_user, base_url):
    validator(app, make_award, program, "val@example.org", base_url)
    validator(app, make_award, program, "sam@example.org", base_url)
    validator(app, make_award, program, "ada@example.org", base_url)  # the nominee
    validator(app, make_award, program, "nora@example.org", base_url)  # the nominator
    revoked = validator(app, make_award, program, "rex@example.org", base_url)
    assert api.post(f"/api/v1/assertions/{revoked['id']}/revoke",
                    json={"reason": "Left the council"}).status_code == 200
    make_award(badge_class_id=program.validators["id"],  # never verified
               recipient={"type": "email", "identity": "quiet@example.org"})
    nominator = outsider(api, make_user, "nora@example.org")[0]

    nomination = nominated(nominator, program.badge["id"], email="ada@example.org")

    rows = wait_for_outbox()
    assert sorted(row.to_address for row in rows) == ["sam@example.org", "val@example.org"]
    assert {row.status for row in rows} == {"sent"}
    assert sorted(rcpt for envelope in smtp.envelopes for rcpt in envelope.rcpt_tos) == [
        "sam@example.org", "val@example.org"]
    message = smtp.messages[0]
    assert message["Subject"] == "A nomination for “Community Mentor” awaits validators"
    for body in (part.get_content() for part in message.iter_parts()):
        assert f"{base_url}/nominations/{nomination['id']}" in body
        assert "Mentor Council" in body
        assert not mentions_nominee(body) and STATEMENT[:20] not in body


def test_a_refused_nomination_mails_nobody(app, api, smtp, program, make_award, make_user,
                                           base_url):
    validator(app, make_award, program, "val@example.org", base_url)
    nominator = outsider(api, make_user)[0]
    nominated(nominator, program.badge["id"])
    assert nominator.post("/api/v1/nominations", json={
        "badge_class": program.badge["id"], "statement": STATEMENT,
        "nominee": {"type": "email", "identity": "ada@example.org"}}).status_code == 409
    assert [row.to_address for row in wait_for_outbox()] == ["val@example.org"]
