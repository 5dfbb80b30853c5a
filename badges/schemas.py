from __future__ import annotations

import json

import marshmallow as ma

from badges.awards import AssertionFilter, AwardDetails, Recipient
from badges.documents import assertion_urls, badge_class_image_url, badge_class_url
from cairn.http import PageArgs, PageOut
from recipients.models import IdentityType

HTTP_URL = {"schemes": {"http", "https"}}


class CriteriaIn(ma.Schema):
    narrative = ma.fields.String(load_default=None, validate=ma.validate.Length(max=20000))
    url = ma.fields.Url(load_default=None, **HTTP_URL)

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if not data.get("narrative") and not data.get("url"):
            raise ma.ValidationError("Give a narrative, a URL or both.", "narrative")


class AlignmentIn(ma.Schema):
    target_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    target_url = ma.fields.Url(required=True, **HTTP_URL)
    target_description = ma.fields.String(load_default=None)
    target_framework = ma.fields.String(load_default=None)
    target_code = ma.fields.String(load_default=None)


class BadgeClassIn(ma.Schema):
    """JSON with `image` as a data URI, or multipart/form-data with an `image` file and the
    other fields as form fields (`criteria` and `alignments` as JSON text there)."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))
    criteria = ma.fields.Nested(CriteriaIn, required=True)
    image = ma.fields.String(metadata={"description": "data: URI of a PNG or SVG image"})
    tags = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
                          load_default=list, validate=ma.validate.Length(max=50))
    alignments = ma.fields.List(ma.fields.Nested(AlignmentIn), load_default=list,
                                validate=ma.validate.Length(max=50))
    expires_after_days = ma.fields.Integer(load_default=None, allow_none=True,
                                           validate=ma.validate.Range(min=1, max=36500))
    suspendable = ma.fields.Boolean(load_default=False, metadata={
        "description": "Awards can be suspended and resumed; their OB 3.0 credentials then "
                       "carry a suspension status entry (docs/credentials.md)."})

    @ma.pre_load
    def _from_form(self, data, **kwargs):
        if hasattr(data, "getlist"):  # multipart form: decode the structured fields
            data = {key: (data.getlist(key) if key == "tags" else data[key]) for key in data}
            for key in ("criteria", "alignments"):
                if isinstance(data.get(key), str):
                    try:
                        data[key] = json.loads(data[key])
                    except ValueError as error:
                        raise ma.ValidationError("Not valid JSON.", key) from error
        return data

    @ma.post_load
    def _flatten(self, data, **kwargs):
        criteria = data.pop("criteria", None)
        if criteria is not None:
            data["criteria_narrative"] = criteria["narrative"]
            data["criteria_url"] = criteria["url"]
        return data


class BadgeClassPatch(BadgeClassIn):
    """Used as `BadgeClassPatch(partial=True)`: only the fields given change."""


class ImageFile(ma.Schema):
    image = ma.fields.Raw(load_default=None, metadata={"type": "string", "format": "binary"})


class BadgeClassOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    issuer = ma.fields.String(attribute="issuer.public_id")
    name = ma.fields.String()
    description = ma.fields.String()
    criteria = ma.fields.Function(lambda bc: {"narrative": bc.criteria_narrative,
                                              "url": bc.criteria_url})
    tags = ma.fields.List(ma.fields.String())
    alignments = ma.fields.List(ma.fields.Dict())
    expires_after_days = ma.fields.Integer(allow_none=True)
    suspendable = ma.fields.Boolean()
    image_url = ma.fields.Function(badge_class_image_url)
    created_at = ma.fields.AwareDateTime()
    public_url = ma.fields.Function(lambda bc: badge_class_url(bc.public_id))


class BadgeClassPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(BadgeClassOut))


class RecipientIn(ma.Schema):
    type = ma.fields.Enum(IdentityType, load_default=IdentityType.email)
    identity = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))

    @ma.post_load
    def _make(self, data, **kwargs):
        return Recipient(**data)


class EvidenceIn(ma.Schema):
    url = ma.fields.Url(**HTTP_URL)
    narrative = ma.fields.String(validate=ma.validate.Length(min=1, max=20000))
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=500))

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if not data.get("url") and not data.get("narrative"):
            raise ma.ValidationError("Give a URL, a narrative or both.", "url")


class AwardIn(ma.Schema):
    recipient = ma.fields.Nested(RecipientIn, required=True)
    evidence = ma.fields.List(ma.fields.Nested(EvidenceIn), load_default=list,
                              validate=ma.validate.Length(max=50))
    narrative = ma.fields.String(load_default=None, validate=ma.validate.Length(max=20000))
    expires = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    notify = ma.fields.Boolean(load_default=False, metadata={
        "description": "Email the recipient (email identities only) the badge and a claim "
                       "link. The mail is queued with the award; a mail server that is down "
                       "delays it, never the award."})

    @ma.post_load
    def _make(self, data, **kwargs):
        details = AwardDetails(evidence=tuple(data["evidence"]), narrative=data["narrative"],
                               expires=data["expires"], notify=data["notify"])
        return {"recipient": data["recipient"], "details": details}


class RevokeIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class RecipientOut(ma.Schema):
    type = ma.fields.String(attribute="recipient_type")
    identity = ma.fields.String(attribute="recipient.value")
    name = ma.fields.String(attribute="recipient_name", allow_none=True)


RECIPIENT_OUT = RecipientOut()  # one instance: building a schema deep-copies its fields


class AssertionOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    badge_class = ma.fields.String(attribute="badge_class.public_id")
    issuer = ma.fields.String(attribute="issuer.public_id")
    recipient = ma.fields.Function(lambda a: RECIPIENT_OUT.dump(a))
    issued_on = ma.fields.AwareDateTime()
    expires = ma.fields.AwareDateTime(attribute="expires_at", allow_none=True)
    evidence = ma.fields.List(ma.fields.Dict())
    narrative = ma.fields.String(allow_none=True)
    revoked = ma.fields.Boolean()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    revocation_reason = ma.fields.String(allow_none=True)
    suspended = ma.fields.Function(lambda a: a.suspended_at is not None)
    suspended_at = ma.fields.AwareDateTime(allow_none=True)
    suspension_reason = ma.fields.String(allow_none=True)
    urls = ma.fields.Function(assertion_urls)


class AssertionPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(AssertionOut))


class AssertionListArgs(PageArgs):
    badge_class = ma.fields.String(load_default=None)
    issuer = ma.fields.String(load_default=None)
    recipient = ma.fields.String(load_default=None, metadata={
        "description": "An identity: `ada@example.org`, or typed `url:https://...`"})
    issued_after = ma.fields.AwareDateTime(load_default=None)
    issued_before = ma.fields.AwareDateTime(load_default=None)
    revoked = ma.fields.Boolean(load_default=None)

    @ma.post_load
    def _make(self, data, **kwargs):
        recipient = data.pop("recipient")
        if recipient:
            kind, sep, value = recipient.partition(":")
            if sep and kind in IdentityType.__members__:
                data["recipient"] = (IdentityType(kind), value)
            else:
                data["recipient"] = (IdentityType.email, recipient)
        page = {"limit": data.pop("limit"), "cursor": data.pop("cursor")}
        return {"page": page, "filters": AssertionFilter(**data)}
