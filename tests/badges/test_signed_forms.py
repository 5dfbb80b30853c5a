"""The JWS-encoded forms of an award (OB 2.0 signed assertion, VC-JWT RS256 and EdDSA) are
made on first request and never change afterwards (badges/signed_forms.py)."""

import threading

from badges.models import Assertion
from cairn.db import db
from credentials.jws import read_jws_unverified


def _forms(client, award):
    urls = award["urls"]
    return [client.get(url).get_data(as_text=True)
            for url in (urls["ob2_jws"], urls["ob3_jwt"], urls["ob3_jwt"] + "?alg=EdDSA")]


def _stored(app, award):
    with app.app_context():
        row = db.session.query(Assertion).filter_by(public_id=award["id"]).one()
        return row.signed_jws, row.credential_jwt, row.credential_jwt_eddsa


def test_an_award_stores_no_jws_until_one_is_asked_for(app, client, award):
    assert _stored(app, award) == (None, None, None)
    forms = _forms(client, award)
    assert all(form.count(".") == 2 for form in forms)
    assert list(_stored(app, award)) == forms


def test_forms_never_change_once_made(api, client, issuer, award):
    first = _forms(client, award)
    for key in api.get(f"/api/v1/issuers/{issuer['id']}/keys").json:
        api.post(f"/api/v1/issuers/{issuer['id']}/keys/{key['id']}/retire")
    assert _forms(client, award) == first


def test_the_vc_jwt_carries_the_credential_signed_at_award_time(client, award):
    import jwt

    credential = client.get(award["urls"]["ob3"]).get_json()
    for token in _forms(client, award)[1:]:
        claims = jwt.decode(token, options={"verify_signature": False})
        assert {name: value for name, value in claims.items()
                if name not in ("iss", "jti", "nbf", "exp", "sub")} == {
            name: value for name, value in credential.items() if name != "proof"}


def test_the_signed_assertion_is_the_award(client, award):
    header, payload = read_jws_unverified(_forms(client, award)[0])
    assert header["alg"] == "RS256"
    hosted = client.get(award["urls"]["ob2"], headers={"Accept": "application/json"}).get_json()
    assert payload["recipient"] == hosted["recipient"]
    assert payload["issuedOn"] == hosted["issuedOn"]
    assert payload["verification"]["type"] == "SignedBadge"


def test_first_requests_at_once_all_succeed_with_the_one_stored(app, make_award):
    """Threads of the live server ask for a new award's form together: each writes it in its
    own transaction, and none fails or answers anything but the stored form."""
    import requests

    award = make_award()
    answers, barrier = [], threading.Barrier(6)

    def ask():
        barrier.wait()
        response = requests.get(award["urls"]["ob2_jws"], timeout=30)
        answers.append(response.text if response.status_code == 200 else response.status_code)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(answers)) == 1
    assert answers[0] == _stored(app, award)[0]
