"""Public nomination pages and the validators' pages.

- `/nominations`: the signed-in person's open nominations to validate (sign-in by
  mailed link, as for the backpack).
- `/nominations/<id>`: the nomination's public page (the `id` its EndorsementCredentials
  endorse): the badge, the state and the published endorsements, never the nominee or
  the statement. A validator who may still give their stance sees the nominee's name, the
  statement and a CSRF-protected form to endorse or object. Machines get plain JSON.
- `/nominations/<id>/endorsements/<id>`: an EndorsementCredential, JSON-LD as signed, or
  a page for browsers (`?format=json` gives browsers the JSON).
"""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for

from cairn.errors import CairnError, ValidationFailed
from cairn.http import wants_html
from cairn.pages import field_errors, load_form
from pathways.nomination_documents import credential_url, public_nomination
from pathways.nomination_endorsements import (
    Stance,
    endorse_as_person,
    public_endorsement,
    standing,
)
from pathways.nomination_models import Nomination
from pathways.nomination_schemas import EndorseIn
from pathways.nomination_validators import validatable_nominations
from pathways.nominations import get_public_nomination
from recipients.models import Person
from recipients.pages import current_person, people_blueprint, person_required

bp = people_blueprint("nomination_pages", __name__)

FORM_FIELDS = ("stance", "comment", "name")


@bp.route("/nominations")
@person_required
def to_validate(person: Person):
    return render_template("nominations/to_validate.html", person=person,
                           items=validatable_nominations(person.id))


@bp.route("/nominations/<nomination_id>")
def nomination_page(nomination_id: str):
    nomination = get_public_nomination(nomination_id)
    if not wants_html():
        response = jsonify(public_nomination(nomination))
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "public, max-age=60"
        response.vary.add("Accept")
        return response
    return _page(nomination, current_person())


def _page(nomination: Nomination, person: Person | None, *, form=None, errors=None,
          status: int = 200):
    return render_template(
        "nominations/nomination.html", nomination=nomination,
        standing=standing(person.id, nomination) if person else None,
        published=[(item, credential_url(item)) for item in nomination.endorsements
                   if item.kind == "endorse"],
        form=form or {"stance": "endorse", "name": (person and person.display_name) or ""},
        errors=errors or {}), status


@bp.route("/nominations/<nomination_id>/endorse", methods=["POST"])
@person_required
def endorse(person: Person, nomination_id: str):
    form = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    try:
        stance: Stance = load_form(EndorseIn(), {**form, "comment": form["comment"] or None,
                                                 "name": form["name"] or None})
        endorsement = endorse_as_person(person.id, nomination_id, stance)
    except ValidationFailed as error:
        nomination = get_public_nomination(nomination_id)
        return _page(nomination, person, form=form, status=422,
                     errors=field_errors(error, fields=FORM_FIELDS))
    flash("Thank you: your endorsement is published." if endorsement.kind == "endorse"
          else "Thank you: your objection is recorded for the issuer's editors.", "success")
    return redirect(url_for("nomination_pages.nomination_page", nomination_id=nomination_id),
                    code=303)


@bp.route("/nominations/<nomination_id>/endorsements/<endorsement_id>")
def endorsement_document(nomination_id: str, endorsement_id: str):
    endorsement = public_endorsement(nomination_id, endorsement_id)
    if wants_html() and request.args.get("format") != "json":
        return render_template("nominations/endorsement.html", endorsement=endorsement,
                               nomination=endorsement.nomination,
                               json_url=url_for("nomination_pages.endorsement_document",
                                                nomination_id=nomination_id,
                                                endorsement_id=endorsement_id, format="json"))
    response = Response(endorsement.credential, mimetype="application/vc+ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept")
    return response


@bp.errorhandler(CairnError)
def _refused(error: CairnError):
    """Errors as the people's error page (a refused stance: not a validator, closed, given
    already), or in the API's JSON shape for machines reading the public documents."""
    if not wants_html():
        return jsonify(error.to_dict()), error.status
    return render_template("people/error.html", status=error.status,
                           message=error.message), error.status
