"""The backpack ("my badges") and the public profile /people/<slug>."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from badges import backpack
from badges.documents import assertion_urls, hosted_assertion_ob2, revoked_assertion_ob2
from cairn.db import utcnow
from cairn.http import json_document
from recipients.models import Person
from recipients.pages import people_blueprint, person_required
from recipients.people import profile_url

bp = people_blueprint("backpack", __name__)


@bp.route("/backpack")
@person_required
def my_badges(person: Person):
    awards = backpack.backpack_awards(person.id)
    return render_template("backpack/backpack.html", person=person, awards=awards,
                           urls={a.public_id: assertion_urls(a) for a in awards},
                           claimed=request.args.get("claimed"), now=utcnow(),
                           profile_url=profile_url(person))


@bp.route("/backpack/awards/<assertion_id>/profile", methods=["POST"])
@person_required
def switch_profile(person: Person, assertion_id: str):
    shown = request.form.get("shown") == "1"
    assertion = backpack.show_on_profile(person.id, assertion_id, shown)
    flash(f"{assertion.badge_class.name} is {'now' if shown else 'no longer'} shown on your "
          "public profile.", "success")
    return redirect(url_for("backpack.my_badges") + f"#award-{assertion_id}", code=303)


@bp.route("/backpack/awards/<assertion_id>/assertion.json")
@person_required
def download_assertion(person: Person, assertion_id: str):
    """The OB 2.0 hosted assertion as a file (its URL gives browsers the badge's page)."""
    assertion = backpack.own_award(person.id, assertion_id)
    document = (revoked_assertion_ob2(assertion) if assertion.revoked
                else hosted_assertion_ob2(assertion))
    response = json_document(document, max_age=0)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{assertion.public_id}.ob2.json"')
    return response


@bp.route("/people/<slug>")
def profile(slug: str):
    person, awards = backpack.public_profile(slug)
    return render_template("people/profile.html", person=person, awards=awards,
                           urls={a.public_id: assertion_urls(a) for a in awards})
