"""国密 SM3 (GB/T 32905-2016) and SM4 (GB/T 32907-2016) for signatures and body encryption.

SM4 is gmssl's. SM3 is OpenSSL's through :mod:`hashlib` when the linked OpenSSL has it
(3.0 does: C speed, and it hashes a streamed body piece by piece); otherwise gmssl's, which
is pure Python (about 100 KB/s) and hashes the whole body at once. Both are checked against
the standard's vectors (tests/unit/api/test_gm.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Protocol

from gmssl import func, sm3
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

BLOCK = 16  # SM4's block and key size, in bytes
_SM3_BLOCK = 64


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


def _openssl_sm3() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


OPENSSL_SM3 = _openssl_sm3()


class GmsslSm3:
    """gmssl's SM3 behind hashlib's interface (it takes the whole message at once)."""

    def __init__(self, data: bytes = b"") -> None:
        self._parts = [data]

    def update(self, data: bytes, /) -> None:
        self._parts.append(data)

    def digest(self) -> bytes:
        return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(b"".join(self._parts))))


def sm3_hasher(openssl: bool = OPENSSL_SM3) -> Hasher:
    return hashlib.new("sm3") if openssl else GmsslSm3()


def sm3_digest(data: bytes, openssl: bool = OPENSSL_SM3) -> bytes:
    hasher = sm3_hasher(openssl)
    hasher.update(data)
    return hasher.digest()


def hmac_sm3(key: bytes, message: bytes, openssl: bool = OPENSSL_SM3) -> bytes:
    """HMAC (RFC 2104, GB/T 15852.2) over SM3."""
    if openssl:
        return hmac.new(key, message, "sm3").digest()
    if len(key) > _SM3_BLOCK:
        key = sm3_digest(key, openssl)
    key = key.ljust(_SM3_BLOCK, b"\0")
    inner = sm3_digest(bytes(k ^ 0x36 for k in key) + message, openssl)
    return sm3_digest(bytes(k ^ 0x5C for k in key) + inner, openssl)


def sm4_block(key: bytes, block: bytes, decrypt: bool = False) -> bytes:
    """One 16-byte block through SM4, unpadded: what the standard's example computes."""
    cipher = CryptSM4()
    cipher.set_key(key, SM4_DECRYPT if decrypt else SM4_ENCRYPT)
    return bytes(func.list_to_bytes(cipher.one_round(cipher.sk, func.bytes_to_list(block))))


def sm4_encrypt(key: bytes, plain: bytes) -> bytes:
    """SM4-CBC with PKCS#7 padding: a random IV, then the ciphertext."""
    iv = os.urandom(BLOCK)
    cipher = CryptSM4()
    cipher.set_key(key, SM4_ENCRYPT)
    return iv + bytes(cipher.crypt_cbc(iv, plain))


class DecryptError(ValueError):
    """Not SM4-CBC ciphertext under this key."""


def sm4_decrypt(key: bytes, data: bytes) -> bytes:
    """The plain text of :func:`sm4_encrypt`'s output."""
    if len(data) < 2 * BLOCK or len(data) % BLOCK:
        raise DecryptError(f"{len(data)} bytes is not an IV and whole SM4 blocks")
    cipher = CryptSM4()
    cipher.set_key(key, SM4_DECRYPT)
    plain = bytes(cipher.crypt_cbc(data[:BLOCK], data[BLOCK:]))
    # gmssl strips the padding without checking it: a wrong key gives garbage, not an error
    padding = _padding(cipher, data)
    if not 1 <= padding <= BLOCK:
        raise DecryptError("bad SM4 padding: wrong key or damaged body")
    return plain


def _padding(cipher: CryptSM4, data: bytes) -> int:
    """The PKCS#7 pad length of the last block (0 when it is not valid padding)."""
    last = _plain_block(cipher, data[-BLOCK:], data[-2 * BLOCK : -BLOCK])
    n = last[-1]
    return n if 1 <= n <= BLOCK and last[-n:] == bytes([n]) * n else 0


def _plain_block(cipher: CryptSM4, block: bytes, previous: bytes) -> bytes:
    plain = func.list_to_bytes(cipher.one_round(cipher.sk, func.bytes_to_list(block)))
    return bytes(a ^ b for a, b in zip(plain, previous, strict=True))
