"""Custom authentication through both faces, against the emulator running the two example
triggers for real: CUSTOM_AUTH (the username, then a code the trigger emails) and
CUSTOM_AUTH_SRP (the password by SRP, then a question with three tries). A wrong answer then a
right one, three wrong answers ending the sign-in, what reaches Cognito on each round, and the
template a challenge picks."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from cognito_srp import secret_hash
from tests.demo import (
    CODE_CLIENT,
    CODE_POOL,
    CODE_SECRET,
    CODE_USER,
    PASSWORD,
    QUESTION_ANSWER,
    QUESTION_CLIENT,
    QUESTION_POOL,
    QUESTION_SECRET,
    QUESTION_USER,
)
from tests.gateway.drivers import GatewayFactory, HtmlDriver, Step, drive
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.test_cognito_requests import observe


async def code_gateway(make_gateway: GatewayFactory, **overrides: str) -> TestClient:
    return await make_gateway(user_pool_id=CODE_POOL, client_id=CODE_CLIENT,
                              client_secret=CODE_SECRET, auth_flow="CUSTOM_AUTH", **overrides)


async def question_gateway(make_gateway: GatewayFactory) -> TestClient:
    return await make_gateway(user_pool_id=QUESTION_POOL, client_id=QUESTION_CLIENT,
                              client_secret=QUESTION_SECRET, auth_flow="CUSTOM_AUTH_SRP")


def shows(step: Step, text: str) -> bool:
    """The step shows ``text``: on its page, or among the API's public parameters."""
    if step.page is not None:
        return text in step.page.text
    return text in step.parameters.values()


async def test_the_login_form_asks_for_the_username_alone(make_gateway: GatewayFactory) -> None:
    gateway = await code_gateway(make_gateway)
    page = await HtmlDriver(gateway).get("/login")
    assert page.form("/login").names == ["csrf", "encoded_data", "return_to", "username"]
    # A password where none is asked is refused nowhere: it is simply not used.
    ordinary = await make_gateway()
    assert "password" in (await HtmlDriver(ordinary).get("/login")).form("/login").names


async def test_a_code_by_email_wrong_then_right(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await code_gateway(make_gateway), face)
    step = await driver.login(CODE_USER, "")
    assert (step.view, step.challenge, step.notice) == ("custom", "CUSTOM_CHALLENGE", None)
    assert shows(step, "c***@e***")  # the masked address, from the trigger's public parameters
    code = await hooks.latest_code(CODE_USER)
    wrong = "000000" if code != "000000" else "111111"

    again = await driver.answer(step, {"answer": wrong})
    assert (again.view, again.status, again.error) == ("custom", 200, None)
    assert again.notice == "answer_not_accepted"
    assert len(await hooks.messages(CODE_USER)) == 1  # the retry reuses the code it sent

    done = await driver.answer(again, {"answer": code})
    assert done.signed_in, done
    session = await driver.session()
    assert session is not None


async def test_three_wrong_answers_end_the_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await code_gateway(make_gateway), face)
    step = await driver.login(CODE_USER, "")
    code = await hooks.latest_code(CODE_USER)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        step = await driver.answer(step, {"answer": wrong})
        assert step.notice == "answer_not_accepted"
    ended = await driver.answer(step, {"answer": wrong})
    assert ended.error == "sign_in_failed"
    if face == "json":
        assert ended.status == 401 and ended.parameters["restart"] is True
    else:
        assert ended.view == "login"  # back at the start, saying why
    # The spent sign-in cannot be answered any more, not even with the right code.
    late = await driver.answer(step, {"answer": code}) if face == "json" else None
    assert late is None or late.error == "flow_expired"


async def test_password_then_a_question(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await question_gateway(make_gateway), face)
    refused = await driver.login(QUESTION_USER, "Wrong-Passw0rd!")
    assert refused.error == "invalid_credentials"
    step = await driver.login(QUESTION_USER, PASSWORD)
    assert (step.view, step.challenge) == ("custom", "CUSTOM_CHALLENGE")
    assert shows(step, "What is six times seven?")
    again = await driver.answer(step, {"answer": "41"})
    assert again.notice == "answer_not_accepted"
    if again.page is not None:
        assert again.page.by_id["f-answer-hint"] == "2 tries left."
    else:
        assert again.parameters["attemptsLeft"] == "2"
    done = await driver.answer(again, {"answer": f"  {QUESTION_ANSWER} "})
    assert done.signed_in, done


