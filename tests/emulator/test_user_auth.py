"""Choice-based sign-in (InitiateAuth USER_AUTH), over HTTP through boto3: tiers and the
sign-in policy, SELECT_CHALLENGE and AvailableChallenges, each first factor, the unknown-user
answers, GetUserAuthFactors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.helpers import (
    CHOICE_CLIENT,
    CHOICE_POOL,
    LITE_CLIENT,
    PASSWORD,
    RP_POOL,
    RP_PREVENTING,
    RP_PUBLIC,
    TEST_PASSWORD,
    SrpClient,
    advance_clock,
    calls,
    last_code,
    outbox,
    refused,
    respond,
    secret_hash,
    totp,
    user_auth,
)


def choose(idp: Any, challenge: dict[str, Any], answer: str, client_id: str = CHOICE_CLIENT,
           **more: str) -> dict[str, Any]:
    return respond(idp, challenge, {"ANSWER": answer, **more}, client_id=client_id)


# -- tiers and the sign-in policy ------------------------------------------------------------


def test_new_pools_are_essentials_with_password_as_the_only_first_factor(idp: Any) -> None:
    pool = idp.create_user_pool(PoolName="fresh")["UserPool"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    assert pool["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    described = idp.describe_user_pool(UserPoolId=CHOICE_POOL)["UserPool"]
    assert described["UserPoolTier"] == "ESSENTIALS"
    assert described["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]


def test_update_user_pool_sets_the_policy_and_the_tier(idp: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="update-me")["UserPool"]["Id"]
    idp.update_user_pool(UserPoolId=pool_id, UserPoolTier="PLUS", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["UserPoolTier"] == "PLUS"
    assert described["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD", "EMAIL_OTP"]
    # Left out: back to the default policy; the tier stays.
    idp.update_user_pool(UserPoolId=pool_id)
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == ["PASSWORD"]
    assert described["UserPoolTier"] == "PLUS"


def test_lite_refuses_passwordless_factors_passkeys_and_user_auth(idp: Any) -> None:
    code, _ = refused(idp.create_user_pool, PoolName="lite", UserPoolTier="LITE", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})
    assert code == "FeatureUnavailableInTierException"
    pool_id = idp.create_user_pool(PoolName="lite", UserPoolTier="LITE")["UserPool"]["Id"]
    code, _ = refused(idp.set_user_pool_mfa_config, UserPoolId=pool_id,
                      WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    assert code == "FeatureUnavailableInTierException"
    code, _ = refused(idp.update_user_pool, UserPoolId=pool_id, Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    assert code == "FeatureUnavailableInTierException"
    code, _ = refused(user_auth, idp, "lite-user", client_id=LITE_CLIENT)
    assert code == "FeatureUnavailableInTierException"


def test_software_token_is_not_a_first_factor(idp: Any) -> None:
    code, _ = refused(idp.create_user_pool, PoolName="totp-first", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "SOFTWARE_TOKEN"]}})
    assert code == "InvalidParameterException"


def test_user_auth_needs_allow_user_auth_on_the_client(idp: Any) -> None:
    from tests.emulator.helpers import GATEWAY
    code, message = refused(user_auth, idp, "password-user", client_id=GATEWAY)
    assert (code, message) == ("InvalidParameterException",
                               "USER_AUTH flow not enabled for this client")


# -- SELECT_CHALLENGE ------------------------------------------------------------------------


@pytest.mark.parametrize(("login", "available"), [
    ("choice-password-user", ["PASSWORD", "PASSWORD_SRP"]),
    ("choice-email-user", ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]),
    ("choice-email@example.com", ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]),  # email alias
    ("choice-sms-user", ["PASSWORD", "PASSWORD_SRP", "SMS_OTP"]),
    ("passkey-user", ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]),  # no passkey yet
])
def test_select_challenge_offers_what_the_user_can_use(idp: Any, url: str, login: str,
                                                       available: list[str]) -> None:
    challenge = user_auth(idp, login)
    assert challenge["ChallengeName"] == "SELECT_CHALLENGE"
    assert challenge["AvailableChallenges"] == available
    assert len(challenge["Session"]) >= 20
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] != ""
    (logged,) = calls(url, "InitiateAuth")
    assert (logged["auth_flow"], logged["next_challenge"]) == ("USER_AUTH", "SELECT_CHALLENGE")


def test_unverified_contacts_and_mfa_users_get_no_passwordless_factor(idp: Any) -> None:
    assert user_auth(idp, "unverified-user", client_id=RP_PUBLIC)["AvailableChallenges"] == [
        "PASSWORD", "PASSWORD_SRP"]
    # mfa-user has a verified email but TOTP MFA: passwordless is not offered.
    assert user_auth(idp, "mfa-user", client_id=RP_PUBLIC)["AvailableChallenges"] == [
        "PASSWORD", "PASSWORD_SRP"]
    assert user_auth(idp, "plain-user", client_id=RP_PUBLIC)["AvailableChallenges"] == [
        "PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]


def test_password_answer_signs_in_and_each_round_has_a_new_session(idp: Any, url: str) -> None:
    challenge = user_auth(idp, "choice-password-user")
    code, message = refused(choose, idp, challenge, "PASSWORD", PASSWORD="Wrong-Passw0rd!")
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")
    challenge = user_auth(idp, "choice-password-user")
    again = user_auth(idp, "choice-password-user")
    assert challenge["Session"] != again["Session"]
    tokens = choose(idp, challenge, "PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]
    assert tokens["AccessToken"] and tokens["RefreshToken"]
    logged = calls(url, "RespondToAuthChallenge")[-1]
    assert (logged["challenge"], logged["next_challenge"], logged["error"]) == (
        "SELECT_CHALLENGE", None, None)
    # The Session was spent.
    code, message = refused(choose, idp, challenge, "PASSWORD", PASSWORD=PASSWORD)
    assert message == "Invalid session for the user, session can only be used once."


def test_password_without_the_password_asks_for_it(idp: Any) -> None:
    challenge = choose(idp, user_auth(idp, "choice-password-user"), "PASSWORD")
    assert challenge["ChallengeName"] == "PASSWORD"
    tokens = respond(idp, challenge, {"PASSWORD": PASSWORD}, client_id=CHOICE_CLIENT)
    assert "AuthenticationResult" in tokens


def test_password_srp_answer_goes_through_password_verifier(idp: Any) -> None:
    srp = SrpClient(CHOICE_POOL, PASSWORD)
    verifier = choose(idp, user_auth(idp, "choice-sms-user"), "PASSWORD_SRP", SRP_A=srp.srp_a)
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    assert verifier["Session"]
    claim = srp.claim(verifier["ChallengeParameters"])
    claim["SECRET_HASH"] = secret_hash(claim["USERNAME"], CHOICE_CLIENT)
    result = idp.respond_to_auth_challenge(
        ClientId=CHOICE_CLIENT, ChallengeName="PASSWORD_VERIFIER", Session=verifier["Session"],
        ChallengeResponses=claim)
    assert "AuthenticationResult" in result


def test_preferred_password_srp_starts_with_password_verifier(idp: Any) -> None:
    srp = SrpClient(CHOICE_POOL, PASSWORD)
    verifier = user_auth(idp, "choice-password-user", PREFERRED_CHALLENGE="PASSWORD_SRP",
                         SRP_A=srp.srp_a)
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"


def test_preferred_password_signs_in_at_once(idp: Any) -> None:
    result = user_auth(idp, "choice-password-user", PREFERRED_CHALLENGE="PASSWORD",
                       PASSWORD=PASSWORD)
    assert "AuthenticationResult" in result


def test_a_preferred_factor_the_user_lacks_gives_select_challenge(idp: Any) -> None:
    challenge = user_auth(idp, "choice-password-user", PREFERRED_CHALLENGE="EMAIL_OTP")
    assert challenge["ChallengeName"] == "SELECT_CHALLENGE"
    assert challenge["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    code, _ = refused(choose, idp, challenge, "EMAIL_OTP")
    assert code == "InvalidParameterException"


def test_mfa_still_follows_a_password(idp: Any, url: str) -> None:
    challenge = user_auth(idp, "mfa-user", client_id=RP_PUBLIC)
    mfa = choose(idp, challenge, "PASSWORD", client_id=RP_PUBLIC, PASSWORD=TEST_PASSWORD)
    assert mfa["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    code = totp(url, "mfa-user", RP_POOL)["code"]
    result = respond(idp, mfa, {"SOFTWARE_TOKEN_MFA_CODE": code}, client_id=RP_PUBLIC)
    assert "AuthenticationResult" in result


# -- one-time codes --------------------------------------------------------------------------


def test_email_otp_sends_a_sign_in_code_and_checks_it(idp: Any, url: str) -> None:
    challenge = choose(idp, user_auth(idp, "choice-email-user"), "EMAIL_OTP")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "c***@e***"
    (message,) = outbox(url, "choice-email-user")
    assert (message["purpose"], message["medium"]) == ("SIGN_IN", "EMAIL")
    code, text = refused(respond, idp, challenge, {"EMAIL_OTP_CODE": "000000"},
                         client_id=CHOICE_CLIENT)
    assert (code, text) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    # A wrong code keeps the Session; the right one ends the sign-in, without MFA.
    result = respond(idp, challenge, {"EMAIL_OTP_CODE": message["code"]},
                     client_id=CHOICE_CLIENT)
    assert "AuthenticationResult" in result
    code, _ = refused(respond, idp, challenge, {"EMAIL_OTP_CODE": message["code"]},
                      client_id=CHOICE_CLIENT)
    assert code == "NotAuthorizedException"


def test_sms_otp_preferred_and_its_code_expires(idp: Any, url: str) -> None:
    challenge = user_auth(idp, "choice-sms-user", PREFERRED_CHALLENGE="SMS_OTP")
    assert challenge["ChallengeName"] == "SMS_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0102"
    assert outbox(url, "choice-sms-user")[-1]["medium"] == "SMS"
    # A client whose sessions outlive the code (10 minutes): the code expires after 3.
    challenge = user_auth(idp, "plain-user", client_id=RP_PUBLIC, PREFERRED_CHALLENGE="SMS_OTP")
    advance_clock(url, 181)
    code, _ = refused(respond, idp, challenge, {"SMS_OTP_CODE": last_code(url, "plain-user")},
                      client_id=RP_PUBLIC)
    assert code == "ExpiredCodeException"


def test_five_wrong_codes_end_the_session(idp: Any, url: str) -> None:
    challenge = user_auth(idp, "choice-sms-user", PREFERRED_CHALLENGE="SMS_OTP")
    for _ in range(5):
        assert refused(respond, idp, challenge, {"SMS_OTP_CODE": "000000"},
                       client_id=CHOICE_CLIENT)[0] == "CodeMismatchException"
    code, message = refused(respond, idp, challenge,
                            {"SMS_OTP_CODE": last_code(url, "choice-sms-user")},
                            client_id=CHOICE_CLIENT)
    assert (code, message) == ("NotAuthorizedException", "Invalid session for the user.")


# -- client secret, context, unknown users ---------------------------------------------------


def test_secret_hash_on_every_step(idp: Any) -> None:
    code, _ = refused(idp.initiate_auth, AuthFlow="USER_AUTH", ClientId=CHOICE_CLIENT,
                      AuthParameters={"USERNAME": "choice-email-user"})
    assert code == "NotAuthorizedException"
    challenge = user_auth(idp, "choice-email-user")
    code, message = refused(idp.respond_to_auth_challenge, ClientId=CHOICE_CLIENT,
                            ChallengeName="SELECT_CHALLENGE", Session=challenge["Session"],
                            ChallengeResponses={"USERNAME": "choice-email-user",
                                                "ANSWER": "EMAIL_OTP"})
    assert (code, message) == ("NotAuthorizedException", "Client 9demopasskeyclient00000009 is "
                               "configured with secret but SECRET_HASH was not received")


def test_user_context_data_is_recorded(idp: Any, url: str) -> None:
    context = {"IpAddress": "198.51.100.7", "EncodedData": "fingerprint"}
    challenge = idp.initiate_auth(
        AuthFlow="USER_AUTH", ClientId=CHOICE_CLIENT, UserContextData=context,
        AuthParameters={"USERNAME": "choice-email-user",
                        "SECRET_HASH": secret_hash("choice-email-user", CHOICE_CLIENT)})
    respond(idp, challenge, {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
            client_id=CHOICE_CLIENT, UserContextData=context)
    for operation in ("InitiateAuth", "RespondToAuthChallenge"):
        logged = calls(url, operation)[-1]
        assert logged["user_context_data"] == context
        assert (logged["ip_honoured"], logged["effective_ip"]) == (True, "198.51.100.7")


def test_unknown_user_without_prevention_is_user_not_found(idp: Any) -> None:
    # RP_PUBLIC is LEGACY (the demo choice client prevents existence errors).
    assert refused(user_auth, idp, "nobody", client_id=RP_PUBLIC)[0] == "UserNotFoundException"


def test_unknown_user_with_prevention_gets_plausible_choices_and_fails_later(
        idp: Any, url: str) -> None:
    challenge = user_auth(idp, "nobody@example.com", client_id=RP_PREVENTING)
    assert challenge["ChallengeName"] == "SELECT_CHALLENGE"
    assert challenge["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP",
                                                "SMS_OTP"]
    code, message = refused(choose, idp, challenge, "PASSWORD", client_id=RP_PREVENTING,
                            PASSWORD="Any-Passw0rd!")
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")
    otp = choose(idp, user_auth(idp, "nobody@example.com", client_id=RP_PREVENTING),
                 "EMAIL_OTP", client_id=RP_PREVENTING)
    assert otp["ChallengeName"] == "EMAIL_OTP"
    assert otp["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "n***@e***"
    assert outbox(url, "nobody@example.com") == []
    code, _ = refused(respond, idp, otp, {"EMAIL_OTP_CODE": "123456"}, client_id=RP_PREVENTING)
    assert code == "CodeMismatchException"
    # A real user with a wrong password reads the same.
    real = user_auth(idp, "plain-user", client_id=RP_PREVENTING)
    assert refused(choose, idp, real, "PASSWORD", client_id=RP_PREVENTING,
                   PASSWORD="Any-Passw0rd!") == (code.replace("CodeMismatch", "NotAuthorized"),
                                                 "Incorrect username or password.")


def test_unknown_user_srp_gets_a_verifier_that_never_verifies(idp: Any) -> None:
    srp = SrpClient(RP_POOL, "Any-Passw0rd!")
    verifier = user_auth(idp, "nobody", client_id=RP_PREVENTING,
                         PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=srp.srp_a)
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    code, message = refused(idp.respond_to_auth_challenge, ClientId=RP_PREVENTING,
                            ChallengeName="PASSWORD_VERIFIER", Session=verifier["Session"],
                            ChallengeResponses=srp.claim(verifier["ChallengeParameters"]))
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")


# -- GetUserAuthFactors ----------------------------------------------------------------------


def test_get_user_auth_factors(idp: Any) -> None:
    tokens = user_auth(idp, "choice-email-user", PREFERRED_CHALLENGE="PASSWORD",
                       PASSWORD=PASSWORD)["AuthenticationResult"]
    factors = idp.get_user_auth_factors(AccessToken=tokens["AccessToken"])
    assert factors["Username"] == "choice-email-user"
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP"]
    assert "UserMFASettingList" not in factors
    tokens = user_auth(idp, "mfa-user", client_id=RP_PUBLIC)
    mfa = choose(idp, tokens, "PASSWORD", client_id=RP_PUBLIC, PASSWORD=TEST_PASSWORD)
    assert mfa["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
