"""Signing and verifying one OB 3.0 credential: Data Integrity next to Ed25519 and VC-JWT.

For two credentials in the shape Cairn issues (a DID recipient, whose changing values touch
no blank node, and a hashed-email recipient, whose salt and hash sit on a blank node), prints
the median time of each way to sign and verify, its ratio to one bare Ed25519 signature, and
the targets: Data Integrity sign <= 40x Ed25519 for any credential and <= 4x where no blank
node is touched by a changing value; verify of a never-seen credential <= 60x. The same
credentials are then issued and verified by Digital Bazaar's JavaScript libraries
(bench/js_sign.mjs, skipped when ../shared/interop is not set up).

    .venv/bin/python bench/sign.py [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from pyld import jsonld as pyld_jsonld

from credentials import dataintegrity, jsonld
from credentials.templates import CanonicalTemplate

HERE = Path(__file__).resolve().parent
INTEROP_HOME = Path(os.environ.get("CAIRN_INTEROP_HOME", Path.home() / ".cache" / "cairn-interop"))
CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
           "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
ISSUER = "https://badges.example.org/issuers/7f3c"
METHOD = f"{ISSUER}#key-1"
ID, VALID_FROM, VALID_UNTIL = ("urn:cairn:placeholder:credential-id",
                               "cairn:placeholder:valid-from", "cairn:placeholder:valid-until")
RECIPIENT, HASH, SALT = ("urn:cairn:placeholder:recipient", "cairn:placeholder:identity-hash",
                         "cairn:placeholder:salt")
STATUS_ID, STATUS_INDEX = "urn:cairn:placeholder:status-id", "cairn:placeholder:status-index"
EVIDENCE_ID, NARRATIVE = "urn:cairn:placeholder:evidence-id", "cairn:placeholder:narrative"
TARGETS = {"sign_any": 40, "sign_sound": 4, "verify": 60}


def credential(subject: dict, evidence: dict) -> dict:
    """An OpenBadgeCredential with everything credentials.md lists."""
    badge = f"{ISSUER}/badge-classes/teamwork"
    return {
        "@context": CONTEXT, "id": ID, "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Example Community College",
                   "url": "https://college.example.org", "email": "badges@college.example.org",
                   "image": {"id": f"{ISSUER}/image.png", "type": "Image"}},
        "validFrom": VALID_FROM, "validUntil": VALID_UNTIL, "name": "Teamwork",
        "credentialSubject": {**subject, "type": ["AchievementSubject"], "achievement": {
            "id": badge, "type": ["Achievement"], "name": "Teamwork",
            "description": "Collaborates effectively within a group environment.",
            "criteria": {"narrative": "Nominated by peers and reviewed by staff."},
            "image": {"id": f"{badge}/image.png", "type": "Image"}, "achievementType": "Badge"}},
        "credentialSchema": [{
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                  "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": {"id": STATUS_ID, "type": "BitstringStatusListEntry",
                             "statusPurpose": "revocation", "statusListIndex": STATUS_INDEX,
                             "statusListCredential": f"{ISSUER}/status/revocation"},
        "evidence": [{**evidence, "type": ["Evidence"], "name": "Project report",
                      "narrative": NARRATIVE}],
    }


SHAPES = {
    "DID recipient (sound template)": (
        credential({"id": RECIPIENT}, {"id": EVIDENCE_ID}),
        [ID, VALID_FROM, VALID_UNTIL, RECIPIENT, STATUS_ID, STATUS_INDEX, EVIDENCE_ID, NARRATIVE]),
    "email recipient (fallback template)": (
        credential({"identifier": [{"type": "IdentityObject", "identityHash": HASH,
                                    "identityType": "emailAddress", "hashed": True,
                                    "salt": SALT}]}, {}),
        [ID, VALID_FROM, VALID_UNTIL, HASH, SALT, STATUS_ID, STATUS_INDEX, NARRATIVE]),
}


def random_values(placeholders: list[str]) -> dict[str, str]:
    index = str(secrets.randbelow(131072))
    salt = secrets.token_hex(16)
    generated = {
        ID: f"urn:uuid:{secrets.token_hex(16)}", VALID_FROM: "2025-03-01T12:00:00Z",
        VALID_UNTIL: "2028-03-01T12:00:00Z", RECIPIENT: f"did:example:{secrets.token_hex(12)}",
        SALT: salt, HASH: "sha256$" + hashlib.sha256(f"a@b.example{salt}".encode()).hexdigest(),
        STATUS_ID: f"{ISSUER}/status/revocation#{index}", STATUS_INDEX: index,
        EVIDENCE_ID: f"{ISSUER}/evidence/{secrets.token_hex(6)}",
        NARRATIVE: f"Led the \"{secrets.token_hex(3)}\" project\nwith three others.",
    }
    return {p: generated[p] for p in placeholders}


def median_us(operation: Callable[[], object], n: int, prepare: Callable[[], object] | None = None
              ) -> float:
    """Median wall time of `operation` (or of operation(prepared input)) in microseconds."""
    samples = []
    for _ in range(n):
        argument = prepare() if prepare else None
        start = time.perf_counter()
        operation(argument) if prepare else operation()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def naive_loader(url: str, options: object = None) -> dict:
    """A loader without PyLD's "static" tag, returning a newly parsed document each time."""
    path = Path(jsonld.__file__).parent / "contexts" / jsonld.CONTEXT_FILES[url]
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(path.read_text())}


