"""Key pairs as PEM text: generation and loading (pure, no storage)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes


def generate_key_pair(kind: str) -> tuple[bytes, str]:
    """Return (private key as PKCS#8 DER, public key as SPKI PEM) of an `rsa` or `ed25519` key."""
    if kind == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unknown key type {kind!r}")
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return der, public_pem(private.public_key())


def public_pem(public_key: PublicKeyTypes) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private_key(der: bytes) -> PrivateKeyTypes:
    return serialization.load_der_private_key(der, password=None)


def load_public_key(pem: str) -> PublicKeyTypes:
    return serialization.load_pem_public_key(pem.encode())
