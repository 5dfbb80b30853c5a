"""Staff pages for badge classes and awards: the forms, the award list, revoking after a
confirmation, bulk awards, and the same roles as the API (404 outside one's issuers,
403 for a role too low)."""

import io
import re
import time

import pytest
import sqlalchemy as sa

from badges import staff_awards
from badges.models import Assertion
from cairn.db import db
from cairn.mail import OutboxMessage
from tests.conftest import SVG, png_bytes
from tests.issuers.test_staff_pages import csrf_token, field_error, post_form, sign_in, text, words


def count_assertions():
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assertion))


def member(app, api, make_user, issuer, role, email=None):
    """A signed-in test client for a new person with `role` at `issuer`."""
    client = sign_in(app, make_user, email or f"{role}@example.org")
    response = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                        json={"email": email or f"{role}@example.org", "role": role})
    assert response.status_code == 200, response.json
    return client


@pytest.fixture
def awarder(app, api, make_user, issuer):
    return member(app, api, make_user, issuer, "awarder")


def award_form(**overrides):
    return {"recipient_type": "email", "identity": "ada@example.org", "name": "Ada Lovelace",
            "evidence_url": "https://example.org/work/1", "evidence_narrative": "",
            "narrative": "Closed the first partnership.", "expires": "", "notify": "on",
            **overrides}


def test_issuer_page_shows_badge_classes_awards_members_and_keys(awarder, issuer,
                                                                 badge_class, award):
    page = text(awarder.get(f"/manage/issuers/{issuer['id']}"))
    assert "Partnership Certified" in page and "1 awarded" in page
    assert "ada@example.org" in page  # staff see their recipients' addresses
    assert "awarder@example.org" in page and "RSA" in page and "ED25519" in page
    assert "New badge class" not in page  # an awarder does not edit badge classes
    assert f"/manage/badge-classes/{badge_class['id']}/award" in page


def test_create_a_badge_class_with_an_image_then_edit_it(app, api, make_user, issuer):
    editor = member(app, api, make_user, issuer, "editor")
    path = f"/manage/issuers/{issuer['id']}/badge-classes/new"
    token = csrf_token(editor.get(path).get_data(as_text=True))
    refused = editor.post(path, data={"csrf_token": token, "name": "", "description": "x",
                                      "image": (io.BytesIO(b"GIF89a..."), "badge.gif")})
    assert refused.status_code == 422
    assert field_error(refused, "name") and field_error(refused, "criteria_narrative")
    bad_image = editor.post(path, data={
        "csrf_token": token, "name": "Mentor", "description": "Mentored a newcomer.",
        "criteria_narrative": "Six sessions.", "image": (io.BytesIO(b"GIF89a..."), "b.gif")})
    assert "must be a PNG or an SVG" in field_error(bad_image, "image")

    created = editor.post(path, data={
        "csrf_token": token, "name": "Mentor", "description": "Mentored a newcomer.",
        "criteria_narrative": "Six sessions.", "tags": "mentoring, community",
        "expires_after_days": "365", "suspendable": "on",
        "image": (io.BytesIO(png_bytes()), "badge.png")})
    assert created.status_code == 302, text(created)
    badge_class_id = created.headers["Location"].rsplit("/", 1)[1]
    definition = api.get(f"/api/v1/badge-classes/{badge_class_id}").json
    assert definition["tags"] == ["mentoring", "community"]
    assert definition["expires_after_days"] == 365 and definition["suspendable"] is True

    edit = f"/manage/badge-classes/{badge_class_id}/edit"
    assert 'value="mentoring, community"' in editor.get(edit).get_data(as_text=True)
    editor.post(edit, data={"csrf_token": token, "name": "Mentor", "description": "Changed.",
                            "criteria_narrative": "Six sessions.", "tags": "",
                            "expires_after_days": "", "image": (io.BytesIO(SVG), "b.svg")})
    changed = api.get(f"/api/v1/badge-classes/{badge_class_id}").json
    assert changed["description"] == "Changed." and changed["suspendable"] is False
    assert changed["tags"] == [] and changed["expires_after_days"] is None
    image = api.client.get(f"/badge-classes/{badge_class_id}/image.svg")
    assert image.mimetype == "image/svg+xml"


def test_award_one_badge_through_the_form(awarder, issuer, badge_class):
    path = f"/manage/badge-classes/{badge_class['id']}/award"
    form = awarder.get(path).get_data(as_text=True)
    assert 'name="notify" checked' in form  # notifying is the default
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    data = award_form(expires="2031-05-01", form_token=token)
    response = post_form(awarder, path, data)
    assert response.headers["Location"].startswith(f"/manage/issuers/{issuer['id']}/awards")
    listing = text(awarder.get(response.headers["Location"]))
    assert "Awarded Partnership Certified to Ada Lovelace." in listing
    assert "ada@example.org" in listing
    post_form(awarder, path, data)  # a second click on the same form awards nothing more
    assert count_assertions() == 1
    assertion = db.session.scalar(sa.select(Assertion))
    assert assertion.expires_at.isoformat() == "2031-05-01T23:59:59+00:00"
    assert assertion.evidence == [{"url": "https://example.org/work/1"}]
    assert mail_to("ada@example.org") == 1


