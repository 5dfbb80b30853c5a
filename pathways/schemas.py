"""API shapes of pathways, milestones, progress and dry runs (api.md, "Pathway and
reporting shapes"). Rules are checked by pathways.rules in the service, which reports
each problem at its JSON path; here only the outer shape is."""

from __future__ import annotations

import marshmallow as ma

from cairn.http import PageArgs, PageOut
from recipients.models import IdentityType

KEY = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                         error="1 to 64 letters, digits, '.', '_' or '-', starting with a "
                               "letter or digit.")
RULE_DESCRIPTION = (
    'rule := {"all": [rule, ...]} | {"any": [rule, ...]} | {"action": "<type key>", '
    '"at_least": n, "within_days": d, "between": [from, to], "where": {"<property>": '
    '{"equals": v} | {"in": [v, ...]} | {"at_least": n}}} | {"badge": "<badge class id>"} | '
    '{"milestone": "<key in this pathway>"}')


class MilestoneIn(ma.Schema):
    key = ma.fields.String(required=True, validate=KEY, metadata={
        "description": "Names the milestone in rules of this pathway."})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    badge_class = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32),
                                   metadata={"description": "A badge class of the issuer."})
    rule = ma.fields.Raw(required=True, metadata={"type": "object",
                                                  "description": RULE_DESCRIPTION})


def _milestones(**options) -> ma.fields.List:
    return ma.fields.List(ma.fields.Nested(MilestoneIn), validate=ma.validate.Length(
        min=1, max=100), metadata={"description": "In pathway order. On PATCH the whole "
                                   "list: milestones are matched by key, a changed rule "
                                   "makes a new version, a milestone left out is archived."},
        **options)


class PathwayIn(ma.Schema):
    issuer = ma.fields.String(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default=None, allow_none=True,
                                   validate=ma.validate.Length(max=5000))
    notify = ma.fields.Boolean(load_default=False, metadata={
        "description": "Email each milestone award to its recipient (email identities)."})
    milestones = _milestones(required=True)


class PathwayPatch(ma.Schema):
    """Only the fields given change."""

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=5000))
    notify = ma.fields.Boolean()
    milestones = _milestones()


class MilestoneOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    key = ma.fields.String()
    name = ma.fields.String()
    position = ma.fields.Integer()
    badge_class = ma.fields.String(attribute="badge_class.public_id")
    rule = ma.fields.Dict(metadata={"description": "The current version, normalised."})
    version = ma.fields.Integer(metadata={"description": "Rises by one with each change."})
    updated_at = ma.fields.AwareDateTime()


class PathwayOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    issuer = ma.fields.String(attribute="issuer.public_id")
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    notify = ma.fields.Boolean()
    milestones = ma.fields.List(ma.fields.Nested(MilestoneOut), attribute="active_milestones")
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class PathwayPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(PathwayOut))


class PathwayListArgs(PageArgs):
    issuer = ma.fields.String(load_default=None)


class EvaluateIn(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={
        "description": "Only say who would qualify now (200); otherwise start a backfill "
                       "job (202)."})


class PersonOut(ma.Schema):
    type = ma.fields.String()
    identity = ma.fields.String()


class DryRunMilestoneOut(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    version = ma.fields.Integer()
    count = ma.fields.Integer(metadata={"description": "People who would be awarded it."})
    people = ma.fields.List(ma.fields.Nested(PersonOut), metadata={
        "description": "The first 1,000 of them."})


class DryRunOut(ma.Schema):
    dry_run = ma.fields.Boolean()
    pathway = ma.fields.String()
    as_of = ma.fields.AwareDateTime()
    evaluated = ma.fields.Integer(metadata={"description": "People evaluated."})
    candidates = ma.fields.Integer(metadata={
        "description": "People with actions or badges the rules name."})
    complete = ma.fields.Boolean(metadata={
        "description": "Whether every candidate was evaluated; false past the server's "
                       "ceiling (PATHWAYS_DRY_RUN_MAX_PEOPLE), the counts are then lower "
                       "bounds."})
    milestones = ma.fields.List(ma.fields.Nested(DryRunMilestoneOut))


class ProgressArgs(ma.Schema):
    person = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000),
                              metadata={"description": "An identity: `email:ada@example.org`, "
                                        "`url:https://...`, or a bare email address."})

    @ma.post_load
    def _identity(self, data, **kwargs):
        kind, sep, value = data["person"].partition(":")
        if sep and kind in IdentityType.__members__:
            return {"person": (IdentityType(kind), value)}
        return {"person": (IdentityType.email, data["person"])}


class LineOut(ma.Schema):
    depth = ma.fields.Integer()
    holds = ma.fields.Boolean()
    text = ma.fields.String()


class MilestoneProgressOut(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    version = ma.fields.Integer()
    badge_class = ma.fields.String()
    reached = ma.fields.Boolean(metadata={"description": "Awarded, or its rule holds now."})
    holds = ma.fields.Boolean(metadata={"description": "Whether its rule holds now."})
    awarded = ma.fields.String(allow_none=True, metadata={
        "description": "The id of the assertion the milestone awarded."})
    detail = ma.fields.String(metadata={"description": "Why: one line per part of the rule."})
    lines = ma.fields.List(ma.fields.Nested(LineOut))


class ProgressOut(ma.Schema):
    pathway = ma.fields.String()
    person = ma.fields.Nested(PersonOut)
    as_of = ma.fields.AwareDateTime()
    milestones = ma.fields.List(ma.fields.Nested(MilestoneProgressOut))
