"""Public issuer documents: no authentication, content-negotiated, cacheable."""

from __future__ import annotations

from flask import Blueprint, render_template

from cairn.http import json_document, wants_html
from issuers import services
from issuers.documents import did_document, issuer_ob2, issuer_ob3, key_ob2
from issuers.errors import IssuerNotFound

bp = Blueprint("issuers_public", __name__)


@bp.route("/issuers/<issuer_id>")
def issuer_document(issuer_id: str):
    issuer = services.get_public_issuer(issuer_id)
    if wants_html():
        return render_template("issuers/issuer.html", issuer=issuer)
    return json_document(issuer_ob2(issuer), max_age=300)


@bp.route("/issuers/<issuer_id>/ob3")
def issuer_ob3_document(issuer_id: str):
    """The OB 3.0 Profile, also the controller document of the issuer's keys."""
    return json_document(issuer_ob3(services.get_public_issuer(issuer_id)), max_age=300)


@bp.route("/issuers/<issuer_id>/did.json")
def did_document_view(issuer_id: str):
    """The did:web DID document (did:web §3.2), for issuers that use one."""
    issuer = services.get_public_issuer(issuer_id)
    if not issuer.did_web:
        raise IssuerNotFound("This issuer has no did:web.")
    response = json_document(did_document(issuer), max_age=300)
    response.mimetype = "application/did+json"
    return response


@bp.route("/issuers/<issuer_id>/keys/<key_id>")
def key_document(issuer_id: str, key_id: str):
    return json_document(key_ob2(services.get_public_key(issuer_id, key_id)), max_age=300)
