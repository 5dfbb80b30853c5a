"""What bench/reports.py makes through the API before the bulk load: two issuers and their
badge classes, the action types, a four-step pathway, and (once the data is in) the
program with its objectives and key results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa
from report_timing import PAGE_TARGET, REPORT_TARGET, Endpoint
from reports_data import ACTION_MIX, BadgeClassRow, Catalogue, LadderStep
from serve import _png_data_uri

# (issuer, badge class names by falling popularity, the classes that expire after a year)
ISSUERS = {
    "Open Source Program": (["First Contribution", "Code Reviewer", "Documentation Writer",
                             "Release Helper", "Security Champion", "Maintainer"],
                            {"Security Champion"}),
    "Community Events": (["Event Attendee", "Speaker", "Workshop Host", "Meetup Organiser",
                          "Mentor", "Community Award"], {"Workshop Host"}),
}
LADDER = [("certified", "Partnership Certified", 1), ("closer", "Partnership Closer", 3),
          ("builder", "Partnership Builder", 6), ("ambassador", "Partnership Ambassador", 10)]
PROPERTIES = {"partnership.closed": {"type": "object",
                                     "properties": {"value": {"type": "number"}}}}


@dataclass
class Made:
    """Public ids of what the API made, for the program and the report requests."""

    issuers: dict[str, str] = field(default_factory=dict)
    badge_classes: dict[str, str] = field(default_factory=dict)
    pathway: str = ""
    milestones: dict[str, str] = field(default_factory=dict)


def _post(session: requests.Session, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = session.post(url, json=body, timeout=60)
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url}: {response.status_code} {response.text[:500]}")
    return response.json()


def _badge_class(session, api: str, issuer: str, name: str, *, expires: bool) -> str:
    return _post(session, f"{api}/issuers/{issuer}/badge-classes", {
        "name": name, "description": f"{name} of the benchmark program.",
        "criteria": {"narrative": f"Earned {name}."}, "image": _png_data_uri(),
        "expires_after_days": 365 if expires else None})["id"]


def make_catalogue(session: requests.Session, api: str,
                   database_url: str) -> tuple[Catalogue, Made]:
    made = Made()
    for name, (classes, expiring) in ISSUERS.items():
        made.issuers[name] = _post(session, f"{api}/issuers", {
            "name": name, "url": "https://example.org", "email": "badges@example.org"})["id"]
        for badge in classes:
            made.badge_classes[badge] = _badge_class(session, api, made.issuers[name], badge,
                                                     expires=badge in expiring)
    for key, (_, _) in ACTION_MIX.items():
        _post(session, f"{api}/action-types", {
            "key": key, "description": key,
            "properties_schema": PROPERTIES.get(key, {"type": "object"})})
    owner = made.issuers["Open Source Program"]
    milestones = []
    for key, name, closed in LADDER:
        made.badge_classes[name] = _badge_class(session, api, owner, name, expires=False)
        milestones.append({"key": key, "name": name, "badge_class": made.badge_classes[name],
                           "rule": {"action": "partnership.closed", "at_least": closed}})
    pathway = _post(session, f"{api}/pathways", {"issuer": owner, "name": "Partnership ladder",
                                                 "milestones": milestones})
    made.pathway = pathway["id"]
    made.milestones = {m["key"]: m["id"] for m in pathway["milestones"]}
    return _by_database_id(made, database_url), made


def _by_database_id(made: Made, database_url: str) -> Catalogue:
    """The catalogue as the loader needs it: database ids, popularity by rank."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        classes = {public: (id_, issuer, days) for public, id_, issuer, days in
                   connection.execute(sa.text(
                       "SELECT public_id, id, issuer_id, expires_after_days FROM badge_classes"))}
        milestones = {public: (id_, version) for public, id_, version in connection.execute(
            sa.text("SELECT m.public_id, m.id, v.id FROM milestones m JOIN rule_versions v "
                    "ON v.milestone_id = m.id AND v.version = m.version"))}
        types = dict(connection.execute(sa.text("SELECT key, id FROM action_types")).all())
        admin = connection.scalar(sa.text("SELECT min(id) FROM users"))
    engine.dispose()
    general = []
    for _, (names, _) in ISSUERS.items():
        for rank, name in enumerate(names):
            id_, issuer, days = classes[made.badge_classes[name]]
            general.append(BadgeClassRow(id_, issuer, days, popularity=1 / (rank + 1) ** 0.8))
    ladder = []
    for key, name, _ in LADDER:
        id_, issuer, days = classes[made.badge_classes[name]]
        milestone, version = milestones[made.milestones[key]]
        ladder.append(LadderStep(BadgeClassRow(id_, issuer, days), milestone, version))
    return Catalogue(general, ladder, types, admin)


