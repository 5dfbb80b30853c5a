"""A trainer's day in a real browser: sign in, create an issuer and a badge class with its
image, award one badge, bulk award a 200-row CSV with 3 bad rows through the preview and
the live progress bar, then revoke an award after its confirmation page."""

import re

from playwright.sync_api import expect

from tests.conftest import png_bytes

HEADER = "email,name,evidence_url,narrative"


def people_csv() -> bytes:
    """200 rows: 197 good, a bad address, a formula as a name and a repeated person."""
    lines = [HEADER] + [f"person{i}@example.org,Person {i},https://example.org/work/{i},"
                        "Finished the course" for i in range(200)]
    lines[20] = "not-an-email,Bad Address,,"
    lines[60] = 'formula@example.org,"=HYPERLINK(""https://evil.example"")",,'
    lines[120] = "PERSON5@example.org,Person Five Again,,"
    return ("\r\n".join(lines) + "\r\n").encode()


def no_horizontal_scroll(page) -> bool:
    """Measured once the page (its stylesheet included) has loaded: right after a click,
    an unstyled table can be wider than the phone for a moment."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def create_issuer_and_badge_class(page, screenshot):
    page.get_by_role("link", name="New issuer").click()
    page.get_by_label("Name").fill("Open Source Partnerships")
    page.get_by_label("Website").fill("https://partnerships.example")
    page.get_by_role("button", name="Create issuer").click()
    expect(page.get_by_role("status")).to_contain_text("Created the issuer")

    page.get_by_role("link", name="New badge class").click()
    page.get_by_label("Name").fill("Partnership Certified")
    page.get_by_label("Description").fill("Finished the partnership training.")
    page.get_by_label("Criteria", exact=False).first.fill("Closed a first partnership.")
    page.get_by_label("Image").set_input_files(
        files=[{"name": "badge.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.get_by_label("Tags").fill("partnership, training")
    screenshot(page, "badge-class-form")
    page.get_by_role("button", name="Create badge class").click()
    expect(page.get_by_role("heading", name="Partnership Certified")).to_be_visible()
    image = page.get_by_role("img", name="Partnership Certified badge image")
    expect(image).to_have_js_property("naturalWidth", 64)


def award_one(page, screenshot):
    page.get_by_role("link", name="Award", exact=True).click()
    page.get_by_label("Email address, URL or DID").fill("ada@example.org")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Evidence URL").fill("https://example.org/partnerships/42")
    page.get_by_label("Narrative").fill("Closed the partnership with the foundation.")
    expect(page.get_by_label("Email the recipient about their badge")).to_be_checked()
    screenshot(page, "award-form")
    page.get_by_role("button", name="Award Partnership Certified").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Awarded Partnership Certified to Ada Lovelace.")
    expect(page.get_by_role("cell", name="ada@example.org", exact=False)).to_be_visible()


def bulk_award(page, screenshot):
    page.get_by_role("link", name="Partnership Certified").first.click()
    page.get_by_role("link", name="Bulk award").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": people_csv()}])
    screenshot(page, "bulk-upload")
    page.get_by_role("button", name="Check the rows").click()
    expect(page.locator(".summary")).to_have_text(re.compile(
        r"197 valid,\s*3 with errors,\s*of 200 rows"))
    errors = page.get_by_role("table", name="3 rows with errors")
    expect(errors.get_by_role("row")).to_have_count(4)  # the header and 3 rows
    expect(errors).to_contain_text("Email: Not a valid email address.")
    expect(errors).to_contain_text("would run as a formula")
    expect(errors).to_contain_text("Duplicate: row 6 awards the same recipient.")
    screenshot(page, "bulk-preview")

    with page.expect_response(lambda response: "/progress" in response.url):
        page.get_by_role("button", name="Award 197 badges").click()  # the bar polls the job
    expect(page.get_by_role("heading", name=re.compile("^Finished"))).to_be_visible(
        timeout=120_000)
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_js_property("value", 197)
    expect(bar).to_have_js_property("max", 197)
    counts = page.locator("dl.counts")
    expect(counts).to_contain_text(re.compile(r"Awarded\s*197"))
    expect(counts).to_contain_text(re.compile(r"Rows with errors \(skipped\)\s*3"))
    screenshot(page, "bulk-finished")


def revoke_one(page):
    row = page.get_by_role("row").filter(has_text="person199@example.org")
    row.get_by_role("link", name=re.compile("^Revoke")).click()
    expect(page.get_by_role("heading", name="Revoke this badge?")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Revoke the badge")).click()
    expect(page.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Reason").fill("Awarded to the wrong cohort.")
    page.get_by_role("button", name=re.compile("^Revoke the badge")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Revoked Partnership Certified of Person 199.")
    revoked = page.get_by_role("row").filter(has_text="person199@example.org")
    expect(revoked).to_contain_text("Revoked")


def test_a_trainer_defines_awards_and_bulk_awards_a_badge(page, staff_login, screenshot):
    staff_login(page, "trainer@example.org", admin=False)
    expect(page.get_by_role("heading", name="Issuers")).to_be_visible()
    create_issuer_and_badge_class(page, screenshot)
    award_one(page, screenshot)
    bulk_award(page, screenshot)

    page.get_by_role("link", name="See the awards").click()
    expect(page.locator(".result-count")).to_have_text(re.compile(r"198 awards match"))
    revoke_one(page)
    screenshot(page, "award-list")

    page.get_by_role("link", name="Open Source Partnerships").click()
    expect(page.get_by_text("197 awarded")).to_be_visible()  # 198 less the one revoked
    expect(page.get_by_text("trainer@example.org owner")).to_be_visible()
    screenshot(page, "issuer-page")

    page.set_viewport_size({"width": 375, "height": 740})
    for link in ("All awards, search and filters",):
        assert no_horizontal_scroll(page)
        page.get_by_role("link", name=link).click()
        assert no_horizontal_scroll(page)
    screenshot(page, "award-list-phone")
