"""Status-list indexes from a keyed permutation: every position gets its own index, the
order tells nothing without the key."""

import hashlib

import pytest

from credentials.bitstring import MIN_ENTRIES, shuffled_index


@pytest.mark.parametrize("entries", [1, 2, 1000, 4096])
def test_positions_map_one_to_one_onto_the_whole_range(entries):
    indexes = [shuffled_index(b"k" * 32, position, entries) for position in range(entries)]
    assert sorted(indexes) == list(range(entries))


def test_the_first_half_of_a_full_list_never_collides_and_is_spread_out():
    key = b"issuer key".ljust(32, b"\0")
    indexes = [shuffled_index(key, position) for position in range(MIN_ENTRIES // 2)]
    assert len(set(indexes)) == len(indexes)
    assert all(0 <= index < MIN_ENTRIES for index in indexes)
    # Not the allocation order: consecutive awards land far apart, in both halves.
    assert indexes[:8] != sorted(indexes[:8])
    assert sum(index >= MIN_ENTRIES // 2 for index in indexes) > MIN_ENTRIES // 8


def test_another_key_gives_another_order():
    first = [shuffled_index(b"a" * 32, position) for position in range(64)]
    second = [shuffled_index(b"b" * 32, position) for position in range(64)]
    assert first != second
    assert first == [shuffled_index(b"a" * 32, position) for position in range(64)]


def test_positions_outside_the_list_are_refused():
    with pytest.raises(ValueError):
        shuffled_index(b"k" * 32, MIN_ENTRIES)


def reference_index(key: bytes, position: int, entries: int) -> int:
    """The permutation as first defined: each round hashes its number and the right half
    with the keyed BLAKE2b. Indexes already in issued credentials come from it."""
    half_bits = ((entries - 1).bit_length() + 1) // 2
    mask = (1 << half_bits) - 1
    value = position
    while True:
        left, right = value >> half_bits, value & mask
        for round_number in range(8):
            digest = hashlib.blake2b(bytes([round_number]) + right.to_bytes(4, "big"),
                                     key=key, digest_size=4).digest()
            left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
        value = (left << half_bits) | right
        if value < entries:
            return value


@pytest.mark.parametrize("entries", [1000, MIN_ENTRIES])
def test_the_permutation_never_changes_for_a_key(entries):
    for key in (b"a" * 32, b"issuer key".ljust(32, b"\0")):
        positions = range(0, entries, max(1, entries // 500))
        assert [shuffled_index(key, p, entries) for p in positions] == \
            [reference_index(key, p, entries) for p in positions]
