"""An editor sets a badge class's nomination policy, then (once a nomination has an
endorsement) finds it from the issuer's page, opens it, approves it and follows the link
to the award; the queue fits a phone's width too."""

import re

from playwright.sync_api import expect

from tests.pathways.test_nominations_helpers import (
    STATEMENT,
    Program,
    give_stance,
    make_validator,
    nominated,
    outsider,
)


def test_an_editor_sets_a_policy_and_approves_a_nomination(page, api, client, issuer,
                                                           make_badge_class, make_award,
                                                           make_user, staff_login,
                                                           base_url, screenshot):
    badge = make_badge_class(name="Community Mentor")
    council = make_badge_class(name="Mentor Council")
    staff_login(page, "editor@example.org", admin=False)
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": "editor@example.org", "role": "editor"})

    page.goto(f"/manage/badge-classes/{badge['id']}")
    page.get_by_role("link", name="Nomination policy").click()
    page.get_by_label("Validators hold").select_option(label="Mentor Council")
    page.get_by_label("Endorsements an approval needs").fill("1")
    expect(page.get_by_label("Accept new nominations")).to_be_checked()
    screenshot(page, "policy-form")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Saved: “Community Mentor” accepts nominations.")

    nomination = nominated(outsider(api, make_user)[0], badge["id"])
    make_validator(client, make_award, Program(issuer, badge, council), "val@example.org",
                   base_url)
    endorsed = give_stance(client, nomination["id"], stance="endorse", name="Val Idator",
                           comment="Ada is the mentor we all ask first.")
    assert endorsed.status_code == 303

    page.goto(f"/manage/issuers/{issuer['id']}")
    page.get_by_role("link", name="Nominations (1 open)").click()
    row = page.get_by_role("row").filter(has_text="Ada")
    expect(row).to_contain_text("1 of 1 endorsement")
    expect(row).to_contain_text("Ready to decide")
    expect(page.locator("main")).not_to_contain_text("ada@example.org")
    screenshot(page, "queue")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "queue-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Ada").click()
    expect(page.get_by_role("heading", name="Ada for “Community Mentor”")).to_be_visible()
    expect(page.locator("main")).to_contain_text(STATEMENT)
    expect(page.get_by_role("link", name="Val Idator")).to_have_attribute(
        "href", re.compile(rf"/nominations/{nomination['id']}/endorsements/[\w-]+$"))
    approve = page.get_by_role("form", name="Approve")
    approve.get_by_label("Note").fill("Well earned.")
    expect(approve.get_by_label("Email the nominee about their badge")).to_be_checked()
    screenshot(page, "nomination")
    approve.get_by_role("button", name="Approve and award").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Approved: Community Mentor is awarded to Ada.")
    expect(page.get_by_role("button", name="Approve and award")).to_have_count(0)
    award_link = page.get_by_role("link", name="Community Mentor of Ada")
    expect(award_link).to_be_visible()
    screenshot(page, "approved")
    award_link.click()
    expect(page.get_by_role("heading", name="Community Mentor")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ada")
