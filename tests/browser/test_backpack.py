"""A recipient opens the mailed claim link, sees the badge in the backpack, makes it
public, and the public profile renders, for a stranger on a phone too."""

import re

from playwright.sync_api import expect

from recipients.claims import claim_url
from recipients.models import IdentityType
from recipients.services import find_identity


def test_claim_backpack_and_public_profile(page, new_page, make_award, screenshot):
    award = make_award(recipient={"type": "email", "identity": "grace@example.org",
                                  "name": "Grace"})
    identity = find_identity(IdentityType.email, "grace@example.org")
    page.goto(claim_url(identity.id, award["id"]))
    screenshot(page, "claim")
    page.get_by_role("button", name="Open my backpack").click()

    expect(page).to_have_url(re.compile(r"/backpack\?claimed="))
    card = page.locator(f"#award-{award['id']}")
    expect(card.get_by_role("heading", name="Partnership Certified")).to_be_visible()
    expect(card).to_contain_text("Claimed")
    screenshot(page, "backpack")

    card.get_by_role("button", name=re.compile("Show .* on my public profile")).click()
    expect(page.locator(f"#award-{award['id']}")).to_contain_text(
        "Shown on your public profile")
    profile = page.get_by_role("link", name="your public profile").get_attribute("href")

    stranger = new_page(viewport={"width": 390, "height": 844})
    stranger.goto(profile)
    expect(stranger.get_by_role("link", name="Partnership Certified")).to_be_visible()
    expect(stranger.locator("main")).not_to_contain_text("grace@example.org")
    screenshot(stranger, "public-profile-phone")
    stranger.get_by_role("link", name="Partnership Certified").click()
    expect(stranger).to_have_url(re.compile(f"/assertions/{award['id']}$"))
