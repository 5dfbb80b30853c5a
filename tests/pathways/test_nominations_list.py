"""Reading nominations: the nominator and the issuer's staff see one, nobody else; the
list filters by badge class, issuer and status and pages with a cursor. Policies: an
editor sets which badge class validates and how many endorsements approval needs."""

from __future__ import annotations

from tests.cairn.test_errors import assert_error
from tests.pathways.test_nominations_helpers import (
    make_program,
    nominated,
    outsider,
    set_policy,
    staff,
)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_a_nomination_is_read_by_its_nominator_and_the_issuers_staff_only(
        api, issuer, make_issuer, make_badge_class, make_user):
    program = make_program(api, issuer, make_badge_class)
    nominator, _ = outsider(api, make_user)
    nomination = nominated(nominator, program.badge["id"])
    viewer, _ = staff(api, make_user, issuer, "viewer")
    other_nominator, _ = outsider(api, make_user)
    other_staff, _ = staff(api, make_user, make_issuer(name="Elsewhere"), "owner")
    path = f"/api/v1/nominations/{nomination['id']}"
    for reader in (nominator, viewer, api):
        assert reader.get(path).json["statement"] == nomination["statement"]
        assert ids(reader.get("/api/v1/nominations")) == [nomination["id"]]
    for stranger in (other_nominator, other_staff):
        assert_error(stranger.get(path), 404, "nomination_not_found")
        assert ids(stranger.get("/api/v1/nominations")) == []
    assert_error(api.get("/api/v1/nominations/missing"), 404, "nomination_not_found")


def test_the_list_filters_and_pages_with_a_cursor(api, issuer, make_issuer,
                                                  make_badge_class, make_user):
    first = make_program(api, issuer, make_badge_class)
    other_issuer = make_issuer(name="Elsewhere")
    second = make_program(api, other_issuer,
                          lambda **kw: make_badge_class(issuer_id=other_issuer["id"], **kw))
    nominator, _ = outsider(api, make_user)
    made = [nominated(nominator, first.badge["id"], email=f"p{n}@example.org")
            for n in range(3)]
    made.append(nominated(nominator, second.badge["id"], email="q@example.org"))
    api.post(f"/api/v1/nominations/{made[0]['id']}/decide",
             json={"decision": "reject", "note": "No."})
    newest_first = [item["id"] for item in reversed(made)]

    assert ids(nominator.get("/api/v1/nominations")) == newest_first
    assert ids(api.get(f"/api/v1/nominations?badge_class={first.badge['id']}")) == \
        newest_first[1:]
    assert ids(api.get(f"/api/v1/nominations?issuer={other_issuer['id']}")) == [made[3]["id"]]
    assert ids(api.get("/api/v1/nominations?status=rejected")) == [made[0]["id"]]
    assert ids(api.get(f"/api/v1/nominations?status=open&badge_class={first.badge['id']}")) \
        == [made[2]["id"], made[1]["id"]]
    assert_error(api.get("/api/v1/nominations?status=maybe"), 422, "validation_failed")

    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/nominations?limit=1" + (f"&cursor={cursor}" if cursor else ""))
        seen += ids(page)
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first
    assert_error(api.get("/api/v1/nominations?cursor=%%%"), 422, "validation_failed")


def test_editors_set_the_policy_and_anyone_reads_it(api, issuer, make_issuer,
                                                   make_badge_class, make_user):
    badge, validators = make_badge_class(name="Mentor"), make_badge_class(name="Council")
    path = f"/api/v1/badge-classes/{badge['id']}/nomination-policy"
    nominator, _ = outsider(api, make_user)
    assert_error(nominator.get(path), 404, "nomination_policy_not_found")

    editor, editor_user = staff(api, make_user, issuer, "editor")
    response = set_policy(editor, badge["id"], validators["id"], min_endorsements=2)
    assert response.status_code == 200, response.json
    assert nominator.get(path).json | {"updated_at": None} == {
        "badge_class": badge["id"], "validator_badge_class": validators["id"],
        "min_endorsements": 2, "accepting": True, "updated_at": None}
    same = set_policy(editor, badge["id"], badge["id"])  # holders validate their peers
    assert same.json["validator_badge_class"] == badge["id"]
    assert same.json["min_endorsements"] == 0

    awarder, _ = staff(api, make_user, issuer, "awarder")
    assert_error(set_policy(awarder, badge["id"], validators["id"]), 403, "role_too_low")
    assert_error(set_policy(nominator, badge["id"], validators["id"]), 404,
                 "badge_class_not_found")
    foreign = make_badge_class(issuer_id=make_issuer(name="Elsewhere")["id"])
    error = assert_error(set_policy(editor, badge["id"], foreign["id"]), 404,
                         "badge_class_not_found")
    assert "validator_badge_class" in error["errors"]
    assert_error(set_policy(editor, badge["id"], validators["id"], min_endorsements=-1), 422,
                 "validation_failed")
    assert nominator.get(path).json["validator_badge_class"] == badge["id"]
