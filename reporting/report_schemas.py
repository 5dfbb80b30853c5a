"""Query parameters of the /reports endpoints and the shapes they answer.

Unknown parameters are refused (the views load with `unknown=RAISE`), so a misspelt filter
is an error, not a silently wider count. Lists take repeated parameters or commas
(`badge_class=a&badge_class=b`, `badge_class=a,b`).
"""

from __future__ import annotations

import marshmallow as ma

from reporting.periods import GROUPS, too_long
from reporting.properties import PROPERTY_NAME
from reporting.schemas import DAYS, Where, time_zone_field

FORMATS = ("json", "csv")
MAX_NAMES = 100


def _names(data_key: str, description: str) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=2000)),
                          data_key=data_key, load_default=list,
                          validate=ma.validate.Length(max=MAX_NAMES),
                          metadata={"description": description})


def _split(values: list[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part]


class _Range(ma.Schema):
    start = ma.fields.Date(data_key="from", load_default=None, validate=DAYS, metadata={
        "description": "First local day (default: a year before `to`, from a month's start)."})
    end = ma.fields.Date(data_key="to", load_default=None, validate=DAYS, metadata={
        "description": "Last local day, included (default: today)."})
    time_zone = time_zone_field(load_default=None, metadata={
        "description": "Default: the program's, else UTC."})
    format = ma.fields.String(load_default=None, validate=ma.validate.OneOf(FORMATS),
                              metadata={"description": "csv: as `Accept: text/csv`."})

    @ma.validates_schema
    def _order(self, data, **kwargs):
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None:
            if start > end:
                raise ma.ValidationError("Must not be after 'to'.", "from")
            if too_long(start, end):
                raise ma.ValidationError("A report spans at most 10 years.", "to")

    @ma.post_load
    def _lists(self, data, **kwargs):
        for name, key in (("issuers", "issuer"), ("badge_classes", "badge_class"),
                          ("action_types", "action_type")):
            if name in data:
                data[name] = _split(data[name])
                if len(data[name]) > MAX_NAMES:
                    raise ma.ValidationError({key: [f"At most {MAX_NAMES} at once."]})
        if "where" in data:
            where = {}
            for name, condition in data["where"]:
                if name in where:
                    raise ma.ValidationError({"where": [f"'{name}' is given twice."]})
                where[name] = condition
            data["where"] = where
        return data


class _Series(_Range):
    group_by = ma.fields.String(load_default=None, validate=ma.validate.OneOf(GROUPS),
                                metadata={"description": "Default: week up to half a year, "
                                                         "else month."})
    cumulative = ma.fields.Boolean(load_default=False, metadata={
        "description": "Each point's value is its running figure."})
    program = ma.fields.String(load_default=None)
    pathway = ma.fields.String(load_default=None)


class HoldersArgs(_Series):
    issuers = _names("issuer", "Awards of these issuers only.")
    badge_classes = _names("badge_class", "Awards of these badge classes only.")
    include_revoked = ma.fields.Boolean(load_default=False, metadata={
        "description": "Count revoked and suspended awards too."})
    new = ma.fields.Boolean(load_default=False, metadata={
        "description": "Only people whose first award (ever) falls in the window."})


class ContributorsArgs(HoldersArgs):
    action_types = _names("action_type", "Actions of these types only.")
    where = ma.fields.List(Where(), load_default=list, validate=ma.validate.Length(max=20),
                           metadata={"description": "Actions whose property matches: "
                                                    "`name:value` or `name>=number`."})


class ActionsArgs(_Series):
    action_types = _names("action_type", "Actions of these types only.")
    where = ma.fields.List(Where(), load_default=list, validate=ma.validate.Length(max=20),
                           metadata={"description": "Actions whose property matches: "
                                                    "`name:value` or `name>=number`."})
    sum = ma.fields.String(load_default=None, validate=ma.validate.Regexp(PROPERTY_NAME),
                           metadata={"description": "Sum this numeric property instead of "
                                                    "counting actions."})


class FunnelArgs(_Range):
    pathway = ma.fields.String(required=True)
    program = ma.fields.String(load_default=None)
    include_revoked = ma.fields.Boolean(load_default=False)


class KeyResultReportArgs(ma.Schema):
    group_by = ma.fields.String(load_default=None, validate=ma.validate.OneOf(GROUPS))
    format = ma.fields.String(load_default=None, validate=ma.validate.OneOf(FORMATS))


class PointOut(ma.Schema):
    start = ma.fields.String(metadata={"description": "First local day of the bucket."})
    end = ma.fields.String(metadata={"description": "Last local day, included."})
    value = ma.fields.Raw(metadata={"type": "number", "description": "Within the bucket."})
    cumulative = ma.fields.Raw(metadata={"type": "number",
                                         "description": "At the bucket's end."})


class SeriesReportOut(ma.Schema):
    metric = ma.fields.String()
    group_by = ma.fields.String()
    time_zone = ma.fields.String()
    from_ = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    as_of = ma.fields.String()
    cumulative = ma.fields.Boolean()
    series = ma.fields.List(ma.fields.Nested(PointOut))
    total = ma.fields.Raw(metadata={"type": "number"})
    filters = ma.fields.Dict()


class TrendPointOut(ma.Schema):
    start = ma.fields.String()
    end = ma.fields.String()
    value = ma.fields.Raw(metadata={"type": "number"})


class TrendOut(ma.Schema):
    projected = ma.fields.Raw(metadata={"type": "number", "description": (
        "The trend line at the period's end; the final figure once the period is over.")})
    on_track = ma.fields.Boolean(metadata={"description": "projected >= target"})
    slope_per_day = ma.fields.Raw(metadata={"type": "number"})
    points = ma.fields.List(ma.fields.Nested(TrendPointOut), metadata={
        "description": "The line at each bucket's end, over the whole period."})


class KeyResultReportOut(ma.Schema):
    key_result = ma.fields.String()
    objective = ma.fields.String()
    title = ma.fields.String()
    unit = ma.fields.String()
    metric = ma.fields.Dict()
    period = ma.fields.Dict()
    time_zone = ma.fields.String()
    group_by = ma.fields.String()
    as_of = ma.fields.String()
    value = ma.fields.Raw(metadata={"type": "number", "description": "The figure to date."})
    target = ma.fields.Raw(metadata={"type": "number"})
    progress = ma.fields.Raw(metadata={"type": "number", "description": "value / target"})
    series = ma.fields.List(ma.fields.Nested(PointOut))
    trend = ma.fields.Nested(TrendOut)


class FunnelStepOut(ma.Schema):
    position = ma.fields.Integer()
    key = ma.fields.String()
    name = ma.fields.String()
    badge_class = ma.fields.String()
    people = ma.fields.Integer(metadata={"description": "People who reached this step."})
    conversion = ma.fields.Raw(metadata={"type": "number", "description": (
        "people / people of the step before (null for the first step or after 0).")})
    share = ma.fields.Raw(metadata={"type": "number",
                                    "description": "people / people of the first step."})


class FunnelOut(ma.Schema):
    pathway = ma.fields.String()
    name = ma.fields.String()
    from_ = ma.fields.String(data_key="from", attribute="from", allow_none=True)
    to = ma.fields.String()
    time_zone = ma.fields.String()
    include_revoked = ma.fields.Boolean()
    as_of = ma.fields.String(metadata={"description": "When the counts were made (UTC)."})
    steps = ma.fields.List(ma.fields.Nested(FunnelStepOut))
