"""A stand-in for "a team's own API behind the gateway".

The gateway relays browser calls to an upstream with a Cognito token attached server-side; this
package is that upstream for the local stack and for the gateway's relay tests. It verifies the
token the way a real resource server would (JWKS, RS256, issuer, expiry) and reports back what
actually reached it, so tests can prove what the gateway sent, stripped and never forwarded.
"""

from __future__ import annotations

from demo_upstream.app import create_app
from demo_upstream.download import pseudo_random_chunks

__all__ = ["create_app", "pseudo_random_chunks"]
