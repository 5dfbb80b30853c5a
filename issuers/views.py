"""API views for issuers, their staff and keys: parse, call one service, render."""

from __future__ import annotations

from cairn.auth import current_actor
from cairn.http import Blueprint, PageArgs, decode_cursor, page, page_limit
from issuers import services
from issuers.schemas import (
    IssuerIn,
    IssuerOut,
    IssuerPage,
    IssuerPatch,
    KeyIn,
    KeyOut,
    MemberIn,
    MemberOut,
)

bp = Blueprint("issuers", __name__, url_prefix="/api/v1/issuers",
               description="Issuers: profiles, staff and signing keys.")


@bp.route("", methods=["POST"])
@bp.arguments(IssuerIn)
@bp.response(201, IssuerOut)
def create_issuer(profile):
    return services.create_issuer(current_actor(), profile)


@bp.route("", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, IssuerPage)
def list_issuers(args):
    limit = page_limit(args["limit"])
    after = (decode_cursor(args["cursor"]) or {}).get("after")
    issuers = services.list_issuers(current_actor(), limit=limit, after=after)
    return page(issuers, limit, lambda issuer: {"after": issuer.id})


@bp.route("/<issuer_id>", methods=["GET"])
@bp.response(200, IssuerOut)
def get_issuer(issuer_id):
    return services.get_issuer(current_actor(), issuer_id)


@bp.route("/<issuer_id>", methods=["PATCH"])
@bp.arguments(IssuerPatch(partial=True))
@bp.response(200, IssuerOut)
def update_issuer(changes, issuer_id):
    return services.update_issuer(current_actor(), issuer_id, changes)


@bp.route("/<issuer_id>/members", methods=["GET"])
@bp.response(200, MemberOut(many=True))
def list_members(issuer_id):
    return services.list_members(current_actor(), issuer_id)


@bp.route("/<issuer_id>/members", methods=["POST"])
@bp.arguments(MemberIn)
@bp.response(200, MemberOut)
def set_member(member, issuer_id):
    return services.set_member(current_actor(), issuer_id, email=member["email"],
                               role=member["role"])


@bp.route("/<issuer_id>/keys", methods=["GET"])
@bp.response(200, KeyOut(many=True))
def list_keys(issuer_id):
    return services.list_keys(current_actor(), issuer_id)


@bp.route("/<issuer_id>/keys", methods=["POST"])
@bp.arguments(KeyIn)
@bp.response(201, KeyOut)
def create_key(args, issuer_id):
    return services.create_key(current_actor(), issuer_id, key_type=args["type"])


@bp.route("/<issuer_id>/keys/<key_id>/retire", methods=["POST"])
@bp.response(200, KeyOut)
def retire_key(issuer_id, key_id):
    return services.retire_key(current_actor(), issuer_id, key_id)
