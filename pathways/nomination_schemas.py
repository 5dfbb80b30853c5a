"""marshmallow schemas of the nominations API."""

from __future__ import annotations

import marshmallow as ma

from badges.schemas import RecipientIn
from cairn.http import PageArgs, PageOut
from pathways.nomination_documents import credential_url, nomination_url
from pathways.nomination_endorsements import Stance
from pathways.nomination_models import KINDS, STATUSES
from pathways.nominations import NominationFilter


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


class NominationIn(ma.Schema):
    badge_class = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    nominee = ma.fields.Nested(RecipientIn, required=True, metadata={
        "description": "Who is nominated, as an award's recipient: "
                       '{"type": "email", "identity": "ada@example.org", "name": "Ada"}. '
                       "Validators see the name, never the identity."})
    statement = ma.fields.String(required=True, validate=[
        ma.validate.Length(min=1, max=10000), _not_blank], metadata={
        "description": "Why this person deserves the badge. Validators and the issuer's "
                       "staff read it; an approval publishes it as the award's evidence."})


class EndorseIn(ma.Schema):
    stance = ma.fields.String(load_default="endorse", validate=ma.validate.OneOf(KINDS))
    comment = ma.fields.String(load_default=None, allow_none=True,
                               validate=ma.validate.Length(max=5000), metadata={
        "description": "Required to object. An endorsement's comment is published in its "
                       "EndorsementCredential."})
    name = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=200), metadata={
        "description": "The name you sign with; default: your profile's display name."})

    @ma.post_load
    def _make(self, data, **kwargs):
        return Stance(kind=data["stance"], comment=data["comment"], name=data["name"])


class DecideIn(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["approve", "reject"]))
    note = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=5000), metadata={
        "description": "Why; required to reject. Seen by the nominator and staff only."})
    notify = ma.fields.Boolean(load_default=True, metadata={
        "description": "On approval, mail the nominee the badge and a claim link (email "
                       "identities only)."})

    @ma.validates_schema
    def _note_to_reject(self, data, **kwargs):
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            raise ma.ValidationError("Say why the nomination is rejected.", "note")


class PolicyIn(ma.Schema):
    validator_badge_class = ma.fields.String(required=True,
                                             validate=ma.validate.Length(min=1, max=32))
    min_endorsements = ma.fields.Integer(load_default=0, validate=ma.validate.Range(0, 100))
    accepting = ma.fields.Boolean(load_default=True)


class PolicyOut(ma.Schema):
    badge_class = ma.fields.String(attribute="badge_class.public_id")
    validator_badge_class = ma.fields.String(attribute="validator_badge_class.public_id")
    min_endorsements = ma.fields.Integer()
    accepting = ma.fields.Boolean()
    updated_at = ma.fields.AwareDateTime()


class EndorsementOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    nomination = ma.fields.String(attribute="nomination.public_id")
    stance = ma.fields.String(attribute="kind")
    comment = ma.fields.String(allow_none=True)
    name = ma.fields.String(attribute="endorser_name")
    created_at = ma.fields.AwareDateTime()
    credential = ma.fields.Function(credential_url, allow_none=True, metadata={
        "description": "The signed EndorsementCredential (endorsements only)."})


class NomineeOut(ma.Schema):
    type = ma.fields.String(attribute="identity.type")
    identity = ma.fields.String(attribute="identity.value")
    name = ma.fields.String(attribute="nominee_name", allow_none=True)


NOMINEE_OUT = NomineeOut()  # one instance: building a schema deep-copies its fields


def _user(user) -> dict | None:
    return None if user is None else {"id": user.public_id, "email": user.email}


class NominationOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    badge_class = ma.fields.String(attribute="badge_class.public_id")
    issuer = ma.fields.String(attribute="badge_class.issuer.public_id")
    nominee = ma.fields.Function(lambda n: NOMINEE_OUT.dump(n))
    statement = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    nominated_by = ma.fields.Function(lambda n: _user(n.nominated_by), allow_none=True)
    created_at = ma.fields.AwareDateTime()
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    # The deciding editor by id only: a nominator outside the issuer reads this too, and
    # staff addresses are not theirs to learn.
    decided_by = ma.fields.Function(
        lambda n: None if n.decided_by is None else {"id": n.decided_by.public_id},
        allow_none=True)
    decision_note = ma.fields.String(allow_none=True)
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True)
    assertion = ma.fields.Function(
        lambda n: n.assertion.public_id if n.assertion else None, allow_none=True)
    endorsement_count = ma.fields.Integer()
    objection_count = ma.fields.Integer()
    endorsements = ma.fields.List(ma.fields.Nested(EndorsementOut))
    public_url = ma.fields.Function(lambda n: nomination_url(n.public_id))


class NominationPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(NominationOut))


class NominationListArgs(PageArgs):
    badge_class = ma.fields.String(load_default=None)
    issuer = ma.fields.String(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))

    @ma.post_load
    def _make(self, data, **kwargs):
        page = {"limit": data.pop("limit"), "cursor": data.pop("cursor")}
        return {"page": page, "filters": NominationFilter(**data)}


class ValidatableOut(ma.Schema):
    """An open nomination as a validator sees it: the nominee's name, never their
    identity; the statement; and the stance the validator gave, if any."""

    id = ma.fields.String(attribute="nomination.public_id")
    badge_class = ma.fields.String(attribute="nomination.badge_class.public_id")
    badge_class_name = ma.fields.String(attribute="nomination.badge_class.name")
    issuer = ma.fields.String(attribute="nomination.badge_class.issuer.public_id")
    nominee_name = ma.fields.String(attribute="nomination.nominee_name", allow_none=True)
    statement = ma.fields.String(attribute="nomination.statement")
    created_at = ma.fields.AwareDateTime(attribute="nomination.created_at")
    my_stance = ma.fields.Nested(EndorsementOut, attribute="stance", allow_none=True)
    public_url = ma.fields.Function(lambda v: nomination_url(v.nomination.public_id))


class ValidatableList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ValidatableOut))
