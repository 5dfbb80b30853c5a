"""Action types: a key, a description and a JSON Schema that Cairn can apply offline; and
who may define and read them."""

import pytest

from cairn.users import SCOPES, issue_token

SCHEMA = {"type": "object",
          "properties": {"kr": {"type": "string"}, "value": {"type": "number", "minimum": 0}},
          "required": ["value"], "additionalProperties": False}


def create(api, key="partnership.closed", schema=None, **extra):
    return api.post("/api/v1/action-types", json={
        "key": key, "description": "A partnership was signed.",
        "properties_schema": SCHEMA if schema is None else schema, **extra})


def test_an_action_type_is_created_read_and_listed(api):
    created = create(api)
    assert created.status_code == 201, created.json
    assert created.json["key"] == "partnership.closed"
    assert created.json["properties_schema"] == SCHEMA
    assert api.get("/api/v1/action-types/partnership.closed").json["description"] == \
        "A partnership was signed."
    create(api, key="mentoring.session", schema={})
    first = api.get("/api/v1/action-types?limit=1").json
    assert [t["key"] for t in first["items"]] == ["partnership.closed"]
    second = api.get(f"/api/v1/action-types?limit=1&cursor={first['next_cursor']}").json
    assert [t["key"] for t in second["items"]] == ["mentoring.session"]
    assert second["next_cursor"] is None
    missing = api.get("/api/v1/action-types/nothing.here")
    assert missing.status_code == 404 and missing.json["code"] == "action_type_not_found"


def test_a_key_is_defined_once(api):
    assert create(api).status_code == 201
    again = create(api, schema={})
    assert again.status_code == 409 and again.json["code"] == "action_type_exists"


@pytest.mark.parametrize("key", ["Partnership.Closed", "partnership..closed", ".closed",
                                 "partnership closed", "closed.", "retraction", "x" * 101])
def test_keys_are_dotted_lowercase_words_and_retraction_is_reserved(api, key):
    refused = create(api, key=key)
    assert refused.status_code == 422, refused.json
    assert "key" in refused.json["errors"]


@pytest.mark.parametrize("schema, says", [
    ({"type": "nonsense"}, "is not valid"),
    ({"properties": {"value": {"minimum": "five"}}}, "is not of type"),
    ({"$ref": "https://example.org/schemas/money.json"}, "must point inside this schema"),
    ({"properties": {"value": {"$ref": "money.json#/x"}}}, "must point inside this schema"),
    ({"properties": {"value": {"$ref": "#/$defs/missing"}}}, "must point inside this schema"),
    ({"$schema": "https://example.org/my-own-metaschema"}, "Unknown $schema"),
    ({"properties": {"value": {"$id": "https://example.org/v", "type": "number"}}},
     "$id is allowed only at the top"),
    ({"$dynamicRef": "#meta"}, "$dynamicRef is not supported"),
])
def test_bad_schemas_are_refused_without_fetching_anything(api, schema, says):
    refused = create(api, schema=schema)
    assert refused.status_code == 422, refused.json
    assert refused.json["code"] == "validation_failed"
    assert says in " ".join(refused.json["errors"]["properties_schema"])


def test_a_schema_must_be_an_object(api):
    refused = create(api, schema=["type", "object"])
    assert refused.status_code == 422
    assert "properties_schema" in refused.json["errors"]


def test_local_references_and_older_drafts_are_accepted(api):
    local = {"$defs": {"money": {"type": "number", "minimum": 0}},
             "properties": {"value": {"$ref": "#/$defs/money"}}}
    assert create(api, key="deal.closed", schema=local).status_code == 201
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#",
              "definitions": {"hours": {"type": "integer"}},
              "properties": {"hours": {"$ref": "#/definitions/hours"}},
              "examples": [{"$ref": "https://example.org/not-a-reference"}]}
    assert create(api, key="mentoring.session", schema=draft7).status_code == 201


def test_unknown_fields_are_refused(api):
    refused = create(api, colour="blue")
    assert refused.status_code == 422 and "colour" in refused.json["errors"]


def test_defining_needs_a_token_the_scope_and_a_role(api, client, make_user, make_issuer):
    assert api.with_token(None).post("/api/v1/action-types", json={
        "key": "a.b"}).status_code == 401
    _, reader = make_user(scopes=["actions:read"], admin=True)
    no_scope = create(api.with_token(reader))
    assert no_scope.status_code == 403 and no_scope.json["code"] == "insufficient_scope"
    _, nobody = make_user()
    no_role = create(api.with_token(nobody))
    assert no_role.status_code == 403 and no_role.json["code"] == "role_too_low"
    assert api.with_token(nobody).get("/api/v1/action-types").status_code == 403


def test_awarders_may_define_and_viewers_may_not(api, make_user, make_issuer):
    issuer = make_issuer()
    awarder, awarder_token = make_user()
    viewer, viewer_token = make_user()
    for user, role in ((awarder, "awarder"), (viewer, "viewer")):
        added = api.post(f"/api/v1/issuers/{issuer['id']}/members",
                         json={"email": user.email, "role": role})
        assert added.status_code == 200, added.json
    assert create(api.with_token(viewer_token)).status_code == 403
    assert create(api.with_token(awarder_token)).status_code == 201
    assert api.with_token(awarder_token).get("/api/v1/action-types").status_code == 200


def test_a_token_limited_to_an_issuer_needs_the_role_there(api, make_user, make_issuer):
    mine, other = make_issuer(), make_issuer(name="Other")
    user, _ = make_user()
    api.post(f"/api/v1/issuers/{mine['id']}/members",
             json={"email": user.email, "role": "awarder"})
    _, elsewhere = issue_token(user, name="t", scopes=list(SCOPES),
                               issuer_public_id=other["id"])
    _, here = issue_token(user, name="t", scopes=list(SCOPES), issuer_public_id=mine["id"])
    assert create(api.with_token(elsewhere)).status_code == 403
    assert create(api.with_token(here)).status_code == 201