def mail_to(address):
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == address))


def test_an_award_without_notify_sends_no_mail(awarder, badge_class):
    data = award_form(identity="quiet@example.org")
    del data["notify"]  # an unticked checkbox is not sent
    post_form(awarder, f"/manage/badge-classes/{badge_class['id']}/award", data)
    assert count_assertions() == 1 and mail_to("quiet@example.org") == 0


def test_award_form_shows_each_problem_beside_its_field(awarder, badge_class):
    path = f"/manage/badge-classes/{badge_class['id']}/award"
    response = post_form(awarder, path, award_form(identity="ada-at-example",
                                                   evidence_url="not a link"), status=422)
    assert field_error(response, "evidence_url") == "Not a valid URL."
    assert 'value="ada-at-example"' in response.get_data(as_text=True)
    response = post_form(awarder, path, award_form(identity="ada-at-example"), status=422)
    assert field_error(response, "identity") == "Not a valid email address."
    response = post_form(awarder, path, award_form(expires="2001-01-01"), status=422)
    assert field_error(response, "expires") == "Must be in the future."
    assert count_assertions() == 0


def test_a_viewer_sees_the_badges_but_cannot_award(app, api, make_user, issuer, badge_class):
    viewer = member(app, api, make_user, issuer, "viewer")
    page = text(viewer.get(f"/manage/badge-classes/{badge_class['id']}"))
    assert "Partnership Certified" in page and ">Award<" not in page
    path = f"/manage/badge-classes/{badge_class['id']}/award"
    assert viewer.get(path).status_code == 403
    refused = post_form(viewer, path, award_form(), status=403)
    assert "Not allowed" in text(refused)
    assert viewer.get(f"/manage/badge-classes/{badge_class['id']}/bulk").status_code == 403
    assert count_assertions() == 0


def test_another_issuers_pages_are_not_found(app, api, make_user, make_issuer,
                                             make_badge_class, make_award):
    other = make_issuer(name="Other Program")
    other_class = make_badge_class(issuer_id=other["id"])
    other_award = make_award(badge_class_id=other_class["id"])
    mine = make_issuer(name="Mine")
    client = member(app, api, make_user, mine, "owner")
    for path in (f"/manage/issuers/{other['id']}", f"/manage/issuers/{other['id']}/awards",
                 f"/manage/issuers/{other['id']}/badge-classes/new",
                 f"/manage/badge-classes/{other_class['id']}",
                 f"/manage/badge-classes/{other_class['id']}/edit",
                 f"/manage/badge-classes/{other_class['id']}/award",
                 f"/manage/badge-classes/{other_class['id']}/bulk",
                 f"/manage/assertions/{other_award['id']}/revoke"):
        response = client.get(path)
        assert response.status_code == 404 and "Not found" in text(response), path
    post_form(client, f"/manage/assertions/{other_award['id']}/revoke", {"reason": "x"},
              status=404)
    assert api.get(f"/api/v1/assertions/{other_award['id']}").json["revoked"] is False


def test_a_form_without_its_csrf_token_is_refused(awarder, badge_class):
    response = awarder.post(f"/manage/badge-classes/{badge_class['id']}/award",
                            data=award_form())
    assert response.status_code == 400 and "nothing was changed" in text(response)
    assert count_assertions() == 0


def test_award_list_searches_and_filters(app, api, awarder, issuer, badge_class,
                                         make_badge_class, make_award, monkeypatch):
    other_class = make_badge_class(name="Mentor")
    make_award(recipient={"type": "email", "identity": "ada@example.org", "name": "Ada"})
    grace = make_award(recipient={"type": "email", "identity": "grace@navy.example",
                                  "name": "Grace Hopper"})
    make_award(badge_class_id=other_class["id"],
               recipient={"type": "email", "identity": "linus@example.org", "name": "Linus"})
    api.post(f"/api/v1/assertions/{grace['id']}/revoke", json={"reason": "Awarded twice."})
    awards = f"/manage/issuers/{issuer['id']}/awards"

    def names(query=""):
        page = text(awarder.get(awards + query))
        return re.findall(r"<strong>([^<]+)</strong><br>", page)  # in the page's order

    assert names() == ["Linus", "Grace Hopper", "Ada"]  # newest first
    assert names("?q=hopper") == names("?q=NAVY.example") == ["Grace Hopper"]
    assert names("?q=%25") == []  # a LIKE wildcard is searched for, not matched anywhere
    assert names("?status=revoked") == ["Grace Hopper"]
    assert "1 award matches" in words(awarder.get(awards + "?status=revoked"))
    assert names("?status=active") == ["Linus", "Ada"]
    assert names(f"?badge_class={other_class['id']}") == ["Linus"]
    monkeypatch.setattr(staff_awards, "PAGE_SIZE", 2)
    first = awarder.get(awards).get_data(as_text=True)
    older = re.search(r'href="([^"]+cursor=[^"]+)">Older awards', first).group(1)
    assert "3 awards" in words(awarder.get(awards))
    assert names(older.replace("&amp;", "&").split("awards", 1)[1]) == ["Ada"]


