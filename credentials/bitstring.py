"""The bits of a W3C Bitstring Status List (v1.0 §2.1, §3.1).

Index 0 is the left-most (most significant) bit of the first byte. `encodedList` is
the Multibase base64url (prefix "u", no padding) of the GZIP-compressed bitstring.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import io
from typing import Any

#: The spec's minimum size, 16 KiB: large enough that one index tells nothing.
MIN_ENTRIES = 131_072
_FEISTEL_ROUNDS = 8


def shuffled_index(key: bytes, position: int, entries: int = MIN_ENTRIES) -> int:
    """The index at `position` in a keyed pseudorandom permutation of range(entries).

    Issuers should assign indexes at random (§5.4, herd privacy); handing out positions
    0, 1, 2... through a permutation makes the indexes look random to anyone without the
    key, while distinct positions can never collide, so no index has to be looked up.
    A balanced Feistel network with keyed BLAKE2b rounds permutes the smallest even-width
    power of two that holds `entries`; cycle walking brings the result back into range.
    """
    if not 0 <= position < entries:
        raise ValueError("position out of range")
    half_bits = ((entries - 1).bit_length() + 1) // 2
    mask = (1 << half_bits) - 1
    rounds = _round_hashes(key)
    value = position
    while True:
        left, right = value >> half_bits, value & mask
        for round_hash in rounds:
            digest = round_hash.copy()
            digest.update(right.to_bytes(4, "big"))
            left, right = right, left ^ (int.from_bytes(digest.digest(), "big") & mask)
        value = (left << half_bits) | right
        if value < entries:
            return value


@functools.lru_cache(maxsize=64)
def _round_hashes(key: bytes) -> tuple[Any, ...]:
    """Each round's keyed BLAKE2b with its round number fed in, to copy per use: keying
    a hash costs as much as the rest of a round."""
    hashes = []
    for round_number in range(_FEISTEL_ROUNDS):
        round_hash = hashlib.blake2b(key=key, digest_size=4)
        round_hash.update(bytes([round_number]))
        hashes.append(round_hash)
    return tuple(hashes)


def empty(entries: int = MIN_ENTRIES) -> bytes:
    return bytes(entries // 8)


def get_bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit(bits: bytes, index: int, value: bool) -> bytes:
    changed = bytearray(bits)
    if value:
        changed[index // 8] |= 0x80 >> (index % 8)
    else:
        changed[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF
    return bytes(changed)


def encode(bits: bytes) -> str:
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    """The bitstring of an `encodedList`; refuses a gzip bomb past `max_bytes`."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
        bits = stream.read(max_bytes + 1)
    if len(bits) > max_bytes:
        raise ValueError("encodedList is too large")
    return bits
