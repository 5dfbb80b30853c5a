"""Revocation and suspension as the world sees them: the issuer's W3C Bitstring Status
Lists and its 1EdTech Revocation List (design in docs/credentials.md).

Every award gets one random, never reused index, the same in the revocation and the
suspension list of its group. Its credential carries one status entry: a bitstring
entry (purpose `suspension` for suspendable badge classes, else `revocation`), or the
1EdTech list, as the issuer chose. Every list is kept in step with every change.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from badges.documents import credential_url
from badges.models import Assertion, StatusList
from cairn.db import db, execute_core, transaction, utcnow
from cairn.keyring import derived_key
from cairn.urls import public_url
from credentials import bitstring, dataintegrity, ob3
from issuers.documents import issuer_ob3_id, verification_method_id
from issuers.models import Issuer, KeyType, StatusMethod
from issuers.services import private_key, signing_key

GROUP_SIZE = bitstring.MIN_ENTRIES // 2  # a group is half full at most: random picks stay cheap
PURPOSES = ("revocation", "suspension")


def status_list_url(issuer_public_id: str, purpose: str, group: int) -> str:
    return public_url(f"/issuers/{issuer_public_id}/status/{purpose}-{group}")


def revocation_list_url(issuer_public_id: str) -> str:
    return public_url(f"/issuers/{issuer_public_id}/status/1edtech-revocations")


def allocate_status(assertion: Assertion) -> None:
    allocate_statuses([assertion])


def allocate_statuses(assertions: list[Assertion]) -> None:
    """Give each award (all of one issuer) its status entry and index, in the caller's
    transaction.

    Positions come from the issuer's counter (an atomic UPDATE, so concurrent awards never
    share one) and become indexes through a keyed permutation per group
    (`bitstring.shuffled_index`): random to the world, never reused, and found without a
    search. Where an earlier SECRET_KEY placed entries too (the issuer's `status_secret`
    says so), indexes are checked against existing awards; a clash takes the next position.
    """
    if not assertions:
        return
    issuer = assertions[0].issuer
    for assertion in assertions:
        assertion.credential_status = _entry_kind(assertion)
    pending = list(assertions)
    while pending:
        pending = _place(issuer, pending)


def _entry_kind(assertion: Assertion) -> str:
    if assertion.issuer.status_method is StatusMethod.revocation_list:
        return "1edtech"
    return "suspension" if assertion.badge_class.suspendable else "revocation"


def _place(issuer: Issuer, assertions: list[Assertion]) -> list[Assertion]:
    """Index the awards at the issuer's next positions; returns those whose index clashed."""
    secret = _secret_fingerprint()
    end, placed_by = execute_core(_take_positions(), {
        "issuer_id": issuer.id, "count": len(assertions), "secret": secret}).one()
    by_group: dict[int, list[Assertion]] = {}
    for position, assertion in enumerate(assertions, start=end - len(assertions)):
        group, offset = divmod(position, GROUP_SIZE)
        assertion.status_group = group
        assertion.status_index = bitstring.shuffled_index(_group_key(issuer, group), offset)
        by_group.setdefault(group, []).append(assertion)
        if offset == 0:  # the group's first award opens its lists
            _ensure_lists(issuer, group)
    if placed_by == secret:  # one permutation placed every entry: no index can repeat
        return []
    clashes: list[Assertion] = []
    for group, members in by_group.items():
        taken = set(db.session.scalars(sa.select(Assertion.status_index).where(
            Assertion.issuer_id == issuer.id, Assertion.status_group == group,
            Assertion.status_index.in_([member.status_index for member in members]))))
        clashes += [member for member in members if member.status_index in taken]
    return clashes


@functools.cache
def _take_positions() -> sa.Update:
    """The issuer's next positions, and which secret placed all of its entries (None once
    two did). A Core statement built once: every award runs it."""
    issuers = Issuer.__table__
    secret = sa.bindparam("secret")
    return (sa.update(issuers).where(issuers.c.id == sa.bindparam("issuer_id")).values(
        status_entries=issuers.c.status_entries + sa.bindparam("count"),
        status_secret=sa.case((issuers.c.status_entries == 0, secret),
                              (issuers.c.status_secret == secret, secret), else_=None),
        updated_at=issuers.c.updated_at)  # not an edit: the issuer's caches stay valid
        .returning(issuers.c.status_entries, issuers.c.status_secret))


