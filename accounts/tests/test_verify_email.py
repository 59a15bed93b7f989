"""Registration emails a verification link over real SMTP; opening it once verifies the
address and brings the welcome credits."""

import pytest
from django.utils.http import int_to_base36

from accounts.models import User
from accounts.tests.helpers import login, post
from accounts.tokens import email_verification_tokens, make_token, password_reset_tokens
from testing import PASSWORD, api_for, available, entries_of, order, person
from wallet.models import EntryKind

pytestmark = pytest.mark.django_db

LINK = "http://app.example/verify-email"


@pytest.fixture(autouse=True)
def _config(settings):
    settings.FRONTEND_URL = "http://app.example"
    settings.PRODUCT_NAME = "Storyville"
    settings.WELCOME_CREDITS = 200
    settings.WELCOME_CREDITS_AFTER = "verification"


def register(client, committed, email="alice@example.com"):
    with committed():
        response = post(client, "/auth/register", {"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.json()
    return response


def verify(client, token):
    return post(client, "/auth/verify-email", {"token": token})


def test_registration_emails_a_link_that_verifies_and_brings_the_credits(
    client, smtp_server, committed
):
    body = register(client, committed).json()
    assert (body["user"]["email_verified"], body["user"]["credits"]) == (False, 0)

    [message] = smtp_server.to("alice@example.com")
    assert message["Subject"] == "Confirm your email for Storyville"
    assert f"{LINK}?token=" in message.get_body(("html",)).get_content()
    response = verify(client, smtp_server.token("alice@example.com", LINK))

    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    assert (response.json()["email_verified"], response.json()["credits"]) == (True, 200)
    alice = User.objects.get(email="alice@example.com")
    assert alice.email_verified
    assert len(entries_of(alice, EntryKind.WELCOME)) == 1


def test_a_link_works_once(client, smtp_server, committed):
    register(client, committed)
    token = smtp_server.token("alice@example.com", LINK)
    assert verify(client, token).status_code == 200

    response = verify(client, token)

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    assert available(User.objects.get()) == 200


def test_an_expired_link_is_refused(client, settings):
    settings.VERIFY_EMAIL_TOKEN_HOURS = 24
    alice = person("alice", verified=False)
    generator = email_verification_tokens
    issued = generator._num_seconds(generator._now()) - 24 * 3600 - 1
    uid, _ = make_token(generator, alice).split(".")
    token = f"{uid}.{generator._make_token_with_timestamp(alice, issued, generator.secret)}"
    assert int_to_base36(issued) in token

    response = verify(client, token)

    assert (response.status_code, response.json()["code"]) == (400, "token_invalid")
    assert not User.objects.get().email_verified
    assert available(alice) == 0


def test_a_link_just_inside_its_lifetime_works(client, settings):
    alice = person("alice", verified=False)
    generator = email_verification_tokens
    issued = generator._num_seconds(generator._now()) - 24 * 3600 + 60
    uid, _ = make_token(generator, alice).split(".")
    token = f"{uid}.{generator._make_token_with_timestamp(alice, issued, generator.secret)}"
    assert verify(client, token).status_code == 200


@pytest.mark.parametrize(
    "token", ["", "junk", "a.b", "not-base64!.1-2", "AAAAAAAAAAAAAAAAAAAAAA.abc-def", "." * 50]
)
def test_a_malformed_token_is_refused(client, token):
    response = verify(client, token)
    assert response.status_code == 400


def test_a_token_for_someone_else_is_refused(client):
    alice, bob = person("alice", verified=False), person("bob", verified=False)
    alice_uid, _ = make_token(email_verification_tokens, alice).split(".")
    _, bobs = make_token(email_verification_tokens, bob).split(".")
    response = verify(client, f"{alice_uid}.{bobs}")
    assert (response.status_code, response.json()["code"]) == (400, "token_invalid")


def test_a_password_reset_token_does_not_verify(client):
    alice = person("alice", verified=False)
    response = verify(client, make_token(password_reset_tokens, alice))
    assert (response.status_code, response.json()["code"]) == (400, "token_invalid")


def test_resend_sends_a_new_working_link(smtp_server, committed):
    alice = person("alice", verified=False)
    client = api_for(alice)
    with committed():
        response = client.post("/auth/verify-email/resend")
    assert response.status_code == 202
    assert len(smtp_server.to("alice@example.com")) == 1
    assert verify(client, smtp_server.token("alice@example.com", LINK)).status_code == 200


def test_resend_sends_nothing_once_verified(smtp_server, committed):
    client = api_for(person("alice"))
    with committed():
        response = client.post("/auth/verify-email/resend")
    assert response.status_code == 202
    assert response.json()["detail"] == "This email address is already verified."
    assert smtp_server.messages == []


def test_resend_needs_a_token(client):
    assert client.post("/auth/verify-email/resend").status_code == 401


def test_resend_is_throttled(settings, smtp_server, committed):
    client = api_for(person("alice", verified=False))
    statuses = []
    for _ in range(6):
        with committed():
            statuses.append(client.post("/auth/verify-email/resend").status_code)
    assert statuses == [202] * 5 + [429]
    assert len(smtp_server.to("alice@example.com")) == 5


def test_an_unverified_user_can_sign_in_see_the_models_and_spend_bought_credits(
    client, sora_provider
):
    alice = person("alice", verified=False, credits=80)
    assert login(client).status_code == 200
    assert client.get("/models").status_code == 200
    assert order(api_for(alice)).status_code == 201
    assert available(alice) == 0


def test_registration_mode_grants_at_once_and_verification_adds_nothing(
    client, settings, smtp_server, committed
):
    settings.WELCOME_CREDITS_AFTER = "registration"
    assert register(client, committed).json()["user"]["credits"] == 200
    assert verify(client, smtp_server.token("alice@example.com", LINK)).json()["credits"] == 200
