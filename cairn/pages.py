"""Sign in and out of the pages (session cookie, CSRF-protected forms)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from cairn.auth import optional_actor
from cairn.users import authenticate_password

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    return render_template("home.html", actor=optional_actor())


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        user = authenticate_password(request.form.get("email", ""),
                                     request.form.get("password", ""))
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            return redirect(url_for("pages.home"))
        error = "That email and password do not match an account."
    status = 401 if error else 200
    return render_template("auth/login.html", error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("pages.home"))
