"""POST /api/v1/verify and the /verify page, against what the live server publishes: every
form of an award verifies, revocation and suspension show, recipients match, and broken,
tampered or refused badges give failed checks (not errors)."""

import base64
import io
import json
import re
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from credentials import dataintegrity, vcjwt
from credentials.baking import bake_png, bake_svg_ob3, read_png_text
from credentials.jws import sign_jws
from tests.conftest import SVG, data_uri


@pytest.fixture
def verifier(app, monkeypatch):
    """The live app's verifier may fetch from 127.0.0.1, without a rate limit in the way."""
    monkeypatch.setitem(app.config, "VERIFY_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "VERIFY_RATE_PER_MINUTE", 100_000)
    return app


def post_verify(client, **body):
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def post_file(client, content, name, **form):
    response = client.post("/api/v1/verify", data={"file": (io.BytesIO(content), name), **form},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def checks(result):
    return {check["name"]: check for check in result["checks"]}


def assert_valid(result, form):
    failed = [c for c in result["checks"] if not c["ok"]]
    assert result["valid"], failed
    assert result["format"] == form
    names = set(checks(result))
    assert {"format", "proof", "key_binding", "validity", "status"} <= names


def text_of(client, url):
    return client.get(url).get_data(as_text=True)


def bytes_of(client, url):
    return client.get(url).get_data()


def test_every_form_of_an_award_verifies(verifier, client, award):
    urls = award["urls"]
    assert_valid(post_verify(client, url=urls["ob2"]), "ob2-hosted")
    assert_valid(post_verify(client, credential=client.get(urls["ob2"]).get_json()),
                 "ob2-hosted")
    assert_valid(post_verify(client, credential=text_of(client, urls["ob2_jws"])), "ob2-signed")
    assert_valid(post_verify(client, url=urls["ob2_jws"]), "ob2-signed")
    assert_valid(post_verify(client, credential=client.get(urls["ob3"]).get_json()), "ob3-di")
    assert_valid(post_verify(client, url=urls["ob3"]), "ob3-di")
    for url in (urls["ob3_jwt"], urls["ob3_jwt"] + "?alg=EdDSA"):
        result = post_verify(client, credential=text_of(client, url))
        assert_valid(result, "ob3-jwt")
        assert checks(result)["jwt_claims"]["ok"]
    assert "EdDSA" in checks(post_verify(client, credential=text_of(
        client, urls["ob3_jwt"] + "?alg=EdDSA")))["proof"]["detail"]


@pytest.mark.parametrize("image", ["png", "svg"])
def test_every_baked_image_verifies(verifier, client, make_badge_class, make_award, image):
    badge_image = data_uri(SVG, "image/svg+xml") if image == "svg" else None
    award = make_award(badge_class_id=make_badge_class(image=badge_image)["id"])
    urls = award["urls"]
    cases = [("png", "ob2-hosted"), ("svg", "ob2-hosted"), ("png_signed", "ob2-signed"),
             ("svg_signed", "ob2-signed"), ("png_ob3", "ob3-di"), ("svg_ob3", "ob3-di")]
    for key, form in cases:
        name = "badge.png" if key.startswith("png") else "badge.svg"
        result = post_file(client, bytes_of(client, urls[key]), name)
        assert_valid(result, form)
        assert checks(result)["image"]["ok"]
        assert result["badge"]["name"] == "Partnership Certified"
    jwt_svg = bytes_of(client, urls["svg_ob3"] + "&form=signed")
    assert_valid(post_file(client, jwt_svg, "badge.svg"), "ob3-jwt")
    assert_valid(post_verify(client, url=urls["png_ob3"]), "ob3-di")


def assert_status_failed(result, word):
    status = checks(result)["status"]
    assert not result["valid"] and not status["ok"], result
    assert word in status["detail"], status


def test_revoked_award_reports_revoked_in_every_form(verifier, api, client, award):
    urls = award["urls"]
    saved = {"ob2": client.get(urls["ob2"]).get_json(), "ob3": client.get(urls["ob3"]).get_json(),
             **{key: text_of(client, urls[key]) for key in ("ob2_jws", "ob3_jwt")},
             **{key: bytes_of(client, urls[key]) for key in ("png", "png_signed", "png_ob3")}}
    response = api.post(f"/api/v1/assertions/{award['id']}/revoke", json={"reason": "Wrong person"})
    assert response.status_code == 200
    hosted = post_verify(client, url=urls["ob2"])
    assert_status_failed(hosted, "revoked")
    assert "Wrong person" in checks(hosted)["status"]["detail"]
    for key in ("ob2", "ob2_jws", "ob3", "ob3_jwt"):
        assert_status_failed(post_verify(client, credential=saved[key]), "revoked")
    for key in ("png", "png_signed", "png_ob3"):
        assert_status_failed(post_file(client, saved[key], "badge.png"), "revoked")
    assert_status_failed(post_verify(client, url=urls["ob3"]), "revoked")


def test_suspended_award_reports_suspended_and_resumes(verifier, api, client, make_badge_class,
                                                     make_award):
    award = make_award(badge_class_id=make_badge_class(suspendable=True)["id"])
    credential = client.get(award["urls"]["ob3"]).get_json()
    assert_valid(post_verify(client, credential=credential), "ob3-di")
    response = api.post(f"/api/v1/assertions/{award['id']}/suspend", json={"reason": "x"})
    assert response.status_code == 200, response.get_json()
    assert_status_failed(post_verify(client, credential=credential), "suspended")
    assert_status_failed(post_verify(client, credential=text_of(client, award["urls"]["ob3_jwt"])),
                         "suspended")
    api.post(f"/api/v1/assertions/{award['id']}/unsuspend")
    assert_valid(post_verify(client, credential=credential), "ob3-di")


@pytest.mark.parametrize("key", ["ob2", "ob2_jws", "ob3", "ob3_jwt"])
def test_recipient_match(verifier, client, award, key):
    url = award["urls"][key]
    credential = client.get(url).get_json() if key in ("ob2", "ob3") else text_of(client, url)
    for identity in ("ada@example.org", "Ada@Example.org"):
        result = post_verify(client, credential=credential,
                             recipient={"type": "email", "identity": identity})
        assert result["valid"] and checks(result)["recipient"]["ok"], result["checks"]
    result = post_verify(client, credential=credential,
                         recipient={"type": "email", "identity": "grace@example.org"})
    assert not result["valid"] and not checks(result)["recipient"]["ok"]
    assert "recipient" not in checks(post_verify(client, credential=credential))


def test_recipient_can_be_given_with_a_file(verifier, client, award):
    png = bytes_of(client, award["urls"]["png_ob3"])
    result = post_file(client, png, "badge.png",
                       recipient=json.dumps({"type": "email", "identity": "ada@example.org"}))
    assert result["valid"] and checks(result)["recipient"]["ok"]


def test_private_addresses_are_refused_unless_allowed(app, client, award, monkeypatch):
    """Cairn's own origin is always fetched (it verifies what it issued); any other private
    or loopback address is refused unless VERIFY_ALLOW_PRIVATE says otherwise."""
    monkeypatch.setitem(app.config, "VERIFY_ALLOW_PRIVATE", False)
    monkeypatch.setitem(app.config, "VERIFY_RATE_PER_MINUTE", 100_000)
    assert post_verify(client, url=award["urls"]["ob3"])["valid"] is True
    elsewhere = award["urls"]["ob3"].replace("127.0.0.1", "localhost")
    result = post_verify(client, url=elsewhere)
    assert result == {**result, "valid": False, "format": None}
    assert [c["name"] for c in result["checks"]] == ["fetch"]
    assert "not a public address" in result["checks"][0]["detail"]
    credential = client.get(award["urls"]["ob3"]).get_json()
    monkeypatch.setitem(app.config, "BASE_URL", "https://badges.example.org")
    result = post_verify(client, credential=credential)
    assert not result["valid"] and not checks(result)["proof"]["ok"]
    assert "not a public address" in checks(result)["proof"]["detail"]


def test_tampered_baked_images_fail(verifier, client, award):
    urls = award["urls"]
    hosted = client.get(urls["ob2"]).get_json()
    plain = bytes_of(client, urls["png"])
    rebaked = bake_png(plain, "openbadges", json.dumps({**hosted, "narrative": "Did more."}))
    result = post_file(client, rebaked, "badge.png")
    assert not result["valid"] and "differs" in checks(result)["proof"]["detail"]

    ob3_png = bytes_of(client, urls["png_ob3"])
    damaged = ob3_png.replace(b"Partnership Certified", b"Partnership Certifieb", 1)
    result = post_file(client, damaged, "badge.png")
    assert not result["valid"]
    assert not checks(result)["image"]["ok"] and not checks(result)["proof"]["ok"]

    credential = json.loads(read_png_text(ob3_png)["openbadgecredential"])
    credential["credentialSubject"]["achievement"]["name"] = "Partnership Master"
    svg = bake_svg_ob3(SVG, credential_json=json.dumps(credential))
    result = post_file(client, svg, "badge.svg")
    assert checks(result)["image"]["ok"] and not checks(result)["proof"]["ok"]
    assert not result["valid"]


def _b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_unsigned_and_mac_tokens_are_refused(verifier, client, award):
    token = text_of(client, award["urls"]["ob3_jwt"])
    header = jwt.get_unverified_header(token)
    payload = token.split(".")[1]
    for alg in ("none", "HS256"):
        forged = f"{_b64({**header, 'alg': alg})}.{payload}."
        result = post_verify(client, credential=forged)
        assert result["format"] == "ob3-jwt" and not result["valid"]
        assert alg in checks(result)["proof"]["detail"]
    ob2_token = text_of(client, award["urls"]["ob2_jws"])
    forged = f"{_b64({'alg': 'none'})}.{ob2_token.split('.')[1]}."
    result = post_verify(client, credential=forged)
    assert result["format"] == "ob2-signed" and not checks(result)["proof"]["ok"]


def test_swapped_keys_fail(verifier, client, award):
    urls = award["urls"]
    credential = client.get(urls["ob3"]).get_json()
    method = credential["proof"][0]["verificationMethod"]
    resigned = dataintegrity.sign(credential | {"proof": []}, ed25519.Ed25519PrivateKey.generate(),
                                  verification_method=method, created=datetime.now(UTC))
    result = post_verify(client, credential=resigned)
    assert not result["valid"] and not checks(result)["proof"]["ok"]

    stranger = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(stranger.public_key())
    own_did = dataintegrity.sign(credential | {"proof": []}, stranger, created=datetime.now(UTC),
                                 verification_method=f"did:key:{fingerprint}#{fingerprint}")
    result = post_verify(client, credential=own_did)
    assert checks(result)["proof"]["ok"] and not checks(result)["key_binding"]["ok"]
    assert not result["valid"]

    token = text_of(client, urls["ob3_jwt"])
    kid = jwt.get_unverified_header(token)["kid"]
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    forged = vcjwt.encode(unsigned, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                          algorithm="RS256", kid=kid)
    result = post_verify(client, credential=forged)
    assert not result["valid"] and not checks(result)["proof"]["ok"]

    payload = jwt.decode(text_of(client, urls["ob2_jws"]), options={"verify_signature": False})
    forged = sign_jws(payload, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    result = post_verify(client, credential=forged)
    assert not result["valid"] and not checks(result)["proof"]["ok"]


def test_unreachable_status_list_fails_the_status_check(verifier, client, award):
    credential = client.get(award["urls"]["ob3"]).get_json()
    key = ed25519.Ed25519PrivateKey.generate()
    fingerprint = dataintegrity.ed25519_multibase(key.public_key())
    did = f"did:key:{fingerprint}"
    credential = {**credential, "proof": [], "issuer": {**credential["issuer"], "id": did},
                  "credentialStatus": {**credential["credentialStatus"],
                                       "statusListCredential": "http://127.0.0.1:9/status/1"}}
    signed = dataintegrity.sign(credential, key, verification_method=f"{did}#{fingerprint}",
                                created=datetime.now(UTC))
    result = post_verify(client, credential=signed)
    assert checks(result)["proof"]["ok"] and checks(result)["key_binding"]["ok"]
    assert_status_failed(result, "cannot fetch")


@pytest.mark.parametrize("body", [
    {"credential": "hello"},
    {"credential": {"name": "not a badge"}},
    {"credential": 42},
    {"credential": "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln"},
])
def test_unreadable_input_is_a_422(verifier, client, body):
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "unreadable_badge" and error["message"] and "errors" in error


def test_unreadable_file_and_missing_input(verifier, client):
    response = client.post("/api/v1/verify", data={"file": (io.BytesIO(b"\x00\x01garbage"),
                                                            "x.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["code"] == "unreadable_badge"
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AA"
                           "AAMBAQDJ/pLvAAAAAElFTkSuQmCC")
    response = client.post("/api/v1/verify", data={"file": (io.BytesIO(png), "plain.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "no baked badge" in response.get_json()["message"]
    for body in ({}, {"credential": "x", "url": "https://example.org/a"}):
        response = client.post("/api/v1/verify", json=body)
        assert response.status_code == 422
        assert response.get_json()["code"] == "validation_failed"
    response = client.post("/api/v1/verify", json={"credential": "x", "unknown": 1})
    assert response.status_code == 422 and "unknown" in response.get_json()["errors"]


def test_rate_limit_answers_429(verifier, client, monkeypatch):
    monkeypatch.setitem(verifier.config, "VERIFY_RATE_PER_MINUTE", 2)
    environ = {"REMOTE_ADDR": "203.0.113.77"}
    statuses = [client.post("/api/v1/verify", json={"credential": "x"}, environ_base=environ)
                for _ in range(3)]
    assert [r.status_code for r in statuses] == [422, 422, 429]
    assert statuses[2].get_json()["code"] == "too_many_requests"
    assert int(statuses[2].headers["Retry-After"]) >= 1
    other = client.post("/api/v1/verify", json={"credential": "x"},
                        environ_base={"REMOTE_ADDR": "203.0.113.78"})
    assert other.status_code == 422


def test_openapi_documents_the_endpoint(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/verify"]


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_page_renders_and_shows_a_report(verifier, client, award):
    page = client.get("/verify")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ('for="verify-credential"', 'for="verify-url"', 'for="verify-file"',
                  'enctype="multipart/form-data"'):
        assert label in html
    credential = text_of(client, award["urls"]["ob3"])
    response = client.post("/verify", data={"csrf_token": _csrf(html), "credential": credential,
                                            "recipient": "ada@example.org"})
    assert response.status_code == 200
    report = response.get_data(as_text=True)
    assert "This badge is valid" in report and "Partnership Certified" in report
    assert "Open Source Partnerships" in report and "Key belongs to the issuer" in report
    assert report.count("Passed:") >= 6 and "Failed:" not in report

    png = bytes_of(client, award["urls"]["png"])
    response = client.post("/verify", data={"csrf_token": _csrf(html), "file": (io.BytesIO(png),
                                                                               "badge.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "This badge is valid" in response.get_data(as_text=True)

    response = client.post("/verify", data={"csrf_token": _csrf(html), "credential": "{}"})
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)
    response = client.post("/verify", data={"csrf_token": _csrf(html)})
    assert response.status_code == 400


def test_page_shows_failed_checks(verifier, client, award):
    html = client.get("/verify").get_data(as_text=True)
    credential = client.get(award["urls"]["ob3"]).get_json()
    credential["name"] = credential["name"] + "!"
    response = client.post("/verify", data={"csrf_token": _csrf(html),
                                            "credential": json.dumps(credential)})
    report = response.get_data(as_text=True)
    assert response.status_code == 200 and "did not verify" in report and "Failed:" in report


def test_page_form_needs_its_csrf_token(verifier, client):
    assert client.post("/verify", data={"credential": "x"}).status_code == 400


def test_page_is_rate_limited_too(verifier, client, monkeypatch):
    monkeypatch.setitem(verifier.config, "VERIFY_RATE_PER_MINUTE", 1)
    environ = {"REMOTE_ADDR": "203.0.113.90"}
    html = client.get("/verify").get_data(as_text=True)
    statuses = [client.post("/verify", data={"csrf_token": _csrf(html), "credential": "x"},
                            environ_base=environ).status_code for _ in range(2)]
    assert statuses == [422, 429]
