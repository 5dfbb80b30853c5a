"""A signed-in person adds identities and proves them: another email by a mailed link, a
web page by a rel="me" link back (or the code), a DID by a JWT signed with its key. Only
verified identities bring their awards."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credentials.dataintegrity import ed25519_multibase
from recipients.people import CONFIRM_SUBJECT
from tests.recipients.conftest import mailed_links, path_of, post_form

IDENTITIES = "/backpack/identities"


@pytest.fixture
def signed_in(client, make_award, claim):
    """Ada, signed in with the address her first badge went to."""
    make_award(recipient={"type": "email", "identity": "ada@example.org"})
    claim("ada@example.org")
    return client


@pytest.fixture
def web_page():
    """A tiny web server on 127.0.0.1 serving `pages[path]` as HTML."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not here").encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def add(http, kind: str, value: str):
    return post_form(http, IDENTITIES, IDENTITIES, type=kind, value=value)


def verify(http, kind: str, value: str, **fields):
    return post_form(http, IDENTITIES, f"{IDENTITIES}/verify", type=kind, value=value, **fields)


def challenge_shown(http) -> str:
    return re.search(r'<code class="code">([^<]+)</code>',
                     http.get(IDENTITIES).get_data(as_text=True)).group(1)


def profile_url(http) -> str:
    return re.search(r'<a href="([^"]+/people/[^"]+)">',
                     http.get("/backpack/profile").get_data(as_text=True)).group(1)


def test_a_web_page_linking_back_with_rel_me_verifies_a_url(app, signed_in, web_page,
                                                            make_award, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_ALLOW_PRIVATE", True)
    pages, origin = web_page
    url = f"{origin}/about"
    award = make_award(recipient={"type": "url", "identity": url})
    assert add(signed_in, "url", url).status_code == 303
    assert award["id"] not in signed_in.get("/backpack").get_data(as_text=True)
    pages["/about"] = "<html><body><p>Nothing about Cairn here.</p></body></html>"
    refused = verify(signed_in, "url", url)
    assert refused.status_code == 422 and "rel=" in refused.get_data(as_text=True)
    pages["/about"] = f'<a href="{profile_url(signed_in)}" rel="me noopener">My badges</a>'
    assert verify(signed_in, "url", url).status_code == 303
    assert award["id"] in signed_in.get("/backpack").get_data(as_text=True)


def test_a_web_page_showing_the_code_verifies_a_url(app, signed_in, web_page, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_ALLOW_PRIVATE", True)
    pages, origin = web_page
    add(signed_in, "url", f"{origin}/code")
    pages["/code"] = f"<p>Verifying my Cairn backpack: {challenge_shown(signed_in)}</p>"
    assert verify(signed_in, "url", f"{origin}/code").status_code == 303
    verified = signed_in.get(IDENTITIES).get_data(as_text=True)
    assert "Waiting for proof" not in verified and f"{origin}/code" in verified


def test_private_addresses_are_not_fetched_unless_allowed(signed_in, web_page):
    pages, origin = web_page
    add(signed_in, "url", f"{origin}/code")
    pages["/code"] = challenge_shown(signed_in)
    refused = verify(signed_in, "url", f"{origin}/code")
    assert refused.status_code == 422
    assert "not a public address" in refused.get_data(as_text=True)


def did_key() -> tuple[Ed25519PrivateKey, str, str]:
    key = Ed25519PrivateKey.generate()
    fingerprint = ed25519_multibase(key.public_key())
    return key, f"did:key:{fingerprint}", f"did:key:{fingerprint}#{fingerprint}"


def test_a_jwt_signed_by_the_did_key_over_the_challenge_verifies_a_did(signed_in, make_award):
    key, did, kid = did_key()
    award = make_award(recipient={"type": "did", "identity": did})
    add(signed_in, "did", did)
    challenge = challenge_shown(signed_in)
    impostor, _, _ = did_key()
    forged = jwt.encode({"nonce": challenge}, impostor, algorithm="EdDSA", headers={"kid": kid})
    assert verify(signed_in, "did", did, jwt=forged).status_code == 422
    wrong_nonce = jwt.encode({"nonce": "something else"}, key, algorithm="EdDSA",
                             headers={"kid": kid})
    assert verify(signed_in, "did", did, jwt=wrong_nonce).status_code == 422
    assert award["id"] not in signed_in.get("/backpack").get_data(as_text=True)
    signed = jwt.encode({"nonce": challenge, "iss": did}, key, algorithm="EdDSA",
                        headers={"kid": kid})
    assert verify(signed_in, "did", did, jwt=signed).status_code == 303
    assert award["id"] in signed_in.get("/backpack").get_data(as_text=True)


def test_the_challenge_is_the_persons_own(signed_in, other_client, make_award, claim):
    """Bob cannot reuse the JWT Ada signed (his challenge for the same DID differs), and
    once Ada has verified the DID nobody can take it from her."""
    key, did, kid = did_key()
    add(signed_in, "did", did)
    token = jwt.encode({"nonce": challenge_shown(signed_in)}, key, algorithm="EdDSA",
                       headers={"kid": kid})
    make_award(recipient={"type": "email", "identity": "bob@example.org"})
    claim("bob@example.org", http=other_client)
    add(other_client, "did", did)
    bobs_challenge = challenge_shown(other_client)
    assert bobs_challenge != jwt.decode(token, options={"verify_signature": False})["nonce"]
    assert verify(other_client, "did", did, jwt=token).status_code == 422
    assert verify(signed_in, "did", did, jwt=token).status_code == 303
    bobs_token = jwt.encode({"nonce": bobs_challenge}, key, algorithm="EdDSA",
                            headers={"kid": kid})
    assert verify(other_client, "did", did, jwt=bobs_token).status_code == 409
    assert add(other_client, "did", did).status_code == 409
    assert did in signed_in.get(IDENTITIES).get_data(as_text=True)
    assert did not in other_client.get(IDENTITIES).get_data(as_text=True)


def test_another_email_is_added_by_its_mailed_link(signed_in, make_award, open_link,
                                                   base_url):
    award = make_award(recipient={"type": "email", "identity": "ada@work.example"})
    answer = add(signed_in, "email", "Ada@Work.example")
    assert answer.status_code == 303
    assert award["id"] not in signed_in.get("/backpack").get_data(as_text=True)
    [link] = mailed_links("ada@work.example", CONFIRM_SUBJECT)
    assert open_link(path_of(link, base_url)).status_code == 303
    assert award["id"] in signed_in.get("/backpack").get_data(as_text=True)


def test_a_pending_identity_can_be_removed(signed_in):
    add(signed_in, "url", "https://ada.example/about")
    assert "Waiting for proof" in signed_in.get(IDENTITIES).get_data(as_text=True)
    post_form(signed_in, IDENTITIES, f"{IDENTITIES}/remove", type="url",
              value="https://ada.example/about")
    assert "ada.example/about" not in signed_in.get(IDENTITIES).get_data(as_text=True)


def test_a_malformed_identity_is_refused_on_the_form(signed_in):
    response = add(signed_in, "did", "not a did")
    assert response.status_code == 422
    assert "Not a DID" in response.get_data(as_text=True)
