"""Cookie tickets and CSRF tokens: tampering, salt confusion, expiry and key rotation."""

from __future__ import annotations

import time

import pytest

from gateway.security.sealing import Unsealable, seal, unseal
from gateway.security.signing import Purpose, Signing, Ticket

OLD, NEW = "o" * 40, "n" * 40


def test_round_trip_and_ids_are_long_and_unique() -> None:
    signing = Signing([NEW])
    tickets = {Ticket.new() for _ in range(2000)}
    assert len({t.id for t in tickets}) == 2000
    assert all(len(t.id) >= 43 for t in tickets)  # 32 random bytes, url-safe base64
    ticket = next(iter(tickets))
    value = signing.sign_ticket(Purpose.SESSION, ticket)
    assert signing.read_ticket(Purpose.SESSION, value, 60) == ticket
    assert ticket.key.hex() not in repr(ticket)


def test_every_kind_of_bad_value_reads_as_none() -> None:
    signing = Signing([NEW])
    ticket = Ticket.new()
    good = signing.sign_ticket(Purpose.SESSION, ticket)
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    bad_values = [
        flipped,
        good.replace(ticket.id[:5], "AAAAA"),
        signing.sign_ticket(Purpose.FLOW, ticket),  # signed for the flow cookie
        signing.csrf_token(ticket),  # a CSRF token swapped in as the session
        Signing(["x" * 40]).sign_ticket(Purpose.SESSION, ticket),  # foreign key
        "",
        "garbage",
        "a.b.c.d",
        good + "x" * 600,
    ]
    for value in bad_values:
        assert signing.read_ticket(Purpose.SESSION, value, 60) is None, value


def test_expired_signature_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    signing = Signing([NEW])
    value = signing.sign_ticket(Purpose.FLOW, Ticket.new())
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert signing.read_ticket(Purpose.FLOW, value, 60) is None


def test_key_rotation() -> None:
    ticket = Ticket.new()
    signed_with_old = Signing([OLD]).sign_ticket(Purpose.SESSION, ticket)
    # Newest last: the new key signs, the old one still verifies...
    rotating = Signing([OLD, NEW])
    assert rotating.read_ticket(Purpose.SESSION, signed_with_old, 60) == ticket
    assert Signing([NEW]).read_ticket(
        Purpose.SESSION, rotating.sign_ticket(Purpose.SESSION, ticket), 60
    ) == ticket
    # ...until it is dropped from the list.
    assert Signing([NEW]).read_ticket(Purpose.SESSION, signed_with_old, 60) is None


def test_csrf_token_is_bound_to_its_ticket() -> None:
    signing = Signing([NEW])
    mine, theirs = Ticket.new(), Ticket.new()
    token = signing.csrf_token(mine)
    assert signing.check_csrf(token, mine)
    assert not signing.check_csrf(token, theirs)
    assert not signing.check_csrf(None, mine)
    assert not signing.check_csrf(token, None)
    assert not signing.check_csrf(signing.sign_ticket(Purpose.FLOW, mine), mine)


def test_sealed_records_open_only_with_their_key_and_name() -> None:
    ticket = Ticket.new()
    blob = seal(ticket.key, "gw:session:a", {"access_token": "eyJsecret"})
    assert b"eyJsecret" not in blob
    assert unseal(ticket.key, "gw:session:a", blob) == {"access_token": "eyJsecret"}
    with pytest.raises(Unsealable):
        unseal(ticket.key, "gw:session:b", blob)  # copied under another name
    with pytest.raises(Unsealable):
        unseal(Ticket.new().key, "gw:session:a", blob)
    with pytest.raises(Unsealable):
        unseal(ticket.key, "gw:session:a", blob[:-1] + bytes([blob[-1] ^ 1]))
