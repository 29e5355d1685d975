"""SM3 and SM4 against the standards' published examples, and SM4-CBC bodies."""

from __future__ import annotations

import pytest

from hisms.adapters.api import gm
from hisms.adapters.api.signing import Algorithm

# GB/T 32905-2016 appendix A: example 1 ("abc") and example 2 ("abcd" x 16, 64 bytes).
SM3_VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]
# GB/T 32907-2016 appendix A, example 1: key and plain text the same block.
SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
SM4_CIPHER = bytes.fromhex("681edf34d206965e86b3e94f536e4246")
BOTH = [pytest.param(False, id="gmssl"), pytest.param(True, id="openssl")]


@pytest.mark.parametrize("openssl", BOTH)
@pytest.mark.parametrize(("message", "digest"), SM3_VECTORS)
def test_sm3_gives_the_standards_digests(openssl: bool, message: bytes, digest: str) -> None:
    if openssl and not gm.OPENSSL_SM3:
        pytest.skip("this Python's OpenSSL has no SM3")
    assert gm.sm3_digest(message, openssl).hex() == digest
    hasher = gm.sm3_hasher(openssl)  # a streamed body, piece by piece
    for i in range(0, len(message), 5):
        hasher.update(message[i : i + 5])
    assert hasher.digest().hex() == digest


def test_hmac_sm3_is_the_same_over_both_implementations() -> None:
    if not gm.OPENSSL_SM3:
        pytest.skip("this Python's OpenSSL has no SM3")
    for key in (b"k", b"x" * 64, b"y" * 100):  # shorter, equal to and longer than a block
        assert gm.hmac_sm3(key, b"message", False) == gm.hmac_sm3(key, b"message", True)


def test_hmac_sha256_is_rfc_4231s() -> None:
    # RFC 4231 test case 1
    mac = Algorithm.HMAC_SHA256.mac(b"\x0b" * 20, b"Hi There")
    assert mac.hex() == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"


def test_sm4_encrypts_the_standards_example() -> None:
    assert gm.sm4_block(SM4_KEY, SM4_KEY) == SM4_CIPHER
    assert gm.sm4_block(SM4_KEY, SM4_CIPHER, decrypt=True) == SM4_KEY


def test_an_sm4_cbc_body_comes_back_and_a_wrong_key_is_refused() -> None:
    plain = "【示例医院】您好".encode() * 7
    sealed = gm.sm4_encrypt(SM4_KEY, plain)
    assert sealed[:16] != gm.sm4_encrypt(SM4_KEY, plain)[:16]  # a fresh IV each time
    assert gm.sm4_decrypt(SM4_KEY, sealed) == plain
    # A wrong key leaves valid padding by chance (1 in ~256): then garbage, never the text
    refused = 0
    for _ in range(4):
        try:
            assert gm.sm4_decrypt(bytes(16), gm.sm4_encrypt(SM4_KEY, plain)) != plain
        except gm.DecryptError as exc:
            assert "padding" in str(exc)
            refused += 1
    assert refused
    with pytest.raises(gm.DecryptError, match="whole SM4 blocks"):
        gm.sm4_decrypt(SM4_KEY, sealed[:-1])
