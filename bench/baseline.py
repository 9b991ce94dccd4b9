"""The baseline: the modular exponentiations one sign-in cannot avoid, timed in-process.

The client side of Cognito's SRP needs three 3072-bit exponentiations per sign-in: A = g^a,
g^x, and S = (B - k*g^x)^(a + u*x). Whatever the gateway spends beyond these is overhead
(HTTP, botocore, Redis, sealing, logging), which is what the comparison is for.

A sign-in with a remembered device runs that exchange twice: once for the password
(PASSWORD_VERIFIER: realm = pool name, user id = USER_ID_FOR_SRP) and once for the device
(DEVICE_SRP_AUTH with a fresh ephemeral, then DEVICE_PASSWORD_VERIFIER: realm = DeviceGroupKey,
user id = DeviceKey, password = the device's 40 random bytes), so six exponentiations.

Operands come from a real exchange with fresh randomness, so their sizes are the real ones
(a: 1024 bits, x: 256 bits, a + u*x: about 1024 bits); only the exponentiations are timed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

import gmpy2

import cognito_srp

_N = gmpy2.mpz(cognito_srp.N)

# (realm, user id, password) of the password exchange and of the device exchange.
_PASSWORD_IDENTITY = ("BenchPool01", "bench-user", "Bench-Passw0rd!")


def _device_identity() -> tuple[str, str, str]:
    # The shapes Cognito hands out: DeviceGroupKey, DeviceKey "<region>_<uuid>", and the
    # gateway's device password (base64 of 40 random bytes).
    return ("-" + secrets.token_hex(4), f"us-east-1_{secrets.token_hex(16)}",
            base64.b64encode(secrets.token_bytes(40)).decode())


def _operands(realm: str, user_id: str, password: str) -> tuple[int, int, int, int]:
    """(a, x, base, exponent) for one exchange, as the gateway would compute them."""
    a, big_a = cognito_srp.client_ephemeral()
    salt = secrets.randbits(128)
    x = cognito_srp.x_value(salt, realm, user_id, password)
    _, big_b = cognito_srp.server_ephemeral(cognito_srp.verifier(salt, realm, user_id, password))
    u = int.from_bytes(
        hashlib.sha256(cognito_srp.pad(big_a) + cognito_srp.pad(big_b)).digest(), "big"
    )
    base = (big_b - cognito_srp.K * pow(cognito_srp.G, x, cognito_srp.N)) % cognito_srp.N
    return a, x, base, a + u * x


def _time(exchanges: list[tuple[int, int, int, int]]) -> float:
    """CPU seconds (this thread) for the three exponentiations of each exchange."""
    g = cognito_srp.G
    started = time.thread_time_ns()
    for a, x, base, exponent in exchanges:
        gmpy2.powmod(g, a, _N)
        gmpy2.powmod(g, x, _N)
        gmpy2.powmod(base, exponent, _N)
    return (time.thread_time_ns() - started) / 1e9


def modexp_cpu_per_sign_in(sign_ins: int) -> float:
    """CPU seconds (this thread) for the three exponentiations of a password sign-in,
    averaged over ``sign_ins``."""
    return _time([_operands(*_PASSWORD_IDENTITY) for _ in range(sign_ins)]) / sign_ins


def device_modexp_cpu_per_sign_in(sign_ins: int) -> float:
    """CPU seconds (this thread) for the six exponentiations of a sign-in with a remembered
    device (the password exchange, then the device exchange), averaged over ``sign_ins``."""
    exchanges = []
    for _ in range(sign_ins):
        exchanges.append(_operands(*_PASSWORD_IDENTITY))
        exchanges.append(_operands(*_device_identity()))
    return _time(exchanges) / sign_ins


# Exponentiations per sign-in, and the baseline that times them, for each scenario.
MODEXPS = {"totp": 3, "device": 6}
BASELINES = {"totp": modexp_cpu_per_sign_in, "device": device_modexp_cpu_per_sign_in}
