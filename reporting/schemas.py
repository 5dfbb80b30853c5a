"""API shapes of programs, objectives, key results, manual values and report parameters
(api.md, "Pathway and reporting shapes"). Metrics are checked by the service against the
program (reporting/metric_specs.py); here only the outer shape is."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

import marshmallow as ma

from cairn.http import PageArgs, PageOut
from reporting.counts import plain
from reporting.metric_specs import KINDS
from reporting.periods import is_time_zone, too_long
from reporting.properties import PROPERTY_NAME

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
SLUG_MESSAGE = ("1 to 64 lowercase letters, digits or '-', starting and ending with a "
                "letter or digit.")
METRIC_DESCRIPTION = (
    f"kind: one of {', '.join(KINDS)}; with badge_classes, action_types, where (as in "
    "pathway rules), property (action_sum), status (nominations: received, decided, "
    "approved, rejected), pathway and milestone (milestones), include_revoked, aggregate "
    "(manual: latest or sum).")


#: The days reports and periods may name: wide enough for any program, and far from the
#: ends of Python's calendar, where a day after the last would overflow.
DAYS = ma.validate.Range(min=date(1970, 1, 1), max=date(2199, 12, 31),
                         error="Must be a day from 1970-01-01 to 2199-12-31.")


def check_time_zone(name: str) -> None:
    if not is_time_zone(name):
        raise ma.ValidationError("Must be an IANA time zone name, like Europe/Berlin or UTC.")


def time_zone_field(**options) -> ma.fields.String:
    return ma.fields.String(validate=check_time_zone, **options)


class PeriodIn(ma.Schema):
    start = ma.fields.Date(required=True, validate=DAYS)
    end = ma.fields.Date(required=True, validate=DAYS, metadata={"description": "Included."})

    @ma.validates_schema
    def _order(self, data, **kwargs):
        if data["start"] > data["end"]:
            raise ma.ValidationError("Must not be after end.", "start")
        if too_long(data["start"], data["end"]):
            raise ma.ValidationError("A period spans at most 10 years.", "end")


class PeriodOut(ma.Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()


class ProgramIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    slug = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(SLUG, error=SLUG_MESSAGE),
        metadata={"description": "Names the dashboard (/dashboards/<slug>); from the name "
                                 "if left out."})
    description = ma.fields.String(load_default=None, allow_none=True,
                                   validate=ma.validate.Length(max=5000))
    issuers = ma.fields.List(ma.fields.String(), required=True,
                             validate=ma.validate.Length(min=1, max=50))
    time_zone = time_zone_field(load_default="UTC")
    public = ma.fields.Boolean(load_default=False, metadata={
        "description": "Show the dashboard to anyone (it shows no personal data)."})
    action_types = ma.fields.List(ma.fields.String(), load_default=list,
                                  validate=ma.validate.Length(max=100), metadata={
            "description": "The action types that are the program's; none: every type."})


class ProgramPatch(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    slug = ma.fields.String(validate=ma.validate.Regexp(SLUG, error=SLUG_MESSAGE))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=5000))
    issuers = ma.fields.List(ma.fields.String(), validate=ma.validate.Length(min=1, max=50))
    time_zone = time_zone_field()
    public = ma.fields.Boolean()
    action_types = ma.fields.List(ma.fields.String(), validate=ma.validate.Length(max=100))


class ProgramOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    slug = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    time_zone = ma.fields.String()
    public = ma.fields.Boolean()
    issuers = ma.fields.Function(lambda program: [i.public_id for i in program.issuers])
    own_issuer = ma.fields.Function(lambda program: program.issuers[0].public_id
                                    if program.own_issuer_id else None, metadata={
        "description": "Set on an issuer's own program (made for its objectives)."})
    action_types = ma.fields.List(ma.fields.String())
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class ProgramPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(ProgramOut))


class KeyResultIn(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    target = ma.fields.Float(required=True, allow_nan=False,
                             validate=ma.validate.Range(min=0, min_inclusive=False))
    unit = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=32),
                            metadata={"description": "Defaults from the metric."})
    period = ma.fields.Nested(PeriodIn, load_default=None, allow_none=True,
                              metadata={"description": "Defaults to the objective's."})
    metric = ma.fields.Dict(required=True, metadata={"description": METRIC_DESCRIPTION})


class KeyResultPatch(ma.Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    target = ma.fields.Float(allow_nan=False,
                             validate=ma.validate.Range(min=0, min_inclusive=False))
    unit = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))
    period = ma.fields.Nested(PeriodIn, allow_none=True,
                              metadata={"description": "null: the objective's period."})
    metric = ma.fields.Dict(metadata={"description": METRIC_DESCRIPTION})


class KeyResultOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    objective = ma.fields.String(attribute="objective.public_id")
    title = ma.fields.String()
    target = ma.fields.Function(lambda kr: plain(kr.target), metadata={"type": "number"})
    unit = ma.fields.String()
    period = ma.fields.Function(lambda kr: {"start": kr.start.isoformat(),
                                            "end": kr.end.isoformat()})
    own_period = ma.fields.Function(lambda kr: kr.period_start is not None, metadata={
        "description": "False: the period is the objective's."})
    metric = ma.fields.Dict()
    position = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class ObjectiveIn(ma.Schema):
    issuer = ma.fields.String(load_default=None, metadata={
        "description": "For the issuer's own program (made on first use); or give program."})
    program = ma.fields.String(load_default=None)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default=None, allow_none=True,
                                   validate=ma.validate.Length(max=5000))
    period = ma.fields.Nested(PeriodIn, load_default=None, allow_none=True, metadata={
        "description": "Local dates, both included; defaults to the current quarter."})
    time_zone = time_zone_field(load_default=None, metadata={
        "description": "The program's time zone; sets it when the program is made now."})
    key_results = ma.fields.List(ma.fields.Nested(KeyResultIn), load_default=list,
                                 validate=ma.validate.Length(max=50))

    @ma.validates_schema
    def _one_owner(self, data, **kwargs):
        if (data.get("issuer") is None) == (data.get("program") is None):
            raise ma.ValidationError("Give issuer or program (one of them).", "issuer")


class ObjectivePatch(ma.Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=5000))
    period = ma.fields.Nested(PeriodIn)


class ObjectiveOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    program = ma.fields.String(attribute="program.public_id")
    issuer = ma.fields.Function(lambda o: o.program.issuers[0].public_id
                                if o.program.own_issuer_id else None, metadata={
        "description": "The issuer, for an objective of an issuer's own program."})
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    period = ma.fields.Function(lambda o: {"start": o.period_start.isoformat(),
                                           "end": o.period_end.isoformat()})
    time_zone = ma.fields.String(attribute="program.time_zone")
    key_results = ma.fields.List(ma.fields.Nested(KeyResultOut))
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class ObjectivePage(PageOut):
    items = ma.fields.List(ma.fields.Nested(ObjectiveOut))


class ObjectiveListArgs(PageArgs):
    program = ma.fields.String(load_default=None)
    issuer = ma.fields.String(load_default=None)


class ManualValueIn(ma.Schema):
    date = ma.fields.Date(required=True, validate=DAYS,
                          metadata={"description": "The day it stands for."})
    value = ma.fields.Float(required=True, allow_nan=False)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class ManualValueOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    date = ma.fields.Date(attribute="recorded_on")
    value = ma.fields.Function(lambda reading: plain(reading.value),
                               metadata={"type": "number"})
    note = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class ManualValuePage(PageOut):
    items = ma.fields.List(ma.fields.Nested(ManualValueOut))


class Where(ma.fields.String):
    """`name:value` (equals; the value read as JSON when it is a JSON scalar, else as
    text: `kr:O1-KR1`, `value:5000`, `code:"5000"`) or `name>=number`."""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[str, dict[str, Any]]:
        text = super()._deserialize(value, attr, data, **kwargs)
        name, at_least, number = text.partition(">=")
        if at_least and PROPERTY_NAME.match(name) and ":" not in name:
            try:
                bound = float(json.loads(number))
            except (ValueError, TypeError) as error:
                raise ma.ValidationError("After >= comes a number.") from error
            if not math.isfinite(bound):
                raise ma.ValidationError("After >= comes a finite number.")
            return name, {"at_least": bound}
        name, colon, raw = text.partition(":")
        if not colon or not PROPERTY_NAME.match(name):
            raise ma.ValidationError("Write name:value or name>=number.")
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        if isinstance(parsed, float) and not math.isfinite(parsed):
            raise ma.ValidationError("Numbers must be finite.")
        return name, {"equals": parsed if isinstance(parsed, str | int | float | bool)
                      or parsed is None else raw}