def naive_sign(document: dict, key: Ed25519PrivateKey, created: datetime) -> dict:
    """eddsa-rdfc-2022 with PyLD's normalize as it comes: no context or template caching."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads",
               "documentLoader": naive_loader}
    proof = dataintegrity._proof_options(METHOD, created, "assertionMethod")
    config = {"@context": document["@context"], **proof}
    data = (hashlib.sha256(pyld_jsonld.normalize(config, options).encode()).digest()
            + hashlib.sha256(pyld_jsonld.normalize(document, options).encode()).digest())
    value = "z" + dataintegrity.base58btc_encode(key.sign(data))
    return {**document, "proof": [{**proof, "proofValue": value}]}


def jwt_payload(document: dict) -> dict:
    return {**document, "iss": ISSUER, "jti": document["id"], "nbf": 1740830400,
            "exp": 1835438400, **({"sub": s} if (s := document["credentialSubject"].get("id"))
                                  else {})}


class Report:
    def __init__(self, ed25519_us: float) -> None:
        self.ed25519_us = ed25519_us
        self.misses = 0

    def row(self, label: str, us: float, target: int | None = None) -> float:
        ratio = us / self.ed25519_us
        verdict = ""
        if target is not None:
            verdict = f"<= {target}x  " + ("PASS" if ratio <= target else "MISS")
            self.misses += ratio > target
        print(f"  {label:<46}{us:>10.1f} us {ratio:>8.1f}x   {verdict}")
        return us


def run_js(document: dict, n: int) -> dict | str:
    node = shutil.which("node")
    if node is None or not (INTEROP_HOME / "node_modules" / ".cairn-ok").exists():
        return "skipped: node or ../shared/interop/setup.sh missing"
    contexts = {url: str(Path(jsonld.__file__).parent / "contexts" / f)
                for url, f in jsonld.CONTEXT_FILES.items()}
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp, "credential.json"), Path(tmp, "contexts.json")]
        for path, content in zip(paths, (document, contexts), strict=True):
            path.write_text(json.dumps(content))
        run = subprocess.run([node, str(HERE / "js_sign.mjs"), "--credential", str(paths[0]),
                              "--contexts", str(paths[1]), "--n", str(n)],
                             capture_output=True, text=True, timeout=600)
    try:
        result = json.loads(run.stdout)
    except json.JSONDecodeError:
        return f"failed: {run.stderr.strip()[:300]}"
    return result if "error" not in result else f"failed: {result['error'][:300]}"


def bench_shape(name: str, document: dict, placeholders: list[str], report: Report,
                scale: int) -> None:
    key = Ed25519PrivateKey.generate()
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    created = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
    template = CanonicalTemplate(document, placeholders)
    values = random_values(placeholders)
    sample = template.fill(values)
    quads = jsonld.canonicalize(sample).splitlines()
    print(f"\n{name}: {len(quads)} quads, {sum('_:c14n' in q for q in quads)} with blank nodes"
          f", template sound={template.sound}")
    sign = dataintegrity.sign(sample, key, verification_method=METHOD, created=created)
    assert naive_sign(sample, key, created) == sign
    assert dataintegrity.sign_with_template(template, values, key, verification_method=METHOD,
                                            created=created) == sign

    def fresh() -> dict:
        return template.fill(random_values(placeholders))

    report.row("DI sign, naive PyLD (no caches)", median_us(
        lambda doc: naive_sign(doc, key, created), 20 * scale, fresh))
    general = report.row("DI sign, general path (cached contexts)", median_us(
        lambda doc: dataintegrity.sign(doc, key, verification_method=METHOD, created=created),
        100 * scale, fresh), TARGETS["sign_any"])
    templated = report.row("DI sign, template", median_us(
        lambda vals: dataintegrity.sign_with_template(template, vals, key,
                                                      verification_method=METHOD,
                                                      created=created),
        500 * scale, lambda: random_values(placeholders)),
        TARGETS["sign_sound"] if template.sound else TARGETS["sign_any"])
    payload = jwt_payload(sample)
    report.row("VC-JWT sign EdDSA (PyJWT)", median_us(
        lambda: jwt.encode(payload, key, algorithm="EdDSA"), 500 * scale))
    report.row("VC-JWT sign RS256 (PyJWT)", median_us(
        lambda: jwt.encode(payload, rsa, algorithm="RS256"), 100 * scale))

    unseen = iter([dataintegrity.sign_with_template(
        template, random_values(placeholders), key, verification_method=METHOD,
        created=created) for _ in range(100 * scale)])
    public = key.public_key()
    verified = report.row("DI verify, never-seen credential", median_us(
        lambda doc: _check(dataintegrity.verify(doc, public)), 100 * scale,
        lambda: next(unseen)), TARGETS["verify"])
    tokens = {alg: jwt.encode(payload, k, algorithm=alg) for alg, k in
              (("EdDSA", key), ("RS256", rsa))}
    for alg, public_jwt in (("EdDSA", public), ("RS256", rsa.public_key())):
        report.row(f"VC-JWT verify {alg} (PyJWT)", median_us(
            lambda a=alg, p=public_jwt: jwt.decode(tokens[a], p, algorithms=[a],
                                                   options={"verify_exp": False}),
            500 * scale))
    _js_rows(report, sample, scale, {"DI sign, general path": general,
                                     "DI sign, template": templated}, verified)


def _check(results: list[dataintegrity.ProofCheck]) -> None:
    if not all(r.ok for r in results):
        raise AssertionError(results)


def _js_rows(report: Report, document: dict, scale: int, python_signs: dict[str, float],
             python_verify: float) -> None:
    js = run_js(document, 100 * scale)
    if isinstance(js, str):
        print(f"  Digital Bazaar (JavaScript): {js}")
        return
    issue = report.row(f"JS vc.issue (Node {js['node']})", js["issue_median_us"])
    verify = report.row("JS vc.verifyCredential", js["verify_median_us"])
    for label, us in python_signs.items():
        print(f"  Python {label} / JS issue: {us / issue:.2f}")
    print(f"  Python DI verify / JS verify: {python_verify / verify:.2f}   ({js['note']})")


def ed25519_floor(n: int) -> Iterator[float]:
    key = Ed25519PrivateKey.generate()
    message = secrets.token_bytes(64)
    while True:
        yield median_us(lambda: key.sign(message), n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    scale = 1 if parser.parse_args().quick else 4
    floor = ed25519_floor(5000 * scale)
    print(f"Python {sys.version.split()[0]}, PyLD {version('PyLD')}, cryptography "
          f"{version('cryptography')}, PyJWT {version('PyJWT')}; {os.cpu_count()} CPUs; median "
          "times, ratio = time / one bare Ed25519 signature")
    misses = 0
    for name, (document, placeholders) in SHAPES.items():
        report = Report(next(floor))
        print(f"\nbare Ed25519 sign (64-byte message): {report.ed25519_us:.1f} us")
        bench_shape(name, document, placeholders, report, scale)
        misses += report.misses
    print(f"\n{'all targets met' if not misses else f'{misses} target(s) missed'}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
