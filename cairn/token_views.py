"""API tokens of the person acting: create (the secret is shown once), list, revoke."""

from __future__ import annotations

import marshmallow as ma

from cairn import users
from cairn.auth import current_actor, issue_token_for
from cairn.http import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens",
               description="API tokens (the secret is shown once, on creation).")


class TokenIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    scopes = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(users.SCOPES)),
                            required=True, validate=ma.validate.Length(min=1))
    issuer = ma.fields.String(load_default=None, metadata={
        "description": "Limit the token to this issuer's data."})


class TokenOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    name = ma.fields.String()
    scopes = ma.fields.List(ma.fields.String())
    issuer = ma.fields.String(attribute="issuer_public_id", allow_none=True)
    created_at = ma.fields.AwareDateTime()


class NewTokenOut(ma.Schema):
    """A new token and its secret, as {"record": ApiToken, "secret": str}."""

    id = ma.fields.String(attribute="record.public_id")
    name = ma.fields.String(attribute="record.name")
    scopes = ma.fields.List(ma.fields.String(), attribute="record.scopes")
    issuer = ma.fields.String(attribute="record.issuer_public_id", allow_none=True)
    created_at = ma.fields.AwareDateTime(attribute="record.created_at")
    token = ma.fields.String(attribute="secret",
                             metadata={"description": "The secret; it is never shown again."})


@bp.route("", methods=["POST"])
@bp.arguments(TokenIn)
@bp.response(201, NewTokenOut)
def create_token(args):
    token, secret = issue_token_for(current_actor(), name=args["name"], scopes=args["scopes"],
                                    issuer_public_id=args["issuer"])
    return {"record": token, "secret": secret}


@bp.route("", methods=["GET"])
@bp.response(200, TokenOut(many=True))
def list_tokens():
    return users.list_tokens(current_actor().user_id)


@bp.route("/<token_id>", methods=["DELETE"])
@bp.response(204)
def revoke_token(token_id):
    users.revoke_token(current_actor().user_id, token_id)
