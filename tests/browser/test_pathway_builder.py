"""A program lead in a real browser: builds a two-milestone pathway from form rows (adding
a condition row), saves it, reads its rules in words with each milestone's counts, and
awards the people who qualify already through the backfill and its progress page."""

import re

from playwright.sync_api import expect

from tests.browser.test_staff_pages import no_horizontal_scroll
from tests.pathways.test_pathways_helpers import days_ago, define_action_type, post_action

SESSIONS = "mentoring.session"


def milestone(page, number):
    return page.get_by_role("group", name=re.compile(rf"^Milestone {number}\b"))


def fill_milestone(box, name, key, badge_class):
    box.get_by_label("Name", exact=True).fill(name)
    box.get_by_label("Key", exact=True).fill(key)
    box.get_by_label("Badge class it awards").select_option(label=badge_class)


def counts_of(page, name):
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name))


def test_a_lead_builds_a_pathway_and_awards_who_qualifies(page, staff_login, screenshot, api,
                                                         issuer, make_badge_class):
    for level in ("I", "II"):
        make_badge_class(name=f"Mentor {level}")
    define_action_type(api, SESSIONS)
    for number in range(3):
        post_action(api, SESSIONS, "ada@example.org", f"ada-{number}", occurred_at=days_ago(3))
    post_action(api, SESSIONS, "bob@example.org", "bob-0", occurred_at=days_ago(9))
    staff_login(page, "lead@example.org", admin=False)
    api.post(f"/api/v1/issuers/{issuer['id']}/members",
             json={"email": "lead@example.org", "role": "editor"})

    page.get_by_role("link", name="Pathways", exact=True).click()
    page.get_by_role("link", name="New pathway").click()  # one issuer: straight to the form
    expect(page.get_by_role("heading", name="New pathway")).to_be_visible()
    page.get_by_label("Pathway name").fill("Mentoring ladder")
    first = milestone(page, 1)
    fill_milestone(first, "First session", "first", "Mentor I")
    first.get_by_label("Action type").select_option(SESSIONS)

    page.get_by_role("button", name="Add a milestone", exact=True).click()
    second = milestone(page, 2)
    fill_milestone(second, "Regular mentor", "regular", "Mentor II")
    second.get_by_label("Action type").select_option(SESSIONS)
    second.get_by_label("At least (actions)").fill("3")
    second.get_by_label("Within the last (days)").fill("180")
    second.get_by_role("button", name="Add a milestone reached to milestone 2").click()
    added = milestone(page, 2).get_by_role("group", name="Condition 2: a milestone reached")
    expect(added.get_by_label("Has reached the milestone")).to_be_focused()
    added.get_by_label("Has reached the milestone").select_option(label="First session")
    expect(milestone(page, 1).get_by_label("Name", exact=True)).to_have_value("First session")
    screenshot(page, "pathway-builder")
    page.get_by_role("button", name="Create pathway").click()

    expect(page.get_by_role("status")).to_contain_text("Created the pathway Mentoring ladder.")
    rules = page.locator(".milestone-list")
    expect(rules).to_contain_text("at least 1 mentoring.session")
    expect(rules).to_contain_text("all of:")
    expect(rules).to_contain_text("at least 3 mentoring.session in the last 180 days")
    expect(rules).to_contain_text("reached “First session”")
    expect(counts_of(page, "First session")).to_contain_text(
        re.compile(r"Reached\s*0\s*In progress\s*2"))
    expect(counts_of(page, "Regular mentor")).to_contain_text(
        re.compile(r"Reached\s*0\s*In progress\s*2"))

    page.get_by_role("button", name="Award everyone who qualifies").click()
    expect(page.get_by_role("heading", name=re.compile("^Finished"))).to_be_visible(
        timeout=60_000)
    expect(page.locator("dl.counts")).to_contain_text(re.compile(r"Milestones awarded\s*3"))
    page.get_by_role("link", name="Back to the pathway").click()
    expect(counts_of(page, "First session")).to_contain_text(
        re.compile(r"Reached\s*2\s*In progress\s*0"))
    expect(counts_of(page, "Regular mentor")).to_contain_text(
        re.compile(r"Reached\s*1\s*In progress\s*1"))
    screenshot(page, "pathway-page")

    page.set_viewport_size({"width": 375, "height": 740})
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name="Edit pathway").click()
    expect(milestone(page, 2).get_by_label("Within the last (days)")).to_have_value("180")
    assert no_horizontal_scroll(page)
    screenshot(page, "pathway-builder-phone")
