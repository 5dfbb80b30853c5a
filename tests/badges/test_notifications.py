"""Award notifications: `notify` on an award or a bulk award mails each email recipient the
badge and a claim link, through a real SMTP server; the award never depends on the mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from cairn.mail_delivery import deliver_due
from recipients.claims import read_claim_token
from tests.badges.test_bulk import bulk_path, upload, wait_done
from tests.badges.test_bulk import row as bulk_row
from tests.conftest import free_port
from tests.mail_support import outbox, point_at, wait_for_outbox, wait_until_due

CLAIM_LINK = re.compile(r"http://127\.0\.0\.1:\d+/claim/[A-Za-z0-9_.-]+")


def award_with_notify(make_award, **recipient):
    return make_award(recipient={"type": "email", "identity": "ada@example.org", "name": "Ada",
                                 **recipient}, notify=True)


def test_an_award_with_notify_mails_the_badge_and_a_claim_link(app, smtp, make_award,
                                                                badge_class, issuer):
    award = award_with_notify(make_award)
    [row] = wait_for_outbox()
    assert row.status == "sent"
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["ada@example.org"]
    [message] = smtp.messages
    assert message["Subject"] == ("You've earned “Partnership Certified” from "
                                  "Open Source Partnerships")
    text, html = (part.get_content() for part in message.iter_parts())
    for body in (text, html):
        assert "Partnership Certified" in body and "Open Source Partnerships" in body
        assert "Finished the training." in body and "Hello Ada," in body
        assert award["urls"]["page"] in body
        assert f"/badge-classes/{badge_class['id']}/image.png" in body
    [link] = set(CLAIM_LINK.findall(text))
    assert CLAIM_LINK.findall(html) == [link]
    claim = read_claim_token(link.rsplit("/", 1)[1])
    assertion = db.session.scalar(sa.select(Assertion).where(Assertion.public_id == award["id"]))
    assert (claim.identity_id, claim.assertion_public_id) == (assertion.recipient_identity_id,
                                                               award["id"])
    assert "ada@example.org" not in urlsplit(award["urls"]["page"]).path


def test_a_retried_award_request_mails_once(app, smtp, make_award):
    headers = {"Idempotency-Key": "cohort-1-ada"}
    body = {"recipient": {"identity": "ada@example.org"}, "notify": True}
    first = make_award(headers=headers, **body)
    again = make_award(headers=headers, **body)
    assert first["id"] == again["id"]
    wait_for_outbox()
    assert len(smtp.envelopes) == 1


def test_badge_and_issuer_names_are_escaped_in_the_html_mail(app, smtp, make_issuer,
                                                             make_badge_class, make_award):
    issuer = make_issuer(name="R&D <Labs>")
    badge_class = make_badge_class(issuer_id=issuer["id"], name="<script>x</script>",
                                   description='Says "hi" & <b>bye</b>')
    make_award(badge_class_id=badge_class["id"], recipient={"identity": "ada@example.org"},
               notify=True)
    wait_for_outbox()
    [message] = smtp.messages
    assert message["Subject"] == "You've earned “<script>x</script>” from R&D <Labs>"
    text, html = (part.get_content() for part in message.iter_parts())
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "R&amp;D &lt;Labs&gt;" in html and "&lt;b&gt;bye&lt;/b&gt;" in html
    assert "<script>x</script>" in text and 'Says "hi" & <b>bye</b>' in text
    assert "Hello," in text  # no name given


def test_the_award_stands_when_the_mail_server_is_down(app, api, smtp, smtp_controller,
                                                       make_award, monkeypatch):
    point_at(monkeypatch, app, free_port())  # nothing listens there
    award = award_with_notify(make_award)
    assert api.get(f"/api/v1/assertions/{award['id']}").status_code == 200
    [row] = wait_for_outbox(lambda rows: rows[0].attempts == 1 and rows[0].last_error)
    assert row.status == "pending" and "ConnectionRefusedError" in row.last_error
    point_at(monkeypatch, app, smtp_controller.port)  # the server is back
    wait_until_due(row)
    assert deliver_due() == {"sent": 1}
    assert [envelope.rcpt_tos for envelope in smtp.envelopes] == [["ada@example.org"]]


def test_no_mail_without_notify(app, api, smtp, make_award, badge_class):
    make_award()
    make_award(recipient={"identity": "grace@example.org"}, notify=False)
    response = api.post(bulk_path(badge_class), json={"rows": [bulk_row("linus@example.org")]})
    assert wait_done(api, response.json["id"])["result"]["awarded"] == 1
    assert outbox() == []


@pytest.mark.parametrize("recipient", [
    {"type": "url", "identity": "https://example.org/people/ada"},
    {"type": "did", "identity": "did:example:ada"},
])
def test_url_and_did_recipients_get_no_mail(app, smtp, make_award, recipient):
    make_award(recipient=recipient, notify=True)
    assert outbox() == []


def test_a_bulk_award_with_notify_mails_each_awarded_row_only(app, api, smtp, make_award,
                                                              badge_class):
    make_award(recipient={"identity": "ada@example.org"})  # already holds the badge
    rows = [bulk_row("ada@example.org"), bulk_row("grace@example.org", "Grace"),
            bulk_row("not an email"), bulk_row("linus@example.org", "Linus"),
            {"recipient": {"type": "url", "identity": "https://example.org/me"}}]
    response = api.post(bulk_path(badge_class),
                        json={"notify": True, "skip_invalid": True, "rows": rows})
    assert response.status_code == 202, response.json
    job = wait_done(api, response.json["id"])
    assert job["result"] == {"awarded": 3, "already_held": 1, "failed": 0,
                             "skipped_invalid": 1}
    messages = wait_for_outbox()
    assert sorted(message.to_address for message in messages) == [
        "grace@example.org", "linus@example.org"]
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp.envelopes) == [
        "grace@example.org", "linus@example.org"]


def test_a_bulk_csv_upload_takes_notify_as_a_form_field(app, api, smtp, badge_class):
    content = b"email,name\r\ngrace@example.org,Grace\r\n"
    response = upload(api, badge_class, content, notify="true")
    assert response.status_code == 202, response.json
    wait_done(api, response.json["id"])
    [row] = wait_for_outbox()
    assert row.to_address == "grace@example.org" and len(smtp.envelopes) == 1
