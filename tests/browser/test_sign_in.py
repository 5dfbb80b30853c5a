"""Signing in to the pages in a real browser."""


from playwright.sync_api import expect


def test_wrong_password_is_refused_with_a_message(page, make_user):
    user, _ = make_user(password="right password here")
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