def _secret_fingerprint() -> str:
    return derived_key("status list secret fingerprint")[:16].hex()


def _group_key(issuer: Issuer, group: int) -> bytes:
    return derived_key(f"status list positions {issuer.public_id} {group}")


def _ensure_lists(issuer: Issuer, group: int) -> None:
    """Sign a group's lists with its first award, not on the first request for them: a
    verifier that already fetched the issuer's keys must find the key a list is signed
    with (a key made lazily on a GET would be missing from its copy)."""
    existing = set(db.session.scalars(sa.select(StatusList.purpose).where(
        StatusList.issuer_id == issuer.id, StatusList.group == group)))
    for purpose in PURPOSES:
        if purpose not in existing:
            status_list = _list_for_update(issuer, purpose, group)
            status_list.credential = json.dumps(_signed_list(status_list),
                                                separators=(",", ":"))


def status_entry(assertion: Assertion) -> dict[str, Any]:
    issuer_id = assertion.issuer.public_id
    if assertion.credential_status == "1edtech":
        return ob3.revocation_list_status_entry(revocation_list_url(issuer_id))
    purpose = assertion.credential_status
    return ob3.bitstring_status_entry(
        list_url=status_list_url(issuer_id, purpose, assertion.status_group),
        index=assertion.status_index, purpose=purpose)


def _list_for_update(issuer: Issuer, purpose: str, group: int) -> StatusList:
    """The list row, locked until the transaction ends (created on first need), so that
    concurrent changes to one list queue up instead of losing a bit."""
    query = sa.select(StatusList).where(StatusList.issuer_id == issuer.id,
                                        StatusList.purpose == purpose, StatusList.group == group)
    found = db.session.scalar(query.with_for_update())
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            db.session.add(StatusList(issuer=issuer, purpose=purpose, group=group,
                                      bits=bitstring.empty()))
    except IntegrityError:
        pass
    return db.session.scalar(query.with_for_update())


def set_status(assertion: Assertion, purpose: str, value: bool) -> None:
    """Flip the award's bit in one list and re-sign that list (joins the caller's
    transaction)."""
    status_list = _list_for_update(assertion.issuer, purpose, assertion.status_group)
    status_list.bits = bitstring.with_bit(status_list.bits, assertion.status_index, value)
    status_list.credential = json.dumps(_signed_list(status_list), separators=(",", ":"))


def _signed_list(status_list: StatusList) -> dict[str, Any]:
    issuer = status_list.issuer
    key = signing_key(issuer, KeyType.ed25519)
    document = ob3.status_list_credential(
        id=status_list_url(issuer.public_id, status_list.purpose, status_list.group),
        issuer=issuer_ob3_id(issuer), purpose=status_list.purpose,
        encoded_list=bitstring.encode(status_list.bits), valid_from=utcnow())
    return dataintegrity.sign(document, private_key(key), created=utcnow(),
                              verification_method=verification_method_id(issuer, key))


def status_list_credential(issuer: Issuer, purpose: str, group: int) -> dict[str, Any]:
    """The signed list, made and stored on first request if no bit has changed yet."""
    stored = db.session.scalar(sa.select(StatusList.credential).where(
        StatusList.issuer_id == issuer.id, StatusList.purpose == purpose,
        StatusList.group == group))
    if stored:
        return json.loads(stored)
    with transaction():
        status_list = _list_for_update(issuer, purpose, group)
        if not status_list.credential:
            status_list.credential = json.dumps(_signed_list(status_list),
                                                separators=(",", ":"))
    return json.loads(status_list.credential)


def revocation_list_document(issuer: Issuer) -> dict[str, Any]:
    """The 1EdTech Revocation List: the credential id of each revoked award."""
    rows = db.session.execute(sa.select(Assertion.public_id, Assertion.revocation_reason).where(
        Assertion.issuer_id == issuer.id, Assertion.revoked_at.is_not(None))
        .order_by(Assertion.id))
    return ob3.revocation_list(
        id=revocation_list_url(issuer.public_id), issuer=issuer_ob3_id(issuer),
        revoked=[(credential_url(public_id), reason) for public_id, reason in rows])
