"""Cairn's verifier accepts credentials that Digital Bazaar's JavaScript libraries signed
with a key Cairn never saw (a fresh did:key), and rejects them once changed."""

import json
import os
import pathlib
import subprocess
from datetime import UTC, datetime

import pytest

from credentials.fetch import FetchError
from credentials.verification import verify_badge
from tests.interop.conftest import HOME, needs_node_verifiers

pytestmark = [needs_node_verifiers, pytest.mark.interop]

SIGN = pathlib.Path(__file__).with_name("sign_with_js.mjs")
EXAMPLES = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "examples" \
    / "ob_v3p0"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def sign_with_js(credential: dict, *options: str) -> dict:
    process = subprocess.run(["node", str(SIGN), *options, "-"], input=json.dumps(credential),
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "CAIRN_INTEROP_HOME": str(HOME)})
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


class Fixtures:
    """Serves the 1EdTech revocation lists the spec examples point at; nothing else."""

    def __init__(self, documents=None):
        self.documents = documents or {}

    def json(self, url):
        if url in self.documents:
            return 200, self.documents[url]
        raise FetchError(f"no fixture for {url}")

    def bytes(self, url):
        raise FetchError(f"no fixture for {url}")


def _revocation_lists(credential: dict) -> dict:
    status = credential.get("credentialStatus")
    if isinstance(status, dict) and status.get("type") == "1EdTechRevocationList":
        return {status["id"]: {"id": status["id"], "revokedCredentials": []}}
    return {}


def checks(report):
    return {check.name: check for check in report.checks}


@pytest.mark.parametrize("example", ["spec-basic-openbadgecredential.json",
                                     "spec-complete-openbadgecredential.json",
                                     "spec-achievement-alignment-case.json",
                                     "spec-skill-assertion-case.json",
                                     "spec-endorsementcredential.json"])
def test_credential_signed_by_digital_bazaar_verifies(example):
    unsigned = json.loads((EXAMPLES / example).read_text())
    signed = sign_with_js(unsigned)
    assert signed["issuer"]["id"].startswith("did:key:z6Mk")
    report = verify_badge(credential=signed, fetcher=Fixtures(_revocation_lists(signed)),
                          now=NOW)
    assert report.valid, report.to_dict()["checks"]
    assert report.format == "ob3-di"
    assert "eddsa-rdfc-2022 signature verified" in checks(report)["proof"].detail
    assert any("single object" in w for w in report.warnings)  # vc.issue writes one proof


def test_changed_js_credential_fails():
    signed = sign_with_js(json.loads((EXAMPLES / "spec-basic-openbadgecredential.json")
                                     .read_text()))
    for change in ("name", "validFrom"):
        tampered = json.loads(json.dumps(signed))
        value = tampered[change]
        tampered[change] = value[:-2] + ("1" if value[-2] != "1" else "2") + value[-1]
        report = verify_badge(credential=tampered, fetcher=Fixtures(), now=NOW)
        assert not report.valid and not checks(report)["proof"].ok, change


def test_js_key_not_bound_to_a_foreign_issuer():
    unsigned = json.loads((EXAMPLES / "spec-basic-openbadgecredential.json").read_text())
    signed = sign_with_js(unsigned, "--keep-issuer")
    report = verify_badge(credential=signed, fetcher=Fixtures(), now=NOW)
    assert checks(report)["proof"].ok
    assert not checks(report)["key_binding"].ok and not report.valid
    assert "not by the issuer https://example.com/issuers/876543" in checks(
        report)["key_binding"].detail