async def test_what_reaches_cognito_on_each_round(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(user_pool_id=QUESTION_POOL, client_id=QUESTION_CLIENT,
                                 client_secret=QUESTION_SECRET, auth_flow="CUSTOM_AUTH_SRP",
                                 client_metadata='{"tenant": "acme"}')
    seen = observe(gateway)
    driver = drive(gateway, "json")
    step = await driver.login(QUESTION_USER, PASSWORD)
    step = await driver.answer(step, {"answer": "41"})
    assert (await driver.answer(step, {"answer": QUESTION_ANSWER})).signed_in

    calls = [(op, p) for op, p in seen if op in {"InitiateAuth", "RespondToAuthChallenge"}]
    (_, initiate), *answers = calls
    assert initiate["AuthFlow"] == "CUSTOM_AUTH"
    assert initiate["AuthParameters"]["CHALLENGE_NAME"] == "SRP_A"
    assert "PASSWORD" not in initiate["AuthParameters"]
    assert [p["ChallengeName"] for _, p in answers] == [
        "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE", "CUSTOM_CHALLENGE"]
    assert [p["ChallengeResponses"].get("ANSWER") for _, p in answers[1:]] == ["41", "42"]
    for _, params in calls:
        assert params["ClientMetadata"] == {"tenant": "acme"}
    for _, params in answers:
        responses = params["ChallengeResponses"]
        assert responses["SECRET_HASH"] == secret_hash(
            responses["USERNAME"], QUESTION_CLIENT, QUESTION_SECRET)
    # Each round has its own Session; the answered one is spent.
    sessions = [p["Session"] for _, p in answers]
    assert len(set(sessions)) == 3
    assert PASSWORD not in str(seen)


async def test_plain_custom_auth_sends_no_password(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await code_gateway(make_gateway)
    seen = observe(gateway)
    status, _ = await drive(gateway, "json").call(  # type: ignore[union-attr]
        "POST", "/auth/login", {"username": CODE_USER, "password": "typed anyway"})
    assert status == 200
    ((_, initiate),) = [(op, p) for op, p in seen if op == "InitiateAuth"]
    assert initiate["AuthFlow"] == "CUSTOM_AUTH"
    assert set(initiate["AuthParameters"]) == {"USERNAME", "SECRET_HASH"}


async def test_an_unknown_user_is_refused_on_the_username(
    make_gateway: GatewayFactory, face: str
) -> None:
    driver = drive(await code_gateway(make_gateway), face)
    refused = await driver.login("nobody-here", "")
    assert refused.error == "invalid_credentials"
    if refused.page is not None:
        marked = [i["name"] for i in refused.page.elements_named("input")
                  if i.get("aria-invalid") == "true"]
        assert marked == ["username"]
        assert "email or username" in refused.page.text


async def test_a_challenge_template_from_the_template_dir(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, tmp_path: Path
) -> None:
    own = tmp_path / "challenges" / "custom"
    own.mkdir(parents=True)
    (own / "email-code.html").write_text(
        '{% extends "_step.html" %}{% block heading %}Our own code page{% endblock %}'
        '{% block fields %}{{ form.input("answer", "The code") }}'
        '<p id="where">{{ public.email }}</p>{% endblock %}', encoding="utf-8")
    gateway = await code_gateway(make_gateway, template_dir=str(tmp_path))
    step = await HtmlDriver(gateway).login(CODE_USER, "")
    assert step.page is not None and "Our own code page" in step.page.text
    assert step.page.by_id["where"] == "c***@e***"


async def test_the_built_in_pages(make_gateway: GatewayFactory, hooks: EmulatorHooks) -> None:
    """The demo trigger names the built-in email-code page; the question names none and gets
    the default form, its question as the field's label."""
    driver = HtmlDriver(await code_gateway(make_gateway))
    step = await driver.login(CODE_USER, "")
    assert step.page is not None
    assert "Enter the code we emailed you" in step.page.text
    question = HtmlDriver(await question_gateway(make_gateway))
    asked = await question.login(QUESTION_USER, PASSWORD)
    assert asked.page is not None
    assert asked.page.by_id["f-answer-hint"] == "3 tries left."
    (label,) = [text for text in asked.page.text.split("  ") if "six times" in text]
    assert "What is six times seven?" in label
