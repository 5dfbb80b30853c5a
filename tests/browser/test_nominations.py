"""A validator opens their mailed link, finds the nomination under Nominations, reads the
statement, is told an objection needs a reason, endorses with a comment, and the
published endorsement opens as its own page, on a phone too."""

import re

from playwright.sync_api import expect

from recipients.claims import claim_url
from recipients.models import IdentityType
from recipients.services import find_identity
from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    make_program,
    nominated,
    outsider,
)


def test_a_validator_endorses_a_nomination_on_its_page(page, new_page, api, issuer,
                                                        make_badge_class, make_award,
                                                        make_user, screenshot):
    program = make_program(api, issuer, make_badge_class)
    nomination = nominated(outsider(api, make_user)[0], program.badge["id"])
    make_award(badge_class_id=program.validators["id"],
               recipient={"type": "email", "identity": "val@example.org", "name": "Val"})
    page.goto(claim_url(find_identity(IdentityType.email, "val@example.org").id))
    page.get_by_role("button", name="Open my backpack").click()

    page.get_by_role("navigation", name="Your backpack").get_by_role(
        "link", name="Nominations").click()
    expect(page.get_by_role("heading", name="Nominations to validate")).to_be_visible()
    screenshot(page, "to-validate")
    page.get_by_role("link", name="Ada for Community Mentor").click()
    expect(page.get_by_role("heading", name="Ada")).to_be_visible()
    expect(page.locator("main")).to_contain_text(STATEMENT)
    expect(page.locator("main")).not_to_contain_text("ada@example.org")

    page.get_by_label("Object").check()
    page.get_by_role("button", name="Send my stance").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Comment")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-comment-error")).to_have_text("An objection needs a comment.")
    screenshot(page, "objection-needs-a-reason")

    page.get_by_label("Endorse").check()
    page.get_by_label("Comment").fill("Ada is the mentor we all ask first.")
    page.get_by_label("Your name").fill("Val Idator")
    page.get_by_role("button", name="Send my stance").click()
    expect(page.get_by_role("status")).to_contain_text("your endorsement is published")
    expect(page.locator("#stance")).to_contain_text("You endorsed this nomination")
    screenshot(page, "endorsed")

    href = page.get_by_role("link", name="Val Idator").get_attribute("href")
    assert re.search(rf"/nominations/{nomination['id']}/endorsements/[\w-]+$", href)
    stranger = new_page(viewport={"width": 390, "height": 844})
    stranger.goto(href)
    expect(stranger.get_by_role("heading", name="Endorsement by Val Idator")).to_be_visible()
    expect(stranger.locator("main")).to_contain_text("Ada is the mentor we all ask first.")
    expect(stranger.locator("main")).not_to_contain_text("val@example.org")
    screenshot(stranger, "endorsement-phone")
    stranger.get_by_role("link", name=re.compile("nomination for")).click()
    expect(stranger.locator("main")).not_to_contain_text(STATEMENT)
    expect(stranger.get_by_role("link", name="Val Idator")).to_be_visible()
