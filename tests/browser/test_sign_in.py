"""Signing in to the pages in a real browser."""

import re

from playwright.sync_api import expect


def test_wrong_password_is_refused_with_a_message(page, make_user):
    user, _ = make_user(password="right password here")
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")


def test_header_shows_who_is_signed_in_and_signs_out(page, staff_login):
    user = staff_login(page, "trainer@example.org")
    expect(page).to_have_url(re.compile(r"/manage/issuers$"))
    header = page.get_by_role("banner")
    expect(header).to_contain_text(user.email)
    expect(header.get_by_role("link", name="Issuers")).to_be_visible()
    header.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto("/manage/issuers")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_signing_in_returns_to_the_page_asked_for(page, make_user):
    make_user("trainer@example.org", password="correct horse battery staple")
    page.goto("/manage/issuers/new")
    page.get_by_label("Email").fill("trainer@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="New issuer")).to_be_visible()
