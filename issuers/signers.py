"""The keys that sign for an issuer now, kept per process while the issuer is unchanged.

An award reads its issuer anyway (with the badge class), and every change to an issuer's
keys (one added on first use or by rotation, one retired) touches the issuer's
`updated_at` in the same transaction (issuers/services.py). So (issuer id, updated_at)
names one set of live keys for good, and a process that has seen it needs no query for
the keys: a retirement shows in the issuer row of the next award. What is kept is what
signing needs, not the session's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from cairn.kept import Kept
from issuers.models import Issuer, KeyType
from issuers.services import signing_keys

MAX_ISSUERS = 512


@dataclass(frozen=True)
class Signer:
    id: int
    public_id: str
    type: KeyType
    private_encrypted: str


_KEPT: Kept[dict[KeyType, Signer]] = Kept(MAX_ISSUERS)


def current_signers(issuer: Issuer) -> dict[KeyType, Signer]:
    """One signer per key type, as `signing_keys` would give (and making a missing key
    the same way, in the caller's transaction: that touches the issuer, so the keys are
    then kept under the new version, never under the one read)."""
    kept = _KEPT.get((issuer.id, issuer.updated_at))
    if kept is not None:
        return kept
    signers = {key_type: Signer(key.id, key.public_id, key.type, key.private_encrypted)
               for key_type, key in signing_keys(issuer).items()}
    _KEPT.put((issuer.id, issuer.updated_at), signers)
    return signers