def reporting_endpoints(session: requests.Session, api: str) -> bool:
    """Whether the reporting API answers (it is built alongside this benchmark)."""
    return session.get(f"{api}/objectives", timeout=30).status_code not in (404, 405)


def _quarter(today: date) -> tuple[date, date]:
    start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    following = date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)
    return start, following - timedelta(days=1)


def make_program(session: requests.Session, api: str, made: Made, *,
                 people: int) -> Program:
    """A public program over both issuers, with a quarter's and a year's objective whose
    key results use every kind of metric the data has; targets scale with `people`."""
    program = _post(session, f"{api}/programs", {
        "name": "Benchmark Program", "slug": "benchmark", "public": True,
        "issuers": list(made.issuers.values()), "action_types": list(ACTION_MIX)})
    today = datetime.now(UTC).date()
    quarter = _quarter(today)
    year = (date(today.year, 1, 1), date(today.year, 12, 31))
    objectives = [
        ("Grow technical contributors", quarter, [
            ("New contributors this quarter", people // 10, {"kind": "new_contributors"}),
            ("Contributions merged", people, {"kind": "actions",
                                              "action_types": ["contribution.merged"]}),
            ("Partnership value closed", people * 100, {
                "kind": "action_sum", "property": "value",
                "action_types": ["partnership.closed"]})]),
        ("Recognise the community", year, [
            ("Maintainers", people // 20, {"kind": "holders", "badge_classes": [
                made.badge_classes["Maintainer"]]}),
            ("Partnership ambassadors", people // 100, {
                "kind": "milestones", "pathway": made.pathway, "milestone": "ambassador"}),
            ("Contributors this year", people // 2, {"kind": "contributors"})]),
    ]
    key_results = []
    for title, (start, end), results in objectives:
        objective = _post(session, f"{api}/objectives", {
            "program": program["id"], "title": title,
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "key_results": [{"title": name, "target": target, "metric": metric}
                            for name, target, metric in results]})
        key_results += [(kr["title"], kr["id"]) for kr in objective["key_results"]]
    return Program(program["id"], program["slug"], key_results, today)


@dataclass(frozen=True)
class Program:
    id: str
    slug: str
    key_results: list[tuple[str, str]]  # (title, id)
    today: date


def endpoints(program: Program, made: Made) -> list[Endpoint]:
    """Every report endpoint as a dashboard or a reporting tool asks for it."""
    year_ago = program.today.replace(day=1) - timedelta(days=335)
    two_years = program.today - timedelta(days=730)
    quarter = _quarter(program.today)[0]
    ladder = made.badge_classes["Partnership Certified"]
    reports = [(f"key result: {title}", f"/api/v1/reports/key-results/{id_}")
               for title, id_ in program.key_results]
    reports += [
        ("holders, program, 2 years by month", f"/api/v1/reports/holders?program={program.id}"
         f"&group_by=month&from={two_years}&to={program.today}"),
        ("new holders, one class, quarter by week", f"/api/v1/reports/holders?"
         f"badge_class={ladder}&new=true&group_by=week&from={quarter}"),
        ("contributors, program, 12 months", f"/api/v1/reports/contributors?"
         f"program={program.id}&group_by=month&from={year_ago}"),
        ("new contributors, program, 12 months", f"/api/v1/reports/contributors?"
         f"program={program.id}&new=true&group_by=month&from={year_ago}"),
        ("actions, one type, 2 years by week", f"/api/v1/reports/actions?"
         f"action_type=contribution.merged&group_by=week&from={two_years}"),
        ("action sum, value >= 5000, 12 months", f"/api/v1/reports/actions?"
         f"action_type=partnership.closed&sum=value&where=value%3E%3D5000&from={year_ago}"),
        ("funnel, all time", f"/api/v1/reports/funnel?pathway={made.pathway}"),
        ("holders as CSV, 2 years by month", f"/api/v1/reports/holders?program={program.id}"
         f"&group_by=month&from={two_years}&format=csv"),
        ("key result widget (SVG)", f"/dashboards/{program.slug}/key-results/"
         f"{program.key_results[0][1]}.svg"),
    ]
    return [Endpoint(name, path, REPORT_TARGET) for name, path in reports] + [
        Endpoint("dashboard page (public)", f"/dashboards/{program.slug}", PAGE_TARGET)]