def test_revoke_asks_for_a_reason_on_a_confirmation_page(awarder, issuer, award):
    path = f"/manage/assertions/{award['id']}/revoke"
    confirm = text(awarder.get(path))
    assert "Revoke this badge?" in confirm and "ada@example.org" in confirm
    refused = post_form(awarder, path, {"reason": "  "}, status=422)
    assert field_error(refused, "reason")
    back = f"/manage/issuers/{issuer['id']}/awards?status=active"
    done = post_form(awarder, path, {"reason": "Awarded by mistake.", "next": back})
    assert done.headers["Location"] == back
    assert "Revoked Partnership Certified of Ada." in text(awarder.get(back))
    assert awarder.get(f"/assertions/{award['id']}",
                       headers={"Accept": "application/json"}).status_code == 410
    again = post_form(awarder, path, {"reason": "Twice."}, status=422)
    assert "already revoked" in text(again)


def test_suspend_and_resume_an_award_of_a_suspendable_class(awarder, make_badge_class,
                                                           make_award):
    suspendable = make_badge_class(name="Event Host", suspendable=True)
    award = make_award(badge_class_id=suspendable["id"])
    post_form(awarder, f"/manage/assertions/{award['id']}/suspend",
              {"reason": "Under review."})
    db.session.rollback()
    assert db.session.scalar(sa.select(Assertion.suspension_reason)) == "Under review."
    resume = text(awarder.get(f"/manage/assertions/{award['id']}/unsuspend"))
    assert "Resume this badge?" in resume and 'name="reason"' not in resume
    post_form(awarder, f"/manage/assertions/{award['id']}/unsuspend", {})
    db.session.rollback()
    assert db.session.scalar(sa.select(Assertion.suspended_at)) is None


def test_bulk_award_preview_then_job_with_progress(awarder, make_user, app, api, issuer,
                                                   badge_class, make_award):
    make_award(recipient={"type": "email", "identity": "p0@example.org", "name": "P 0"})
    lines = ["email;name;evidence_url;narrative"] + [f"p{i}@example.org;P {i};;" for i in
                                                     range(6)]
    lines[3] = "broken;Bad;;"
    path = f"/manage/badge-classes/{badge_class['id']}/bulk"
    token = csrf_token(awarder.get(path).get_data(as_text=True))
    empty = awarder.post(path + "/preview", data={"csrf_token": token})
    assert field_error(empty, "file") == "Choose a CSV file or paste the rows."
    content = ("\ufeff" + "\r\n".join(lines)).encode()
    preview = awarder.post(path + "/preview", data={
        "csrf_token": token, "file": (io.BytesIO(content), "people.csv")})
    page = words(preview)
    assert "5 valid, 1 with errors, of 6 rows" in page
    assert "Email: Not a valid email address." in page
    assert count_assertions() == 1  # a preview awards nothing

    fields = dict(re.findall(r'name="(content|form_token)" value="([^"]+)"',
                             preview.get_data(as_text=True)))
    started = awarder.post(path, data={"csrf_token": token, "notify": "on", **fields})
    again = awarder.post(path, data={"csrf_token": token, "notify": "on", **fields})  # twice
    assert started.headers["Location"] == again.headers["Location"]
    progress = started.headers["Location"] + "/progress"
    deadline = time.monotonic() + 60
    while not (job := awarder.get(progress, headers={"Accept": "application/json"})
               .get_json())["finished"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert (job["done"], job["total"], job["awarded"], job["already_held"]) == (5, 5, 4, 1)
    assert job["skipped_invalid"] == 1
    finished = text(awarder.get(started.headers["Location"]))
    assert "Finished: Partnership Certified awarded" in finished and "See the awards" in finished
    assert count_assertions() == 5
    assert mail_to("p1@example.org") == 1 and mail_to("p0@example.org") == 0  # held before

    stranger = sign_in(app, make_user, "stranger@example.org")
    assert stranger.get(progress, headers={"Accept": "application/json"}).status_code == 404
    assert stranger.get(started.headers["Location"]).status_code == 404


def test_a_pasted_csv_with_a_bad_header_is_shown_beside_the_file_field(awarder, badge_class):
    path = f"/manage/badge-classes/{badge_class['id']}/bulk/preview"
    response = post_form(awarder, path, {"csv_text": "mail,who\nada@example.org,Ada"},
                         status=422)
    assert "Missing or unknown header" in field_error(response, "file")
    assert "mail,who" in response.get_data(as_text=True)  # the pasted rows stay


def test_a_file_over_the_upload_limit_gets_a_page_saying_so(awarder, badge_class):
    path = f"/manage/badge-classes/{badge_class['id']}/bulk"
    token = csrf_token(awarder.get(path).get_data(as_text=True))
    huge = b"email\r\n" + b"a" * (50 * 1024 * 1024)
    response = awarder.post(path + "/preview", data={
        "csrf_token": token, "file": (io.BytesIO(huge), "people.csv")})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "larger than the 16 MB an upload may be" in words(response)
    assert count_assertions() == 0

