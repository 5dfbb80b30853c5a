"""The public badge page in Chromium: link preview tags, copying the link, the QR code and
the verify button."""

import re

from playwright.sync_api import expect


def test_badge_page_shares_and_verifies(page, base_url, badge_class, award, screenshot):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(award["urls"]["page"])

    def meta(key: str) -> str | None:
        return page.locator(f'meta[property="{key}"], meta[name="{key}"]').get_attribute(
            "content")

    assert meta("og:title") == "Partnership Certified"
    assert meta("og:url") == award["urls"]["page"]
    assert meta("og:image") == f"{base_url}/badge-classes/{badge_class['id']}/image.png"
    assert meta("twitter:card") == "summary"
    expect(page.get_by_role("heading", name="Partnership Certified")).to_be_visible()

    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == award["urls"]["page"]

    qr = page.get_by_alt_text("QR code of this page's address")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth") > 0

    linkedin = page.get_by_role("link", name="Add to LinkedIn profile")
    assert linkedin.get_attribute("target") == "_blank"
    assert "noopener" in linkedin.get_attribute("rel")
    assert linkedin.get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
    screenshot(page, "badge-page")

    page.get_by_role("link", name="Verify this badge").click()
    expect(page).to_have_url(re.compile(r"/verify\?url="))
    expect(page.get_by_text("This badge is valid")).to_be_visible()
    expect(page.get_by_label("Badge address (URL)")).to_have_value(award["urls"]["page"])
    screenshot(page, "verified")


def test_copy_link_without_javascript_leaves_the_address_to_select(new_page, award):
    page = new_page()
    page.context.route("**/sharing.js", lambda route: route.abort())
    page.goto(award["urls"]["page"])
    expect(page.get_by_label("Address of this page")).to_have_value(award["urls"]["page"])
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
