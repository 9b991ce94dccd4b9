"""The baseline: the modular exponentiations one sign-in cannot avoid, timed in-process.

The client side of Cognito's SRP needs three 3072-bit exponentiations per sign-in: A = g^a,
g^x, and S = (B - k*g^x)^(a + u*x). Whatever the gateway spends beyond these is overhead
(HTTP, botocore, Redis, sealing, logging), which is what the comparison is for.

Operands come from a real exchange with fresh randomness, so their sizes are the real ones
(a: 1024 bits, x: 256 bits, a + u*x: about 1024 bits); only the exponentiations are timed.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import gmpy2

import cognito_srp

_N = gmpy2.mpz(cognito_srp.N)


def _operands() -> tuple[int, int, int, int]:
    """(a, x, base, exponent) for one sign-in, as the gateway would compute them."""
    a, big_a = cognito_srp.client_ephemeral()
    salt = secrets.randbits(128)
    x = cognito_srp.x_value(salt, "BenchPool01", "bench-user", "Bench-Passw0rd!")
    _, big_b = cognito_srp.server_ephemeral(cognito_srp.verifier(salt, "BenchPool01",
                                                                 "bench-user", "Bench-Passw0rd!"))
    u = int.from_bytes(
        hashlib.sha256(cognito_srp.pad(big_a) + cognito_srp.pad(big_b)).digest(), "big"
    )
    base = (big_b - cognito_srp.K * pow(cognito_srp.G, x, cognito_srp.N)) % cognito_srp.N
    return a, x, base, a + u * x


def modexp_cpu_per_sign_in(sign_ins: int) -> float:
    """CPU seconds (this thread) for the three exponentiations, averaged over ``sign_ins``."""
    operands = [_operands() for _ in range(sign_ins)]
    g = cognito_srp.G
    started = time.thread_time_ns()
    for a, x, base, exponent in operands:
        gmpy2.powmod(g, a, _N)
        gmpy2.powmod(g, x, _N)
        gmpy2.powmod(base, exponent, _N)
    return (time.thread_time_ns() - started) / 1e9 / sign_ins
