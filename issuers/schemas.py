from __future__ import annotations

import marshmallow as ma

from cairn.http import PageArgs, PageOut
from cairn.urls import public_url
from issuers.models import KeyType, Role, StatusMethod

URL = ma.fields.Url(schemes={"http", "https"}, required=True,
                    metadata={"description": "The issuer's home page."})


class IssuerIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    url = URL
    email = ma.fields.Email(load_default=None, allow_none=True)
    description = ma.fields.String(load_default=None, allow_none=True,
                                   validate=ma.validate.Length(max=5000))
    status_method = ma.fields.Enum(StatusMethod, by_value=True, metadata={
        "description": "The credentialStatus of new OB 3.0 credentials: `bitstring` (W3C "
                       "Bitstring Status List, default) or `1edtech` (1EdTechRevocationList)."})
    did_web = ma.fields.Boolean(metadata={
        "description": "Use did:web as the OB 3.0 issuer id (Cairn must run on HTTPS)."})


class IssuerPatch(IssuerIn):
    """Used as `IssuerPatch(partial=True)`: only the fields given change."""


class IssuerOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    name = ma.fields.String()
    url = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    status_method = ma.fields.Enum(StatusMethod, by_value=True)
    did_web = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    public_url = ma.fields.Function(lambda issuer: public_url(f"/issuers/{issuer.public_id}"))
    ob3_url = ma.fields.Function(lambda issuer: public_url(f"/issuers/{issuer.public_id}/ob3"))


class IssuerPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(IssuerOut))


class MemberIn(ma.Schema):
    email = ma.fields.Email(required=True)
    role = ma.fields.Enum(Role, required=True)


class MemberOut(ma.Schema):
    email = ma.fields.String(attribute="user.email")
    role = ma.fields.Enum(Role)
    since = ma.fields.AwareDateTime(attribute="created_at")


class KeyIn(ma.Schema):
    type = ma.fields.Enum(KeyType, required=True)


class KeyOut(ma.Schema):
    """Public parts only: a private key never leaves the services."""

    id = ma.fields.String(attribute="public_id")
    type = ma.fields.Enum(KeyType)
    public_key_pem = ma.fields.String(attribute="public_pem")
    created_at = ma.fields.AwareDateTime()
    retired_at = ma.fields.AwareDateTime(allow_none=True)
    public_url = ma.fields.Function(
        lambda key: public_url(f"/issuers/{key.issuer.public_id}/keys/{key.public_id}"))


__all__ = ["IssuerIn", "IssuerOut", "IssuerPage", "IssuerPatch", "KeyIn", "KeyOut",
           "MemberIn", "MemberOut", "PageArgs"]
