"""Cognito's SRP-6a variant, SECRET_HASH and the TIMESTAMP format: pure maths, no I/O.

Both sides live here because both the gateway (client role) and the local emulator (server role)
need them, and the known-answer vectors in ``cognito-srp-vectors.json`` pin every intermediate
value. Randomness and the clock are always passed in by the caller, so every function is
deterministic and testable.

Reference: ``cognito-protocol.md`` section 9. Integers that enter a hash are encoded with
:func:`pad` (minimal big-endian two's complement), never padded to the width of N: that is the
single most common way to get Cognito's SRP wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

import gmpy2

__all__ = [
    "EPHEMERAL_BITS",
    "G",
    "K",
    "N",
    "SRPError",
    "client_ephemeral",
    "client_key",
    "format_timestamp",
    "hkdf_key",
    "pad",
    "parse_timestamp",
    "pool_name",
    "secret_hash",
    "server_ephemeral",
    "server_key",
    "signature",
    "signature_message",
    "verifier",
    "x_value",
]

# RFC 3526 group 15 (3072-bit MODP), the group Cognito uses.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2

# Size of the secret ephemeral exponents a and b. Amplify and pycognito draw 128 random bytes;
# we do the same so that nothing about our side of the exchange is weaker than the reference
# clients.
EPHEMERAL_BITS = 1024

_N_MPZ = gmpy2.mpz(N)
_HKDF_INFO = b"Caldera Derived Key"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class SRPError(ValueError):
    """A value that the protocol says must abort the exchange (A or B = 0 mod N, u = 0)."""


def pad(n: int) -> bytes:
    """Minimal big-endian two's-complement encoding (Java ``BigInteger.toByteArray()``)."""
    return n.to_bytes(n.bit_length() // 8 + 1, "big")


def _hash_int(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha256(b"".join(parts)).digest(), "big")


def _powers_of_g_table() -> tuple[tuple[Any, ...], ...]:
    """Row i holds g^(d * 2^(W*i)) mod N for every W-bit digit d (W = _G_WINDOW)."""
    rows = []
    step = gmpy2.mpz(G)  # g^(2^(W*i))
    for _ in range(-(-_G_TABLE_BITS // _G_WINDOW)):
        row = [gmpy2.mpz(1)]
        for _ in range((1 << _G_WINDOW) - 1):
            row.append(row[-1] * step % _N_MPZ)
        rows.append(tuple(row))
        step = row[-1] * step % _N_MPZ
    return tuple(rows)


# g^e is most of the exponentiation work of a sign-in on either side (A = g^a, g^x, B's g^b),
# and g and N never change. Fixed-base windowing (Handbook of Applied Cryptography, 14.109)
# trades the 1024 squarings of a general powmod for one table multiplication per 5-bit digit
# of e: about a quarter of the CPU for a 1024-bit exponent, with the same result. The table
# (about 2.6 MB) is built at import, ~35 ms, so no request ever waits for it. Like mpz_powm,
# this is not constant-time.
_G_WINDOW = 5
_G_TABLE_BITS = EPHEMERAL_BITS
_G_TABLE = _powers_of_g_table()


def _power_of_g(exponent: int) -> int:
    digit_mask = (1 << _G_WINDOW) - 1
    result = gmpy2.mpz(1)
    for row in _G_TABLE:
        if not exponent:
            break
        digit = exponent & digit_mask
        if digit:
            result = result * row[digit] % _N_MPZ
        exponent >>= _G_WINDOW
    return int(result)


def _powmod(base: int, exponent: int) -> int:
    # gmpy2 is ~8x faster than int.__pow__ at 3072 bits. Letting it release the GIL (a per-thread
    # setting) means a caller can run this in a worker thread without stalling its event loop;
    # the result is the same either way. It must be set before the table path too: a thread
    # looping over gmpy2 multiplications that keep the GIL leaves the event-loop thread ~2%
    # of its speed until it is done.
    context = gmpy2.get_context()
    if not context.allow_release_gil:
        context.allow_release_gil = True
    if base == G and 0 <= exponent < 1 << _G_TABLE_BITS:
        return _power_of_g(exponent)
    return int(gmpy2.powmod(base, exponent, _N_MPZ))


K = _hash_int(pad(N), pad(G))


def pool_name(user_pool_id: str) -> str:
    """``us-east-1_AbCdEf123`` -> ``AbCdEf123``: the realm that salts user passwords."""
    return user_pool_id.split("_", 1)[1]


def x_value(salt: int, realm: str, user_id: str, password: str) -> int:
    """The private key x. For users, realm is the pool name and user_id is USER_ID_FOR_SRP;
    for devices, realm is the DeviceGroupKey and user_id the DeviceKey."""
    inner = hashlib.sha256(f"{realm}{user_id}:{password}".encode()).digest()
    return _hash_int(pad(salt), inner)


def verifier(salt: int, realm: str, user_id: str, password: str) -> int:
    """v = g^x mod N: what the server stores instead of the password."""
    return _powmod(G, x_value(salt, realm, user_id, password))


def _scramble(big_a: int, big_b: int) -> int:
    u = _hash_int(pad(big_a), pad(big_b))
    if u == 0:
        raise SRPError("u = 0")
    return u


def hkdf_key(shared_secret: int, u: int) -> bytes:
    """HKDF-SHA256 (RFC 5869), one block, 16 bytes: IKM = PAD(S), salt = PAD(u)."""
    prk = hmac.digest(pad(u), pad(shared_secret), "sha256")
    return hmac.digest(prk, _HKDF_INFO + b"\x01", "sha256")[:16]


def client_ephemeral(a: int | None = None) -> tuple[int, int]:
    """(a, A). ``a`` defaults to fresh randomness; tests pass the vector's value."""
    if a is None:
        a = secrets.randbits(EPHEMERAL_BITS)
    big_a = _powmod(G, a)
    if big_a % N == 0:  # pragma: no cover - g^a is never 0 mod a prime; kept as the spec's check
        raise SRPError("A = 0 mod N")
    return a, big_a


def client_key(a: int, big_a: int, big_b: int, x: int) -> bytes:
    """The 16-byte session key K, client side: S = (B - k*g^x)^(a + u*x)."""
    if big_b % N == 0:
        raise SRPError("B = 0 mod N")
    u = _scramble(big_a, big_b)
    base = (big_b - K * _powmod(G, x)) % N
    return hkdf_key(_powmod(base, a + u * x), u)


def server_ephemeral(v: int, b: int | None = None) -> tuple[int, int]:
    """(b, B) with B = k*v + g^b mod N."""
    if b is None:
        b = secrets.randbits(EPHEMERAL_BITS)
    return b, (K * v + _powmod(G, b)) % N


def server_key(big_a: int, big_b: int, b: int, v: int) -> bytes:
    """The 16-byte session key K, server side: S = (A * v^u)^b."""
    if big_a % N == 0:
        raise SRPError("A = 0 mod N")
    u = _scramble(big_a, big_b)
    return hkdf_key(_powmod(big_a * _powmod(v, u) % N, b), u)


def signature_message(realm: str, user_id: str, secret_block: bytes, timestamp: str) -> bytes:
    return realm.encode() + user_id.encode() + secret_block + timestamp.encode()


def signature(key: bytes, message: bytes) -> str:
    """PASSWORD_CLAIM_SIGNATURE: standard base64 of HMAC-SHA256(K, M)."""
    return base64.b64encode(hmac.digest(key, message, "sha256")).decode()


def format_timestamp(moment: datetime) -> str:
    """``Thu Mar 5 07:08:09 UTC 2026``: English names, day of month not padded, UTC.

    Fixed tables instead of strftime: ``%a``/``%b`` follow the process locale, and Cognito
    rejects anything but the English form.
    """
    moment = moment.astimezone(UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day} "
        f"{moment:%H:%M:%S} UTC {moment.year}"
    )


def parse_timestamp(text: str) -> datetime | None:
    """The moment a TIMESTAMP names, or None unless it is in exactly the canonical form
    (so a zero-padded day or a wrong weekday is refused, as Cognito does)."""
    try:
        _weekday, month, day, clock, zone, year = text.split(" ")
        if zone != "UTC" or len(year) != 4 or not day.isdigit() or not year.isdigit():
            return None
        hours, minutes, seconds = (int(part) for part in clock.split(":"))
        moment = datetime(
            int(year), _MONTHS.index(month) + 1, int(day), hours, minutes, seconds, tzinfo=UTC
        )
    except ValueError:
        return None
    return moment if format_timestamp(moment) == text else None


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """SECRET_HASH = base64(HMAC-SHA256(client secret, username + client id)).

    ``username`` must be the exact string sent as USERNAME in the same request.
    """
    digest = hmac.digest(client_secret.encode(), (username + client_id).encode(), "sha256")
    return base64.b64encode(digest).decode()
