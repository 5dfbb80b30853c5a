"""Status-list indexes from a keyed permutation: every position gets its own index, the
order tells nothing without the key."""

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
