"""Concurrent revocations against the live server must not lose a bit of the status list
(each re-signs the list; the list row is locked while it changes)."""

from concurrent.futures import ThreadPoolExecutor

import requests

from credentials import bitstring


def test_parallel_revocations_keep_every_bit(api, client, make_award, base_url):
    awards = [make_award(recipient={"identity": f"p{i}@example.org"}) for i in range(16)]
    headers = {"Authorization": f"Bearer {api.token}"}

    def revoke(award):
        return requests.post(f"{base_url}/api/v1/assertions/{award['id']}/revoke",
                             json={"reason": "parallel"}, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(revoke, awards)) == [200] * len(awards)
    entries = [client.get(a["urls"]["ob3"]).get_json()["credentialStatus"] for a in awards]
    status = client.get(entries[0]["statusListCredential"]).get_json()
    bits = bitstring.decode(status["credentialSubject"]["encodedList"])
    assert all(bitstring.get_bit(bits, int(e["statusListIndex"])) for e in entries)
