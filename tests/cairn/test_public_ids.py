"""Public ids: unguessable, URL-safe, and never read as an option or a formula."""

import re

from cairn.db import new_public_id


def test_public_ids_are_unique_url_safe_and_start_with_a_letter_or_digit():
    ids = [new_public_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{15}", public_id) for public_id in ids)
