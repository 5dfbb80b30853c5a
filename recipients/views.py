"""People's pages: opening a mailed link, signing in and out, identities and profile
settings. The backpack itself (the awards) is badges' page: recipients knows no awards.

Opening /claim/<token> shows one button; pressing it (a POST with a CSRF token) spends the
link. Mail scanners that fetch every link in a message would otherwise spend it before its
owner clicks, and a page that changes who is signed in on a GET could be triggered from
another site.
"""

from __future__ import annotations

import math

from flask import current_app, flash, redirect, render_template, request, url_for

from cairn.ratelimit import throttle_wait
from recipients import identities, people
from recipients.errors import (
    IdentityNotVerified,
    IdentityTaken,
    InvalidClaimToken,
    InvalidIdentity,
)
from recipients.models import Person
from recipients.pages import (
    current_person,
    fetch_policy,
    people_blueprint,
    person_required,
    sign_in_person,
    sign_out_person,
)

bp = people_blueprint("people", __name__)


@bp.route("/claim/<token>")
def claim(token: str):
    try:
        people.check_claim_token(token)
    except InvalidClaimToken as error:
        return _claim_refused(error)
    return render_template("people/claim.html", token=token, person=current_person())


@bp.route("/claim/<token>", methods=["POST"])
def use_claim(token: str):
    signed_in = current_person()
    try:
        result = people.use_claim_token(token, signed_in_person_id=signed_in and signed_in.id)
    except InvalidClaimToken as error:
        return _claim_refused(error)
    sign_in_person(result.person)
    if result.attached and signed_in is not None and signed_in.id == result.person.id:
        flash("The address was added to your backpack.", "success")
    claimed = result.assertion_public_id
    target = url_for("backpack.my_badges", claimed=claimed) if claimed else url_for(
        "backpack.my_badges")
    return redirect(target + (f"#award-{claimed}" if claimed else ""), code=303)


def _claim_refused(error: InvalidClaimToken):
    return render_template("people/claim_invalid.html", message=error.message,
                           status=error.status), error.status


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        return render_template("people/signin.html", error=None, email="")
    email = request.form.get("email", "")
    try:
        people.request_sign_in(email)
    except InvalidIdentity:
        return render_template("people/signin.html", error="That is not an email address.",
                               email=email), 422
    return render_template("people/signin_sent.html")


@bp.route("/signout", methods=["POST"])
def sign_out():
    sign_out_person()
    flash("You are signed out.", "success")
    return redirect(url_for("people.sign_in"), code=303)


@bp.route("/backpack/identities")
@person_required
def identity_list(person: Person):
    return _identities_page(person)


def _identities_page(person: Person, *, error: str | None = None, form=None, status=200):
    links = people.identities_of(person.id)
    return render_template(
        "backpack/identities.html", person=person, error=error, form=form or {},
        verified=[link for link in links if link.verified_at is not None],
        pending=identities.pending_of(person, links),
        profile_url=people.profile_url(person)), status


@bp.route("/backpack/identities", methods=["POST"])
@person_required
def add_identity(person: Person):
    form = request.form
    try:
        pending = identities.add_identity(person.id, form.get("type", ""), form.get("value", ""))
    except InvalidIdentity as error:
        message = next(iter(_messages(error.errors)), error.message)
        return _identities_page(person, error=message, form=form, status=422)
    except IdentityTaken as error:
        return _identities_page(person, error=error.message, form=form, status=409)
    if pending is None:
        flash("We sent a link to that address: open it to add the address.", "success")
    else:
        flash("Now prove it is yours: follow the steps below, then press Verify.", "success")
    return redirect(url_for("people.identity_list"), code=303)


@bp.route("/backpack/identities/verify", methods=["POST"])
@person_required
def verify_identity(person: Person):
    form = request.form
    wait = throttle_wait("verify", int(current_app.config.get("VERIFY_RATE_PER_MINUTE", 60)))
    if wait:  # a check fetches a page: the verifier's budget per client applies
        return _identities_page(person, error=f"Too many checks from your address; try again "
                                f"in {math.ceil(wait)} seconds.", status=429)
    try:
        identities.verify_identity(person.id, form.get("type", ""), form.get("value", ""),
                                   policy=fetch_policy(), signed_challenge=form.get("jwt", ""))
    except (IdentityNotVerified, IdentityTaken) as error:
        return _identities_page(person, error=error.message, status=error.status)
    flash(f"Verified: {form.get('value', '').strip()}", "success")
    return redirect(url_for("people.identity_list"), code=303)


@bp.route("/backpack/identities/remove", methods=["POST"])
@person_required
def remove_identity(person: Person):
    identities.remove_pending(person.id, request.form.get("type", ""),
                              request.form.get("value", ""))
    return redirect(url_for("people.identity_list"), code=303)


@bp.route("/backpack/profile", methods=["GET", "POST"])
@person_required
def profile_settings(person: Person):
    if request.method == "POST":
        people.update_profile(person.id, display_name=request.form.get("display_name"),
                              profile_public=request.form.get("profile_public") == "on")
        flash("Your profile settings are saved.", "success")
        return redirect(url_for("people.profile_settings"), code=303)
    return render_template("backpack/profile_settings.html", person=person,
                           profile_url=people.profile_url(person))


def _messages(errors) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _messages(value)]
    return [str(errors)]
