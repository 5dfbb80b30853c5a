"""Data Integrity proofs of a credential (eddsa-rdfc-2022, credentials/dataintegrity.py)
and the binding of each proof's key to the credential's issuer (keys.py). Used for the
credential itself and for the status list credentials it points at.

Every proof of a proof set must verify (Data Integrity 1.0 section 4.5 verifies each), and
every key must be the issuer's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from credentials.dataintegrity import CRYPTOSUITE, PROOF_TYPE, proofs_of, verify_proof
from credentials.verification import keys
from credentials.verification.fetcher import Session
from credentials.verification.report import id_of


@dataclass
class ProofOutcome:
    proof_ok: bool = True
    binding_ok: bool = True
    proof_details: list[str] = field(default_factory=list)
    binding_details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def proof(self, ok: bool, detail: str) -> None:
        self.proof_ok = self.proof_ok and ok
        self.proof_details.append(detail)

    def binding(self, ok: bool, detail: str) -> None:
        self.binding_ok = self.binding_ok and ok
        self.binding_details.append(detail)

    @property
    def proof_detail(self) -> str:
        return "; ".join(self.proof_details)

    @property
    def binding_detail(self) -> str:
        return "; ".join(self.binding_details)


def _check_one(document: Mapping[str, Any], proof: Any, issuer_id: str | None,
               session: Session, outcome: ProofOutcome) -> None:
    if not isinstance(proof, Mapping):
        outcome.proof(False, "a proof must be a JSON object")
        outcome.binding(False, "a malformed proof names no key")
        return
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        outcome.proof(False, f"unsupported proof: type {proof.get('type')!r}, cryptosuite "
                             f"{proof.get('cryptosuite')!r} (Cairn checks {PROOF_TYPE} with "
                             f"{CRYPTOSUITE})")
        outcome.binding(False, "the key of an unsupported proof was not checked")
        return
    method_id = proof.get("verificationMethod")
    try:
        method = keys.dereference(method_id, session)
        public_key = keys.ed25519_key(method)
    except keys.KeyProblem as error:
        outcome.proof(False, f"cannot get the key {method_id}: {error}")
        outcome.binding(False, f"the key {method_id} could not be dereferenced")
        return
    if method.bare_did:
        outcome.warnings.append(
            f"verificationMethod {method_id} is a bare DID, not a verification method id; it "
            f"was read as the DID's only key {method.id}")
    result = verify_proof(document, proof, public_key)
    outcome.warnings.extend(result.warnings)
    if result.ok and proof.get("proofPurpose") != "assertionMethod":
        outcome.proof(False, f"proofPurpose is {proof.get('proofPurpose')!r}; a credential is "
                             "signed for assertionMethod")
    else:
        outcome.proof(result.ok, f"{result.detail} ({method_id})" if result.ok
                      else result.detail)
    problem = keys.binding_problem(method, issuer_id, session)
    outcome.binding(problem is None, problem or (
        f"{method.id} is the issuer's key, listed under assertionMethod in {issuer_id}"))


def check_proofs(document: Mapping[str, Any], session: Session) -> ProofOutcome:
    """Verify every Data Integrity proof of `document` and bind each key to its issuer."""
    outcome = ProofOutcome()
    proofs = proofs_of(document)
    if not proofs:
        outcome.proof(False, "the credential has no proof")
        outcome.binding(False, "without a proof there is no key to bind to the issuer")
        return outcome
    issuer_id = id_of(document.get("issuer"))
    for proof in proofs:
        _check_one(document, proof, issuer_id, session, outcome)
    return outcome
