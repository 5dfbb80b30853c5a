"""The backpack lists every award to the person's verified identities, across issuers, with
its downloads; the public profile shows only what they switched on, and no email."""

from __future__ import annotations

import json
import re

from tests.recipients.conftest import csrf_token


def switch(http, award_id: str, shown: bool):
    html = http.get("/backpack").get_data(as_text=True)
    return http.post(f"/backpack/awards/{award_id}/profile",
                     data={"csrf_token": csrf_token(html), "shown": "1" if shown else "0"})


def profile_path(http) -> str:
    html = http.get("/backpack/profile").get_data(as_text=True)
    return re.search(r'<a href="https?://[^/"]+(/people/[^"]+)">', html).group(1)


def test_the_backpack_lists_awards_across_issuers_newest_first_with_downloads(
        client, api, make_issuer, make_badge_class, make_award, claim):
    first = make_award()
    other_issuer = make_issuer(name="Mentor Guild")
    mentor_class = make_badge_class(issuer_id=other_issuer["id"], name="Mentor")
    second = make_award(badge_class_id=mentor_class["id"])
    revoked = make_award()
    assert api.post(f"/api/v1/assertions/{revoked['id']}/revoke",
                    json={"reason": "Awarded by mistake"}).status_code == 200
    claim("ada@example.org")
    html = client.get("/backpack").get_data(as_text=True)
    order = [html.index(f'id="award-{a["id"]}"') for a in (revoked, second, first)]
    assert order == sorted(order)
    assert "Mentor Guild" in html and "Revoked: Awarded by mistake" in html
    for suffix in ("image.png", "image.svg", "image.png?v=3", "image.svg?v=3", "credential",
                   "credential.jwt"):
        assert f'/assertions/{first["id"]}/{suffix}"' in html
    download = client.get(f"/backpack/awards/{first['id']}/assertion.json")
    assert download.status_code == 200 and "attachment" in download.headers[
        "Content-Disposition"]
    assert json.loads(download.data)["id"].endswith(f"/assertions/{first['id']}")


def test_awards_to_other_peoples_identities_are_not_listed(client, make_award, claim):
    mine = make_award()
    theirs = make_award(recipient={"type": "email", "identity": "bob@example.org"})
    claim("ada@example.org")
    html = client.get("/backpack").get_data(as_text=True)
    assert mine["id"] in html and theirs["id"] not in html


def test_the_public_profile_shows_only_switched_on_awards_and_no_email(
        client, other_client, make_award, make_badge_class, claim):
    shown = make_award()
    hidden = make_award(badge_class_id=make_badge_class(name="Secret Society")["id"])
    claim("ada@example.org")
    path = profile_path(client)
    assert other_client.get(path).status_code == 404  # nothing public yet
    assert switch(client, shown["id"], True).status_code == 303
    public = other_client.get(path)
    page = public.get_data(as_text=True)
    assert public.status_code == 200
    assert shown["id"] in page and hidden["id"] not in page and "Secret Society" not in page
    assert "ada@example.org" not in page and "@" not in re.sub(r"<[^>]+>", "", page)
    assert switch(client, shown["id"], False).status_code == 303
    assert other_client.get(path).status_code == 404


def test_revoked_awards_leave_the_profile(api, client, other_client, make_award, claim):
    award = make_award()
    claim("ada@example.org")
    switch(client, award["id"], True)
    path = profile_path(client)
    assert other_client.get(path).status_code == 200
    api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Withdrawn"})
    assert other_client.get(path).status_code == 404


def test_a_private_profile_is_not_found(client, other_client, make_award, claim):
    award = make_award()
    claim("ada@example.org")
    switch(client, award["id"], True)
    path = profile_path(client)
    html = client.get("/backpack/profile").get_data(as_text=True)
    client.post("/backpack/profile", data={"csrf_token": csrf_token(html),
                                           "display_name": "Ada L."})
    assert other_client.get(path).status_code == 404
    client.post("/backpack/profile", data={"csrf_token": csrf_token(html),
                                           "display_name": "Ada L.", "profile_public": "on"})
    page = other_client.get(path)
    assert page.status_code == 200 and "Ada L." in page.get_data(as_text=True)


def test_another_person_cannot_switch_or_download_my_award(client, other_client, make_award,
                                                           claim):
    award = make_award()
    make_award(recipient={"type": "email", "identity": "bob@example.org"})
    claim("ada@example.org")
    claim("bob@example.org", http=other_client)
    assert switch(other_client, award["id"], True).status_code == 404
    assert other_client.get(f"/backpack/awards/{award['id']}/assertion.json").status_code == 404
    assert client.get(profile_path(client)).status_code == 404


def test_an_unknown_profile_is_not_found(client):
    response = client.get("/people/nobody-here")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
