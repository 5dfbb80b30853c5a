"""Public issuer documents: no authentication, content-negotiated, cacheable."""

from __future__ import annotations

from flask import Blueprint, render_template

from cairn.http import json_document, wants_html
from issuers import services
from issuers.documents import issuer_ob2, key_ob2

bp = Blueprint("issuers_public", __name__)


@bp.route("/issuers/<issuer_id>")
def issuer_document(issuer_id: str):
    issuer = services.get_public_issuer(issuer_id)
    if wants_html():
        return render_template("issuers/issuer.html", issuer=issuer)
    return json_document(issuer_ob2(issuer), max_age=300)


@bp.route("/issuers/<issuer_id>/keys/<key_id>")
def key_document(issuer_id: str, key_id: str):
    return json_document(key_ob2(services.get_public_key(issuer_id, key_id)), max_age=300)
