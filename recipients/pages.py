"""What the people's pages share: who is signed in (session key `person_id`, apart from
staff's `user_id`), a guard for pages that need someone, and errors shown as pages.

People sign in only by mailed link; staff sign in with a password at /login. The two may
share a browser without either seeing the other's pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_wtf.csrf import CSRFError

from cairn.errors import CairnError
from credentials.fetch import FetchPolicy
from recipients.models import Person
from recipients.people import get_person

SESSION_KEY = "person_id"


def current_person() -> Person | None:
    person_id = session.get(SESSION_KEY)
    return get_person(person_id) if isinstance(person_id, int) else None


def sign_in_person(person: Person) -> None:
    session[SESSION_KEY] = person.id


def sign_out_person() -> None:
    session.pop(SESSION_KEY, None)


def person_required(view: Callable) -> Callable:
    """Passes the signed-in person as `person`; anyone else is sent to /signin."""
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        person = current_person()
        if person is None:
            return redirect(url_for("people.sign_in"))
        return view(*args, person=person, **kwargs)
    return guarded


def people_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of people's pages: domain errors and refused forms become pages with
    the error's status (the API keeps its JSON)."""
    pages = Blueprint(name, import_name)
    pages.register_error_handler(CairnError, _error_page)
    pages.register_error_handler(CSRFError, _csrf_page)
    pages.app_context_processor(lambda: {"current_person": current_person})
    return pages


def _error_page(error: CairnError):
    return render_template("people/error.html", status=error.status,
                           message=error.message), error.status


def _csrf_page(error: CSRFError):
    message = ("This form had expired or did not come from Cairn, so nothing was changed. "
               "Go back, reload the page and try again.")
    return render_template("people/error.html", status=400, message=message), 400


def fetch_policy() -> FetchPolicy:
    """What identity checks may fetch: the verifier's rule (public addresses only, unless
    VERIFY_ALLOW_PRIVATE; Cairn's own origin always)."""
    own = urlsplit(current_app.config["BASE_URL"])
    return FetchPolicy(allow_private=bool(current_app.config.get("VERIFY_ALLOW_PRIVATE")),
                       trusted_origins=frozenset({f"{own.scheme}://{own.netloc}"}))
