"""An award's JWS-encoded forms, made on the first request for one and stored from then on:
the OB 2.0 signed assertion (RS256) and the OB 3.0 credential as VC-JWT (RS256, EdDSA).

Each encodes what was fixed when the badge was awarded: the assertion's own fields, and the
Data Integrity credential signed and stored then (badges/credentials.py). RSASSA-PKCS1-v1_5
and Ed25519 signatures are deterministic, so a form made on first request holds exactly
the bytes signing at award time would have made with the same key, while an award is spared
two RSA-2048 signatures (the largest part of its cost, and of a pathway engine's). Once
stored a form never changes; two first requests at once store one of them (the UPDATE only
writes forms still missing) and both answer the stored one.

A key retired between the award and the first request no longer signs (issue 3: a retired
key verifies, never signs): the key the issuer signs with now makes the form, and the
signed assertion names it, so verifiers fetch the right one.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from badges.documents import signed_assertion_ob2
from badges.models import Assertion
from cairn.db import db, transaction
from credentials import vcjwt
from credentials.jws import sign_jws
from issuers.documents import verification_method_id
from issuers.models import KeyType, SigningKey
from issuers.services import private_key, signing_keys

FORMS = ("signed_jws", "credential_jwt", "credential_jwt_eddsa")


def signed_jws(assertion: Assertion) -> str:
    """The OB 2.0 signed assertion (compact JWS)."""
    return _completed(assertion).signed_jws


def credential_jwt(assertion: Assertion, *, algorithm: str = "RS256") -> str:
    """The OB 3.0 credential as a VC-JWT, RS256 or EdDSA."""
    completed = _completed(assertion)
    return completed.credential_jwt_eddsa if algorithm == "EdDSA" else completed.credential_jwt


def _completed(assertion: Assertion) -> Assertion:
    if assertion.signed_jws is None:
        _complete(assertion)
    return assertion


def _complete(assertion: Assertion) -> None:
    with transaction():
        keys = signing_keys(assertion.issuer)
        forms = _sign(assertion, keys[KeyType.rsa], keys[KeyType.ed25519])
        db.session.execute(
            sa.update(Assertion).where(Assertion.id == assertion.id,
                                       Assertion.signed_jws.is_(None))
            .values(**forms, signing_key_id=keys[KeyType.rsa].id)
            .execution_options(synchronize_session=False))
    db.session.expire(assertion, [*FORMS, "signing_key_id", "signing_key"])


def _sign(assertion: Assertion, rsa_key: SigningKey, ed_key: SigningKey) -> dict[str, str]:
    issuer = assertion.issuer
    payload = signed_assertion_ob2(assertion, key_public_id=rsa_key.public_id,
                                   uuid_urn=assertion.signed_id)
    credential = json.loads(assertion.credential)
    return {
        "signed_jws": sign_jws(payload, private_key(rsa_key)),
        "credential_jwt": vcjwt.encode(credential, private_key(rsa_key), algorithm="RS256",
                                       kid=verification_method_id(issuer, rsa_key)),
        "credential_jwt_eddsa": vcjwt.encode(credential, private_key(ed_key),
                                             algorithm="EdDSA",
                                             kid=verification_method_id(issuer, ed_key)),
    }
