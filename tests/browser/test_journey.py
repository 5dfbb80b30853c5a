"""The whole way, as people live it: a trainer awards a badge from the pages, the mail goes
out through a real SMTP server, the recipient opens the link in that mail, keeps the badge
in the backpack, makes it public, and the badge page a stranger reaches is ready to share."""

import re

from playwright.sync_api import expect

from tests.browser.test_staff_pages import award_one, create_issuer_and_badge_class
from tests.mail_support import wait_for_outbox

CLAIM_LINK = re.compile(r"https?://\S+/claim/[A-Za-z0-9_.\-]+")


def test_from_the_trainers_form_to_a_shared_public_badge(page, new_page, staff_login, smtp,
                                                         screenshot, base_url):
    staff_login(page, "trainer@example.org", admin=False)
    create_issuer_and_badge_class(page, screenshot)
    award_one(page, screenshot)  # to ada@example.org, "email the recipient" left checked

    [row] = wait_for_outbox()
    assert row.status == "sent"
    [mail] = smtp.messages
    assert mail["To"] == "ada@example.org"
    assert "Partnership Certified" in mail["Subject"]
    [link] = set(CLAIM_LINK.findall(mail.get_body(("plain",)).get_content()))
    assert link.startswith(base_url)

    recipient = new_page(viewport={"width": 390, "height": 844})
    recipient.goto(link)
    recipient.get_by_role("button", name="Open my backpack").click()
    expect(recipient).to_have_url(re.compile(r"/backpack\?claimed="))
    claimed = recipient.url.split("claimed=")[1].split("#")[0]
    card = recipient.locator(f"#award-{claimed}")
    expect(card.get_by_role("heading", name="Partnership Certified")).to_be_visible()
    screenshot(recipient, "backpack-from-mail")
    card.get_by_role("button", name=re.compile("Show .* on my public profile")).click()
    profile = recipient.get_by_role("link", name="your public profile").get_attribute("href")

    stranger = new_page()
    stranger.goto(profile)
    expect(stranger.locator("main")).not_to_contain_text("ada@example.org")
    stranger.get_by_role("link", name="Partnership Certified").click()
    expect(stranger.get_by_role("heading", name="Partnership Certified")).to_be_visible()
    meta = stranger.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        'meta[property^="og:"], meta[name^="twitter:"]')].map(
        m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))""")
    assert meta["og:url"] == stranger.url
    assert meta["og:title"].startswith("Partnership Certified")
    assert meta["og:image"].startswith(base_url) and meta["og:image"].endswith(".png")
    assert meta["twitter:card"].startswith("summary")
    image = stranger.request.get(meta["og:image"])
    assert image.ok and image.headers["content-type"] == "image/png"
    assert "ada@example.org" not in stranger.content()
    for role, name in (("link", "Add to LinkedIn profile"), ("link", "Verify this badge"),
                       ("button", "Copy link")):
        colours = stranger.get_by_role(role, name=name).evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert colours[0] != colours[1], f"{name}: text as coloured as its background"
    screenshot(stranger, "public-badge-page")
