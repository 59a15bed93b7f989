"""Helpers only the accounts tests use; alice and PASSWORD are in testing.py."""

import email
import re
from email.message import EmailMessage
from email.policy import default as default_policy

from testing import PASSWORD


def post(client, path: str, body: dict, **extra):
    return client.post(path, body, content_type="application/json", **extra)


def login(client, email: str = "alice@example.com", password: str = PASSWORD, **extra):
    return post(client, "/auth/login", {"email": email, "password": password}, **extra)


class Inbox:
    """What a real SMTP server (aiosmtpd, over TCP) received. With `refusing` set it
    answers every message with a temporary failure, as a struggling server would."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refusing = False

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def token(self, address: str, path: str) -> str:
        """The token of the link to `path` in the last message to `address`."""
        [*_, message] = self.to(address)
        text = message.get_body(("plain",)).get_content()
        return re.search(rf"{re.escape(path)}\?token=(\S+)", text).group(1)
