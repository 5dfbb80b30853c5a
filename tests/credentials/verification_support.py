"""Shared fixtures for the verifier tests: a fixture fetcher, the 1EdTech examples and
the documents their issuers would serve, and small signed credentials."""

import base64
import json
import pathlib
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ed25519

from credentials import bitstring, dataintegrity, ob3
from credentials.fetch import FetchError

SPEC = pathlib.Path(__file__).resolve().parents[3] / "shared" / "spec"
EXAMPLES = SPEC / "examples" / "ob_v3p0"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STATUS_LIST_URL = ("https://raw.githubusercontent.com/1EdTech/digital-credentials-public-"
                   "validator/refs/heads/main/inspector-vc/src/test/resources/ob30/"
                   "bit-string-list/testlist")
SIGNED_EXAMPLES = ["validator-simple.json", "validator-complete.json",
                   "validator-endorsement-valid.json", "validator-simple-did-key-method.json",
                   "validator-bitstring-credential-status-revoked.json",
                   "validator-bitstring-statuslist-credential.json"]


class FixtureFetcher:
    """Serves JSON documents (optionally with a status) and raw bodies; refuses the rest."""

    def __init__(self, documents=None, bodies=None):
        self.documents = dict(documents or {})
        self.bodies = dict(bodies or {})
        self.fetched = []

    def json(self, url):
        self.fetched.append(url)
        if url not in self.documents:
            raise FetchError(f"no fixture for {url}")
        value = self.documents[url]
        return value if isinstance(value, tuple) else (200, value)

    def bytes(self, url):
        self.fetched.append(url)
        if url in self.bodies:
            return self.bodies[url]
        if url in self.documents:
            return json.dumps(self.json(url)[1]).encode()
        raise FetchError(f"no fixture for {url}")


def example(name):
    return json.loads((EXAMPLES / name).read_text())


def controller_document(controller, keys):
    """An issuer's controller document, as ../shared/interop/lib/selftest.mjs generates it
    for the examples: one Multikey per key, the key being the VM's fragment."""
    methods = [{"id": f"{controller}#{key}", "type": "Multikey", "controller": controller,
                "publicKeyMultibase": key} for key in keys]
    return {"@context": ["https://www.w3.org/ns/cid/v1", "https://w3id.org/security/multikey/v1"],
            "id": controller, "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


def example_fixtures(*, status_list=True, revoked_ids=()):
    keys = {}
    for name in SIGNED_EXAMPLES:
        for proof in dataintegrity.proofs_of(example(name)):
            controller, _, key = proof["verificationMethod"].partition("#")
            if key:
                keys.setdefault(controller, set()).add(key)
    documents = {c: controller_document(c, sorted(k)) for c, k in keys.items()}
    if status_list:
        documents[STATUS_LIST_URL] = example("validator-bitstring-statuslist-credential.json")
    revocations = "https://1edtech.edu/credentials/3732/revocations"
    documents[revocations] = {"id": revocations, "issuer": "https://1edtech.edu/issuers/565049",
                              "revokedCredentials": [{"id": i, "revocationReason": "Error"}
                                                     for i in revoked_ids]}
    return FixtureFetcher(documents)


def checks(report):
    return {check.name: check for check in report.checks}


def failed(report):
    return {check.name for check in report.checks if not check.ok}


# ---------------------------------------------------------------- the 1EdTech examples


def new_did_key():
    key = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(key.public_key())
    return key, f"did:key:{fingerprint}", f"did:key:{fingerprint}#{fingerprint}"


def signed_with(credential, key, method, **changes):
    return dataintegrity.sign({**credential, **changes}, key, verification_method=method,
                              created=NOW)


def basic_credential(issuer_id, **changes):
    credential = example("spec-basic-openbadgecredential.json")
    credential["issuer"]["id"] = issuer_id
    return {**credential, **changes}


def status_list_for(issuer_id, key, method, *, purpose, set_bits=(), url):
    bits = bitstring.empty()
    for index in set_bits:
        bits = bitstring.with_bit(bits, index, True)
    document = ob3.status_list_credential(id=url, issuer=issuer_id, purpose=purpose,
                                          encoded_list=bitstring.encode(bits), valid_from=NOW)
    return dataintegrity.sign(document, key, verification_method=method, created=NOW)


LIST_URL = "https://issuer.example/status/1"


def with_status(purpose, *, set_bits=(), index=7, list_issuer=None, list_key=None):
    key, did, method = new_did_key()
    list_key = list_key or (key, method)
    status_list = status_list_for(list_issuer or did, *list_key, purpose=purpose,
                               set_bits=set_bits, url=LIST_URL)
    entry = ob3.bitstring_status_entry(list_url=LIST_URL, index=index, purpose=purpose)
    signed = signed_with(basic_credential(did, credentialStatus=entry), key, method)
    return signed, FixtureFetcher({LIST_URL: status_list})

OB2 = "https://w3id.org/openbadges/v2"

def b64url(value):
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
